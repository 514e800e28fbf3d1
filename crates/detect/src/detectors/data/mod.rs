//! Data-frame checks: DHCP (DHCPCLIENTID, DHCPCONFLICT, DHCPNAMECHANGE, DHCPOSCHANGE), WPS
//! (WPSBRUTE) and traffic after a disconnect (DISASSOCTRAFFIC).
//!
//! Every detector here looks only at unprotected data frames (plus, for DISASSOCTRAFFIC, the
//! management frames that end or start an association), so on an encrypted network only what
//! travels in the clear is seen: EAPOL/WPS always, DHCP and IPv4 on open networks or in
//! decrypted captures.
//!
//! Memory: each detector keeps at most `data_max_devices` entries (clients, or client/network
//! pairs); a full table drops its least recently used tenth in one pass (O(1) per new entry
//! amortized), and the drops are counted in `/system/status.json` (see `crate::bounded`).

pub mod dhcpchange;
pub mod dhcpclientid;
pub mod dhcpconflict;
pub mod disassoctraffic;
pub mod wpsbrute;

use std::fmt::Write;

use kismetdb::Timestamp;
use osprey_alerts::{Severity, PHY_UNKNOWN};
use osprey_config::OptionDoc;
use osprey_wire::dhcp;
use osprey_wire::ieee80211::FrameType;

use super::Registry;
use crate::Context;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "wpsbrute_count",
        defaults: &["6"],
        example: "",
        help: "WPSBRUTE: how many WPS M3 messages between one network and one peer (each within
wpsbrute_window seconds of the previous) make a brute-force alert. One M3 is sent per PIN
attempt; Kismet's value is 6. At least 2.",
    },
    OptionDoc {
        key: "wpsbrute_window",
        defaults: &["300"],
        example: "",
        help: "WPSBRUTE: the longest gap, in seconds, between two M3 messages of one brute-force
run; a longer gap starts a new count (Kismet: 300).",
    },
    OptionDoc {
        key: "dhcpconflict_maxlease",
        defaults: &["86400"],
        example: "",
        help: "DHCPCONFLICT: the longest time, in seconds, an address assigned by a DHCP ACK is
remembered (the ACK's lease time when shorter). After that, without a renewal seen, the
client's traffic is no longer compared with it.",
    },
    OptionDoc {
        key: "disassoctraffic_window",
        defaults: &["10"],
        example: "",
        help: "DISASSOCTRAFFIC: seconds after a disassociation or deauthentication during which
data sent by the disconnected client to the same network (without a new authentication or
association) is reported (the value of Kismet's old implementation: 10).",
    },
    OptionDoc {
        key: "data_max_devices",
        defaults: &["4096"],
        example: "",
        help: "How many clients (or client/network pairs) each DHCP, WPS and DISASSOCTRAFFIC
detector remembers at most; bounds memory when flooded with random addresses. A full
table drops its least recently used tenth (counted in /system/status.json).",
    },
];

/// Reads a whole-number option that must lie in `min..=max`.
fn bounded(
    reg: &Registry<'_>,
    key: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, osprey_config::Error> {
    let v = reg.options.get(key, default)?;
    if v < min || v > max {
        if let Some(e) = reg.options.last(key) {
            return Err(reg
                .options
                .error(e, format!("must be between {min} and {max}, found {v}")));
        }
    }
    Ok(v)
}

/// Registers the group's alerts (in the order of Kismet's definitions) and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let wps_count = bounded(reg, "wpsbrute_count", 6, 2, 1_000_000)?;
    let wps_window = bounded(reg, "wpsbrute_window", 300, 1, 86_400 * 365)?;
    let max_lease = bounded(reg, "dhcpconflict_maxlease", 86_400, 1, 86_400 * 365)?;
    let disassoc_window = bounded(reg, "disassoctraffic_window", 10, 1, 3600)?;
    let max_devices = bounded(reg, "data_max_devices", 4096, 1, 10_000_000)? as usize;

    // Kismet registers DHCPCLIENTID in its IP data dissector, for phy "unknown".
    let r = reg.activate_phy(
        "DHCPCLIENTID",
        "SPOOF",
        Severity::Low,
        dhcpclientid::DESCRIPTION,
        PHY_UNKNOWN,
    );
    reg.add(dhcpclientid::DhcpClientId::new(r));
    let r = reg.activate(
        "DHCPCONFLICT",
        "SPOOF",
        Severity::Low,
        dhcpconflict::DESCRIPTION,
    );
    reg.add(dhcpconflict::DhcpConflict::new(
        r,
        max_lease.saturating_mul(1_000_000) as i64,
        max_devices,
    ));
    let name = reg.activate(
        "DHCPNAMECHANGE",
        "SPOOF",
        Severity::Low,
        dhcpchange::NAME_DESCRIPTION,
    );
    let os = reg.activate(
        "DHCPOSCHANGE",
        "SPOOF",
        Severity::Low,
        dhcpchange::OS_DESCRIPTION,
    );
    reg.add(dhcpchange::DhcpChange::new(name, os, max_devices));
    let r = reg.activate(
        "WPSBRUTE",
        "EXPLOIT",
        Severity::Critical,
        wpsbrute::DESCRIPTION,
    );
    reg.add(wpsbrute::WpsBrute::new(
        r,
        wps_count as usize,
        wps_window.saturating_mul(1_000_000) as i64,
        max_devices,
    ));
    let r = reg.activate(
        "DISASSOCTRAFFIC",
        "SPOOF",
        Severity::Medium,
        disassoctraffic::DESCRIPTION,
    );
    reg.add(disassoctraffic::DisassocTraffic::new(
        r,
        disassoc_window,
        max_devices,
    ));
    Ok(())
}

/// A capture time in microseconds, for windows.
pub(crate) fn micros(t: Timestamp) -> i64 {
    t.sec.saturating_mul(1_000_000).saturating_add(t.usec)
}

/// The DHCP message of the packet (an unprotected 802.11 data frame carrying IPv4/UDP on port
/// 67 or 68), checked for type before anything is parsed.
pub(crate) fn dhcp_message<'p>(ctx: &Context<'p, '_>) -> Option<dhcp::Packet<&'p [u8]>> {
    let d = ctx.packet.dot11()?;
    if d.frame_type() != FrameType::Data {
        return None;
    }
    d.dhcp()
}

/// A client's own DISCOVER or REQUEST (not one forwarded by a relay agent), with the
/// message-type name.
pub(crate) fn client_request<'p>(
    ctx: &Context<'p, '_>,
) -> Option<(dhcp::Packet<&'p [u8]>, &'static str)> {
    let m = dhcp_message(ctx)?;
    if m.op() != dhcp::BOOTREQUEST || relayed(&m) {
        return None;
    }
    let kind = match m.message_type()? {
        t @ (dhcp::MessageType::Discover | dhcp::MessageType::Request) => t.name(),
        _ => return None,
    };
    Some((m, kind))
}

