//! Crash safety: kill a process that is writing a kismetdb with SIGKILL and check what it left.
//!
//! * `osprey log upgrade` is killed after the k-th commit it reports: the file must hold every
//!   reported row, as an exact prefix of the input, in whole transactions.
//! * `osprey analyze` (30 moments) and `osprey serve` (20 moments) are run on a generated
//!   capture and killed at moments drawn from a seeded generator over the length of an
//!   uninterrupted run: in the first milliseconds (before the log exists), while the schema is
//!   being created (the harness waits for the staging file to appear), throughout the run, and
//!   past its end. After each kill, a log that exists must open with plain SQLite (which rolls
//!   a hot journal back, as Kismet's tools do) and with the kismetdb reader, pass
//!   `PRAGMA integrity_check`, decode through the reader, and hold a prefix of what the
//!   uninterrupted run wrote (`log_prefix`: append-only tables equal the first n rows column by
//!   column; upserted devices and datasources are valid records of the run's devices and
//!   sources).
//!
//! "Nothing committed is lost" is checked against what a concurrent reader saw: just before
//! each kill the harness opens the log read-only, as a user tailing it would, and counts the
//! committed rows of every table; the killed log must hold at least as many. Neither `analyze`
//! nor `serve` reports its commits, and the moment a commit lands is a matter of timing; a
//! reader's snapshot is proof that the rows were committed, whatever the timing. The harness
//! also requires that some kills land after rows were committed mid-run (the capture is sized
//! so that an uninterrupted run lasts at least two commit intervals), so the check is not
//! vacuous. Assertions are on properties only; timing decides where each kill lands, and the
//! report (on stderr) says how many landed where.

mod common;
mod log_prefix;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kismetdb::{OpenOptions, Reader, Table};
use log_prefix::{Counts, Leniency, Reference};

const ROWS: u64 = 150_000;
const PER_COMMIT: u64 = 1_000;

#[test]
fn sigkill_mid_stream_keeps_every_committed_row() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.kismet");
    common::synthetic_log(&src, ROWS, 48);

    // Kill after the k-th reported commit, and at moments not tied to a commit report.
    let plans: &[(usize, u64)] = &[(1, 0), (3, 0), (8, 0), (2, 3), (5, 7)];
    for (round, &(after_reports, extra_ms)) in plans.iter().enumerate() {
        let out = dir.path().join(format!("out{round}.kismet"));
        let mut child = common::osprey()
            .args(["log", "upgrade", "--progress"])
            .args(["--commit-rows", &PER_COMMIT.to_string()])
            .args(["--commit-interval-ms", "3600000"])
            .arg(&src)
            .arg(&out)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut reported: u64 = 0;
        for _ in 0..after_reports {
            let line = lines.next().expect("a progress line").unwrap();
            reported = line
                .strip_prefix("committed ")
                .and_then(|l| l.strip_suffix(" rows"))
                .unwrap_or_else(|| panic!("unexpected line {line:?}"))
                .parse()
                .unwrap();
        }
        std::thread::sleep(Duration::from_millis(extra_ms));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the copy finished before the kill"
        );
        // Commits reported between our last read and the kill also count.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line
                .strip_prefix("committed ")
                .and_then(|l| l.strip_suffix(" rows"))
            {
                reported = n.parse().unwrap();
            }
        }

        let partial = dir.path().join(format!("out{round}.kismet.partial"));
        assert!(partial.exists() && !out.exists(), "round {round}");
        let r = Reader::open_with(&partial, OpenOptions { recover: true }).unwrap();
        assert_eq!(r.integrity_check().unwrap(), vec!["ok"], "round {round}");
        let n = r.count(Table::Packets).unwrap();
        assert!(
            n >= reported,
            "round {round}: {n} rows on disk, {reported} reported committed"
        );
        assert!(n < ROWS, "round {round}: killed mid-stream");
        assert_eq!(
            n % PER_COMMIT,
            0,
            "round {round}: whole transactions only, got {n}"
        );
        // Exactly the first n rows of the source, in order, intact.
        let mut i = 0u64;
        r.packets()
            .unwrap()
            .for_each(|p| -> kismetdb::Result<()> {
                assert_eq!(p, common::packet(i, 48), "round {round} row {i}");
                i += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(i, n);
        eprintln!("round {round}: {reported} reported, {n} on disk");
    }
}

