//! End-to-end tests of `osprey log to-kml`, `to-gpx` and `to-wiglecsv`.
//!
//! No shared capture carries GPS (the PPI files have none, and Kismet's reference logs were
//! made without a GPS), so the located logs are made two ways: `osprey analyze` of a PPI
//! capture built here with PPI-GEOLOCATION GPS fields and hostile SSIDs, and copies of
//! Kismet's reference logs given positions with SQL (with one device record holding raw
//! non-UTF-8 bytes, as Kismet writes them). The outputs are read back by python3's
//! `xml.etree` and `csv` modules, as consumers would.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const KML_NS: &str = "http://www.opengis.net/kml/2.2";
const GPX_NS: &str = "http://www.topografix.com/GPX/1/1";

// ---------------------------------------------------------------------------------------
// Building a located capture.

/// A PPI frame: 802.11-Common (frequency, signal) and, when given, a GPS tag
/// (lat, lon, alt), around `frame`.
fn ppi(signal: i8, freq_mhz: u16, gps: Option<(f64, f64, f64)>, frame: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8, 0, 0, 0];
    f.extend(105u32.to_le_bytes());
    // 802.11-Common: tsf, flags, rate, freq, channel flags, fhss, signal, noise.
    f.extend(2u16.to_le_bytes());
    f.extend(20u16.to_le_bytes());
    f.extend(0u64.to_le_bytes());
    f.extend(0u16.to_le_bytes());
    f.extend(2u16.to_le_bytes());
    f.extend(freq_mhz.to_le_bytes());
    f.extend(0x00a0u16.to_le_bytes());
    f.extend([0, 0, signal as u8, (-95i8) as u8]);
    if let Some((lat, lon, alt)) = gps {
        let fixed3_7 = |v: f64| (((v + 180.0) * 1e7).round() as u32).to_le_bytes();
        let mut g = vec![2u8, 0, 0, 0];
        g.extend((0x2u32 | 0x4 | 0x8).to_le_bytes());
        g.extend(fixed3_7(lat));
        g.extend(fixed3_7(lon));
        g.extend((((alt + 180_000.0) * 1e4).round() as u32).to_le_bytes());
        let glen = g.len() as u16;
        g[2..4].copy_from_slice(&glen.to_le_bytes());
        f.extend(30002u16.to_le_bytes());
        f.extend(glen.to_le_bytes());
        f.extend(&g);
    }
    let plen = f.len() as u16;
    f[2..4].copy_from_slice(&plen.to_le_bytes());
    f.extend(frame);
    f
}

/// A beacon from `bssid` advertising `ssid`; `rsn` adds a WPA2-PSK/CCMP element.
fn beacon(bssid: [u8; 6], ssid: &[u8], privacy: bool, rsn: bool) -> Vec<u8> {
    let mut f = vec![0x80, 0, 0, 0];
    f.extend([0xff; 6]);
    f.extend(bssid);
    f.extend(bssid);
    f.extend([0, 0]);
    f.extend([0; 8]);
    f.extend(100u16.to_le_bytes());
    f.extend((0x0001u16 | if privacy { 0x0010 } else { 0 }).to_le_bytes());
    f.push(0);
    f.push(ssid.len() as u8);
    f.extend(ssid);
    f.extend([1, 4, 0x82, 0x84, 0x8b, 0x96]);
    f.extend([3, 1, 6]);
    if rsn {
        f.extend([
            0x30, 0x14, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f,
            0xac, 2, 0, 0,
        ]);
    }
    f
}

/// A probe request from `sa` for `ssid`.
fn probe_request(sa: [u8; 6], ssid: &[u8]) -> Vec<u8> {
    let mut f = vec![0x40, 0, 0, 0];
    f.extend([0xff; 6]);
    f.extend(sa);
    f.extend([0xff; 6]);
    f.extend([0x10, 0]);
    f.push(0);
    f.push(ssid.len() as u8);
    f.extend(ssid);
    f.extend([1, 4, 0x82, 0x84, 0x8b, 0x96]);
    f
}

fn pcap(linktype: u32, frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(linktype.to_le_bytes());
    for (sec, f) in frames {
        out.extend(sec.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend(f);
    }
    out
}

const AP1: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x01];
const AP2: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x02];
const AP3: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x03];
const AP4: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x04];
const AP5: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x05];
const CLIENT: [u8; 6] = [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee];
const SSID1: &[u8] = b"q\"uote,comma<&>]]>";
const SSID2: &[u8] = b"new\nline\r\x00\xff\xfe";
const SSID3: &str = "日本語 café";
/// AP1's fixes with their signals; the strongest is the third.
const AP1_FIXES: [(f64, f64, f64, i8); 4] = [
    (38.8900, -77.0300, 10.0, -80),
    (38.8910, -77.0310, 12.0, -70),
    (38.8920, -77.0320, 14.0, -30),
    (38.8930, -77.0330, 16.0, -60),
];

