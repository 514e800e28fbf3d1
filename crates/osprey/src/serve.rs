//! `osprey serve`: run sources through the engine, log to a kismetdb, and answer Kismet's REST
//! API and event bus on 127.0.0.1:2501; or, with `--log`, serve an existing log read-only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use osprey_capture::Flow;
use osprey_engine::{Engine, EngineOptions};
use osprey_server::shared::{EngineGuard, SharedEngine};

/// Serve Kismet's REST API and event bus.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A source: `capture.pcap[:realtime=true|pps=N]`, or a kismetdb log to replay. Repeatable;
    /// sources are read one after the other.
    #[arg(short = 'c', long = "source")]
    pub sources: Vec<String>,
    /// Serve this existing kismetdb log read-only (history, alerts, devices, pcap export),
    /// without sources.
    #[arg(long, conflicts_with_all = ["sources", "output", "no_log"])]
    pub log: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:2501")]
    pub listen: SocketAddr,
    /// Where logins and API keys are kept (default `$HOME/.osprey`).
    #[arg(long, value_name = "DIR")]
    pub auth_dir: Option<PathBuf>,
    /// The kismetdb log to write (default: Kismet's name template in the current directory).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Write no log.
    #[arg(short = 'n', long = "no-log", conflicts_with = "output")]
    pub no_log: bool,
    /// Osprey's configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stop when the sources are done (instead of serving until interrupted).
    #[arg(long)]
    pub exit_when_done: bool,
    /// Lifetime of a session created by a password login, in seconds (Kismet's
    /// `httpd_session_timeout`; a session is refused from then on, and the client logs in
    /// again).
    #[arg(
        long,
        visible_alias = "httpd-session-timeout",
        value_name = "SECONDS",
        default_value = "86400",
        value_parser = parse_seconds
    )]
    pub session_timeout: Duration,
    /// Time a request's header may take to arrive (counted from the connection's opening, or
    /// from the previous response on a keep-alive connection), and a body from its header on,
    /// in seconds: a slow or silent client is then disconnected (408 for a late body).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "10",
        value_parser = parse_seconds
    )]
    pub header_read_timeout: Duration,
    /// Time a response (or event bus) write may wait for the client to take data, in seconds:
    /// a client that stops reading is then disconnected.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "60",
        value_parser = parse_seconds
    )]
    pub send_timeout: Duration,
    /// Most connections one client address (IPv6: one /64) may hold open at once; further
    /// ones get 503.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections_per_client: u32,
    /// Most connections the server holds open at once; further ones get 503.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

/// A duration in seconds (decimals allowed), from a millisecond to a week.
fn parse_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.001..=7.0 * 86400.0).contains(&v) {
        return Err(format!("{s}: must be from 0.001 to 604800 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

/// A parsed `-c` source.
#[derive(Debug, PartialEq)]
struct Source {
    path: PathBuf,
    realtime: bool,
    pps: Option<u64>,
}

fn parse_source(s: &str) -> Result<Source, String> {
    let (path, opts) = match s.split_once(':') {
        Some((p, o)) if !p.is_empty() => (p, o),
        _ => (s, ""),
    };
    let mut src = Source {
        path: PathBuf::from(path),
        realtime: false,
        pps: None,
    };
    for kv in opts.split(',').filter(|x| !x.is_empty()) {
        match kv.split_once('=') {
            Some(("realtime", v)) => {
                src.realtime = match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("{s}: realtime must be true or false")),
                }
            }
            Some(("pps", v)) => {
                src.pps = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("{s}: pps must be a positive number"))?,
                )
            }
            _ => return Err(format!("{s}: unknown source option {kv:?}")),
        }
    }
    Ok(src)
}

fn lock(e: &SharedEngine) -> EngineGuard<'_> {
    e.lock()
}

/// The failure of the log, reported once.
///
/// Every error the engine returns is its log's: a write that fails (a full disk, a file-size
/// limit, an I/O error) stops the log's writer, and the log hands that first error to every
/// later caller, which here are ingest, the end of each source, the idle ticker and the final
/// close. The first to meet it reports it, on stderr and as an ERROR message on the message bus
/// (so that clients of the API see it too); the others stay quiet. Ingest then stops reading
/// (the engine can no longer take frames), the API keeps serving what was seen, and the
/// process exits with status 1 when it stops.
#[derive(Default)]
struct LogFailure(AtomicBool);