/// splitmix64: a seeded generator, so the kill moments are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// When a round's process is killed.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// This long after it was started.
    After(Duration),
    /// As soon as the staging file of the schema (or the log) appears.
    Schema,
}

/// Where a kill landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landed {
    /// Before the log existed, with no staging file either.
    BeforeLog,
    /// While the schema was being created: a staging file but no log.
    DuringSchema,
    /// While the log was being written.
    Writing,
    /// The process had finished (successfully) before the kill.
    Finished,
}

struct Outcome {
    landed: Landed,
    at: Duration,
    /// Rows a concurrent reader saw committed just before the kill.
    observed: Option<Counts>,
    /// Rows in the log after the kill.
    kept: Option<Counts>,
}

/// Runs a command to completion and checks it succeeded; returns its wall time.
fn run_to_end(cmd: &mut Command, what: &str) -> Duration {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    took
}

/// A kill harness for one command.
struct Harness<'a> {
    name: &'static str,
    dir: PathBuf,
    /// The command writing the given log.
    command: &'a (dyn Fn(&Path) -> Command + Sync),
    reference: Reference,
    /// Wall time of the uninterrupted run.
    run_time: Duration,
    lenient: Leniency,
}

impl Harness<'_> {
    /// Kill moments: `early` in the first 4 ms, `schema` at the staging file, `mid` over the
    /// run, `late` from its end to 1.5 times its length.
    fn moments(
        &self,
        seed: u64,
        early: usize,
        schema: usize,
        mid: usize,
        late: usize,
    ) -> Vec<Moment> {
        let mut rng = Rng(seed);
        let d = self.run_time.as_secs_f64();
        let mut m = Vec::new();
        m.extend(
            (0..early).map(|_| Moment::After(Duration::from_secs_f64(rng.between(0.0, 0.004)))),
        );
        m.extend((0..schema).map(|_| Moment::Schema));
        m.extend(
            (0..mid).map(|_| Moment::After(Duration::from_secs_f64(rng.between(0.03, 1.0) * d))),
        );
        m.extend(
            (0..late).map(|_| Moment::After(Duration::from_secs_f64(rng.between(1.0, 1.5) * d))),
        );
        m
    }

    fn round(&self, i: usize, moment: Moment) -> Outcome {
        let what = format!("{} round {i} ({moment:?})", self.name);
        let dir = self.dir.join(format!("r{i}"));
        std::fs::create_dir(&dir).unwrap();
        let log = dir.join("log.kismet");
        let journal = dir.join("log.kismet-journal");
        let stderr_path = dir.join("stderr");
        let mut child = (self.command)(&log)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let staging = PathBuf::from(format!("{}.creating-{}", log.display(), child.id()));
        let limit = self.run_time * 2 + Duration::from_secs(10);
        let mut exited = None;
        match moment {
            Moment::After(at) => {
                // Sleep in short steps, so a process that ends early is noticed.
                while exited.is_none() && started.elapsed() < at {
                    std::thread::sleep(
                        (at - started.elapsed().min(at)).min(Duration::from_millis(10)),
                    );
                    exited = child.try_wait().unwrap();
                }
            }
            Moment::Schema => {
                while exited.is_none()
                    && !staging.exists()
                    && !log.exists()
                    && started.elapsed() < limit
                {
                    std::thread::yield_now();
                    exited = child.try_wait().unwrap();
                }
            }
        }
        let observed = match (moment, exited) {
            (Moment::After(_), None) => log_prefix::observe(&log),
            _ => None,
        };
        let exited = match exited {
            Some(s) => Some(s),
            None => child.try_wait().unwrap(),
        };
        let at = started.elapsed();
        if exited.is_none() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
        let stderr = std::fs::read_to_string(&stderr_path).unwrap();
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        if let Some(status) = exited {
            assert!(status.success(), "{what}: the run failed: {stderr}");
        }
        let plain_first = i % 2 == 0;
        if !log.exists() {
            assert!(exited.is_none(), "{what}: finished without a log");
            assert!(!journal.exists(), "{what}: a journal without a log");
            let landed = if staging.exists() {
                Landed::DuringSchema
            } else {
                Landed::BeforeLog
            };
            return Outcome {
                landed,
                at,
                observed,
                kept: None,
            };
        }
        let kept = log_prefix::check_prefix(&log, &self.reference, self.lenient, plain_first)
            .unwrap_or_else(|e| panic!("{what}: killed at {at:?}: {e}"));
        if let Some(seen) = &observed {
            for (t, n) in seen {
                assert!(
                    kept[t] >= *n,
                    "{what}: a reader saw {n} rows of {t} committed before the kill; {} remain",
                    kept[t]
                );
            }
        }
        let landed = if exited.is_some() {
            log_prefix::check_complete(&log, &self.reference)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(
                !journal.exists(),
                "{what}: the journal outlived a clean close"
            );
            assert!(
                !staging.exists(),
                "{what}: the staging file outlived the run"
            );
            Landed::Finished
        } else {
            Landed::Writing
        };
        Outcome {
            landed,
            at,
            observed,
            kept: Some(kept),
        }
    }

    /// Runs every moment, `workers` rounds at a time, and checks the outcomes together.
    fn run(&self, moments: &[Moment], workers: usize) -> Vec<Outcome> {
        let next = AtomicUsize::new(0);
        let outcomes: Mutex<Vec<Option<Outcome>>> =
            Mutex::new((0..moments.len()).map(|_| None).collect());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&m) = moments.get(i) else {
                        break;
                    };
                    let o = self.round(i, m);
                    outcomes.lock().unwrap()[i] = Some(o);
                });
            }
        });
        let outcomes: Vec<Outcome> = outcomes
            .into_inner()
            .unwrap()
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let count = |l: Landed| outcomes.iter().filter(|o| o.landed == l).count();
        let packets = |c: &Option<Counts>| c.as_ref().map_or(0, |c| c["packets"]);
        for (i, o) in outcomes.iter().enumerate() {
            eprintln!(
                "{} round {i:2}: {:?} at {:>5} ms, observed {:>6} packets, kept {:>6}",
                self.name,
                o.landed,
                o.at.as_millis(),
                o.observed
                    .as_ref()
                    .map_or("-".into(), |c| c["packets"].to_string()),
                o.kept
                    .as_ref()
                    .map_or("-".into(), |c| c["packets"].to_string()),
            );
        }
        eprintln!(
            "{}: {} kills; uninterrupted run {} ms, {} packets; {} before the log existed, {} \
             during schema creation, {} while writing ({} with committed packets, {} with a \
             reader's count to check), {} after the end",
            self.name,
            outcomes.len(),
            self.run_time.as_millis(),
            self.reference.counts["packets"],
            count(Landed::BeforeLog),
            count(Landed::DuringSchema),
            count(Landed::Writing),
            outcomes
                .iter()
                .filter(|o| o.landed == Landed::Writing && packets(&o.kept) > 0)
                .count(),
            outcomes
                .iter()
                .filter(|o| o.landed == Landed::Writing && packets(&o.observed) > 0)
                .count(),
            count(Landed::Finished),
        );
        // The run commits as it goes (not only when it closes): some kill in mid-run found
        // committed packets, and some reader's count was there to be checked.
        assert!(
            outcomes
                .iter()
                .any(|o| o.landed == Landed::Writing && packets(&o.kept) > 0),
            "{}: no kill during the run found committed packets",
            self.name
        );
        assert!(
            outcomes
                .iter()
                .any(|o| o.landed == Landed::Writing && packets(&o.observed) > 0),
            "{}: no reader saw committed packets before a kill",
            self.name
        );
        outcomes
    }
}