/// A capture: five access points (one WPA2 with a hostile SSID seen at four places, one open
/// with control characters and invalid UTF-8 in its SSID, one WEP with a UTF-8 SSID, one
/// hidden, one far away at 10,10), a client probing, and frames without GPS.
fn located_capture() -> Vec<u8> {
    let t0 = 1_600_000_000u32;
    let mut frames = Vec::new();
    for (i, (lat, lon, alt, sig)) in AP1_FIXES.iter().enumerate() {
        frames.push((
            t0 + i as u32,
            ppi(
                *sig,
                2437,
                Some((*lat, *lon, *alt)),
                &beacon(AP1, SSID1, true, true),
            ),
        ));
    }
    // Strongest of all, but without a position: must not move AP1.
    frames.push((
        t0 + 4,
        ppi(-10, 2437, None, &beacon(AP1, SSID1, true, true)),
    ));
    let at = |lat, lon| Some((lat, lon, 20.0));
    frames.push((
        t0 + 5,
        ppi(
            -50,
            2412,
            at(38.8950, -77.0350),
            &beacon(AP2, SSID2, false, false),
        ),
    ));
    frames.push((
        t0 + 6,
        ppi(
            -52,
            2412,
            at(38.8950, -77.0350),
            &beacon(AP2, SSID2, false, false),
        ),
    ));
    frames.push((
        t0 + 7,
        ppi(
            -55,
            5180,
            at(38.8960, -77.0360),
            &beacon(AP3, SSID3.as_bytes(), true, false),
        ),
    ));
    frames.push((
        t0 + 8,
        ppi(
            -60,
            2462,
            at(38.8970, -77.0370),
            &beacon(AP4, b"", false, false),
        ),
    ));
    frames.push((
        t0 + 9,
        ppi(
            -65,
            2437,
            at(38.8980, -77.0380),
            &probe_request(CLIENT, b"probe<me>"),
        ),
    ));
    frames.push((
        t0 + 10,
        ppi(
            -70,
            2437,
            at(10.0, 10.0),
            &beacon(AP5, b"far away", false, false),
        ),
    ));
    frames.push((
        t0 + 11,
        ppi(-70, 2437, None, &beacon(AP5, b"far away", false, false)),
    ));
    pcap(192, &frames)
}

