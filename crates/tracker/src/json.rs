//! A device as Kismet's JSON record (`kismet.device.base.*`, `dot11.device.*`), the form the
//! kismetdb `devices.device` column and Kismet's REST API carry.
//!
//! The record is written straight into a byte buffer, keys in sorted order (the order a
//! `serde_json` map gives, which the logs have always had). Every device changed in the last
//! 30 s is rewritten at each device pass, so building a `serde_json::Value` tree first (one
//! allocation per key) was the largest cost of logging. `tests/device_json.rs` checks the
//! output byte for byte against the tree-built form on every shared capture.

use crate::device::Device;
use osprey_dissect::Phy;

/// A JSON object/array writer over a byte buffer: keys and values are written in the order
/// given, commas are inserted.
struct Out {
    buf: Vec<u8>,
    /// Whether the innermost open container already has an entry.
    has_entry: Vec<bool>,
}

impl Out {
    fn sep(&mut self) {
        if let Some(h) = self.has_entry.last_mut() {
            if *h {
                self.buf.push(b',');
            }
            *h = true;
        }
    }
    fn open(&mut self, c: u8) {
        self.buf.push(c);
        self.has_entry.push(false);
    }
    fn close(&mut self, c: u8) {
        self.buf.push(c);
        self.has_entry.pop();
    }
    /// A key (escaped) and its colon.
    fn key(&mut self, k: &str) {
        self.sep();
        self.string(k);
        self.buf.push(b':');
    }
    /// `"prefix" + k` as a key (the prefixes are plain ASCII).
    fn pkey(&mut self, prefix: &str, k: &str) {
        self.sep();
        self.buf.push(b'"');
        self.buf.extend_from_slice(prefix.as_bytes());
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }
    /// A string value, escaped as serde_json escapes.
    fn string(&mut self, s: &str) {
        let _ = serde_json::to_writer(&mut self.buf, s);
    }
    fn int(&mut self, n: impl itoa_like::Int) {
        n.write(&mut self.buf);
    }
    /// A float as serde_json writes it (`null` when not finite).
    fn float(&mut self, f: f64) {
        let _ = serde_json::to_writer(&mut self.buf, &f);
    }
    fn kstr(&mut self, prefix: &str, k: &str, v: &str) {
        self.pkey(prefix, k);
        self.string(v);
    }
    fn kint(&mut self, prefix: &str, k: &str, v: impl itoa_like::Int) {
        self.pkey(prefix, k);
        self.int(v);
    }
}

/// Integers written without going through `fmt` machinery's allocations.
mod itoa_like {
    use std::io::Write;

    /// An integer that can be written as JSON.
    pub trait Int {
        /// Appends the decimal form.
        fn write(self, buf: &mut Vec<u8>);
    }
    macro_rules! int {
        ($($t:ty),*) => {$(
            impl Int for $t {
                fn write(self, buf: &mut Vec<u8>) {
                    let _ = write!(buf, "{self}");
                }
            }
        )*};
    }
    int!(i32, i64, u8, u16, u32, u64, usize);
}

/// Writes a MAC address as Kismet's upper-case text.
fn mac_text(out: &mut Out, m: &kismetdb::MacAddr) {
    let mut b = [0u8; kismetdb::MacAddr::MAX_TEXT_LEN];
    let s = m.write_text(&mut b);
    out.buf.push(b'"');
    out.buf.extend_from_slice(s.as_bytes());
    out.buf.push(b'"');
}

fn channel_of(khz: u32) -> String {
    match osprey_dissect::channel::from_mhz(khz / 1000) {
        0 if khz == 0 => String::new(),
        0 => (khz / 1000).to_string(),
        c => c.to_string(),
    }
}

/// Indexes `0..n` in the order their decimal strings sort ("0", "1", "10", "2", ...), the
/// order of a map keyed by index text.
fn text_order(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.sort_by_cached_key(|i| i.to_string());
    v
}

const BASE: &str = "kismet.device.base.";
const DOT11: &str = "dot11.device.";
const SSID: &str = "dot11.advertisedssid.";
const SIG: &str = "kismet.common.signal.";
const LOC: &str = "kismet.common.location.";

