//! `osprey bench serve`: the REST API and the event bus under load, during a replay.
//!
//! The command starts this executable as `osprey serve` in a temporary directory (a fresh
//! `--auth-dir`, the kismetdb log with packets, a free port), with two sources read one after
//! the other: a short warm-up (30 frames of a link type nothing decodes, paced at 10 frames/s,
//! so no device or alert comes from it) and then the capture. During the warm-up it:
//!
//! * logs in once as the generated admin and makes a readonly API key, which every client
//!   sends as the `KISMET` cookie (as the web UI sends its session);
//! * opens an event bus websocket subscribed to `ALERT`, `NEW_DEVICE`, `DATASOURCE_CLOSED` and
//!   then `TIMESTAMP`: the first `TIMESTAMP` proves the subscriptions are active, and the
//!   alerts and devices that exist then (the `ROOTUSER` alert of a root process) are the
//!   baseline that the subscriber cannot have seen.
//!
//! Then the client threads poll, each alternating `/alerts/last-time/TS/alerts.json` and
//! `/devices/last-time/TS/devices.json` over its own keep-alive connection, advancing each TS
//! to the newest timestamp it has received, as Kismet's web UI does, with `--interval-ms`
//! between requests. Every request's latency is kept. On loopback, client `i` connects from
//! `127.0.0.(2+i)`: the server's per-address rate limit then applies per client, as it would
//! to as many browsers. The second `DATASOURCE_CLOSED` on the websocket ends the replay and
//! the polling; the server is then stopped (SIGINT, so it closes its log), and the log's
//! alert count and the final device count, less the baseline, are what the subscriber must
//! have received.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Poll the REST API with many clients during a replay; report latency percentiles.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture to replay (pcap, pcapng or kismetdb).
    pub capture: PathBuf,
    /// Concurrent polling clients.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub clients: u32,
    /// Replay at this many packets per second (default: as fast as the engine goes).
    #[arg(long, conflicts_with = "realtime", value_parser = clap::value_parser!(u64).range(1..))]
    pub pps: Option<u64>,
    /// Replay at capture speed.
    #[arg(long)]
    pub realtime: bool,
    /// Mean pause between two requests of one client, in milliseconds (each pause is a random
    /// 50–150 % of it, so that clients do not poll in lockstep; 0: back to back).
    #[arg(long, default_value_t = 100)]
    pub interval_ms: u64,
    /// Ask `/devices/last-time` for whole device records instead of the summary fields a
    /// list view asks for (Kismet's documentation recommends a field list for this
    /// endpoint; whole records of every active device make each answer megabytes).
    #[arg(long)]
    pub full_records: bool,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where the temporary directory goes (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<PathBuf>,
}

/// The p99 latency target, milliseconds.
pub const P99_TARGET_MS: f64 = 10.0;

/// The device fields the clients ask for (a device list row), unless `--full-records`.
pub const DEVICE_FIELDS: &str = r#"{"fields": ["kismet.device.base.key", "kismet.device.base.macaddr", "kismet.device.base.name", "kismet.device.base.type", "kismet.device.base.channel", "kismet.device.base.packets.total", "kismet.device.base.signal/kismet.common.signal.last_signal", "kismet.device.base.last_time"]}"#;

/// Warm-up frames, and their pace.
const WARMUP_FRAMES: u32 = 30;
const WARMUP_PPS: u32 = 10;

/// Latency percentiles, milliseconds.
#[derive(Serialize, Debug, Clone, Copy, Default)]
pub struct Latency {
    /// Requests measured.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Latency {
    fn of(micros: &mut [u32]) -> Latency {
        micros.sort_unstable();
        let q = |p: f64| -> f64 {
            if micros.is_empty() {
                return 0.0;
            }
            let i = ((p * micros.len() as f64).ceil() as usize).clamp(1, micros.len()) - 1;
            f64::from(micros[i]) / 1000.0
        };
        Latency {
            count: micros.len() as u64,
            p50: q(0.50),
            p90: q(0.90),
            p99: q(0.99),
            max: micros.last().map(|m| f64::from(*m) / 1000.0).unwrap_or(0.0),
        }
    }
}

/// What the event bus subscriber saw, against what it should have.
#[derive(Serialize, Debug, Clone, Default)]
pub struct Events {
    /// ALERT events received.
    pub alerts_received: u64,
    /// Alerts raised while subscribed (the log's alerts less the baseline).
    pub alerts_expected: u64,
    /// Alerts of the final backlog raised while subscribed that were not received.
    pub alerts_missing_from_backlog: u64,
    /// NEW_DEVICE events received.
    pub devices_received: u64,
    /// Devices created while subscribed (the final count less the baseline).
    pub devices_expected: u64,
    /// Events the bus dropped for slow subscribers (`osprey.system.eventbus.dropped`).
    pub bus_dropped: u64,
    /// Subscribers the server disconnected for not keeping up.
    pub bus_evicted: u64,
}

