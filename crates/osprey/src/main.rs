//! `osprey`: the command-line front end. Each subcommand is a thin layer over a library crate;
//! this file only parses arguments and reports errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod alerts_cmd;
mod analyze;
mod bench;
mod config;
mod log;
mod output;
mod serve;
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
    /// List a log's alerts (filtered, as a table or JSON), or export an alert's evidence
    /// packets to pcapng.
    Alerts(alerts_cmd::Args),
    /// Read captures (pcap, pcapng, kismetdb) and report what is in them.
    Analyze(analyze::Args),
    /// Print the default configuration (`--defaults`) or check a configuration file.
    Config(config::Args),
    /// Serve Kismet's REST API and event bus over sources run live, or over a log.
    Serve(serve::Args),
    /// Inspect and convert kismetdb log files (Kismet's `.kismet` logs and Osprey's).
    #[command(subcommand)]
    Log(LogCommand),
    /// Benchmarks: generate a workload, time analyze on it, load the server.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Write a deterministic synthetic radiotap capture (access points, clients, a realistic
    /// frame mix, attack bursts).
    Gen(bench::gen::Args),
    /// Time `osprey analyze` on a capture (packets/s, peak RSS) next to a bare SQLite insert
    /// ceiling measured in the same run.
    Run(bench::run::Args),
    /// Poll the REST API with many clients during a replay and report latency percentiles.
    Serve(bench::serve::Args),
}

#[derive(Subcommand, Debug)]
enum LogCommand {
    /// Show a log's db version, the program that wrote it, its time span and row counts.
    Info(log::info::Args),
    /// Copy a log of any db version (1 to 10) into a new db_version 9 log.
    Upgrade(log::upgrade::Args),
    /// Export packets to pcapng (default) or pcap, with filters (Kismet's kismetdb_to_pcap).
    ToPcap(log::to_pcap::Args),
    /// Print device records as a JSON array or one object per line (kismetdb_dump_devices).
    DumpDevices(log::dump_devices::Args),
    /// What kismetdb_statistics reports: sources, devices, packets, time and location span.
    Stats(log::stats::Args),
    /// A KML map of located devices (kismetdb_to_kml).
    ToKml(log::to_kml::Args),
    /// A WiGLE CSV upload file (kismetdb_to_wiglecsv).
    ToWiglecsv(log::to_wiglecsv::Args),
    /// The GPS track as GPX 1.1 (kismetdb_to_gpx).
    ToGpx(log::to_gpx::Args),
    /// A copy of the log without packet bytes (kismetdb_strip_packets).
    StripPackets(log::strip_packets::Args),
    /// Recover an unclean log into a new file: journal rolled back, checked, vacuumed.
    Clean(log::clean::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Alerts(args) => alerts_cmd::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Log(LogCommand::Info(args)) => log::info::run(&args),
        Command::Log(LogCommand::Upgrade(args)) => log::upgrade::run(&args),
        Command::Log(LogCommand::ToPcap(args)) => log::to_pcap::run(&args),
        Command::Log(LogCommand::DumpDevices(args)) => log::dump_devices::run(&args),
        Command::Log(LogCommand::Stats(args)) => log::stats::run(&args),
        Command::Log(LogCommand::ToKml(args)) => log::to_kml::run(&args),
        Command::Log(LogCommand::ToWiglecsv(args)) => log::to_wiglecsv::run(&args),
        Command::Log(LogCommand::ToGpx(args)) => log::to_gpx::run(&args),
        Command::Log(LogCommand::StripPackets(args)) => log::strip_packets::run(&args),
        Command::Log(LogCommand::Clean(args)) => log::clean::run(&args),
        Command::Bench(BenchCommand::Gen(args)) => bench::gen::run(&args),
        Command::Bench(BenchCommand::Run(args)) => bench::run::run(&args),
        Command::Bench(BenchCommand::Serve(args)) => bench::serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::note(&format!("osprey: {e}"));
            ExitCode::FAILURE
        }
    }
}
