//! The device record writer (`Device::to_kismet_json`) writes JSON directly, for speed. This
//! test keeps the straightforward form, a `serde_json::Value` tree, as the reference, and
//! checks the two agree byte for byte for every device of every shared capture.

use std::path::PathBuf;

use osprey_capture::Flow;
use osprey_dissect::{Dissector, Phy};
use osprey_tracker::{Device, Tracker};
use serde_json::{json, Map, Value};

fn shared() -> PathBuf {
    match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn signal(d: &Device) -> Value {
    json!({
        "kismet.common.signal.type": "dbm",
        "kismet.common.signal.last_signal": d.last_signal.unwrap_or(0),
        "kismet.common.signal.min_signal": d.min_signal.unwrap_or(0),
        "kismet.common.signal.max_signal": d.max_signal.unwrap_or(0),
    })
}

fn channel_of(khz: u32) -> String {
    match osprey_dissect::channel::from_mhz(khz / 1000) {
        0 if khz == 0 => String::new(),
        0 => (khz / 1000).to_string(),
        c => c.to_string(),
    }
}

fn reference_json(d: &Device, manuf: &str) -> String {
    let this = d;
    {
        let mut base = Map::new();
        let mut put = |k: &str, v: Value| {
            base.insert(format!("kismet.device.base.{k}"), v);
        };
        put("key", json!(this.key.to_string()));
        put("macaddr", json!(this.mac.to_string()));
        put("phyname", json!(this.phy.name()));
        put("name", json!(this.name()));
        put("commonname", json!(this.name()));
        put("type", json!(this.type_string()));
        put(
            "crypt",
            json!(this.advertised.last().map(|a| a.crypt).unwrap_or("")),
        );
        put("first_time", json!(this.first_time));
        put("last_time", json!(this.last_time));
        put("mod_time", json!(this.last_time));
        put("packets.total", json!(this.packets));
        put("packets.tx_total", json!(this.tx_packets));
        put("packets.rx_total", json!(this.rx_packets));
        put("packets.llc", json!(this.mgmt_packets));
        put("packets.data", json!(this.data_packets));
        put("packets.crypt", json!(this.crypt_packets));
        put("datasize", json!(this.data_bytes));
        put("channel", json!(channel_of(this.frequency)));
        put("frequency", json!(this.frequency));
        put("manuf", json!(manuf));
        let freq_map: Map<String, Value> = this
            .freq_map
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        put("freq_khz_map", Value::Object(freq_map));
        if this.last_signal.is_some() {
            put("signal", signal(this));
        }
        let seen: Vec<Value> = this
            .seen_by
            .iter()
            .map(|(u, n)| json!({"kismet.common.seenby.uuid": u.to_string(), "kismet.common.seenby.num_packets": n}))
            .collect();
        put("seenby", Value::Array(seen));
        if let Some((a, b, c, d, sa, so, n)) = this.location {
            let avg = |s: f64| if n == 0 { 0.0 } else { s / n as f64 };
            put(
                "location",
                json!({
                    "kismet.common.location.min_loc": {"kismet.common.location.geopoint": [b, a]},
                    "kismet.common.location.max_loc": {"kismet.common.location.geopoint": [d, c]},
                    "kismet.common.location.avg_loc": {"kismet.common.location.geopoint": [avg(so), avg(sa)]},
                }),
            );
        }
        if this.phy == Phy::Ieee80211 {
            let ssids: Map<String, Value> = this
                .advertised
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        i.to_string(),
                        json!({
                            "dot11.advertisedssid.ssid": String::from_utf8_lossy(&a.ssid),
                            "dot11.advertisedssid.ssidlen": a.ssid.len(),
                            "dot11.advertisedssid.crypt_string": a.crypt,
                            "dot11.advertisedssid.beacon_info": a.beacons,
                            "dot11.advertisedssid.probe_response": a.responses,
                            "dot11.advertisedssid.beaconrate": if a.beacon_interval == 0 { 0.0 } else { 1000.0 / (f64::from(a.beacon_interval) * 1.024) },
                            "dot11.advertisedssid.channel": a.channel.map(|c| c.to_string()).unwrap_or_default(),
                            "dot11.advertisedssid.first_time": a.first_time,
                            "dot11.advertisedssid.last_time": a.last_time,
                            "dot11.advertisedssid.dot11d_country": a.country.map(|c| String::from_utf8_lossy(&c[..]).into_owned()).unwrap_or_default(),
                            "dot11.advertisedssid.wps_state": a.wps_state.unwrap_or(0),
                        }),
                    )
                })
                .collect();
            let probed: Map<String, Value> = this
                .probed
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    (
                        i.to_string(),
                        json!({"dot11.probedssid.ssid": String::from_utf8_lossy(s)}),
                    )
                })
                .collect();
            let last = this.advertised.iter().max_by_key(|a| a.last_time);
            let dot11 = json!({
                "dot11.device.advertised_ssid_map": Value::Object(ssids),
                "dot11.device.num_advertised_ssids": this.advertised.len(),
                "dot11.device.probed_ssid_map": Value::Object(probed),
                "dot11.device.num_probed_ssids": this.probed.len(),
                "dot11.device.associated_client_map": this.clients.iter().map(|m| (m.to_string(), json!(m.to_string()))).collect::<Map<String, Value>>(),
                "dot11.device.num_associated_clients": this.clients.len(),
                "dot11.device.client_map": this.client_of.iter().map(|m| (m.to_string(), json!(m.to_string()))).collect::<Map<String, Value>>(),
                "dot11.device.num_client_aps": this.client_of.len(),
                "dot11.device.datasize": this.data_bytes,
                "dot11.device.last_beaconed_ssid": last.map(|a| String::from_utf8_lossy(&a.ssid).into_owned()).unwrap_or_default(),
            });
            base.insert("dot11.device".into(), dot11);
        }
        Value::Object(base).to_string()
    }
}

