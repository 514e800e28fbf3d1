//! Every shared capture is read completely, and what we read is what Kismet 2025-09-R1 read:
//! the same frames (time, link type, bytes) as the packet rows of its reference log.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

use osprey_capture::{for_each_frame, CaptureError, Flow};

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

fn captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"] {
        for e in std::fs::read_dir(shared().join(dir)).unwrap() {
            v.push(e.unwrap().path());
        }
    }
    v.sort();
    assert_eq!(v.len(), 40);
    v
}

/// Frames keyed by capture time: (dlt, bytes) of each frame with that time.
type Frames = BTreeMap<(i64, i64), Vec<(u32, Vec<u8>)>>;

fn read(path: &Path) -> (Frames, Result<osprey_capture::SourceStats, CaptureError>) {
    let mut frames = Frames::new();
    let r = for_each_frame(path, &mut |f| {
        frames
            .entry((f.ts.sec, f.ts.usec))
            .or_default()
            .push((f.dlt, f.data.to_vec()));
        Flow::Continue
    });
    (frames, r)
}

fn reference(path: &Path) -> Frames {
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let log = shared().join("reference").join(format!("{name}.kismet"));
    let c = rusqlite::Connection::open_with_flags(&log, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut s = c
        .prepare("SELECT ts_sec, ts_usec, dlt, packet FROM packets")
        .unwrap();
    let mut m = Frames::new();
    let rows = s
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (a, b, dlt, bytes) = row.unwrap();
        // Kismet stores a record's microseconds as found, even 1 000 000; we carry it.
        m.entry((a + b / 1_000_000, b % 1_000_000))
            .or_default()
            .push((dlt, bytes));
    }
    m
}

/// The bytes after a radiotap or PPI header (both carry their length as a u16 LE at 2..4).
fn after_radio_header(dlt: u32, b: &[u8]) -> &[u8] {
    match dlt {
        127 | 192 if b.len() >= 4 => {
            let n = usize::from(u16::from_le_bytes([b[2], b[3]]));
            b.get(n..).unwrap_or(&[])
        }
        // Bluetooth LE with the 10-byte pseudo-header: Kismet deduplicates on the LL packet.
        256 => b.get(10..).unwrap_or(&[]),
        _ => b,
    }
}

/// Compares our frames with Kismet's rows. Kismet stores, for a frame it flags as a duplicate
/// (the CRC32 of its 802.11 frame was seen among the last 1024), the bytes of the first copy,
/// radio header included; so a frame may differ from its row in the radio header only, and
/// only when the same 802.11 frame occurs elsewhere in the capture. Returns a description of
/// the differences (empty when none).
fn compare(name: &str, ours: &Frames, theirs: &Frames) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut tails: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    for list in ours.values() {
        for (dlt, b) in list {
            *tails
                .entry(after_radio_header(*dlt, b).to_vec())
                .or_default() += 1;
        }
    }
    let keys: std::collections::BTreeSet<_> = ours.keys().chain(theirs.keys()).collect();
    for k in keys {
        let (mut a, mut b) = (
            ours.get(k).cloned().unwrap_or_default(),
            theirs.get(k).cloned().unwrap_or_default(),
        );
        a.sort();
        b.sort();
        if a.len() != b.len() {
            diffs.push(format!(
                "{name} {k:?}: {} frames read, {} rows",
                a.len(),
                b.len()
            ));
            continue;
        }
        for ((da, ba), (db, bb)) in a.iter().zip(&b) {
            let (ta, tb) = (after_radio_header(*da, ba), after_radio_header(*db, bb));
            // A duplicate whose first copy was captured with (or without) its FCS: the same
            // 802.11 frame, 4 bytes longer or shorter.
            let fcs_variant = ta == tb
                || (ta.len() == tb.len() + 4 && ta.starts_with(tb))
                || (tb.len() == ta.len() + 4 && tb.starts_with(ta));
            if da != db || (ba.len() != bb.len() && !fcs_variant) {
                diffs.push(format!(
                    "{name} {k:?}: dlt/len {da}/{} vs {db}/{}",
                    ba.len(),
                    bb.len()
                ));
            } else if fcs_variant && ba != bb {
                // Same 802.11 frame with another copy's radio header (and maybe FCS): only
                // acceptable when that frame occurs more than once.
                let n = tails.get(ta).copied().unwrap_or(0) + tails.get(tb).copied().unwrap_or(0);
                if n < 2 {
                    diffs.push(format!(
                        "{name} {k:?}: bytes differ and the frame is not repeated"
                    ));
                }
            } else if ba != bb {
                let tail = after_radio_header(*da, ba);
                let dup = tail == after_radio_header(*db, bb)
                    && tails.get(tail).copied().unwrap_or(0) > 1;
                if !dup {
                    diffs.push(format!(
                        "{name} {k:?}: bytes differ beyond the radio header"
                    ));
                }
            }
        }
    }
    diffs
}

