//! Things that are not usable kismetdb logs get a clear error naming the file. Never a panic.

mod common;

use std::path::Path;

use kismetdb::*;

fn open_err(path: &Path) -> Error {
    match Reader::open(path) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&path.display().to_string()),
                "message lacks the file: {msg}"
            );
            e
        }
    }
}

/// Opens and reads everything; returns the first error, if any.
fn read_everything(path: &Path) -> Result<u64> {
    let r = Reader::open(path)?;
    let mut n = 0;
    for t in Table::ALL {
        if r.columns(t).is_some() {
            n += r.count(t)?;
        }
    }
    r.devices()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.packets()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.data()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.datasources()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.alerts()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.messages()?.for_each(|_| -> Result<()> { Ok(()) })?;
    r.snapshots()?.for_each(|_| -> Result<()> { Ok(()) })?;
    Ok(n)
}

#[test]
fn missing_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        open_err(&dir.path().join("nope.kismet")),
        Error::NotFound { .. }
    ));
    assert!(matches!(open_err(dir.path()), Error::NotAFile { .. }));
}

#[test]
fn random_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("random.kismet");
    // Deterministic pseudo-random bytes.
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(&p, &bytes).unwrap();
    let e = open_err(&p);
    assert!(matches!(e, Error::NotADatabase { .. }), "{e}");
    assert!(e.to_string().contains("offset 0"), "{e}");

    let p = dir.path().join("empty.kismet");
    std::fs::write(&p, b"").unwrap();
    let e = open_err(&p);
    assert!(e.to_string().contains("empty"), "{e}");

    let p = dir.path().join("text.kismet");
    std::fs::write(&p, b"this is a pcap, honest\n").unwrap();
    assert!(matches!(open_err(&p), Error::NotADatabase { .. }));
}

#[test]
fn sqlite_header_then_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.kismet");
    let mut b = b"SQLite format 3\0".to_vec();
    b.extend(std::iter::repeat_n(0xA5u8, 4096));
    std::fs::write(&p, &b).unwrap();
    let e = open_err(&p);
    assert!(
        matches!(e, Error::NotADatabase { .. } | Error::Corrupt { .. }),
        "{e}"
    );
}

#[test]
fn truncated_logs_fail_cleanly_at_every_page_boundary() {
    let src = common::shared_data().join("reference/wireshark_wpa-Induction.kismet");
    let full = std::fs::read(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.kismet");
    let mut failures = 0;
    let mut cuts: Vec<usize> = (0..full.len()).step_by(4096).collect();
    cuts.extend([
        1,
        15,
        16,
        50,
        99,
        100,
        101,
        4095,
        4097,
        full.len() / 2 + 7,
        full.len() - 1,
    ]);
    for cut in cuts {
        std::fs::write(&p, &full[..cut]).unwrap();
        match read_everything(&p) {
            Ok(_) => {}
            Err(e) => {
                failures += 1;
                assert!(e.to_string().contains("t.kismet"), "cut {cut}: {e}");
            }
        }
    }
    assert!(
        failures > 50,
        "most truncations must be detected, got {failures}"
    );
    std::fs::write(&p, &full[..50]).unwrap();
    let e = open_err(&p);
    assert!(e.to_string().contains("truncated"), "{e}");
    std::fs::write(&p, &full[..full.len() / 2]).unwrap();
    let e = read_everything(&p).unwrap_err();
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
}

#[test]
fn empty_and_foreign_sqlite_databases() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.db");
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch("PRAGMA user_version = 1").unwrap(); // forces a real header on disk
    drop(c);
    let e = open_err(&p);
    assert!(matches!(e, Error::NotKismetdb { .. }), "{e}");
    assert!(e.to_string().contains("no tables"), "{e}");

    let p = dir.path().join("other.db");
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch("CREATE TABLE moz_places (id INTEGER)")
        .unwrap();
    drop(c);
    let e = open_err(&p);
    assert!(
        e.to_string().contains("no KISMET table") && e.to_string().contains("moz_places"),
        "{e}"
    );
}

fn with_kismet_row(dir: &Path, name: &str, insert: Option<&str>) -> std::path::PathBuf {
    let p = dir.join(name);
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch("CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT)")
        .unwrap();
    if let Some(sql) = insert {
        c.execute_batch(sql).unwrap();
    }
    p
}