/// The report.
#[derive(Serialize, Debug, Clone, Default)]
pub struct Report {
    /// The capture.
    pub capture: String,
    /// Its frames.
    pub frames: u64,
    /// Polling clients.
    pub clients: u32,
    /// Pause between a client's requests, ms.
    pub interval_ms: u64,
    /// Whole device records were asked for (else [`DEVICE_FIELDS`]).
    pub full_records: bool,
    /// The replay pace asked for (packets/s), if any.
    pub pps: Option<u64>,
    /// Replayed at capture speed.
    pub realtime: bool,
    /// Seconds from the capture's start to its end (on the event bus).
    pub replay_seconds: f64,
    /// Frames of the capture per replay second.
    pub ingest_packets_per_sec: f64,
    /// Requests answered.
    pub requests: u64,
    /// Answers that were not 2xx.
    pub errors: u64,
    /// Requests that got no answer (connection errors).
    pub io_errors: u64,
    /// Requests per second over the polling time.
    pub requests_per_sec: f64,
    /// Response bytes per second, MB (10^6).
    pub response_mb_per_sec: f64,
    /// Every request.
    pub latency_ms: Latency,
    /// `/alerts/last-time/...` requests.
    pub alerts_latency_ms: Latency,
    /// `/devices/last-time/...` requests.
    pub devices_latency_ms: Latency,
    /// Event bus delivery.
    pub events: Events,
    /// Notes on the measurement.
    pub notes: Vec<String>,
    /// p99 under the target.
    pub p99_pass: bool,
    /// The subscriber missed no alert or device.
    pub events_pass: bool,
    /// No request failed.
    pub errors_pass: bool,
    /// Every target met.
    pub all_pass: bool,
}

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 client (keep-alive, Content-Length or chunked bodies).

/// Connects to `remote`, from `local` when given (a loopback address of its own).
pub(crate) fn connect(local: Option<Ipv4Addr>, remote: SocketAddr) -> std::io::Result<TcpStream> {
    let (Some(local), SocketAddr::V4(remote)) = (local, remote) else {
        return TcpStream::connect_timeout(&remote, Duration::from_secs(10));
    };
    connect_from(local, remote)
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip.octets()),
        },
        sin_zero: [0; 8],
    }
}

/// A TCP connection from a chosen local address (std cannot bind before connecting).
fn connect_from(local: Ipv4Addr, remote: SocketAddrV4) -> std::io::Result<TcpStream> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // SAFETY: socket(2) with constant arguments.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new descriptor owned by nothing else; OwnedFd closes it on error.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let l = sockaddr(local, 0);
    // SAFETY: `l` is a valid sockaddr_in of `len` bytes.
    if unsafe {
        libc::bind(
            owned.as_raw_fd(),
            (&l as *const libc::sockaddr_in).cast(),
            len,
        )
    } != 0
    {
        return Err(std::io::Error::last_os_error());
    }
    let r = sockaddr(*remote.ip(), remote.port());
    // SAFETY: `r` is a valid sockaddr_in of `len` bytes.
    if unsafe {
        libc::connect(
            owned.as_raw_fd(),
            (&r as *const libc::sockaddr_in).cast(),
            len,
        )
    } != 0
    {
        return Err(std::io::Error::last_os_error());
    }
    Ok(TcpStream::from(owned))
}

/// Base64 (standard alphabet, padded).
pub(crate) fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Reads one header block; returns the status code and the headers (names lowercased).
fn read_head(r: &mut impl BufRead) -> std::io::Result<(u16, Vec<(String, String)>)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(bad("headers cut short"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if headers.len() > 100 {
            return Err(bad("too many headers"));
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok((status, headers))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Largest response body read (bigger is an error: this is a benchmark, not a browser).
const MAX_BODY: u64 = 1 << 30;

/// Reads a body after its head. Returns it and whether the connection can be reused.
fn read_body(
    r: &mut impl BufRead,
    headers: &[(String, String)],
) -> std::io::Result<(Vec<u8>, bool)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let close = header(headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    if header(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("bad chunk size"))?;
            if body.len() as u64 + size > MAX_BODY {
                return Err(bad("body too large"));
            }
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    line.clear();
                    if r.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                return Ok((body, !close));
            }
            let at = body.len();
            body.resize(at + size as usize, 0);
            r.read_exact(&mut body[at..])?;
            line.clear();
            r.read_line(&mut line)?;
        }
    }
    match header(headers, "content-length") {
        Some(v) => {
            let n: u64 = v.parse().map_err(|_| bad("bad content-length"))?;
            if n > MAX_BODY {
                return Err(bad("body too large"));
            }
            let mut body = vec![0u8; n as usize];
            r.read_exact(&mut body)?;
            Ok((body, !close))
        }
        None => {
            let mut body = Vec::new();
            r.take(MAX_BODY).read_to_end(&mut body)?;
            Ok((body, false))
        }
    }
}

