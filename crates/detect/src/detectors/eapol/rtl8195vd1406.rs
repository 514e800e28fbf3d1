//! **RTL8195VD1406** (EXPLOIT, HIGH): an EAPOL-Key frame too long for the Realtek RTL8195
//! handshake code.
//!
//! Trigger: an unprotected data frame carrying EAPOL (LLC/SNAP EtherType 0x888E) of packet
//! type EAPOL-Key (3) whose 802.1X body length field is above 512. The RTL8195A firmware
//! (CVE-2020-9395, Vdoo VD-1406/VD-1407) copies the received EAPOL frame into a 512-byte stack
//! buffer while checking its MIC, so a longer frame overflows it; no legitimate 4-way or
//! group-key message comes near that size. The check looks at the length field only, before
//! the key is parsed, and needs neither `dot11_keep_eapol` nor a tracked device.
//!
//! Text: `RSN key frame has a length of N; lengths greater than 512 may be used to exploit
//! RTL8195 driver implementations`.
//!
//! Kismet difference: Kismet's parser first reads the whole body the length field announces,
//! so it stays silent when the captured frame is shorter than its length field (a crafted
//! frame, or a capture cut at a snap length); Osprey needs only the 4-byte EAPOL header, since
//! the overflow is driven by the announced length. Kismet also runs the check once per tracked
//! endpoint of the frame (twice for a frame between two non-AP devices, never when neither is
//! tracked); Osprey checks each frame once.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::eapol::{packet_type, Eapol};

use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The EAPOL handling of Realtek RTL8195 based devices copies key frames into a fixed 512-byte buffer; a WPA handshake frame announcing a longer body can overflow it and run code on the device (CVE-2020-9395, Vdoo VD-1406 and VD-1407)";

/// The largest 802.1X body length the vulnerable code handles.
pub const MAX_BODY_LEN: u16 = 512;

/// The detector.
pub struct Rtl8195Vd1406 {
    r: Option<AlertRef>,
}

impl Rtl8195Vd1406 {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        Rtl8195Vd1406 { r }
    }
}

impl Detector for Rtl8195Vd1406 {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let Some(d) = ctx.packet.dot11() else { return };
        let Some((ethertype, payload)) = d.llc() else {
            return;
        };
        if ethertype != osprey_wire::llc::ethertype::EAPOL
            || payload.len() < Eapol::<&[u8]>::HEADER_LEN
        {
            return;
        }
        let e = Eapol::new_unchecked(payload);
        if e.packet_type_raw() != packet_type::KEY || e.body_len() <= MAX_BODY_LEN {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "RSN key frame has a length of {}; lengths greater than 512 may be used to exploit RTL8195 driver implementations",
            e.body_len()
        );
        f.record(
            "RTL8195VD1406",
            raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, MacAddr::ZERO],
                &text,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    #[test]
    fn long_key_frame_fires_512_does_not() {
        // A message 2 from the client: 95 fixed bytes plus 418 bytes of key data make a
        // 513-byte body.
        let long = eapol_key(2, 0x010a, 1, [0x22; 32], &[0; 418]);
        assert_eq!(u16::from_be_bytes([long[2], long[3]]), 513);
        let alerts = run_alerts(&[(from_sta(&long, false), 100, 0)], "");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].header, "RTL8195VD1406");
        assert_eq!(
            alerts[0].text,
            "RSN key frame has a length of 513; lengths greater than 512 may be used to exploit RTL8195 driver implementations"
        );
        let exact = eapol_key(2, 0x010a, 1, [0x22; 32], &[0; 417]);
        assert!(run(&[(from_sta(&exact, false), 100, 0)]).is_empty());
    }

    #[test]
    fn length_field_counts_even_when_the_body_is_cut_short() {
        let mut cut = eapol_key(2, 0x13ca, 2, [0x11; 32], &[0; 56]);
        cut[2..4].copy_from_slice(&2000u16.to_be_bytes());
        assert_eq!(
            run(&[(from_ap(&cut, false), 100, 0)]),
            vec!["RTL8195VD1406"]
        );
        // Not an EAPOL-Key packet (EAP-Packet, type 0) with the same length: nothing.
        cut[1] = 0;
        assert!(run(&[(from_ap(&cut, false), 100, 0)]).is_empty());
    }

    #[test]
    fn fires_with_handshake_analysis_off() {
        let long = eapol_key(2, 0x010a, 1, [0x22; 32], &[0; 600]);
        let alerts = run_alerts(
            &[(from_sta(&long, false), 100, 0)],
            "dot11_keep_eapol=false",
        );
        assert_eq!(alerts.len(), 1);
    }
}
