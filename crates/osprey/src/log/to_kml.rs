//! `osprey log to-kml`: located devices as KML 2.2 placemarks, like Kismet's
//! `kismetdb_to_kml` but without modifying the input (see `osprey_logtools::geo::kml`).
//!
//! Also holds the output plumbing shared by `to-kml`, `to-gpx` and `to-wiglecsv`.

use std::io::Write;
use std::path::{Path, PathBuf};

use kismetdb::Reader;
use osprey_logtools::geo::kml::{self, KmlOptions, KmlSummary};
use osprey_logtools::geo::{self, Exclusion, PointCounts, PositionMode};
use osprey_logtools::output::AtomicOutput;

/// Write the located devices of a log as KML (Google Earth), in folders by device type.
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
    /// Where to place a device: `average` of the positions it was seen at, or where its
    /// `strongest` signal was received.
    #[arg(long, value_name = "HOW", default_value = "average", value_parser = parse_position)]
    pub position: PositionMode,
    /// Leave out everything within METERS of LAT,LON (repeatable), e.g. around your home.
    #[arg(short, long, value_name = "LAT,LON,METERS", value_parser = parse_exclusion, allow_hyphen_values = true)]
    pub exclude: Vec<Exclusion>,
    /// Place devices from what the devices table stores, without reading packets (fast
    /// on big logs): its average position, or with `--position strongest` the location of
    /// the strongest signal that Kismet keeps in the device record, when there is one.
    #[arg(long)]
    pub basic_location: bool,
    /// Also draw the GPS track.
    #[arg(long)]
    pub track: bool,
    /// Break the track where two fixes are more than this many seconds apart (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub track_gap: u64,
    /// Report counts on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accepted for compatibility with Kismet's tool; devices are always grouped in folders.
    #[arg(long, hide = true)]
    pub group: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
}

/// Parses `--position`.
pub(crate) fn parse_position(s: &str) -> Result<PositionMode, String> {
    s.parse()
}

/// Parses `--exclude`.
pub(crate) fn parse_exclusion(s: &str) -> Result<Exclusion, String> {
    s.parse()
}

/// The name of the input as a document title.
pub(crate) fn title(input: &Path) -> String {
    input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string())
}

/// Refuses to overwrite the input, and an existing output without `--force`.
fn check_output(input: &Path, out: &Path, force: bool) -> Result<(), String> {
    if out.is_dir() {
        return Err(format!("{}: is a directory", out.display()));
    }
    if !out.exists() {
        return Ok(());
    }
    if let (Ok(a), Ok(b)) = (input.canonicalize(), out.canonicalize()) {
        if a == b {
            return Err(format!(
                "{}: the output is the input; the input is never modified",
                out.display()
            ));
        }
    }
    if !force {
        return Err(format!(
            "{}: already exists (use --force to replace it)",
            out.display()
        ));
    }
    Ok(())
}

/// Runs an export into OUT (through a temporary file renamed when complete) or stdout.
/// Returns `None` when stdout was closed by its reader (`| head`), a normal end of output.
pub(crate) fn export<S>(
    input: &Path,
    out: Option<&Path>,
    force: bool,
    f: impl FnOnce(&mut dyn Write) -> Result<S, geo::Error>,
) -> Result<Option<S>, String> {
    match out.filter(|o| o.as_os_str() != "-") {
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match f(&mut w) {
                Ok(s) => Ok(Some(s)),
                Err(geo::Error::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    let _ = w.into_parts();
                    Ok(None)
                }
                Err(geo::Error::Write(e)) => Err(format!("writing to stdout: {e}")),
                Err(e) => Err(e.to_string()),
            }
        }
        Some(path) => {
            check_output(input, path, force)?;
            let mut o = AtomicOutput::create(path)
                .map_err(|e| format!("{}: creating: {e}", path.display()))?;
            let s = f(o.writer()).map_err(|e| match e {
                geo::Error::Write(e) => format!("{}: {e}", path.display()),
                e => e.to_string(),
            })?;
            o.commit()
                .map_err(|e| format!("{}: writing: {e}", path.display()))?;
            Ok(Some(s))
        }
    }
}

/// The output's name for messages.
pub(crate) fn out_name(out: Option<&Path>) -> String {
    match out.filter(|o| o.as_os_str() != "-") {
        Some(p) => p.display().to_string(),
        None => "stdout".into(),
    }
}

/// Notes shared by the three exports: tables missing from a damaged log, and why an output
/// is empty.
pub(crate) fn common_notes(
    input: &Path,
    missing: &[&str],
    points: &PointCounts,
    empty: bool,
    basic_location: bool,
    what: &str,
) {
    if !missing.is_empty() {
        crate::output::note(&format!(
            "warning: {}: the log has no {} table{}; read as empty",
            input.display(),
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" }
        ));
    }
    if points.invalid > 0 {
        crate::output::note(&format!(
            "warning: {}: {} rows have a position that is not one (out of range or not finite); skipped",
            input.display(),
            points.invalid
        ));
    }
    if empty {
        let why = if basic_location {
            "no device has a position stored in the devices table (--basic-location reads no \
             packets)"
                .to_string()
        } else if points.used == 0 && points.excluded == 0 {
            "the log has no GPS positions (no row with a latitude and longitude)".to_string()
        } else if points.used == 0 {
            format!(
                "every position is inside an exclusion zone ({} left out)",
                points.excluded
            )
        } else {
            "no row with a position belongs to a device that can be written".to_string()
        };
        crate::output::note(&format!("note: {}: {why}; {what}", input.display()));
    }
}

/// Runs `osprey log to-kml`.
pub fn run(args: &Args) -> Result<(), String> {
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    let opts = KmlOptions {
        position: args.position,
        exclusions: args.exclude.clone(),
        track: args.track,
        track_gap_s: (args.track_gap > 0).then_some(args.track_gap),
        basic_location: args.basic_location,
        title: title(&args.input),
    };
    let out = args.out.as_deref();
    let Some(s) = export(&args.input, out, args.force, |w| {
        kml::write_kml(&reader, &opts, w)
    })?
    else {
        return Ok(());
    };
    report(&args.input, out, &s, args);
    Ok(())
}

fn report(input: &Path, out: Option<&Path>, s: &KmlSummary, args: &Args) {
    let (verbose, basic_location, track) = (args.verbose, args.basic_location, args.track);
    let empty = s.placemarks == 0 && s.track_points == 0;
    common_notes(
        input,
        &s.missing_tables,
        &s.points,
        empty,
        basic_location && !track,
        &format!(
            "{} is a valid KML document without placemarks",
            out_name(out)
        ),
    );
    if verbose {
        crate::output::note(&format!(
            "{}: {} devices: {} placemarks ({} placed from their device record), {} without a \
             position; {} located rows used, {} excluded by zones; {} track points",
            input.display(),
            s.devices,
            s.placemarks,
            s.from_device_record,
            s.unlocated,
            s.points.used,
            s.points.excluded,
            s.track_points
        ));
    }
    let _ = std::io::stderr().flush();
}
