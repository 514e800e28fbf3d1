//! **VDOO202027302** (EXPLOIT, HIGH): an over-long AES-wrapped key in a message 3 from an
//! access point, the overflow of CVE-2020-27302 in Realtek RTL8710C (Ameba) modules.
//!
//! Trigger (with `dot11_keep_eapol`): an unprotected from-DS data frame carrying an EAPOL-Key
//! frame (RSN or WPA descriptor) with Ack and Install set (message 3 of the 4-way handshake),
//! key descriptor version 2 (HMAC-SHA1 MIC, AES key wrap) or 3 (AES-CMAC MIC, AES key wrap),
//! and Key Data longer than 0x80 (128) bytes. The vulnerable supplicant unwraps the AES-wrapped
//! key data into a 128-byte stack buffer; an attacker who knows the network's passphrase can
//! overflow it from a rogue access point.
//!
//! Text: `Suspiciously long WPA AES key in handshake (N bytes) which may be an attempt to
//! exploit the CVE-2020-27302 RTL vulnerability (however chances of seeing this in the wild
//! are likely very slim)`.
//!
//! Kismet differences: Kismet's test compares the descriptor version with its AES value twice,
//! so only version 2 counts and a version 3 message fell through to the 0x101 test of
//! VDOO202027301; Osprey takes both AES versions, which is what the duplicated comparison was
//! evidently meant to do. Kismet reads only the RSN descriptor and assumes a 16-byte MIC;
//! Osprey also reads the WPA descriptor and fits the MIC length to the frame. Kismet runs the
//! check once per tracked endpoint; Osprey once per frame. Caveat shared with Kismet: an
//! access point that sends the integrity group key, the beacon-protection key and an OCI
//! element together (PMF with beacon protection and OCV) can legitimately pass 128 bytes of
//! key data.

use osprey_alerts::AlertRef;

use super::LongKeyData;

/// The definition's description.
pub const DESCRIPTION: &str = "Realtek RTL8710C (Ameba) Wi-Fi modules unwrap the AES-wrapped key of a WPA handshake into a fixed stack buffer; an attacker who knows the network's passphrase can overflow it with an over-long key in message 3 and run code on the module (CVE-2020-27302)";

/// The longest AES-wrapped key data the vulnerable code holds.
pub const MAX_KEY_DATA: u16 = 0x80;

/// The detector.
pub(crate) fn new(r: Option<AlertRef>) -> LongKeyData {
    LongKeyData {
        r,
        header: "VDOO202027302",
        versions: |v| matches!(v, 2 | 3),
        max: MAX_KEY_DATA,
        text: "Suspiciously long WPA AES key in handshake ({len} bytes) which may be an attempt to exploit the CVE-2020-27302 RTL vulnerability (however chances of seeing this in the wild are likely very slim)",
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    #[test]
    fn long_aes_key_in_message_3_fires_for_versions_2_and_3() {
        let m3 = eapol_key(2, 0x13ca, 2, [0x11; 32], &[0; 136]);
        let alerts = run_alerts(&[(from_ap(&m3, false), 100, 0)], "");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].header, "VDOO202027302");
        assert_eq!(
            alerts[0].text,
            "Suspiciously long WPA AES key in handshake (136 bytes) which may be an attempt to exploit the CVE-2020-27302 RTL vulnerability (however chances of seeing this in the wild are likely very slim)"
        );
        // Version 3 (AES-CMAC), which Kismet's duplicated comparison misses; 300 bytes is
        // also above VDOO202027301's limit, but an AES key is this alert's case only.
        let m3 = eapol_key(2, 0x13cb, 2, [0x11; 32], &[0; 300]);
        assert_eq!(run(&[(from_ap(&m3, false), 100, 0)]), vec!["VDOO202027302"]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let frames = [
            // 128 bytes: at the limit (a WPA2 message 3 with PMF carries about 100).
            from_ap(&eapol_key(2, 0x13ca, 2, [0x11; 32], &[0; 128]), false),
            // Version 1 (RC4): VDOO202027301's case, and below its limit.
            from_ap(&eapol_key(2, 0x13c9, 2, [0x11; 32], &[0; 200]), false),
            // Version 0 (AKM-defined).
            from_ap(&eapol_key(2, 0x13c8, 2, [0x11; 32], &[0; 200]), false),
            // Not from the access point.
            from_sta(&eapol_key(2, 0x13ca, 2, [0x11; 32], &[0; 200]), false),
            // Ack clear (a message 2 with a long RSN element).
            from_sta(&eapol_key(2, 0x010a, 2, [0x11; 32], &[0; 200]), false),
        ];
        for (i, fr) in frames.into_iter().enumerate() {
            assert!(run(&[(fr, 100, 0)]).is_empty(), "case {i}");
        }
    }
}
