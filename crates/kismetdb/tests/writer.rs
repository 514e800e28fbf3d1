//! The writer produces Kismet's exact schema and storage classes, and commits in bounded
//! batches.

mod common;

use std::borrow::Cow;
use std::time::Duration;

use kismetdb::*;
use rusqlite::Connection;

fn sample_rows_writer(path: &std::path::Path, policy: CommitPolicy) -> Writer {
    Writer::create(
        path,
        WriterOptions {
            commit: policy,
            ..WriterOptions::default()
        },
    )
    .unwrap()
}

fn packet(i: u64) -> PacketRow<'static> {
    PacketRow {
        ts: Timestamp::new(1_700_000_000 + i as i64, 123_456),
        phyname: "IEEE802.11".into(),
        sourcemac: "68:b9:d3:13:c4:4d".parse().unwrap(),
        destmac: MacAddr::BROADCAST,
        transmac: MacAddr::ZERO,
        frequency: 2_437_000.0,
        devkey: "0".into(),
        gps: GpsFix::default(),
        packet_len: 4,
        signal: -61,
        datasource: "4e1d07c3-0000-0000-0000-0000201718c6".parse().unwrap(),
        dlt: 127,
        packet: Cow::Owned(vec![0x80, 0, 0, i as u8]),
        error: false,
        tags: "DOT11_BEACON_SSID".into(),
        datarate: 1.0,
        hash: 0xF000_0001,
        packetid: i,
        packet_full_len: 4,
    }
}

