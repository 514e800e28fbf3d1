//! `osprey`: the command-line front end. Each subcommand is a thin layer over a library crate;
//! this file only parses arguments and reports errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod log;
mod output;
mod timefmt;

/// Osprey: a wireless intrusion detection system compatible with Kismet's alerts and
/// kismetdb logs.
#[derive(Parser, Debug)]
#[command(name = "osprey", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Inspect and convert kismetdb log files (Kismet's `.kismet` logs and Osprey's).
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Subcommand, Debug)]
enum LogCommand {
    /// Show a log's db version, the program that wrote it, its time span and row counts.
    Info {
        /// The kismetdb file.
        file: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Roll back the unfinished transaction of a log whose writer was killed (this modifies
        /// the file; without it such a log is refused).
        #[arg(long)]
        recover: bool,
        /// Also run SQLite's integrity check over the whole file.
        #[arg(long)]
        check: bool,
    },
    /// Copy a log of any db version (1 to 10) into a new db_version 9 log.
    ///
    /// GPS columns of version ≤ 4 logs are converted from integers × 100 000 to degrees;
    /// columns an old version lacks are written as Kismet's zero values. The output is written
    /// to OUTPUT.partial and renamed to OUTPUT when complete.
    Upgrade {
        /// The kismetdb to read.
        input: PathBuf,
        /// The new log to write (must not exist).
        output: PathBuf,
        /// Commit at least this often, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        commit_interval_ms: u64,
        /// Commit at least every this many rows.
        #[arg(long, default_value_t = 100_000)]
        commit_rows: usize,
        /// Print a line on stderr after each commit.
        #[arg(long)]
        progress: bool,
        /// Roll back a hot journal left in INPUT by a killed writer (modifies INPUT).
        #[arg(long)]
        recover: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Log(LogCommand::Info {
            file,
            json,
            recover,
            check,
        }) => log::info::run(&file, json, recover, check),
        Command::Log(LogCommand::Upgrade {
            input,
            output,
            commit_interval_ms,
            commit_rows,
            progress,
            recover,
        }) => log::upgrade::run(&log::upgrade::Args {
            input,
            output,
            commit_interval_ms,
            commit_rows,
            progress,
            recover,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::note(&format!("osprey: {e}"));
            ExitCode::FAILURE
        }
    }
}
