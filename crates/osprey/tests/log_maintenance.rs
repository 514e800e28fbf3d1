//! `osprey log strip-packets` and `osprey log clean` end to end, on Kismet's real logs, on an
//! Osprey log, on a log whose writer was killed with SIGKILL and on a truncated log. The input
//! (and its journal) must never change.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::SystemTime;

use kismetdb::{OpenOptions, Reader, Table};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Bytes and mtime of a file, to prove it was not touched.
fn fingerprint(p: &Path) -> (Vec<u8>, SystemTime) {
    let md = std::fs::metadata(p).unwrap();
    (std::fs::read(p).unwrap(), md.modified().unwrap())
}

fn ro(p: &Path) -> Connection {
    Connection::open_with_flags(p, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn schema(c: &Connection) -> Vec<(String, String, String, Option<String>)> {
    let mut st = c
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn tables(c: &Connection) -> Vec<String> {
    schema(c)
        .into_iter()
        .filter(|o| o.0 == "table")
        .map(|o| o.1)
        .collect()
}

/// Every row of a table with its rowid, in rowid order, and the column names.
fn rows(c: &Connection, table: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let mut st = c
        .prepare(&format!("SELECT rowid, * FROM \"{table}\" ORDER BY rowid"))
        .unwrap();
    let names: Vec<String> = st.column_names().map(|n| n.to_string()).collect();
    let n = names.len();
    let rows = st
        .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap();
    (names, rows.map(Result::unwrap).collect())
}

fn osprey_log(dir: &Path) -> PathBuf {
    let capture = common::shared_data().join("radiotap/wireshark_wpa-Induction.pcap");
    let out = dir.join("osprey.kismet");
    let o = common::run(&["analyze", s(&capture), "-o", s(&out), "--no-progress"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let data = common::shared_data();
    let mut v: Vec<PathBuf> = std::fs::read_dir(data.join("reference"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kismet"))
        .collect();
    v.sort();
    v.extend(
        std::fs::read_dir(data.join("kismetdb"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "kismet")),
    );
    v.push(osprey_log(dir));
    v
}

fn assert_stripped_copy(input: &Path, output: &Path) {
    let (a, b) = (ro(input), ro(output));
    assert_eq!(schema(&a), schema(&b), "{}: schema", input.display());
    let mut stripped = 0;
    for t in tables(&a) {
        let (names, ra) = rows(&a, &t);
        let (_, rb) = rows(&b, &t);
        assert_eq!(ra.len(), rb.len(), "{}: {t} row count", input.display());
        let packet_col = (t == "packets")
            .then(|| names.iter().position(|n| n == "packet"))
            .flatten();
        for (x, y) in ra.iter().zip(&rb) {
            match packet_col {
                Some(i) => {
                    assert_eq!(y[i], Value::Blob(Vec::new()), "{}: {t}", input.display());
                    let (mut x, mut y) = (x.clone(), y.clone());
                    x.remove(i);
                    y.remove(i);
                    assert_eq!(x, y, "{}: {t}", input.display());
                    stripped += 1;
                }
                None => assert_eq!(x, y, "{}: {t}", input.display()),
            }
        }
    }
    // Our reader and `log info` take it; the KISMET row is the input's.
    let (ri, ro_) = (Reader::open(input).unwrap(), Reader::open(output).unwrap());
    assert_eq!(ri.meta(), ro_.meta());
    if ro_.columns(Table::Packets).is_some() {
        assert_eq!(ro_.count(Table::Packets).unwrap(), stripped);
        ro_.packets()
            .unwrap()
            .for_each(|p| -> kismetdb::Result<()> {
                assert!(p.packet.is_empty());
                Ok(())
            })
            .unwrap();
    }
    let o = common::run(&["log", "info", "--check", s(output)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn strip_packets_on_kismet_and_osprey_logs() {
    let dir = tempfile::tempdir().unwrap();
    let all = inputs(dir.path());
    assert!(all.len() > 40, "{} inputs", all.len());
    let mut payload_total = 0u64;
    for (k, input) in all.iter().enumerate() {
        let before = fingerprint(input);
        let out = dir.path().join(format!("stripped{k}.kismet"));
        let o = common::run(&["log", "strip-packets", s(input), "-o", s(&out), "--json"]);
        assert!(
            o.status.success(),
            "{}: {}",
            input.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let rep: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        payload_total += rep["payload_bytes_removed"].as_u64().unwrap();
        assert_eq!(fingerprint(input), before, "{} changed", input.display());
        assert_stripped_copy(input, &out);
        let (i, o) = (
            std::fs::metadata(input).unwrap().len(),
            std::fs::metadata(&out).unwrap().len(),
        );
        assert!(o <= i, "{}: {i} -> {o} bytes", input.display());
    }
    assert!(payload_total > 1_000_000, "{payload_total}");
    // Nothing but the outputs (and the Osprey log) in the directory: no temporary files.
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(n, all.len() + 1);
}

#[test]
fn strip_packets_text_report_in_place_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::shared_data().join("reference/wireshark_wpa-Induction.kismet");
    let out = dir.path().join("out.kismet");
    let o = common::run(&["log", "strip-packets", s(&src), "-o", s(&out)]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("stripped:") && text.contains("packets"),
        "{text}"
    );

    // An existing output is kept unless --force.
    let before = fingerprint(&out);
    let o = common::run(&["log", "strip-packets", s(&src), "-o", s(&out)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(fingerprint(&out).0, before.0);
    let o = common::run(&["log", "strip-packets", s(&src), "-o", s(&out), "-f"]);
    assert!(o.status.success());

    // The input itself is never the output, and -o is required without --in-place.
    let copy = dir.path().join("copy.kismet");
    std::fs::copy(&src, &copy).unwrap();
    let o = common::run(&["log", "strip-packets", s(&copy), "-o", s(&copy), "-f"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("the input itself"));
    let o = common::run(&["log", "strip-packets", s(&copy)]);
    assert!(!o.status.success());

    // --in-place replaces it with the stripped copy.
    let o = common::run(&["log", "strip-packets", s(&copy), "--in-place"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_stripped_copy(&src, &copy);

    // Not a log: an error naming the file, no output.
    let junk = dir.path().join("junk.kismet");
    std::fs::write(&junk, b"hello").unwrap();
    let o = common::run(&[
        "log",
        "strip-packets",
        s(&junk),
        "-o",
        s(&dir.path().join("j")),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("junk.kismet"));
    assert!(!dir.path().join("j").exists());
}

// Transactions larger than SQLite's page cache, so that the writer spills uncommitted pages
// into the file early in each transaction: from then on until its commit, the journal is hot.
// (Before a spill SQLite leaves the journal header zeroed, and the file holds only committed
// pages: a kill then leaves a journal with nothing to roll back.)
const ROWS: u64 = 150_000;
// 50 000 rows of 1 kB per commit: about 50 MB, well past the writer's 16 MiB page cache, so most
// kill moments fall after SQLite started spilling pages to the file (a hot journal).
const PAYLOAD: usize = 1000;
const PER_COMMIT: u64 = 50_000;

/// When [`killed_upgrade`] kills the writer, after its `reports`-th reported commit.
#[derive(Clone, Copy, Debug)]
enum Kill {
    /// This many milliseconds later.
    After(u64),
    /// As soon as SQLite has spilled pages of the next transaction to the file (the file grew
    /// since the commit): the journal is then hot, whatever the machine's speed.
    Spilled,
}

/// Runs `osprey log upgrade` over a synthetic log and kills it with SIGKILL after the
/// `reports`-th reported commit, when `kill` says; returns the partial output and the rows
/// reported committed.
fn killed_upgrade(
    dir: &Path,
    src: &Path,
    round: usize,
    reports: usize,
    kill: Kill,
) -> (PathBuf, u64) {
    let out = dir.join(format!("up{round}.kismet"));
    let mut child = common::osprey()
        .args(["log", "upgrade", "--progress"])
        .args(["--commit-rows", &PER_COMMIT.to_string()])
        .args(["--commit-interval-ms", "3600000"])
        .arg(src)
        .arg(&out)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut reported = 0;
    let parse = |l: &str| {
        l.strip_prefix("committed ")
            .and_then(|l| l.strip_suffix(" rows"))
            .and_then(|n| n.parse::<u64>().ok())
    };
    for _ in 0..reports {
        let line = lines.next().expect("a progress line").unwrap();
        reported = parse(&line).unwrap_or_else(|| panic!("unexpected line {line:?}"));
    }
    match kill {
        Kill::After(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
        Kill::Spilled => {
            let partial = dir.join(format!("up{round}.kismet.partial"));
            let size = || std::fs::metadata(&partial).map_or(0, |m| m.len());
            let committed = size();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while size() <= committed && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success(), "finished before the kill");
    for line in lines.map_while(Result::ok) {
        if let Some(n) = parse(&line) {
            reported = n;
        }
    }
    (dir.join(format!("up{round}.kismet.partial")), reported)
}

#[test]
fn clean_recovers_a_log_whose_writer_was_killed() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.kismet");
    common::synthetic_log(&src, ROWS, PAYLOAD);
    let (mut hot_rounds, mut first_hot) = (0, false);
    // The first round always leaves a hot journal; where the other two fall depends on the
    // machine's speed (hot or stale, both are checked).
    let rounds = [
        (1usize, Kill::Spilled),
        (1, Kill::After(1200)),
        (2, Kill::After(0)),
    ];
    for (round, (reports, kill)) in rounds.into_iter().enumerate() {
        let (partial, reported) = killed_upgrade(dir.path(), &src, round, reports, kill);
        let journal = PathBuf::from(format!("{}-journal", partial.display()));
        assert!(journal.exists(), "round {round}: no journal");
        let (db0, j0) = (fingerprint(&partial), fingerprint(&journal));
        let hot = matches!(
            Reader::open(&partial),
            Err(kismetdb::Error::HotJournal { .. })
        );

        let out = dir.path().join(format!("clean{round}.kismet"));
        let o = common::run(&["log", "clean", s(&partial), "-o", s(&out), "--json"]);
        assert!(
            o.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let rep: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // The input and its journal are exactly as the killed writer left them.
        assert_eq!(fingerprint(&partial), db0, "round {round}: input changed");
        assert_eq!(fingerprint(&journal), j0, "round {round}: journal changed");
        if hot {
            hot_rounds += 1;
            first_hot |= round == 0;
            // strip-packets refuses it (never rolls back in place) and points to clean.
            let o = common::run(&[
                "log",
                "strip-packets",
                s(&partial),
                "-o",
                s(&dir.path().join("x")),
            ]);
            assert!(!o.status.success());
            assert!(String::from_utf8_lossy(&o.stderr).contains("osprey log clean"));
            assert_eq!(fingerprint(&journal), j0, "round {round}: journal changed");
            assert_eq!(rep["journal"]["state"], "hot", "round {round}: {rep}");
            assert_eq!(rep["rolled_back"], true, "round {round}: {rep}");
        } else {
            // Killed before any uncommitted page reached the file: the journal's header is
            // still zeroed and there is nothing to roll back.
            assert_eq!(rep["journal"]["state"], "stale", "round {round}: {rep}");
            assert_eq!(rep["rolled_back"], false, "round {round}: {rep}");
        }
        assert_eq!(rep["integrity"][0], "ok");
        assert_eq!(rep["output_integrity"][0], "ok");
        assert_eq!(rep["lossless"], true);

        let c = ro(&out);
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let r = Reader::open(&out).unwrap();
        let n = r.count(Table::Packets).unwrap();
        assert!(n >= reported, "round {round}: {n} < {reported} committed");
        assert!(n < ROWS && n % PER_COMMIT == 0, "round {round}: {n}");
        let mut i = 0u64;
        r.packets()
            .unwrap()
            .for_each(|p| -> kismetdb::Result<()> {
                assert_eq!(p, common::packet(i, PAYLOAD), "round {round} row {i}");
                i += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(i, n);
        // The same rows as SQLite's own rollback in place (on a copy of the pair).
        let twin = dir.path().join(format!("twin{round}.kismet"));
        std::fs::copy(&partial, &twin).unwrap();
        std::fs::copy(&journal, format!("{}-journal", twin.display())).unwrap();
        let t = Reader::open_with(&twin, OpenOptions { recover: true }).unwrap();
        assert_eq!(t.count(Table::Packets).unwrap(), n, "round {round}");
        eprintln!("round {round}: hot={hot}, {reported} reported, {n} recovered");
    }
    assert!(hot_rounds > 0, "no round left a hot journal");
    assert!(
        first_hot,
        "the round killed after a spill left no hot journal"
    );
}

#[test]
fn clean_of_clean_logs_copies_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::shared_data();
    for input in [
        data.join("reference/aircrack_pmkid-not-recognized.kismet"),
        data.join("kismetdb/merge-kismetdb_masterDB_v7_2021.08.R1.kismet"),
        osprey_log(dir.path()),
    ] {
        let before = fingerprint(&input);
        let out = dir.path().join("clean.kismet");
        let o = common::run(&["log", "clean", s(&input), "-o", s(&out), "-f"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("journal:    none"), "{text}");
        assert!(text.contains("integrity:  ok"), "{text}");
        assert_eq!(fingerprint(&input), before);
        let (a, b) = (ro(&input), ro(&out));
        assert_eq!(schema(&a), schema(&b));
        for t in tables(&a) {
            assert_eq!(rows(&a, &t), rows(&b, &t), "{}: {t}", input.display());
        }
    }
}

#[test]
fn clean_of_a_truncated_log_salvages_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::shared_data().join("reference/aircrack_pmkid-not-recognized.kismet");
    let full = std::fs::read(&src).unwrap();
    let total = Reader::open(&src).unwrap().count(Table::Packets).unwrap();
    for (k, cut) in [full.len() / 2, full.len() * 9 / 10, 4096 * 3, 100]
        .into_iter()
        .enumerate()
    {
        let t = dir.path().join(format!("trunc{k}.kismet"));
        std::fs::write(&t, &full[..cut]).unwrap();
        let before = fingerprint(&t);
        let out = dir.path().join(format!("salvaged{k}.kismet"));
        let o = common::run(&["log", "clean", s(&t), "-o", s(&out)]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(fingerprint(&t), before);
        // Either way it fails and says why, naming the file.
        assert!(!o.status.success(), "cut {cut}: {stdout}");
        assert!(
            stderr.contains(&format!("trunc{k}.kismet")),
            "cut {cut}: {stderr}"
        );
        if out.exists() {
            // A salvaged output: sound, readable, holding part of the rows, and a report.
            assert!(
                stdout.contains("salvage:") && stdout.contains("LOST"),
                "{stdout}"
            );
            assert!(stderr.contains("rows were lost"), "{stderr}");
            let c = ro(&out);
            let check: String = c
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok");
            let r = Reader::open(&out).unwrap();
            let n = r.count(Table::Packets).unwrap();
            assert!(n < total, "cut {cut}: {n}");
            r.packets()
                .unwrap()
                .for_each(|_| -> kismetdb::Result<()> { Ok(()) })
                .unwrap();
            eprintln!("cut {cut}: salvaged {n} of {total} packets");
        } else {
            assert!(
                stderr.contains("cannot be recovered"),
                "cut {cut}: {stderr}"
            );
            eprintln!("cut {cut}: {stderr}");
        }
        // No temporary files or working directories are left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn clean_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.kismet");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = dir.path().join("o.kismet");
    let o = common::run(&["log", "clean", s(&junk), "-o", s(&out)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("junk.kismet"));
    assert!(!out.exists());

    let src = common::shared_data().join("reference/wireshark_wep.kismet");
    let copy = dir.path().join("c.kismet");
    std::fs::copy(&src, &copy).unwrap();
    let o = common::run(&["log", "clean", s(&copy), "-o", s(&copy), "-f"]);
    assert!(!o.status.success());
    let o = common::run(&["log", "clean", s(&copy), "-o", s(&junk)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    let missing = dir.path().join("missing.kismet");
    let o = common::run(&["log", "clean", s(&missing), "-o", s(&out)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.kismet"));
}
