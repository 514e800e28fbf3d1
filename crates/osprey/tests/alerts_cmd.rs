//! `osprey alerts`: listing and filtering the alerts of Kismet's reference logs and of old
//! logs, and exporting an alert's evidence packets to pcapng.

mod common;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{run, shared_data};
use kismetdb::{
    AlertRow, DatasourceRow, GpsFix, MacAddr, PacketRow, Timestamp, Uuid, Writer, WriterOptions,
};
use rusqlite::Connection;
use serde_json::Value;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `osprey alerts ARGS...` and asserts it succeeded.
fn alerts_ok(args: &[&str]) -> String {
    let mut all = vec!["alerts"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.status.success(),
        "osprey {all:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

/// Runs `osprey alerts ARGS...`, asserts it failed, and returns its stderr.
fn alerts_err(args: &[&str]) -> String {
    let mut all = vec!["alerts"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(!out.status.success(), "osprey {all:?} should have failed");
    stderr(&out)
}

/// The `--json` listing, parsed.
fn json_list(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.push("--json");
    let text = alerts_ok(&all);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(v)) => v,
        other => panic!("--json did not print an array: {other:?}\n{text}"),
    }
}

/// Lines of the table listing, without its header line.
fn table_rows(args: &[&str]) -> Vec<String> {
    let text = alerts_ok(args);
    let mut lines = text.lines();
    let head = lines.next().expect("a header line");
    assert!(head.starts_with("TIME (UTC)"), "header line: {head}");
    lines.map(str::to_string).collect()
}

/// The stored alerts of a log, in time order: (ts_sec, ts_usec, header, parsed json).
fn stored_alerts(path: &Path) -> Vec<(i64, i64, String, Value)> {
    let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare("SELECT ts_sec, ts_usec, header, json FROM alerts ORDER BY ts_sec, ts_usec, rowid")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            let json: Vec<u8> = match r.get_ref(3)? {
                rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                    b.to_vec()
                }
                _ => Vec::new(),
            };
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                serde_json::from_slice(&json).unwrap_or(Value::Null),
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn reference_logs() -> Vec<PathBuf> {
    let mut logs = Vec::new();
    for dir in ["reference", "kismetdb"] {
        for e in std::fs::read_dir(shared_data().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "kismet") {
                logs.push(p);
            }
        }
    }
    logs.sort();
    assert!(logs.len() > 20, "reference logs: {}", logs.len());
    logs
}

fn wifite_reference() -> PathBuf {
    shared_data().join("reference/wifite2_handshake_has_1234.kismet")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(format!("kismet.alert.{key}")).unwrap_or(&Value::Null)
}

fn text_field(v: &Value, key: &str) -> String {
    field(v, key).as_str().unwrap_or("").to_string()
}

#[test]
fn every_reference_log_lists_all_its_alerts_in_time_order() {
    let mut total = 0;
    for log in reference_logs() {
        let stored = stored_alerts(&log);
        total += stored.len();
        let listed = json_list(&[s(&log)]);
        assert_eq!(listed.len(), stored.len(), "{}", log.display());
        // The records as stored, in time order.
        for (got, want) in listed.iter().zip(&stored) {
            assert_eq!(got, &want.3, "{}", log.display());
        }
        let rows = table_rows(&[s(&log)]);
        assert_eq!(rows.len(), stored.len(), "{}", log.display());
        for (row, want) in rows.iter().zip(&stored) {
            assert!(row.contains(&want.2), "{}: {row}", log.display());
            let sev = field(&want.3, "severity").as_u64().unwrap();
            let name = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"][sev as usize / 5];
            assert!(row.contains(name), "{}: {row}", log.display());
            assert!(row.contains(&text_field(&want.3, "class")), "{row}");
        }
    }
    assert!(total > 60, "alerts over the reference logs: {total}");
}

