//! A device as Kismet's JSON record (`kismet.device.base.*`, `dot11.device.*`), the form the
//! kismetdb `devices.device` column and Kismet's REST API carry.

use serde_json::{json, Map, Value};

use crate::device::Device;
use osprey_dissect::Phy;

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

impl Device {
    /// The device record as JSON text with Kismet's field names.
    pub fn to_kismet_json(&self, manuf: &str) -> String {
        let mut base = Map::new();
        let mut put = |k: &str, v: Value| {
            base.insert(format!("kismet.device.base.{k}"), v);
        };
        put("key", json!(self.key.to_string()));
        put("macaddr", json!(self.mac.to_string()));
        put("phyname", json!(self.phy.name()));
        put("name", json!(self.name()));
        put("commonname", json!(self.name()));
        put("type", json!(self.type_string()));
        put(
            "crypt",
            json!(self.advertised.last().map(|a| a.crypt).unwrap_or("")),
        );
        put("first_time", json!(self.first_time));
        put("last_time", json!(self.last_time));
        put("mod_time", json!(self.last_time));
        put("packets.total", json!(self.packets));
        put("packets.tx_total", json!(self.tx_packets));
        put("packets.rx_total", json!(self.rx_packets));
        put("packets.llc", json!(self.mgmt_packets));
        put("packets.data", json!(self.data_packets));
        put("packets.crypt", json!(self.crypt_packets));
        put("datasize", json!(self.data_bytes));
        put("channel", json!(channel_of(self.frequency)));
        put("frequency", json!(self.frequency));
        put("manuf", json!(manuf));
        let freq_map: Map<String, Value> = self
            .freq_map
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        put("freq_khz_map", Value::Object(freq_map));
        if self.last_signal.is_some() {
            put("signal", signal(self));
        }
        let seen: Vec<Value> = self
            .seen_by
            .iter()
            .map(|(u, n)| json!({"kismet.common.seenby.uuid": u.to_string(), "kismet.common.seenby.num_packets": n}))
            .collect();
        put("seenby", Value::Array(seen));
        if let Some((a, b, c, d, sa, so, n)) = self.location {
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
        if self.phy == Phy::Ieee80211 {
            let ssids: Map<String, Value> = self
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
                            "dot11.advertisedssid.dot11d_country": a.country.map(|c| String::from_utf8_lossy(&c).into_owned()).unwrap_or_default(),
                            "dot11.advertisedssid.wps_state": a.wps_state.unwrap_or(0),
                        }),
                    )
                })
                .collect();
            let probed: Map<String, Value> = self
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
            let last = self.advertised.iter().max_by_key(|a| a.last_time);
            let dot11 = json!({
                "dot11.device.advertised_ssid_map": Value::Object(ssids),
                "dot11.device.num_advertised_ssids": self.advertised.len(),
                "dot11.device.probed_ssid_map": Value::Object(probed),
                "dot11.device.num_probed_ssids": self.probed.len(),
                "dot11.device.associated_client_map": self.clients.iter().map(|m| (m.to_string(), json!(m.to_string()))).collect::<Map<String, Value>>(),
                "dot11.device.num_associated_clients": self.clients.len(),
                "dot11.device.client_map": self.client_of.iter().map(|m| (m.to_string(), json!(m.to_string()))).collect::<Map<String, Value>>(),
                "dot11.device.num_client_aps": self.client_of.len(),
                "dot11.device.datasize": self.data_bytes,
                "dot11.device.last_beaconed_ssid": last.map(|a| String::from_utf8_lossy(&a.ssid).into_owned()).unwrap_or_default(),
            });
            base.insert("dot11.device".into(), dot11);
        }
        Value::Object(base).to_string()
    }
}
