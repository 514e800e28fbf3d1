//! `osprey log to-pcap` end to end: every packet of real logs comes out with its bytes, time
//! and link type; tshark and capinfos accept the files; per-packet GPS is written; each filter
//! narrows the selection exactly; a classic pcap of mixed link types is refused; the input is
//! never modified; and a capture analysed again from the export gives the same devices as the
//! original capture.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use common::{run, shared_data};
use kismetdb::{MacAddr, PacketRow, Reader, Timestamp};
use osprey_capture::{Flow, Frame};

fn reference(name: &str) -> PathBuf {
    shared_data().join("reference").join(name)
}

/// A frame as read back: (interface, dlt, time, bytes, original length).
type Got = Vec<(u32, u32, Timestamp, Vec<u8>, u32)>;

fn read_frames(path: &Path) -> Got {
    let mut got = Vec::new();
    osprey_capture::for_each_frame(path, &mut |fr: &Frame<'_>| {
        got.push((fr.interface, fr.dlt, fr.ts, fr.data.to_vec(), fr.orig_len));
        Flow::Continue
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    got
}

/// Every packet row of a log, in capture-time order (ties in file order).
fn rows_by_time(log: &Path) -> Vec<PacketRow<'static>> {
    let reader = Reader::open(log).unwrap();
    let mut rows: Vec<PacketRow<'static>> = reader
        .packets()
        .unwrap()
        .rows()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.sort_by_key(|r| ticks(r.ts));
    rows
}

/// Microseconds since the epoch.
fn ticks(ts: Timestamp) -> i64 {
    ts.sec * 1_000_000 + ts.usec
}

/// Runs `osprey log to-pcap` and asserts success.
fn to_pcap(log: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "log",
        "to-pcap",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "to-pcap {extra:?} failed: {stderr}");
    stderr
}