/// A generated capture of `frames` frames (50 access points, 400 clients: a realistic frame
/// mix with alerts, and few enough devices that packets dominate).
fn capture(dir: &Path, frames: u64) -> PathBuf {
    let cap = dir.join(format!("capture-{frames}.pcap"));
    common::bench_capture(&cap, frames);
    cap
}

/// The shortest uninterrupted `analyze` run: two commit intervals, so that the kills in the
/// later part of the run find committed rows.
const MIN_RUN: Duration = Duration::from_secs(2);

#[test]
fn sigkill_of_analyze_at_30_moments_leaves_a_valid_prefix() {
    let dir = tempfile::tempdir().unwrap();
    // Size the capture so that the uninterrupted run lasts at least MIN_RUN (more frames on a
    // fast machine or in an optimised build).
    let mut frames: u64 = 40_000;
    let (cap, run_time, ref_log) = loop {
        let cap = capture(dir.path(), frames);
        let ref_log = dir.path().join(format!("reference-{frames}.kismet"));
        let t = run_to_end(
            common::osprey()
                .args(["analyze", "--no-progress", "-o"])
                .arg(&ref_log)
                .arg(&cap),
            "uninterrupted analyze",
        );
        if t >= MIN_RUN || frames >= 2_000_000 {
            break (cap, t, ref_log);
        }
        let scale = 1.2 * MIN_RUN.as_secs_f64() / t.as_secs_f64().max(0.01);
        frames = ((frames as f64 * scale) as u64).clamp(frames + 1, 2_000_000);
    };
    let cmd = |log: &Path| {
        let mut c = common::osprey();
        c.args(["analyze", "--no-progress", "-o"])
            .arg(log)
            .arg(&cap);
        c
    };
    let h = Harness {
        name: "analyze",
        dir: dir.path().to_path_buf(),
        command: &cmd,
        reference: Reference::load(&ref_log),
        run_time,
        lenient: Leniency::default(),
    };
    let moments = h.moments(0x05b1_2e7a, 3, 2, 22, 3);
    assert_eq!(moments.len(), 30);
    h.run(&moments, 2);
}

