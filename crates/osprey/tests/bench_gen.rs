//! `osprey bench gen`: the synthetic workload is deterministic, well formed, and clean apart
//! from its attack bursts (checked with `osprey analyze`).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use common::run;

/// 2025-01-01T00:00:00Z, where every generated capture starts.
const EPOCH: u64 = 1_735_689_600;

/// Runs `osprey bench gen` and asserts it succeeded.
fn gen(out: &Path, args: &[&str]) {
    let mut all = vec!["bench", "gen", "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(
        o.status.success(),
        "bench gen {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One pcap record: capture time in microseconds since the epoch, and the bytes.
struct Record {
    ts_us: u64,
    data: Vec<u8>,
}

/// Reads a classic little-endian microsecond pcap, checking its global header.
fn read_pcap(path: &Path) -> Vec<Record> {
    let b = std::fs::read(path).unwrap();
    assert!(b.len() >= 24, "no pcap header");
    let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    assert_eq!(u32_at(0), 0xa1b2_c3d4, "magic");
    assert_eq!((u16_at(4), u16_at(6)), (2, 4), "version");
    assert_eq!(u32_at(16), 65535, "snaplen");
    assert_eq!(u32_at(20), 127, "link type: radiotap");
    let mut out = Vec::new();
    let mut o = 24;
    while o < b.len() {
        assert!(o + 16 <= b.len(), "record header cut at {o}");
        let (sec, usec) = (u64::from(u32_at(o)), u64::from(u32_at(o + 4)));
        let (incl, orig) = (u32_at(o + 8) as usize, u32_at(o + 12) as usize);
        assert!(usec < 1_000_000, "microseconds out of range at {o}");
        assert_eq!(incl, orig, "frame cut at {o}");
        assert!(o + 16 + incl <= b.len(), "record cut at {o}");
        out.push(Record {
            ts_us: sec * 1_000_000 + usec,
            data: b[o + 16..o + 16 + incl].to_vec(),
        });
        o += 16 + incl;
    }
    out
}

/// The 802.11 frame after the radiotap header, and the frequency radiotap gives.
fn dot11(r: &Record) -> (&[u8], u16) {
    let d = &r.data;
    assert_eq!(d[0], 0, "radiotap version");
    let len = usize::from(u16::from_le_bytes([d[2], d[3]]));
    assert!(len >= 8 && len <= d.len(), "radiotap length");
    let present = u32::from_le_bytes([d[4], d[5], d[6], d[7]]);
    assert_eq!(present & 0x0000_0028, 0x28, "channel and signal present");
    // The generator's two layouts: the channel at 18 after TSFT, flags and rate or padding.
    let freq = u16::from_le_bytes([d[18], d[19]]);
    (&d[len..], freq)
}

fn channel_of(freq: u16) -> u8 {
    if freq < 3000 {
        ((freq - 2407) / 5) as u8
    } else {
        ((freq - 5000) / 5) as u8
    }
}

fn euid_is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn same_arguments_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--frames", "5000", "--aps", "20", "--clients", "100"];
    let (a, b, c) = (
        dir.path().join("a.pcap"),
        dir.path().join("b.pcap"),
        dir.path().join("c.pcap"),
    );
    gen(&a, &[&args[..], &["--seed", "7"]].concat());
    gen(&b, &[&args[..], &["--seed", "7"]].concat());
    gen(&c, &[&args[..], &["--seed", "8"]].concat());
    let (a, b, c) = (
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        std::fs::read(c).unwrap(),
    );
    assert!(a.len() > 100_000, "{} bytes", a.len());
    assert!(a == b, "same seed, different files");
    assert!(a != c, "different seeds, same file");
}

#[test]
fn frame_count_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.pcap");
    // `2k` is the size shorthand for 2000.
    gen(
        &out,
        &[
            "--frames",
            "2k",
            "--aps",
            "10",
            "--clients",
            "40",
            "--duration-secs",
            "30",
        ],
    );
    let recs = read_pcap(&out);
    assert_eq!(recs.len(), 2000);
    let start = EPOCH * 1_000_000;
    let dur = 30 * 1_000_000;
    assert_eq!(recs[0].ts_us, start, "starts at 2025-01-01T00:00:00Z");
    for w in recs.windows(2) {
        assert!(w[1].ts_us >= w[0].ts_us, "time goes back");
    }
    let last = recs[recs.len() - 1].ts_us;
    // Evenly spread: the last frame is one step (30 s / 2000) before the end.
    assert!(last < start + dur, "{last}");
    assert!(last >= start + dur - dur / 2000, "{last}");
    for r in &recs {
        let (f, freq) = dot11(r);
        assert!(f.len() >= 10, "802.11 frame too short");
        assert!(
            (2412..=2462).contains(&freq) || (5180..=5825).contains(&freq),
            "frequency {freq}"
        );
    }
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exists.pcap");
    std::fs::write(&out, b"keep me").unwrap();
    let o = run(&[
        "bench",
        "gen",
        "-o",
        out.to_str().unwrap(),
        "--frames",
        "100",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("exists") && err.contains("-f"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let o = run(&[
        "bench",
        "gen",
        "-o",
        out.to_str().unwrap(),
        "--frames",
        "100",
        "-f",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read_pcap(&out).len(), 100);
    // Nothing else is left in the directory (the temporary file was renamed).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("exists.pcap")]);
    // Bad counts are refused before anything is written.
    let bad = dir.path().join("bad.pcap");
    for v in ["0", "12x", "k"] {
        let o = run(&["bench", "gen", "-o", bad.to_str().unwrap(), "--frames", v]);
        assert!(!o.status.success(), "--frames {v} accepted");
        assert!(!bad.exists());
    }
}

/// The workload the analysis tests read: 20 000 frames, 40 access points, 400 clients, one
/// minute.
fn analysis_capture(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("site.pcap");
    gen(
        &out,
        &[
            "--frames",
            "20000",
            "--aps",
            "40",
            "--clients",
            "400",
            "--duration-secs",
            "60",
            "--seed",
            "3",
        ],
    );
    out
}

fn analyze_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["analyze", "--json", "--no-progress"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn counts(v: &serde_json::Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

/// The alerts the two attack bursts raise with the default rates, and nothing else:
/// DEAUTHFLOOD fires on the 11th and 22nd of the 30 deauthentications (the flood's run
/// restarts after each alert); BCASTDISCON on the first two of the 8 broadcast
/// disassociations (its burst limit is 2 per second, and the burst lasts half a second).
/// ROOTUSER is the engine's own alert when the tests run as root.
fn expected_alerts() -> BTreeMap<String, u64> {
    let mut want = BTreeMap::from([
        ("DEAUTHFLOOD".to_string(), 2),
        ("BCASTDISCON".to_string(), 2),
    ]);
    if euid_is_root() {
        want.insert("ROOTUSER".to_string(), 1);
    }
    want
}

#[test]
fn analyze_sees_the_site_asked_for_and_only_the_attacks() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = analysis_capture(dir.path());
    let v = analyze_json(&["-n", pcap.to_str().unwrap()]);
    assert_eq!(v["packets"], 20000);
    assert_eq!(counts(&v["errors"]), BTreeMap::new(), "dissection errors");
    assert_eq!(v["duplicates"], 0);
    assert_eq!(v["not_decoded"], 0);
    // Every access point beacons and every client sends, so each is one device of its type.
    assert_eq!(
        counts(&v["devices"]),
        BTreeMap::from([
            ("Wi-Fi AP".to_string(), 40),
            ("Wi-Fi Client".to_string(), 400)
        ])
    );
    assert_eq!(counts(&v["alerts"]), expected_alerts());

    let ft = counts(&v["frame_types"]);
    for kind in [
        "mgmt/beacon",
        "mgmt/probe-req",
        "mgmt/probe-resp",
        "mgmt/auth",
        "mgmt/assoc-req",
        "mgmt/assoc-resp",
        "mgmt/reassoc-req",
        "mgmt/reassoc-resp",
        "mgmt/deauth",
        "mgmt/disassoc",
        "data/data",
        "data/qos-data",
        "data/null",
        "data/qos-null",
        "ctrl/rts",
        "ctrl/cts",
        "ctrl/ack",
        "ctrl/block-ack",
    ] {
        assert!(ft.get(kind).copied().unwrap_or(0) > 0, "no {kind}: {ft:?}");
    }
    assert_eq!(ft.values().sum::<u64>(), 20000, "{ft:?}");
    assert_eq!(ft["mgmt/deauth"], 30, "the flood");
    assert_eq!(ft["mgmt/disassoc"], 8, "the broadcast burst");
    // The mix, in percent of all frames.
    let share = |prefixes: &[&str]| -> f64 {
        let n: u64 = ft
            .iter()
            .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
            .map(|(_, n)| n)
            .sum();
        n as f64 / 200.0
    };
    let mix = [
        ("beacons", share(&["mgmt/beacon"]), 30.0, 40.0),
        ("probe requests", share(&["mgmt/probe-req"]), 6.0, 10.0),
        ("probe responses", share(&["mgmt/probe-resp"]), 4.0, 8.0),
        (
            "authentication and association",
            share(&["mgmt/auth", "mgmt/assoc", "mgmt/reassoc"]),
            1.0,
            3.5,
        ),
        ("data", share(&["data/data", "data/qos-data"]), 30.0, 40.0),
        (
            "null data",
            share(&["data/null", "data/qos-null"]),
            3.0,
            5.5,
        ),
        ("control", share(&["ctrl/"]), 8.0, 12.0),
    ];
    for (what, pct, lo, hi) in mix {
        assert!((lo..=hi).contains(&pct), "{what}: {pct:.1} % of frames");
    }
}

#[test]
fn handshakes_are_tagged_and_nothing_more_fires_with_every_alert_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = analysis_capture(dir.path());
    // The alerts disabled by default, the handshake checks among them, enabled.
    let conf = dir.path().join("all.conf");
    std::fs::write(
        &conf,
        [
            "NONCEREUSE",
            "NONCEDEGRADE",
            "OVERPOWERED",
            "DEAUTHCODEINVALID",
            "QCOMEXTENDED",
            "NETSTUMBLER",
            "LUCENTTEST",
        ]
        .iter()
        .map(|a| format!("alert={a},10/min,1/sec\n"))
        .collect::<String>(),
    )
    .unwrap();
    let log = dir.path().join("site.kismet");
    let v = analyze_json(&[
        "--config",
        conf.to_str().unwrap(),
        "-o",
        log.to_str().unwrap(),
        pcap.to_str().unwrap(),
    ]);
    assert_eq!(counts(&v["alerts"]), expected_alerts());
    // Osprey finds an EAPOL-Key frame exactly where the capture has one.
    let keys = eapol_keys(&read_pcap(&pcap));
    assert!(keys.len() >= 40, "{} EAPOL-Key frames", keys.len());
    let db = rusqlite::Connection::open(&log).unwrap();
    let tagged: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM packets WHERE tags LIKE '%DOT11_WPAHANDSHAKE%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tagged, keys.len() as i64);
}

/// (access point, client).
type Pair = ([u8; 6], [u8; 6]);

/// One EAPOL-Key frame: the pair, from the AP, key information, replay counter, nonce.
struct Key {
    pair: Pair,
    from_ap: bool,
    info: u16,
    replay: u64,
    nonce: [u8; 32],
}

/// The EAPOL-Key frames of unprotected data frames, in capture order.
fn eapol_keys(recs: &[Record]) -> Vec<Key> {
    let mut out = Vec::new();
    for r in recs {
        let (f, _) = dot11(r);
        let (fc0, flags) = (f[0], f[1]);
        if (fc0 >> 2) & 3 != 2 || flags & 0x40 != 0 || (fc0 >> 4) & 4 != 0 {
            continue;
        }
        let hdr = if fc0 & 0x80 != 0 { 26 } else { 24 };
        let body = &f[hdr..];
        if body.len() < 8 + 4 + 95 || body[..8] != [0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e] {
            continue;
        }
        let eapol = &body[8..];
        if eapol[1] != 3 {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([eapol[2], eapol[3]]));
        assert_eq!(len + 4, eapol.len(), "EAPOL length");
        let k = &eapol[4..];
        assert_eq!(k[0], 2, "RSN key descriptor");
        let kd_len = usize::from(u16::from_be_bytes([k[93], k[94]]));
        assert_eq!(95 + kd_len, k.len(), "key data length");
        let a = |o: usize| -> [u8; 6] { f[o..o + 6].try_into().unwrap() };
        let from_ap = flags & 3 == 2;
        assert!(
            from_ap || flags & 3 == 1,
            "EAPOL between a client and its AP"
        );
        let pair = if from_ap {
            (a(10), a(4))
        } else {
            (a(4), a(10))
        };
        out.push(Key {
            pair,
            from_ap,
            info: u16::from_be_bytes([k[1], k[2]]),
            replay: u64::from_be_bytes(k[5..13].try_into().unwrap()),
            nonce: k[13..45].try_into().unwrap(),
        });
    }
    out
}

/// Which message of the 4-way handshake the key information describes.
fn message(info: u16) -> u8 {
    let (pairwise, install, ack, mic, secure, enc) = (
        info & 0x0008 != 0,
        info & 0x0040 != 0,
        info & 0x0080 != 0,
        info & 0x0100 != 0,
        info & 0x0200 != 0,
        info & 0x1000 != 0,
    );
    assert!(pairwise, "group key message {info:#06x}");
    assert!(matches!(info & 7, 0 | 2), "descriptor version {info:#06x}");
    match (ack, mic, install, secure, enc) {
        (true, false, false, false, false) => 1,
        (false, true, false, false, false) => 2,
        (true, true, true, true, true) => 3,
        (false, true, false, true, false) => 4,
        _ => panic!("key information {info:#06x} is no 4-way handshake message"),
    }
}

#[test]
fn handshakes_and_beacons_are_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let recs = read_pcap(&analysis_capture(dir.path()));

    // Per pair: M1..M4 in order, M1 and M3 from the AP with the same ANonce, M2 and M4 from the
    // client, replay counters r, r, r+1, r+1 growing from handshake to handshake; no nonce
    // used in two handshakes.
    let mut state: HashMap<Pair, (u8, u64, [u8; 32])> = HashMap::new();
    let mut nonces = HashSet::new();
    let mut complete = 0;
    for k in eapol_keys(&recs) {
        let m = message(k.info);
        assert_eq!(k.from_ap, m % 2 == 1, "message {m} direction");
        let prev = state.get(&k.pair).copied();
        match (m, prev) {
            (1, None) => {}
            (1, Some((4, r, _))) => assert!(k.replay > r, "replay counter reused"),
            (2..=4, Some((p, _, _))) => assert_eq!(p + 1, m, "message {m} after {p}"),
            _ => panic!("message {m} after {prev:?}"),
        }
        if let Some((_, r, anonce)) = prev {
            match m {
                2 => assert_eq!(k.replay, r),
                3 => {
                    assert_eq!(k.replay, r + 1);
                    assert_eq!(k.nonce, anonce, "M3 ANonce differs from M1's");
                }
                4 => {
                    assert_eq!(k.replay, r);
                    assert_eq!(k.nonce, [0; 32]);
                    complete += 1;
                }
                _ => {}
            }
        }
        if m <= 2 {
            assert!(nonces.insert(k.nonce), "nonce used twice");
        }
        let anonce = if m == 1 {
            k.nonce
        } else {
            prev.map_or([0; 32], |p| p.2)
        };
        state.insert(k.pair, (m, k.replay, anonce));
    }
    assert!(complete >= 10, "{complete} complete handshakes");

    // Per access point: one SSID, one channel (the one it is heard on), one crypto, and a TSF
    // at a fixed offset from the capture clock.
    let mut aps: HashMap<[u8; 6], (Vec<u8>, u8, bool, i128)> = HashMap::new();
    let mut beacons = 0;
    for r in &recs {
        let (f, freq) = dot11(r);
        if f[0] != 0x80 {
            continue;
        }
        beacons += 1;
        let bssid: [u8; 6] = f[16..22].try_into().unwrap();
        let body = &f[24..];
        let tsf = u64::from_le_bytes(body[..8].try_into().unwrap());
        let (mut ssid, mut ds, mut rsn) = (None, None, false);
        let mut e = &body[12..];
        while !e.is_empty() {
            assert!(
                e.len() >= 2 && e.len() >= 2 + usize::from(e[1]),
                "element cut"
            );
            let (id, data) = (e[0], &e[2..2 + usize::from(e[1])]);
            match id {
                0 => ssid = Some(data.to_vec()),
                3 => {
                    assert_eq!(data.len(), 1, "DS parameter set");
                    ds = Some(data[0]);
                }
                48 => rsn = true,
                _ => {}
            }
            e = &e[2 + data.len()..];
        }
        let ssid = ssid.expect("beacon without SSID");
        assert!(!ssid.is_empty() && ssid.len() <= 32);
        assert_eq!(
            ds,
            Some(channel_of(freq)),
            "advertised and heard channel differ"
        );
        let offset = i128::from(tsf) - i128::from(r.ts_us);
        let now = (ssid.clone(), channel_of(freq), rsn, offset);
        let first = aps.entry(bssid).or_insert_with(|| now.clone());
        assert_eq!(*first, now, "access point {bssid:02x?} changed");
    }
    assert_eq!(aps.len(), 40);
    assert!(beacons > 6000, "{beacons} beacons");
}
