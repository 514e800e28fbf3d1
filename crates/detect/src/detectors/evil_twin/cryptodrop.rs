//! **CRYPTODROP** (SPOOF, HIGH): a network that advertised encryption now advertises none.
//!
//! Trigger: a beacon or probe response of a known (BSSID, SSID) record (beacons and probe
//! responses have separate records, see [`super::record`]) whose crypt set
//! ([`super::crypt`]) differs from the record's, where the record's set had encryption and the
//! new one has none (empty, or only an OWE transition element). Any other change of the set
//! is ADVCRYPTCHANGE ([`super::advcryptchange`]). The record then takes the new set, so a
//! steady drop alerts once; a twin interleaving with the real network alerts at each switch
//! (within the rate limit).
//!
//! Kismet only looks again when the frame's elements changed, and raises ADVCRYPTCHANGE for
//! a drop to open whenever CRYPTODROP's rate limit holds it back; here a drop to open is only
//! ever CRYPTODROP, and every frame is compared.

use super::crypt;
use super::record::{ssid_text, Advert, Out, Record, Refs};

/// The definition's description.
pub const DESCRIPTION: &str = "A network that advertised encryption now advertises none. An access point may be reconfigured as open, but more often this is another device copying the network's name and address without its security (an 'evil twin')";

/// Compares the crypt set with the record's, raising CRYPTODROP or ADVCRYPTCHANGE on a
/// change, and stores the new set.
pub(crate) fn check(rec: &mut Record, adv: &Advert<'_>, refs: &Refs, out: &mut Out<'_, '_, '_>) {
    let Some(new) = adv.crypt else { return };
    let Some(old) = rec.crypt.replace(new) else {
        return;
    };
    if old == new {
        return;
    }
    let bssid = out.ctx.packet.bssid;
    let ssid = ssid_text(adv.ssid);
    if crypt::encrypted(old) && !crypt::encrypted(new) {
        let text = format!(
            "IEEE80211 Access Point BSSID {bssid} SSID \"{ssid}\" changed advertised encryption from {} to Open which may indicate AP spoofing/impersonation",
            crypt::text(old)
        );
        out.raise("CRYPTODROP", refs.cryptodrop, rec.packet, &text);
    } else {
        let text = format!(
            "IEEE80211 Access Point BSSID {bssid} SSID \"{ssid}\" changed advertised encryption from {} to {} which may indicate AP spoofing/impersonation",
            crypt::text(old),
            crypt::text(new)
        );
        out.raise("ADVCRYPTCHANGE", refs.advcryptchange, rec.packet, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    #[test]
    fn drop_to_open_fires_with_both_packets_as_evidence() {
        let open = Ad {
            rsn_akm: None,
            ..Ad::default()
        };
        let fired = run_alerts(&frames(&[Ad::default(), open]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "CRYPTODROP");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" changed advertised encryption from WPA2 WPA2-PSK AES-CCMP to Open which may indicate AP spoofing/impersonation"
        );
        assert_eq!(fired[0].evidence, vec![1, 3]);
        // Probe responses have their own records.
        let resp = Ad {
            subtype: 5,
            ..Ad::default()
        };
        let open_resp = Ad {
            rsn_akm: None,
            ..resp.clone()
        };
        assert_eq!(headers(&[resp, open_resp], ""), vec!["CRYPTODROP"]);
    }

    #[test]
    fn drop_is_cryptodrop_even_when_throttled() {
        let open = Ad {
            rsn_akm: None,
            ..Ad::default()
        };
        // Two drops, CRYPTODROP allows one: the second is not reported as ADVCRYPTCHANGE.
        let ads = [Ad::default(), open.clone(), Ad::default(), open];
        let h = headers(&ads, "alert=CRYPTODROP,1/min,1/min");
        assert_eq!(h, vec!["CRYPTODROP", "ADVCRYPTCHANGE"]);
    }

    #[test]
    fn near_miss_same_crypto_repeated_or_other_ssid() {
        assert!(headers(&[Ad::default(), Ad::default(), Ad::default()], "").is_empty());
        // An open network staying open.
        let open = Ad {
            rsn_akm: None,
            ..Ad::default()
        };
        assert!(headers(&[open.clone(), open.clone()], "").is_empty());
        // An open SSID beside the encrypted one on the same BSSID: separate records.
        let other = Ad {
            ssid: b"guest",
            ..open
        };
        assert!(headers(&[Ad::default(), other], "").is_empty());
        // A beacon then an open probe response: beacons and responses are not compared.
        let resp = Ad {
            subtype: 5,
            rsn_akm: None,
            ..Ad::default()
        };
        assert!(headers(&[Ad::default(), resp], "").is_empty());
    }
}