/// Asserts that the frames of an export are exactly `want`, in order.
fn assert_frames(out: &Path, want: &[&PacketRow<'_>]) {
    let got = read_frames(out);
    assert_eq!(got.len(), want.len(), "{}: frame count", out.display());
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        // Kismet wrote ts_usec = 1000000 in one row of the wifite2 reference log: the export
        // carries it into the seconds.
        assert_eq!(ticks(g.2), ticks(w.ts), "frame {k} time");
        assert!((0..1_000_000).contains(&g.2.usec), "frame {k} time");
        assert_eq!(i64::from(g.1), i64::from(w.dlt), "frame {k} link type");
        assert_eq!(g.3, w.packet.as_ref(), "frame {k} bytes");
        let orig = w.packet_full_len.max(w.packet.len() as i64);
        assert_eq!(i64::from(g.4), orig, "frame {k} original length");
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// tshark reads the file to the end and counts `n` frames; capinfos agrees.
fn consumers_accept(path: &Path, n: usize, format: &str) {
    if !have("tshark") || !have("capinfos") {
        eprintln!("note: tshark/capinfos not installed (scripts/install-test-tools.sh); skipped");
        return;
    }
    let o = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "tshark refused {}: {err}",
        path.display()
    );
    assert!(
        !err.contains("appears to be damaged") && !err.contains("cut short"),
        "{err}"
    );
    let frames = String::from_utf8_lossy(&o.stdout).lines().count();
    assert_eq!(frames, n, "tshark frame count of {}", path.display());
    let o = Command::new("capinfos")
        .args(["-M", "-c", "-t", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "capinfos: {text}");
    assert!(
        text.contains(&format!("Number of packets:   {n}\n")),
        "capinfos: {text}"
    );
    assert!(
        text.contains(&format!("File type:           {format}\n")),
        "capinfos file type: {text}"
    );
}

/// The bytes and modification time of a file.
fn fingerprint(path: &Path) -> (Vec<u8>, SystemTime) {
    let md = std::fs::metadata(path).unwrap();
    (std::fs::read(path).unwrap(), md.modified().unwrap())
}

/// A writable copy of a shared log, so that a tool that modified its input would be caught
/// (the shared files are read-only).
fn writable_copy(dir: &Path, log: &Path) -> PathBuf {
    let copy = dir.join(log.file_name().unwrap());
    std::fs::copy(log, &copy).unwrap();
    let mut perm = std::fs::metadata(&copy).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&copy, perm).unwrap();
    copy
}

/// The files in a directory.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn reference_logs_export_every_packet_and_stay_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(shared_data().join("reference"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kismet"))
        .collect();
    names.sort();
    assert!(names.len() >= 40, "{} reference logs", names.len());
    let mut checked_consumers = 0;
    for shared in &names {
        let work = tempfile::tempdir_in(dir.path()).unwrap();
        let log = writable_copy(work.path(), shared);
        let before = fingerprint(&log);
        let files = listing(work.path());
        let rows = rows_by_time(&log);
        let all: Vec<&PacketRow<'_>> = rows.iter().collect();

        let out = work.path().join("out.pcapng");
        to_pcap(&log, &out, &[]);
        assert_frames(&out, &all);
        // One interface per (datasource, link type).
        let ifaces: BTreeSet<(String, i32)> = rows
            .iter()
            .map(|r| (r.datasource.to_string(), r.dlt))
            .collect();
        let got_ifaces: BTreeSet<u32> = read_frames(&out).iter().map(|f| f.0).collect();
        assert_eq!(got_ifaces.len(), ifaces.len(), "{}", shared.display());
        let bytes: usize = rows.iter().map(|r| r.packet.len()).sum();
        let data: usize = read_frames(&out).iter().map(|f| f.3.len()).sum();
        assert_eq!(data, bytes);

        // Classic pcap: the reference logs hold one link type each.
        let classic = work.path().join("out.pcap");
        to_pcap(&log, &classic, &["--pcap"]);
        assert_frames(&classic, &all);

        // The biggest and a few others through tshark and capinfos.
        let name = shared.file_name().unwrap().to_string_lossy();
        if [
            "aircrack_pmkid",
            "wifite2_handshake_has",
            "bsniffhub_sc",
            "wireshark_wpa-Ind",
        ]
        .iter()
        .any(|p| name.starts_with(p))
        {
            consumers_accept(&out, rows.len(), "pcapng");
            consumers_accept(&classic, rows.len(), "pcap");
            checked_consumers += 1;
        }

        // The input is untouched and nothing was left beside it (no journal, no temp file).
        assert!(
            fingerprint(&log) == before,
            "{} was modified",
            shared.display()
        );
        let mut now = listing(work.path());
        now.remove("out.pcapng");
        now.remove("out.pcap");
        assert_eq!(now, files, "files left beside {}", shared.display());
    }
    assert_eq!(checked_consumers, 4);
}

/// A PPI frame with a GPS tag around a beacon from `bssid` advertising `ssid`.
fn ppi_gps_beacon(bssid: [u8; 6], ssid: &[u8], lat: f64, lon: f64, alt: f64) -> Vec<u8> {
    let fixed3_7 = |v: f64| (((v + 180.0) * 1e7).round() as u32).to_le_bytes();
    let mut gps = vec![2u8, 0, 0, 0];
    gps.extend((0x2u32 | 0x4 | 0x8).to_le_bytes());
    gps.extend(fixed3_7(lat));
    gps.extend(fixed3_7(lon));
    gps.extend((((alt + 180_000.0) * 1e4).round() as u32).to_le_bytes());
    let glen = gps.len() as u16;
    gps[2..4].copy_from_slice(&glen.to_le_bytes());
    let mut f = vec![0u8, 0, 0, 0];
    f.extend(105u32.to_le_bytes());
    f.extend(30002u16.to_le_bytes());
    f.extend(glen.to_le_bytes());
    f.extend(&gps);
    let plen = f.len() as u16;
    f[2..4].copy_from_slice(&plen.to_le_bytes());
    f.extend([0x80, 0, 0, 0]);
    f.extend([0xff; 6]);
    f.extend(bssid);
    f.extend(bssid);
    f.extend([0, 0]);
    f.extend([0; 8]);
    f.extend(100u16.to_le_bytes());
    f.extend(1u16.to_le_bytes());
    f.push(0);
    f.push(ssid.len() as u8);
    f.extend(ssid);
    f.extend([3, 1, 6]);
    f
}