/// One keep-alive HTTP connection that reconnects when needed.
pub(crate) struct Http {
    remote: SocketAddr,
    local: Option<Ipv4Addr>,
    conn: Option<BufReader<TcpStream>>,
    /// A `Cookie` or `Authorization` header line, without CRLF.
    auth: String,
}

impl Http {
    /// A client of `remote`, connecting from `local` if given, sending `auth` (a header line).
    pub(crate) fn new(remote: SocketAddr, local: Option<Ipv4Addr>, auth: String) -> Http {
        Http {
            remote,
            local,
            conn: None,
            auth,
        }
    }

    /// Sends a request; returns the status and the body.
    pub(crate) fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(&str, &str)>,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let r = self.try_request(method, path, body);
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(&str, &str)>,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        if self.conn.is_none() {
            let s = connect(self.local, self.remote)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(60)))?;
            self.conn = Some(BufReader::with_capacity(64 << 10, s));
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(std::io::Error::other("no connection"));
        };
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
            self.remote, self.auth
        );
        match body {
            Some((ctype, b)) => {
                req.push_str(&format!(
                    "Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{b}",
                    b.len()
                ));
            }
            None => req.push_str("\r\n"),
        }
        conn.get_mut().write_all(req.as_bytes())?;
        let (status, headers) = read_head(conn)?;
        let (body, keep) = read_body(conn, &headers)?;
        if !keep {
            self.conn = None;
        }
        Ok((status, body))
    }
}

// ---------------------------------------------------------------------------------------------
// A small websocket client (RFC 6455: client frames masked, server frames read whole).

/// One websocket connection.
pub(crate) struct Ws {
    conn: BufReader<TcpStream>,
    mask_seed: u32,
}

/// A message read from a websocket.
pub(crate) enum WsRead {
    /// A text (or binary) message.
    Message(Vec<u8>),
    /// The server closed the connection.
    Closed,
}

/// Largest websocket message accepted.
const MAX_WS_MESSAGE: u64 = 64 << 20;

impl Ws {
    /// Opens `path` on `remote` with the `auth` header line; fails unless the server switches
    /// protocols.
    pub(crate) fn connect(remote: SocketAddr, path: &str, auth: &str) -> std::io::Result<Ws> {
        let s = connect(None, remote)?;
        s.set_nodelay(true)?;
        let mut conn = BufReader::with_capacity(256 << 10, s);
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {remote}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: b3NwcmV5LWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n\r\n"
        );
        conn.get_mut().write_all(req.as_bytes())?;
        let (status, _) = read_head(&mut conn)?;
        if status != 101 {
            return Err(std::io::Error::other(format!(
                "websocket upgrade refused: HTTP {status}"
            )));
        }
        Ok(Ws {
            conn,
            mask_seed: 0x9E37_79B9,
        })
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        self.mask_seed = self
            .mask_seed
            .wrapping_mul(1_664_525)
            .wrapping_add(1_013_904_223);
        let mask = self.mask_seed.to_be_bytes();
        let mut f = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                f.push(0x80 | 126);
                f.extend((n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend((n as u64).to_be_bytes());
            }
        }
        f.extend(mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.conn.get_mut().write_all(&f)
    }

    /// Sends a text message.
    pub(crate) fn send_text(&mut self, text: &str) -> std::io::Result<()> {
        self.send_frame(0x1, text.as_bytes())
    }

