//! `osprey log to-gpx`: the GPS track of a log as GPX 1.1, like Kismet's `kismetdb_to_gpx`
//! but without modifying the input (see `osprey_logtools::geo::gpx`).

use std::io::Write;
use std::path::{Path, PathBuf};

use kismetdb::Reader;
use osprey_logtools::geo::gpx::{self, GpxOptions, GpxSummary};
use osprey_logtools::geo::{Exclusion, PositionMode};

use super::to_kml::{common_notes, export, out_name, parse_exclusion, parse_position, title};

/// Write the GPS track of a log (time ordered) and its located devices as GPX 1.1.
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
    /// Only the track: no waypoint per device.
    #[arg(long)]
    pub track_only: bool,
    /// Where to place a device's waypoint: `average` of the positions it was seen at, or
    /// where its `strongest` signal was received.
    #[arg(long, value_name = "HOW", default_value = "average", value_parser = parse_position)]
    pub position: PositionMode,
    /// Place waypoints from the averages the devices table stores instead of the rows'
    /// positions.
    #[arg(long)]
    pub basic_location: bool,
    /// Leave out everything within METERS of LAT,LON (repeatable), e.g. around your home.
    #[arg(short, long, value_name = "LAT,LON,METERS", value_parser = parse_exclusion, allow_hyphen_values = true)]
    pub exclude: Vec<Exclusion>,
    /// Start a new track segment where two fixes are more than this many seconds apart
    /// (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub segment_gap: u64,
    /// Report counts on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
}

/// Runs `osprey log to-gpx`.
pub fn run(args: &Args) -> Result<(), String> {
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    let opts = GpxOptions {
        position: args.position,
        exclusions: args.exclude.clone(),
        waypoints: !args.track_only,
        segment_gap_s: (args.segment_gap > 0).then_some(args.segment_gap),
        basic_location: args.basic_location,
        title: title(&args.input),
    };
    let out = args.out.as_deref();
    let Some(s) = export(&args.input, out, args.force, |w| {
        gpx::write_gpx(&reader, &opts, w)
    })?
    else {
        return Ok(());
    };
    report(&args.input, out, &s, args.verbose);
    Ok(())
}

fn report(input: &Path, out: Option<&Path>, s: &GpxSummary, verbose: bool) {
    let empty = s.track_points == 0 && s.waypoints == 0;
    common_notes(
        input,
        &s.missing_tables,
        &s.points,
        empty,
        false,
        &format!(
            "{} is a valid GPX document without a track or waypoints",
            out_name(out)
        ),
    );
    if verbose {
        crate::output::note(&format!(
            "{}: {} track points in {} segments, {} waypoints ({} devices without a position); \
             {} located rows used, {} excluded by zones",
            input.display(),
            s.track_points,
            s.segments,
            s.waypoints,
            s.unlocated,
            s.points.used,
            s.points.excluded
        ));
    }
    let _ = std::io::stderr().flush();
}
