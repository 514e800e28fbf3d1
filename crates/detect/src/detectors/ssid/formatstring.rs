//! **FORMATSTRING** (EXPLOIT, HIGH): an access point names its network with printf-style
//! conversion sequences.
//!
//! Trigger: a beacon or probe response that creates a new SSID record for its access point
//! (`Observed::new_ssid`) and whose SSID contains `%s`, `%n`, `%p` or `%@`. Throttle-checked:
//! nothing is raised (or tagged) while the alert's rate limit is exhausted. The text quotes the
//! SSID in its printable form ([`super::printable_ssid`]).
//!
//! SSID text that reaches a `printf`-style formatter unescaped has crashed phones and laptops
//! (the iOS "%p%s%s%s%s%n" network name bug); an access point advertising such a name is
//! either a prank or an attempt to crash the clients that list it.
//!
//! Differences from Kismet: the sequences are searched in the SSID bytes up to any trailing NUL
//! padding, so one hidden behind an embedded NUL byte is still found (Kismet's printable SSID
//! ends at the first NUL); and an SSID longer than 32 bytes is checked too (Kismet drops the
//! frame as corrupt after LONGSSID and checks nothing).

use osprey_alerts::{AlertRef, AlertTracker};

use super::{addresses, new_ssid_record, printable_ssid, trim_nul};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "An SSID containing printf-style conversions (%s, %n, %p, %@) is legal, but software that formats network names without escaping them has crashed on such names (historically iOS devices); an access point advertising one may be trying to crash or exploit nearby clients";

/// The sequences looked for.
const SEQUENCES: [&[u8]; 4] = [b"%s", b"%n", b"%p", b"%@"];

/// True when `ssid` contains one of the conversion sequences.
pub(crate) fn has_format_sequence(ssid: &[u8]) -> bool {
    ssid.windows(2).any(|w| SEQUENCES.contains(&w))
}

/// The detector.
pub struct FormatString {
    r: Option<AlertRef>,
}

impl FormatString {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        FormatString { r }
    }
}

impl Detector for FormatString {
    fn interest(&self) -> crate::Interest {
        // `Observed::new_ssid` is only set for beacons and probe responses.
        crate::Interest::mgmt(1 << 5 | 1 << 8).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((_, ssid))) = (self.r, new_ssid_record(ctx)) else {
            return;
        };
        let ssid = trim_nul(ssid);
        if !has_format_sequence(ssid) || !alerts.potential(r, ctx.now()) {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "IEEE80211 Access Point {} broadcasting SSID \"{}\" which contains special formatting characters which may crash some devices",
            p.bssid,
            printable_ssid(ssid)
        );
        f.record("FORMATSTRING", raise(alerts, r, ctx, addresses(ctx), &text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ap_frame, with_seq, AP2};
    use crate::detectors::testing::*;

    #[test]
    fn conversion_in_new_ssid_fires() {
        let a = run_alerts(&[(ap_frame(8, AP, b"free%nwifi"), 100, 0)], "");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].header, "FORMATSTRING");
        assert_eq!(
            a[0].text,
            "IEEE80211 Access Point 00:11:22:33:44:55 broadcasting SSID \"free%nwifi\" which contains special formatting characters which may crash some devices"
        );
        // A sequence after an embedded NUL; a probe response's new record (here after a
        // beacon for the same SSID: see `super::tests::probe_response_alone_is_a_new_record`).
        let fired = run(&[
            (ap_frame(8, AP2, b"a\0%@"), 100, 0),
            (ap_frame(5, AP2, b"a\0%@"), 102, 0),
        ]);
        assert_eq!(fired, vec!["FORMATSTRING", "FORMATSTRING"]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // A percent sign without a conversion, and a known SSID seen again.
        let fired = run(&[
            (ap_frame(8, AP, b"100% free"), 100, 0),
            (ap_frame(8, AP2, b"%d%x %"), 100, 0),
        ]);
        assert!(fired.is_empty(), "{fired:?}");
        let fired = run(&[
            (ap_frame(8, AP, b"%s"), 100, 0),
            (with_seq(ap_frame(8, AP, b"%s"), 1), 200, 0),
        ]);
        assert_eq!(fired, vec!["FORMATSTRING"]);
    }
}