/// `osprey analyze` of the located capture.
fn located_log(dir: &Path) -> PathBuf {
    let cap = dir.join("located.pcap");
    std::fs::write(&cap, located_capture()).unwrap();
    let log = dir.join("located.kismet");
    let o = run(&[
        "analyze",
        "--no-progress",
        "-o",
        log.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    log
}

/// A copy of a Kismet reference log whose packets are given positions (a path along a
/// diagonal), plus GPS snapshots (one without a fix, which the track must skip).
fn kismet_log_with_gps(dir: &Path, name: &str) -> PathBuf {
    let src = shared_data()
        .join("reference")
        .join(format!("{name}.kismet"));
    let dst = dir.join(format!("{name}-gps.kismet"));
    std::fs::copy(&src, &dst).unwrap();
    let c = rusqlite::Connection::open(&dst).unwrap();
    c.execute_batch(
        "UPDATE packets SET lat = 38.9 + (rowid % 50) * 0.0001, lon = -77.0 - (rowid % 50) * 0.0001, alt = 25.5;
         INSERT INTO snapshots VALUES (1426076700, 0, 38.95, -77.05, 'GPS', '{\"kismet.gps.name\":\"gpsd\",\"kismet.gps.location\":{\"kismet.common.location.geopoint\":[-77.05,38.95],\"kismet.common.location.alt\":30.0,\"kismet.common.location.fix\":3}}');
         INSERT INTO snapshots VALUES (1426076701, 0, 45.0, 45.0, 'GPS', '{\"kismet.gps.name\":\"gpsd\",\"kismet.gps.location\":{\"kismet.common.location.geopoint\":[45.0,45.0],\"kismet.common.location.fix\":1}}');",
    )
    .unwrap();
    dst
}

// ---------------------------------------------------------------------------------------
// Reading the outputs back.

fn python(script: &str, args: &[&str]) -> Option<String> {
    let o = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            eprintln!("note: python3 is not installed; consumer checks skipped");
            return None;
        }
    };
    assert!(
        o.status.success(),
        "python3 rejected the output: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8(o.stdout).unwrap())
}

/// Parses a KML file with xml.etree and returns its placemarks as JSON objects:
/// {folder, name, lon, lat, alt, desc, data{...}} (and the track's line count).
const KML_READER: &str = r#"
import json, sys, xml.etree.ElementTree as ET
ns = '{http://www.opengis.net/kml/2.2}'
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + 'kml', root.tag
doc = root.find(ns + 'Document')
assert doc is not None
marks, lines = [], 0
def walk(el, path):
    global lines
    for f in el.findall(ns + 'Folder'):
        walk(f, path + [f.find(ns + 'name').text or ''])
    for p in el.findall(ns + 'Placemark'):
        mg = p.find(ns + 'MultiGeometry')
        if mg is not None:
            for ls in mg.findall(ns + 'LineString'):
                pts = ls.find(ns + 'coordinates').text.split()
                lines += len(pts)
            continue
        c = [float(x) for x in p.find(ns + 'Point').find(ns + 'coordinates').text.strip().split(',')]
        assert -180 <= c[0] <= 180 and -90 <= c[1] <= 90, c
        data = {d.get('name'): d.find(ns + 'value').text for d in p.find(ns + 'ExtendedData').findall(ns + 'Data')}
        ts = p.find(ns + 'TimeSpan')
        marks.append({'folder': '/'.join(path), 'name': p.find(ns + 'name').text or '',
                      'lon': c[0], 'lat': c[1], 'alt': c[2] if len(c) > 2 else None,
                      'desc': p.find(ns + 'description').text, 'data': data,
                      'begin': ts.find(ns + 'begin').text if ts is not None else None,
                      'style': p.find(ns + 'styleUrl').text})
walk(doc, [])
print(json.dumps({'placemarks': marks, 'track_points': lines}))
"#;

/// Parses a GPX file and returns {version, wpts[{lat,lon,name,type,ele}], segs[[{lat,lon,ele,time}]]}.
const GPX_READER: &str = r#"
import json, sys, xml.etree.ElementTree as ET
ns = '{http://www.topografix.com/GPX/1/1}'
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + 'gpx', root.tag
def pt(e):
    lat, lon = float(e.get('lat')), float(e.get('lon'))
    assert -90 <= lat <= 90 and -180 <= lon < 180, (lat, lon)
    ele, t = e.find(ns + 'ele'), e.find(ns + 'time')
    return {'lat': lat, 'lon': lon, 'ele': float(ele.text) if ele is not None else None,
            'time': t.text if t is not None else None}
wpts = []
for w in root.findall(ns + 'wpt'):
    d = pt(w)
    d['name'] = w.find(ns + 'name').text or ''
    d['type'] = w.find(ns + 'type').text
    wpts.append(d)
segs = [[pt(p) for p in s.findall(ns + 'trkpt')] for t in root.findall(ns + 'trk') for s in t.findall(ns + 'trkseg')]
print(json.dumps({'version': root.get('version'), 'creator': root.get('creator'), 'wpts': wpts, 'segs': segs}))
"#;

/// Reads a WiGLE CSV with python's csv module: {pre, header, rows, lines}.
const CSV_READER: &str = r#"
import csv, io, json, sys
text = open(sys.argv[1], 'rb').read().decode('utf-8')
rows = list(csv.reader(io.StringIO(text, newline='')))
print(json.dumps({'pre': rows[0], 'header': rows[1], 'rows': rows[2:], 'lines': text.count('\n')}))
"#;

fn read_kml(path: &Path) -> Option<Value> {
    python(KML_READER, &[path.to_str().unwrap()]).map(|s| serde_json::from_str(&s).unwrap())
}

fn read_gpx(path: &Path) -> Option<Value> {
    python(GPX_READER, &[path.to_str().unwrap()]).map(|s| serde_json::from_str(&s).unwrap())
}

fn read_csv(path: &Path) -> Option<Value> {
    python(CSV_READER, &[path.to_str().unwrap()]).map(|s| serde_json::from_str(&s).unwrap())
}

/// Runs a tool that must succeed; returns stderr.
fn ok(args: &[&str]) -> String {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "osprey {args:?} failed: {err}");
    err
}

fn placemark<'v>(kml: &'v Value, mac: &str) -> Option<&'v Value> {
    kml["placemarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["data"]["mac"] == mac)
}

