//! `osprey serve` from the outside: the route table's roles hold with real HTTP (nothing
//! answers without credentials except what Kismet leaves open; readonly keys cannot reach
//! admin routes), a websocket client receives the alerts a replay raises, in order, and bad
//! requests get a 4xx with a JSON body, never a 5xx.

mod common;

use std::time::Duration;

use common::{osprey, shared_data, ServeInDir as Server};

fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth");
    let proc = common::serve(
        osprey()
            .args(["serve", "--listen", "127.0.0.1:0", "--auth-dir"])
            .arg(&auth)
            .args(extra)
            .current_dir(dir.path()),
    );
    Server { proc, dir }
}

fn basic(user: &str, pw: &str) -> String {
    use std::io::Write;
    let mut enc = Vec::new();
    let raw = format!("{user}:{pw}");
    // Minimal base64 for the test.
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for c in raw.as_bytes().chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                enc.push(T[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                enc.push(b'=');
            }
        }
    }
    let mut s = Vec::new();
    write!(s, "Basic {}", String::from_utf8(enc).unwrap()).unwrap();
    String::from_utf8(s).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build()
}

/// (status, body) of a request; `auth` is an Authorization header value.
fn call(method: &str, url: &str, auth: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut r = agent().request(method, url);
    if let Some(a) = auth {
        r = r.set("Authorization", a);
    }
    let res = match body {
        Some(b) => r.set("Content-Type", "application/json").send_string(b),
        None => r.call(),
    };
    match res {
        Ok(resp) => (resp.status(), resp.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, resp)) => (code, resp.into_string().unwrap_or_default()),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

#[test]
fn every_route_declares_its_role_and_credentials_are_required() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let s = start(&["-c", capture.to_str().unwrap(), "-n"]);
    let admin = basic("kismet", &s.password);
    // An API key with the readonly role.
    let (st, token) = call(
        "POST",
        &format!("{}/auth/apikey/generate.cmd", s.base),
        Some(&admin),
        Some(r#"{"name":"ro","role":"readonly","duration":0}"#),
    );
    assert_eq!(st, 200, "{token}");
    let token = token.trim().to_string();
    assert_eq!(token.len(), 32);
    for r in osprey_server::routes::ROUTES {
        let path = osprey_server::routes::example_path(r);
        if r.endpoint == osprey_server::routes::Endpoint::EventBus {
            continue; // a websocket, below
        }
        let url = format!("{}{path}", s.base);
        let method = r.methods[0];
        let body = (method == "POST").then_some("{}");
        let (anon, anon_body) = call(method, &url, None, body);
        match r.role {
            osprey_server::auth::RouteRole::Unauth => {
                assert_ne!(anon, 401, "{path} is open in Kismet too");
            }
            _ => {
                assert_eq!(
                    anon, 401,
                    "{path} answered without credentials: {anon_body}"
                );
                assert!(anon_body.starts_with('{'), "{path}: JSON error body");
            }
        }
        let ro_url = format!(
            "{url}{}KISMET={token}",
            if url.contains('?') { "&" } else { "?" }
        );
        let (ro, _) = call(method, &ro_url, None, body);
        match r.role {
            osprey_server::auth::RouteRole::Admin => {
                assert_eq!(ro, 401, "{path}: readonly reached an admin route")
            }
            _ => assert_ne!(ro, 401, "{path}: readonly refused"),
        }
        let (ad, ad_body) = call(method, &url, Some(&admin), body);
        assert_ne!(ad, 401, "{path}: admin refused");
        assert!(ad < 500, "{path}: {ad} {ad_body}");
    }
    // A wrong password and a forged cookie are refused.
    let url = format!("{}/alerts/all_alerts.json", s.base);
    assert_eq!(
        call("GET", &url, Some(&basic("kismet", "wrong")), None).0,
        401
    );
    let forged = agent()
        .get(&url)
        .set("Cookie", "KISMET=0123456789ABCDEF0123456789ABCDEF")
        .call();
    assert!(matches!(forged, Err(ureq::Error::Status(401, _))));
}

#[test]
fn bad_requests_get_a_json_4xx_never_a_5xx() {
    let s = start(&["-n"]);
    let admin = basic("kismet", &s.password);
    let b = &s.base;
    let cases: Vec<(&str, String, Option<String>)> = vec![
        (
            "GET",
            format!("{b}/alerts/last-time/notanumber/alerts.json"),
            None,
        ),
        ("GET", format!("{b}/alerts/by-id/abc/alert.json"), None),
        (
            "POST",
            format!("{b}/alerts/all_alerts.json"),
            Some("{not json".into()),
        ),
        (
            "POST",
            format!("{b}/alerts/all_alerts.json"),
            Some(r#"{"fields": [1]}"#.into()),
        ),
        (
            "POST",
            format!("{b}/devices/views/all/devices.json"),
            Some(r#"{"regex": [["kismet.device.base.name", "(unclosed"]]}"#.into()),
        ),
        (
            "POST",
            format!("{b}/alerts/raise_alerts.cmd"),
            Some(r#"{"name":"NOPE","text":"x"}"#.into()),
        ),
        (
            "POST",
            format!("{b}/alerts/raise_alerts.cmd"),
            Some(r#"{"name":"DEAUTHFLOOD","text":"x","source":"zz"}"#.into()),
        ),
        (
            "POST",
            format!("{b}/alerts/definitions/define_alert.cmd"),
            Some(r#"{"name":"X"}"#.into()),
        ),
        (
            "GET",
            format!("{b}/logging/kismetdb/pcap/..%2F..%2Fetc%2Fpasswd.pcapng"),
            None,
        ),
        ("GET", format!("{b}/devices/by-key/nokey/device.json"), None),
        ("GET", format!("{b}/no/such/path.json"), None),
    ];
    // An oversized body is refused from its declared length, before it is read.
    {
        use std::io::{Read, Write};
        let addr = b.trim_start_matches("http://");
        let mut t = std::net::TcpStream::connect(addr).unwrap();
        t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            t,
            "POST /alerts/all_alerts.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n"
        )
        .unwrap();
        let mut resp = vec![0u8; 4096];
        let n = t.read(&mut resp).unwrap();
        let resp = String::from_utf8_lossy(&resp[..n]);
        assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
        assert!(resp.contains("{\"error\""), "{resp}");
    }
    for (method, url, body) in cases {
        let (st, text) = call(method, &url, Some(&admin), body.as_deref());
        assert!((400..500).contains(&st), "{method} {url}: {st} {text}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&text)
                .map(|v| v.get("error").is_some() || v == serde_json::json!({}))
                .unwrap_or(false),
            "{method} {url}: not a JSON error body: {text}"
        );
    }
}

#[test]
fn a_websocket_client_receives_the_alerts_of_a_replay_in_order() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    // Paced so the client subscribes before the floods (packets ~440 and ~1660 of 2189).
    let s = start(&["-c", &format!("{}:pps=300", capture.display()), "-n"]);
    let ws_url = format!(
        "{}/eventbus/events.ws?user=kismet&password={}",
        s.base.replace("http://", "ws://"),
        s.password
    );
    let (mut ws, _) = tungstenite::connect(ws_url).expect("websocket");
    ws.send(tungstenite::Message::Text(
        r#"{"SUBSCRIBE": "ALERT"}"#.into(),
    ))
    .unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_ref() {
        t.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 5 {
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                got.push(v["ALERT"].clone());
            }
            Ok(_) => {}
            Err(e) => panic!("after {} alerts: {e}", got.len()),
        }
    }
    // The backlog, fetched after, ends with what was received, in the same order.
    std::thread::sleep(Duration::from_secs(2));
    let (st, body) = call(
        "GET",
        &format!("{}/alerts/all_alerts.json", s.base),
        Some(&basic("kismet", &s.password)),
        None,
    );
    assert_eq!(st, 200);
    let all: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let hashes = |v: &[serde_json::Value]| -> Vec<u64> {
        v.iter()
            .map(|a| a["kismet.alert.hash"].as_u64().unwrap())
            .collect()
    };
    let got_h = hashes(&got);
    let all_h = hashes(&all);
    let start = all_h
        .iter()
        .position(|h| *h == got_h[0])
        .expect("first received alert is in the backlog");
    assert_eq!(&all_h[start..start + got_h.len()], &got_h[..]);
    let headers: Vec<&str> = got
        .iter()
        .map(|a| a["kismet.alert.header"].as_str().unwrap())
        .collect();
    assert!(headers.contains(&"DEAUTHFLOOD"), "{headers:?}");
}

#[test]
fn the_official_python_client_lists_alerts_messages_and_devices() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let s = start(&["-c", capture.to_str().unwrap(), "-n"]);
    // Wait until the replay is done (its devices are all there).
    std::thread::sleep(Duration::from_secs(2));
    let script = format!(
        r#"
import json, kismet_rest
kw = dict(host_uri="{base}", username="kismet", password="{pw}", sessioncache_path="{cache}")
alerts = list(kismet_rest.Alerts(**kw).all())
messages = list(kismet_rest.Messages(**kw).all())
devices = list(kismet_rest.Devices(**kw).all())
print(json.dumps({{
  "alerts": [a["kismet.alert.header"] for a in alerts],
  "messages": len(messages),
  "devices": sorted(d["kismet.device.base.macaddr"] for d in devices),
}}))
"#,
        base = s.base,
        pw = s.password,
        cache = s.dir.path().join("pysession").display()
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 is part of the machine image");
    assert!(
        out.status.success(),
        "kismet_rest failed (scripts/install-test-tools.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alerts: Vec<&str> = v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        alerts.contains(&"DEAUTHFLOOD") && alerts.contains(&"BCASTDISCON"),
        "{alerts:?}"
    );
    assert!(v["messages"].as_u64().unwrap() > 0);
    let (st, body) = call(
        "GET",
        &format!("{}/devices/last-time/0/devices.json", s.base),
        Some(&basic("kismet", &s.password)),
        None,
    );
    assert_eq!(st, 200);
    let ours: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(v["devices"].as_array().unwrap().len(), ours.len());
    assert!(ours.len() >= 5);
}

#[test]
fn an_existing_log_is_served_read_only() {
    let log = shared_data().join("reference/wifite2_handshake_has_1234.kismet");
    let s = start(&["--log", log.to_str().unwrap()]);
    let admin = basic("kismet", &s.password);
    let r = kismetdb::Reader::open(&log).unwrap();
    let get = |path: &str| {
        let (st, body) = call("GET", &format!("{}{path}", s.base), Some(&admin), None);
        assert_eq!(st, 200, "{path}: {body}");
        body
    };
    let alerts: Vec<serde_json::Value> =
        serde_json::from_str(&get("/alerts/all_alerts.json")).unwrap();
    assert_eq!(
        alerts.len() as u64,
        r.count(kismetdb::Table::Alerts).unwrap()
    );
    let devices: Vec<serde_json::Value> =
        serde_json::from_str(&get("/devices/last-time/0/devices.json")).unwrap();
    assert_eq!(
        devices.len() as u64,
        r.count(kismetdb::Table::Devices).unwrap()
    );
    let sources: Vec<serde_json::Value> =
        serde_json::from_str(&get("/datasource/all_sources.json")).unwrap();
    assert_eq!(
        sources.len() as u64,
        r.count(kismetdb::Table::Datasources).unwrap()
    );
    // The pcap export holds every packet of the log.
    let resp = agent()
        .get(&format!("{}/logging/kismetdb/pcap/all.pcapng", s.base))
        .set("Authorization", &admin)
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all.pcapng");
    std::fs::write(&out, &bytes).unwrap();
    let mut n = 0u64;
    osprey_capture::for_each_frame(&out, &mut |_| {
        n += 1;
        osprey_capture::Flow::Continue
    })
    .unwrap();
    assert_eq!(n, r.count(kismetdb::Table::Packets).unwrap());
    // Nothing can be raised into a log.
    let (st, _) = call(
        "POST",
        &format!("{}/alerts/raise_alerts.cmd", s.base),
        Some(&admin),
        Some(r#"{"name":"DEAUTHFLOOD","text":"x"}"#),
    );
    assert_eq!(st, 405);
    // No event bus without a live engine.
    let (st, _) = call(
        "GET",
        &format!("{}/eventbus/events.ws", s.base),
        Some(&admin),
        None,
    );
    assert!((400..500).contains(&st));
}

#[test]
fn the_event_bus_carries_kismets_topics() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    // Paced (7 s) so the client is subscribed before the handshake near the end.
    let s = start(&["-c", &format!("{}:pps=300", capture.display()), "-n"]);
    let ws_url = format!(
        "{}/eventbus/events.ws?user=kismet&password={}",
        s.base.replace("http://", "ws://"),
        s.password
    );
    let (mut ws, _) = tungstenite::connect(ws_url).expect("websocket");
    ws.send(tungstenite::Message::Text(
        r#"{"SUBSCRIBE": "*", "fields": ["kismet.device.base.macaddr", "kismet.system.timestamp.sec"]}"#.into(),
    ))
    .unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_ref() {
        t.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    }
    // Content keys as Kismet frames them (the topic's key, or the handshake's two keys). The
    // events of the first packets (new SSIDs, NEW_PHY) come before a client can subscribe; the
    // engine's own test (crates/engine/tests/delivery.rs) sees every topic.
    let want = [
        "ALERT",
        "MESSAGE",
        "NEW_DEVICE",
        "DOT11_WPA_HANDSHAKE_BASEDEV",
        "DOT11_WPA_HANDSHAKE_DOT11",
        "TIMESTAMP",
        "PACKETCHAIN_STATS",
    ];
    let mut seen = std::collections::BTreeSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !want.iter().all(|t| seen.contains(*t)) && std::time::Instant::now() < deadline {
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                for (k, val) in v.as_object().unwrap() {
                    seen.insert(k.clone());
                    if k == "NEW_DEVICE" {
                        // Simplified by the subscription's fields.
                        assert!(val.get("kismet.device.base.macaddr").is_some(), "{val}");
                    }
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{e}; seen {seen:?}"),
        }
    }
    for t in want {
        assert!(seen.contains(t), "{t} not seen: {seen:?}");
    }
}

#[test]
fn realtime_sources_are_replayed_at_capture_speed() {
    // 3.44 s of capture; read at full speed it takes milliseconds.
    let capture = shared_data().join("radiotap/tcpdump_ieee802.11_exthdr.pcap");
    let dir = tempfile::tempdir().unwrap();
    let run = |opt: &str| {
        let started = std::time::Instant::now();
        let out = osprey()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--exit-when-done",
                "-n",
                "--auth-dir",
            ])
            .arg(dir.path().join("auth"))
            .arg("-c")
            .arg(format!("{}{opt}", capture.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        started.elapsed()
    };
    let fast = run("");
    let real = run(":realtime=true");
    assert!(real >= Duration::from_millis(3300), "{real:?}");
    assert!(fast < Duration::from_millis(3000), "{fast:?}");
}
