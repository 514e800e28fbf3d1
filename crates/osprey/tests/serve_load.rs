//! The event bus under load, from the outside (no timing assertions):
//!
//! * a websocket subscriber of `*` that never reads does not hold up a replay: the queue it
//!   cannot drain overflows, the drop is counted in `/system/status.json`, the client is
//!   disconnected with a message on the message bus (and in the log), and the replay ends;
//! * a subscriber that keeps reading receives every alert the backlog holds, in order.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{osprey, shared_data, Serving};

/// Starts `osprey serve` on a free port with `extra` arguments.
fn start(dir: &Path, extra: &[String]) -> Serving {
    common::serve(
        osprey()
            .args(["serve", "--listen", "127.0.0.1:0", "--auth-dir"])
            .arg(dir.join("auth"))
            .args(extra)
            .current_dir(dir),
    )
}

fn pcap_header(dlt: u32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(0xa1b2_c3d4u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend([0u8; 8]);
    b.extend(65535u32.to_le_bytes());
    b.extend(dlt.to_le_bytes());
    b
}

fn record(b: &mut Vec<u8>, sec: i64, usec: u32, data: &[u8]) {
    b.extend((sec as u32).to_le_bytes());
    b.extend(usec.to_le_bytes());
    b.extend((data.len() as u32).to_le_bytes());
    b.extend((data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
}

/// `n` Ethernet frames, one a second from `start`: a link type nothing decodes, so a paced
/// warm-up source that creates no device and raises no alert.
fn warmup(path: &Path, n: u32, start: i64) {
    let mut b = pcap_header(1);
    for i in 0..n {
        record(&mut b, start + i64::from(i), 0, &[0u8; 60]);
    }
    std::fs::write(path, b).unwrap();
}

/// A radiotap beacon from access point `i` (its own BSSID and SSID).
fn beacon(i: u32) -> Vec<u8> {
    let bssid = [0x02, 0xBE, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8];
    let mut f = vec![0u8, 0, 8, 0, 0, 0, 0, 0]; // radiotap, nothing present
    f.extend([0x80, 0x00, 0, 0]);
    f.extend([0xFF; 6]);
    f.extend(bssid);
    f.extend(bssid);
    f.extend([0, 0]);
    f.extend([0u8; 8]); // TSF
    f.extend([0x64, 0x00, 0x01, 0x00]); // interval, ESS
    let ssid = format!("load-{i}");
    f.extend([0, ssid.len() as u8]);
    f.extend(ssid.as_bytes());
    f.extend([1, 4, 0x82, 0x84, 0x8b, 0x96, 3, 1, 6]);
    f
}

/// Beacons from `aps` access points, 1 ms apart from `start`, `rounds` times over.
fn beacons(path: &Path, aps: u32, rounds: u32, start: i64) {
    let mut b = pcap_header(127);
    let mut k = 0u64;
    for _ in 0..rounds {
        for i in 0..aps {
            let sec = start + (k / 1000) as i64;
            record(&mut b, sec, ((k % 1000) * 1000) as u32, &beacon(i));
            k += 1;
        }
    }
    std::fs::write(path, b).unwrap();
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build()
}

fn get_json(s: &Serving, path: &str) -> Result<serde_json::Value, String> {
    agent()
        .get(&format!("{}{path}", s.base))
        .query("user", "kismet")
        .query("password", &s.password)
        .call()
        .map_err(|e| e.to_string())?
        .into_json()
        .map_err(|e| e.to_string())
}

fn connect_ws(
    s: &Serving,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    let url = format!(
        "{}/eventbus/events.ws?user=kismet&password={}",
        s.base.replace("http://", "ws://"),
        s.password
    );
    tungstenite::connect(url).expect("websocket").0
}

fn subscribe(
    ws: &mut tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    topic: &str,
) {
    ws.send(tungstenite::Message::Text(format!(
        "{{\"SUBSCRIBE\": \"{topic}\"}}"
    )))
    .unwrap();
}

#[test]
fn a_subscriber_that_never_reads_is_counted_and_dropped_and_the_replay_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (warm, flood, tail) = (
        dir.path().join("warm.pcap"),
        dir.path().join("flood.pcap"),
        dir.path().join("tail.pcap"),
    );
    let t0 = 1_700_000_000;
    // 3 s to log in and subscribe; then 5000 new access points at full speed (a NEW_DEVICE
    // and an advertised SSID each: 10 000 events against a queue of 4096); then 2 s of known
    // ones.
    warmup(&warm, 30, t0);
    beacons(&flood, 5000, 1, t0 + 100);
    beacons(&tail, 20, 2, t0 + 200);
    let log = dir.path().join("load.kismet");
    let s = start(
        dir.path(),
        &[
            "--exit-when-done".into(),
            "-o".into(),
            log.display().to_string(),
            "-c".into(),
            format!("{}:pps=10", warm.display()),
            "-c".into(),
            flood.display().to_string(),
            "-c".into(),
            format!("{}:pps=20", tail.display()),
        ],
    );
    let mut slow = connect_ws(&s);
    if let tungstenite::stream::MaybeTlsStream::Plain(t) = slow.get_ref() {
        // A small receive window, so the kernel's buffers take few of the events.
        use std::os::fd::AsRawFd;
        common::set_rcvbuf(t.as_raw_fd(), 4096);
    }
    subscribe(&mut slow, "*");
    // Never read again; poll the status until the server is gone.
    let (mut dropped, mut evicted, mut polls) = (0u64, 0u64, 0u32);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut s = s;
    let exit = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "the replay did not end: a slow subscriber held it up"
        );
        if let Ok(v) = get_json(&s, "/system/status.json") {
            polls += 1;
            dropped = dropped.max(v["osprey.system.eventbus.dropped"].as_u64().unwrap());
            evicted = evicted.max(v["osprey.system.eventbus.evicted"].as_u64().unwrap());
            assert!(v["osprey.system.eventbus.subscribers"].is_array(), "{v}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "{exit}");
    assert!(polls > 0, "the status was read during the replay");
    assert!(dropped > 0, "drops are counted in /system/status.json");
    assert_eq!(evicted, 1, "the slow client was disconnected");
    // Every frame was processed: the log has every packet.
    let r = kismetdb::Reader::open(&log).unwrap();
    assert_eq!(r.count(kismetdb::Table::Packets).unwrap(), 30 + 5000 + 40);
    // The disconnection is on the message bus, hence in the log.
    let mut texts = Vec::new();
    r.messages()
        .unwrap()
        .for_each(|m| -> kismetdb::Result<()> {
            texts.push((m.msgtype.to_string(), m.message.to_string()));
            Ok(())
        })
        .unwrap();
    let note = texts
        .iter()
        .find(|(_, t)| t.contains("did not keep up"))
        .unwrap_or_else(|| panic!("no message about the slow client in {texts:?}"));
    assert_eq!(note.0, "ERROR");
    assert!(note.1.contains("127.0.0.1:"), "{}", note.1);
    drop(slow);
}

#[test]
fn a_subscriber_that_keeps_reading_receives_every_alert_of_the_backlog() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let mut first = None;
    let _ = osprey_capture::for_each_frame(&capture, &mut |f| {
        first = Some(f.ts.sec);
        osprey_capture::Flow::Stop
    });
    let dir = tempfile::tempdir().unwrap();
    let warm = dir.path().join("warm.pcap");
    // 3 s to log in and subscribe (argon2 is slow in a debug build), then the capture in
    // about a second.
    warmup(&warm, 30, first.unwrap() - 40);
    let s = start(
        dir.path(),
        &[
            "-n".into(),
            "-c".into(),
            format!("{}:pps=10", warm.display()),
            "-c".into(),
            format!("{}:pps=2000", capture.display()),
        ],
    );
    let mut ws = connect_ws(&s);
    if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_ref() {
        t.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    }
    for t in ["ALERT", "DATASOURCE_CLOSED", "TIMESTAMP"] {
        subscribe(&mut ws, t);
    }
    let mut baseline: Option<Vec<u64>> = None;
    let mut received = Vec::new();
    let mut closed = 0;
    let mut headers = Vec::new();
    let read = |ws: &mut tungstenite::WebSocket<_>| -> Option<serde_json::Value> {
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => Some(serde_json::from_str(t.as_str()).unwrap()),
            Ok(_) => Some(serde_json::Value::Null),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("the subscriber was disconnected: {e}"),
        }
    };
    let hashes = |v: &serde_json::Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["kismet.alert.hash"].as_u64().unwrap())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while closed < 2 {
        assert!(
            Instant::now() < deadline,
            "the replay did not end: {closed} source(s) closed, alerts {headers:?}"
        );
        let v = read(&mut ws).expect("events within 20 s");
        if v.get("TIMESTAMP").is_some() && baseline.is_none() {
            // Subscribed: what the backlog holds now may predate the subscription.
            baseline = Some(hashes(&get_json(&s, "/alerts/all_alerts.json").unwrap()));
        }
        if let Some(a) = v.get("ALERT") {
            received.push(a["kismet.alert.hash"].as_u64().unwrap());
            headers.push(a["kismet.alert.header"].as_str().unwrap().to_string());
        }
        if v.get("DATASOURCE_CLOSED").is_some() {
            closed += 1;
        }
    }
    // Alerts raised as the source ends follow its DATASOURCE_CLOSED: read on for a second.
    if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_ref() {
        t.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
    }
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        if let Some(a) = read(&mut ws).as_ref().and_then(|v| v.get("ALERT")) {
            received.push(a["kismet.alert.hash"].as_u64().unwrap());
        }
    }
    let baseline = baseline.expect("a TIMESTAMP event before the capture ended");
    let backlog = hashes(&get_json(&s, "/alerts/all_alerts.json").unwrap());
    let expected: Vec<u64> = backlog
        .iter()
        .copied()
        .filter(|h| !baseline.contains(h))
        .collect();
    assert!(
        headers.iter().any(|h| h == "DEAUTHFLOOD"),
        "the capture's flood was received: {headers:?}"
    );
    assert!(!expected.is_empty());
    // Every alert the backlog gained while subscribed was received, in the backlog's order.
    let got: Vec<u64> = received
        .iter()
        .copied()
        .filter(|h| expected.contains(h))
        .collect();
    assert_eq!(got, expected, "received {received:?}");
    let status = get_json(&s, "/system/status.json").unwrap();
    assert_eq!(status["osprey.system.eventbus.evicted"], 0, "{status}");
    assert_eq!(status["osprey.system.eventbus.dropped"], 0, "{status}");
    // Still subscribed: the status lists a websocket subscription with our topics.
    let subs = status["osprey.system.eventbus.subscribers"]
        .as_array()
        .unwrap();
    assert!(
        subs.iter().any(|x| x["topics"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "ALERT"))),
        "{status}"
    );
}

