//! `osprey log stats`: what Kismet's `kismetdb_statistics` reports, correct and without
//! modifying the input (see `osprey_logtools::stats`).

use std::path::PathBuf;

use kismetdb::Reader;

/// Report a log's version, packet, data and device counts, datasources, packet tags, GPS
/// bounding box and track length.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb file (opened read-only; never modified).
    pub input: PathBuf,
    /// Print one JSON object (Kismet's keys plus more) instead of text.
    #[arg(short, long)]
    pub json: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
}

/// Runs `osprey log stats`.
pub fn run(args: &Args) -> Result<(), String> {
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    let stats = osprey_logtools::stats::gather(&reader).map_err(|e| e.to_string())?;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&stats.to_json()).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        stats.render_text()
    };
    crate::output::write_stdout(&text)
}
