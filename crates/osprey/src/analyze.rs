//! `osprey analyze CAPTURE...`: read captures, dissect every frame, and report what is in them.
//!
//! For now this reports counts (per link type, per frame type and subtype, errors and
//! duplicates); device tracking and the kismetdb log come on top of the same loop.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use osprey_capture::{dlt, Flow};
use osprey_dissect::{Link, Packet};
use osprey_wire::ieee80211::FrameType;
use serde::Serialize;

use osprey_engine::{Engine, EngineOptions};

/// Read captures and report counts per link type, frame type and subtype, errors and
/// duplicates.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Capture files: pcap, pcapng, or kismetdb logs (replayed in time order).
    #[arg(required = true)]
    pub captures: Vec<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Never draw the progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Write the kismetdb log to this file (it must not exist). Without it the log is named
    /// after Kismet's template, `Osprey-YYYYMMDD-HH-MM-SS-N.kismet` in the current directory
    /// (UTC start time, the first N that does not exist).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Write no log at all (Kismet's `-n`).
    #[arg(short = 'n', long = "no-log", conflicts_with = "output")]
    pub no_log: bool,
    /// Leave the packets table empty (devices, sources and messages are still logged).
    #[arg(long)]
    pub no_packets: bool,
    /// Osprey's configuration file (Kismet's `key=value` syntax; `osprey config --defaults`
    /// prints every option with its default).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Counts over all inputs.
#[derive(Serialize, Default, Debug)]
pub struct Report {
    /// Per input file: frames read and the error that ended it early, if any.
    pub files: Vec<FileReport>,
    /// Frames read.
    pub packets: u64,
    /// Captured bytes.
    pub bytes: u64,
    /// Frames per link type, by name (`127 IEEE802_11_RADIOTAP`).
    pub link_types: BTreeMap<String, u64>,
    /// Frames whose link type is not decoded.
    pub not_decoded: u64,
    /// Frames per phy.
    pub phys: BTreeMap<String, u64>,
    /// 802.11 frames per type/subtype (`mgmt/beacon`), and BLE PDUs (`btle/adv_ind`).
    pub frame_types: BTreeMap<String, u64>,
    /// Error-flagged frames per reason.
    pub errors: BTreeMap<String, u64>,
    /// Frames flagged as duplicates.
    pub duplicates: u64,
    /// Devices per type (those tracked at the end).
    pub devices: BTreeMap<String, u64>,
    /// Devices created during the run (a device removed and seen again counts twice).
    pub devices_created: u64,
    /// Devices removed from the tracker: over `tracker_max_devices`, or idle longer than
    /// `tracker_device_timeout`. Their last records are in the log.
    pub devices_evicted: u64,
    /// `tracker_max_devices` (0: no limit).
    pub device_limit: u64,
    /// Entries of the detectors' per-address state dropped to stay within their bounds.
    pub detector_state_evicted: u64,
    /// The most seen advertised SSIDs: (SSID, crypto, beacons and responses).
    pub top_ssids: Vec<(String, String, u64)>,
    /// Packets per second of processing (whole run, wall clock).
    pub packets_per_sec: f64,
    /// The kismetdb log written, if any.
    pub log: Option<String>,
    /// Alerts emitted, per severity name.
    pub alerts_by_severity: BTreeMap<String, u64>,
    /// Alerts emitted, per header.
    pub alerts: BTreeMap<String, u64>,
    #[serde(skip)]
    counts: Counts,
}

/// Per-packet counters with keys that need no allocation.
#[derive(Debug)]
struct Counts {
    link_types: Vec<(u32, u64)>,
    phys: Vec<(&'static str, u64)>,
    /// 802.11 frames by `type << 4 | subtype`.
    dot11: [u64; 64],
    /// BLE PDUs: advertising, data, short.
    btle: [u64; 3],
    errors: Vec<(&'static str, u64)>,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            link_types: Vec::new(),
            phys: Vec::new(),
            dot11: [0; 64],
            btle: [0; 3],
            errors: Vec::new(),
        }
    }
}

/// Adds one to `key`'s count in a short list (a handful of distinct keys per run).
fn bump<K: PartialEq>(list: &mut Vec<(K, u64)>, key: K) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => list.push((key, 1)),
    }
}

