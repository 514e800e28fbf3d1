//! `osprey log clean`: recover a log that was not closed cleanly into a new file (Kismet's
//! `kismetdb_clean`, which `VACUUM`s the input in place; this never modifies the input).

use std::path::PathBuf;

use osprey_logtools::maintenance::{self, CleanOptions};

/// Recover an unclean log into a new file: journal rolled back, checked, vacuumed.
///
/// The log and its hot journal (left when the writer was killed) are copied aside; the copy
/// is opened read-write so that SQLite rolls the unfinished transaction back, checked with
/// `PRAGMA integrity_check` and written compacted to OUT. A damaged log is salvaged table by
/// table, and the report says which rows were lost (the command then fails, with OUT written).
/// INPUT and its journal are never modified.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb to recover (with its `-journal` file, if any, beside it).
    pub input: PathBuf,
    /// The recovered log to write.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace OUT if it exists.
    #[arg(short, long)]
    pub force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `osprey log clean`.
pub fn run(args: &Args) -> Result<(), String> {
    if args.output.as_os_str() == "-" {
        return Err("a kismetdb cannot be written to stdout; give a file name".into());
    }
    let report = maintenance::clean(
        &args.input,
        &args.output,
        &CleanOptions { force: args.force },
    )
    .map_err(|e| e.to_string())?;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        report.render_text()
    };
    crate::output::write_stdout(&text)?;
    if report.lossless() {
        Ok(())
    } else {
        Err(format!(
            "{}: damaged: what could be read was salvaged into {}, but rows were lost (see the \
             report)",
            args.input.display(),
            args.output.display()
        ))
    }
}