    /// Reads the next data message (answering pings on the way).
    pub(crate) fn read(&mut self) -> std::io::Result<WsRead> {
        let mut message = Vec::new();
        loop {
            let mut h = [0u8; 2];
            match self.conn.read_exact(&mut h) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(WsRead::Closed)
                }
                Err(e) => return Err(e),
            }
            let fin = h[0] & 0x80 != 0;
            let opcode = h[0] & 0x0F;
            let masked = h[1] & 0x80 != 0;
            let len = match h[1] & 0x7F {
                126 => {
                    let mut b = [0u8; 2];
                    self.conn.read_exact(&mut b)?;
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.conn.read_exact(&mut b)?;
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            if message.len() as u64 + len > MAX_WS_MESSAGE {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "websocket message too large",
                ));
            }
            let mut mask = [0u8; 4];
            if masked {
                self.conn.read_exact(&mut mask)?;
            }
            let mut payload = vec![0u8; len as usize];
            self.conn.read_exact(&mut payload)?;
            if masked {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b ^= mask[i % 4];
                }
            }
            match opcode {
                0x8 => return Ok(WsRead::Closed),
                0x9 => self.send_frame(0xA, &payload)?,
                0xA => {}
                _ => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return Ok(WsRead::Message(message));
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// The number after `"key":` in `text`, for every occurrence; the largest.
///
/// Answers are up to megabytes and 64 clients share the server's two cores: the search is
/// memchr's vectorized substring search, so that the clients' own parsing does not take the
/// CPU the server's latency is measured on.
fn max_number_after(text: &[u8], key: &str) -> Option<f64> {
    let pat = format!("\"{key}\"");
    let mut best: Option<f64> = None;
    for off in memchr::memmem::find_iter(text, pat.as_bytes()) {
        let mut j = off + pat.len();
        while j < text.len() && (text[j] == b':' || text[j].is_ascii_whitespace()) {
            j += 1;
        }
        let start = j;
        while j < text.len() && (text[j].is_ascii_digit() || b".eE+-".contains(&text[j])) {
            j += 1;
        }
        if let Some(v) = std::str::from_utf8(&text[start..j])
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
        {
            best = Some(best.map_or(v, |b: f64| b.max(v)));
        }
    }
    best
}

/// What one polling client measured.
#[derive(Default)]
struct ClientStats {
    alerts: Vec<u32>,
    devices: Vec<u32>,
    errors: u64,
    io_errors: u64,
    bytes: u64,
}

/// One client: alternate the two endpoints until `stop`, advancing the timestamps.
///
/// Clients are not in lockstep, as the browsers of a real audience are not: each starts at a
/// random point of its first interval and sleeps a random 50–150 % of `interval` between
/// requests (a fixed generator seeded with the client's number, so runs are comparable).
fn poll(
    mut http: Http,
    interval: Duration,
    full: bool,
    client: u64,
    stop: &AtomicBool,
) -> ClientStats {
    let mut rng = super::gen::Rng::new(client);
    // `interval` times a random per mille in `lo..=hi`.
    let mut jitter = move |lo: u64, hi: u64| interval.mul_f64(rng.range(lo, hi) as f64 / 1000.0);
    if !interval.is_zero() {
        std::thread::sleep(jitter(0, 1000));
    }
    let mut st = ClientStats::default();
    let mut alerts_ts = 0.0f64;
    let mut devices_ts = 0i64;
    let mut turn = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let alerts = turn % 2 == 0;
        turn += 1;
        let path = if alerts {
            format!("/alerts/last-time/{alerts_ts}/alerts.json")
        } else {
            format!("/devices/last-time/{devices_ts}/devices.json")
        };
        let started = Instant::now();
        let r = if alerts || full {
            http.request("GET", &path, None)
        } else {
            http.request("POST", &path, Some(("application/json", DEVICE_FIELDS)))
        };
        match r {
            Ok((status, body)) => {
                let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
                if alerts {
                    st.alerts.push(us);
                } else {
                    st.devices.push(us);
                }
                st.bytes += body.len() as u64;
                if !(200..300).contains(&status) {
                    st.errors += 1;
                } else if alerts {
                    if let Some(t) = max_number_after(&body, "kismet.alert.timestamp") {
                        alerts_ts = alerts_ts.max(t);
                    }
                } else if let Some(t) = max_number_after(&body, "kismet.device.base.last_time") {
                    devices_ts = devices_ts.max(t as i64);
                }
            }
            Err(_) => {
                st.io_errors += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        if !interval.is_zero() {
            std::thread::sleep(jitter(500, 1500));
        }
    }
    st
}

/// What the subscriber reports to the main thread.
enum SubEvent {
    /// The subscriptions are active.
    Subscribed,
    /// A source closed (the warm-up, then the capture), when.
    SourceClosed(Instant),
    /// The connection ended: alert hashes received in order, NEW_DEVICE count.
    Done(Result<(Vec<u64>, u64), String>),
}

fn subscriber(mut ws: Ws, tx: mpsc::Sender<SubEvent>) {
    let mut hashes = Vec::new();
    let mut devices = 0u64;
    let mut subscribed = false;
    let result = loop {
        let msg = match ws.read() {
            Ok(WsRead::Message(m)) => m,
            Ok(WsRead::Closed) => break Ok(()),
            Err(e) => break Err(e.to_string()),
        };
        let key_end = msg
            .iter()
            .skip(2)
            .position(|b| *b == b'"')
            .map(|p| p + 2)
            .unwrap_or(2);
        let key = msg.get(2..key_end).unwrap_or(b"");
        match key {
            b"ALERT" => {
                let v: serde_json::Value = serde_json::from_slice(&msg).unwrap_or_default();
                hashes.push(v["ALERT"]["kismet.alert.hash"].as_u64().unwrap_or(0));
            }
            b"NEW_DEVICE" => devices += 1,
            b"DATASOURCE_CLOSED" => {
                let _ = tx.send(SubEvent::SourceClosed(Instant::now()));
            }
            b"TIMESTAMP" if !subscribed => {
                subscribed = true;
                let _ = tx.send(SubEvent::Subscribed);
            }
            _ => {}
        }
    };
    let _ = tx.send(SubEvent::Done(result.map(|()| (hashes, devices))));
}

/// A pcap of `n` Ethernet frames (a link type no phy decodes), one second apart from `start`.
fn warmup_pcap(path: &Path, n: u32, start: i64) -> Result<(), String> {
    let mut b = Vec::new();
    b.extend(0xa1b2_c3d4u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend(0i32.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend(65535u32.to_le_bytes());
    b.extend(1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for i in 0..n {
        let sec = u32::try_from(start + i64::from(i)).unwrap_or(0);
        b.extend(sec.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend(60u32.to_le_bytes());
        b.extend(60u32.to_le_bytes());
        b.extend([0u8; 60]);
    }
    std::fs::write(path, b).map_err(|e| format!("{}: {e}", path.display()))
}

/// The serve child; stopped (SIGINT, then killed) when dropped.
struct Server {
    child: Child,
    stderr_tail: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Asks it to stop (SIGINT: it closes its log) and waits up to `grace`.
    fn stop(&mut self, grace: Duration) -> Result<(), String> {
        if let Ok(Some(_)) = self.child.try_wait() {
            return Ok(());
        }
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(st)) if st.success() => return Ok(()),
                Ok(Some(st)) => {
                    return Err(format!("osprey serve ended with {st}: {}", self.tail()))
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(e.to_string()),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        Err(format!(
            "osprey serve did not stop within {} s of SIGINT",
            grace.as_secs()
        ))
    }

    fn tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.join(" | "))
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `osprey serve` and reads its address and generated password.
fn start_server(
    dir: &Path,
    sources: &[String],
    log: &Path,
) -> Result<(Server, SocketAddr, String), String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--auth-dir"])
        .arg(dir.join("auth"))
        .arg("-o")
        .arg(log);
    for s in sources {
        cmd.arg("-c").arg(s);
    }
    let mut child = cmd
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting osprey serve: {e}"))?;
    let stderr = child.stderr.take();
    let tail = Arc::new(Mutex::new(Vec::new()));
    let mut server = Server {
        child,
        stderr_tail: tail.clone(),
    };
    let Some(stderr) = stderr else {
        return Err("osprey serve: no stderr".into());
    };
    let mut err = BufReader::new(stderr);
    let (mut password, mut addr) = (String::new(), None);
    let mut line = String::new();
    while addr.is_none() {
        line.clear();
        if err.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            let _ = server.child.wait();
            return Err(format!("osprey serve exited: {}", line.trim()));
        }
        if let Some(p) = line.split("with password ").nth(1) {
            password = p.split_whitespace().next().unwrap_or("").to_string();
        }
        if let Some(a) = line.split("listening on http://").nth(1) {
            addr = a.trim().parse::<SocketAddr>().ok();
        }
    }
    std::thread::spawn(move || {
        let mut l = String::new();
        while err.read_line(&mut l).unwrap_or(0) > 0 {
            if let Ok(mut t) = tail.lock() {
                if t.len() == 5 {
                    t.remove(0);
                }
                t.push(l.trim().to_string());
            }
            l.clear();
        }
    });
    if password.is_empty() {
        return Err("osprey serve printed no generated password".into());
    }
    let addr = addr.ok_or("osprey serve printed no address")?;
    Ok((server, addr, password))
}

/// Frames of a capture and its first timestamp.
fn scan(capture: &Path) -> Result<(u64, i64), String> {
    let mut n = 0u64;
    let mut first = None;
    let r = osprey_capture::for_each_frame(capture, &mut |f| {
        n += 1;
        first.get_or_insert(f.ts.sec);
        osprey_capture::Flow::Continue
    });
    match r {
        Ok(_) => {}
        Err(e) if e.is_partial() => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok((n, first.unwrap_or(1_000_000_000)))
}

fn json_of(body: &[u8], what: &str) -> Result<serde_json::Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: {e}"))
}

fn get_json(http: &mut Http, path: &str) -> Result<serde_json::Value, String> {
    let (st, body) = http
        .request("GET", path, None)
        .map_err(|e| format!("{path}: {e}"))?;
    if st != 200 {
        return Err(format!("{path}: HTTP {st}"));
    }
    json_of(&body, path)
}

fn alert_hashes(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["kismet.alert.hash"].as_u64().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default()
}

/// Measures; the server is stopped before this returns.
fn measure(args: &Args, dir: &Path) -> Result<Report, String> {
    let capture = std::fs::canonicalize(&args.capture)
        .map_err(|e| format!("{}: {e}", args.capture.display()))?;
    let shown = capture.display().to_string();
    if shown.contains(':') {
        return Err(format!(
            "{shown}: a path with ':' cannot be a serve source (it separates options)"
        ));
    }
    let (frames, first_ts) = scan(&capture)?;
    let warmup = dir.join("warmup.pcap");
    warmup_pcap(
        &warmup,
        WARMUP_FRAMES,
        first_ts - i64::from(WARMUP_FRAMES) - 1,
    )?;
    let main_source = match (args.pps, args.realtime) {
        (Some(p), _) => format!("{shown}:pps={p}"),
        (None, true) => format!("{shown}:realtime=true"),
        (None, false) => shown.clone(),
    };
    let sources = [
        format!("{}:pps={WARMUP_PPS}", warmup.display()),
        main_source,
    ];
    let log = dir.join("bench.kismet");
    let (mut server, addr, password) = start_server(dir, &sources, &log)?;
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let mut notes = Vec::new();

    // A readonly API key, sent as the session cookie by every client.
    let mut admin = Http::new(
        addr,
        None,
        format!(
            "Authorization: Basic {}",
            base64(format!("kismet:{password}").as_bytes())
        ),
    );
    let (st, token) = admin
        .request(
            "POST",
            "/auth/apikey/generate.cmd",
            Some((
                "application/json",
                r#"{"name":"bench","role":"readonly","duration":0}"#,
            )),
        )
        .map_err(|e| format!("making an API key: {e}"))?;
    let token = String::from_utf8_lossy(&token).trim().to_string();
    if st != 200 || token.is_empty() {
        return Err(format!("making an API key: HTTP {st} {token}"));
    }
    let cookie = format!("Cookie: KISMET={token}");

    // The subscriber.
    let mut ws =
        Ws::connect(addr, "/eventbus/events.ws", &cookie).map_err(|e| format!("event bus: {e}"))?;
    for t in ["ALERT", "NEW_DEVICE", "DATASOURCE_CLOSED", "TIMESTAMP"] {
        ws.send_text(&format!("{{\"SUBSCRIBE\": \"{t}\"}}"))
            .map_err(|e| format!("event bus: {e}"))?;
    }
    let (tx, rx) = mpsc::channel();
    let sub = std::thread::spawn(move || subscriber(ws, tx));
    let mut closes = Vec::new();
    let mut done: Option<Result<(Vec<u64>, u64), String>> = None;
    // Handles one subscriber report.
    let take = |e: SubEvent, closes: &mut Vec<Instant>, done: &mut Option<_>| match e {
        SubEvent::Subscribed => {}
        SubEvent::SourceClosed(t) => closes.push(t),
        SubEvent::Done(r) => *done = Some(r),
    };
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(SubEvent::Subscribed) => {}
        Ok(SubEvent::Done(Err(e))) => return Err(format!("event bus: {e}")),
        _ => return Err("event bus: no TIMESTAMP event within 10 s".into()),
    }
    let mut http = Http::new(addr, None, cookie.clone());
    let base_alerts = alert_hashes(&get_json(&mut http, "/alerts/all_alerts.json")?);
    let status = get_json(&mut http, "/system/status.json")?;
    let base_devices = status["kismet.system.devices.count"].as_u64().unwrap_or(0);
    let base_packets = status["osprey.system.packets"].as_u64().unwrap_or(0);
    if base_packets > u64::from(WARMUP_FRAMES) {
        notes.push(format!(
            "the capture had started ({base_packets} packets) when the subscriber was ready: \
             its first events are in the baseline, not counted"
        ));
    }

    // The pollers.
    let stop = Arc::new(AtomicBool::new(false));
    let loopback = addr.ip().is_loopback() && addr.is_ipv4();
    let interval = Duration::from_millis(args.interval_ms);
    let polling_started = Instant::now();
    let pollers: Vec<_> = (0..args.clients)
        .map(|i| {
            let local =
                loopback.then(|| Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + i));
            let http = Http::new(addr, local, cookie.clone());
            let stop = stop.clone();
            let full = args.full_records;
            std::thread::spawn(move || poll(http, interval, full, u64::from(i), &stop))
        })
        .collect();

    // Until the capture's source closes.
    while closes.len() < 2 && done.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left.min(Duration::from_millis(500))) {
            Ok(e) => take(e, &mut closes, &mut done),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let polling = polling_started.elapsed();
    let mut stats = Vec::new();
    for p in pollers {
        stats.push(p.join().map_err(|_| "a polling client panicked")?);
    }
    if closes.len() < 2 {
        return Err(match &done {
            Some(Err(e)) => format!("event bus: {e}"),
            _ => format!(
                "the replay did not end within {} s (--timeout)",
                args.timeout
            ),
        });
    }
    // Alerts raised at the end of the source follow its DATASOURCE_CLOSED.
    std::thread::sleep(Duration::from_millis(500));
    let final_alerts = alert_hashes(&get_json(&mut http, "/alerts/all_alerts.json")?);
    let status = get_json(&mut http, "/system/status.json")?;
    let final_devices = status["kismet.system.devices.count"].as_u64().unwrap_or(0);
    let bus_dropped = status["osprey.system.eventbus.dropped"]
        .as_u64()
        .unwrap_or(0);
    let bus_evicted = status["osprey.system.eventbus.evicted"]
        .as_u64()
        .unwrap_or(0);
    drop(http);
    server.stop(Duration::from_secs(120))?;
    while done.is_none() {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(e) => take(e, &mut closes, &mut done),
            Err(_) => break,
        }
    }
    let _ = sub.join();
    let (received, devices_received) = match done {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(format!("event bus: {e}")),
        None => return Err("event bus: the subscriber did not finish".into()),
    };
    let logged_alerts = kismetdb::Reader::open(&log)
        .and_then(|r| r.count(kismetdb::Table::Alerts))
        .map_err(|e| e.to_string())?;

    let base: std::collections::HashSet<u64> = base_alerts.iter().copied().collect();
    let got: std::collections::HashSet<u64> = received.iter().copied().collect();
    let missing_from_backlog = final_alerts
        .iter()
        .filter(|h| !base.contains(h) && !got.contains(h))
        .count() as u64;
    let events = Events {
        alerts_received: received.len() as u64,
        alerts_expected: logged_alerts.saturating_sub(base_alerts.len() as u64),
        alerts_missing_from_backlog: missing_from_backlog,
        devices_received,
        devices_expected: final_devices.saturating_sub(base_devices),
        bus_dropped,
        bus_evicted,
    };
    let replay = closes[1].duration_since(closes[0]).as_secs_f64();
    let mut all_alerts = Vec::new();
    let mut all_devices = Vec::new();
    let (mut errors, mut io_errors, mut bytes) = (0, 0, 0);
    for s in stats {
        all_alerts.extend_from_slice(&s.alerts);
        all_devices.extend_from_slice(&s.devices);
        errors += s.errors;
        io_errors += s.io_errors;
        bytes += s.bytes;
    }
    let mut all: Vec<u32> = all_alerts.iter().chain(&all_devices).copied().collect();
    let latency = Latency::of(&mut all);
    let requests = latency.count;
    let p99_pass = requests > 0 && latency.p99 < P99_TARGET_MS;
    let events_pass = events.alerts_received >= events.alerts_expected
        && events.alerts_missing_from_backlog == 0
        && events.devices_received >= events.devices_expected;
    let errors_pass = errors == 0 && io_errors == 0;
    Ok(Report {
        capture: shown,
        frames,
        clients: args.clients,
        interval_ms: args.interval_ms,
        full_records: args.full_records,
        pps: args.pps,
        realtime: args.realtime,
        replay_seconds: replay,
        ingest_packets_per_sec: frames as f64 / replay.max(1e-9),
        requests,
        errors,
        io_errors,
        requests_per_sec: requests as f64 / polling.as_secs_f64().max(1e-9),
        response_mb_per_sec: bytes as f64 / 1e6 / polling.as_secs_f64().max(1e-9),
        latency_ms: latency,
        alerts_latency_ms: Latency::of(&mut all_alerts),
        devices_latency_ms: Latency::of(&mut all_devices),
        events,
        notes,
        p99_pass,
        events_pass,
        errors_pass,
        all_pass: p99_pass && events_pass && errors_pass,
    })
}

/// The report as text.
pub fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let pace = match (r.pps, r.realtime) {
        (Some(p), _) => format!("{p} packets/s asked"),
        (None, true) => "capture speed".to_string(),
        (None, false) => "full speed".to_string(),
    };
    let _ = writeln!(s, "capture: {} ({} frames)", r.capture, r.frames);
    let _ = writeln!(
        s,
        "replay:  {:.2} s, {} packets/s ingest ({pace})",
        r.replay_seconds,
        super::run::grouped(r.ingest_packets_per_sec)
    );
    let _ = writeln!(
        s,
        "clients: {}, {} ms between requests, alternating alerts/last-time and devices/last-time \
         ({})",
        r.clients,
        r.interval_ms,
        if r.full_records {
            "whole device records"
        } else {
            "device summary fields"
        }
    );
    let _ = writeln!(
        s,
        "requests: {} ({:.0}/s, {:.1} MB/s of responses), errors {} non-2xx, {} without answer",
        r.requests, r.requests_per_sec, r.response_mb_per_sec, r.errors, r.io_errors
    );
    let _ = writeln!(
        s,
        "{:<22} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "latency (ms)", "count", "p50", "p90", "p99", "max"
    );
    for (name, l) in [
        ("all", &r.latency_ms),
        ("alerts/last-time", &r.alerts_latency_ms),
        ("devices/last-time", &r.devices_latency_ms),
    ] {
        let _ = writeln!(
            s,
            "{:<22} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            name, l.count, l.p50, l.p90, l.p99, l.max
        );
    }
    let e = &r.events;
    let _ = writeln!(
        s,
        "event bus: ALERT {} received / {} raised while subscribed ({} of the backlog missing); \
         NEW_DEVICE {} / {}; bus dropped {}, evicted {}",
        e.alerts_received,
        e.alerts_expected,
        e.alerts_missing_from_backlog,
        e.devices_received,
        e.devices_expected,
        e.bus_dropped,
        e.bus_evicted
    );
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    let mark = |p: bool| if p { "pass" } else { "MISS" };
    let _ = writeln!(s, "\ntargets:");
    let _ = writeln!(
        s,
        "  {}  p99 latency < {P99_TARGET_MS} ms: {:.2} ms",
        mark(r.p99_pass),
        r.latency_ms.p99
    );
    let _ = writeln!(
        s,
        "  {}  the subscriber that keeps up misses no event",
        mark(r.events_pass)
    );
    let _ = writeln!(s, "  {}  no request fails", mark(r.errors_pass));
    s
}

