//! Disk full: commands that write a log or a capture run out of room.
//!
//! The room is taken away with a file-size limit (`RLIMIT_FSIZE`, set in the child before
//! `exec`, with `SIGXFSZ` ignored so that a write past the limit fails with `EFBIG` instead of
//! killing the process), which needs no privilege and so always runs. A second test fills a
//! small tmpfs (`ENOSPC`, the real thing) when the machine lets it mount one, and says on
//! stderr that it did not run otherwise.
//!
//! Every case expects a non-zero exit, no panic, no hang, one clear line on stderr naming the
//! file, no partial output left under a final name (nor temporary files beside it), and, for a
//! kismetdb log being logged into, a file that opens without recovery (no hot journal), passes
//! `PRAGMA integrity_check` and holds a prefix of what an unlimited run writes, including
//! every row a concurrent reader saw committed before the failure.

mod common;
mod log_prefix;

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use log_prefix::{Counts, Leniency, Reference};

/// The longest a limited run may take before it counts as hung.
const HANG: Duration = Duration::from_secs(120);

/// What a limited run left.
struct Limited {
    status: ExitStatus,
    stderr: String,
    /// The last rows per table a concurrent reader saw committed in `watch`, if any.
    observed: Option<Counts>,
}

/// Runs osprey with `args` under a file-size limit of `limit` bytes (`SIGXFSZ` ignored). While
/// it runs, counts the committed rows of `watch` (a log being written) now and then.
fn run_limited(args: &[OsString], limit: u64, watch: Option<&Path>, dir: &Path) -> Limited {
    let err_path = dir.join(format!("stderr-{limit}"));
    let mut cmd = common::osprey();
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap());
    // SAFETY: between fork and exec only async-signal-safe calls (signal, setrlimit) run.
    unsafe {
        cmd.pre_exec(move || {
            if libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error());
            }
            let rl = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    finish(cmd, &err_path, watch)
}

/// Waits for a started command (failing the test if it hangs), watching `watch` meanwhile.
fn finish(mut cmd: Command, err_path: &Path, watch: Option<&Path>) -> Limited {
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    let mut observed = None;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{:?}: still running after {HANG:?}: hung", cmd.get_args());
        }
        if let Some(seen) = watch.and_then(log_prefix::observe) {
            observed = Some(seen);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Limited {
        status,
        stderr: std::fs::read_to_string(err_path).unwrap(),
        observed,
    }
}

/// The run failed cleanly: non-zero exit, no panic, one line on stderr (besides serve's
/// listening note) that names `file` and says what happened (`wants`, all of them). Returns
/// the line.
fn assert_clear_failure(r: &Limited, file: &Path, wants: &[&str], what: &str) -> String {
    let lines = assert_clear_failures(r, file, wants, what);
    assert_eq!(
        lines.len(),
        1,
        "{what}: one error line expected: {}",
        r.stderr
    );
    lines[0].clone()
}

/// The lines of a failed run besides serve's listening note, each of which must be clear: it
/// starts with `osprey`, names `file` and holds every one of `wants`.
fn assert_clear_failures(r: &Limited, file: &Path, wants: &[&str], what: &str) -> Vec<String> {
    assert!(!r.status.success(), "{what}: succeeded: {}", r.stderr);
    assert_eq!(
        r.status.code(),
        Some(1),
        "{what}: {:?} {}",
        r.status,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    let lines: Vec<String> = r
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("listening on"))
        .map(str::to_string)
        .collect();
    assert!(!lines.is_empty(), "{what}: no error message");
    for line in &lines {
        assert!(line.starts_with("osprey"), "{what}: {line}");
        assert!(
            line.contains(&file.display().to_string()),
            "{what}: the message does not name {}: {line}",
            file.display()
        );
        for w in wants {
            assert!(line.contains(w), "{what}: no {w:?} in {line}");
        }
    }
    lines
}

/// The files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A generated capture (50 access points, 400 clients, alerts included).
fn capture(dir: &Path, frames: u64) -> PathBuf {
    let cap = dir.join("capture.pcap");
    common::bench_capture(&cap, frames);
    cap
}

