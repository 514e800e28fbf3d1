//! `osprey log dump-devices` and `osprey log stats` end to end, on every reference log written
//! by Kismet 2025-09-R1, the real v7/v8 logs, a log written by Osprey, and hand-made logs with
//! GPS. Every number is checked against direct SQL; the input must come out unchanged.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::SystemTime;

use common::*;
use kismetdb::*;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

fn reference_logs() -> Vec<PathBuf> {
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

fn old_real_logs() -> Vec<PathBuf> {
    let d = shared_data().join("kismetdb");
    vec![
        d.join("merge-kismetdb_masterDB_v7_2021.08.R1.kismet"),
        d.join("merge-kismetdb_masterDB_v8_2023.00.GIT.kismet"),
    ]
}

/// A log written by Osprey itself.
fn osprey_log(dir: &Path) -> PathBuf {
    let out = dir.join("osprey.kismet");
    let cap = shared_data().join("radiotap/aircrack_test1.pcap");
    let o = run(&[
        "analyze",
        cap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn raw(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open raw")
}

fn sql_i64(c: &Connection, q: &str) -> i64 {
    c.query_row(q, [], |r| r.get::<_, Option<i64>>(0))
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .unwrap_or(0)
}

/// Bytes and modification time of a file.
fn fingerprint(p: &Path) -> (Vec<u8>, SystemTime) {
    (
        std::fs::read(p).unwrap(),
        std::fs::metadata(p).unwrap().modified().unwrap(),
    )
}

/// Copies a log into `dir` with write permission, so that an accidental write would succeed
/// (and be caught) rather than be stopped by the shared data's read-only mode.
fn writable_copy(src: &Path, dir: &Path) -> PathBuf {
    let dst = dir.join(src.file_name().unwrap());
    std::fs::copy(src, &dst).unwrap();
    let mut perm = std::fs::metadata(&dst).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&dst, perm).unwrap();
    // An old mtime, so a rewrite within the same second is still noticed.
    let f = std::fs::File::options().write(true).open(&dst).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000))
        .unwrap();
    dst
}

fn ok_stdout(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert!(
        o.status.success(),
        "osprey {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn has_dotted_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('.') || has_dotted_key(v)),
        Value::Array(a) => a.iter().any(has_dotted_key),
        _ => false,
    }
}

fn check_dump(log: &Path, dir: &Path) {
    let c = raw(log);
    let n = sql_i64(&c, "SELECT count(*) FROM devices") as usize;
    let f = log.to_str().unwrap();

    // Default: one JSON array with every device.
    let out = ok_stdout(&["log", "dump-devices", f]);
    let arr: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{f}: {e}"));
    let arr = arr.as_array().expect("an array");
    assert_eq!(arr.len(), n, "{f}");
    assert!(arr.iter().all(Value::is_object), "{f}");

    // The devices are those of the table: MACs and phys match.
    let mut want: BTreeSet<(String, String)> = BTreeSet::new();
    let mut st = c.prepare("SELECT phyname, devmac FROM devices").unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        want.insert((r.get(0).unwrap(), r.get(1).unwrap()));
    }
    let got: BTreeSet<(String, String)> = arr
        .iter()
        .map(|d| {
            (
                d["kismet.device.base.phyname"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                d["kismet.device.base.macaddr"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    if want.iter().all(|(p, _)| !p.is_empty()) {
        assert_eq!(got, want, "{f}");
    }

    // One object per line: same records.
    let lines = ok_stdout(&["log", "dump-devices", "--jsonl", f]);
    let text = String::from_utf8(lines).expect("UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'), "{f}");
    let parsed: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{f}: {e}: {l}")))
        .collect();
    assert_eq!(parsed.len(), n, "{f}");
    assert_eq!(&parsed, arr, "{f}");

    // Kismet's --ekjson: one per line, no dots in any key.
    let ek = ok_stdout(&["log", "dump-devices", "-e", f]);
    let ek = String::from_utf8(ek).unwrap();
    assert_eq!(ek.lines().count(), n, "{f}");
    for l in ek.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(!has_dotted_key(&v), "{f}: {l}");
    }

    // -o: the same bytes in a file, no temporary left behind.
    let outdir = dir.join("out");
    std::fs::create_dir_all(&outdir).unwrap();
    let dest = outdir.join("devices.json");
    let _ = std::fs::remove_file(&dest);
    ok_stdout(&["log", "dump-devices", f, "-o", dest.to_str().unwrap()]);
    assert_eq!(std::fs::read(&dest).unwrap(), out, "{f}");
    assert_eq!(std::fs::read_dir(&outdir).unwrap().count(), 1, "{f}");
}

fn check_stats(log: &Path) {
    let c = raw(log);
    let f = log.to_str().unwrap();
    let out = ok_stdout(&["log", "stats", "--json", f]);
    let j: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{f}: {e}"));
    let q = |s: &str| sql_i64(&c, s);
    assert_eq!(
        j["kismetdb_version"],
        q("SELECT db_version FROM KISMET"),
        "{f}"
    );
    for t in ["packets", "devices", "alerts", "messages", "snapshots"] {
        assert_eq!(j[t], q(&format!("SELECT count(*) FROM {t}")), "{f}: {t}");
    }
    assert_eq!(j["data_packets"], q("SELECT count(*) FROM data"), "{f}");
    assert_eq!(
        j["packets_with_location"],
        q("SELECT count(*) FROM packets WHERE lat != 0 OR lon != 0"),
        "{f}"
    );
    if q("SELECT count(*) FROM devices") > 0 {
        assert_eq!(
            j["device_min_time"],
            q("SELECT min(first_time) FROM devices WHERE first_time > 0"),
            "{f}"
        );
        assert_eq!(
            j["device_max_time"],
            q("SELECT max(last_time) FROM devices WHERE first_time > 0"),
            "{f}"
        );
    } else {
        assert_eq!(j["device_min_time"], Value::Null, "{f}");
    }
    if q("SELECT count(*) FROM packets WHERE ts_sec > 0") > 0 {
        assert_eq!(
            j["packet_min_time"],
            q("SELECT min(ts_sec) FROM packets WHERE ts_sec > 0"),
            "{f}"
        );
        assert_eq!(
            j["packet_max_time"],
            q("SELECT max(ts_sec) FROM packets"),
            "{f}"
        );
    }

    // Devices per phy and per type.
    for (col, key) in [("phyname", "devices_by_phy"), ("type", "devices_by_type")] {
        let mut want: BTreeMap<String, i64> = BTreeMap::new();
        let mut st = c
            .prepare(&format!("SELECT {col}, count(*) FROM devices GROUP BY 1"))
            .unwrap();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            want.insert(r.get(0).unwrap(), r.get(1).unwrap());
        }
        let got: BTreeMap<String, i64> = j[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(got, want, "{f}: {key}");
    }

    // Datasources and the packets each logged.
    let sources = j["datasources"].as_array().unwrap();
    assert_eq!(
        sources.len() as i64,
        q("SELECT count(*) FROM datasources"),
        "{f}"
    );
    let mut logged = 0;
    for s in sources {
        let uuid = s["uuid"].as_str().unwrap();
        let n = q(&format!(
            "SELECT count(*) FROM packets WHERE upper(datasource) = upper('{uuid}')"
        ));
        assert_eq!(s["packets"], n, "{f}: {uuid}");
        let typestring: String = c
            .query_row(
                "SELECT typestring FROM datasources WHERE upper(uuid) = upper(?1)",
                [uuid],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(s["type"], typestring.as_str(), "{f}");
        logged += n;
    }
    assert_eq!(
        j["packets_unknown_datasource"],
        q("SELECT count(*) FROM packets") - logged,
        "{f}"
    );

    // Tags: the distinct whitespace-separated words of the tags column.
    let mut want: BTreeSet<String> = BTreeSet::new();
    let mut st = c
        .prepare("SELECT DISTINCT tags FROM packets WHERE tags != ''")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let t: String = r.get(0).unwrap();
        want.extend(t.split_whitespace().map(str::to_string));
    }
    let got: BTreeSet<String> = j["packettags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want, "{f}");
    for (tag, n) in j["packettag_counts"].as_object().unwrap() {
        let sql =
            format!("SELECT count(*) FROM packets WHERE instr(' ' || tags || ' ', ' {tag} ') > 0");
        assert_eq!(n.as_i64().unwrap(), q(&sql), "{f}: {tag}");
    }

    // Text mode says the same.
    let text = String::from_utf8(ok_stdout(&["log", "stats", f])).unwrap();
    let line = format!("Packets:             {} (", j["packets"]);
    assert!(text.contains(&line), "{f}: {text}");
    let line = format!("Devices:             {} (", j["devices"]);
    assert!(text.contains(&line), "{f}: {text}");
}

#[test]
fn every_real_log_dumps_and_counts_exactly_and_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut logs: Vec<PathBuf> = reference_logs();
    logs.extend(old_real_logs());
    logs.push(osprey_log(dir.path()));
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    for src in &logs {
        let log = writable_copy(src, &work);
        let before = fingerprint(&log);
        check_dump(&log, dir.path());
        check_stats(&log);
        assert!(
            before == fingerprint(&log),
            "{} was modified",
            log.display()
        );
        let leftovers: Vec<_> = std::fs::read_dir(&work)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("-journal") || n.contains("-wal") || n.contains("-shm"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::remove_file(&log).unwrap();
    }
}

#[test]
fn an_osprey_log_reports_its_writer() {
    let dir = tempfile::tempdir().unwrap();
    let log = osprey_log(dir.path());
    let j: Value = serde_json::from_slice(&ok_stdout(&[
        "log",
        "stats",
        "--json",
        log.to_str().unwrap(),
    ]))
    .unwrap();
    assert!(j["kismet_version"].as_str().unwrap().starts_with("osprey "));
    assert_eq!(j["datasources"][0]["packets"], j["packets"]);
    let text = String::from_utf8(ok_stdout(&["log", "stats", log.to_str().unwrap()])).unwrap();
    assert!(text.contains("(written by Osprey "), "{text}");
}

/// A v9 log with GPS, made with the kismetdb writer.
fn gps_log(path: &Path) {
    let mut w = Writer::create(path, WriterOptions::default()).unwrap();
    let boxes = [
        [38.80, -77.10, 38.90, -77.00],
        [38.85, -77.20, 38.95, -77.05],
        [0.0, 0.0, 0.0, 0.0],
    ];
    for (i, b) in boxes.iter().enumerate() {
        w.insert_device(&DeviceRow {
            first_time: 1_700_000_000 + i as i64,
            last_time: 1_700_000_100 + i as i64,
            devkey: None,
            phyname: if i == 2 { "BTLE" } else { "IEEE802.11" }.into(),
            devmac: MacAddr::new([2, 0, 0, 0, 0, i as u8]),
            strongest_signal: -60,
            min_lat: b[0],
            min_lon: b[1],
            max_lat: b[2],
            max_lon: b[3],
            avg_lat: (b[0] + b[2]) / 2.0,
            avg_lon: (b[1] + b[3]) / 2.0,
            bytes_data: 0,
            device_type: if i == 2 { "BTLE" } else { "Wi-Fi AP" }.into(),
            device: format!(r#"{{"kismet.device.base.name":"d{i}","x":{{}}}}"#)
                .into_bytes()
                .into(),
        })
        .unwrap();
    }
    for i in 0..5 {
        let mut p = packet(i, 20);
        p.gps = GpsFix {
            lat: if i % 2 == 0 { 38.85 } else { 0.0 },
            lon: if i % 2 == 0 { -77.05 } else { 0.0 },
            ..Default::default()
        };
        w.insert_packet(&p).unwrap();
    }
    for (i, (lat, lon)) in [
        (38.80, -77.0),
        (38.81, -77.0),
        (38.81, -77.0),
        (38.82, -77.01),
    ]
    .into_iter()
    .enumerate()
    {
        w.insert_snapshot(&SnapshotRow {
            ts: Timestamp::new(1_700_000_000 + i as i64 * 10, 0),
            lat,
            lon,
            snaptype: "GPS".into(),
            json: b"{}".to_vec().into(),
        })
        .unwrap();
    }
    w.close().unwrap();
}

fn haversine_m(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> f64 {
    let (p0, p1) = (lat0.to_radians(), lat1.to_radians());
    let a = ((p1 - p0) / 2.0).sin().powi(2)
        + p0.cos() * p1.cos() * ((lon1 - lon0).to_radians() / 2.0).sin().powi(2);
    2.0 * a.sqrt().asin() * 6_371_000.0
}

#[test]
fn gps_bounds_and_track_match_sql() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gps.kismet");
    gps_log(&log);
    let c = raw(&log);
    let f = log.to_str().unwrap();
    let j: Value = serde_json::from_slice(&ok_stdout(&["log", "stats", "--json", f])).unwrap();
    let real = |q: &str| -> f64 { c.query_row(q, [], |r| r.get(0)).unwrap() };
    let located = "WHERE NOT (min_lat = 0 AND min_lon = 0 AND max_lat = 0 AND max_lon = 0)";
    assert_eq!(
        j["min_lat"],
        real(&format!("SELECT min(min_lat) FROM devices {located}"))
    );
    assert_eq!(
        j["min_lon"],
        real(&format!("SELECT min(min_lon) FROM devices {located}"))
    );
    assert_eq!(
        j["max_lat"],
        real(&format!("SELECT max(max_lat) FROM devices {located}"))
    );
    assert_eq!(
        j["max_lon"],
        real(&format!("SELECT max(max_lon) FROM devices {located}"))
    );
    assert_eq!(j["devices_with_location"], 2);
    let diag = haversine_m(38.80, -77.20, 38.95, -77.00) / 1000.0;
    assert!((j["diag_distance_km"].as_f64().unwrap() - diag).abs() < 1e-9);
    assert_eq!(j["packets_with_location"], 3);
    assert_eq!(j["gps_fixes"], 4);
    let track = haversine_m(38.80, -77.0, 38.81, -77.0) + haversine_m(38.81, -77.0, 38.82, -77.01);
    let got = j["breadcrumb_dist_meters"].as_f64().unwrap();
    assert!((got - track).abs() < 1e-6, "{got} vs {track}");
    // Kismet's 6731 km radius would say 5.65 % more.
    assert!((got - 2521.7).abs() < 1.0, "{got}");
    let text = String::from_utf8(ok_stdout(&["log", "stats", f])).unwrap();
    assert!(
        text.contains(
            "Bounding location:   38.8000000000,-77.2000000000 38.9500000000,-77.0000000000"
        ),
        "{text}"
    );
}

#[test]
fn v4_log_gps_integers_are_degrees() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("v4.kismet");
    let c = Connection::open(&log).unwrap();
    c.execute_batch(
        "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
         INSERT INTO KISMET VALUES ('2018.0.0', 4, 'kismetlog');
         CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat INT, min_lon INT, max_lat INT, max_lon INT, avg_lat INT, avg_lon INT, bytes_data INT, type TEXT, device BLOB, UNIQUE(phyname, devmac) ON CONFLICT REPLACE);
         CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT, transmac TEXT, frequency REAL, devkey TEXT, lat INT, lon INT, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT);
         CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, datasource TEXT, type TEXT, json BLOB);
         CREATE TABLE datasources (uuid TEXT, typestring TEXT, definition TEXT, name TEXT, interface TEXT, json BLOB, UNIQUE(uuid) ON CONFLICT REPLACE);
         CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, header TEXT, json BLOB);
         CREATE TABLE messages (ts_sec INT, lat INT, lon INT, msgtype TEXT, message TEXT);
         CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat INT, lon INT, snaptype TEXT, json BLOB);
         INSERT INTO devices VALUES (1519000000, 1519000100, '', 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', -40, 3889000, -7704000, 3890000, -7703000, 3889500, -7703500, 10, 'Wi-Fi AP', CAST('{\"kismet.device.base.macaddr\":\"AA:BB:CC:DD:EE:FF\"}' AS BLOB));
         INSERT INTO packets VALUES (1519000000, 42, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', 2412000, '0', 3889770, -7703650, 3, -70, '5FE308BD-0000-0000-0000-000E8E5C8866', 127, x'800000', 0);
         INSERT INTO snapshots VALUES (1519000004, 4, 3889770, -7703650, 'GPS', '{}');
         INSERT INTO snapshots VALUES (1519000014, 4, 3889870, -7703650, 'GPS', '{}');",
    )
    .unwrap();
    drop(c);
    let f = log.to_str().unwrap();
    let j: Value = serde_json::from_slice(&ok_stdout(&["log", "stats", "--json", f])).unwrap();
    assert_eq!(j["kismetdb_version"], 4);
    assert!((j["min_lat"].as_f64().unwrap() - 38.89).abs() < 1e-9, "{j}");
    assert!((j["max_lon"].as_f64().unwrap() + 77.03).abs() < 1e-9, "{j}");
    assert_eq!(j["packets_unknown_datasource"], 1);
    let d = j["breadcrumb_dist_meters"].as_f64().unwrap();
    assert!(
        (d - haversine_m(38.8977, -77.0365, 38.8987, -77.0365)).abs() < 1e-6,
        "{d}"
    );
    let out = ok_stdout(&["log", "dump-devices", f]);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["kismet.device.base.macaddr"], "AA:BB:CC:DD:EE:FF");
}

#[test]
fn filters_select_devices() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gps.kismet");
    gps_log(&log);
    let f = log.to_str().unwrap();
    let count = |extra: &[&str]| -> usize {
        let mut args = vec!["log", "dump-devices", "--jsonl", f];
        args.extend_from_slice(extra);
        String::from_utf8(ok_stdout(&args)).unwrap().lines().count()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--phy", "btle"]), 1);
    assert_eq!(count(&["--phy", "BTLE", "--phy", "IEEE802.11"]), 3);
    assert_eq!(count(&["--type", "wi-fi ap"]), 2);
    assert_eq!(count(&["--since", "1700000101"]), 2);
    assert_eq!(count(&["--since", "2023-11-14T22:15:02Z"]), 1);
    assert_eq!(count(&["--until", "1700000000"]), 1);
    let o = run(&["log", "dump-devices", f, "--since", "yesterday"]);
    assert!(!o.status.success());
    // Kismet's empty-object-to-null bug is not reproduced.
    let ek = String::from_utf8(ok_stdout(&["log", "dump-devices", "-e", f])).unwrap();
    assert!(ek.lines().next().unwrap().contains(r#""x":{}"#), "{ek}");
}

#[test]
fn outputs_are_refused_when_they_exist_or_are_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gps.kismet");
    gps_log(&log);
    let before = fingerprint(&log);
    let f = log.to_str().unwrap();
    // The input itself, even with --force.
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["log", "dump-devices", f, "-o", f];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains("input"), "{e}");
    }
    assert!(before == fingerprint(&log));
    // An existing file, unless --force.
    let dest = dir.path().join("d.json");
    std::fs::write(&dest, "keep").unwrap();
    let o = run(&["log", "dump-devices", f, "-o", dest.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(&dest).unwrap(), b"keep");
    ok_stdout(&["log", "dump-devices", f, "-o", dest.to_str().unwrap(), "-f"]);
    let v: Value = serde_json::from_slice(&std::fs::read(&dest).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    // `-o -` is stdout.
    let out = ok_stdout(&["log", "dump-devices", f, "-o", "-"]);
    assert_eq!(out, std::fs::read(&dest).unwrap());
    // A directory that does not exist: an error, nothing left behind.
    let o = run(&[
        "log",
        "dump-devices",
        f,
        "-o",
        dir.path().join("no/such/d.json").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
}

#[test]
fn bad_inputs_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.kismet");
    std::fs::write(&junk, vec![0x42u8; 5000]).unwrap();
    let missing = dir.path().join("missing.kismet");
    for p in [&junk, &missing] {
        for cmd in ["dump-devices", "stats"] {
            let o = run(&["log", cmd, p.to_str().unwrap()]);
            assert!(!o.status.success(), "{cmd} {}", p.display());
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(e.contains(p.file_name().unwrap().to_str().unwrap()), "{e}");
        }
    }
    // A truncated log: an error, not a panic, and no output file.
    let src = shared_data().join("reference/wifi-arsenal_radioparse_sample.kismet");
    let bytes = std::fs::read(src).unwrap();
    let cut = dir.path().join("cut.kismet");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let dest = dir.path().join("cut.json");
    let o = run(&[
        "log",
        "dump-devices",
        cut.to_str().unwrap(),
        "-o",
        dest.to_str().unwrap(),
    ]);
    if !o.status.success() {
        assert!(!dest.exists());
        assert!(String::from_utf8_lossy(&o.stderr).contains("cut.kismet"));
    }
    let o = run(&["log", "stats", cut.to_str().unwrap()]);
    if !o.status.success() {
        assert!(String::from_utf8_lossy(&o.stderr).contains("cut.kismet"));
    }
    // A damaged device record is skipped with a warning naming the device.
    let bad = dir.path().join("bad.kismet");
    gps_log(&bad);
    let c = Connection::open(&bad).unwrap();
    c.execute(
        "UPDATE devices SET device = x'7b2261223a' WHERE phyname = 'BTLE'",
        [],
    )
    .unwrap();
    drop(c);
    let o = run(&["log", "dump-devices", "--jsonl", bad.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("BTLE 02:00:00:00:00:02") && e.contains("bad.kismet"),
        "{e}"
    );
}

#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    let log = shared_data().join("reference/wifi-arsenal_radioparse_sample.kismet");
    for args in [
        vec!["log", "dump-devices"],
        vec!["log", "dump-devices", "--jsonl"],
        vec!["log", "stats"],
        vec!["log", "stats", "--json"],
    ] {
        let mut child = osprey()
            .args(&args)
            .arg(&log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut b = [0u8; 1];
        let _ = out.read(&mut b);
        drop(out);
        let o = child.wait_with_output().unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        assert!(o.status.success(), "{args:?}: {:?} {e}", o.status);
    }
}