/// Files whose end is damaged (MANIFEST.md): (name, offset of the damaged record).
fn expected_damage(name: &str) -> Option<&'static str> {
    match name {
        "aircrack_pmkid-not-recognized.cap" => Some("truncated"),
        "wifite2_handshake_has_1234.cap" => Some("truncated"),
        "scapy_bad_rsn_parsing_overrides_ssid.pcap" => Some("trailing byte"),
        _ => None,
    }
}

#[test]
fn every_shared_capture_reads_like_kismet_read_it() {
    let mut total = 0usize;
    for path in captures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (ours, result) = read(&path);
        match (expected_damage(&name), result) {
            (None, Ok(stats)) => assert_eq!(
                stats.frames as usize,
                ours.values().map(Vec::len).sum::<usize>()
            ),
            (Some(what), Err(e)) => {
                let msg = e.to_string();
                assert!(
                    e.is_partial()
                        && msg.contains(&name)
                        && msg.contains("offset")
                        && msg.contains(what),
                    "{msg}"
                );
            }
            (want, got) => panic!("{name}: expected damage {want:?}, got {got:?}"),
        }
        let theirs = reference(&path);
        let diffs = compare(&name, &ours, &theirs);
        assert!(
            diffs.is_empty(),
            "{} differences, first: {:?}",
            diffs.len(),
            &diffs[..diffs.len().min(3)]
        );
        total += ours.values().map(Vec::len).sum::<usize>();
    }
    assert!(total > 28_000, "{total}");
}

#[test]
fn pcapng_with_two_interfaces_and_link_types() {
    // This capture describes two radiotap interfaces; all its packets are on the second.
    let p = shared().join("pcapng/wireshark_wpa-test-decode-tdls.pcapng");
    let mut reader = osprey_capture::pcapng::PcapngReader::open(&p).unwrap();
    let mut ifaces = std::collections::BTreeSet::new();
    let r = reader
        .for_each_frame(&mut |f| {
            ifaces.insert((f.interface, f.dlt));
            Flow::Continue
        })
        .unwrap();
    assert_eq!(r.frames, 24);
    assert_eq!(reader.interfaces().len(), 2);
    assert!(reader.interfaces().iter().all(|i| i.linktype == 127));
    assert_eq!(ifaces.into_iter().collect::<Vec<_>>(), vec![(1, 127)]);
}

#[test]
fn link_types_of_the_shared_captures() {
    let mut seen = BTreeMap::new();
    for path in captures() {
        let _ = for_each_frame(&path, &mut |f| {
            *seen.entry(f.dlt).or_insert(0u64) += 1;
            Flow::Continue
        });
    }
    let dlts: Vec<u32> = seen.keys().copied().collect();
    assert_eq!(dlts, vec![105, 119, 127, 192, 256, 272]);
}

#[test]
fn a_kismetdb_log_replays_in_time_order() {
    let log = shared().join("reference/wireshark_wpa-Induction.kismet");
    let mut last = (i64::MIN, i64::MIN);
    let mut n = 0;
    let stats = for_each_frame(&log, &mut |f| {
        assert!((f.ts.sec, f.ts.usec) >= last);
        last = (f.ts.sec, f.ts.usec);
        assert_eq!(f.dlt, 127);
        n += 1;
        Flow::Continue
    })
    .unwrap();
    assert_eq!((n, stats.frames), (1093, 1093));
    // And the replay equals reading the original capture.
    let (a, _) = read(&shared().join("radiotap/wireshark_wpa-Induction.pcap"));
    let (b, _) = read(&log);
    assert!(compare("replay", &a, &b).is_empty());
}

#[test]
fn unknown_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, b"hello world").unwrap();
    let e = for_each_frame(&p, &mut |_| Flow::Continue).unwrap_err();
    assert!(
        e.to_string().contains("notes.txt") && e.to_string().contains("68 65 6c 6c"),
        "{e}"
    );
    let p = dir.path().join("empty.pcap");
    std::fs::write(&p, b"").unwrap();
    assert!(for_each_frame(&p, &mut |_| Flow::Continue)
        .unwrap_err()
        .to_string()
        .contains("empty"));
}