/// The size of a log holding only the schema (and what analyze writes for a source with no
/// frames): the room the tests give or deny. It depends on the writer's page size.
fn schema_bytes(dir: &Path) -> u64 {
    let cap = dir.join("empty.pcap");
    // A classic pcap header (microseconds, v2.4, snaplen 65535, radiotap) and no record.
    let mut h = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    h.extend(2u16.to_le_bytes());
    h.extend(4u16.to_le_bytes());
    for w in [0u32, 0, 65535, 127] {
        h.extend(w.to_le_bytes());
    }
    std::fs::write(&cap, h).unwrap();
    let log = dir.join("empty.kismet");
    let o = common::osprey()
        .args(["analyze", "--no-progress", "-o"])
        .arg(&log)
        .arg(&cap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::metadata(&log).unwrap().len()
}

/// An uninterrupted `osprey analyze` log of `cap`.
fn reference(dir: &Path, cap: &Path) -> Reference {
    let log = dir.join("reference.kismet");
    let o = common::osprey()
        .args(["analyze", "--no-progress", "-o"])
        .arg(&log)
        .arg(cap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Reference::load(&log)
}

/// Checks a log that `osprey analyze` (or `serve`) left after running out of room: no journal
/// left (it opens read-only, without recovery), valid, a prefix of the reference, and holding
/// whatever a reader saw committed. Returns its rows.
fn assert_valid_prefix(log: &Path, reference: &Reference, r: &Limited, what: &str) -> Counts {
    let journal = PathBuf::from(format!("{}-journal", log.display()));
    assert!(
        !journal.exists(),
        "{what}: a journal is left beside the log"
    );
    kismetdb::Reader::open(log).unwrap_or_else(|e| panic!("{what}: {e}"));
    let kept = log_prefix::check_prefix(log, reference, Leniency::default(), true)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if let Some(seen) = &r.observed {
        for (t, n) in seen {
            assert!(
                kept[t] >= *n,
                "{what}: a reader saw {n} rows of {t} committed; {} remain",
                kept[t]
            );
        }
    }
    assert!(
        kept["packets"] < reference.counts["packets"],
        "{what}: the limit did not bite"
    );
    kept
}

fn args(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

#[test]
fn analyze_reports_a_file_size_limit_and_leaves_a_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), 40_000);
    let reference = reference(dir.path(), &cap);
    let full = std::fs::metadata(&reference.path).unwrap().len();
    let schema = schema_bytes(dir.path());
    let too_small = schema / 2;
    // Too small for the schema; room for the schema only; room for part of the rows.
    for (limit, what) in [
        (too_small, "smaller than the schema"),
        (schema + (64 << 10), "the schema and no rows"),
        (full * 2 / 5, "two fifths of the log"),
    ] {
        let sub = dir.path().join(format!("limit-{limit}"));
        std::fs::create_dir(&sub).unwrap();
        let log = sub.join("out.kismet");
        let what = format!("analyze, limit {limit} bytes ({what})");
        let r = run_limited(
            &args(&[&"analyze", &"--no-progress", &"-o", &log, &cap]),
            limit,
            Some(&log),
            dir.path(),
        );
        let mut wants = vec!["disk full or file size limit reached", "File too large"];
        if limit != too_small {
            wants.push("the log keeps every row committed before this");
        }
        let line = assert_clear_failure(&r, &log, &wants, &what);
        if limit == too_small {
            // The schema is built aside and named only when complete: no log at all.
            assert!(line.contains("creating the schema"), "{what}: {line}");
            assert_eq!(listing(&sub), Vec::<String>::new(), "{what}");
            eprintln!("{what}: {line}; no log");
            continue;
        }
        assert_eq!(listing(&sub), vec!["out.kismet"], "{what}");
        let kept = assert_valid_prefix(&log, &reference, &r, &what);
        eprintln!(
            "{what}: {line}; the log keeps {} of {} packets (a reader saw {})",
            kept["packets"],
            reference.counts["packets"],
            r.observed.as_ref().map_or(0, |c| c["packets"])
        );
    }
}

#[test]
fn serve_reports_a_file_size_limit_and_leaves_a_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), 8_000);
    let log = dir.path().join("out.kismet");
    let ref_log = dir.path().join("reference.kismet");
    let serve = |log: &Path| {
        args(&[
            &"serve",
            &"--exit-when-done",
            &"--listen",
            &"127.0.0.1:0",
            &"--auth-dir",
            &dir.path().join("auth"),
            &"-c",
            &format!("{}:pps=2000", cap.display()),
            &"-o",
            &log,
        ])
    };
    let r = finish(
        {
            let mut c = common::osprey();
            c.args(serve(&ref_log)).stdout(Stdio::null());
            c.stderr(std::fs::File::create(dir.path().join("ref-stderr")).unwrap());
            c
        },
        &dir.path().join("ref-stderr"),
        None,
    );
    assert!(r.status.success(), "{}", r.stderr);
    let reference = Reference::load(&ref_log);
    let full = std::fs::metadata(&ref_log).unwrap().len();
    // The replay lasts about 4 s (8000 frames at 2000 per second) and commits about every
    // second: half the log is reached in mid-replay, while packets keep coming, so the error is
    // met again and again (ingest, the end of the source, the idle ticker, the final close).
    // Whichever meets it first reports it; the others stay quiet.
    let what = "serve, limit at half the log";
    let r = run_limited(&serve(&log), full / 2, Some(&log), dir.path());
    // Ingest, the end of the source, the idle ticker and the final close all meet the error;
    // it is reported once, by the first.
    let line = assert_clear_failure(
        &r,
        &log,
        &[
            "disk full or file size limit reached",
            "File too large",
            "the log keeps every row committed before this",
        ],
        what,
    );
    let kept = assert_valid_prefix(&log, &reference, &r, what);
    eprintln!(
        "{what}: {line}; the log keeps {} of {} packets",
        kept["packets"], reference.counts["packets"]
    );
}