/// Kismet's log name template with Osprey's title: `Osprey-YYYYMMDD-HH-MM-SS-N.kismet`, UTC,
/// the first iteration N from 1 whose file does not exist.
pub fn default_log_name(dir: &std::path::Path) -> Result<PathBuf, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let stamp = crate::timefmt::utc(now); // "YYYY-MM-DD HH:MM:SS"
    let (date, time) = stamp.split_once(' ').unwrap_or((&stamp, ""));
    let base = format!(
        "Osprey-{}-{}",
        date.replace('-', ""),
        time.replace(':', "-")
    );
    for i in 1..10_000 {
        let p = dir.join(format!("{base}-{i}.kismet"));
        if !p.exists() {
            return Ok(p);
        }
    }
    Err(format!("{}: no free log name for {base}", dir.display()))
}

/// One input.
#[derive(Serialize, Debug)]
pub struct FileReport {
    /// Path.
    pub file: String,
    /// Frames read.
    pub packets: u64,
    /// What ended the file early (with the offset), if anything.
    pub error: Option<String>,
    /// Frames flagged as errors in this file.
    pub frame_errors: u64,
    /// The first few of them: where in the file, and what.
    pub frame_error_examples: Vec<String>,
}

/// How many damaged frames are described per file.
const ERROR_EXAMPLES: usize = 10;

/// Describes a damaged frame: its record's file offset and what is wrong.
fn describe_error(index: u64, p: &Packet<'_>, file_offset: u64) -> String {
    let what = match (p.decode_error, p.error) {
        (Some(e), _) => e.to_string(),
        (None, Some(e)) => e.name().to_string(),
        (None, None) => "ok".to_string(),
    };
    format!("frame {index} (record at offset {file_offset}): {what}")
}

/// The name of an 802.11 type/subtype.
pub fn dot11_kind(t: FrameType, st: u8) -> &'static str {
    const MGMT: [&str; 16] = [
        "assoc-req",
        "assoc-resp",
        "reassoc-req",
        "reassoc-resp",
        "probe-req",
        "probe-resp",
        "timing-adv",
        "reserved-7",
        "beacon",
        "atim",
        "disassoc",
        "auth",
        "deauth",
        "action",
        "action-noack",
        "reserved-15",
    ];
    const CTRL: [&str; 16] = [
        "reserved-0",
        "reserved-1",
        "trigger",
        "tack",
        "bf-report-poll",
        "ndp-announcement",
        "ctrl-ext",
        "ctrl-wrapper",
        "block-ack-req",
        "block-ack",
        "ps-poll",
        "rts",
        "cts",
        "ack",
        "cf-end",
        "cf-end-ack",
    ];
    const DATA: [&str; 16] = [
        "data",
        "data-cf-ack",
        "data-cf-poll",
        "data-cf-ack-poll",
        "null",
        "cf-ack",
        "cf-poll",
        "cf-ack-poll",
        "qos-data",
        "qos-data-cf-ack",
        "qos-data-cf-poll",
        "qos-data-cf-ack-poll",
        "qos-null",
        "reserved-13",
        "qos-cf-poll",
        "qos-cf-ack-poll",
    ];
    let i = usize::from(st & 0xf);
    match t {
        FrameType::Management => MGMT[i],
        FrameType::Control => CTRL[i],
        FrameType::Data => DATA[i],
        FrameType::Extension => match st {
            0 => "dmg-beacon",
            1 => "s1g-beacon",
            _ => "extension-other",
        },
    }
}

fn type_name(t: FrameType) -> &'static str {
    match t {
        FrameType::Management => "mgmt",
        FrameType::Control => "ctrl",
        FrameType::Data => "data",
        FrameType::Extension => "ext",
    }
}

impl Report {
    /// Counts one packet. On the per-packet path, so the keys are numbers and static names;
    /// [`Report::finish_counts`] turns them into the report's text keys once.
    fn add(&mut self, p: &Packet<'_>) {
        self.packets += 1;
        self.bytes += p.raw.len() as u64;
        let c = &mut self.counts;
        bump(&mut c.link_types, p.dlt);
        bump(&mut c.phys, p.phy.name());
        match &p.link {
            Link::Dot11(d) => {
                let t = match d.frame_type() {
                    FrameType::Management => 0,
                    FrameType::Control => 1,
                    FrameType::Data => 2,
                    FrameType::Extension => 3,
                };
                c.dot11[t << 4 | usize::from(d.subtype() & 0xf)] += 1;
            }
            Link::Btle(b) => {
                let i = match b.packet() {
                    Some(pkt) if pkt.is_advertising() => 0,
                    Some(_) => 1,
                    None => 2,
                };
                c.btle[i] += 1;
            }
            Link::None => {}
        }
        if let Some(e) = p.error {
            bump(&mut c.errors, e.name());
        }
        if p.duplicate {
            self.duplicates += 1;
        }
    }

