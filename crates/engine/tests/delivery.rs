//! Every emitted alert reaches the alert backlog, the message bus (ALERT message), the event
//! bus (ALERT event) and the kismetdb alerts table, in the same order; messages reach the
//! message bus (MESSAGE events) and the messages table.

use std::path::{Path, PathBuf};

use osprey_bus::topic;
use osprey_capture::Flow;
use osprey_engine::{Engine, EngineOptions};

fn shared_data() -> PathBuf {
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

fn replay(engine: &mut Engine, capture: &Path) -> usize {
    engine.begin_source(capture, "pcapfile");
    let mut emitted = 0;
    let mut err = None;
    let read = osprey_capture::for_each_frame(capture, &mut |f| match engine.process(f) {
        Ok(done) => {
            emitted += done.alerts.len();
            Flow::Continue
        }
        Err(e) => {
            err = Some(e);
            Flow::Stop
        }
    });
    assert_eq!(err, None);
    // This capture's last record is cut short: a partial read, an ERROR message, no alert.
    let read_error = read.err();
    assert!(read_error.as_ref().is_none_or(|e| e.is_partial()));
    let ended = engine
        .end_source(capture, read_error.as_ref())
        .expect("end source");
    assert!(ended.is_empty());
    emitted
}

#[test]
fn alerts_reach_backlog_message_bus_event_bus_and_log_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.kismet");
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let mut engine = Engine::new(EngineOptions {
        log: Some(log.clone()),
        log_packets: true,
        ..Default::default()
    })
    .unwrap();
    let alert_events = engine.events().subscribe(&[topic::ALERT], 10_000);
    let message_events = engine.events().subscribe(&[topic::MESSAGE], 10_000);
    let emitted = replay(&mut engine, &capture);
    assert!(
        emitted >= 5,
        "the capture has deauthentication floods: {emitted}"
    );

    let backlog: Vec<String> = engine
        .alerts()
        .backlog()
        .map(|a| a.to_kismet_json())
        .collect();
    let events: Vec<String> = std::iter::from_fn(|| alert_events.try_recv())
        .map(|e| {
            assert_eq!(e.topic, "ALERT");
            assert_eq!(e.content.len(), 1);
            assert_eq!(e.content[0].0, "ALERT");
            e.content[0].1.clone()
        })
        .collect();
    let alert_messages: Vec<String> = std::iter::from_fn(|| message_events.try_recv())
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.content[0].1).unwrap();
            (v["kismet.messagebus.message_flags"] == 8).then(|| {
                v["kismet.messagebus.message_string"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    assert_eq!(events.len(), emitted);
    assert_eq!(alert_events.dropped(), 0);
    assert_eq!(
        &events[events.len() - backlog.len().min(50)..],
        &backlog[..]
    );
    engine.finish().unwrap();

    let r = kismetdb::Reader::open(&log).unwrap();
    let mut rows = Vec::new();
    r.alerts()
        .unwrap()
        .for_each(|a| -> kismetdb::Result<()> {
            rows.push(String::from_utf8(a.json.to_vec()).unwrap());
            Ok(())
        })
        .unwrap();
    assert_eq!(
        rows, events,
        "the alerts table holds the same alerts in the same order"
    );
    let want_messages: Vec<String> = rows
        .iter()
        .map(|j| {
            let v: serde_json::Value = serde_json::from_str(j).unwrap();
            format!(
                "{} {}",
                v["kismet.alert.header"].as_str().unwrap(),
                v["kismet.alert.text"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(alert_messages, want_messages);
    let mut logged_alert_messages = Vec::new();
    r.messages()
        .unwrap()
        .for_each(|m| -> kismetdb::Result<()> {
            if m.msgtype.is_empty() {
                logged_alert_messages.push(m.message.to_string());
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(logged_alert_messages, want_messages);
    // The evidence of each alert is in the JSON.
    for j in &rows {
        let v: serde_json::Value = serde_json::from_str(j).unwrap();
        let ids = v[osprey_alerts::EVIDENCE_KEY].as_array().expect("evidence");
        assert!(!ids.is_empty());
    }
}

#[test]
fn a_subscriber_that_does_not_keep_up_is_counted_and_does_not_change_the_log() {
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let mut a = Engine::new(EngineOptions::default()).unwrap();
    let slow = a.events().subscribe(&[topic::ALL], 1);
    let n_a = replay(&mut a, &capture);
    assert!(slow.dropped() > 0);
    let mut b = Engine::new(EngineOptions::default()).unwrap();
    let n_b = replay(&mut b, &capture);
    assert_eq!(n_a, n_b);
}

#[test]
fn a_bad_option_is_an_error_naming_the_line() {
    let options =
        osprey_config::Options::parse("osprey.conf", "alert=DEAUTHFLOOD,5/min,2/sec\nalert=X,1\n")
            .unwrap();
    let e = match Engine::new(EngineOptions {
        options,
        ..Default::default()
    }) {
        Err(e) => e,
        Ok(_) => panic!("accepted"),
    };
    assert!(e.starts_with("osprey.conf:2: alert: "), "{e}");
}

#[test]
fn the_engine_publishes_kismets_topics() {
    let dir = tempfile::tempdir().unwrap();
    let capture = shared_data().join("raw80211/wifite2_handshake_has_1234.cap");
    let mut engine = Engine::new(EngineOptions {
        log: Some(dir.path().join("t.kismet")),
        log_packets: true,
        ..Default::default()
    })
    .unwrap();
    let all = engine.events().subscribe(&[topic::ALL], 100_000);
    // The second capture has probe requests for named networks.
    let probes = shared_data().join("raw80211/aircrack_wpa2-psk-linksys.cap");
    for c in [&capture, &probes] {
        engine.begin_source(c, "pcapfile");
        let read = osprey_capture::for_each_frame(c, &mut |f| {
            engine.process(f).unwrap();
            Flow::Continue
        });
        engine.end_source(c, read.err().as_ref()).unwrap();
    }
    engine.tick().unwrap();
    let mut topics = std::collections::BTreeMap::<String, Vec<Vec<String>>>::new();
    while let Some(e) = all.try_recv() {
        let keys = e.content.iter().map(|(k, _)| k.clone()).collect();
        for (_, v) in &e.content {
            serde_json::from_str::<serde_json::Value>(v)
                .unwrap_or_else(|err| panic!("{}: {err}: {v}", e.topic));
        }
        topics.entry(e.topic.clone()).or_default().push(keys);
    }
    assert_eq!(all.dropped(), 0);
    for (t, keys) in [
        ("ALERT", vec!["ALERT"]),
        ("MESSAGE", vec!["MESSAGE"]),
        ("NEW_DEVICE", vec!["NEW_DEVICE"]),
        ("NEW_PHY", vec!["NEW_PHY"]),
        ("NEW_DATASOURCE", vec!["NEW_DATASOURCE"]),
        ("DATASOURCE_OPENED", vec!["DATASOURCE_OPENED"]),
        ("DATASOURCE_CLOSED", vec!["DATASOURCE_CLOSED"]),
        (
            "DOT11_ADVERTISED_SSID",
            vec!["DOT11_NEW_SSID_BASEDEV", "DOT11_ADVERTISED_SSID"],
        ),
        (
            "DOT11_RESPONSE_SSID",
            vec!["DOT11_NEW_SSID_BASEDEV", "DOT11_RESPONSE_SSID"],
        ),
        (
            "DOT11_PROBED_SSID",
            vec!["DOT11_NEW_SSID_BASEDEV", "DOT11_PROBED_SSID"],
        ),
        (
            "DOT11_WPA_HANDSHAKE",
            vec!["DOT11_WPA_HANDSHAKE_BASEDEV", "DOT11_WPA_HANDSHAKE_DOT11"],
        ),
        ("TIMESTAMP", vec!["TIMESTAMP"]),
        ("PACKETCHAIN_STATS", vec!["PACKETCHAIN_STATS"]),
    ] {
        let got = topics
            .get(t)
            .unwrap_or_else(|| panic!("no {t}: {:?}", topics.keys()));
        assert_eq!(got[0], keys, "{t}");
    }
    assert_eq!(topics["NEW_PHY"].len(), 1, "one phy in this capture");
    engine.finish().unwrap();
}