#[test]
fn sigkill_of_serve_at_20_moments_leaves_a_valid_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), 8_000);
    // Paced at 4000 frames/s, the replay lasts 2 s whatever the machine, and serve's idle
    // ticker commits about every second.
    let source = format!("{}:pps=4000", cap.display());
    let auth = dir.path().join("auth");
    // The login is created (a slow password hash) once, before the timed runs.
    let o = common::osprey()
        .args(["serve", "--auth-dir"])
        .arg(&auth)
        .arg("--log")
        .arg(dir.path().join("no-such.kismet"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    let cmd = |log: &Path| {
        let mut c = common::osprey();
        c.args(["serve", "--exit-when-done", "--listen", "127.0.0.1:0", "-c"])
            .arg(&source)
            .arg("--auth-dir")
            .arg(&auth)
            .arg("-o")
            .arg(log);
        c
    };
    let ref_log = dir.path().join("reference.kismet");
    let run_time = run_to_end(&mut cmd(&ref_log), "uninterrupted serve");
    let h = Harness {
        name: "serve",
        dir: dir.path().to_path_buf(),
        command: &cmd,
        reference: Reference::load(&ref_log),
        run_time,
        lenient: Leniency {
            zero_message_time: true,
        },
    };
    let moments = h.moments(0x5e7e_f00d, 2, 1, 15, 2);
    assert_eq!(moments.len(), 20);
    h.run(&moments, 4);
}
