//! **PROBECHAN** (SPOOF, MEDIUM): a probe response advertises a channel other than the one
//! the same BSSID's beacons advertise.
//!
//! Trigger: a probe response whose BSSID has been seen beaconing, where both the response's
//! advertised channel and the channel of the BSSID's last beacon (any SSID, so a hidden
//! network's responses are compared with its blank-SSID beacons) are known (not 0) and
//! differ. Channels are read as for CHANCHANGE ([`super::record`]). An access point answers
//! probes with its own operating channel; a different one means another transmitter is
//! answering for that BSSID, or a misbehaving repeater.
//!
//! Kismet compares with the probe-response record's channel, which it never sets, so its
//! PROBECHAN cannot fire.

use super::record::{channel_number, ssid_text, Advert, Out, Refs};

/// The definition's description.
pub const DESCRIPTION: &str = "A probe response advertises a different channel than the same access point's beacons. This may be another device answering for the network (an 'evil twin'), or a misconfigured access point or repeater";

/// Compares a probe response's channel with the BSSID's last beacon channel.
pub(crate) fn check(
    beacon_channel: u16,
    beacon_packet: u64,
    adv: &Advert<'_>,
    refs: &Refs,
    out: &mut Out<'_, '_, '_>,
) {
    if adv.channel == 0 || beacon_channel == 0 || adv.channel == beacon_channel {
        return;
    }
    let text = format!(
        "IEEE80211 Access Point BSSID {} SSID \"{}\" sent a probe response with channel {} while advertising channel {}.  This may indicate spoofing or impersonation, or may indicate a misconfigured or misbehaving access point or repeater.",
        out.ctx.packet.bssid,
        ssid_text(adv.ssid),
        channel_number(adv.channel),
        channel_number(beacon_channel)
    );
    out.raise("PROBECHAN", refs.probechan, beacon_packet, &text);
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    #[test]
    fn response_on_other_channel_fires() {
        let resp = Ad {
            subtype: 5,
            ds: Some(1),
            ..Ad::default()
        };
        let fired = run_alerts(&frames(&[Ad::default(), resp]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "PROBECHAN");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" sent a probe response with channel 1 while advertising channel 6.  This may indicate spoofing or impersonation, or may indicate a misconfigured or misbehaving access point or repeater."
        );
        assert_eq!(fired[0].evidence, vec![1, 3]);
        // A hidden network: blank-SSID beacons, named responses.
        let hidden = Ad {
            ssid: b"",
            ..Ad::default()
        };
        let named = Ad {
            subtype: 5,
            ds: Some(11),
            ..Ad::default()
        };
        assert_eq!(headers(&[hidden, named], ""), vec!["PROBECHAN"]);
    }

    #[test]
    fn near_miss_same_channel_no_beacon_or_channel_zero() {
        let resp = Ad {
            subtype: 5,
            ..Ad::default()
        };
        assert!(headers(&[Ad::default(), resp.clone()], "").is_empty());
        // No beacon seen for the BSSID yet.
        let other = Ad {
            ds: Some(1),
            ..resp.clone()
        };
        assert!(headers(&[other.clone(), resp.clone()], "").is_empty());
        // The response names no channel.
        let zero = Ad {
            ds: Some(0),
            ..resp
        };
        assert!(headers(&[Ad::default(), zero], "").is_empty());
    }
}