const HEADER: [&str; 14] = [
    "MAC",
    "SSID",
    "AuthMode",
    "FirstSeen",
    "Channel",
    "Frequency",
    "RSSI",
    "CurrentLatitude",
    "CurrentLongitude",
    "AltitudeMeters",
    "AccuracyMeters",
    "RCOIs",
    "MfgrId",
    "Type",
];

// ---------------------------------------------------------------------------------------

#[test]
fn kml_of_an_osprey_log_places_devices_and_escapes_ssids() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let before = std::fs::read(&log).unwrap();
    let out = dir.path().join("out.kml");
    ok(&[
        "log",
        "to-kml",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--track",
    ]);
    assert_eq!(std::fs::read(&log).unwrap(), before, "the input changed");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\""));
    assert!(text.contains(KML_NS));
    let Some(kml) = read_kml(&out) else { return };
    let marks = kml["placemarks"].as_array().unwrap();
    // Five access points and the client.
    assert_eq!(marks.len(), 6, "{kml:#}");

    let ap1 = placemark(&kml, "00:11:22:33:44:01").unwrap();
    // The SSID reaches the reader exactly: quotes, comma, markup and "]]>" intact.
    assert_eq!(ap1["name"], "q\"uote,comma<&>]]>");
    assert_eq!(ap1["data"]["ssid"], "q\"uote,comma<&>]]>");
    assert_eq!(ap1["folder"], "Wi-Fi AP/WPA2");
    assert_eq!(ap1["style"], "#ap-wpa");
    // The description is HTML: the SSID's markup is escaped inside it.
    let desc = ap1["desc"].as_str().unwrap();
    assert!(
        desc.contains("q&quot;uote,comma&lt;&amp;&gt;]]&gt;"),
        "{desc}"
    );
    assert!(!desc.contains("<&>"), "{desc}");
    assert!(desc.contains("<b>MAC:</b> 00:11:22:33:44:01"), "{desc}");
    assert_eq!(ap1["data"]["crypt"], "WPA2-PSK");
    assert_eq!(ap1["data"]["first_seen"], "2020-09-13 12:26:40 UTC");
    assert_eq!(ap1["begin"], "2020-09-13T12:26:40Z");
    // The average of its four located beacons (the unlocated one is not counted).
    let near = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-6;
    assert!(
        near(&ap1["lat"], 38.8915) && near(&ap1["lon"], -77.0315),
        "{ap1}"
    );
    assert!(near(&ap1["alt"], 13.0), "{ap1}");
    assert!(ap1["data"]["position"]
        .as_str()
        .unwrap()
        .contains("average of 4 fixes"));

    let ap2 = placemark(&kml, "00:11:22:33:44:02").unwrap();
    let name2 = ap2["name"].as_str().unwrap();
    assert!(name2.starts_with("new\\x0aline\\x0d\\x00"), "{name2}");
    assert_eq!(ap2["folder"], "Wi-Fi AP/Open");
    let ap3 = placemark(&kml, "00:11:22:33:44:03").unwrap();
    assert_eq!(ap3["name"], SSID3);
    assert_eq!(ap3["folder"], "Wi-Fi AP/WEP");
    let ap4 = placemark(&kml, "00:11:22:33:44:04").unwrap();
    assert_eq!(
        ap4["name"], "00:11:22:33:44:04",
        "a hidden network shows its MAC"
    );
    assert_eq!(ap4["data"]["ssid"], "(hidden)");
    let client = placemark(&kml, "02:AA:BB:CC:DD:EE").unwrap();
    assert_eq!(client["folder"], "Wi-Fi Client");
    assert_eq!(client["data"]["probed_ssids"], "probe<me>");
    // The track: every distinct fix in time order (AP2's two beacons share one).
    assert_eq!(kml["track_points"], 9);
}

#[test]
fn kml_strongest_position_and_exclusion_zones() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let out = dir.path().join("strongest.kml");
    ok(&[
        "log",
        "to-kml",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--position",
        "strongest",
        "--exclude",
        "10,10,1000",
        // A zone with a negative latitude is a value, not an option; it holds nothing.
        "-e",
        "-33.9,151.2,10",
    ]);
    let Some(kml) = read_kml(&out) else { return };
    let ap1 = placemark(&kml, "00:11:22:33:44:01").unwrap();
    let near = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-6;
    assert!(
        near(&ap1["lat"], 38.892) && near(&ap1["lon"], -77.032),
        "{ap1}"
    );
    assert!(ap1["data"]["position"]
        .as_str()
        .unwrap()
        .contains("strongest signal, -30 dBm"));
    // AP5 was only seen inside the zone.
    assert!(placemark(&kml, "00:11:22:33:44:05").is_none());
    assert_eq!(kml["placemarks"].as_array().unwrap().len(), 5);
}

