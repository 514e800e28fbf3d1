//! An emitted alert (`kismet.alert.*`) and its hash.

use kismetdb::{adler32k, MacAddr, Timestamp};

use crate::Severity;

/// One emitted alert.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Alert name (`DEAUTHFLOOD`, ...).
    pub header: String,
    /// Class (`DENIAL`, ...).
    pub class: String,
    /// Severity.
    pub severity: Severity,
    /// Phy id of the definition (-1 any, -2 unknown).
    pub phy: i64,
    /// When it was raised (capture time).
    pub ts: Timestamp,
    /// Transmitter (the BSSID argument of Kismet's `raise_alert`).
    pub transmitter: MacAddr,
    /// Source.
    pub source: MacAddr,
    /// Destination.
    pub dest: MacAddr,
    /// Other address.
    pub other: MacAddr,
    /// Channel text (`"6"`, `"0"` when unknown, `""` for one-shots).
    pub channel: String,
    /// Frequency in kHz (Kismet never fills it: 0).
    pub frequency: f64,
    /// Human-readable text.
    pub text: String,
    /// Location (lat, lon), when known.
    pub location: Option<(f64, f64)>,
    /// Identifier: [`alert_hash`] of the fields above.
    pub hash: u32,
    /// Osprey's addition: the packet numbers (`packets.packetid` of the log) of the frames
    /// that triggered the alert, in capture order; empty for alerts no packet triggered.
    /// Written as `osprey.alert.packet_ids` after Kismet's keys when not empty.
    pub evidence: Vec<u64>,
}

/// The JSON key of [`Alert::evidence`].
pub const EVIDENCE_KEY: &str = "osprey.alert.packet_ids";

/// The timestamp as Kismet's double: seconds plus microseconds / 10^6.
pub fn ts_double(ts: Timestamp) -> f64 {
    ts.sec as f64 + ts.usec as f64 / 1_000_000.0
}

/// Kismet's alert hash: its adler32 variant over
/// `"{header} {severity} {phy as u32} {timestamp} {tx} {src} {dst} {other} {channel}"` (the
/// text is not part of it; the timestamp in shortest round-trip form).
#[allow(clippy::too_many_arguments)]
pub fn alert_hash(
    header: &str,
    severity: u8,
    phy: i64,
    timestamp: f64,
    tx: MacAddr,
    src: MacAddr,
    dst: MacAddr,
    other: MacAddr,
    channel: &str,
) -> u32 {
    let s = format!(
        "{header} {severity} {} {timestamp} {tx} {src} {dst} {other} {channel}",
        phy as u32
    );
    adler32k(s.as_bytes())
}

/// A double as Kismet's JSON writes it: whole numbers as integers, otherwise 6 decimals.
fn kismet_double(v: f64) -> String {
    if !v.is_finite() {
        "0".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
    }
}

fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

impl Alert {
    /// The record as Kismet's JSON (`kismet.alert.*`, Kismet's key order and spacing).
    pub fn to_kismet_json(&self) -> String {
        let loc = match self.location {
            Some((lat, lon)) => format!(
                "{{\"kismet.common.location.geopoint\": [{}, {}]}}",
                kismet_double(lon),
                kismet_double(lat)
            ),
            None => "{\"kismet.common.location.geopoint\": [0, 0]}".to_string(),
        };
        let fields: [(&str, String); 15] = [
            ("kismet.alert.device_key", q("00_0")),
            ("kismet.alert.header", q(&self.header)),
            ("kismet.alert.class", q(&self.class)),
            ("kismet.alert.hash", self.hash.to_string()),
            ("kismet.alert.severity", self.severity.number().to_string()),
            ("kismet.alert.phy_id", (self.phy as u32).to_string()),
            ("kismet.alert.timestamp", kismet_double(ts_double(self.ts))),
            (
                "kismet.alert.transmitter_mac",
                q(&self.transmitter.to_string()),
            ),
            ("kismet.alert.source_mac", q(&self.source.to_string())),
            ("kismet.alert.dest_mac", q(&self.dest.to_string())),
            ("kismet.alert.other_mac", q(&self.other.to_string())),
            ("kismet.alert.channel", q(&self.channel)),
            ("kismet.alert.frequency", kismet_double(self.frequency)),
            ("kismet.alert.text", q(&self.text)),
            ("kismet.alert.location", loc),
        ];
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        if !self.evidence.is_empty() {
            let ids: Vec<String> = self.evidence.iter().map(|i| i.to_string()).collect();
            body.push(format!("\"{EVIDENCE_KEY}\": [{}]", ids.join(", ")));
        }
        format!("{{{}}}", body.join(","))
    }

    /// The message-bus text Kismet sends for an alert: `"<HEADER> <text>"`.
    pub fn message_text(&self) -> String {
        format!("{} {}", self.header, self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_worked_example() {
        let m = |s: &str| s.parse::<MacAddr>().unwrap();
        let h = alert_hash(
            "DEAUTHFLOOD",
            10,
            0,
            1725468012.345678,
            m("AA:BB:CC:DD:EE:FF"),
            m("11:22:33:44:55:66"),
            m("FF:FF:FF:FF:FF:FF"),
            MacAddr::ZERO,
            "0",
        );
        assert_eq!(h, 958_470_151);
    }

    #[test]
    fn doubles_print_like_kismet() {
        assert_eq!(kismet_double(0.0), "0");
        assert_eq!(kismet_double(2412000.0), "2412000");
        assert_eq!(kismet_double(1795325058.094217), "1795325058.094217");
        assert_eq!(kismet_double(f64::NAN), "0");
    }
}
