//! Every alert Kismet 2025-09-R1 logged for the shared captures: its hash is what
//! `alert_hash` computes from its fields, and rebuilding the record gives byte-identical JSON.

use std::path::PathBuf;

use kismetdb::{MacAddr, Timestamp};
use osprey_alerts::{alert_hash, Alert, Severity};

fn shared() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

#[test]
fn hashes_and_json_match_kismets_alerts() {
    let mut n = 0;
    let mut headers = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(shared().join("reference")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "kismet") {
            continue;
        }
        let c = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut s = c
            .prepare("SELECT ts_sec, ts_usec, json FROM alerts")
            .unwrap();
        let rows = s
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (sec, usec, json) = row.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let g = |k: &str| v[format!("kismet.alert.{k}")].clone();
            let mac = |k: &str| g(k).as_str().unwrap().parse::<MacAddr>().unwrap();
            let header = g("header").as_str().unwrap().to_string();
            let severity = Severity::from_number(g("severity").as_u64().unwrap()).unwrap();
            let phy = g("phy_id").as_u64().unwrap() as u32 as i32 as i64;
            let timestamp = g("timestamp").as_f64().unwrap();
            let channel = g("channel").as_str().unwrap().to_string();
            let hash = alert_hash(
                &header,
                severity.number(),
                phy,
                timestamp,
                mac("transmitter_mac"),
                mac("source_mac"),
                mac("dest_mac"),
                mac("other_mac"),
                &channel,
            );
            assert_eq!(
                u64::from(hash),
                g("hash").as_u64().unwrap(),
                "{}: {header}",
                path.display()
            );
            // Kismet splits the double with modf and truncates, so its ts_usec may be 1 µs below
            // the microseconds its JSON prints; the alert's own time is the rounded value.
            let ts = Timestamp::new(
                timestamp.trunc() as i64,
                (timestamp.fract() * 1e6).round() as i64,
            );
            assert_eq!(ts.sec, sec);
            assert!((ts.usec - usec).abs() <= 1, "{} {usec}", ts.usec);
            let rebuilt = Alert {
                header: header.clone(),
                class: g("class").as_str().unwrap().to_string(),
                severity,
                phy,
                ts,
                transmitter: mac("transmitter_mac"),
                source: mac("source_mac"),
                dest: mac("dest_mac"),
                other: mac("other_mac"),
                channel,
                frequency: g("frequency").as_f64().unwrap(),
                text: g("text").as_str().unwrap().to_string(),
                location: None,
                hash,
                evidence: Vec::new(),
            };
            assert_eq!(
                rebuilt.to_kismet_json(),
                String::from_utf8(json).unwrap(),
                "{}",
                path.display()
            );
            headers.insert(header);
            n += 1;
        }
    }
    assert!(n >= 80, "{n} alerts");
    assert!(headers.len() >= 5, "{headers:?}");
}
