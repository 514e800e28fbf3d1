//! SSID content checks on beacons, probe responses and probe requests: FORMATSTRING,
//! SSIDCANARY, AIRJACKSSID, APSPOOF and KARMAOUI.
//!
//! FORMATSTRING, SSIDCANARY, AIRJACKSSID and APSPOOF look at an access point's SSID when its
//! SSID record is new: the first beacon advertising that SSID from that BSSID, or the first
//! probe response for it (the tracker reports this as `Observed::new_ssid`). SSIDCANARY also
//! looks at the SSIDs clients ask for, and KARMAOUI at every probe response.
//!
//! SSIDs are bytes. Where an SSID is shown or matched against a rule it is in its printable
//! form ([`printable_ssid`]), the one Kismet means its SSID strings to have.

pub mod airjackssid;
pub mod apspoof;
pub mod formatstring;
pub mod karmaoui;
pub mod ssidcanary;

use std::borrow::Cow;
use std::fmt::Write as _;

use kismetdb::MacAddr;
use osprey_alerts::Severity;
use osprey_config::OptionDoc;
use osprey_wire::ieee80211::subtype::mgmt;
use regex::Regex;

use super::Registry;
use crate::Context;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "ssidcanary",
        defaults: &[],
        example: "FooCanary:ssid=\"FoobarCanary\"",
        help: "ssidcanary=NAME:ssid=\"REGEX\" (repeatable): raise SSIDCANARY when an access point
advertises or answers for, or a client probes for, an SSID the expression matches. The
expression is searched unanchored in the printable SSID (use ^...$ for an exact name), in
the syntax of Rust's regex crate: PCRE look-around and backreferences are refused.
Kismet's kismet_alerts.conf enables two examples, Osprey none; they were:
ssidcanary=FooCanary:ssid=\"FoobarCanary\"
ssidcanary=FooCanart2:ssid=\"(?i:foobarcanary)\"",
    },
    OptionDoc {
        key: "apspoof",
        defaults: &[],
        example: "Foo1:ssid=\"Foobar\",validmacs=\"00:11:22:33:44:55,aa:bb:cc:dd:ee:ff\"",
        help:
            "apspoof=NAME:ssid=\"REGEX\",validmacs=\"MAC,MAC/MASK,...\" (repeatable): raise APSPOOF
when a beacon or probe response for an SSID the expression matches comes from an address
not in validmacs. Both keys are required; a MAC may carry a mask of leading ones
(00:11:22:00:00:00/FF:FF:FF:00:00:00 allows the OUI 00:11:22). Same expression syntax as
ssidcanary. Kismet's kismet_alerts.conf enables two examples, Osprey none; they were:
apspoof=Foo1:ssid=\"Foobar\",validmacs=\"00:11:22:33:44:55,aa:bb:cc:dd:ee:ff\"
apspoof=Foo2:ssid=\"(?i:foobar)\",validmacs=\"00:11:22:33:44:55\"",
    },
];

/// Registers the group's alerts and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let canaries = ssidcanary::rules(reg.options)?;
    let spoofs = apspoof::rules(reg.options)?;
    // Activated in the order of Kismet's alert table...
    let airjack = reg.activate(
        "AIRJACKSSID",
        "PROBE",
        Severity::Low,
        airjackssid::DESCRIPTION,
    );
    let canary = reg.activate(
        "SSIDCANARY",
        "SPOOF",
        Severity::High,
        ssidcanary::DESCRIPTION,
    );
    let spoof = reg.activate("APSPOOF", "SPOOF", Severity::High, apspoof::DESCRIPTION);
    let karma = reg.activate("KARMAOUI", "PROBE", Severity::Medium, karmaoui::DESCRIPTION);
    let format = reg.activate(
        "FORMATSTRING",
        "EXPLOIT",
        Severity::High,
        formatstring::DESCRIPTION,
    );
    // ...and run in the order Kismet checks a new SSID record.
    reg.add(formatstring::FormatString::new(format));
    if !canaries.is_empty() {
        reg.add(ssidcanary::SsidCanary::new(canary, canaries));
    }
    reg.add(airjackssid::AirJackSsid::new(airjack));
    if !spoofs.is_empty() {
        reg.add(apspoof::ApSpoof::new(spoof, spoofs));
    }
    reg.add(karmaoui::KarmaOui::new(karma));
    Ok(())
}

/// The subtype (8 beacon, 5 probe response) and SSID bytes of a frame that created a new SSID
/// record for its access point.
pub(crate) fn new_ssid_record<'p>(ctx: &Context<'p, '_>) -> Option<(u8, &'p [u8])> {
    let st = ctx.observed.new_ssid?;
    if st != mgmt::BEACON && st != mgmt::PROBE_RESP {
        return None;
    }
    let ssid = ctx.packet.dot11()?.ssid().unwrap_or(&[]);
    Some((st, ssid))
}

/// The SSID without trailing NUL padding (an all-zero, hidden SSID becomes empty).
pub(crate) fn trim_nul(ssid: &[u8]) -> &[u8] {
    let end = ssid.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    ssid.get(..end).unwrap_or(&[])
}

