//! Versions with no real sample here are built from the schema history in the kismetdb spec
//! (§3): v4 stored GPS as integers × 100 000 and had no alt/speed/heading; v5 made GPS REAL
//! degrees and added alt/speed/heading; v6 added tags; v7 datarate; v8 hash and packetid;
//! v9 packet_full_len; v10 data.signal. v2 devices may lack devkey; v1 packets had devmac.

use kismetdb::*;
use rusqlite::{params, Connection};

fn make(
    dir: &std::path::Path,
    name: &str,
    version: i64,
    ddl: &[&str],
) -> (std::path::PathBuf, Connection) {
    let path = dir.join(name);
    let c = Connection::open(&path).unwrap();
    c.execute(
        "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT)",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO KISMET VALUES ('2018.0.0', ?1, 'kismetlog')",
        params![version],
    )
    .unwrap();
    for d in ddl {
        c.execute(d, []).unwrap();
    }
    (path, c)
}

const V4: &[&str] = &[
    "CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat INT, min_lon INT, max_lat INT, max_lon INT, avg_lat INT, avg_lon INT, bytes_data INT, type TEXT, device BLOB, UNIQUE(phyname, devmac) ON CONFLICT REPLACE)",
    "CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT, transmac TEXT, frequency REAL, devkey TEXT, lat INT, lon INT, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT)",
    "CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, datasource TEXT, type TEXT, json BLOB)",
    "CREATE TABLE datasources (uuid TEXT, typestring TEXT, definition TEXT, name TEXT, interface TEXT, json BLOB, UNIQUE(uuid) ON CONFLICT REPLACE)",
    "CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, header TEXT, json BLOB)",
    "CREATE TABLE messages (ts_sec INT, lat INT, lon INT, msgtype TEXT, message TEXT)",
    "CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat INT, lon INT, snaptype TEXT, json BLOB)",
];

#[test]
fn v4_gps_is_integer_times_100000() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = make(dir.path(), "v4.kismet", 4, V4);
    c.execute(
        "INSERT INTO packets VALUES (1519000000, 42, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', 2412000, '0', 3889770, -7703650, 3, -70, '5FE308BD-0000-0000-0000-000E8E5C8866', 127, x'800000', 0)",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO devices VALUES (1519000000, 1519000100, '4202770D00000000_FFEEDDCCBBAA0000', 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', -40, 3889000, -7704000, 3890000, -7703000, 3889500, -7703500, 10, 'Wi-Fi AP', x'7b7d')",
        [],
    )
    .unwrap();
    c.execute("INSERT INTO data VALUES (1519000001, 1, 'RTL433', '00:00:00:00:00:00', 3889770, -7703650, '00000000-0000-0000-0000-000000000000', 'RTL433', '{}')", []).unwrap();
    c.execute("INSERT INTO alerts VALUES (1519000002, 2, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 3889770, -7703650, 'APSPOOF', x'7b7d')", []).unwrap();
    c.execute(
        "INSERT INTO messages VALUES (1519000003, 3889770, -7703650, 'INFO', 'm')",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO snapshots VALUES (1519000004, 4, 3889770, -7703650, 'GPS', '{}')",
        [],
    )
    .unwrap();
    drop(c);

    let r = Reader::open(&path).unwrap();
    assert_eq!(r.version(), 4);
    assert!(r.gps_is_normalized_int());
    let p = r.packets().unwrap().rows().next().unwrap().unwrap();
    assert!((p.gps.lat - 38.8977).abs() < 1e-9, "{}", p.gps.lat);
    assert!((p.gps.lon + 77.0365).abs() < 1e-9);
    assert_eq!((p.gps.alt, p.gps.speed, p.gps.heading), (0.0, 0.0, 0.0));
    assert_eq!(p.tags, "");
    assert_eq!((p.datarate, p.hash, p.packetid), (0.0, 0, 0));
    assert_eq!(
        p.packet_full_len, 3,
        "no original length before v9: the stored length stands in"
    );
    assert_eq!(p.sourcemac.to_string(), "AA:BB:CC:DD:EE:FF");
    let d = r.devices().unwrap().rows().next().unwrap().unwrap();
    assert!((d.min_lat - 38.89).abs() < 1e-9 && (d.avg_lon + 77.035).abs() < 1e-9);
    // The 2018–2020 key form (MAC in the low 48 bits) still parses.
    assert_eq!(
        d.devkey.unwrap().to_string(),
        "4202770D00000000_FFEEDDCCBBAA0000"
    );
    let data = r.data().unwrap().rows().next().unwrap().unwrap();
    assert!((data.gps.lat - 38.8977).abs() < 1e-9);
    let a = r.alerts().unwrap().rows().next().unwrap().unwrap();
    assert!((a.lat - 38.8977).abs() < 1e-9);
    let m = r.messages().unwrap().rows().next().unwrap().unwrap();
    assert!((m.lon + 77.0365).abs() < 1e-9);
    let s = r.snapshots().unwrap().rows().next().unwrap().unwrap();
    assert!((s.lat - 38.8977).abs() < 1e-9);
}