/// True when a relay agent forwarded the message (a relay address or a hop count): its frame
/// then comes from the relay, not from the client.
pub(crate) fn relayed(m: &dhcp::Packet<&[u8]>) -> bool {
    m.giaddr() != [0; 4] || m.hops() != 0
}

/// A DHCP text option (host name, vendor class) as shown in alert texts: printable ASCII and
/// valid UTF-8 as is, a backslash doubled, anything else (control characters, bytes of
/// invalid UTF-8) as `\xNN`. Trailing NULs, which some clients add, are dropped.
pub(crate) fn printable(b: &[u8]) -> String {
    let b = trim_nul(b);
    let mut s = String::with_capacity(b.len());
    let push_bytes = |s: &mut String, bytes: &[u8]| {
        for &c in bytes {
            match c {
                b'\\' => s.push_str("\\\\"),
                0x20..=0x7e => s.push(char::from(c)),
                _ => {
                    let _ = write!(s, "\\x{c:02x}");
                }
            }
        }
    };
    match std::str::from_utf8(b) {
        Ok(text) => {
            for ch in text.chars() {
                if ch.is_ascii() {
                    push_bytes(&mut s, &[ch as u8]);
                } else if ch.is_control() {
                    let mut buf = [0u8; 4];
                    push_bytes(&mut s, ch.encode_utf8(&mut buf).as_bytes());
                } else {
                    s.push(ch);
                }
            }
        }
        Err(_) => push_bytes(&mut s, b),
    }
    s
}

/// The option bytes without trailing NULs.
pub(crate) fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    b.get(..end).unwrap_or(&[])
}

#[cfg(test)]
pub(crate) mod frames {
    //! Data frames built by hand for this group's tests.