#[test]
fn kml_basic_location_reads_only_the_devices_table() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let out = dir.path().join("basic.kml");
    ok(&[
        "log",
        "to-kml",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--basic-location",
    ]);
    let Some(kml) = read_kml(&out) else { return };
    assert_eq!(kml["placemarks"].as_array().unwrap().len(), 6);
    // Osprey's devices table holds the same average as the packets give.
    let ap1 = placemark(&kml, "00:11:22:33:44:01").unwrap();
    let near = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-6;
    assert!(
        near(&ap1["lat"], 38.8915) && near(&ap1["lon"], -77.0315),
        "{ap1}"
    );
    assert!(ap1["data"]["position"]
        .as_str()
        .unwrap()
        .contains("devices table"));
}

#[test]
fn gpx_of_an_osprey_log_is_a_time_ordered_track() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let before = std::fs::read(&log).unwrap();
    let out = dir.path().join("out.gpx");
    ok(&[
        "log",
        "to-gpx",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&log).unwrap(), before, "the input changed");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("version=\"1.1\" creator=\"Osprey "));
    assert!(text.contains(&format!("xmlns=\"{GPX_NS}\"")));
    let Some(gpx) = read_gpx(&out) else { return };
    assert_eq!(gpx["version"], "1.1");
    let segs = gpx["segs"].as_array().unwrap();
    assert_eq!(segs.len(), 1);
    let pts = segs[0].as_array().unwrap();
    assert_eq!(pts.len(), 9);
    let times: Vec<&str> = pts.iter().map(|p| p["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "the track is in time order");
    assert_eq!(times[0], "2020-09-13T12:26:40Z");
    assert_eq!(pts[0]["ele"].as_f64(), Some(10.0));
    assert_eq!(pts[8]["lat"].as_f64(), Some(10.0));
    // A waypoint per located device.
    let wpts = gpx["wpts"].as_array().unwrap();
    assert_eq!(wpts.len(), 6);
    assert!(wpts.iter().any(|w| w["name"] == "q\"uote,comma<&>]]>"));
    assert!(wpts.iter().any(|w| w["type"] == "Wi-Fi Client"));

    // Track only, split at every gap of more than 1 second, with an exclusion zone.
    let out2 = dir.path().join("track.gpx");
    ok(&[
        "log",
        "to-gpx",
        log.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "--track-only",
        "--segment-gap",
        "1",
        "-e",
        "10,10,1000",
    ]);
    let gpx = read_gpx(&out2).unwrap();
    assert!(gpx["wpts"].as_array().unwrap().is_empty());
    let segs = gpx["segs"].as_array().unwrap();
    let n: usize = segs.iter().map(|s| s.as_array().unwrap().len()).sum();
    assert_eq!(n, 8, "the point in the zone is gone");
    // AP2's two beacons are one fix; gaps of 2 s before and after it start new segments.
    let lens: Vec<usize> = segs.iter().map(|s| s.as_array().unwrap().len()).collect();
    assert_eq!(lens, [4, 1, 3], "{gpx:#}");
}

#[test]
fn wiglecsv_of_an_osprey_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let before = std::fs::read(&log).unwrap();
    let out = dir.path().join("out.csv");
    ok(&[
        "log",
        "to-wiglecsv",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&log).unwrap(), before, "the input changed");
    let Some(csv) = read_csv(&out) else { return };
    let pre = csv["pre"].as_array().unwrap();
    assert_eq!(pre[0], "WigleWifi-1.6");
    assert!(pre.iter().any(|f| f == "model=Osprey"));
    assert_eq!(pre.last().unwrap(), "subBody=0");
    assert_eq!(csv["header"], serde_json::json!(HEADER));
    let rows = csv["rows"].as_array().unwrap();
    for r in rows {
        assert_eq!(r.as_array().unwrap().len(), 14, "{r}");
    }
    // One physical line per row: SSIDs with line breaks are escaped, not split.
    assert_eq!(csv["lines"].as_u64().unwrap() as usize, rows.len() + 2);
    let of = |mac: &str| -> Vec<&Value> { rows.iter().filter(|r| r[0] == mac).collect() };
    // AP1 at four places, a second apart: four rows, with the sighting's own time.
    let ap1 = of("00:11:22:33:44:01");
    assert_eq!(ap1.len(), 4);
    assert_eq!(ap1[0][1], "q\"uote,comma<&>]]>");
    assert_eq!(ap1[0][2], "[WPA2-PSK][ESS]");
    assert_eq!(ap1[0][3], "2020-09-13 12:26:40");
    assert_eq!(ap1[3][3], "2020-09-13 12:26:43");
    assert_eq!(ap1[0][4], "6");
    assert_eq!(ap1[0][5], "2437");
    assert_eq!(ap1[2][6], "-30");
    assert_eq!(ap1[0][9], "10");
    assert_eq!(ap1[0][13], "WIFI");
    // AP2 twice at one place: one row.
    let ap2 = of("00:11:22:33:44:02");
    assert_eq!(ap2.len(), 1);
    assert!(ap2[0][1]
        .as_str()
        .unwrap()
        .starts_with("new\\x0aline\\x0d\\x00"));
    assert_eq!(ap2[0][2], "[ESS]");
    let ap3 = of("00:11:22:33:44:03");
    assert_eq!(ap3[0][1], SSID3);
    assert_eq!(ap3[0][2], "[WEP][ESS]");
    assert_eq!(ap3[0][4], "36");
    assert_eq!(of("00:11:22:33:44:04")[0][1], "", "hidden SSID");
    // Clients are not networks.
    assert!(of("02:aa:bb:cc:dd:ee").is_empty());
    assert_eq!(rows.len(), 4 + 1 + 1 + 1 + 1);

    // The raw text: fields with a quote or comma are quoted, quotes doubled.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("00:11:22:33:44:01,\"q\"\"uote,comma<&>]]>\",[WPA2-PSK][ESS],"));

    // Exclusion zone and no rate limit.
    let out2 = dir.path().join("zoned.csv");
    ok(&[
        "log",
        "to-wiglecsv",
        log.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "-e",
        "10,10,1000",
        "--rate-limit",
        "0",
    ]);
    let csv = read_csv(&out2).unwrap();
    assert_eq!(csv["rows"].as_array().unwrap().len(), 7);
}