impl LogFailure {
    /// Reports `error` unless a failure was reported already.
    fn report(&self, engine: &Engine, error: &str) {
        if self.0.swap(true, Ordering::SeqCst) {
            return;
        }
        crate::output::note(&format!("osprey serve: {error}; no more packets are read"));
        engine.messages().inject(
            engine.now(),
            osprey_bus::flags::ERROR,
            format!("Writing the kismetdb log failed, no more packets are read: {error}"),
        );
    }

    /// Whether a failure was reported.
    fn reported(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Reads the sources into the engine, pacing as asked.
///
/// The engine stays locked from frame to frame (not released and retaken each frame, which
/// would starve the request handlers): it is let go while pacing sleeps, and between two
/// frames whenever a handler waits for it.
fn ingest(engine: Arc<SharedEngine>, sources: Vec<Source>, failure: &LogFailure) {
    for src in sources {
        if failure.reported() {
            break;
        }
        let typestring = match osprey_capture::sniff_format(&src.path) {
            Ok(osprey_capture::Format::Kismetdb) => "kismetdb",
            _ => "pcapfile",
        };
        lock(&engine).begin_source(&src.path, typestring);
        let started = Instant::now();
        let mut first: Option<f64> = None;
        let mut n = 0u64;
        let mut held: Option<EngineGuard<'_>> = None;
        let result = osprey_capture::for_each_frame(&src.path, &mut |frame| {
            let t = frame.ts.sec as f64 + frame.ts.usec as f64 / 1e6;
            let due = if src.realtime {
                let f = *first.get_or_insert(t);
                Some(Duration::from_secs_f64((t - f).max(0.0)))
            } else {
                src.pps
                    .map(|pps| Duration::from_secs_f64(n as f64 / pps as f64))
            };
            if let Some(due) = due {
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    held = None;
                    std::thread::sleep(wait.min(Duration::from_secs(3600)));
                }
            }
            n += 1;
            let mut e = match held.take() {
                Some(g) if engine.wanted() => engine.yield_to_waiters(g),
                Some(g) => g,
                None => engine.lock_ingest(),
            };
            let flow = match engine.process(&mut e, frame) {
                Ok(_) => Flow::Continue,
                Err(err) => {
                    failure.report(&e, &err);
                    Flow::Stop
                }
            };
            held = Some(e);
            flow
        });
        drop(held);
        let err = result.err();
        let mut e = lock(&engine);
        if let Err(error) = e.end_source(&src.path, err.as_ref()) {
            failure.report(&e, &error);
        }
    }
}

/// The nice value of the threads that work in bulk (ingest, the log writer, the device
/// refresh, the idle ticker): requests are served first, and ingest gets what they leave.
/// A server polled by dozens of clients during a full-speed replay has more work than
/// cores; at the same priority, a request would wait behind the bulk threads' time slices.
const BACKGROUND_NICE: libc::c_int = 5;

/// Lowers the calling thread's priority to [`BACKGROUND_NICE`] (threads it starts inherit
/// it). Best effort: where it cannot be set, everything runs at one priority.
fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority on the calling thread, with constant arguments.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE);
        }
    }
}