fn one_of_each(w: &mut Writer) {
    let mac: MacAddr = "68:b9:d3:13:c4:4d".parse().unwrap();
    let uuid: Uuid = "4e1d07c3-0000-0000-0000-0000201718c6".parse().unwrap();
    w.insert_device(&DeviceRow {
        first_time: 1_700_000_000,
        last_time: 1_700_000_010,
        devkey: Some(DeviceKey::new("IEEE802.11", mac)),
        phyname: "IEEE802.11".into(),
        devmac: mac,
        strongest_signal: -48,
        min_lat: 0.0,
        min_lon: 0.0,
        max_lat: 0.0,
        max_lon: 0.0,
        avg_lat: 0.0,
        avg_lon: 0.0,
        bytes_data: 1234,
        device_type: "Wi-Fi AP".into(),
        device: Cow::Borrowed(br#"{"kismet.device.base.macaddr": "68:B9:D3:13:C4:4D"}"#),
    })
    .unwrap();
    w.insert_packet(&packet(0)).unwrap();
    w.insert_data(&DataRow {
        ts: Timestamp::new(1_700_000_001, 5),
        phyname: "RFSENSOR".into(),
        devmac: MacAddr::ZERO,
        gps: GpsFix::default(),
        datasource: uuid,
        data_type: "sensor".into(),
        json: Cow::Borrowed(b"{\"model\":\"x\"}"),
    })
    .unwrap();
    w.insert_datasource(&DatasourceRow {
        uuid,
        typestring: "pcapfile".into(),
        definition: "x.pcap:name=pcap".into(),
        name: "pcap".into(),
        interface: "x.pcap".into(),
        json: Cow::Borrowed(b"{}"),
    })
    .unwrap();
    w.insert_alert(&AlertRow {
        ts: Timestamp::new(1_700_000_002, 7),
        phyname: "IEEE802.11".into(),
        devmac: mac,
        lat: 0.0,
        lon: 0.0,
        header: "DEAUTHFLOOD".into(),
        json: Cow::Borrowed(b"{}"),
    })
    .unwrap();
    w.insert_message(&MessageRow {
        ts_sec: 1_700_000_003,
        lat: 0.0,
        lon: 0.0,
        msgtype: "INFO".into(),
        message: "hello".into(),
    })
    .unwrap();
    w.insert_snapshot(&SnapshotRow {
        ts: Timestamp::new(1_700_000_004, 9),
        lat: 0.0,
        lon: 0.0,
        snaptype: "SYSTEM".into(),
        json: Cow::Borrowed(b"{}"),
    })
    .unwrap();
}

fn master(conn: &Connection) -> Vec<(String, String, String, i64, Option<String>)> {
    let mut s = conn
        .prepare("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")
        .unwrap();
    s.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn schema_is_identical_to_kismet_2025_09_r1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let w = sample_rows_writer(&path, CommitPolicy::default());
    w.close().unwrap();
    let ours = master(&common::raw(&path));
    for reference in common::reference_logs() {
        let theirs = master(&common::raw(&reference));
        assert_eq!(
            ours,
            theirs,
            "sqlite_master differs from {}",
            reference.display()
        );
    }
    assert_eq!(ours.len(), 10, "8 tables and 2 automatic indexes");
    let (v, n, m): (String, i64, String) = common::raw(&path)
        .query_row(
            "SELECT kismet_version, db_version, db_module FROM KISMET",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((n, m.as_str()), (9, "kismetlog"));
    assert!(v.starts_with("osprey "), "{v}");
    let count: i64 = common::raw(&path)
        .query_row("SELECT count(*) FROM KISMET", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn clean_close_leaves_one_legacy_format_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(&path, CommitPolicy::default());
    one_of_each(&mut w);
    w.commit().unwrap();
    let journal = dir.path().join("a.kismet-journal");
    assert!(journal.exists(), "PERSIST journal is kept while logging");
    w.close().unwrap();
    assert!(!journal.exists(), "the journal is removed on close");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "one self-contained file");
    let ours = std::fs::read(&path).unwrap();
    let reference =
        std::fs::read(common::shared_data().join("reference/krack_example-tptk-attack.kismet"))
            .unwrap();
    // File format write/read versions (1 = rollback journal, not WAL), schema format, text
    // encoding: as in Kismet's own logs. The page size is Osprey's (Kismet leaves SQLite's 4 KiB
    // default; any SQLite reads either).
    assert_eq!(&reference[16..18], &[0x10, 0x00]);
    assert_eq!(
        &ours[16..18],
        &(kismetdb::writer::PAGE_SIZE as u16).to_be_bytes()
    );
    assert_eq!(&ours[18..20], &reference[18..20]);
    assert_eq!(&ours[18..20], &[1, 1]);
    assert_eq!(&ours[44..48], &reference[44..48]);
    assert_eq!(&ours[56..60], &reference[56..60]);
    let mode: String = common::raw(&path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

/// `SELECT typeof(c1), typeof(c2), ... FROM table LIMIT 1` for every column.
fn storage_classes(conn: &Connection, table: &str) -> Vec<(String, String)> {
    let cols: Vec<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let list: Vec<String> = cols.iter().map(|c| format!("typeof({c})")).collect();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY rowid LIMIT 1",
        list.join(", ")
    );
    conn.query_row(&sql, [], |r| {
        (0..cols.len())
            .map(|i| Ok((cols[i].clone(), r.get::<_, String>(i)?)))
            .collect()
    })
    .unwrap()
}

#[test]
fn storage_classes_match_kismet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(&path, CommitPolicy::default());
    one_of_each(&mut w);
    w.close().unwrap();
    let ours = common::raw(&path);
    // A reference log with rows in every table but data.
    let reference =
        common::raw(&common::shared_data().join("reference/krack_example-tptk-attack.kismet"));
    for table in [
        "devices",
        "packets",
        "datasources",
        "alerts",
        "messages",
        "snapshots",
    ] {
        assert_eq!(
            storage_classes(&ours, table),
            storage_classes(&reference, table),
            "table {table}"
        );
    }
    // No reference log has data rows; Kismet binds data.json as text (spec §2.2).
    let data = storage_classes(&ours, "data");
    let get = |c: &str| data.iter().find(|(n, _)| n == c).unwrap().1.clone();
    assert_eq!(get("json"), "text");
    assert_eq!(get("lat"), "real");
    assert_eq!(get("ts_usec"), "integer");
    assert_eq!(get("type"), "text");
}

#[test]
fn text_encodings_keys_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(&path, CommitPolicy::default());
    one_of_each(&mut w);
    w.close().unwrap();
    let c = common::raw(&path);
    let (devkey, devmac): (String, String) = c
        .query_row("SELECT devkey, devmac FROM devices", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(devkey, "4202770D00000000_4DC413D3B968");
    assert_eq!(devmac, "68:B9:D3:13:C4:4D");
    let (src, dst, uuid, hash, sec, usec, devk): (String, String, String, i64, i64, i64, String) =
        c.query_row(
            "SELECT sourcemac, destmac, datasource, hash, ts_sec, ts_usec, devkey FROM packets",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(src, "68:B9:D3:13:C4:4D");
    assert_eq!(dst, "FF:FF:FF:FF:FF:FF");
    assert_eq!(uuid, "4E1D07C3-0000-0000-0000-0000201718C6");
    assert_eq!(
        hash, 0xF000_0001u32 as i32 as i64,
        "u32 hash stored as signed 32-bit"
    );
    assert!(hash < 0);
    assert_eq!((sec, usec), (1_700_000_000, 123_456));
    assert_eq!(devk, "0");
    // And the reader gives the values back.
    let r = Reader::open(&path).unwrap();
    let rows: Vec<_> = r.packets().unwrap().rows().collect::<Result<_>>().unwrap();
    assert_eq!(rows, vec![packet(0)]);
}

#[test]
fn commits_every_max_rows_and_other_readers_see_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(
        &path,
        CommitPolicy {
            max_interval: Duration::from_secs(3600),
            max_rows: 4,
        },
    );
    for i in 0..10 {
        w.insert_packet(&packet(i)).unwrap();
    }
    let st = w.stats();
    assert_eq!(
        (st.rows_inserted, st.rows_committed, st.commits),
        (10, 8, 2)
    );
    let other = common::raw(&path);
    let n: i64 = other
        .query_row("SELECT count(*) FROM packets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 8, "a second connection sees exactly the committed rows");
    drop(other);
    w.close().unwrap();
    let n: i64 = common::raw(&path)
        .query_row("SELECT count(*) FROM packets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10);
}

#[test]
fn commits_after_max_interval_even_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(
        &path,
        CommitPolicy {
            max_interval: Duration::from_millis(50),
            max_rows: 1_000_000,
        },
    );
    w.insert_packet(&packet(0)).unwrap();
    assert!(!w.tick().unwrap(), "not due yet");
    let count = || -> i64 {
        common::raw(&path)
            .query_row("SELECT count(*) FROM packets", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 0);
    std::thread::sleep(Duration::from_millis(80));
    assert!(w.tick().unwrap(), "due: tick commits");
    assert_eq!(count(), 1);
    // An insert after the interval commits on its own.
    w.insert_packet(&packet(1)).unwrap();
    std::thread::sleep(Duration::from_millis(80));
    w.insert_packet(&packet(2)).unwrap();
    assert_eq!(count(), 3);
    assert_eq!(w.stats().commits, 2);
}

#[test]
fn dropping_an_unclosed_writer_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    {
        let mut w = sample_rows_writer(&path, CommitPolicy::default());
        for i in 0..5 {
            w.insert_packet(&packet(i)).unwrap();
        }
    }
    let n: i64 = common::raw(&path)
        .query_row("SELECT count(*) FROM packets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 5);
    assert!(!dir.path().join("a.kismet-journal").exists());
}

#[test]
fn refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    std::fs::write(&path, b"precious").unwrap();
    let e = Writer::create(&path, WriterOptions::default())
        .err()
        .unwrap();
    assert!(matches!(e, Error::Exists { .. }), "{e}");
    assert!(e.to_string().contains("a.kismet"));
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[test]
fn upserts_devices_and_datasources_like_kismet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kismet");
    let mut w = sample_rows_writer(&path, CommitPolicy::default());
    one_of_each(&mut w);
    one_of_each(&mut w);
    w.close().unwrap();
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.count(Table::Devices).unwrap(), 1);
    assert_eq!(r.count(Table::Datasources).unwrap(), 1);
    assert_eq!(r.count(Table::Packets).unwrap(), 2);
}
