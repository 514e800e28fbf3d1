//! The reader on real Kismet logs: v7 and v8 from the field, and the v9 logs Kismet 2025-09-R1
//! wrote for every shared capture. Every typed field is checked against direct SQL.

mod common;

use std::path::Path;

use kismetdb::*;
use rusqlite::types::Value;

fn all_logs() -> Vec<std::path::PathBuf> {
    let mut v = common::old_real_logs();
    v.extend(common::reference_logs());
    v
}

/// Rows of `sql` as plain SQLite values, in order.
fn direct(path: &Path, sql: &str) -> Vec<Vec<Value>> {
    let c = common::raw(path);
    let mut s = c.prepare(sql).unwrap();
    let n = s.column_count();
    s.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(n) => *n,
        Value::Null => 0,
        other => panic!("not an integer: {other:?}"),
    }
}
fn real(v: &Value) -> f64 {
    match v {
        Value::Real(f) => *f,
        Value::Integer(n) => *n as f64,
        Value::Null => 0.0,
        other => panic!("not a number: {other:?}"),
    }
}
fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Null => String::new(),
        other => panic!("not text: {other:?}"),
    }
}
fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Blob(b) => b.clone(),
        Value::Text(s) => s.as_bytes().to_vec(),
        Value::Null => Vec::new(),
        other => panic!("not bytes: {other:?}"),
    }
}

#[test]
fn meta_and_row_counts_match_direct_sql() {
    for path in all_logs() {
        let r = Reader::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let meta = direct(
            &path,
            "SELECT kismet_version, db_version, db_module FROM KISMET",
        );
        assert_eq!(r.meta().kismet_version, text(&meta[0][0]));
        assert_eq!(i64::from(r.version()), int(&meta[0][1]));
        assert_eq!(r.meta().db_module, "kismetlog");
        for t in Table::ALL {
            let n = int(&direct(&path, &format!("SELECT count(*) FROM {t}"))[0][0]);
            assert_eq!(r.count(t).unwrap() as i64, n, "{} {t}", path.display());
        }
    }
    let v: Vec<u32> = common::old_real_logs()
        .iter()
        .map(|p| Reader::open(p).unwrap().version())
        .collect();
    assert_eq!(v, vec![7, 8]);
}

#[test]
fn packets_match_direct_sql() {
    let mut total = 0;
    for path in all_logs() {
        let r = Reader::open(&path).unwrap();
        let has_full = r
            .columns(Table::Packets)
            .unwrap()
            .iter()
            .any(|c| c == "packet_full_len");
        let sql = format!(
            "SELECT ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, frequency, devkey, lat, lon, alt, speed, heading, packet_len, signal, datasource, dlt, packet, error, tags, datarate, {} FROM packets ORDER BY rowid",
            if has_full { "hash, packetid, packet_full_len" } else { "0, 0, packet_len" }
        );
        let want = direct(&path, &sql);
        let got: Vec<PacketRow<'static>> =
            r.packets().unwrap().rows().collect::<Result<_>>().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.ts, Timestamp::new(int(&w[0]), int(&w[1])));
            assert_eq!(g.phyname, text(&w[2]));
            assert_eq!(g.sourcemac.to_string(), text(&w[3]));
            assert_eq!(g.destmac.to_string(), text(&w[4]));
            assert_eq!(g.transmac.to_string(), text(&w[5]));
            assert_eq!(g.frequency, real(&w[6]));
            assert_eq!(g.devkey, text(&w[7]));
            assert_eq!(
                (g.gps.lat, g.gps.lon, g.gps.alt, g.gps.speed, g.gps.heading),
                (
                    real(&w[8]),
                    real(&w[9]),
                    real(&w[10]),
                    real(&w[11]),
                    real(&w[12])
                )
            );
            assert_eq!(g.packet_len, int(&w[13]));
            assert_eq!(g.packet_len as usize, g.packet.len());
            assert_eq!(i64::from(g.signal), int(&w[14]));
            assert_eq!(g.datasource.to_string(), text(&w[15]));
            assert_eq!(i64::from(g.dlt), int(&w[16]));
            assert_eq!(&*g.packet, &bytes(&w[17])[..]);
            assert_eq!(g.error, int(&w[18]) != 0);
            assert_eq!(g.tags, text(&w[19]));
            assert_eq!(g.datarate, real(&w[20]));
            assert_eq!(g.hash as i32 as i64, int(&w[21]));
            assert_eq!(g.packetid as i64, int(&w[22]));
            assert_eq!(g.packet_full_len, int(&w[23]));
        }
        // The borrowing interface sees the same rows.
        let mut n = 0usize;
        let mut bytes_seen = 0usize;
        r.packets()
            .unwrap()
            .for_each(|p| -> Result<()> {
                n += 1;
                bytes_seen += p.packet.len();
                Ok(())
            })
            .unwrap();
        assert_eq!(n, got.len());
        assert_eq!(
            bytes_seen,
            got.iter().map(|p| p.packet.len()).sum::<usize>()
        );
        total += n;
    }
    assert!(
        total > 25_000,
        "the reference logs hold tens of thousands of packets, saw {total}"
    );
}

#[test]
fn packets_by_time_are_sorted() {
    let path = common::shared_data().join("reference/wireshark_wpa-Induction.kismet");
    let r = Reader::open(&path).unwrap();
    let rows: Vec<_> = r
        .packets_by_time()
        .unwrap()
        .rows()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), 1093);
    assert!(rows.windows(2).all(|w| w[0].ts <= w[1].ts));
    // In file order they are not sorted (Kismet logs in processing order).
    let file_order: Vec<_> = r.packets().unwrap().rows().collect::<Result<_>>().unwrap();
    assert!(file_order.windows(2).any(|w| w[0].ts > w[1].ts));
}