/// The printable form of an SSID, the text alerts show and rules match.
///
/// Kismet's intended conversion (`munge_to_printable`): when the bytes are valid UTF-8 they
/// are kept, with `"` and `\` escaped by a backslash and control characters written as
/// `\b \f \n \r \t` or `\u00XX`; otherwise printable ASCII is kept (with the same escapes) and
/// every other byte is written `\xXX` (upper-case hex). Trailing NUL padding is dropped first;
/// an embedded NUL is kept as `\u0000` / `\x00`.
///
/// Kismet itself differs in two ways, both bugs: its SSID string ends at the first NUL byte,
/// and for a non-UTF-8 SSID its output stops at the first non-printable byte (a GBK name
/// `B2 E2 CA D4` shows as `xB2`).
pub fn printable_ssid(ssid: &[u8]) -> Cow<'_, str> {
    let ssid = trim_nul(ssid);
    let needs_escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let utf8 = std::str::from_utf8(ssid).ok();
    if let Some(s) = utf8 {
        if !s.bytes().any(needs_escape) {
            return Cow::Borrowed(s);
        }
    }
    let escape = |out: &mut String, b: u8| -> bool {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => return false,
        }
        true
    };
    let mut out = String::with_capacity(ssid.len() + 8);
    match utf8 {
        Some(s) => {
            for c in s.chars() {
                let b = u8::try_from(u32::from(c)).unwrap_or(0x80);
                if !needs_escape(b) || !escape(&mut out, b) {
                    if b < 0x20 {
                        let _ = write!(out, "\\u{:04x}", b);
                    } else {
                        out.push(c);
                    }
                }
            }
        }
        None => {
            for &b in ssid {
                if escape(&mut out, b) {
                    continue;
                }
                if (0x20..=0x7e).contains(&b) {
                    out.push(char::from(b));
                } else {
                    let _ = write!(out, "\\x{b:02X}");
                }
            }
        }
    }
    Cow::Owned(out)
}

/// The addresses an alert of this group carries: BSSID, source, destination, transmitter.
pub(crate) fn addresses(ctx: &Context<'_, '_>) -> [MacAddr; 4] {
    let p = ctx.packet;
    [p.bssid, p.source, p.dest, p.transmitter]
}

/// Compiles a rule's expression; the error says what is wrong on one line.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        let full = e.to_string();
        let why = full
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map(str::to_string)
            .unwrap_or_else(|| full.split_whitespace().collect::<Vec<_>>().join(" "));
        format!("invalid regular expression {pattern:?}: {why} (the syntax is Rust's regex crate's: no look-around, backreferences, atomic groups or \\Q...\\E)")
    })
}

/// A MAC address with a mask, compared as Kismet compares masked addresses: only the mask's
/// leading bits (the shorter of the two masks; a frame's address has a full mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacRule {
    /// The address (6 bytes; a shorter one is padded with zeros).
    pub addr: MacAddr,
    /// How many leading bits are compared (1 to 48).
    pub bits: u8,
}

impl MacRule {
    /// Parses `MAC` or `MAC/MASK`, each 1 to 6 colon-separated hex bytes (padded with zeros);
    /// the mask must be leading ones (`FF:FF:FF:00:00:00`) and not empty.
    pub fn parse(s: &str) -> Result<MacRule, String> {
        let bytes6 = |t: &str| -> Option<[u8; 6]> {
            let m: MacAddr = t.trim().parse().ok()?;
            let src = m.as_bytes();
            if src.len() > 6 {
                return None;
            }
            let mut b = [0u8; 6];
            for (d, s) in b.iter_mut().zip(src) {
                *d = *s;
            }
            Some(b)
        };
        let (a, m) = match s.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (s, None),
        };
        let addr = bytes6(a).ok_or_else(|| format!("invalid MAC address {s:?}"))?;
        let bits = match m {
            None => 48,
            Some(m) => {
                let mask = bytes6(m).ok_or_else(|| {
                    format!("invalid MAC mask in {s:?} (expected e.g. FF:FF:FF:00:00:00)")
                })?;
                let v = u64::from_be_bytes([
                    mask[0], mask[1], mask[2], mask[3], mask[4], mask[5], 0, 0,
                ]);
                let bits = v.leading_ones();
                if bits == 0 || v != prefix_mask(bits) {
                    return Err(format!(
                        "invalid MAC mask in {s:?}: a mask must be contiguous leading one bits, e.g. FF:FF:FF:00:00:00 for an OUI"
                    ));
                }
                bits as u8
            }
        };
        Ok(MacRule {
            addr: MacAddr::new(addr),
            bits,
        })
    }

    /// True when `mac` equals the address in the mask's bits.
    pub fn matches(&self, mac: &MacAddr) -> bool {
        (self.addr.longmac() ^ mac.longmac()) & prefix_mask(u32::from(self.bits)) == 0
    }
}

