//! `osprey log dump-devices`: the devices table's JSON records, like Kismet's
//! `kismetdb_dump_devices` but without modifying the input (see `osprey_logtools::devices`).

use std::io::Write;
use std::path::{Path, PathBuf};

use kismetdb::Reader;
use osprey_logtools::devices::{self, DumpOptions, DumpSummary, Framing};
use osprey_logtools::output::AtomicOutput;

/// Dump the devices of a log as JSON: one array (default) or one object per line.
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
    /// One device per line, with `.` in keys rewritten to `_` (Kismet's `--ekjson`, for
    /// Elasticsearch/Kibana).
    #[arg(short, long)]
    pub ekjson: bool,
    /// One device per line (NDJSON), keys as Kismet writes them.
    #[arg(long)]
    pub jsonl: bool,
    /// Rewrite `.` to `_` in every key (Kismet's `--json-path`).
    #[arg(short, long)]
    pub json_path: bool,
    /// Only devices of this phy (`IEEE802.11`, `BTLE`, ...; repeatable; any case).
    #[arg(long, value_name = "PHY")]
    pub phy: Vec<String>,
    /// Only devices of this type (`Wi-Fi AP`, `Wi-Fi Client`, ...; repeatable; any case).
    #[arg(long = "type", value_name = "TYPE")]
    pub device_type: Vec<String>,
    /// Only devices last seen at or after TIME (seconds since the epoch, or
    /// `YYYY-MM-DD[THH:MM[:SS]]` UTC).
    #[arg(long, value_name = "TIME", value_parser = devices::parse_time)]
    pub since: Option<i64>,
    /// Only devices first seen at or before TIME (same forms as `--since`).
    #[arg(long, value_name = "TIME", value_parser = devices::parse_time)]
    pub until: Option<i64>,
    /// Report counts on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
}

/// Runs `osprey log dump-devices`.
pub fn run(args: &Args) -> Result<(), String> {
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    let opts = DumpOptions {
        framing: if args.ekjson || args.jsonl {
            Framing::Lines
        } else {
            Framing::Array
        },
        underscore_keys: args.ekjson || args.json_path,
        phys: args.phy.clone(),
        types: args.device_type.clone(),
        since: args.since,
        until: args.until,
    };
    let out = args.out.as_deref().filter(|o| o.as_os_str() != "-");
    let summary = match out {
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match devices::dump_devices(&reader, &opts, &mut w) {
                Ok(s) => s,
                Err(devices::Error::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    // The reader went away (`| head`): a normal end of output.
                    let _ = w.into_parts();
                    return Ok(());
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Some(path) => {
            check_output(&args.input, path, args.force)?;
            let mut o = AtomicOutput::create(path)
                .map_err(|e| format!("{}: creating: {e}", path.display()))?;
            let s = devices::dump_devices(&reader, &opts, o.writer()).map_err(|e| match e {
                devices::Error::Write(e) => format!("{}: {e}", path.display()),
                e => e.to_string(),
            })?;
            o.commit()
                .map_err(|e| format!("{}: writing: {e}", path.display()))?;
            s
        }
    };
    report(&args.input, &summary, args.verbose);
    Ok(())
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

fn report(input: &Path, s: &DumpSummary, verbose: bool) {
    for k in &s.skipped {
        crate::output::note(&format!(
            "warning: {}: device {} {} skipped: {}",
            input.display(),
            k.phyname,
            k.devmac,
            k.reason
        ));
    }
    if verbose {
        crate::output::note(&format!(
            "{}: {} devices: {} written, {} filtered out, {} skipped, {} repaired \
             (invalid UTF-8 or raw control characters)",
            input.display(),
            s.rows,
            s.written,
            s.filtered,
            s.skipped.len(),
            s.repaired
        ));
    } else if !s.skipped.is_empty() {
        crate::output::note(&format!(
            "{}: {} of {} devices skipped",
            input.display(),
            s.skipped.len(),
            s.rows
        ));
    }
    let _ = std::io::stderr().flush();
}
