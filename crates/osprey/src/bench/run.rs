//! `osprey bench run`: how fast `osprey analyze` is, and how much memory it takes, next to the
//! fastest SQLite can store the same packets.
//!
//! Each capture is analyzed by a child process (this same executable) in each mode: `log`
//! (the kismetdb log with its packets table), `no-packets` (the log without packets) and
//! `no-log` (`-n`). Wall time runs from spawn to exit; peak memory is the child's own
//! `ru_maxrss` from `wait4` on its pid (not the sum over children). With several runs the
//! median time and the largest peak are reported.
//!
//! The **ceiling** is measured in the same run by a child process too (`bench run
//! --ceiling-into DB CAPTURE`, a hidden option): a fresh SQLite file holding only the kismetdb
//! `packets` table (the kismetdb crate's own `CREATE TABLE`), the PRAGMAs the kismetdb writer
//! uses (16 KiB pages, `journal_mode=PERSIST`, `synchronous=FULL`, its 16 MiB page cache), one prepared
//! INSERT, a transaction per 100 000 rows, one row per frame of the capture with the frame's
//! bytes as the blob. Only the transactions are timed (the capture is read into a 100 000-frame
//! batch between them), so it is the insert rate alone: nothing end to end can beat it.
//!
//! Why a child rather than in-process: Linux carries the parent's peak RSS into a child
//! started with `vfork`/`posix_spawn` (its `ru_maxrss` starts at the parent's high-water
//! mark), so this process keeps itself small: it never holds a batch of frames, and the
//! children's peaks are theirs alone.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Time `osprey analyze` on captures (packets/s, peak RSS) next to a bare-insert ceiling.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Captures to analyze (pcap, pcapng or kismetdb).
    #[arg(required = true)]
    pub captures: Vec<PathBuf>,
    /// Runs per capture and mode; the median time is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Modes to run, comma-separated: `log` (the full log), `no-packets` (`--no-packets`),
    /// `no-log` (`-n`).
    #[arg(long, value_delimiter = ',', default_value = "log,no-packets,no-log")]
    pub modes: Vec<Mode>,
    /// Also time `osprey log to-pcap` of each `log` run's kismetdb into a pcapng.
    #[arg(long)]
    pub to_pcap: bool,
    /// Where the temporary logs go (default: the system's temporary directory). Use the
    /// file system you care about: the log commits with fsync.
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<PathBuf>,
    /// Internal: measure only the bare-insert ceiling of the (single) capture into this new
    /// database file, and print `{"rows": N, "seconds": S}`.
    #[arg(long, hide = true, value_name = "DB")]
    pub ceiling_into: Option<PathBuf>,
}

/// How `osprey analyze` is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The kismetdb log with every packet.
    Log,
    /// The kismetdb log without its packets table (`--no-packets`).
    NoPackets,
    /// No log at all (`-n`).
    NoLog,
}

impl Mode {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Log => "log",
            Mode::NoPackets => "no-packets",
            Mode::NoLog => "no-log",
        }
    }
}

/// The targets of the performance issue.
pub mod targets {
    /// End to end with packet logging, packets/s.
    pub const LOG_PPS: f64 = 340_000.0;
    /// With `--no-packets`, packets/s.
    pub const NO_PACKETS_PPS: f64 = 2_000_000.0;
    /// `osprey log to-pcap`, packets/s.
    pub const TO_PCAP_PPS: f64 = 1_600_000.0;
    /// Captures of at most this many frames get the small memory bound.
    pub const SMALL_CAPTURE: u64 = 200_000;
    /// Peak RSS for small captures, MiB.
    pub const RSS_SMALL_MIB: f64 = 64.0;
    /// Peak RSS for larger captures, MiB.
    pub const RSS_LARGE_MIB: f64 = 128.0;
}

/// Rows per ceiling transaction (the kismetdb writer's `CommitPolicy::max_rows`).
const CEILING_BATCH: usize = 100_000;

