//! **QCOMEXTENDED** (EXPLOIT, HIGH): an oversized Extended Capabilities element
//! (CVE-2019-10539, Qualcomm firmware that copies the element without checking its length).
//!
//! Trigger: an Extended Capabilities element (127) longer than `qcomextended_max_len` bytes
//! (default 15) in a beacon, probe request or response, or (re)association request or
//! response. Disabled by default (`alert=QCOMEXTENDED,0/min,0/sec`), as in Kismet; the packet
//! is still tagged.
//!
//! Kismet 2025-09-R1 reports above 13 bytes; later Kismet raised that to 15 because current
//! access points legitimately send longer elements, and Osprey follows (the threshold is an
//! option). Kismet parses elements only in beacons, probe requests and responses and
//! (re)association requests, in beacons and probe responses only when their element bytes
//! changed, and always says an access point sent a beacon. Osprey checks every such frame and
//! names the sender and frame type: "Access Point BSSID X sent a probe response", or for
//! frames a client sends, "device X sent a probe request".

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie;

use super::{elements, frame_noun, from_ap, ELEMENT_FRAMES};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An Extended Capabilities element was longer than any real device sends; oversized ones overflow Qualcomm Wi-Fi firmware (CVE-2019-10539)";

/// The option holding the longest length not reported.
pub const OPTION: &str = "qcomextended_max_len";

/// The option's default.
pub const DEFAULT_MAX: u8 = 15;

/// The detector.
pub struct QcomExtended {
    r: Option<AlertRef>,
    max: u8,
}

impl QcomExtended {
    pub(crate) fn new(r: Option<AlertRef>, max: u8) -> Self {
        QcomExtended { r, max }
    }
}

impl Detector for QcomExtended {
    fn interest(&self) -> Interest {
        Interest::mgmt(ELEMENT_FRAMES).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((subtype, mut elems))) = (self.r, elements(ctx, ELEMENT_FRAMES)) else {
            return;
        };
        let max = usize::from(self.max);
        let Some(e) = elems.find(|e| e.is(ie::id::EXT_CAPABILITIES) && e.data.len() > max) else {
            return;
        };
        let p = ctx.packet;
        let sender = if from_ap(subtype) {
            format!("Access Point BSSID {}", p.bssid)
        } else {
            format!("device {}", p.source)
        };
        let text = format!(
            "IEEE80211 {sender} sent a {} with an unusual IE 127 Extended Capabilities tag; this may indicate attempts to exploit Qualcomm drivers using the CVE-2019-10539 vulnerability.  Extended capability tags should typically have 10-{} bytes, but saw {}.",
            frame_noun(subtype),
            self.max,
            e.data.len()
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("QCOMEXTENDED", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    const ENABLE: &str = "alert=QCOMEXTENDED,10/min,1/sec";

    fn beacon_with(extcap_len: usize) -> Vec<u8> {
        let mut e = usual();
        e.extend(element(127, &vec![0u8; extcap_len]));
        mgmt(8, [0xff; 6], AP, AP, &beacon_body(&e))
    }

    #[test]
    fn disabled_by_default() {
        assert!(!run(&[(beacon_with(40), 100, 0)]).contains(&"QCOMEXTENDED".to_string()));
    }

    #[test]
    fn sixteen_bytes_fire_when_enabled() {
        let fired = run_alerts(&[(beacon_with(16), 100, 0)], ENABLE);
        let a = fired.iter().find(|a| a.header == "QCOMEXTENDED").unwrap();
        assert_eq!(
            a.text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 sent a beacon with an unusual IE 127 Extended Capabilities tag; this may indicate attempts to exploit Qualcomm drivers using the CVE-2019-10539 vulnerability.  Extended capability tags should typically have 10-15 bytes, but saw 16."
        );
        // A probe request names the client.
        let mut e = element(0, b"");
        e.extend(element(127, &[0u8; 20]));
        let pr = mgmt(4, [0xff; 6], STA, [0xff; 6], &e);
        let fired = run_alerts(&[(pr, 100, 0)], ENABLE);
        let a = fired.iter().find(|a| a.header == "QCOMEXTENDED").unwrap();
        assert!(
            a.text
                .starts_with("IEEE80211 device 00:66:77:88:99:AA sent a probe request"),
            "{}",
            a.text
        );
    }

    #[test]
    fn near_miss_fifteen_bytes_and_the_threshold_option() {
        let fired = run_alerts(&[(beacon_with(15), 100, 0)], ENABLE);
        assert!(!fired.iter().any(|a| a.header == "QCOMEXTENDED"));
        // Kismet 2025-09-R1's threshold.
        let cfg = format!("{ENABLE}\nqcomextended_max_len=13");
        let fired = run_alerts(&[(beacon_with(14), 100, 0)], &cfg);
        let a = fired.iter().find(|a| a.header == "QCOMEXTENDED").unwrap();
        assert!(a.text.ends_with("10-13 bytes, but saw 14."), "{}", a.text);
    }
}