#[test]
fn meta_table_problems() {
    let dir = tempfile::tempdir().unwrap();
    let p = with_kismet_row(dir.path(), "none.kismet", None);
    let e = open_err(&p);
    assert!(e.to_string().contains("KISMET table is empty"), "{e}");

    let p = with_kismet_row(
        dir.path(),
        "future.kismet",
        Some("INSERT INTO KISMET VALUES ('2031.01.0', 11, 'kismetlog')"),
    );
    let e = open_err(&p);
    assert!(
        matches!(e, Error::UnsupportedVersion { version: 11, .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("unsupported kismetdb version 11"),
        "{e}"
    );

    let p = with_kismet_row(
        dir.path(),
        "zero.kismet",
        Some("INSERT INTO KISMET VALUES ('x', 0, 'kismetlog')"),
    );
    assert!(matches!(open_err(&p), Error::NotKismetdb { .. }));

    let p = with_kismet_row(
        dir.path(),
        "word.kismet",
        Some("INSERT INTO KISMET VALUES ('x', 'nine', 'kismetlog')"),
    );
    assert!(matches!(open_err(&p), Error::NotKismetdb { .. }));
}

#[test]
fn hot_journal_is_refused_read_only_and_rolled_back_with_recover() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.kismet");
    let mut w = Writer::create(
        &live,
        WriterOptions {
            commit: CommitPolicy {
                max_interval: std::time::Duration::from_secs(3600),
                max_rows: 1_000_000,
            },
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let msg = |i: i64| MessageRow {
        ts_sec: i,
        lat: 0.0,
        lon: 0.0,
        msgtype: "INFO".into(),
        message: "x".repeat(500).into(),
    };
    for i in 0..10 {
        w.insert_message(&msg(i)).unwrap();
    }
    w.commit().unwrap();
    // Enough uncommitted rows to spill pages to the file: the database file then holds
    // uncommitted data that only the journal can undo. 60 000 rows of 500 bytes are about
    // 30 MB, more than the writer's 16 MiB page cache.
    for i in 0..60_000 {
        w.insert_message(&msg(i)).unwrap();
    }
    // Copy the file and its journal as a crash would leave them, while the transaction is open.
    let crashed = dir.path().join("crashed.kismet");
    std::fs::copy(&live, &crashed).unwrap();
    std::fs::copy(
        dir.path().join("live.kismet-journal"),
        dir.path().join("crashed.kismet-journal"),
    )
    .unwrap();
    drop(w);

    let e = open_err(&crashed);
    assert!(matches!(e, Error::HotJournal { .. }), "{e}");
    assert!(e.to_string().contains("--recover"), "{e}");
    let r = Reader::open_with(&crashed, OpenOptions { recover: true }).unwrap();
    assert_eq!(r.integrity_check().unwrap(), vec!["ok"]);
    assert_eq!(
        r.count(Table::Messages).unwrap(),
        10,
        "only the committed rows remain"
    );
}

/// Inputs the fuzzer found crashes with (`fuzz/fuzz_targets/kismetdb_reader.rs`): each must now
/// give rows or an error, without a panic.
#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let src = entry.unwrap().path();
        // Work on a copy: a reader may roll back a journal, and the input must stay as found.
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("input.kismet");
        std::fs::copy(&src, &p).unwrap();
        let _ = read_everything(&p);
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn non_utf8_names_in_a_damaged_schema_are_an_error_or_read_lossily() {
    // A KISMET column name made invalid UTF-8 by patching the schema text in place.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("patched.kismet");
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch(
        "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT, zzzzzz TEXT);
         INSERT INTO KISMET VALUES ('x', 9, 'kismetlog', '');
         CREATE TABLE packets (ts_sec INT, yyyyyy INT);",
    )
    .unwrap();
    drop(c);
    let mut bytes = std::fs::read(&p).unwrap();
    for pat in [&b"zzzzzz"[..], &b"yyyyyy"[..]] {
        let at = bytes.windows(6).position(|w| w == pat).unwrap();
        bytes[at..at + 6].copy_from_slice(b"\xff\xfe\xfd\xfc\xfb\xfa");
    }
    std::fs::write(&p, &bytes).unwrap();
    let r = Reader::open(&p).unwrap();
    assert_eq!(r.version(), 9);
    assert!(r
        .columns(Table::Packets)
        .unwrap()
        .iter()
        .any(|c| c.contains('\u{fffd}')));
    assert_eq!(r.packets().unwrap().rows().count(), 0);
}