    /// A data frame: `to_ds`/`from_ds` as given, addresses in header order, `seq` as the
    /// sequence number (so equal payloads are not duplicates), then LLC/SNAP with `ethertype`
    /// and `payload`.
    pub fn data(
        to_ds: bool,
        from_ds: bool,
        addrs: [[u8; 6]; 3],
        seq: u16,
        ethertype: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let flags = u8::from(to_ds) | (u8::from(from_ds) << 1);
        let mut f = vec![0x08, flags, 0, 0];
        for a in addrs {
            f.extend(a);
        }
        f.extend((seq << 4).to_le_bytes());
        f.extend([0xaa, 0xaa, 0x03, 0, 0, 0]);
        f.extend(ethertype.to_be_bytes());
        f.extend(payload);
        f
    }

    /// An IPv4 header (no options) from `src` to `dst` with protocol `proto` around `payload`.
    pub fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
        let total = (20 + payload.len()) as u16;
        let mut v = vec![0x45, 0];
        v.extend(total.to_be_bytes());
        v.extend([0, 0, 0, 0, 64, proto, 0, 0]);
        v.extend(src);
        v.extend(dst);
        v.extend(payload);
        v
    }

    /// A UDP datagram in IPv4.
    pub fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut u = Vec::new();
        u.extend(sport.to_be_bytes());
        u.extend(dport.to_be_bytes());
        u.extend(((8 + payload.len()) as u16).to_be_bytes());
        u.extend([0, 0]);
        u.extend(payload);
        ipv4(src, dst, 17, &u)
    }

    /// A DHCP message: `op`, client hardware address `chaddr`, `yiaddr`, then `options`
    /// (code, length, data each; END is appended).
    pub fn dhcp(op: u8, chaddr: [u8; 6], yiaddr: [u8; 4], options: &[(u8, &[u8])]) -> Vec<u8> {
        let mut m = vec![0u8; 240];
        m[0] = op;
        m[1] = 1;
        m[2] = 6;
        m[4..8].copy_from_slice(&[1, 2, 3, 4]);
        m[16..20].copy_from_slice(&yiaddr);
        m[28..34].copy_from_slice(&chaddr);
        m[236..240].copy_from_slice(&[99, 130, 83, 99]);
        for (code, data) in options {
            m.push(*code);
            m.push(data.len() as u8);
            m.extend(*data);
        }
        m.push(255);
        m
    }

    /// A client's DHCP message (`op` 1, message type `kind`, extra `options`) broadcast from
    /// `sta` through `ap` (to-DS), with sequence number `seq`.
    pub fn client_dhcp(
        sta: [u8; 6],
        ap: [u8; 6],
        kind: u8,
        options: &[(u8, &[u8])],
        seq: u16,
    ) -> Vec<u8> {
        let kind_opt = [kind];
        let mut opts: Vec<(u8, &[u8])> = vec![(53, &kind_opt)];
        opts.extend_from_slice(options);
        let m = dhcp(1, sta, [0; 4], &opts);
        let ip = udp([0; 4], [255; 4], 68, 67, &m);
        data(true, false, [ap, sta, [0xff; 6]], seq, 0x0800, &ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::testing::*;

    #[test]
    fn printable_escapes_what_is_not_text() {
        assert_eq!(printable(b"host-1\0\0"), "host-1");
        assert_eq!(printable(b"a\\b\n"), "a\\\\b\\x0a");
        assert_eq!(printable("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(printable(&[0x41, 0xff]), "A\\xff");
    }

    #[test]
    fn bad_values_are_refused_with_their_line() {
        for (text, key) in [
            ("wpsbrute_count=1", "wpsbrute_count"),
            ("wpsbrute_window=soon", "wpsbrute_window"),
            ("\ndhcpconflict_maxlease=0", "dhcpconflict_maxlease"),
            ("disassoctraffic_window=-3", "disassoctraffic_window"),
            ("data_max_devices=0", "data_max_devices"),
        ] {
            let options = osprey_config::Options::parse("test.conf", text).unwrap();
            let mut alerts = osprey_alerts::AlertTracker::new(50);
            let e = match crate::Detectors::new(&mut alerts, &options) {
                Err(e) => e,
                Ok(_) => panic!("{text} accepted"),
            };
            assert_eq!(e.key, key);
            assert_eq!(e.file, "test.conf");
            assert_eq!(e.line, text.lines().count());
        }
        // Good values are taken.
        let frames = vec![(beacon(), 100, 0)];
        let a = run_alerts(
            &frames,
            "wpsbrute_count=3\nwpsbrute_window=60\ndhcpconflict_maxlease=600\ndisassoctraffic_window=5\ndata_max_devices=10",
        );
        assert!(a.is_empty());
    }

    #[test]
    fn definitions_are_registered_in_kismets_order() {
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let _ = crate::Detectors::with_defaults(&mut alerts);
        let mine = [
            "DHCPCLIENTID",
            "DHCPCONFLICT",
            "DHCPNAMECHANGE",
            "DHCPOSCHANGE",
            "WPSBRUTE",
            "DISASSOCTRAFFIC",
        ];
        let order: Vec<&str> = alerts
            .definitions()
            .iter()
            .map(|d| d.header.as_str())
            .filter(|h| mine.contains(h))
            .collect();
        assert_eq!(order, mine);
    }
}

#[cfg(test)]
mod shared_captures {
    //! This group's alerts on the real captures of the shared test data.
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn shared() -> Option<PathBuf> {
        let p = match std::env::var_os("OSPREY_SHARED_DATA") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        p.join("MANIFEST.md").is_file().then_some(p)
    }

    fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "reference") {
                    captures(&p, out);
                }
            } else if p
                .extension()
                .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "cap")
            {
                out.push(p);
            }
        }
    }

    /// This group's alerts raised on one capture: (header, text, evidence).
    fn alerts_of(path: &Path) -> Vec<(String, String, Vec<u64>)> {
        const MINE: [&str; 6] = [
            "DHCPCLIENTID",
            "DHCPCONFLICT",
            "DHCPNAMECHANGE",
            "DHCPOSCHANGE",
            "WPSBRUTE",
            "DISASSOCTRAFFIC",
        ];
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let mut det = crate::Detectors::with_defaults(&mut alerts);
        let mut dis = osprey_dissect::Dissector::new();
        let mut tr = osprey_tracker::Tracker::new();
        let mut out = Vec::new();
        let _ = osprey_capture::for_each_frame(path, &mut |frame| {
            let p = dis.dissect(frame);
            let observed = tr.observe(&p, kismetdb::Uuid::NIL);
            let f = det.inspect(&crate::Context::new(&p, &tr, &observed), &mut alerts);
            for a in f.alerts {
                if MINE.contains(&a.header.as_str()) {
                    out.push((a.header, a.text, a.evidence));
                }
            }
            osprey_capture::Flow::Continue
        });
        out
    }

    /// None of the shared captures holds a DHCP spoof, a WPS brute force or a forged
    /// disconnect that a client ignored, and none raises these alerts. The broadcast
    /// deauthentication flood of `wifite2_handshake_has_1234.cap` is followed by the victim's
    /// data, but only after its new 4-way handshake (the capture missed its authentication and
    /// association): a real disconnect, which DISASSOCTRAFFIC must not report.
    #[test]
    fn real_captures_raise_none() {
        let Some(dir) = shared() else {
            eprintln!("no shared data; skipped");
            return;
        };
        let mut files = Vec::new();
        captures(&dir, &mut files);
        assert!(files.len() > 30, "{} captures", files.len());
        let mut seen: BTreeMap<String, Vec<(String, String, Vec<u64>)>> = BTreeMap::new();
        for f in &files {
            let a = alerts_of(f);
            if !a.is_empty() {
                let name = f.strip_prefix(&dir).unwrap_or(f).display().to_string();
                seen.insert(name, a);
            }
        }
        assert!(seen.is_empty(), "{seen:#?}");
    }

    /// The one real DHCP message (a DISCOVER in a QoS data frame with an HT Control field) is
    /// parsed, and its client identifier is the sender's own MAC.
    #[test]
    fn real_dhcp_discover_is_parsed() {
        let Some(dir) = shared() else {
            return;
        };
        let path = dir.join("radiotap/tcpdump_ieee802.11_htc.pcap");
        let mut dis = osprey_dissect::Dissector::new();
        let mut found = 0;
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let p = dis.dissect(frame);
            if let Some(m) = p.dot11().and_then(|d| d.dhcp()) {
                let s = m.summary();
                assert_eq!(
                    s.message_type,
                    Some(osprey_wire::dhcp::MessageType::Discover)
                );
                let id = s
                    .client_id
                    .and_then(|c| c.mac())
                    .map(kismetdb::MacAddr::new);
                assert_eq!(id, Some(p.source));
                assert!(s.hostname.is_some());
                found += 1;
            }
            osprey_capture::Flow::Continue
        });
        assert_eq!(found, 1);
    }
}
