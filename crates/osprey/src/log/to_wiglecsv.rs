//! `osprey log to-wiglecsv`: network sightings as WiGLE CSV 1.6, like Kismet's
//! `kismetdb_to_wiglecsv` but without modifying the input (see `osprey_logtools::geo::wigle`).

use std::io::Write;
use std::path::{Path, PathBuf};

use kismetdb::Reader;
use osprey_logtools::geo::wigle::{self, WigleOptions, WigleSummary};
use osprey_logtools::geo::Exclusion;

use super::to_kml::{common_notes, export, out_name, parse_exclusion};

/// Write the located sightings of networks and Bluetooth devices as WiGLE CSV (format 1.6)
/// for upload to wigle.net.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb file (opened read-only; never modified).
    pub input: PathBuf,
    /// Write to this file instead of stdout (`-` is stdout). The file is written under a
    /// temporary name and renamed when complete.
    #[arg(short, long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Replace OUT if it exists.
    #[arg(short, long)]
    pub force: bool,
    /// At most one row per device every this many seconds (a device gets a new row only
    /// when seen at another position; 0: at every change).
    #[arg(short, long, value_name = "SECONDS", default_value_t = 1)]
    pub rate_limit: u64,
    /// Leave out everything within METERS of LAT,LON (repeatable), e.g. around your home.
    #[arg(short, long, value_name = "LAT,LON,METERS", value_parser = parse_exclusion, allow_hyphen_values = true)]
    pub exclude: Vec<Exclusion>,
    /// Report counts on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
    /// Accepted for compatibility with Kismet's tool (the size of its device cache); Osprey
    /// keeps every device.
    #[arg(short, long, value_name = "N", hide = true)]
    pub cache_limit: Option<u64>,
}

/// Runs `osprey log to-wiglecsv`.
pub fn run(args: &Args) -> Result<(), String> {
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    let opts = WigleOptions {
        exclusions: args.exclude.clone(),
        rate_limit_s: args.rate_limit,
    };
    let out = args.out.as_deref();
    let Some(s) = export(&args.input, out, args.force, |w| {
        wigle::write_wigle_csv(&reader, &opts, w)
    })?
    else {
        return Ok(());
    };
    report(&args.input, out, &s, args.verbose);
    Ok(())
}

fn report(input: &Path, out: Option<&Path>, s: &WigleSummary, verbose: bool) {
    let empty = s.wifi_rows + s.bt_rows == 0;
    common_notes(
        input,
        &s.missing_tables,
        &s.points,
        empty,
        false,
        &format!("{} holds the two header lines and no rows", out_name(out)),
    );
    if verbose {
        crate::output::note(&format!(
            "{}: {} Wi-Fi rows, {} Bluetooth rows for {} of {} networks and Bluetooth devices \
             ({} other devices not written); {} sightings repeated a position or fell within \
             the rate limit, {} excluded by zones",
            input.display(),
            s.wifi_rows,
            s.bt_rows,
            s.devices_written,
            s.exportable_devices,
            s.other_devices,
            s.repeats,
            s.points.excluded
        ));
    }
    let _ = std::io::stderr().flush();
}