#[test]
fn v5_and_v6_gps_is_real_degrees() {
    for (version, tags) in [(5, false), (6, true)] {
        let dir = tempfile::tempdir().unwrap();
        let packets = format!(
            "CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT, transmac TEXT, frequency REAL, devkey TEXT, lat REAL, lon REAL, alt REAL, speed REAL, heading REAL, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT{})",
            if tags { ", tags TEXT" } else { "" }
        );
        let (path, c) = make(dir.path(), "v.kismet", version, &[&packets]);
        c.execute(
            &format!(
                "INSERT INTO packets VALUES (1550000000, 1, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', 5180000, '0', 38.8977, -77.0365, 12.5, 3.0, 270.0, 2, -50, '00000000-0000-0000-0000-000000000000', 105, x'0800', 1{})",
                if tags { ", 'DOT11_WPAHANDSHAKE'" } else { "" }
            ),
            [],
        )
        .unwrap();
        drop(c);
        let r = Reader::open(&path).unwrap();
        assert!(!r.gps_is_normalized_int());
        let p = r.packets().unwrap().rows().next().unwrap().unwrap();
        assert_eq!(
            (p.gps.lat, p.gps.lon, p.gps.alt, p.gps.speed, p.gps.heading),
            (38.8977, -77.0365, 12.5, 3.0, 270.0)
        );
        assert!(p.error);
        assert_eq!(p.tags, if tags { "DOT11_WPAHANDSHAKE" } else { "" });
        // Tables missing from this hand-made file are reported, not invented.
        let e = r.count(Table::Devices).unwrap_err();
        assert!(
            e.to_string().contains("devices") && e.to_string().contains("missing"),
            "{e}"
        );
    }
}

#[test]
fn v2_devices_without_devkey_and_v1_packets_with_devmac() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = make(
        dir.path(),
        "v1.kismet",
        1,
        &[
            "CREATE TABLE devices (first_time INT, last_time INT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat INT, min_lon INT, max_lat INT, max_lon INT, avg_lat INT, avg_lon INT, bytes_data INT, type TEXT, device BLOB)",
            "CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT)",
        ],
    );
    c.execute("INSERT INTO devices VALUES (1, 2, 'IEEE802.11', '00:11:22:33:44:55', -30, 0, 0, 0, 0, 0, 0, 0, 'Wi-Fi AP', x'')", []).unwrap();
    c.execute("INSERT INTO packets VALUES (1, 2, 'IEEE802.11', '00:11:22:33:44:55', 100000, 200000, 1, -30, '00000000-0000-0000-0000-000000000000', 127, x'00', 0)", []).unwrap();
    drop(c);
    let r = Reader::open(&path).unwrap();
    let d = r.devices().unwrap().rows().next().unwrap().unwrap();
    assert_eq!(d.devkey, None);
    assert_eq!(d.devmac.to_string(), "00:11:22:33:44:55");
    let p = r.packets().unwrap().rows().next().unwrap().unwrap();
    assert_eq!(p.sourcemac.to_string(), "00:11:22:33:44:55");
    assert_eq!(p.destmac, MacAddr::ZERO);
    assert_eq!((p.gps.lat, p.gps.lon), (1.0, 2.0));
}

#[test]
fn v10_data_table_with_signal_column_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = make(
        dir.path(),
        "v10.kismet",
        10,
        &["CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat REAL, lon REAL, alt REAL, speed REAL, heading REAL, datasource TEXT, type TEXT, json BLOB, signal INT )"],
    );
    c.execute("INSERT INTO data VALUES (5, 6, 'Bluetooth', 'AA:BB:CC:DD:EE:FF', 0, 0, 0, 0, 0, '00000000-0000-0000-0000-000000000000', 'linuxbthci', '{\"a\":1}', -60)", []).unwrap();
    drop(c);
    let r = Reader::open(&path).unwrap();
    let d = r.data().unwrap().rows().next().unwrap().unwrap();
    assert_eq!(d.data_type, "linuxbthci");
    assert_eq!(&*d.json, b"{\"a\":1}");
}

#[test]
fn stripped_packets_and_odd_values_decode() {
    // kismetdb_strip_packets rewrites packet to '' (TEXT); versions may be stored as text.
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = make(
        dir.path(),
        "s.kismet",
        9,
        &[kismetdb::schema::CREATE_TABLES[1]],
    );
    c.execute("UPDATE KISMET SET db_version = '9'", []).unwrap();
    c.execute("INSERT INTO packets (ts_sec, ts_usec, phyname, sourcemac, packet, packet_len, hash) VALUES (1, 2, 'IEEE802.11', 'aa:bb:cc:dd:ee:ff', '', 10, -1)", []).unwrap();
    drop(c);
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.version(), 9);
    let p = r.packets().unwrap().rows().next().unwrap().unwrap();
    assert!(p.packet.is_empty());
    assert_eq!(p.packet_len, 10);
    assert_eq!(p.hash, u32::MAX);
    assert_eq!(p.sourcemac.to_string(), "AA:BB:CC:DD:EE:FF");
    assert_eq!(
        p.destmac,
        MacAddr::ZERO,
        "NULL reads as Kismet's zero value"
    );
}

#[test]
fn a_bad_value_names_file_table_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = make(
        dir.path(),
        "bad.kismet",
        9,
        &[kismetdb::schema::CREATE_TABLES[1]],
    );
    for mac in ["AA:BB:CC:DD:EE:FF", "not-a-mac", "11:22:33:44:55:66"] {
        c.execute(
            "INSERT INTO packets (ts_sec, sourcemac) VALUES (1, ?1)",
            [mac],
        )
        .unwrap();
    }
    drop(c);
    let r = Reader::open(&path).unwrap();
    let results: Vec<_> = r.packets().unwrap().rows().collect();
    assert_eq!(results.len(), 3, "iteration goes on past a bad row");
    assert!(results[0].is_ok() && results[2].is_ok());
    let e = results[1].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("bad.kismet")
            && e.contains("packets")
            && e.contains("rowid 2")
            && e.contains("sourcemac"),
        "{e}"
    );
}