/// The page cache of the ceiling's connection, KiB: the kismetdb writer's (`CACHE_KIB` in
/// `crates/kismetdb/src/writer.rs`), so a transaction does not spill mid-way in one and not
/// in the other.
const CEILING_CACHE_KIB: u32 = 16 * 1024;

/// The kismetdb packets INSERT (same columns, same order as the kismetdb writer's).
const INSERT_PACKET: &str = "INSERT INTO packets (ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, frequency, devkey, lat, lon, alt, speed, heading, packet_len, signal, datasource, dlt, packet, error, tags, datarate, hash, packetid, packet_full_len) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// One mode's result on one capture.
#[derive(Serialize, Debug, Clone)]
pub struct ModeResult {
    /// The mode.
    pub mode: Mode,
    /// Packets, as `osprey analyze --json` reports them.
    pub packets: u64,
    /// Median wall time, seconds.
    pub seconds: f64,
    /// Every run's wall time, seconds.
    pub seconds_all: Vec<f64>,
    /// Packets per second (packets / median seconds).
    pub packets_per_sec: f64,
    /// Capture file bytes per second, in MB (10^6).
    pub mb_per_sec: f64,
    /// The largest peak RSS over the runs, MiB.
    pub peak_rss_mib: f64,
    /// Packets/s over the ceiling's rows/s (mode `log` only).
    pub ratio_to_ceiling: Option<f64>,
}

/// The bare-insert ceiling on one capture.
#[derive(Serialize, Debug, Clone)]
pub struct CeilingResult {
    /// Where it is measured.
    pub method: &'static str,
    /// The measuring child's largest peak RSS, MiB.
    pub peak_rss_mib: f64,
    /// Rows inserted (one per frame).
    pub rows: u64,
    /// Median time inside the transactions, seconds.
    pub seconds: f64,
    /// Every run's time, seconds.
    pub seconds_all: Vec<f64>,
    /// Rows per second.
    pub rows_per_sec: f64,
}

/// `osprey log to-pcap` of the `log` mode's kismetdb.
#[derive(Serialize, Debug, Clone)]
pub struct ToPcapResult {
    /// Packets in the log (rows of its packets table).
    pub packets: u64,
    /// Median wall time, seconds.
    pub seconds: f64,
    /// Every run's time, seconds.
    pub seconds_all: Vec<f64>,
    /// Packets per second.
    pub packets_per_sec: f64,
    /// The largest peak RSS over the runs, MiB.
    pub peak_rss_mib: f64,
}

/// Everything measured on one capture.
#[derive(Serialize, Debug, Clone)]
pub struct CaptureResult {
    /// The capture.
    pub capture: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Frames read from it (what the ceiling inserts).
    pub frames: u64,
    /// The bare-insert ceiling.
    pub ceiling: CeilingResult,
    /// One entry per mode.
    pub modes: Vec<ModeResult>,
    /// `log to-pcap`, with `--to-pcap`.
    pub to_pcap: Option<ToPcapResult>,
}

/// One target, met or missed.
#[derive(Serialize, Debug, Clone)]
pub struct TargetResult {
    /// What is measured (`log packets/s`, `peak RSS no-log`, ...).
    pub name: String,
    /// The capture.
    pub capture: String,
    /// `>=` or `<=`.
    pub op: &'static str,
    /// The bound.
    pub target: f64,
    /// The measurement.
    pub measured: f64,
    /// Met.
    pub pass: bool,
}

/// The whole report.
#[derive(Serialize, Debug, Clone)]
pub struct Report {
    /// Runs per capture and mode.
    pub runs: u32,
    /// Per capture.
    pub captures: Vec<CaptureResult>,
    /// The targets.
    pub targets: Vec<TargetResult>,
    /// Every target met.
    pub all_pass: bool,
}

