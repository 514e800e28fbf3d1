//! `osprey log to-pcap`: a log's packets as pcapng or classic pcap, filtered, like Kismet's
//! `kismetdb_to_pcap` but without modifying the input and without its bugs (see
//! `osprey_logtools::pcap`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use kismetdb::{MacAddr, Reader, Table, Timestamp, Uuid};
use osprey_logtools::output::AtomicOutput;
use osprey_logtools::pcap::{
    self, describe_link_types, ExportOptions, ExportStats, Filter, Format, Order,
};

/// Write a log's packets as pcapng (one interface per datasource and link type, Kismet's
/// per-packet GPS option) or as a classic pcap of one link type, in capture-time order.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb file (opened read-only; never modified).
    pub input: PathBuf,
    /// Write to this file (`-` is stdout, which must not be a terminal). The file is written
    /// under a temporary name and renamed when complete.
    #[arg(short, long, value_name = "OUT")]
    pub out: PathBuf,
    /// Replace OUT if it exists.
    #[arg(short, long)]
    pub force: bool,
    /// Write a classic pcap instead of pcapng: one link type (see --dlt), no GPS, no comments.
    #[arg(long, alias = "old-pcap")]
    pub pcap: bool,
    /// Only packets at or after TIME: Unix seconds, or a UTC date YYYY-MM-DD[THH:MM:SS].
    #[arg(long, value_name = "TIME", value_parser = parse_start)]
    pub start: Option<Timestamp>,
    /// Only packets at or before TIME (inclusive at the precision given: a date includes the
    /// whole day, a time the whole second).
    #[arg(long, value_name = "TIME", value_parser = parse_end)]
    pub end: Option<Timestamp>,
    /// Only packets of this datasource (repeatable: any of them).
    #[arg(long, value_name = "UUID", value_parser = pcap::parse_uuid)]
    pub datasource: Vec<Uuid>,
    /// Only packets from, to or through this address: source, destination or transmitter
    /// (repeatable: any of them).
    #[arg(long, value_name = "MAC", value_parser = pcap::parse_mac)]
    pub mac: Vec<MacAddr>,
    /// Only packets of this link type (DLT), e.g. 127 (radiotap) or 105 (raw 802.11).
    #[arg(long, value_name = "N")]
    pub dlt: Option<u32>,
    /// Only packets on this frequency, in kHz (e.g. 2412000).
    #[arg(long, value_name = "KHZ", value_parser = parse_khz)]
    pub frequency: Option<f64>,
    /// Only packets on this frequency (kHz) or above.
    #[arg(long, value_name = "KHZ", value_parser = parse_khz)]
    pub freq_min: Option<f64>,
    /// Only packets on this frequency (kHz) or below.
    #[arg(long, value_name = "KHZ", value_parser = parse_khz)]
    pub freq_max: Option<f64>,
    /// Only packets received at this signal (dBm) or stronger; packets without a signal
    /// never match.
    #[arg(long, value_name = "DBM", allow_negative_numbers = true)]
    pub signal_min: Option<i32>,
    /// Only packets received at this signal (dBm) or weaker; packets without a signal never
    /// match.
    #[arg(long, value_name = "DBM", allow_negative_numbers = true)]
    pub signal_max: Option<i32>,
    /// Leave out Kismet's per-packet GPS option.
    #[arg(long)]
    pub skip_gps: bool,
    /// Keep the log's row order (Kismet's tool's order) instead of capture-time order.
    #[arg(long)]
    pub file_order: bool,
    /// Show progress on stderr.
    #[arg(long)]
    pub progress: bool,
    /// Wait until the output is on disk (fsync) before giving it its name, so that it is
    /// whole even after a power loss right after the tool ends. Without it the output is
    /// still never left partial under its name by a failure of the tool itself.
    #[arg(long)]
    pub sync: bool,
    /// Report counts on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accepted for compatibility with Kismet's tool; the input is never cleaned (modified).
    #[arg(short, long)]
    pub skip_clean: bool,
}

fn parse_start(s: &str) -> Result<Timestamp, String> {
    pcap::parse_time(s, false)
}

fn parse_end(s: &str) -> Result<Timestamp, String> {
    pcap::parse_time(s, true)
}

