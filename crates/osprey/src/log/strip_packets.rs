//! `osprey log strip-packets`: a copy of a log without packet payloads (Kismet's
//! `kismetdb_strip_packets`), for sharing a log without the traffic it captured.
//!
//! Every table and row is kept (`data` included, as Kismet does); only `packets.packet` becomes
//! zero-length. The input is read-only unless `--in-place` is given.

use std::path::PathBuf;

use osprey_logtools::maintenance::{self, StripOptions};

/// A copy of the log without packet payloads (kismetdb_strip_packets).
///
/// Every table and row is copied as it is, with the schema and rowids, except that each
/// packet's payload (`packets.packet`) becomes zero bytes; `packet_len` and
/// `packet_full_len` keep the original lengths. The input is opened read-only; the output
/// appears only when complete.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb to read.
    pub input: PathBuf,
    /// The stripped log to write.
    #[arg(
        short,
        long,
        value_name = "OUT",
        required_unless_present = "in_place",
        conflicts_with = "in_place"
    )]
    pub output: Option<PathBuf>,
    /// Replace INPUT with its stripped copy (written beside it, then renamed over it).
    #[arg(long)]
    pub in_place: bool,
    /// Replace OUT if it exists.
    #[arg(short, long)]
    pub force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `osprey log strip-packets`.
pub fn run(args: &Args) -> Result<(), String> {
    let report = match &args.output {
        Some(out) if out.as_os_str() == "-" => {
            return Err("a kismetdb cannot be written to stdout; give a file name".into())
        }
        Some(out) => {
            maintenance::strip_packets(&args.input, out, &StripOptions { force: args.force })
        }
        None => maintenance::strip_packets_in_place(&args.input),
    }
    .map_err(|e| e.to_string())?;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        report.render_text()
    };
    crate::output::write_stdout(&text)
}