/// A temporary directory removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under `base` (or the system's temporary directory).
    pub(crate) fn new(base: Option<&Path>, prefix: &str) -> Result<TempDir, String> {
        let base = base
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for i in 0..1000u32 {
            let p = base.join(format!("{prefix}-{}-{nanos}-{i}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("{}: {e}", p.display())),
            }
        }
        Err(format!("{}: no free temporary name", base.display()))
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A finished child process.
pub(crate) struct ChildRun {
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Spawn to exit.
    pub elapsed: Duration,
    /// Its peak resident set, KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
}

/// Waits for the child `pid` with `wait4`: its raw status and resource usage.
pub(crate) fn wait4(pid: u32) -> Result<(i32, libc::rusage), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| format!("pid {pid} out of range"))?;
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is plain old data; all zero is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to live locals of the right types.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waiting for child {pid}: {e}"));
        }
    }
}

/// A raw wait status as text, `None` for a clean exit.
pub(crate) fn status_failure(status: i32) -> Option<String> {
    if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => None,
            c => Some(format!("exit status {c}")),
        }
    } else if libc::WIFSIGNALED(status) {
        Some(format!("killed by signal {}", libc::WTERMSIG(status)))
    } else {
        Some(format!("wait status {status}"))
    }
}

/// Runs this executable with `args` and waits for it; fails when it does not exit 0.
pub(crate) fn run_self(args: &[OsString]) -> Result<ChildRun, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    let shown = || {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let started = Instant::now();
    let mut child = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", exe.display()))?;
    let pid = child.id();
    let err = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut e) = err {
            let _ = e.read_to_end(&mut s);
        }
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut stdout = Vec::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_end(&mut stdout);
    }
    // Reaped here, with its own resource usage; `child` is not waited on again.
    let (status, usage) = wait4(pid)?;
    let elapsed = started.elapsed();
    let stderr = err_reader.join().unwrap_or_default();
    drop(child);
    if let Some(why) = status_failure(status) {
        return Err(format!(
            "osprey {}: {why}: {}",
            shown(),
            stderr.lines().last().unwrap_or("")
        ));
    }
    Ok(ChildRun {
        stdout,
        elapsed,
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn remove_log(p: &Path) {
    let _ = std::fs::remove_file(p);
    let mut j = p.as_os_str().to_owned();
    j.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(j));
}

/// One timed `osprey analyze`: packets and the child's numbers.
fn analyze_once(capture: &Path, mode: Mode, log: &Path) -> Result<(u64, ChildRun), String> {
    let mut args: Vec<OsString> = vec!["analyze".into(), "--no-progress".into(), "--json".into()];
    match mode {
        Mode::Log => args.extend(["-o".into(), log.as_os_str().to_owned()]),
        Mode::NoPackets => args.extend([
            "--no-packets".into(),
            "-o".into(),
            log.as_os_str().to_owned(),
        ]),
        Mode::NoLog => args.push("-n".into()),
    }
    args.push(capture.as_os_str().to_owned());
    let run = run_self(&args)?;
    let v: serde_json::Value = serde_json::from_slice(&run.stdout)
        .map_err(|e| format!("analyze {}: its JSON: {e}", capture.display()))?;
    let packets = v["packets"]
        .as_u64()
        .ok_or_else(|| format!("analyze {}: no packets in its JSON", capture.display()))?;
    Ok((packets, run))
}

/// One timed `osprey log to-pcap`: packets in the log and the child's numbers.
fn to_pcap_once(log: &Path, out: &Path) -> Result<(u64, ChildRun), String> {
    let packets = kismetdb::Reader::open(log)
        .and_then(|r| r.count(kismetdb::Table::Packets))
        .map_err(|e| e.to_string())?;
    let args: Vec<OsString> = vec![
        "log".into(),
        "to-pcap".into(),
        log.as_os_str().to_owned(),
        "-o".into(),
        out.as_os_str().to_owned(),
    ];
    let run = run_self(&args)?;
    let _ = std::fs::remove_file(out);
    Ok((packets, run))
}

/// A frame of the ceiling's batch: where its bytes are in the arena, and its header.
struct BatchFrame {
    ts: (i64, i64),
    dlt: u32,
    orig_len: u32,
    start: usize,
    end: usize,
}

/// The 802.11 addresses of a radiotap or raw 802.11 frame (zero when it has none), so the
/// MAC columns hold plausible text.
fn addresses(dlt: u32, data: &[u8]) -> [[u8; 6]; 3] {
    let hdr = match dlt {
        osprey_capture::dlt::RADIOTAP if data.len() >= 4 => {
            usize::from(u16::from_le_bytes([data[2], data[3]]))
        }
        osprey_capture::dlt::IEEE802_11 => 0,
        _ => usize::MAX,
    };
    let mut out = [[0u8; 6]; 3];
    for (i, a) in out.iter_mut().enumerate() {
        let at = hdr.saturating_add(4 + 6 * i);
        if let Some(b) = data.get(at..at.saturating_add(6)) {
            a.copy_from_slice(b);
        }
    }
    out
}

/// `AA:BB:CC:DD:EE:FF` into `buf`.
fn mac_text<'a>(m: &[u8; 6], buf: &'a mut [u8; 17]) -> &'a str {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in m.iter().enumerate() {
        buf[i * 3] = HEX[usize::from(b >> 4)];
        buf[i * 3 + 1] = HEX[usize::from(b & 15)];
        if i < 5 {
            buf[i * 3 + 2] = b':';
        }
    }
    std::str::from_utf8(buf).unwrap_or("00:00:00:00:00:00")
}