#[test]
fn filters_narrow_the_listing() {
    let log = wifite_reference();
    let log = s(&log);
    let stored = stored_alerts(Path::new(log));
    let all: Vec<&Value> = stored.iter().map(|a| &a.3).collect();
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|v| f(v)).count();
    let check = |args: &[&str], f: &dyn Fn(&Value) -> bool| {
        let mut a = vec![log];
        a.extend_from_slice(args);
        let listed = json_list(&a);
        assert!(listed.iter().all(f), "{args:?}: {listed:?}");
        assert_eq!(listed.len(), count(f), "{args:?}");
        assert_eq!(table_rows(&a).len(), listed.len(), "{args:?}");
        listed.len()
    };
    let header = |v: &Value| text_field(v, "header");
    let sev = |v: &Value| field(v, "severity").as_u64().unwrap();

    assert_eq!(
        check(&["--header", "DEAUTHFLOOD"], &|v| header(v)
            == "DEAUTHFLOOD"),
        9
    );
    assert_eq!(
        check(&["--header", "deauthflood"], &|v| header(v)
            == "DEAUTHFLOOD"),
        9
    );
    assert_eq!(
        check(
            &["--header", "DEAUTHFLOOD", "--header", "bcastdiscon"],
            &|v| { header(v) == "DEAUTHFLOOD" || header(v) == "BCASTDISCON" }
        ),
        14
    );
    assert_eq!(check(&["--header", "NOSUCHALERT"], &|_| false), 0);

    // HIGH excludes the MEDIUM floods; names and numbers are the same thing.
    assert_eq!(check(&["--severity", "HIGH"], &|v| sev(v) >= 15), 1);
    assert_eq!(check(&["--severity", "15"], &|v| sev(v) >= 15), 1);
    assert_eq!(check(&["--severity", "medium"], &|v| sev(v) >= 10), 15);
    assert_eq!(check(&["--severity", "INFO"], &|_| true), stored.len());

    assert_eq!(
        check(&["--class", "SYSTEM"], &|v| text_field(v, "class")
            == "SYSTEM"),
        1
    );
    assert_eq!(
        check(&["--class", "SPOOF", "--class", "SYSTEM"], &|v| {
            matches!(text_field(v, "class").as_str(), "SPOOF" | "SYSTEM")
        }),
        2
    );

    // Any of the alert's MACs, any case.
    let client = "6C:AD:F8:77:35:B1";
    let names_client = |v: &Value| {
        ["transmitter_mac", "source_mac", "dest_mac", "other_mac"]
            .iter()
            .any(|k| text_field(v, k) == client)
    };
    let n = check(&["--mac", "6c:ad:f8:77:35:b1"], &names_client);
    assert!(n >= 6, "{n}");
    assert!(n < stored.len());

    // Time bounds are inclusive; seconds with a fraction or a UTC date and time.
    let (sec, usec) = (stored[5].0, stored[5].1);
    let t = |v: &Value| field(v, "timestamp").as_f64().unwrap();
    let at = format!("{sec}.{usec:06}");
    let micros = |v: &Value| {
        stored
            .iter()
            .find(|a| &a.3 == v)
            .map(|a| a.0 * 1_000_000 + a.1)
            .unwrap()
    };
    let bound = sec * 1_000_000 + usec;
    let since = check(&["--since", &at], &|v| micros(v) >= bound);
    let until = check(&["--until", &at], &|v| micros(v) <= bound);
    assert_eq!(since + until, stored.len() + 1);
    let day_start = check(&["--since", "2026-11-22T05:27:00"], &|v| {
        micros(v) >= 1_795_325_220_000_000
    });
    assert!(day_start > 0 && day_start < stored.len());
    assert_eq!(check(&["--until", "2026-11-22"], &|_| false), 0);
    assert_eq!(check(&["--since", "2026-11-22"], &|_| true), stored.len());

    // Everything combined.
    assert_eq!(
        check(
            &[
                "--header",
                "DEAUTHFLOOD",
                "--class",
                "DENIAL",
                "--severity",
                "MEDIUM",
                "--mac",
                client,
                "--since",
                "1795325200",
                "--until",
                "2026-11-22T05:27:06",
            ],
            &|v| header(v) == "DEAUTHFLOOD"
                && names_client(v)
                && t(v) >= 1_795_325_200.0
                && t(v) <= 1_795_325_226.0
        ),
        3
    );
}

#[test]
fn bad_filters_are_refused_clearly() {
    let log = wifite_reference();
    let log = s(&log);
    assert!(alerts_err(&[log, "--severity", "severe"]).contains("--severity"));
    assert!(alerts_err(&[log, "--since", "yesterday"]).contains("--since"));
    assert!(alerts_err(&[log, "--until", "2026-02-30"]).contains("no such date"));
    assert!(alerts_err(&[log, "--mac", "not-a-mac"]).contains("--mac"));
    let e = alerts_err(&["/nonexistent/x.kismet"]);
    assert!(e.contains("/nonexistent/x.kismet"), "{e}");
}

