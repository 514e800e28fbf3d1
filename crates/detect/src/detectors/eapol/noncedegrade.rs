//! **NONCEDEGRADE** (EXPLOIT, MEDIUM): a group-key handshake message sent in the clear with
//! no key data and an all-zero nonce.
//!
//! Trigger (with `dot11_keep_eapol`): an unprotected data frame carrying an EAPOL-Key frame
//! (RSN or WPA descriptor) whose Key Information has MIC set, Ack and Install clear and the
//! Key Type bit clear (a group key, not pairwise), whose Key Data is empty, and whose Key
//! Nonce is 32 zero bytes. That is the shape of a forged group-key message meant to make a
//! supplicant accept an empty key, the downgrade Mathy Vanhoef showed against OpenBSD's Wi-Fi
//! supplicant. A genuine group-key exchange only happens after the 4-way handshake and is
//! encrypted under the pairwise key, so it never matches. Disabled by default
//! (`alert=NONCEDEGRADE,0/min,0/sec`, as in Kismet).
//!
//! Text: `WPA EAPOL RSN frame seen with an empty key and zero nonce; this may indicate a WPA
//! degradation attack such as the vanhoefm attack against OpenBSD Wi-Fi supplicants.`
//!
//! Kismet differences: Kismet reads only the RSN descriptor (type 2); Osprey also reads the
//! WPA descriptor (254). Kismet assumes a 16-byte MIC, so with the SHA-384 AKMs (24-byte MIC)
//! it reads the key data length from inside the MIC; Osprey takes the MIC length that makes
//! the key data end with the frame ([`osprey_wire::eapol::Eapol::key_fitted`]). Kismet runs
//! the check once per tracked endpoint of the frame; Osprey once per frame.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A group-key message of the WPA handshake was sent in the clear with no key and an all-zero nonce; forged messages of this shape are used to downgrade supplicants to an empty key, as in Mathy Vanhoef's attack on OpenBSD's Wi-Fi client";

/// The detector.
pub struct NonceDegrade {
    r: Option<AlertRef>,
}

impl NonceDegrade {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        NonceDegrade { r }
    }
}

impl Detector for NonceDegrade {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let Some(d) = ctx.packet.dot11() else { return };
        let Some(e) = d.eapol() else { return };
        let Ok(k) = e.key_fitted() else { return };
        let ki = k.key_info();
        if !ki.mic() || ki.ack() || ki.install() || ki.pairwise() {
            return;
        }
        if k.key_data_len() != 0 || !k.nonce_is_zero() {
            return;
        }
        let p = ctx.packet;
        f.record(
            "NONCEDEGRADE",
            raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, MacAddr::ZERO],
                "WPA EAPOL RSN frame seen with an empty key and zero nonce; this may indicate a WPA degradation attack such as the vanhoefm attack against OpenBSD Wi-Fi supplicants.",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    const ON: &str = "alert=NONCEDEGRADE,10/min,1/sec";

    #[test]
    fn empty_group_key_with_zero_nonce_fires() {
        // MIC + Secure, group key, version 2, no key data, zero nonce.
        let degrade = eapol_key(2, 0x0302, 3, [0; 32], &[]);
        let alerts = run_alerts(&[(from_sta(&degrade, false), 100, 0)], ON);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].header, "NONCEDEGRADE");
        assert_eq!(alerts[0].source, kismetdb::MacAddr::new(STA));
        // The WPA descriptor counts too.
        let wpa = eapol_key(254, 0x0301, 3, [0; 32], &[]);
        assert_eq!(run_alerts(&[(from_sta(&wpa, false), 100, 0)], ON).len(), 1);
        // Disabled by default, as in Kismet.
        assert!(run(&[(from_sta(&degrade, false), 100, 0)]).is_empty());
    }

    #[test]
    fn near_misses_do_not_fire() {
        let cases: [(u16, [u8; 32], &[u8]); 4] = [
            (0x030a, [0; 32], &[]),     // pairwise: an ordinary message 4
            (0x0302, [0; 32], &[1; 8]), // key data present
            (0x0302, [7; 32], &[]),     // non-zero nonce
            (0x0382, [0; 32], &[]),     // Ack set: a group message 1
        ];
        for (ki, nonce, kd) in cases {
            let k = eapol_key(2, ki, 3, nonce, kd);
            assert!(
                run_alerts(&[(from_sta(&k, false), 100, 0)], ON).is_empty(),
                "key info {ki:#06x}"
            );
        }
        // Handshake analysis off.
        let degrade = eapol_key(2, 0x0302, 3, [0; 32], &[]);
        let off = format!("{ON}\ndot11_keep_eapol=false");
        assert!(run_alerts(&[(from_sta(&degrade, false), 100, 0)], &off).is_empty());
    }
}
