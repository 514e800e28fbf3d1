//! **VDOO202027301** (EXPLOIT, HIGH): an over-long RC4-encrypted key in a message 3 from an
//! access point, the overflow of CVE-2020-27301 in Realtek RTL8710C (Ameba) modules.
//!
//! Trigger (with `dot11_keep_eapol`): an unprotected from-DS data frame carrying an EAPOL-Key
//! frame (RSN or WPA descriptor) with Ack and Install set (message 3 of the 4-way handshake),
//! non-empty Key Data longer than 0x101 (257) bytes, and a key descriptor version other than
//! the AES ones (2 and 3, see [`super::vdoo202027302`]) and other than 0. The vulnerable
//! supplicant copies the key data it decrypts with RC4 (descriptor version 1) into a 257-byte
//! stack buffer; an attacker who knows the network's passphrase can send such a message 3 from
//! a rogue access point and run code on the module.
//!
//! Text: `Suspiciously long WPA key in handshake (N bytes) which may be an attempt to exploit
//! the CVE-2020-27301 RTL vulnerability (however chances of seeing this in the wild are likely
//! very slim)`.
//!
//! Kismet differences: Kismet raises this for every descriptor version but its AES one,
//! including version 0, which the AKMs of WPA3 (SAE, OWE, Suite B) and Wi-Fi 7 multi-link
//! setups use and whose message 3 legitimately carries several hundred bytes of key data;
//! Osprey leaves version 0 out (the vulnerable WPA2 code predates it; RC4 key wrapping only
//! exists in version 1). Versions 4 to 7 are reserved and never legitimate, so they still
//! count. Kismet reads only the RSN descriptor and assumes a 16-byte MIC; Osprey also reads
//! the WPA descriptor (WPA1 with TKIP is where RC4 key data lives) and fits the MIC length to
//! the frame. Kismet runs the check once per tracked endpoint; Osprey once per frame.

use osprey_alerts::AlertRef;

use super::LongKeyData;

/// The definition's description.
pub const DESCRIPTION: &str = "Realtek RTL8710C (Ameba) Wi-Fi modules copy the RC4-decrypted key of a WPA handshake into a fixed stack buffer; an attacker who knows the network's passphrase can overflow it with an over-long key in message 3 and run code on the module (CVE-2020-27301)";

/// The longest RC4 key data the vulnerable code holds.
pub const MAX_KEY_DATA: u16 = 0x101;

/// The detector.
pub(crate) fn new(r: Option<AlertRef>) -> LongKeyData {
    LongKeyData {
        r,
        header: "VDOO202027301",
        versions: |v| !matches!(v, 0 | 2 | 3),
        max: MAX_KEY_DATA,
        text: "Suspiciously long WPA key in handshake ({len} bytes) which may be an attempt to exploit the CVE-2020-27301 RTL vulnerability (however chances of seeing this in the wild are likely very slim)",
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    #[test]
    fn long_rc4_key_in_message_3_fires() {
        // WPA descriptor, version 1 (RC4), Ack + Install + MIC + pairwise.
        let m3 = eapol_key(254, 0x01c9, 2, [0x11; 32], &[0; 258]);
        let alerts = run_alerts(&[(from_ap(&m3, false), 100, 0)], "");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].header, "VDOO202027301");
        assert_eq!(
            alerts[0].text,
            "Suspiciously long WPA key in handshake (258 bytes) which may be an attempt to exploit the CVE-2020-27301 RTL vulnerability (however chances of seeing this in the wild are likely very slim)"
        );
        // A reserved version counts too.
        let m3 = eapol_key(2, 0x01cc, 2, [0x11; 32], &[0; 300]);
        assert_eq!(run(&[(from_ap(&m3, false), 100, 0)]), vec!["VDOO202027301"]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let frames = [
            // 257 bytes: at the limit.
            from_ap(&eapol_key(254, 0x01c9, 2, [0x11; 32], &[0; 257]), false),
            // Version 0 (AKM-defined, e.g. a multi-link WPA3 message 3).
            from_ap(&eapol_key(2, 0x13c8, 2, [0x11; 32], &[0; 400]), false),
            // Not from the access point (to-DS).
            from_sta(&eapol_key(254, 0x01c9, 2, [0x11; 32], &[0; 300]), false),
            // Install clear.
            from_ap(&eapol_key(254, 0x0189, 2, [0x11; 32], &[0; 300]), false),
        ];
        for (i, fr) in frames.into_iter().enumerate() {
            assert!(run(&[(fr, 100, 0)]).is_empty(), "case {i}");
        }
        // Handshake analysis off.
        let m3 = eapol_key(254, 0x01c9, 2, [0x11; 32], &[0; 300]);
        assert!(run_alerts(&[(from_ap(&m3, false), 100, 0)], "dot11_keep_eapol=false").is_empty());
    }
}