/// The u64 with the `bits` leading bits set.
fn prefix_mask(bits: u32) -> u64 {
    u64::MAX.checked_shl(64 - bits.min(64)).unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::detectors::testing::{mgmt, AP};

    /// A second access point.
    pub const AP2: [u8; 6] = [0x00, 0xab, 0xcd, 0xef, 0x01, 0x23];

    /// A beacon (8) or probe response (5) from `src` (also the BSSID) with `ssid`.
    pub fn ap_frame(subtype: u8, src: [u8; 6], ssid: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.push(0);
        body.push(ssid.len() as u8);
        body.extend(ssid);
        body.extend([3, 1, 6]);
        let dest = if subtype == 5 { [0x02; 6] } else { [0xff; 6] };
        mgmt(subtype, dest, src, src, &body)
    }

    /// A probe request (4, broadcast) or association request (0) / reassociation request (2)
    /// to `AP`, from `src`, for `ssid`.
    pub fn request(subtype: u8, src: [u8; 6], ssid: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        let (dest, bssid) = match subtype {
            4 => ([0xff; 6], [0xff; 6]),
            _ => {
                body.extend([1, 0, 10, 0]);
                if subtype == 2 {
                    body.extend(AP);
                }
                (AP, AP)
            }
        };
        body.push(0);
        body.push(ssid.len() as u8);
        body.extend(ssid);
        body.extend([1, 1, 0x82]);
        mgmt(subtype, dest, src, bssid, &body)
    }

    /// The frame with sequence number `n` (so a repeat is not a duplicate).
    pub fn with_seq(mut f: Vec<u8>, n: u16) -> Vec<u8> {
        if let Some(s) = f.get_mut(22..24) {
            s.copy_from_slice(&(n << 4).to_le_bytes());
        }
        f
    }

    /// Asserts that `config` is refused at `line` with a message containing `why`.
    pub fn refused(config: &str, line: usize, why: &str) {
        let options = osprey_config::Options::parse("t.conf", config).expect("parses");
        let mut alerts = osprey_alerts::AlertTracker::new(10);
        let Err(e) = crate::Detectors::new(&mut alerts, &options) else {
            panic!("accepted: {config}");
        };
        assert_eq!(e.line, line, "{e}");
        assert!(e.to_string().contains(why), "{e} (expected {why:?})");
        assert!(!e.to_string().contains('\n'), "{e}");
    }

    /// Kismet keeps beacon and probe-response SSID records apart, so the first probe response
    /// for an SSID is a new record even when no beacon advertised it (a Karma-style responder
    /// never beacons).
    #[test]
    fn probe_response_alone_is_a_new_record() {
        use crate::detectors::testing::run;
        let fired = run(&[(ap_frame(5, AP2, b"%s"), 100, 0)]);
        assert_eq!(fired, vec!["FORMATSTRING"]);
    }

    #[test]
    fn printable_form_follows_kismets_munge() {
        assert_eq!(printable_ssid(b"plain net"), "plain net");
        assert!(matches!(printable_ssid(b"plain"), Cow::Borrowed(_)));
        assert_eq!(printable_ssid(b"a\"b\\c\td\x01"), "a\\\"b\\\\c\\td\\u0001");
        assert_eq!(printable_ssid("café".as_bytes()), "café");
        assert_eq!(printable_ssid(b"\xb2\xe2\xca\xd4"), "\\xB2\\xE2\\xCA\\xD4");
        assert_eq!(printable_ssid(b"ab\x7f\xff\n"), "ab\\x7F\\xFF\\n");
        assert_eq!(printable_ssid(b"net\0\0"), "net");
        assert_eq!(printable_ssid(b"a\0b"), "a\\u0000b");
        assert_eq!(printable_ssid(b"\0\0\0"), "");
    }

    #[test]
    fn masked_macs_compare_like_kismet() {
        let m = |s: &str| s.parse::<MacAddr>().unwrap();
        let r = MacRule::parse("00:11:22:33:44:55").unwrap();
        assert!(r.matches(&m("00:11:22:33:44:55")));
        assert!(!r.matches(&m("00:11:22:33:44:56")));
        let r = MacRule::parse("aa:bb:cc:dd:ee:ff/FF:FF:FF:00:00:00").unwrap();
        assert_eq!(r.bits, 24);
        assert!(r.matches(&m("AA:BB:CC:01:02:03")));
        assert!(!r.matches(&m("AA:BB:CD:01:02:03")));
        let r = MacRule::parse("aa:bb:c0/ff:ff:f0").unwrap();
        assert!(r.matches(&m("AA:BB:CF:01:02:03")));
        for bad in [
            "",
            "zz:00:00:00:00:00",
            "00:11:22:33:44:55:66",
            "00:11:22:33:44:55/24",
            "00:11:22:33:44:55/00:00:00:00:00:00",
            "00:11:22:33:44:55/FF:00:FF:00:00:00",
        ] {
            assert!(MacRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_render_as_comments_only() {
        let t = osprey_config::render_defaults(&[("SSID content", OPTIONS)]);
        let o = osprey_config::Options::parse("d", &t).unwrap();
        assert!(o.entries().is_empty(), "{t}");
        assert!(t.contains("#apspoof=Foo1:ssid=\"Foobar\""), "{t}");
        assert!(
            t.contains("# ssidcanary=FooCanart2:ssid=\"(?i:foobarcanary)\""),
            "{t}"
        );
    }
}