fn parse_khz(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
        .ok_or_else(|| format!("invalid frequency {s:?} (expected kHz, e.g. 2412000)"))
}

impl Args {
    /// The filter the options describe.
    pub fn filter(&self) -> Filter {
        Filter {
            start: self.start,
            end: self.end,
            datasources: self.datasource.clone(),
            macs: self.mac.clone(),
            dlt: self.dlt,
            frequency: self.frequency,
            freq_min: self.freq_min,
            freq_max: self.freq_max,
            signal_min: self.signal_min,
            signal_max: self.signal_max,
        }
    }
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

/// Runs `osprey log to-pcap`.
pub fn run(args: &Args) -> Result<(), String> {
    let filter = args.filter();
    if let (Some(s), Some(e)) = (filter.start, filter.end) {
        if s > e {
            return Err("--start is after --end: no packet could match".into());
        }
    }
    if let (Some(a), Some(b)) = (filter.freq_min, filter.freq_max) {
        if a > b {
            return Err("--freq-min is above --freq-max: no packet could match".into());
        }
    }
    if let (Some(a), Some(b)) = (filter.signal_min, filter.signal_max) {
        if a > b {
            return Err("--signal-min is above --signal-max: no packet could match".into());
        }
    }
    let to_stdout = args.out.as_os_str() == "-";
    if to_stdout && std::io::stdout().is_terminal() {
        return Err("not writing a capture to a terminal; use -o FILE or a pipe".into());
    }
    if !to_stdout {
        check_output(&args.input, &args.out, args.force)?;
    }
    let reader = Reader::open(&args.input).map_err(|e| e.to_string())?;
    if reader.columns(Table::Packets).is_none() {
        return Err(format!(
            "{}: the log has no packets table",
            args.input.display()
        ));
    }
    let options = ExportOptions {
        format: if args.pcap {
            Format::Pcap
        } else {
            Format::Pcapng
        },
        pcap_dlt: args.dlt,
        gps: !args.skip_gps,
        order: if args.file_order {
            Order::File
        } else {
            Order::Time
        },
        ..ExportOptions::default()
    };
    let total = if args.progress {
        reader.count(Table::Packets).ok()
    } else {
        None
    };
    let mut show = |rows: u64| match total {
        Some(t) if t > 0 => crate::output::progress(&format!(
            "\rto-pcap: {rows}/{t} rows ({:.0}%)",
            rows as f64 * 100.0 / t as f64
        )),
        _ => crate::output::progress(&format!("\rto-pcap: {rows} rows")),
    };
    let mut progress: Option<&mut dyn FnMut(u64)> =
        if args.progress { Some(&mut show) } else { None };
    let input = args.input.display();
    let fail = |e: pcap::Error, out: &str| match e {
        pcap::Error::Write(e) => format!("{out}: {e}"),
        pcap::Error::MixedLinkTypes(d) => format!(
            "{input}: a classic pcap holds one link type, but the selected packets have {}; \
             choose one with --dlt, or leave out --pcap for a pcapng",
            describe_link_types(&d)
        ),
        e => e.to_string(),
    };
    let result = if to_stdout {
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match pcap::export(&reader, &filter, &options, &mut w, progress) {
            Ok(s) => Some(s),
            // The reader of the pipe went away: a normal end of output.
            Err(pcap::Error::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => None,
            Err(e) => return Err(end_progress(args, fail(e, "stdout"))),
        }
    } else {
        let out = args.out.display().to_string();
        // A file can be started over: capture-time order is checked while writing, and only a
        // log not stored in that order is exported a second time, sorted.
        let mut options = options.clone();
        if options.order == Order::Time {
            options.order = Order::TimeOrRetry;
        }
        loop {
            let mut o = AtomicOutput::create(&args.out)
                .map_err(|e| end_progress(args, format!("{out}: creating: {e}")))?;
            let early = Writeback::open(o.temp_path());
            let mut w = Writeback::new(o.writer(), early);
            let again = progress.as_mut().map(|f| &mut **f as &mut dyn FnMut(u64));
            match pcap::export(&reader, &filter, &options, &mut w, again) {
                Err(pcap::Error::NotInTimeOrder) if options.order == Order::TimeOrRetry => {
                    // Dropping the output removes its temporary file.
                    options.order = Order::Time;
                }
                Err(e) => return Err(end_progress(args, fail(e, &out))),
                Ok(stats) => {
                    drop(w);
                    let committed = if args.sync {
                        o.commit()
                    } else {
                        o.commit_unsynced()
                    };
                    committed.map_err(|e| end_progress(args, format!("{out}: writing: {e}")))?;
                    break Some(stats);
                }
            }
        }
    };
    if args.progress {
        crate::output::progress("\n");
    }
    if let Some(stats) = result {
        report(args, &filter, &stats);
    }
    Ok(())
}

/// Bytes written between two requests to start writing the output to disk.
const WRITEBACK_EVERY: u64 = 4 << 20;

/// The output file, passed through to `inner`, with its pages sent to the disk as the export
/// goes (`sync_file_range`, which does not wait), so that the fsync committing the file finds
/// little left to write: the disk works while the log is still being read.
struct Writeback<'a> {
    inner: &'a mut dyn Write,
    /// A second handle on the file being written (none: no early writeback).
    file: Option<std::fs::File>,
    written: u64,
    started: u64,
}

impl<'a> Writeback<'a> {
    /// A handle on the temporary output for [`Writeback::new`], if it can be opened.
    fn open(path: &Path) -> Option<std::fs::File> {
        std::fs::OpenOptions::new().write(true).open(path).ok()
    }