#[test]
fn devices_match_direct_sql_and_keys_match_macs() {
    let mut total = 0;
    for path in all_logs() {
        let r = Reader::open(&path).unwrap();
        let want = direct(
            &path,
            "SELECT first_time, last_time, devkey, phyname, devmac, strongest_signal, min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon, bytes_data, type, device FROM devices ORDER BY rowid",
        );
        let got: Vec<DeviceRow<'static>> =
            r.devices().unwrap().rows().collect::<Result<_>>().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.first_time, g.last_time), (int(&w[0]), int(&w[1])));
            let key = g.devkey.expect("v9 devices have keys");
            assert_eq!(key.to_string(), text(&w[2]));
            assert_eq!(g.phyname, text(&w[3]));
            assert_eq!(g.devmac.to_string(), text(&w[4]));
            // Kismet's key for a MAC-keyed phy is derived from phy name and MAC.
            assert_eq!(
                key,
                DeviceKey::new(&g.phyname, g.devmac),
                "{}",
                path.display()
            );
            assert_eq!(i64::from(g.strongest_signal), int(&w[5]));
            let gps = [
                g.min_lat, g.min_lon, g.max_lat, g.max_lon, g.avg_lat, g.avg_lon,
            ];
            let want_gps: Vec<f64> = (6..12).map(|i| real(&w[i])).collect();
            assert_eq!(gps.to_vec(), want_gps);
            assert_eq!(g.bytes_data, int(&w[12]));
            assert_eq!(g.device_type, text(&w[13]));
            assert_eq!(&*g.device, &bytes(&w[14])[..]);
        }
        total += got.len();
    }
    assert!(total > 150, "{total}");
}

#[test]
fn other_tables_match_direct_sql() {
    for path in all_logs() {
        let r = Reader::open(&path).unwrap();

        let want = direct(&path, "SELECT ts_sec, ts_usec, phyname, devmac, lat, lon, header, json FROM alerts ORDER BY rowid");
        let got: Vec<_> = r.alerts().unwrap().rows().collect::<Result<_>>().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.ts, Timestamp::new(int(&w[0]), int(&w[1])));
            assert_eq!(g.phyname, text(&w[2]));
            assert_eq!(g.devmac.to_string(), text(&w[3]));
            assert_eq!((g.lat, g.lon), (real(&w[4]), real(&w[5])));
            assert_eq!(g.header, text(&w[6]));
            assert_eq!(&*g.json, &bytes(&w[7])[..]);
        }

        let want = direct(
            &path,
            "SELECT ts_sec, lat, lon, msgtype, message FROM messages ORDER BY rowid",
        );
        let got: Vec<_> = r.messages().unwrap().rows().collect::<Result<_>>().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.ts_sec, int(&w[0]));
            assert_eq!((g.lat, g.lon), (real(&w[1]), real(&w[2])));
            assert_eq!(g.msgtype, text(&w[3]));
            assert_eq!(g.message, text(&w[4]));
        }

        let want = direct(
            &path,
            "SELECT ts_sec, ts_usec, lat, lon, snaptype, json FROM snapshots ORDER BY rowid",
        );
        let got: Vec<_> = r
            .snapshots()
            .unwrap()
            .rows()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.ts, Timestamp::new(int(&w[0]), int(&w[1])));
            assert_eq!((g.lat, g.lon), (real(&w[2]), real(&w[3])));
            assert_eq!(g.snaptype, text(&w[4]));
            assert_eq!(&*g.json, &bytes(&w[5])[..]);
        }

        let want = direct(&path, "SELECT uuid, typestring, definition, name, interface, json FROM datasources ORDER BY rowid");
        let got: Vec<_> = r
            .datasources()
            .unwrap()
            .rows()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.uuid.to_string(), text(&w[0]));
            assert_eq!(g.typestring, text(&w[1]));
            assert_eq!(g.definition, text(&w[2]));
            assert_eq!(g.name, text(&w[3]));
            assert_eq!(g.interface, text(&w[4]));
            assert_eq!(&*g.json, &bytes(&w[5])[..]);
        }

        let n_data = r.data().unwrap().rows().count();
        assert_eq!(n_data as u64, r.count(Table::Data).unwrap());
    }
}

#[test]
fn known_values_of_one_reference_log() {
    let path = common::shared_data().join("reference/krack_example-tptk-attack.kismet");
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.meta().kismet_version, "2025.09.0");
    assert_eq!(r.count(Table::Packets).unwrap(), 285);
    assert_eq!(r.count(Table::Devices).unwrap(), 2);
    assert_eq!(
        r.time_range(Table::Packets).unwrap(),
        Some((1_507_043_001, 1_507_043_021))
    );
    let ds: Vec<_> = r
        .datasources()
        .unwrap()
        .rows()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(ds[0].typestring, "pcapfile");
    // The pcapfile helper's UUID: adler32k of the helper name, then of the capture path.
    assert!(ds[0]
        .uuid
        .to_string()
        .starts_with("4E1D07C3-0000-0000-0000-0000"));
    let sys = r
        .first_snapshot("SYSTEM")
        .unwrap()
        .expect("a SYSTEM snapshot");
    assert!(std::str::from_utf8(&sys.json)
        .unwrap()
        .contains("\"kismet.system.version\": \"2025.09.0-b5d5a2d04\""));
    assert!(r.first_snapshot("NO_SUCH_TYPE").unwrap().is_none());
    assert_eq!(r.integrity_check().unwrap(), vec!["ok".to_string()]);
}