#[test]
fn log_tools_report_a_file_size_limit_and_leave_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), 10_000);
    let reference = reference(dir.path(), &cap);
    let input = &reference.path;
    let rows: i64 = reference.counts.values().sum();
    let input_bytes = std::fs::metadata(input).unwrap().len();
    // `log upgrade` commits every 100 000 rows (the default) and, with the interval below,
    // never on time: a log of fewer rows, which also fits in the writer's 16 MiB page cache
    // (nothing is spilled to the file before the commit), is copied in one transaction, so a
    // limit that lets the schema through (64 KiB more than a schema-only log) and not the
    // rows is met by the commit at close.
    assert!(
        rows < 100_000 && input_bytes < 8 << 20,
        "{rows} rows, {input_bytes} bytes"
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let full = ["disk full or file size limit reached", "File too large"];
    // What, the arguments, the limit in bytes, the file the message names, what it says.
    type Case<'a> = (&'a str, Vec<OsString>, u64, PathBuf, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "log upgrade, in one transaction (fails at close)",
            args(&[
                &"log",
                &"upgrade",
                &"--commit-interval-ms",
                &"86400000",
                input,
                &out_dir.join("one.kismet"),
            ]),
            schema_bytes(dir.path()) + (64 << 10),
            out_dir.join("one.kismet"),
            vec![full[0], full[1], "while committing", "nothing was written"],
        ),
        (
            "log upgrade --commit-rows 1000 (fails in mid-copy)",
            // Commits every 1000 rows, so the limit is met by a commit in mid-copy whatever
            // the speed of the machine.
            args(&[
                &"log",
                &"upgrade",
                &"--commit-rows",
                &"1000",
                input,
                &out_dir.join("up.kismet"),
            ]),
            1 << 20,
            out_dir.join("up.kismet"),
            vec![full[0], full[1], "nothing was written"],
        ),
        (
            "log to-pcap (pcapng)",
            args(&[
                &"log",
                &"to-pcap",
                &"--out",
                &out_dir.join("x.pcapng"),
                input,
            ]),
            1 << 20,
            out_dir.join("x.pcapng"),
            vec!["File too large"],
        ),
        (
            "log to-pcap --pcap",
            args(&[
                &"log",
                &"to-pcap",
                &"--pcap",
                &"--out",
                &out_dir.join("x.pcap"),
                input,
            ]),
            1 << 20,
            out_dir.join("x.pcap"),
            vec!["File too large"],
        ),
        (
            "log strip-packets",
            args(&[
                &"log",
                &"strip-packets",
                input,
                &"-o",
                &out_dir.join("s.kismet"),
            ]),
            1 << 20,
            out_dir.join("s.kismet"),
            full.to_vec(),
        ),
        (
            "log clean",
            args(&[&"log", &"clean", input, &"-o", &out_dir.join("c.kismet")]),
            1 << 20,
            out_dir.join("c.kismet"),
            full.to_vec(),
        ),
    ];
    for (what, a, limit, named, wants) in cases {
        let r = run_limited(&a, limit, None, dir.path());
        let line = assert_clear_failure(&r, &named, &wants, what);
        // The final output is named, not a temporary or partial file (removed by now).
        let hidden = format!("{}/.", out_dir.display());
        for temporary in [".partial", ".creating-", &hidden] {
            assert!(!line.contains(temporary), "{what}: {line}");
        }
        // The input is not blamed.
        assert!(
            !line.contains(&input.display().to_string()),
            "{what}: {line}"
        );
        assert_eq!(
            listing(&out_dir),
            Vec::<String>::new(),
            "{what}: left files"
        );
        eprintln!("{what}: {line}");
    }
}

/// Unmounts a tmpfs when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn analyze_on_a_full_tmpfs_reports_it_and_leaves_a_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path(), 40_000);
    let reference = reference(dir.path(), &cap);
    let full = std::fs::metadata(&reference.path).unwrap().len();
    let mnt = dir.path().join("tmpfs");
    std::fs::create_dir(&mnt).unwrap();
    let size = (full * 2 / 5) / 4096 * 4096;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(&mnt)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "analyze_on_a_full_tmpfs: NOT RUN: cannot mount a tmpfs here ({}); the \
                 file-size-limit tests cover the same code path",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("analyze_on_a_full_tmpfs: NOT RUN: cannot run mount ({e})");
            return;
        }
    }
    let _mount = Mount(mnt.clone());
    let log = mnt.join("out.kismet");
    let what = format!("analyze on a {size}-byte tmpfs");
    let mut cmd = common::osprey();
    cmd.args(["analyze", "--no-progress", "-o"])
        .arg(&log)
        .arg(&cap)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap());
    let r = finish(cmd, &dir.path().join("stderr"), Some(&log));
    let line = assert_clear_failure(
        &r,
        &log,
        &[
            "disk full or file size limit reached",
            "the log keeps every row committed before this",
        ],
        &what,
    );
    assert_eq!(listing(&mnt), vec!["out.kismet"], "{what}");
    let kept = assert_valid_prefix(&log, &reference, &r, &what);
    eprintln!(
        "{what}: {line}; the log keeps {} of {} packets",
        kept["packets"], reference.counts["packets"]
    );
}
