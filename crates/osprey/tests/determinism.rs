//! Times of devices (and everything else logged from packets) come from the capture, so two
//! runs over the same capture write the same rows. Only the SYSTEM snapshot (run time, server
//! UUID) and the log's own path in the "Opened kismetdb log file" message differ.

mod common;

use std::path::Path;

use common::{run, shared_data};

fn dump(log: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open_with_flags(log, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut out = Vec::new();
    for (table, sql) in [
        ("devices", "SELECT first_time, last_time, devkey, phyname, devmac, strongest_signal, bytes_data, type, hex(device) FROM devices ORDER BY devkey"),
        ("packets", "SELECT ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, frequency, signal, datasource, dlt, hex(packet), error, datarate, hash, packetid, packet_full_len FROM packets ORDER BY rowid"),
        ("datasources", "SELECT uuid, typestring, definition, name, interface, hex(json) FROM datasources"),
        ("alerts", "SELECT ts_sec, ts_usec, header, hex(json) FROM alerts ORDER BY rowid"),
        ("messages", "SELECT ts_sec, msgtype, message FROM messages ORDER BY rowid"),
        ("data", "SELECT ts_sec, ts_usec, type, hex(json) FROM data ORDER BY rowid"),
    ] {
        let mut s = c.prepare(sql).unwrap();
        let n = s.column_count();
        let rows = s
            .query_map([], |r| {
                let cols: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".into(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Real(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                    })
                    .collect();
                Ok(format!("{table}: {}", cols.join("|")))
            })
            .unwrap();
        for r in rows {
            out.push(r.unwrap().replace(&log.display().to_string(), "<log>"));
        }
    }
    out
}

#[test]
fn two_runs_over_the_same_capture_write_the_same_rows() {
    for cap in [
        "radiotap/wireshark_wpa-Induction.pcap",
        "raw80211/wifite2_handshake_not_exists.cap",
        "ble/bsniffhub_sc-justworks.pcap",
    ] {
        let cap = shared_data().join(cap);
        let dir = tempfile::tempdir().unwrap();
        let mut dumps = Vec::new();
        for name in ["a.kismet", "b.kismet"] {
            let out = dir.path().join(name);
            let o = run(&[
                "analyze",
                "-o",
                out.to_str().unwrap(),
                cap.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            dumps.push(dump(&out));
        }
        assert!(
            dumps[0].iter().any(|r| r.starts_with("devices:")),
            "{}: no devices",
            cap.display()
        );
        assert!(dumps[0].iter().any(|r| r.starts_with("messages:")));
        assert_eq!(dumps[0], dumps[1], "{}", cap.display());
        // Device times are capture times (2007 for this capture), not the run's.
        let first = dumps[0].iter().find(|r| r.starts_with("devices:")).unwrap();
        let t: i64 = first["devices: ".len()..]
            .split('|')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(t < 1_700_000_000, "{first}");
    }
}
