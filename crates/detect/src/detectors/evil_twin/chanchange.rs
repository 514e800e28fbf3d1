//! **CHANCHANGE** (SPOOF, LOW): an access point's beacons advertise a different channel.
//!
//! Trigger: a beacon of a known (BSSID, SSID) beacon record whose advertised channel (HT
//! operation primary channel, else DS parameter set, else 6 GHz operation primary channel;
//! see [`super::record`]) is known (not 0) and differs from the record's known channel. The
//! record then takes the new channel, so a real channel change alerts once, and a twin on
//! another channel interleaving with the real network alerts at each switch (within the rate
//! limit). The advertised channel is compared, not the channel the frame was captured on, so
//! adjacent-channel reception does not alert. A channel switch announcement does not
//! suppress the alert: spoofed announcements are how clients are lured to a twin.
//!
//! Kismet stores a record's channel only from an HT element (or from this alert), and skips
//! the check for any beacon carrying one, so it alerts only when an HT beacon is followed by
//! a non-HT beacon on another channel.

use super::record::{channel_number, ssid_text, Advert, Out, Record, Refs};

/// The definition's description.
pub const DESCRIPTION: &str = "An access point now advertises a different channel. Access points with automatic channel selection do this, but it may also be another device copying the network on another channel (an 'evil twin')";

/// Compares the advertised channel with the record's; raises on a change and stores it.
pub(crate) fn check(rec: &mut Record, adv: &Advert<'_>, refs: &Refs, out: &mut Out<'_, '_, '_>) {
    if adv.channel == 0 || rec.channel == adv.channel {
        return;
    }
    let old = std::mem::replace(&mut rec.channel, adv.channel);
    if old == 0 {
        return;
    }
    let text = format!(
        "IEEE80211 Access Point BSSID {} SSID \"{}\" changed advertised channel from {} to {}, which may indicate spoofing or impersonation.  This may also be a normal event where the AP seeks a less congested channel.",
        out.ctx.packet.bssid,
        ssid_text(adv.ssid),
        channel_number(old),
        channel_number(adv.channel)
    );
    out.raise("CHANCHANGE", refs.chanchange, rec.packet, &text);
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    #[test]
    fn changed_channel_fires_once() {
        let eleven = Ad {
            ds: Some(11),
            ..Ad::default()
        };
        let fired = run_alerts(&frames(&[Ad::default(), eleven.clone(), eleven]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "CHANCHANGE");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" changed advertised channel from 6 to 11, which may indicate spoofing or impersonation.  This may also be a normal event where the AP seeks a less congested channel."
        );
        assert_eq!(fired[0].channel, "11");
        // HT beacons: the HT primary channel counts (Kismet skips these).
        let ht36 = Ad {
            ds: None,
            ht: Some(36),
            ..Ad::default()
        };
        let ht40 = Ad {
            ht: Some(40),
            ..ht36.clone()
        };
        assert_eq!(headers(&[ht36, ht40], ""), vec!["CHANCHANGE"]);
    }

    #[test]
    fn near_miss_channel_zero_or_unknown_or_same() {
        let zero = Ad {
            ds: Some(0),
            ..Ad::default()
        };
        let none = Ad {
            ds: None,
            ..Ad::default()
        };
        assert!(headers(&[Ad::default(), zero, none, Ad::default()], "").is_empty());
        // The HT primary channel agrees with the DS channel.
        let ht = Ad {
            ht: Some(6),
            ..Ad::default()
        };
        assert!(headers(&[Ad::default(), ht], "").is_empty());
        // Probe responses never raise CHANCHANGE.
        let r6 = Ad {
            subtype: 5,
            ..Ad::default()
        };
        let r11 = Ad {
            ds: Some(11),
            ..r6.clone()
        };
        assert!(!headers(&[r6, r11], "").contains(&"CHANCHANGE".to_string()));
    }
}