    /// Names the counters gathered by [`Report::add`].
    fn finish_counts(&mut self) {
        let c = std::mem::take(&mut self.counts);
        self.link_types = c
            .link_types
            .into_iter()
            .map(|(d, n)| (format!("{d} {}", dlt::name(d)), n))
            .collect();
        self.phys = c
            .phys
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        const TYPES: [FrameType; 4] = [
            FrameType::Management,
            FrameType::Control,
            FrameType::Data,
            FrameType::Extension,
        ];
        let mut frame_types = BTreeMap::new();
        for (i, &n) in c.dot11.iter().enumerate() {
            if n > 0 {
                let t = TYPES[i >> 4];
                let name = format!("{}/{}", type_name(t), dot11_kind(t, (i & 0xf) as u8));
                *frame_types.entry(name).or_default() += n;
            }
        }
        for (i, name) in ["advertising", "data", "short"].iter().enumerate() {
            if c.btle[i] > 0 {
                *frame_types.entry(format!("btle/{name}")).or_default() += c.btle[i];
            }
        }
        self.frame_types = frame_types;
        self.errors = c
            .errors
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
    }

    /// Renders the report as text.
    pub fn render_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        for f in &self.files {
            let _ = writeln!(s, "{}: {} packets", f.file, f.packets);
            if let Some(e) = &f.error {
                let _ = writeln!(s, "  stopped early: {e}");
            }
            if f.frame_errors > 0 {
                let _ = writeln!(s, "  {} damaged frame(s):", f.frame_errors);
                for e in &f.frame_error_examples {
                    let _ = writeln!(s, "    {e}");
                }
            }
        }
        let _ = writeln!(
            s,
            "total: {} packets, {} bytes, {} not decoded, {} duplicates",
            self.packets, self.bytes, self.not_decoded, self.duplicates
        );
        let section = |s: &mut String, title: &str, m: &BTreeMap<String, u64>| {
            let _ = writeln!(s, "{title}:");
            if m.is_empty() {
                let _ = writeln!(s, "  (none)");
            }
            for (k, v) in m {
                let _ = writeln!(s, "  {k:<36} {v:>10}");
            }
        };
        section(&mut s, "link types", &self.link_types);
        section(&mut s, "phys", &self.phys);
        section(&mut s, "frame types", &self.frame_types);
        section(&mut s, "errors", &self.errors);
        section(&mut s, "devices", &self.devices);
        let limit = match self.device_limit {
            0 => "no limit".to_string(),
            n => format!("limit {n}"),
        };
        let _ = writeln!(
            s,
            "  {} created, {} tracked at the end, {} evicted ({limit}); detector state entries evicted: {}",
            self.devices_created,
            self.devices.values().sum::<u64>(),
            self.devices_evicted,
            self.detector_state_evicted
        );
        let _ = writeln!(s, "top SSIDs:");
        if self.top_ssids.is_empty() {
            let _ = writeln!(s, "  (none)");
        }
        for (ssid, crypt, n) in &self.top_ssids {
            let _ = writeln!(s, "  {:<32} {crypt:<14} {n:>8}", format!("{ssid:?}"));
        }
        section(&mut s, "alerts by severity", &self.alerts_by_severity);
        section(&mut s, "alerts", &self.alerts);
        let _ = writeln!(s, "processed {:.0} packets/s", self.packets_per_sec);
        if let Some(l) = &self.log {
            let _ = writeln!(s, "log: {l}");
        }
        s
    }
}

/// Progress on stderr: the share of input bytes read, redrawn at most five times a second,
/// only when stderr is a terminal and the input is large.
struct Progress {
    enabled: bool,
    total: u64,
    done_before: u64,
    last: Instant,
}