/// A classic little-endian pcap of `(sec, usec, frame)`.
fn pcap_file(linktype: u32, frames: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(262_144u32.to_le_bytes());
    out.extend(linktype.to_le_bytes());
    for (sec, usec, f) in frames {
        out.extend(sec.to_le_bytes());
        out.extend(usec.to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend(f);
    }
    out
}

/// Kismet's GPS option of every Enhanced Packet Block of a pcapng, decoded to (lat, lon, alt)
/// (spec §7.1: option 2989, PEN 55922, magic 0x47, version 1, field length, field bitmap,
/// then fixed3_7 lon, fixed3_7 lat and, with bit 0x8, fixed6_4 alt).
fn gps_options(path: &Path) -> Vec<Option<(f64, f64, f64)>> {
    let b = std::fs::read(path).unwrap();
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= b.len() {
        let (btype, len) = (u32_at(at), u32_at(at + 4) as usize);
        if btype == 6 {
            let caplen = u32_at(at + 20) as usize;
            let mut o = at + 28 + caplen.div_ceil(4) * 4;
            let end = at + len - 4;
            let mut gps = None;
            while o + 4 <= end {
                let (code, olen) = (u16_at(o), u16_at(o + 2) as usize);
                if code == 0 {
                    break;
                }
                if code == 2989 {
                    let v = o + 4;
                    assert_eq!(u32_at(v), 55922, "PEN");
                    assert_eq!((b[v + 4], b[v + 5]), (0x47, 1), "magic, version");
                    let fields = u32_at(v + 8);
                    assert_eq!(fields & 0x6, 0x6, "lon and lat");
                    let glen = u16_at(v + 6) as usize;
                    assert_eq!(glen, if fields & 0x8 != 0 { 12 } else { 8 });
                    assert_eq!(olen, 12 + glen);
                    let lon = f64::from(u32_at(v + 12)) / 1e7 - 180.0;
                    let lat = f64::from(u32_at(v + 16)) / 1e7 - 180.0;
                    let alt = if fields & 0x8 != 0 {
                        f64::from(u32_at(v + 20)) / 1e4 - 180_000.0
                    } else {
                        0.0
                    };
                    gps = Some((lat, lon, alt));
                }
                o += 4 + olen.div_ceil(4) * 4;
            }
            out.push(gps);
        }
        at += len;
    }
    out
}

#[test]
fn per_packet_gps_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("gps.pcap");
    let bssid = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    let fixes = [
        (38.889_4, -77.035_2, 10.5),
        (38.889_5, -77.035_3, 0.0),
        (-33.856_8, 151.215_3, -12.25),
    ];
    // Distinct SSIDs, so that no frame is a duplicate of another.
    let mut frames: Vec<(u32, u32, Vec<u8>)> = fixes
        .iter()
        .enumerate()
        .map(|(i, &(la, lo, al))| {
            let ssid = format!("gpsnet{i}");
            (
                1_600_000_000 + i as u32,
                0,
                ppi_gps_beacon(bssid, ssid.as_bytes(), la, lo, al),
            )
        })
        .collect();
    // And a frame without GPS: a PPI header with no field.
    let with = ppi_gps_beacon(bssid, b"plain", 1.0, 1.0, 0.0);
    let hdr = usize::from(u16::from_le_bytes([with[2], with[3]]));
    let mut plain = vec![0u8, 0, 8, 0];
    plain.extend(105u32.to_le_bytes());
    plain.extend_from_slice(&with[hdr..]);
    frames.push((1_600_000_010, 0, plain));
    std::fs::write(&cap, pcap_file(192, &frames)).unwrap();
    let log = dir.path().join("gps.kismet");
    let o = run(&[
        "analyze",
        "--no-progress",
        "-o",
        log.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let rows = rows_by_time(&log);
    assert_eq!(rows.len(), 4);
    let out = dir.path().join("gps.pcapng");
    let stderr = to_pcap(&log, &out, &["-v"]);
    assert!(stderr.contains("3 with GPS"), "{stderr}");
    assert_frames(&out, &rows.iter().collect::<Vec<_>>());
    consumers_accept(&out, 4, "pcapng");
    let gps = gps_options(&out);
    assert_eq!(gps.len(), 4);
    for (row, got) in rows.iter().zip(&gps) {
        if !row.gps.has_location() {
            assert!(got.is_none(), "no fix, no option");
            continue;
        }
        let (lat, lon, alt) = got.expect("GPS option");
        let near = |a: f64, b: f64, eps: f64| (a - b).abs() <= eps;
        assert!(near(lat, row.gps.lat, 1.1e-7), "{lat} {}", row.gps.lat);
        assert!(near(lon, row.gps.lon, 1.1e-7), "{lon} {}", row.gps.lon);
        assert!(near(alt, row.gps.alt, 1.1e-4), "{alt} {}", row.gps.alt);
    }
    // The log holds the fixes of the capture.
    assert!((rows[2].gps.lat - -33.856_8).abs() < 1e-6);
    assert_eq!(gps.iter().flatten().count(), 3);

    // --skip-gps leaves them out; a classic pcap cannot hold them.
    let bare = dir.path().join("bare.pcapng");
    to_pcap(&log, &bare, &["--skip-gps"]);
    assert!(gps_options(&bare).iter().all(Option::is_none));
    consumers_accept(&bare, 4, "pcapng");
}

/// An Osprey log of three captures: raw 802.11 without radio data (DLT 105), radiotap
/// (DLT 127) and Bluetooth LE (DLT 256), each its own datasource and time range.
fn mixed_log(dir: &Path) -> PathBuf {
    let log = dir.join("mixed.kismet");
    let data = shared_data();
    let caps = [
        data.join("raw80211/aircrack_n-02.cap"),
        data.join("radiotap/aircrack_wpa3-psk.pcap"),
        data.join("ble/bsniffhub_sc-justworks.pcap"),
    ];
    let mut args = vec!["analyze", "--no-progress", "-o", log.to_str().unwrap()];
    args.extend(caps.iter().map(|c| c.to_str().unwrap()));
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    log
}

/// Exports with `args` and checks the result is exactly the rows `keep` selects; returns how
/// many that is.
fn check_filter(
    dir: &Path,
    log: &Path,
    rows: &[PacketRow<'static>],
    args: &[&str],
    keep: impl Fn(&PacketRow<'_>) -> bool,
) -> usize {
    let out = dir.join("filtered.pcapng");
    let _ = std::fs::remove_file(&out);
    to_pcap(log, &out, args);
    let want: Vec<&PacketRow<'_>> = rows.iter().filter(|r| keep(r)).collect();
    assert_frames(&out, &want);
    want.len()
}

#[test]
fn each_filter_narrows_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let log = mixed_log(dir.path());
    let before = fingerprint(&log);
    let rows = rows_by_time(&log);
    let n = rows.len();
    assert_eq!(n, 218 + 24 + 286);
    let narrower = |k: usize| assert!(k > 0 && k < n, "{k} of {n}");

    // Everything, with three interfaces, through tshark.
    assert_eq!(check_filter(dir.path(), &log, &rows, &[], |_| true), n);
    consumers_accept(&dir.path().join("filtered.pcapng"), n, "pcapng");

    // Link type.
    assert_eq!(
        check_filter(dir.path(), &log, &rows, &["--dlt", "127"], |r| r.dlt == 127),
        24
    );

    // Datasource, in lower case; two of them.
    let ble = rows.iter().find(|r| r.dlt == 256).unwrap().datasource;
    let raw = rows.iter().find(|r| r.dlt == 105).unwrap().datasource;
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--datasource", &ble.to_string().to_lowercase()],
        |r| r.datasource == ble,
    );
    assert_eq!(k, 286);
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &[
            "--datasource",
            &ble.to_string(),
            "--datasource",
            &raw.to_string(),
        ],
        |r| r.datasource == ble || r.datasource == raw,
    );
    assert_eq!(k, 286 + 218);

    // Time: Unix seconds (inclusive), UTC dates (a whole day), UTC date-times.
    let t0 = rows[0].ts.sec;
    let t_mid = rows[n / 2].ts.sec;
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--start", &t_mid.to_string()],
        |r| r.ts.sec >= t_mid,
    );
    narrower(k);
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--start", &t0.to_string(), "--end", &t_mid.to_string()],
        |r| r.ts.sec <= t_mid,
    );
    narrower(k);
    // aircrack_wpa3-psk.pcap was captured on 2019-04-16/17 UTC; the others years apart.
    let day = |r: &PacketRow<'_>| r.ts.sec.div_euclid(86_400);
    let wpa3_day = day(rows.iter().find(|r| r.dlt == 127).unwrap());
    let date = utc_date(wpa3_day);
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--start", &date, "--end", &date],
        |r| day(r) == wpa3_day,
    );
    assert_eq!(k, 24);
    let first_127 = rows.iter().find(|r| r.dlt == 127).unwrap().ts.sec;
    let stamp = format!("{date}T{}", hms(first_127));
    let k = check_filter(dir.path(), &log, &rows, &["--end", &stamp], |r| {
        r.ts.sec <= first_127
    });
    narrower(k);

    // MAC: source, destination or transmitter; lower case and dashes accepted.
    let mac = rows
        .iter()
        .filter(|r| r.dlt == 105)
        .map(|r| r.sourcemac)
        .find(|m| !m.is_zero() && !m.is_multicast())
        .unwrap();
    let has_mac =
        |r: &PacketRow<'_>, m: MacAddr| r.sourcemac == m || r.destmac == m || r.transmac == m;
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--mac", &mac.to_string().to_lowercase().replace(':', "-")],
        |r| has_mac(r, mac),
    );
    narrower(k);
    assert!(
        rows.iter().any(|r| r.destmac == mac && r.sourcemac != mac),
        "the address is also a destination"
    );
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--mac", &mac.to_string(), "--mac", "FF:FF:FF:FF:FF:FF"],
        |r| has_mac(r, mac) || has_mac(r, MacAddr::BROADCAST),
    );
    narrower(k);

    // Frequency (kHz); packets without radio data (the raw 802.11 capture) never match.
    let k = check_filter(dir.path(), &log, &rows, &["--frequency", "2412000"], |r| {
        r.frequency == 2_412_000.0
    });
    narrower(k);
    let k = check_filter(dir.path(), &log, &rows, &["--freq-max", "2420000"], |r| {
        r.frequency != 0.0 && r.frequency <= 2_420_000.0
    });
    narrower(k);
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--freq-min", "2430000", "--freq-max", "2480000"],
        |r| (2_430_000.0..=2_480_000.0).contains(&r.frequency),
    );
    narrower(k);

    // Signal (dBm); packets without a signal never match.
    let k = check_filter(dir.path(), &log, &rows, &["--signal-min", "-60"], |r| {
        r.signal != 0 && r.signal >= -60
    });
    narrower(k);
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &["--signal-min", "-80", "--signal-max=-60"],
        |r| r.signal != 0 && (-80..=-60).contains(&r.signal),
    );
    narrower(k);

    // Combined: every filter must hold.
    let k = check_filter(
        dir.path(),
        &log,
        &rows,
        &[
            "--dlt",
            "256",
            "--signal-max",
            "-70",
            "--start",
            &t_mid.to_string(),
        ],
        |r| r.dlt == 256 && r.signal != 0 && r.signal <= -70 && r.ts.sec >= t_mid,
    );
    narrower(k);

    // Nothing selected: a valid, empty capture and a note.
    let out = dir.path().join("none.pcapng");
    let stderr = to_pcap(&log, &out, &["--dlt", "1"]);
    assert!(stderr.contains("empty capture"), "{stderr}");
    consumers_accept(&out, 0, "pcapng");

    // Bad values are refused before anything is written.
    for bad in [
        &["--start", "2019-02-30"][..],
        &["--end", "yesterday"],
        &["--mac", "00:11"],
        &["--mac", "zz:11:22:33:44:55"],
        &["--datasource", "1234"],
        &["--frequency", "nan"],
        &["--start", "1700000001", "--end", "1700000000"],
    ] {
        let out = dir.path().join("bad.pcapng");
        let mut args = vec!["log", "to-pcap", log.to_str().unwrap(), "-o"];
        args.push(out.to_str().unwrap());
        args.extend_from_slice(bad);
        let o = run(&args);
        assert!(!o.status.success(), "{bad:?} accepted");
        assert!(!out.exists());
    }
    assert!(fingerprint(&log) == before, "the log was modified");
}

