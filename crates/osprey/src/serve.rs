//! `osprey serve`: run sources through the engine, log to a kismetdb, and answer Kismet's REST
//! API and event bus on 127.0.0.1:2501; or, with `--log`, serve an existing log read-only.

use std::net::SocketAddr;
use std::path::PathBuf;
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

/// Reads the sources into the engine, pacing as asked.
///
/// The engine stays locked from frame to frame (not released and retaken each frame, which
/// would starve the request handlers): it is let go while pacing sleeps, and between two
/// frames whenever a handler waits for it.
fn ingest(engine: Arc<SharedEngine>, sources: Vec<Source>) {
    for src in sources {
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
                    crate::output::note(&format!("osprey serve: {err}"));
                    Flow::Stop
                }
            };
            held = Some(e);
            flow
        });
        drop(held);
        let err = result.err();
        if let Err(e) = lock(&engine).end_source(&src.path, err.as_ref()) {
            crate::output::note(&format!("osprey serve: {e}"));
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
    let (auth, generated) = osprey_server::auth::Auth::open(&auth_dir, Default::default())
        .map_err(|e| e.to_string())?;
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
    let exit_when_done = args.exit_when_done;
    let listen = args.listen;
    let ingest_engine = engine.clone();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("{listen}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        crate::output::note(&format!("osprey serve: listening on http://{bound}"));
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        if let Some(engine) = ingest_engine {
            let ticker = engine.clone();
            std::thread::spawn(move || {
                background_priority();
                ingest(engine, sources);
                let _ = done_tx.send(());
            });
            // Idle commits: rows reach the log within the commit interval even with no traffic.
            std::thread::spawn(move || {
                background_priority();
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    if let Err(e) = lock(&ticker).tick() {
                        crate::output::note(&format!("osprey serve: {e}"));
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
        osprey_server::http::serve(listener, state, shutdown)
            .await
            .map_err(|e| e.to_string())
    })?;
    if let Some(engine) = engine {
        lock(&engine).close()?;
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
}