impl Device {
    /// The device record as JSON text with Kismet's field names.
    pub fn to_kismet_json(&self, manuf: &str) -> String {
        let mut buf = Vec::with_capacity(1024);
        self.write_kismet_json(manuf, &mut buf);
        // Everything written is valid UTF-8: escaped strings of `str`s and ASCII.
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Appends the device record as JSON to `buf`.
    pub fn write_kismet_json(&self, manuf: &str, buf: &mut Vec<u8>) {
        let mut o = Out {
            buf: std::mem::take(buf),
            has_entry: Vec::with_capacity(4),
        };
        o.open(b'{');
        if self.phy == Phy::Ieee80211 {
            o.key("dot11.device");
            self.write_dot11(&mut o);
        }
        let name = self.name();
        o.kstr(BASE, "channel", &channel_of(self.frequency));
        o.kstr(BASE, "commonname", &name);
        o.kstr(
            BASE,
            "crypt",
            self.advertised.last().map(|a| a.crypt).unwrap_or(""),
        );
        o.kint(BASE, "datasize", self.data_bytes);
        o.kint(BASE, "first_time", self.first_time);
        o.pkey(BASE, "freq_khz_map");
        o.open(b'{');
        let mut freqs: Vec<(String, u64)> = self
            .freq_map
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        freqs.sort();
        for (k, v) in &freqs {
            o.key(k);
            o.int(*v);
        }
        o.close(b'}');
        o.kint(BASE, "frequency", self.frequency);
        o.pkey(BASE, "key");
        o.string(&self.key.to_string());
        o.kint(BASE, "last_time", self.last_time);
        if let Some((a, b, c, d, sa, so, n)) = self.location {
            let avg = |s: f64| if n == 0 { 0.0 } else { s / n as f64 };
            o.pkey(BASE, "location");
            o.open(b'{');
            for (k, lon, lat) in [
                ("avg_loc", avg(so), avg(sa)),
                ("max_loc", d, c),
                ("min_loc", b, a),
            ] {
                o.pkey(LOC, k);
                o.open(b'{');
                o.pkey(LOC, "geopoint");
                o.open(b'[');
                o.sep();
                o.float(lon);
                o.sep();
                o.float(lat);
                o.close(b']');
                o.close(b'}');
            }
            o.close(b'}');
        }
        o.pkey(BASE, "macaddr");
        mac_text(&mut o, &self.mac);
        o.kstr(BASE, "manuf", manuf);
        o.kint(BASE, "mod_time", self.last_time);
        o.kstr(BASE, "name", &name);
        o.kint(BASE, "packets.crypt", self.crypt_packets);
        o.kint(BASE, "packets.data", self.data_packets);
        o.kint(BASE, "packets.llc", self.mgmt_packets);
        o.kint(BASE, "packets.rx_total", self.rx_packets);
        o.kint(BASE, "packets.total", self.packets);
        o.kint(BASE, "packets.tx_total", self.tx_packets);
        o.kstr(BASE, "phyname", self.phy.name());
        o.pkey(BASE, "seenby");
        o.open(b'[');
        for (u, n) in self.seen_by.iter() {
            o.sep();
            o.open(b'{');
            o.kint("kismet.common.seenby.", "num_packets", *n);
            o.kstr("kismet.common.seenby.", "uuid", &u.to_string());
            o.close(b'}');
        }
        o.close(b']');
        if self.last_signal.is_some() {
            o.pkey(BASE, "signal");
            o.open(b'{');
            o.kint(SIG, "last_signal", self.last_signal.unwrap_or(0));
            o.kint(SIG, "max_signal", self.max_signal.unwrap_or(0));
            o.kint(SIG, "min_signal", self.min_signal.unwrap_or(0));
            o.kstr(SIG, "type", "dbm");
            o.close(b'}');
        }
        o.kstr(BASE, "type", self.type_string());
        o.close(b'}');
        *buf = o.buf;
    }

    fn write_dot11(&self, o: &mut Out) {
        o.open(b'{');
        o.pkey(DOT11, "advertised_ssid_map");
        o.open(b'{');
        for i in text_order(self.advertised.len()) {
            let a = &self.advertised[i];
            o.key(&i.to_string());
            o.open(b'{');
            o.kint(SSID, "beacon_info", a.beacons);
            o.pkey(SSID, "beaconrate");
            o.float(if a.beacon_interval == 0 {
                0.0
            } else {
                1000.0 / (f64::from(a.beacon_interval) * 1.024)
            });
            o.kstr(
                SSID,
                "channel",
                &a.channel.map(|c| c.to_string()).unwrap_or_default(),
            );
            o.kstr(SSID, "crypt_string", a.crypt);
            o.kstr(
                SSID,
                "dot11d_country",
                &a.country
                    .map(|c| String::from_utf8_lossy(&c).into_owned())
                    .unwrap_or_default(),
            );
            o.kint(SSID, "first_time", a.first_time);
            o.kint(SSID, "last_time", a.last_time);
            o.kint(SSID, "probe_response", a.responses);
            o.kstr(SSID, "ssid", &String::from_utf8_lossy(&a.ssid));
            o.kint(SSID, "ssidlen", a.ssid.len());
            o.kint(SSID, "wps_state", a.wps_state.unwrap_or(0));
            o.close(b'}');
        }
        o.close(b'}');
        let macs = |o: &mut Out, set: &std::collections::BTreeSet<kismetdb::MacAddr>| {
            // MAC text is fixed-width upper-case hex, so it sorts as the addresses do.
            o.open(b'{');
            for m in set {
                o.sep();
                mac_text(o, m);
                o.buf.push(b':');
                mac_text(o, m);
            }
            o.close(b'}');
        };
        o.pkey(DOT11, "associated_client_map");
        macs(o, &self.clients);
        o.pkey(DOT11, "client_map");
        macs(o, &self.client_of);
        o.kint(DOT11, "datasize", self.data_bytes);
        let last = self.advertised.iter().max_by_key(|a| a.last_time);
        o.kstr(
            DOT11,
            "last_beaconed_ssid",
            &last
                .map(|a| String::from_utf8_lossy(&a.ssid).into_owned())
                .unwrap_or_default(),
        );
        o.kint(DOT11, "num_advertised_ssids", self.advertised.len());
        o.kint(DOT11, "num_associated_clients", self.clients.len());
        o.kint(DOT11, "num_client_aps", self.client_of.len());
        o.kint(DOT11, "num_probed_ssids", self.probed.len());
        o.pkey(DOT11, "probed_ssid_map");
        o.open(b'{');
        let probed: Vec<&Vec<u8>> = self.probed.iter().collect();
        for i in text_order(probed.len()) {
            o.key(&i.to_string());
            o.open(b'{');
            o.kstr(
                "dot11.probedssid.",
                "ssid",
                &String::from_utf8_lossy(probed[i]),
            );
            o.close(b'}');
        }
        o.close(b'}');
        o.close(b'}');
    }
}
