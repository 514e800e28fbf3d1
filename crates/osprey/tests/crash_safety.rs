//! Kill a process that is writing a kismetdb with SIGKILL in mid-stream: the file must reopen,
//! pass `PRAGMA integrity_check`, and hold every row the process reported committed, as an
//! exact prefix of what it was copying (whole transactions only).

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use kismetdb::{OpenOptions, Reader, Table};

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