/// Runs `osprey serve`.
pub fn run(args: &Args) -> Result<(), String> {
    let auth_dir = match &args.auth_dir {
        Some(d) => d.clone(),
        None => PathBuf::from(std::env::var_os("HOME").ok_or("no HOME: say --auth-dir")?)
            .join(".osprey"),
    };
    std::fs::create_dir_all(&auth_dir).map_err(|e| format!("{}: {e}", auth_dir.display()))?;
    let auth_options = osprey_server::auth::AuthOptions {
        session_lifetime: args.session_timeout,
        ..Default::default()
    };
    let (auth, generated) =
        osprey_server::auth::Auth::open(&auth_dir, auth_options).map_err(|e| e.to_string())?;
    if let Some(pw) = generated {
        crate::output::note(&format!(
            "osprey serve: no login was configured; created user 'kismet' with password {pw} \
             (shown once; its hash is in {})",
            auth_dir.display()
        ));
    }
    let (backend, engine): (
        Arc<dyn osprey_server::backend::Backend>,
        Option<Arc<SharedEngine>>,
    ) = match &args.log {
        Some(log) => (Arc::new(osprey_server::backend::LogFile::open(log)?), None),
        None => {
            let options = crate::config::load(args.config.as_deref())?;
            let log_path = match (&args.output, args.no_log) {
                (_, true) => None,
                (Some(o), false) => Some(o.clone()),
                (None, false) => Some(crate::analyze::default_log_name(std::path::Path::new("."))?),
            };
            // Made on a background-priority thread: the threads the engine and the device
            // records start (the log writer, the device refresh) inherit its priority.
            let made = std::thread::spawn(move || {
                background_priority();
                let engine = Arc::new(SharedEngine::new(Engine::new(EngineOptions {
                    options,
                    log: log_path,
                    log_packets: true,
                    root_check: true,
                })?));
                let live = osprey_server::backend::Live::new(engine.clone());
                Ok::<_, String>((live, engine))
            })
            .join()
            .map_err(|_| "osprey serve: starting the engine failed".to_string())??;
            (Arc::new(made.0), Some(made.1))
        }
    };
    let sources = args
        .sources
        .iter()
        .map(|s| parse_source(s))
        .collect::<Result<Vec<_>, _>>()?;
    let state = osprey_server::api::State {
        backend,
        auth: Arc::new(auth),
        limiter: Arc::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let limits = osprey_server::http::Limits {
        header_read_timeout: args.header_read_timeout,
        body_read_timeout: args.header_read_timeout,
        send_timeout: args.send_timeout,
        max_connections_per_client: args.max_connections_per_client as usize,
        max_connections: args.max_connections as usize,
        ..Default::default()
    };
    let exit_when_done = args.exit_when_done;
    let listen = args.listen;
    let ingest_engine = engine.clone();
    let failure = Arc::new(LogFailure::default());
    let ingest_failure = failure.clone();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("{listen}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        crate::output::note(&format!("osprey serve: listening on http://{bound}"));
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        if let Some(engine) = ingest_engine {
            let ticker = engine.clone();
            let ticker_failure = ingest_failure.clone();
            std::thread::spawn(move || {
                background_priority();
                ingest(engine, sources, &ingest_failure);
                let _ = done_tx.send(());
            });
            // Idle commits: rows reach the log within the commit interval even with no traffic.
            std::thread::spawn(move || {
                background_priority();
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let mut e = lock(&ticker);
                    if let Err(error) = e.tick() {
                        ticker_failure.report(&e, &error);
                        break;
                    }
                }
            });
        }
        let shutdown = async move {
            if exit_when_done {
                let _ = done_rx.await;
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        osprey_server::http::serve_with(listener, state, limits, shutdown)
            .await
            .map_err(|e| e.to_string())
    })?;
    if let Some(engine) = engine {
        let closed = lock(&engine).close();
        if failure.reported() {
            // The failure was reported when it happened; closing meets it again (or what it
            // left). Only the exit status is still to be said.
            drop(rt);
            std::process::exit(1);
        }
        closed?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_options() {
        assert_eq!(
            parse_source("a.pcap:realtime=true").unwrap(),
            Source {
                path: "a.pcap".into(),
                realtime: true,
                pps: None
            }
        );
        assert_eq!(parse_source("a.pcap:pps=100").unwrap().pps, Some(100));
        assert_eq!(
            parse_source("a.pcap").unwrap().path,
            PathBuf::from("a.pcap")
        );
        assert!(parse_source("a.pcap:pps=0").is_err());
        assert!(parse_source("a.pcap:speed=2").is_err());
    }

    #[test]
    fn a_log_failure_is_reported_once_on_the_message_bus() {
        let engine = Engine::new(EngineOptions {
            options: osprey_config::Options::parse("test", "").unwrap(),
            log: None,
            log_packets: false,
            root_check: false,
        })
        .unwrap();
        let failure = LogFailure::default();
        assert!(!failure.reported());
        let error = "/d/out.kismet: disk full or file size limit reached while committing (File \
                     too large (os error 27)); the log keeps every row committed before this";
        failure.report(&engine, error);
        failure.report(&engine, error);
        failure.report(
            &engine,
            "/d/out.kismet: the writer is closed after an earlier error",
        );
        assert!(failure.reported());
        let errors: Vec<_> = engine
            .messages()
            .recent()
            .into_iter()
            .filter(|m| m.flags & osprey_bus::flags::ERROR != 0)
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].text.contains(error), "{errors:?}");
        assert!(errors[0].text.contains("kismetdb log failed"), "{errors:?}");
    }

    #[test]
    fn seconds_options() {
        assert_eq!(parse_seconds("1").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_seconds("0.5").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "x", "NaN", "inf", "1e9"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
