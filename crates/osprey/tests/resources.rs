//! Streaming: copying a log far larger than the process's memory bound; and older SQLite
//! versions read what we write.

mod common;

use std::process::Command;

#[test]
fn upgrade_streams_a_large_log_in_constant_memory() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.kismet");
    // 60 000 packets of 2 KiB: about 130 MB of log.
    common::synthetic_log(&src, 60_000, 2048);
    let size_mb = std::fs::metadata(&src).unwrap().len() / 1_000_000;
    assert!(size_mb >= 120, "{size_mb} MB");
    let out = dir.path().join("copy.kismet");
    let (status, peak_kib) = common::run_measured(
        common::osprey()
            .args(["log", "upgrade"])
            .arg(&src)
            .arg(&out),
    );
    assert!(status.success());
    eprintln!(
        "copied a {size_mb} MB log with a peak RSS of {} MiB",
        peak_kib / 1024
    );
    assert!(
        peak_kib < 40 * 1024,
        "peak RSS {peak_kib} KiB for a {size_mb} MB log"
    );
    let r = kismetdb::Reader::open(&out).unwrap();
    assert_eq!(r.count(kismetdb::Table::Packets).unwrap(), 60_000);
}

#[test]
fn the_system_python_sqlite_reads_a_closed_osprey_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.kismet");
    common::synthetic_log(&log, 100, 64);
    let script = r#"
import sqlite3, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
print(sqlite3.sqlite_version)
print(c.execute('select db_version from KISMET').fetchone()[0])
print(c.execute('select count(*) from packets').fetchone()[0])
print(c.execute('pragma integrity_check').fetchone()[0])
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&log)
        .output()
        .expect("python3 is part of the machine image");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("python's SQLite {}", lines[0]);
    assert_eq!(&lines[1..], &["9", "100", "ok"]);
}
