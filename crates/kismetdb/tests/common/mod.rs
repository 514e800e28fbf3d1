//! Shared helpers for the kismetdb integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` beside the repository (CI has it there), or `$OSPREY_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "the shared test data is not at {} (set OSPREY_SHARED_DATA)",
        p.display()
    );
    p
}

/// Every `.kismet` log in `reference/` (v9, written by Kismet 2025-09-R1).
pub fn reference_logs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared_data().join("reference"))
        .expect("reference dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kismet"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 30,
        "expected the reference logs, found {}",
        v.len()
    );
    v
}

/// The two real logs of older versions in `kismetdb/` (v7 and v8).
pub fn old_real_logs() -> Vec<PathBuf> {
    let d = shared_data().join("kismetdb");
    vec![
        d.join("merge-kismetdb_masterDB_v7_2021.08.R1.kismet"),
        d.join("merge-kismetdb_masterDB_v8_2023.00.GIT.kismet"),
    ]
}

/// A read-only plain SQLite connection for checking values "by direct SQL".
pub fn raw(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open raw")
}