    fn new(inner: &'a mut dyn Write, file: Option<std::fs::File>) -> Writeback<'a> {
        Writeback {
            inner,
            file,
            written: 0,
            started: 0,
        }
    }

    /// Starts writing out everything from the last start on; errors are left to the fsync.
    fn start(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(f) = &self.file {
            use std::os::fd::AsRawFd;
            let from = i64::try_from(self.started).unwrap_or(i64::MAX);
            // SAFETY: a plain system call on a descriptor this struct owns; it only schedules
            // writeback of the file's pages and touches no memory of this process.
            unsafe {
                libc::sync_file_range(f.as_raw_fd(), from, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
        self.started = self.written;
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_EVERY {
            self.start();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Ends the progress line before an error message.
fn end_progress(args: &Args, msg: String) -> String {
    if args.progress {
        crate::output::progress("\n");
    }
    msg
}

/// Notes on stderr: counts with `--verbose`, and always why rows were left out or nothing
/// matched.
fn report(args: &Args, filter: &Filter, s: &ExportStats) {
    let out = if args.out.as_os_str() == "-" {
        "stdout".to_string()
    } else {
        args.out.display().to_string()
    };
    if args.verbose {
        let what = if args.pcap { "pcap" } else { "pcapng" };
        let mut line = format!(
            "{out}: {} packets ({} bytes) of {} rows as {what}",
            s.packets, s.bytes, s.rows
        );
        if !args.pcap {
            line.push_str(&format!(
                ", {} interfaces, {} with GPS",
                s.interfaces, s.with_gps
            ));
        }
        if !s.link_types.is_empty() {
            line.push_str(&format!("; {}", describe_link_types(&s.link_types)));
        }
        if s.sorted {
            line.push_str("; sorted by time (the log is not stored in time order)");
        }
        crate::output::note(&line);
    }
    if s.skipped > 0 {
        crate::output::note(&format!(
            "{out}: {} matching rows left out: a time before 1970{} or a link type outside \
             0..=65535",
            s.skipped,
            if args.pcap { " or after 2106" } else { "" }
        ));
    }
    if s.truncated > 0 {
        crate::output::note(&format!(
            "{out}: {} frames longer than {} bytes were cut to that length (original length \
             kept)",
            s.truncated,
            pcap::SNAPLEN
        ));
    }
    if s.packets == 0 {
        let why = if s.rows == 0 {
            "the log has no packets".to_string()
        } else if !filter.is_empty() {
            format!("none of the {} packets matched the filters", s.rows)
        } else {
            "no packet could be written".to_string()
        };
        crate::output::note(&format!("{out}: empty capture: {why}"));
    }
}