/// Runs the command. Missed targets are reported, not errors: this is a measurement.
pub fn run(args: &Args) -> Result<(), String> {
    let dir = super::run::TempDir::new(args.tmp_dir.as_deref(), "osprey-bench-serve")?;
    if !args.json {
        crate::output::note(&format!(
            "bench serve: {} with {} clients ...",
            args.capture.display(),
            args.clients
        ));
    }
    let report = measure(args, dir.path())?;
    super::print_report(&report, args.json, render_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn newest_timestamp_in_a_body() {
        let body =
            br#"[{"kismet.alert.timestamp": 17.5, "x": 1},{"kismet.alert.timestamp":18.25}]"#;
        assert_eq!(
            max_number_after(body, "kismet.alert.timestamp"),
            Some(18.25)
        );
        assert_eq!(max_number_after(b"[]", "kismet.alert.timestamp"), None);
        let dev =
            br#"{"kismet.device.base.last_time": 1700000000,"a":"kismet.device.base.last_time"}"#;
        assert_eq!(
            max_number_after(dev, "kismet.device.base.last_time"),
            Some(1_700_000_000.0)
        );
    }

    #[test]
    fn percentiles() {
        let mut v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        let l = Latency::of(&mut v);
        assert_eq!(
            (l.count, l.p50, l.p90, l.p99, l.max),
            (100, 50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(Latency::of(&mut []).count, 0);
    }

    #[test]
    fn http_bodies_by_length_and_chunks() {
        let mut r = std::io::Cursor::new(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 NF\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n1\r\nz\r\n0\r\n\r\n".to_vec(),
        );
        let (st, h) = read_head(&mut r).unwrap();
        assert_eq!(st, 200);
        assert_eq!(read_body(&mut r, &h).unwrap(), (b"abc".to_vec(), true));
        let (st, h) = read_head(&mut r).unwrap();
        assert_eq!(st, 404);
        assert_eq!(read_body(&mut r, &h).unwrap(), (b"xyz".to_vec(), true));
        assert!(read_head(&mut r).is_err(), "end of stream");
    }

    #[test]
    fn the_warmup_capture_reads_back() {
        let dir = super::super::run::TempDir::new(None, "osprey-warmup-test").unwrap();
        let p = dir.path().join("w.pcap");
        warmup_pcap(&p, 3, 1_000).unwrap();
        let (n, first) = scan(&p).unwrap();
        assert_eq!((n, first), (3, 1_000));
    }
}