fn utc_date(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn hms(sec: i64) -> String {
    let s = sec.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

#[test]
fn classic_pcap_of_mixed_link_types_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = mixed_log(dir.path());
    let files = listing(dir.path());
    let out = dir.path().join("mixed.pcap");
    let o = run(&[
        "log",
        "to-pcap",
        log.to_str().unwrap(),
        "--pcap",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    for want in [
        "mixed.kismet",
        "DLT 105 IEEE802_11 (218 packets)",
        "DLT 127 IEEE802_11_RADIOTAP (24 packets)",
        "DLT 256 BLUETOOTH_LE_LL_WITH_PHDR (286 packets)",
        "--dlt",
    ] {
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
    }
    assert_eq!(
        listing(dir.path()),
        files,
        "no output, no temporary file left"
    );

    // One link type chosen, or a selection of one.
    let rows = rows_by_time(&log);
    to_pcap(&log, &out, &["--pcap", "--dlt", "127"]);
    let want: Vec<&PacketRow<'_>> = rows.iter().filter(|r| r.dlt == 127).collect();
    assert_frames(&out, &want);
    consumers_accept(&out, 24, "pcap");
    let ble = rows.iter().find(|r| r.dlt == 256).unwrap().datasource;
    to_pcap(
        &log,
        &out,
        &["--pcap", "--force", "--datasource", &ble.to_string()],
    );
    let want: Vec<&PacketRow<'_>> = rows.iter().filter(|r| r.dlt == 256).collect();
    assert_frames(&out, &want);
    consumers_accept(&out, 286, "pcap");
}

#[test]
fn outputs_are_safe() {
    let dir = tempfile::tempdir().unwrap();
    let log = writable_copy(dir.path(), &reference("aircrack_wpa3-psk.kismet"));
    let before = fingerprint(&log);
    let out = dir.path().join("out.pcapng");
    let p = |x: &Path| x.to_str().unwrap().to_string();

    // Progress is off by default, and nothing is said without --verbose.
    let o = run(&["log", "to-pcap", &p(&log), "-o", &p(&out)]);
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&[
        "log",
        "to-pcap",
        &p(&log),
        "-o",
        &p(&out),
        "-f",
        "--progress",
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("to-pcap: 24/24 rows"));

    // An existing output needs --force; the input is never the output.
    let o = run(&["log", "to-pcap", &p(&log), "-o", &p(&out)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let o = run(&["log", "to-pcap", &p(&log), "-o", &p(&log), "--force"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("the output is the input"));
    assert!(fingerprint(&log) == before);

    // Standard output (a pipe) gets the same bytes as the file.
    let o = run(&["log", "to-pcap", &p(&log), "-o", "-"]);
    assert!(o.status.success());
    assert_eq!(o.stdout, std::fs::read(&out).unwrap());

    // A damaged log is an error naming the file, and leaves no output.
    let bytes = std::fs::read(&log).unwrap();
    let cut = dir.path().join("cut.kismet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let junk = dir.path().join("junk.kismet");
    std::fs::write(&junk, b"not a database").unwrap();
    for bad in [&cut, &junk, &dir.path().join("missing.kismet")] {
        let out = dir.path().join("bad.pcapng");
        let o = run(&["log", "to-pcap", &p(bad), "-o", &p(&out)]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{}", bad.display());
        assert!(stderr.contains(&p(bad)), "{stderr}");
        assert!(!out.exists());
    }
    let mut left = listing(dir.path());
    for f in [
        "aircrack_wpa3-psk.kismet",
        "out.pcapng",
        "cut.kismet",
        "junk.kismet",
    ] {
        assert!(left.remove(f), "{f}");
    }
    assert!(left.is_empty(), "{left:?}");

    // Kismet's own old and empty logs (db_version 7 and 8, no packets).
    for name in [
        "merge-kismetdb_masterDB_v7_2021.08.R1.kismet",
        "merge-kismetdb_masterDB_v8_2023.00.GIT.kismet",
    ] {
        let log = shared_data().join("kismetdb").join(name);
        let out = dir.path().join(format!("{name}.pcapng"));
        let stderr = to_pcap(&log, &out, &[]);
        assert!(stderr.contains("the log has no packets"), "{stderr}");
        consumers_accept(&out, 0, "pcapng");
    }
}

/// (phy, MAC, type) → packets of every device of a log, read with the kismetdb reader.
fn devices(log: &Path) -> BTreeMap<(String, String, String), u64> {
    let reader = Reader::open(log).unwrap();
    let mut out = BTreeMap::new();
    for row in reader.devices().unwrap().rows() {
        let row = row.unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&String::from_utf8_lossy(&row.device)).unwrap();
        let packets = json["kismet.device.base.packets.total"].as_u64().unwrap();
        out.insert(
            (
                row.phyname.to_string(),
                row.devmac.to_string(),
                row.device_type.to_string(),
            ),
            packets,
        );
    }
    out
}

fn analyze(capture: &Path, log: &Path) {
    let o = run(&[
        "analyze",
        "--no-progress",
        "-o",
        log.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Issue 7, point 5: the packets Kismet logged, exported and analysed again, give the devices
/// the original capture gives.
///
/// Kismet logs a duplicate (same CRC of the decapsulated frame as one of the last 1024) with
/// the bytes of its first copy, so in wireshark_wpa-Induction 314 frames of the export carry
/// another frame's radiotap header; a duplicate counts the same either way, so the devices
/// agree. The export is in capture-time order, and captures are not always: wifite2's steps
/// back a few microseconds 85 times, aircrack's wpa2-psk-linksys 25 ms at frame 12 (which
/// changes the packet counts of two devices, as the order decides which frames count). The
/// capture is compared in time order too.
#[test]
fn round_trip_gives_the_devices_of_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let data = shared_data();
    for (name, capture) in [
        (
            "wifite2_handshake_has_1234",
            "raw80211/wifite2_handshake_has_1234.cap",
        ),
        (
            "aircrack_pmkid-not-recognized",
            "raw80211/aircrack_pmkid-not-recognized.cap",
        ),
        (
            "wireshark_wpa-Induction",
            "radiotap/wireshark_wpa-Induction.pcap",
        ),
        ("bsniffhub_sc-justworks", "ble/bsniffhub_sc-justworks.pcap"),
        (
            "aircrack_wpa2-psk-linksys",
            "raw80211/aircrack_wpa2-psk-linksys.cap",
        ),
    ] {
        let kismet_log = reference(&format!("{name}.kismet"));
        let export = dir.path().join(format!("{name}.pcapng"));
        to_pcap(&kismet_log, &export, &[]);
        let again = dir.path().join(format!("{name}.again.kismet"));
        analyze(&export, &again);

        // The capture in time order.
        let mut frames = Vec::new();
        let mut dlt = 0;
        // Two of the captures end in a truncated record: the frames before it are read.
        let _ = osprey_capture::for_each_frame(&data.join(capture), &mut |fr: &Frame<'_>| {
            dlt = fr.dlt;
            frames.push((fr.ts.sec as u32, fr.ts.usec as u32, fr.data.to_vec()));
            Flow::Continue
        });
        let logged = Reader::open(&kismet_log)
            .unwrap()
            .count(kismetdb::Table::Packets)
            .unwrap();
        assert_eq!(frames.len() as u64, logged, "{name}");
        frames.sort_by_key(|f| (f.0, f.1));
        let sorted = dir.path().join(format!("{name}.sorted.pcap"));
        std::fs::write(&sorted, pcap_file(dlt, &frames)).unwrap();
        let original = dir.path().join(format!("{name}.orig.kismet"));
        analyze(&sorted, &original);

        let (a, b) = (devices(&original), devices(&again));
        assert!(!a.is_empty(), "{name}: no devices");
        assert_eq!(a, b, "{name}: devices differ");
        assert_eq!(
            Reader::open(&again)
                .unwrap()
                .count(kismetdb::Table::Packets)
                .unwrap(),
            frames.len() as u64
        );
    }
}
