//! **NETSTUMBLER** (PROBE, LOW): an active scan by NetStumbler 3.2x/3.3 (or a similar old
//! Windows tool driving a Lucent/Agere Orinoco card).
//!
//! Kismet 2025-09-R1 registers this alert but never raises it; this is the trigger earlier
//! Kismet versions used, which is what the alert is meant to detect.
//!
//! Trigger: an unprotected 802.11 data frame that carries data (not a null subtype, not an
//! A-MSDU) whose body starts with an LLC/SNAP header with the Lucent OUI, `AA AA 03 00 60 1D`
//! ([`super::lucent_snap_payload`]). The version is read from the three bytes at offset 12
//! of the body:
//!
//! * `46 6C 75` ("Flu", from "Flurble gronk bloopit, bnip Frundletrune"): version 3.22;
//! * `41 6C 6C` ("All", from "All your 802.11b are belong to us"): version 3.23;
//! * `20 20 20` (spaces, from "Intentionally blank"): version 3.30;
//! * anything else, except the Lucent link-test pattern (LUCENTTEST): an unknown version.
//!
//! One alert per frame. Addresses: BSSID, source, destination of the frame. Disabled by
//! default (rate 0, as in Kismet's configuration).
//!
//! Differences from the old Kismet code: it raised the unknown-version alert for every
//! Lucent SNAP frame, also after a version or a Lucent link test had matched (two alerts for
//! one frame), and it needed one more byte after the signature than the signature itself.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::{lucent_snap_payload, LUCENT_TEST};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "(Deprecated) Old Windows scanning tools such as NetStumbler 3.22, 3.23 and 3.30 send data frames with a recognisable Lucent SNAP payload while scanning; these tools and the Orinoco cards they drive are rare today";

/// Where the version signature starts in the frame body.
const SIGNATURE_AT: usize = 12;

/// The known versions: signature and alert text (Kismet's).
const VERSIONS: [([u8; 3], &str); 3] = [
    (*b"Flu", "Detected Netstumbler 3.22 probe"),
    (*b"All", "Detected Netstumbler 3.23 probe"),
    (*b"   ", "Detected Netstumbler 3.30 probe"),
];

/// The text for a Lucent SNAP frame of no known version (Kismet's, with its spelling).
const UNKNOWN: &str =
    "Detected what looks like a Netstumber probe but didn't match known version fingerprint";

/// The detector.
pub struct Netstumbler {
    r: Option<AlertRef>,
}

impl Netstumbler {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        Netstumbler { r }
    }
}

impl Detector for Netstumbler {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(body)) = (self.r, lucent_snap_payload(ctx)) else {
            return;
        };
        let sig = body.get(SIGNATURE_AT..SIGNATURE_AT + 3);
        let text = match VERSIONS.iter().find(|(s, _)| sig == Some(&s[..])) {
            Some((_, text)) => text,
            None if body.get(SIGNATURE_AT..SIGNATURE_AT + 4) == Some(&LUCENT_TEST[..]) => return,
            None => UNKNOWN,
        };
        let p = ctx.packet;
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record("NETSTUMBLER", raise(alerts, r, ctx, addrs, text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lucent_data;
    use crate::detectors::testing::*;

    const ON: &str = "alert=NETSTUMBLER,10/min,10/sec";

    #[test]
    fn version_signatures_fire() {
        for (sig, want) in [(*b"Flu", "3.22"), (*b"All", "3.23"), (*b"   ", "3.30")] {
            let got = run_alerts(&[(lucent_data(&sig), 100, 0)], ON);
            assert_eq!(got.len(), 1, "{want}");
            assert_eq!(got[0].header, "NETSTUMBLER");
            assert!(got[0].text.contains(want), "{}", got[0].text);
        }
        let got = run_alerts(&[(lucent_data(b"xyz"), 100, 0)], ON);
        assert_eq!(got.len(), 1);
        assert!(got[0].text.contains("didn't match"));
    }

    #[test]
    fn near_misses() {
        // Disabled by default.
        assert!(run(&[(lucent_data(b"Flu"), 100, 0)]).is_empty());
        // The Lucent link test is LUCENTTEST's, not an unknown NetStumbler.
        let got = run_alerts(&[(lucent_data(&[0, 1, 2, 3]), 100, 0)], ON);
        assert!(got.iter().all(|a| a.header != "NETSTUMBLER"));
        // Another SNAP OUI, and the same bytes in a protected frame.
        let mut other = lucent_data(b"Flu");
        other[28] = 0x00;
        assert!(run_alerts(&[(other, 100, 0)], ON).is_empty());
        let mut protected = lucent_data(b"Flu");
        protected[1] |= 0x40;
        assert!(run_alerts(&[(protected, 100, 0)], ON).is_empty());
    }
}