impl Progress {
    fn update(&mut self, offset_in_file: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let done = self.done_before + offset_in_file;
        let pct = (done as f64 * 100.0 / self.total.max(1) as f64).min(100.0);
        let filled = (pct / 2.5) as usize;
        crate::output::progress(&format!(
            "\r[{}{}] {pct:5.1}%",
            "#".repeat(filled),
            " ".repeat(40 - filled.min(40))
        ));
    }

    fn finish(&self) {
        if self.enabled {
            crate::output::progress("\r\x1b[2K");
        }
    }
}

/// Runs `osprey analyze`.
pub fn run(args: &Args) -> Result<(), String> {
    // Large pcap files are mapped; one truncated under us ends the run with a message.
    osprey_capture::mapped::explain_bus_errors();
    let total: u64 = args
        .captures
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let mut progress = Progress {
        enabled: !args.no_progress && std::io::stderr().is_terminal() && total > 32 << 20,
        total,
        done_before: 0,
        last: Instant::now(),
    };
    let started = Instant::now();
    let mut report = Report::default();
    let options = crate::config::load(args.config.as_deref())?;
    let log_path = match (&args.output, args.no_log) {
        (_, true) => None,
        (Some(out), false) => Some(out.clone()),
        (None, false) => Some(default_log_name(std::path::Path::new("."))?),
    };
    let mut engine = Engine::new(EngineOptions {
        options,
        log: log_path.clone(),
        log_packets: !args.no_packets,
        root_check: true,
    })?;
    let mut failures = 0;
    report.log = log_path.as_ref().map(|p| p.display().to_string());
    for path in &args.captures {
        let before = report.packets;
        let mut frame_errors = 0u64;
        let mut examples = Vec::new();
        let typestring = match osprey_capture::sniff_format(path) {
            Ok(osprey_capture::Format::Kismetdb) => "kismetdb",
            _ => "pcapfile",
        };
        engine.begin_source(path, typestring);
        // Reading and dissection run on a helper thread; tracking, detection and logging here.
        let result = engine.process_file(path, &mut |p, alerts, offset| {
            report.add(p);
            for a in alerts {
                *report.alerts.entry(a.header.clone()).or_default() += 1;
                *report
                    .alerts_by_severity
                    .entry(a.severity.name().to_string())
                    .or_default() += 1;
            }
            if p.error.is_some() {
                frame_errors += 1;
                if examples.len() < ERROR_EXAMPLES {
                    examples.push(describe_error(report.packets - before, p, offset));
                }
            }
            progress.update(offset);
            Flow::Continue
        });
        progress.done_before += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let result = result?;
        let read_error = result.err();
        if read_error.as_ref().is_some_and(|e| !e.is_partial()) {
            failures += 1;
        }
        let error = read_error.as_ref().map(|e| e.to_string());
        for a in &engine.end_source(path, read_error.as_ref())? {
            *report.alerts.entry(a.header.clone()).or_default() += 1;
            *report
                .alerts_by_severity
                .entry(a.severity.name().to_string())
                .or_default() += 1;
        }
        report.files.push(FileReport {
            file: path.display().to_string(),
            packets: report.packets - before,
            error,
            frame_errors,
            frame_error_examples: examples,
        });
    }
    progress.finish();
    let counts = engine.device_counts();
    report.devices_created = counts.created;
    report.devices_evicted = counts.evicted_limit + counts.evicted_idle;
    report.device_limit = counts.limit;
    report.detector_state_evicted = counts.detector_state_evicted;
    let tracker = engine.tracker();
    for d in tracker.devices() {
        *report
            .devices
            .entry(d.type_string().to_string())
            .or_default() += 1;
    }
    let mut ssids: Vec<(String, String, u64)> = tracker
        .devices()
        .iter()
        .flat_map(|d| d.advertised.iter())
        .filter(|a| !a.ssid.is_empty())
        .map(|a| {
            (
                String::from_utf8_lossy(&a.ssid).into_owned(),
                a.crypt.to_string(),
                a.beacons + a.responses,
            )
        })
        .collect();
    ssids.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    ssids.truncate(10);
    report.top_ssids = ssids;
    report.packets_per_sec = report.packets as f64 / started.elapsed().as_secs_f64().max(1e-9);
    report.finish_counts();
    report.not_decoded = engine.dissector().stats().not_decoded;
    engine.finish()?;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        report.render_text()
    };
    crate::output::write_stdout(&text)?;
    if failures == args.captures.len() {
        return Err("no input could be read".into());
    }
    Ok(())
}
