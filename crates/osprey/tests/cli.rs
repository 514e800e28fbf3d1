//! `osprey --help`, `osprey log info` and `osprey log upgrade` from the outside.

mod common;

use common::{run, shared_data};

#[test]
fn help_lists_the_subcommands() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("log"), "{text}");
    let out = run(&["log", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("info") && text.contains("upgrade"), "{text}");
}

#[test]
fn info_on_the_shipped_sample() {
    let sample = common::repo().join("samples/krack_example-tptk-attack.kismet");
    let out = run(&["log", "info", sample.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("db_version:   9 (kismetlog)"), "{text}");
    assert!(
        text.contains("written by:   Kismet 2025.09.0-b5d5a2d04"),
        "{text}"
    );
    assert!(
        text.contains("2017-10-03 15:03:21 .. 2017-10-03 15:03:41"),
        "{text}"
    );
    let packets_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("packets"))
        .unwrap();
    assert!(packets_line.contains(" 285 "), "{packets_line}");
}

#[test]
fn info_json_matches_direct_sql_on_every_real_log() {
    let mut logs: Vec<_> = std::fs::read_dir(shared_data().join("reference"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kismet"))
        .collect();
    logs.push(shared_data().join("kismetdb/merge-kismetdb_masterDB_v7_2021.08.R1.kismet"));
    logs.push(shared_data().join("kismetdb/merge-kismetdb_masterDB_v8_2023.00.GIT.kismet"));
    for log in logs {
        let out = run(&["log", "info", "--json", "--check", log.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let c =
            rusqlite::Connection::open_with_flags(&log, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let dbv: i64 = c
            .query_row("SELECT db_version FROM KISMET", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v["db_version"], dbv);
        assert_eq!(v["program"], "Kismet");
        assert_eq!(v["integrity"][0], "ok");
        for t in v["tables"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM {name}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(t["rows"], n, "{} {name}", log.display());
        }
        let (lo, hi): (Option<i64>, Option<i64>) = c
            .query_row(
                "SELECT min(ts_sec), max(ts_sec) FROM packets WHERE ts_sec > 0",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let pk = v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "packets")
            .unwrap();
        match (lo, hi) {
            (Some(lo), Some(hi)) => {
                assert_eq!(pk["span"]["first"], lo);
                assert_eq!(pk["span"]["last"], hi);
            }
            _ => assert!(pk["span"].is_null()),
        }
    }
}

#[test]
fn info_errors_name_the_file_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let random = dir.path().join("random.kismet");
    std::fs::write(
        &random,
        (0..5000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let truncated = dir.path().join("truncated.kismet");
    let full =
        std::fs::read(shared_data().join("reference/wireshark_wpa-Induction.kismet")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 3]).unwrap();
    let empty_db = dir.path().join("empty.db");
    rusqlite::Connection::open(&empty_db)
        .unwrap()
        .execute_batch("PRAGMA user_version=1")
        .unwrap();
    let future = dir.path().join("future.kismet");
    let c = rusqlite::Connection::open(&future).unwrap();
    c.execute_batch("CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT); INSERT INTO KISMET VALUES ('2031', 12, 'kismetlog');").unwrap();
    drop(c);
    let missing = dir.path().join("missing.kismet");
    for (path, needle) in [
        (&random, "not a kismetdb log"),
        (&truncated, "damaged"),
        (&empty_db, "no KISMET table"),
        (&future, "unsupported kismetdb version 12"),
        (&missing, "no such file"),
    ] {
        let out = run(&["log", "info", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&path.display().to_string()) && err.contains(needle),
            "{err}"
        );
    }
}

#[test]
fn upgrade_copies_every_row_of_a_v7_log_and_a_reference_log() {
    let dir = tempfile::tempdir().unwrap();
    for src in [
        shared_data().join("kismetdb/merge-kismetdb_masterDB_v7_2021.08.R1.kismet"),
        shared_data().join("reference/wireshark_wpa-Induction.kismet"),
    ] {
        let out_path = dir.path().join(format!(
            "{}.v9.kismet",
            src.file_stem().unwrap().to_string_lossy()
        ));
        let out = run(&[
            "log",
            "upgrade",
            src.to_str().unwrap(),
            out_path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!common::repo()
            .join(format!("{}.partial", out_path.display()))
            .exists());
        let a = kismetdb::Reader::open(&src).unwrap();
        let b = kismetdb::Reader::open(&out_path).unwrap();
        assert_eq!(b.version(), 9);
        for t in kismetdb::Table::ALL {
            assert_eq!(a.count(t).unwrap(), b.count(t).unwrap(), "{t}");
        }
        let pa: Vec<_> = a
            .packets()
            .unwrap()
            .rows()
            .collect::<Result<_, _>>()
            .unwrap();
        let pb: Vec<_> = b
            .packets()
            .unwrap()
            .rows()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(pa, pb);
        let aa: Vec<_> = a
            .alerts()
            .unwrap()
            .rows()
            .collect::<Result<_, _>>()
            .unwrap();
        let ab: Vec<_> = b
            .alerts()
            .unwrap()
            .rows()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(aa, ab);
    }
    // The output must not exist yet.
    let src = shared_data().join("reference/wireshark_wpa-Induction.kismet");
    let existing = dir.path().join("wireshark_wpa-Induction.v9.kismet");
    let out = run(&[
        "log",
        "upgrade",
        src.to_str().unwrap(),
        existing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    let sample = common::repo().join("samples/krack_example-tptk-attack.kismet");
    for json in [false, true] {
        let mut cmd = common::osprey();
        cmd.args(["log", "info"]);
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .arg(&sample)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before osprey writes: its write gets EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.status.success(), "{err}");
    }
}