#[test]
fn bench_serve_reports_latency_and_a_subscriber_that_missed_nothing() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let tmp = tempfile::tempdir().unwrap();
    let out = common::run(&[
        "bench",
        "serve",
        capture.to_str().unwrap(),
        "--clients",
        "4",
        "--pps",
        "2000",
        "--json",
        "--tmp-dir",
        tmp.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["frames"], 2189);
    assert_eq!(v["clients"], 4);
    assert!(v["requests"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["errors"], 0, "{v}");
    assert_eq!(v["io_errors"], 0, "{v}");
    assert!(v["ingest_packets_per_sec"].as_f64().unwrap() > 0.0);
    let l = &v["latency_ms"];
    assert_eq!(l["count"], v["requests"]);
    let (p50, p99, max) = (
        l["p50"].as_f64().unwrap(),
        l["p99"].as_f64().unwrap(),
        l["max"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{l}");
    assert_eq!(
        v["alerts_latency_ms"]["count"].as_u64().unwrap()
            + v["devices_latency_ms"]["count"].as_u64().unwrap(),
        v["requests"].as_u64().unwrap()
    );
    // The capture's alerts and devices all reached the subscriber.
    let e = &v["events"];
    assert!(e["alerts_expected"].as_u64().unwrap() > 0, "{e}");
    assert_eq!(e["alerts_received"], e["alerts_expected"], "{e}");
    assert_eq!(e["alerts_missing_from_backlog"], 0, "{e}");
    assert!(e["devices_expected"].as_u64().unwrap() > 0, "{e}");
    assert_eq!(e["devices_received"], e["devices_expected"], "{e}");
    assert_eq!(e["bus_evicted"], 0, "{e}");
    assert_eq!(v["events_pass"], true);
    assert!(v["p99_pass"].is_boolean());
    // The server was stopped and its temporary directory removed.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}