#[test]
fn kismet_logs_with_gps_and_raw_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = kismet_log_with_gps(dir.path(), "wifi-arsenal_radioparse_sample");
    // Give one access point a raw (non-UTF-8) SSID, as Kismet writes bytes >= 0x80.
    {
        let c = rusqlite::Connection::open(&log).unwrap();
        let mut dev: Vec<u8> = c
            .query_row(
                "SELECT device FROM devices WHERE devmac = '58:93:96:48:6F:48'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let ssid = b"viswlan";
        let mut hostile = b"ev\xffil<&>".to_vec();
        hostile.extend_from_slice(b"]]>");
        let mut out = Vec::new();
        let mut i = 0;
        while i < dev.len() {
            if dev[i..].starts_with(ssid) {
                out.extend_from_slice(&hostile);
                i += ssid.len();
            } else {
                out.push(dev[i]);
                i += 1;
            }
        }
        dev = out;
        assert!(std::str::from_utf8(&dev).is_err());
        c.execute(
            "UPDATE devices SET device = ?1 WHERE devmac = '58:93:96:48:6F:48'",
            [&dev],
        )
        .unwrap();
    }
    let before = std::fs::read(&log).unwrap();
    let kml = dir.path().join("k.kml");
    let gpx = dir.path().join("k.gpx");
    let csv = dir.path().join("k.csv");
    ok(&[
        "log",
        "to-kml",
        log.to_str().unwrap(),
        "-o",
        kml.to_str().unwrap(),
        "--track",
    ]);
    ok(&[
        "log",
        "to-gpx",
        log.to_str().unwrap(),
        "-o",
        gpx.to_str().unwrap(),
    ]);
    ok(&[
        "log",
        "to-wiglecsv",
        log.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&log).unwrap(), before, "the input changed");

    let Some(k) = read_kml(&kml) else { return };
    let ap = placemark(&k, "58:93:96:48:6F:48").unwrap();
    assert_eq!(ap["name"], "ev\\xffil<&>]]>");
    assert_eq!(ap["folder"], "Wi-Fi AP/WPA2");
    assert_eq!(ap["data"]["crypt"], "WPA2 WPA2-PSK AES-CCMP");
    assert_eq!(ap["data"]["manufacturer"], "Ruckus Wireless");
    // Every device with a packet is placed.
    let located: i64 = rusqlite::Connection::open(&log)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM devices d WHERE EXISTS (SELECT 1 FROM packets p WHERE p.sourcemac = d.devmac AND p.phyname = d.phyname)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(k["placemarks"].as_array().unwrap().len() as i64, located);
    assert!(k["track_points"].as_u64().unwrap() > 10);

    let g = read_gpx(&gpx).unwrap();
    let pts: Vec<&Value> = g["segs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s.as_array().unwrap())
        .collect();
    // The GPS snapshot with a fix is in the track (first, by time); the one without is not.
    assert_eq!(pts[0]["lat"].as_f64(), Some(38.95));
    assert_eq!(pts[0]["ele"].as_f64(), Some(30.0));
    assert!(pts.iter().all(|p| p["lat"].as_f64() != Some(45.0)));

    let c = read_csv(&csv).unwrap();
    assert!(c["pre"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "model=Kismet"));
    let rows = c["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.as_array().unwrap().len() == 14 && r[13] == "WIFI"));
    assert!(rows
        .iter()
        .any(|r| r[1] == "ev\\xffil<&>]]>" && r[2] == "[WPA2-PSK-CCMP][ESS]"));
    assert!(rows.iter().any(|r| r[2] == "[WPA2-EAP-CCMP][ESS]"));
    // Only networks: the seven access points of the log.
    let macs: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert!(
        macs.len() <= 7 && macs.iter().all(|m| m.starts_with("58:93:96:")),
        "{macs:?}"
    );
}

#[test]
fn wiglecsv_writes_bluetooth_le_rows() {
    let dir = tempfile::tempdir().unwrap();
    let log = kismet_log_with_gps(dir.path(), "bsniffhub_sc-justworks");
    let csv = dir.path().join("b.csv");
    ok(&[
        "log",
        "to-wiglecsv",
        log.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]);
    let Some(c) = read_csv(&csv) else { return };
    let rows = c["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r.as_array().unwrap().len(), 14);
        assert_eq!(r[13], "BLE");
        assert_eq!(r[2], "Misc [LE]");
        assert_eq!(r[4], "0");
    }
    let kml = dir.path().join("b.kml");
    ok(&[
        "log",
        "to-kml",
        log.to_str().unwrap(),
        "-o",
        kml.to_str().unwrap(),
    ]);
    let k = read_kml(&kml).unwrap();
    assert!(k["placemarks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["style"] == "#btle" && p["folder"] == "BTLE Device"));
}

#[test]
fn logs_without_gps_give_valid_empty_outputs_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = shared_data();
    let logs = [
        data.join("reference/wireshark_wpa-Induction.kismet"),
        data.join("kismetdb/merge-kismetdb_masterDB_v7_2021.08.R1.kismet"),
        data.join("kismetdb/merge-kismetdb_masterDB_v8_2023.00.GIT.kismet"),
    ];
    for log in &logs {
        let before = std::fs::read(log).unwrap();
        let stem = log.file_stem().unwrap().to_str().unwrap();
        let kml = dir.path().join(format!("{stem}.kml"));
        let gpx = dir.path().join(format!("{stem}.gpx"));
        let csv = dir.path().join(format!("{stem}.csv"));
        for (tool, out) in [("to-kml", &kml), ("to-gpx", &gpx), ("to-wiglecsv", &csv)] {
            let err = ok(&[
                "log",
                tool,
                log.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(err.contains("has no GPS positions"), "{tool} {stem}: {err}");
        }
        assert_eq!(
            std::fs::read(log).unwrap(),
            before,
            "{} changed",
            log.display()
        );
        if let Some(k) = read_kml(&kml) {
            assert!(k["placemarks"].as_array().unwrap().is_empty());
            let g = read_gpx(&gpx).unwrap();
            assert!(g["segs"].as_array().unwrap().is_empty());
            assert!(g["wpts"].as_array().unwrap().is_empty());
            let c = read_csv(&csv).unwrap();
            assert_eq!(c["header"], serde_json::json!(HEADER));
            assert!(c["rows"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn version_4_logs_store_gps_as_integers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.kismet");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
         INSERT INTO KISMET VALUES ('2018.0.0', 4, 'kismetlog');
         CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat INT, min_lon INT, max_lat INT, max_lon INT, avg_lat INT, avg_lon INT, bytes_data INT, type TEXT, device BLOB, UNIQUE(phyname, devmac) ON CONFLICT REPLACE);
         CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT, transmac TEXT, frequency REAL, devkey TEXT, lat INT, lon INT, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT);
         CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat INT, lon INT, datasource TEXT, type TEXT, json BLOB);
         CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat INT, lon INT, snaptype TEXT, json BLOB);
         INSERT INTO packets VALUES (1519000000, 42, 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', 2412000, '0', 3889770, -7703650, 3, -70, '5FE308BD-0000-0000-0000-000E8E5C8866', 127, x'800000', 0);
         INSERT INTO devices VALUES (1519000000, 1519000100, '4202770D00000000_FFEEDDCCBBAA0000', 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', -40, 3889000, -7704000, 3890000, -7703000, 3889500, -7703500, 10, 'Wi-Fi AP', '{\"kismet.device.base.commonname\":\"old net\",\"dot11.device\":{\"dot11.device.last_beaconed_ssid\":\"old net\"}}');
         INSERT INTO devices VALUES (1519000000, 1519000100, '4202770D00000000_1100000000000000', 'IEEE802.11', '00:00:00:00:00:11', -40, 3889000, -7704000, 3890000, -7703000, 3889500, -7703500, 10, 'Wi-Fi Client', x'7b7d');",
    )
    .unwrap();
    drop(c);
    let kml = dir.path().join("v4.kml");
    ok(&[
        "log",
        "to-kml",
        path.to_str().unwrap(),
        "-o",
        kml.to_str().unwrap(),
    ]);
    let Some(k) = read_kml(&kml) else { return };
    let ap = placemark(&k, "AA:BB:CC:DD:EE:FF").unwrap();
    assert_eq!(ap["name"], "old net");
    assert!((ap["lat"].as_f64().unwrap() - 38.8977).abs() < 1e-9);
    assert!((ap["lon"].as_f64().unwrap() + 77.0365).abs() < 1e-9);
    // A device without packets is placed from the devices table's average.
    let cl = placemark(&k, "00:00:00:00:00:11").unwrap();
    assert!((cl["lat"].as_f64().unwrap() - 38.895).abs() < 1e-9);
    assert!(cl["data"]["position"]
        .as_str()
        .unwrap()
        .contains("devices table"));
    let csv = dir.path().join("v4.csv");
    ok(&[
        "log",
        "to-wiglecsv",
        path.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
    ]);
    let c = read_csv(&csv).unwrap();
    let rows = c["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], "old net");
    assert_eq!(rows[0][7], "38.8977");
    assert_eq!(rows[0][8], "-77.0365");
}

#[test]
fn outputs_are_never_the_input_and_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let log = located_log(dir.path());
    let before = std::fs::read(&log).unwrap();
    for tool in ["to-kml", "to-gpx", "to-wiglecsv"] {
        // Writing over the input is refused, even with --force.
        let o = run(&[
            "log",
            tool,
            log.to_str().unwrap(),
            "-o",
            log.to_str().unwrap(),
            "-f",
        ]);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("the output is the input"));
        assert_eq!(std::fs::read(&log).unwrap(), before);
        // An existing output needs --force.
        let out = dir.path().join(format!("existing-{tool}"));
        std::fs::write(&out, b"keep me").unwrap();
        let o = run(&[
            "log",
            tool,
            log.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
        assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
        ok(&[
            "log",
            tool,
            log.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_ne!(std::fs::read(&out).unwrap(), b"keep me");
        // stdout is the default.
        let o = run(&["log", tool, log.to_str().unwrap()]);
        assert!(o.status.success());
        assert_eq!(
            o.stdout,
            std::fs::read(&out).unwrap(),
            "{tool}: stdout and file differ"
        );
    }
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn damaged_inputs_fail_with_the_file_named_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.kismet");
    std::fs::write(&bad, b"this is not a database at all, not even close....").unwrap();
    let missing = dir.path().join("missing.kismet");
    for tool in ["to-kml", "to-gpx", "to-wiglecsv"] {
        for input in [&bad, &missing] {
            let out = dir.path().join(format!("{tool}.out"));
            let o = run(&[
                "log",
                tool,
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(!o.status.success(), "{tool} accepted {}", input.display());
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains(input.file_name().unwrap().to_str().unwrap()),
                "{err}"
            );
            assert!(!out.exists());
        }
    }
    // A bad exclusion zone is a usage error.
    let log = dir.path().join("x.kismet");
    let o = run(&["log", "to-kml", log.to_str().unwrap(), "-e", "91,0,5"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("latitude"));
}

#[test]
fn every_reference_log_exports_without_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(shared_data().join("reference")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) != Some("kismet") {
            continue;
        }
        n += 1;
        for tool in ["to-kml", "to-gpx", "to-wiglecsv"] {
            let out = dir.path().join("o");
            ok(&[
                "log",
                tool,
                p.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "-f",
            ]);
        }
    }
    assert!(n >= 40);
}
