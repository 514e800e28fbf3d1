//! **ADVCRYPTCHANGE** (SPOOF, HIGH): the encryption a network advertises changed, other than
//! to none.
//!
//! Trigger: a beacon or probe response of a known (BSSID, SSID) record whose crypt set
//! ([`super::crypt`]: RSN, WPA and OWE transition elements) differs from the record's, when
//! the change is not a drop from encrypted to open (that is CRYPTODROP). This covers open to
//! encrypted, WPA2 to WPA, PSK to SAE, added or removed ciphers. The check itself is in
//! [`super::cryptodrop::check`]; the record then takes the new set.
//!
//! Kismet raises ADVCRYPTCHANGE for a drop to open too whenever CRYPTODROP is rate-limited;
//! Osprey never does (the two alerts have independent rate limits).

/// The definition's description.
pub const DESCRIPTION: &str = "The encryption a network advertises changed. This happens when an access point is reconfigured, but may also be another device copying the network's name and address with different security (an 'evil twin')";

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    #[test]
    fn psk_to_sae_and_open_to_encrypted_fire() {
        let sae = Ad {
            rsn_akm: Some(8),
            ..Ad::default()
        };
        let fired = run_alerts(&frames(&[Ad::default(), sae]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "ADVCRYPTCHANGE");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" changed advertised encryption from WPA2 WPA2-PSK AES-CCMP to WPA3 WPA3-SAE AES-CCMP which may indicate AP spoofing/impersonation"
        );
        let open = Ad {
            rsn_akm: None,
            ..Ad::default()
        };
        assert_eq!(headers(&[open, Ad::default()], ""), vec!["ADVCRYPTCHANGE"]);
    }

    #[test]
    fn near_miss_unchanged_or_unparseable() {
        let sae = Ad {
            rsn_akm: Some(8),
            ..Ad::default()
        };
        assert!(headers(&[sae.clone(), sae], "").is_empty());
        // A garbled RSN element is no evidence of a change.
        let mut frames = frames(&[Ad::default(), Ad::default()]);
        let f = &mut frames[1].0;
        if let Some(at) = f.windows(2).position(|w| w == [48, 20]) {
            f[at + 2] = 9; // RSN version 9
        }
        let fired = crate::detectors::testing::run(&frames);
        assert!(!fired
            .iter()
            .any(|h| h == "ADVCRYPTCHANGE" || h == "CRYPTODROP"));
    }
}