/// Inserts one batch in one transaction; returns the time it took.
fn insert_batch(
    conn: &rusqlite::Connection,
    stmt: &mut rusqlite::Statement<'_>,
    arena: &[u8],
    frames: &[BatchFrame],
    first_id: u64,
) -> rusqlite::Result<Duration> {
    const UUID: &str = "5FE308BD-0000-0000-0000-0000B3AC4000";
    let started = Instant::now();
    conn.execute_batch("BEGIN")?;
    let (mut sb, mut db, mut tb) = ([0u8; 17], [0u8; 17], [0u8; 17]);
    for (k, f) in frames.iter().enumerate() {
        let data = &arena[f.start..f.end];
        let id = first_id + k as u64;
        let [a1, a2, a3] = addresses(f.dlt, data);
        stmt.raw_bind_parameter(1, f.ts.0)?;
        stmt.raw_bind_parameter(2, f.ts.1)?;
        stmt.raw_bind_parameter(3, "IEEE802.11")?;
        stmt.raw_bind_parameter(4, mac_text(&a2, &mut sb))?;
        stmt.raw_bind_parameter(5, mac_text(&a1, &mut db))?;
        stmt.raw_bind_parameter(6, mac_text(&a3, &mut tb))?;
        stmt.raw_bind_parameter(7, 2_412_000.0f64)?;
        stmt.raw_bind_parameter(8, "0")?;
        for i in 9..=13 {
            stmt.raw_bind_parameter(i, 0.0f64)?;
        }
        stmt.raw_bind_parameter(14, data.len() as i64)?;
        stmt.raw_bind_parameter(15, -40 - (id % 50) as i32)?;
        stmt.raw_bind_parameter(16, UUID)?;
        stmt.raw_bind_parameter(17, f.dlt)?;
        stmt.raw_bind_parameter(18, data)?;
        stmt.raw_bind_parameter(19, 0i32)?;
        stmt.raw_bind_parameter(20, "")?;
        stmt.raw_bind_parameter(21, 6.0f64)?;
        stmt.raw_bind_parameter(22, (id as u32).wrapping_mul(2_654_435_761) as i32)?;
        stmt.raw_bind_parameter(23, id as i64)?;
        stmt.raw_bind_parameter(24, i64::from(f.orig_len))?;
        stmt.raw_execute()?;
    }
    conn.execute_batch("COMMIT")?;
    Ok(started.elapsed())
}