/// A db_version 4 log whose alerts table has no json column, and one whose json is empty.
fn old_log(path: &Path, with_json_column: bool) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
         INSERT INTO KISMET VALUES ('2018.0.0', 4, 'kismetlog');",
    )
    .unwrap();
    if with_json_column {
        c.execute_batch(
            "CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, header TEXT, json BLOB);
             INSERT INTO alerts VALUES (1519000003, 5, 'IEEE802.11', 'AA:BB:CC:DD:EE:01', 0, 0, 'DEAUTHFLOOD', x'');",
        )
        .unwrap();
    } else {
        c.execute_batch(
            "CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, header TEXT);
             INSERT INTO alerts VALUES (1519000003, 5, 'IEEE802.11', 'AA:BB:CC:DD:EE:01', 0, 0, 'DEAUTHFLOOD');",
        )
        .unwrap();
    }
    c.execute_batch(
        "INSERT INTO alerts (ts_sec, ts_usec, phyname, devmac, lat, lon, header) VALUES (1519000002, 2, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 3889770, -7703650, 'APSPOOF');",
    )
    .unwrap();
}

#[test]
fn old_logs_without_json_records_are_listed_from_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    for with_json in [false, true] {
        let path = dir.path().join(format!("old-{with_json}.kismet"));
        old_log(&path, with_json);
        let p = s(&path);
        let listed = json_list(&[p]);
        assert_eq!(listed.len(), 2);
        // Time order, Kismet's keys, GPS columns of v4 in degrees.
        assert_eq!(text_field(&listed[0], "header"), "APSPOOF");
        assert_eq!(
            text_field(&listed[0], "transmitter_mac"),
            "AA:BB:CC:DD:EE:FF"
        );
        assert_eq!(
            field(&listed[0], "timestamp").as_f64().unwrap(),
            1_519_000_002.000002
        );
        let geo = &listed[0]["kismet.alert.location"]["kismet.common.location.geopoint"];
        assert!((geo[0].as_f64().unwrap() + 77.0365).abs() < 1e-9, "{geo}");
        assert!((geo[1].as_f64().unwrap() - 38.8977).abs() < 1e-9, "{geo}");
        assert_eq!(text_field(&listed[1], "header"), "DEAUTHFLOOD");
        let rows = table_rows(&[p]);
        assert_eq!(rows.len(), 2);
        assert!(rows[0].contains("APSPOOF") && rows[0].contains("AA:BB:CC:DD:EE:FF"));
        assert!(
            rows[0].starts_with("2018-02-19 00:26:42.000002"),
            "{}",
            rows[0]
        );
        // Filters on what the columns hold; no severity or class is known.
        assert_eq!(json_list(&[p, "--header", "deauthflood"]).len(), 1);
        assert_eq!(json_list(&[p, "--mac", "aa:bb:cc:dd:ee:01"]).len(), 1);
        assert_eq!(json_list(&[p, "--severity", "INFO"]).len(), 0);
        assert_eq!(json_list(&[p, "--class", "SPOOF"]).len(), 0);
    }
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let log = wifite_reference();
    for extra in [None, Some("--json")] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_osprey"));
        cmd.arg("alerts").arg(&log);
        if let Some(x) = extra {
            cmd.arg(x);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.status.success(), "{err}");
    }
}