#[test]
fn direct_writer_matches_the_value_tree_on_every_shared_capture() {
    let mut devices = 0;
    let mut files = 0;
    for sub in [
        "radiotap",
        "raw80211",
        "prism",
        "ppi",
        "ble",
        "pcapng",
        "radiotap-headers",
    ] {
        let dir = std::fs::read_dir(shared().join(sub))
            .unwrap_or_else(|e| panic!("{}: {e}", shared().join(sub).display()));
        for e in dir {
            let path = e.unwrap().path();
            let mut d = Dissector::new();
            let mut t = Tracker::new();
            let uuid = kismetdb::Uuid::kismet_source("kismet_cap_pcapfile", "x");
            let _ = osprey_capture::for_each_frame(&path, &mut |f| {
                let p = d.dissect(f);
                t.observe(&p, uuid);
                Flow::Continue
            });
            files += 1;
            for dev in t.devices() {
                for manuf in ["Unknown", "Apple, Inc. \"quoted\""] {
                    let want = reference_json(dev, manuf);
                    let got = dev.to_kismet_json(manuf);
                    assert_eq!(got, want, "{} device {}", path.display(), dev.mac);
                }
                devices += 1;
            }
        }
    }
    assert!(
        files >= 30,
        "only {files} shared captures found under {}",
        shared().display()
    );
    assert!(devices > 200, "only {devices} devices");
}

/// What the captures lack: ten or more SSIDs (their map keys "10" sort before "2"),
/// frequencies of different digit counts, a location, many clients, odd SSID bytes.
#[test]
fn direct_writer_matches_on_a_crowded_device() {
    let path = shared().join("pcapng");
    let first = std::fs::read_dir(&path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut d = Dissector::new();
    let mut t = Tracker::new();
    let _ = osprey_capture::for_each_frame(&first, &mut |f| {
        let p = d.dissect(f);
        t.observe(&p, kismetdb::Uuid::NIL);
        Flow::Continue
    });
    let mut dev: Device = t
        .devices()
        .iter()
        .find(|d| d.phy == Phy::Ieee80211)
        .expect("an 802.11 device")
        .clone();
    for i in 0..12u8 {
        dev.advertised.push(osprey_tracker::AdvertisedSsid {
            ssid: vec![b'n', i, b'"', 0xff, b'\\'],
            crypt: "WPA2-PSK",
            beacons: u64::from(i),
            beacon_interval: u16::from(i) * 10,
            channel: Some(i),
            country: Some([b'U', b'S']),
            wps_state: Some(i),
            ..Default::default()
        });
        dev.probed.insert(vec![b'p', i]);
        dev.clients
            .insert(kismetdb::MacAddr::new([2, 0, 0, 0, 0, i]));
    }
    for f in [915_000, 2_412_000, 5_180_000, 60_480_000] {
        dev.freq_map.bump(f);
    }
    dev.seen_by
        .bump(kismetdb::Uuid::kismet_source("kismet_cap_pcapfile", "y"));
    dev.location = Some((1.5, -2.25, 3.0, 4.0, 10.0, 20.0, 4));
    dev.last_signal = Some(-40);
    assert_eq!(dev.to_kismet_json("M"), reference_json(&dev, "M"));
}