/// The bare-insert ceiling on `capture`, into a new database at `db`: rows and the time
/// spent inside the transactions.
pub fn ceiling_once(capture: &Path, db: &Path) -> Result<(u64, Duration), String> {
    let sq = |what: &str, e: rusqlite::Error| format!("{}: {what}: {e}", db.display());
    let conn = rusqlite::Connection::open(db).map_err(|e| sq("creating", e))?;
    // The kismetdb writer's page size, set before the first page is written.
    conn.execute_batch(&format!("PRAGMA page_size={}", kismetdb::writer::PAGE_SIZE))
        .map_err(|e| sq("page_size", e))?;
    conn.execute_batch(kismetdb::Table::Packets.create_sql())
        .map_err(|e| sq("creating the packets table", e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=PERSIST", [], |r| r.get(0))
        .map_err(|e| sq("journal_mode", e))?;
    if !mode.eq_ignore_ascii_case("persist") {
        return Err(format!("{}: journal_mode is {mode}", db.display()));
    }
    conn.execute_batch(&format!(
        "PRAGMA synchronous=FULL; PRAGMA cache_size=-{CEILING_CACHE_KIB}"
    ))
    .map_err(|e| sq("synchronous", e))?;
    let mut stmt = conn
        .prepare(INSERT_PACKET)
        .map_err(|e| sq("preparing", e))?;
    let mut arena: Vec<u8> = Vec::new();
    let mut frames: Vec<BatchFrame> = Vec::with_capacity(CEILING_BATCH);
    let mut rows = 0u64;
    let mut spent = Duration::ZERO;
    let mut failure: Option<String> = None;
    let read = osprey_capture::for_each_frame(capture, &mut |f| {
        let start = arena.len();
        arena.extend_from_slice(f.data);
        frames.push(BatchFrame {
            ts: (f.ts.sec, f.ts.usec),
            dlt: f.dlt,
            orig_len: f.orig_len,
            start,
            end: arena.len(),
        });
        if frames.len() == CEILING_BATCH {
            match insert_batch(&conn, &mut stmt, &arena, &frames, rows) {
                Ok(d) => spent += d,
                Err(e) => {
                    failure = Some(sq("inserting", e));
                    return osprey_capture::Flow::Stop;
                }
            }
            rows += frames.len() as u64;
            frames.clear();
            arena.clear();
        }
        osprey_capture::Flow::Continue
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if let Err(e) = read {
        if !e.is_partial() {
            return Err(e.to_string());
        }
    }
    if !frames.is_empty() {
        spent += insert_batch(&conn, &mut stmt, &arena, &frames, rows)
            .map_err(|e| sq("inserting", e))?;
        rows += frames.len() as u64;
    }
    drop(stmt);
    conn.close().map_err(|(_, e)| sq("closing", e))?;
    remove_log(db);
    Ok((rows, spent))
}

/// The ceiling measured by a child (`bench run --ceiling-into DB CAPTURE`): rows, seconds,
/// the child's peak RSS in KiB.
fn ceiling_child(capture: &Path, db: &Path) -> Result<(u64, f64, u64), String> {
    let args: Vec<OsString> = vec![
        "bench".into(),
        "run".into(),
        "--ceiling-into".into(),
        db.as_os_str().to_owned(),
        capture.as_os_str().to_owned(),
    ];
    let run = run_self(&args)?;
    let v: serde_json::Value = serde_json::from_slice(&run.stdout)
        .map_err(|e| format!("ceiling on {}: its JSON: {e}", capture.display()))?;
    match (v["rows"].as_u64(), v["seconds"].as_f64()) {
        (Some(rows), Some(secs)) => Ok((rows, secs, run.max_rss_kib)),
        _ => Err(format!("ceiling on {}: bad JSON {v}", capture.display())),
    }
}

/// Measures everything on one capture.
fn measure(args: &Args, capture: &Path, tmp: &Path, index: usize) -> Result<CaptureResult, String> {
    let bytes = std::fs::metadata(capture)
        .map_err(|e| format!("{}: {e}", capture.display()))?
        .len();
    let mut ceiling_rows = 0;
    let mut ceiling_secs = Vec::new();
    let mut per_mode: Vec<(Mode, Vec<f64>, u64, u64)> =
        args.modes.iter().map(|m| (*m, Vec::new(), 0, 0)).collect();
    let mut pcap_secs = Vec::new();
    let mut pcap_rss = 0u64;
    let mut pcap_packets = 0u64;
    // Runs interleave the modes, so slow drift on a shared machine hits them alike.
    let mut ceiling_rss = 0u64;
    for run in 0..args.runs {
        let db = tmp.join(format!("ceiling-{index}-{run}.sqlite"));
        let (rows, secs, rss) = ceiling_child(capture, &db)?;
        ceiling_rows = rows;
        ceiling_secs.push(secs);
        ceiling_rss = ceiling_rss.max(rss);
        for (mode, secs, packets, rss) in per_mode.iter_mut() {
            let log = tmp.join(format!("analyze-{index}-{run}-{}.kismet", mode.name()));
            let (p, r) = analyze_once(capture, *mode, &log)?;
            secs.push(r.elapsed.as_secs_f64());
            *packets = p;
            *rss = (*rss).max(r.max_rss_kib);
            if *mode == Mode::Log && args.to_pcap {
                let out = tmp.join(format!("to-pcap-{index}-{run}.pcapng"));
                let (p, r) = to_pcap_once(&log, &out)?;
                pcap_secs.push(r.elapsed.as_secs_f64());
                pcap_rss = pcap_rss.max(r.max_rss_kib);
                pcap_packets = p;
            }
            remove_log(&log);
        }
    }
    let c_secs = median(&ceiling_secs);
    let ceiling = CeilingResult {
        method: "child process, timed transactions only",
        peak_rss_mib: mib(ceiling_rss),
        rows: ceiling_rows,
        seconds: c_secs,
        seconds_all: ceiling_secs,
        rows_per_sec: ceiling_rows as f64 / c_secs.max(1e-9),
    };
    let modes = per_mode
        .into_iter()
        .map(|(mode, secs, packets, rss)| {
            let s = median(&secs).max(1e-9);
            let pps = packets as f64 / s;
            ModeResult {
                mode,
                packets,
                seconds: s,
                seconds_all: secs,
                packets_per_sec: pps,
                mb_per_sec: bytes as f64 / 1e6 / s,
                peak_rss_mib: mib(rss),
                ratio_to_ceiling: (mode == Mode::Log && ceiling.rows_per_sec > 0.0)
                    .then(|| pps / ceiling.rows_per_sec),
            }
        })
        .collect();
    let to_pcap = (!pcap_secs.is_empty()).then(|| {
        let s = median(&pcap_secs).max(1e-9);
        ToPcapResult {
            packets: pcap_packets,
            seconds: s,
            seconds_all: pcap_secs,
            packets_per_sec: pcap_packets as f64 / s,
            peak_rss_mib: mib(pcap_rss),
        }
    });
    Ok(CaptureResult {
        capture: capture.display().to_string(),
        bytes,
        frames: ceiling_rows,
        ceiling,
        modes,
        to_pcap,
    })
}

/// The targets, checked on every capture.
fn check_targets(captures: &[CaptureResult]) -> Vec<TargetResult> {
    let mut out = Vec::new();
    let mut add = |name: String, capture: &str, op: &'static str, target: f64, measured: f64| {
        let pass = if op == ">=" {
            measured >= target
        } else {
            measured <= target
        };
        out.push(TargetResult {
            name,
            capture: capture.to_string(),
            op,
            target,
            measured,
            pass,
        });
    };
    for c in captures {
        let rss_bound = if c.frames <= targets::SMALL_CAPTURE {
            targets::RSS_SMALL_MIB
        } else {
            targets::RSS_LARGE_MIB
        };
        for m in &c.modes {
            match m.mode {
                Mode::Log => add(
                    "log packets/s".into(),
                    &c.capture,
                    ">=",
                    targets::LOG_PPS,
                    m.packets_per_sec,
                ),
                Mode::NoPackets => add(
                    "no-packets packets/s".into(),
                    &c.capture,
                    ">=",
                    targets::NO_PACKETS_PPS,
                    m.packets_per_sec,
                ),
                Mode::NoLog => {}
            }
            add(
                format!("{} peak RSS MiB", m.mode.name()),
                &c.capture,
                "<=",
                rss_bound,
                m.peak_rss_mib,
            );
        }
        if let Some(t) = &c.to_pcap {
            add(
                "to-pcap packets/s".into(),
                &c.capture,
                ">=",
                targets::TO_PCAP_PPS,
                t.packets_per_sec,
            );
        }
    }
    out
}

/// `1234567` as `1,234,567`.
pub(crate) fn grouped(v: f64) -> String {
    let n = v.round().max(0.0) as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn file_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.to_string())
}

/// The report as text tables.
pub fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let w = r
        .captures
        .iter()
        .map(|c| file_name(&c.capture).chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let _ = writeln!(
        s,
        "{:<w$} {:<11} {:>10} {:>9} {:>12} {:>8} {:>9} {:>8}",
        "capture", "mode", "frames", "seconds", "packets/s", "MB/s", "RSS MiB", "ceiling"
    );
    for c in &r.captures {
        let name = file_name(&c.capture);
        for m in &c.modes {
            let ratio = m
                .ratio_to_ceiling
                .map(|x| format!("{:.0}%", x * 100.0))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "{:<w$} {:<11} {:>10} {:>9.3} {:>12} {:>8.1} {:>9.1} {:>8}",
                name,
                m.mode.name(),
                m.packets,
                m.seconds,
                grouped(m.packets_per_sec),
                m.mb_per_sec,
                m.peak_rss_mib,
                ratio
            );
        }
        if let Some(t) = &c.to_pcap {
            let _ = writeln!(
                s,
                "{:<w$} {:<11} {:>10} {:>9.3} {:>12} {:>8} {:>9.1} {:>8}",
                name,
                "to-pcap",
                t.packets,
                t.seconds,
                grouped(t.packets_per_sec),
                "",
                t.peak_rss_mib,
                ""
            );
        }
        let _ = writeln!(
            s,
            "{:<w$} {:<11} {:>10} {:>9.3} {:>12} {:>8} {:>9.1}   (bare insert, {})",
            name,
            "ceiling",
            c.ceiling.rows,
            c.ceiling.seconds,
            grouped(c.ceiling.rows_per_sec),
            "",
            c.ceiling.peak_rss_mib,
            c.ceiling.method
        );
    }
    let _ = writeln!(
        s,
        "\nmedian of {} run(s); RSS is the largest child peak (wait4 ru_maxrss)",
        r.runs
    );
    let _ = writeln!(s, "\ntargets:");
    for t in &r.targets {
        let fmt = |v: f64| {
            if t.name.contains("RSS") {
                format!("{v:.1}")
            } else {
                grouped(v)
            }
        };
        let _ = writeln!(
            s,
            "  {}  {:<24} {} {:>10}  measured {:>10}  ({})",
            if t.pass { "pass" } else { "MISS" },
            t.name,
            t.op,
            fmt(t.target),
            fmt(t.measured),
            file_name(&t.capture)
        );
    }
    let missed = r.targets.iter().filter(|t| !t.pass).count();
    if missed == 0 {
        let _ = writeln!(s, "every target met");
    } else {
        let _ = writeln!(s, "{missed} target(s) MISSED");
    }
    s
}

/// Runs the command. A missed target is reported, not an error: this is a measurement.
pub fn run(args: &Args) -> Result<(), String> {
    if let Some(db) = &args.ceiling_into {
        let [capture] = args.captures.as_slice() else {
            return Err("--ceiling-into takes one capture".into());
        };
        let (rows, spent) = ceiling_once(capture, db)?;
        let v = serde_json::json!({"rows": rows, "seconds": spent.as_secs_f64()});
        return crate::output::write_stdout(&format!("{v}\n"));
    }
    if args.modes.is_empty() {
        return Err("--modes: name at least one of log, no-packets, no-log".into());
    }
    if args.to_pcap && !args.modes.contains(&Mode::Log) {
        return Err("--to-pcap times the log mode's kismetdb: include `log` in --modes".into());
    }
    let tmp = TempDir::new(args.tmp_dir.as_deref(), "osprey-bench")?;
    let mut captures = Vec::new();
    for (i, c) in args.captures.iter().enumerate() {
        if !args.json {
            crate::output::note(&format!("bench run: {} ...", c.display()));
        }
        captures.push(measure(args, c, tmp.path(), i)?);
    }
    let targets = check_targets(&captures);
    let report = Report {
        runs: args.runs,
        all_pass: targets.iter().all(|t| t.pass),
        captures,
        targets,
    };
    super::print_report(&report, args.json, render_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_grouping() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(grouped(1_234_567.4), "1,234,567");
        assert_eq!(grouped(999.0), "999");
    }

    #[test]
    fn addresses_of_a_radiotap_frame() {
        // 8-byte radiotap header, then frame control, duration and three addresses.
        let mut f = vec![0u8, 0, 8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0];
        for a in 1..=3u8 {
            f.extend([a; 6]);
        }
        let got = addresses(osprey_capture::dlt::RADIOTAP, &f);
        assert_eq!(got, [[1; 6], [2; 6], [3; 6]]);
        assert_eq!(addresses(1, &f), [[0; 6]; 3], "unknown link type");
        assert_eq!(
            addresses(osprey_capture::dlt::RADIOTAP, &f[..20]),
            [[1; 6], [0; 6], [0; 6]]
        );
        let mut b = [0u8; 17];
        assert_eq!(
            mac_text(&[0xAB, 1, 2, 3, 4, 0xFF], &mut b),
            "AB:01:02:03:04:FF"
        );
    }

    #[test]
    fn targets_pass_and_miss() {
        let mode = |mode, pps, rss| ModeResult {
            mode,
            packets: 10,
            seconds: 1.0,
            seconds_all: vec![1.0],
            packets_per_sec: pps,
            mb_per_sec: 1.0,
            peak_rss_mib: rss,
            ratio_to_ceiling: None,
        };
        let c = CaptureResult {
            capture: "x.pcap".into(),
            bytes: 1,
            frames: 300_000,
            ceiling: CeilingResult {
                method: "",
                peak_rss_mib: 1.0,
                rows: 300_000,
                seconds: 1.0,
                seconds_all: vec![1.0],
                rows_per_sec: 1.0,
            },
            modes: vec![
                mode(Mode::Log, 350_000.0, 100.0),
                mode(Mode::NoPackets, 1_000_000.0, 130.0),
            ],
            to_pcap: None,
        };
        let t = check_targets(&[c]);
        let pass: Vec<(&str, bool)> = t.iter().map(|t| (t.name.as_str(), t.pass)).collect();
        assert_eq!(
            pass,
            vec![
                ("log packets/s", true),
                ("log peak RSS MiB", true),
                ("no-packets packets/s", false),
                ("no-packets peak RSS MiB", false),
            ]
        );
    }
}
