//! **BCOM11KCHAN** (EXPLOIT, HIGH): an 802.11k neighbor report naming a channel above 224,
//! which overflows Broadcom firmware used in phones (Project Zero issue 1289).
//!
//! Trigger: an unprotected action frame (13) of category 5 (radio measurement), action 5
//! (neighbor report response), whose element list (after category, action and dialog token)
//! holds a Neighbor Report element (52) of at least 12 bytes whose channel number (its 12th
//! byte, after BSSID, BSSID information and operating class) is above 224. One alert per
//! frame, naming the first such channel.
//!
//! Kismet reads the action body two bytes too early (from offset 22, inside the sequence
//! control field), so its check fires only by coincidence; it also accepts any radio
//! measurement action, and prints the channel as a raw byte. Osprey reads the body where it
//! is, requires the neighbor report response that carries these elements, and prints the
//! channel in decimal. The text keeps Kismet's wording, including its spelling "IEE80211".

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::ie::{self, Elements};

use super::{bit, mgmt};
use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "An 802.11k neighbor report named a channel above the highest valid channel (224); oversized channel numbers overflow the firmware of Broadcom chips used in mobile devices";

/// Action category: radio measurement.
const RADIO_MEASUREMENT: u8 = 5;
/// Radio measurement action: neighbor report response.
const NEIGHBOR_REPORT_RESPONSE: u8 = 5;
/// The highest valid channel number.
const MAX_CHANNEL: u8 = 224;

/// The detector.
pub struct Bcom11kChan {
    r: Option<AlertRef>,
}

impl Bcom11kChan {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        Bcom11kChan { r }
    }
}

/// The first out-of-range channel of the neighbor reports in a neighbor report response body.
fn bad_channel(body: &[u8]) -> Option<u8> {
    match body {
        [RADIO_MEASUREMENT, NEIGHBOR_REPORT_RESPONSE, _token, rest @ ..] => Elements::new(rest)
            .filter(|e| e.is(ie::id::NEIGHBOR_REPORT))
            .filter_map(|e| e.data.get(11).copied())
            .find(|&c| c > MAX_CHANNEL),
        _ => None,
    }
}

impl Detector for Bcom11kChan {
    fn interest(&self) -> Interest {
        Interest::mgmt(bit(13)).when(self.r.is_some())
    }

    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some(d)) = (self.r, mgmt(ctx, bit(13))) else {
            return;
        };
        if d.frame_control().protected() {
            return;
        }
        let Some(channel) = bad_channel(d.body()) else {
            return;
        };
        let p = ctx.packet;
        let text = format!(
            "IEE80211 Access Point BSSID {} reporting an 802.11k neighbor channel of {channel} which is greater than the maximum channel, 224.  This may be an exploit attempt against Broadcom chipsets used in mobile devices.",
            p.bssid
        );
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record("BCOM11KCHAN", raise(alerts, r, ctx, addrs, &text));
    }

    fn sees_errors(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::*;
    use crate::detectors::testing::*;

    /// A neighbor report response with one report naming `channel`.
    fn response(category: u8, action: u8, channel: u8) -> Vec<u8> {
        let mut report = AP.to_vec();
        report.extend([0x8f, 0x00, 0x00, 0x00]); // BSSID information
        report.extend([81, channel, 7]); // operating class, channel, PHY type
        let mut body = vec![category, action, 1];
        body.extend(element(52, &report));
        mgmt(13, STA, AP, AP, &body)
    }

    #[test]
    fn channel_above_224_fires() {
        let fired = run_alerts(&[(response(5, 5, 225), 100, 0)], "");
        let a = fired.iter().find(|a| a.header == "BCOM11KCHAN").unwrap();
        assert!(
            a.text.contains("neighbor channel of 225 which is greater"),
            "{}",
            a.text
        );
    }

    #[test]
    fn near_miss_valid_channel_other_action_or_protected() {
        for f in [
            response(5, 5, 224),
            response(5, 4, 250), // a link measurement, not a neighbor report response
            response(10, 5, 250),
        ] {
            assert!(!run(&[(f, 100, 0)]).contains(&"BCOM11KCHAN".to_string()));
        }
        let mut prot = response(5, 5, 250);
        prot[1] |= 0x40;
        assert!(!run(&[(prot, 100, 0)]).contains(&"BCOM11KCHAN".to_string()));
        // A report too short to hold a channel.
        let mut body = vec![5, 5, 1];
        body.extend(element(52, &[0xff; 11]));
        let short = mgmt(13, STA, AP, AP, &body);
        assert!(!run(&[(short, 100, 0)]).contains(&"BCOM11KCHAN".to_string()));
    }
}