/// (ts_sec, ts_usec, dlt, bytes) of the packets table rows with this packetid.
fn packet_rows(log: &Path, id: u64) -> Vec<(i64, i64, i64, Vec<u8>)> {
    let c = Connection::open_with_flags(log, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare(
            "SELECT ts_sec, ts_usec, dlt, packet FROM packets WHERE packetid = ?1 ORDER BY rowid",
        )
        .unwrap();
    let rows = st
        .query_map([id as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// Every frame of a capture, read with the crate's own reader: (interface, dlt, ts, bytes).
fn read_capture(path: &Path) -> Vec<(u32, u32, Timestamp, Vec<u8>)> {
    let mut got = Vec::new();
    osprey_capture::for_each_frame(path, &mut |f| {
        got.push((f.interface, f.dlt, f.ts, f.data.to_vec()));
        osprey_capture::Flow::Continue
    })
    .unwrap();
    got
}

/// Frames tshark reads from a file, or `None` (with a note) when tshark is not installed.
fn tshark_frames(path: &Path) -> Option<usize> {
    let out = match Command::new("tshark").arg("-r").arg(path).output() {
        Ok(o) => o,
        Err(_) => {
            eprintln!(
                "note: tshark is not installed; skipping the tshark check of {}",
                path.display()
            );
            return None;
        }
    };
    assert!(
        out.status.success(),
        "tshark -r {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).lines().count())
}

fn analyze(capture: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["analyze", s(capture), "-o", s(out), "--no-progress"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "analyze: {}", stderr(&o));
}

fn hash_of(v: &Value) -> String {
    field(v, "hash").as_u64().unwrap().to_string()
}

fn evidence_of(v: &Value) -> Vec<u64> {
    v[osprey_alerts::EVIDENCE_KEY]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[test]
fn deauth_flood_evidence_exports_exactly_its_packets() {
    let dir = tempfile::tempdir().unwrap();
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let log = dir.path().join("out.kismet");
    analyze(&capture, &log, &[]);

    let floods = json_list(&[s(&log), "--header", "DEAUTHFLOOD"]);
    assert!(!floods.is_empty());
    for (k, flood) in floods.iter().enumerate() {
        let ids = evidence_of(flood);
        assert_eq!(ids.len(), 11, "a flood is eleven frames: {flood}");
        let out = dir.path().join(format!("evidence-{k}.pcapng"));
        let summary = alerts_ok(&[s(&log), "--evidence", &hash_of(flood), "-o", s(&out)]);
        assert!(summary.contains("11 packet"), "{summary}");

        let frames = read_capture(&out);
        assert_eq!(frames.len(), 11);
        for (frame, id) in frames.iter().zip(&ids) {
            let rows = packet_rows(&log, *id);
            assert_eq!(rows.len(), 1, "packetid {id}");
            let (sec, usec, dlt, bytes) = &rows[0];
            assert_eq!(frame.0, 0, "one datasource, one link type: one interface");
            assert_eq!(i64::from(frame.1), *dlt);
            assert_eq!(frame.2, Timestamp::new(*sec, *usec));
            assert_eq!(&frame.3, bytes, "packetid {id}");
        }
        if let Some(n) = tshark_frames(&out) {
            assert_eq!(n, 11);
        }
    }
    // Nothing but the log and the evidence files: the temporary files were renamed.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 1 + floods.len(), "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

    // An existing file is replaced.
    let out = dir.path().join("evidence-0.pcapng");
    std::fs::write(&out, b"old").unwrap();
    alerts_ok(&[s(&log), "--evidence", &hash_of(&floods[0]), "-o", s(&out)]);
    assert_eq!(read_capture(&out).len(), 11);
}

#[test]
fn evidence_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ev.pcapng");
    let o = s(&out);

    // A Kismet log: alerts have no evidence.
    let kismet = wifite_reference();
    let flood = &json_list(&[s(&kismet), "--header", "DEAUTHFLOOD"])[0];
    let e = alerts_err(&[s(&kismet), "--evidence", &hash_of(flood), "-o", o]);
    assert!(e.contains("no evidence") && e.contains("Kismet"), "{e}");
    assert!(e.contains(s(&kismet)), "{e}");

    // No such hash; not a hash.
    let e = alerts_err(&[s(&kismet), "--evidence", "12345", "-o", o]);
    assert!(e.contains("no alert has hash 12345"), "{e}");
    let e = alerts_err(&[s(&kismet), "--evidence", "DEAUTHFLOOD", "-o", o]);
    assert!(e.contains("--evidence"), "{e}");
    // -o is required.
    alerts_err(&[s(&kismet), "--evidence", "12345"]);

    // A log written without packets.
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let nopackets = dir.path().join("nopackets.kismet");
    analyze(&capture, &nopackets, &["--no-packets"]);
    let flood = &json_list(&[s(&nopackets), "--header", "DEAUTHFLOOD"])[0];
    let e = alerts_err(&[s(&nopackets), "--evidence", &hash_of(flood), "-o", o]);
    assert!(
        e.contains("not logged") && e.contains("--no-packets"),
        "{e}"
    );

    // A log from which some of the packets were removed.
    let log = dir.path().join("some.kismet");
    analyze(&capture, &log, &[]);
    let flood = &json_list(&[s(&log), "--header", "DEAUTHFLOOD"])[0];
    let ids = evidence_of(flood);
    let c = Connection::open(&log).unwrap();
    for id in &ids[3..5] {
        c.execute("DELETE FROM packets WHERE packetid = ?1", [*id as i64])
            .unwrap();
    }
    drop(c);
    let e = alerts_err(&[s(&log), "--evidence", &hash_of(flood), "-o", o]);
    assert!(e.contains("2 of its 11 packets"), "{e}");
    assert!(e.contains(&ids[3].to_string()), "{e}");

    // No output file, no temporary file.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pcapng"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn evidence_gets_one_interface_per_datasource_and_link_type() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("synthetic.kismet");
    let src_a = Uuid::kismet_source("kismet_cap_linux_wifi", "wlan0");
    let src_b = Uuid::kismet_source("kismet_cap_linux_wifi", "wlan1");
    let mut w = Writer::create(&log, WriterOptions::default()).unwrap();
    for (uuid, iface) in [(src_a, "wlan0"), (src_b, "wlan1")] {
        w.insert_datasource(&DatasourceRow {
            uuid,
            typestring: "linuxwifi".into(),
            definition: iface.into(),
            name: iface.into(),
            interface: iface.into(),
            json: Cow::Borrowed(b"{}"),
        })
        .unwrap();
    }
    // (packetid, source, dlt, gps)
    let plan: [(u64, Uuid, i32, bool); 6] = [
        (10, src_a, 127, true),
        (11, src_b, 127, false),
        (12, src_a, 105, true),
        (13, src_a, 127, false),
        (14, src_b, 127, true),
        (15, src_a, 127, false), // not evidence
    ];
    for (id, src, dlt, gps) in plan {
        let bytes: Vec<u8> = (0..(20 + id as usize))
            .map(|b| (b as u8) ^ (id as u8))
            .collect();
        w.insert_packet(&PacketRow {
            ts: Timestamp::new(1_700_000_000 + id as i64, 1000 * id as i64),
            phyname: "IEEE802.11".into(),
            sourcemac: MacAddr::new([2, 0, 0, 0, 0, id as u8]),
            destmac: MacAddr::BROADCAST,
            transmac: MacAddr::ZERO,
            frequency: 2_412_000.0,
            devkey: "0".into(),
            gps: if gps {
                GpsFix {
                    lat: 51.5,
                    lon: -0.125,
                    alt: 30.0,
                    speed: 0.0,
                    heading: 0.0,
                }
            } else {
                GpsFix::default()
            },
            packet_len: bytes.len() as i64,
            signal: -50,
            datasource: src,
            dlt,
            packet: Cow::Owned(bytes.clone()),
            error: false,
            tags: "DOT11_DEAUTHENTICATION".into(),
            datarate: 1.0,
            hash: id as u32,
            packetid: id,
            packet_full_len: bytes.len() as i64 + 4,
        })
        .unwrap();
    }
    let json = format!(
        "{{\"kismet.alert.header\": \"DEAUTHFLOOD\",\"kismet.alert.class\": \"DENIAL\",\
         \"kismet.alert.hash\": 4242,\"kismet.alert.severity\": 10,\"kismet.alert.timestamp\": 1700000014.014,\
         \"kismet.alert.text\": \"test\",\"{}\": [10, 11, 12, 13, 14]}}",
        osprey_alerts::EVIDENCE_KEY
    );
    w.insert_alert(&AlertRow {
        ts: Timestamp::new(1_700_000_014, 14_000),
        phyname: "IEEE802.11".into(),
        devmac: MacAddr::new([2, 0, 0, 0, 0, 14]),
        lat: 0.0,
        lon: 0.0,
        header: "DEAUTHFLOOD".into(),
        json: Cow::Owned(json.into_bytes()),
    })
    .unwrap();
    w.close().unwrap();

    let out = dir.path().join("sub").join("ev.pcapng");
    std::fs::create_dir(out.parent().unwrap()).unwrap();
    alerts_ok(&[s(&log), "--evidence", "4242", "-o", s(&out)]);
    let frames = read_capture(&out);
    let ifaces: Vec<(u32, u32)> = frames.iter().map(|f| (f.0, f.1)).collect();
    // Interfaces in first-seen order: (a,127)=0, (b,127)=1, (a,105)=2.
    assert_eq!(
        ifaces,
        vec![(0, 127), (1, 127), (2, 105), (0, 127), (1, 127)]
    );
    for (f, id) in frames.iter().zip(10u64..) {
        assert_eq!(
            f.2,
            Timestamp::new(1_700_000_000 + id as i64, 1000 * id as i64)
        );
        assert_eq!(f.3, packet_rows(&log, id)[0].3);
    }
    if tshark_frames(&out).is_some() {
        // tshark names the interfaces after the datasources and keeps the comments.
        let o = Command::new("tshark")
            .arg("-r")
            .arg(&out)
            .args([
                "-T",
                "fields",
                "-e",
                "frame.interface_name",
                "-e",
                "frame.comment",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[0].starts_with("wlan0\t") && lines[1].starts_with("wlan1\t"),
            "{text}"
        );
        assert!(lines[0].contains("packetid 10"), "{text}");
    }
}
