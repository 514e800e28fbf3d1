//! **BLEEDINGTOOTH** (EXPLOIT, HIGH, BTLE phy): an oversized Bluetooth LE advertisement, as
//! used against the Linux Bluetooth stack (BleedingTooth, CVE-2020-24490).
//!
//! Trigger: a raw BTLE advertising-channel frame (CRC not flagged bad) of PDU type ADV_IND (0)
//! or ADV_SCAN_IND (6) whose advertising data holds an AD structure with a length byte over
//! 31. Legacy advertising data is at most 31 bytes in all, so no well-formed structure is that
//! long. The AD structures are walked from the start of the advertising data; a zero length
//! byte ends the walk. With `btle_ignore_random=true`, advertisers with a random address
//! (TxAdd set) are ignored, as Kismet ignores their packets.
//!
//! One alert per frame, raised with the advertiser's address as source, the other addresses
//! zero and the channel `FHSS`. Text: Kismet's.
//!
//! Kismet raises one alert per oversized structure of a frame (the rate limit's burst of 1
//! per second drops all but the first anyway), and only when the oversized structure fits in
//! the frame: its parser rejects a frame whose structure runs past the end. Osprey also counts
//! a structure whose length byte is over 31 but which runs past the end of a frame with a
//! valid CRC: the length byte is what the overflow attempt is made of.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_dissect::Link;
use osprey_wire::btle::AdvPduType;

use crate::{Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "BleedingTooth (CVE-2020-24490) uses oversized Bluetooth LE advertisements to exploit missing bounds checks in the Linux BlueZ stack, which can lead to code execution in the kernel";

/// Kismet's text.
const TEXT: &str = "Saw a BTLE advertisement packet with an advertised content over 31 bytes; this may indicate a BleedingTooth style attack on the Linux BTLE drivers.";

/// The largest legal AD structure length byte Kismet accepts.
const MAX_AD_LEN: u8 = 31;

/// The detector.
pub struct BleedingTooth {
    r: Option<AlertRef>,
    ignore_random: bool,
}

impl BleedingTooth {
    pub(crate) fn new(r: Option<AlertRef>, ignore_random: bool) -> Self {
        BleedingTooth { r, ignore_random }
    }
}

/// Whether the advertising data holds an AD structure whose length byte is over 31.
fn oversized(data: &[u8]) -> bool {
    let mut pos = 0usize;
    while let Some(&len) = data.get(pos) {
        if len == 0 {
            return false;
        }
        if len > MAX_AD_LEN {
            return true;
        }
        pos += 1 + usize::from(len);
    }
    false
}

impl Detector for BleedingTooth {
    fn interest(&self) -> crate::Interest {
        crate::Interest::BTLE.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Link::Btle(b)) = (self.r, &ctx.packet.link) else {
            return;
        };
        let Some(pkt) = b.packet() else {
            return;
        };
        if !pkt.is_advertising()
            || !matches!(pkt.pdu_type(), AdvPduType::AdvInd | AdvPduType::AdvScanInd)
            || (self.ignore_random && pkt.tx_add())
            || !pkt.adv_data().is_some_and(oversized)
        {
            return;
        }
        let z = MacAddr::ZERO;
        let outcome = alerts.raise(r, ctx.now(), z, ctx.packet.source, z, z, "FHSS", TEXT);
        f.record("BLEEDINGTOOTH", outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{adv, run_btle};

    const DEV: [u8; 6] = [0x04, 0xEE, 0x03, 0x4A, 0x8B, 0x38];

    fn fired(frames: &[(Vec<u8>, i64, i64)], config: &str) -> Vec<String> {
        run_btle(frames, config)
            .into_iter()
            .filter(|a| a.header == "BLEEDINGTOOTH")
            .map(|a| a.source.to_string())
            .collect()
    }

    fn big(n: u8) -> Vec<u8> {
        let mut d = vec![2, 1, 6, n, 0xff];
        d.extend(std::iter::repeat_n(0x41, usize::from(n) - 1));
        d
    }

    #[test]
    fn oversized_structure_fires() {
        assert_eq!(
            fired(&[(adv(0, false, DEV, &big(40)), 100, 0)], ""),
            ["04:EE:03:4A:8B:38"]
        );
        assert_eq!(fired(&[(adv(6, true, DEV, &big(32)), 100, 0)], "").len(), 1);
        // A length byte over 31 that runs past the end of the frame.
        assert_eq!(
            fired(
                &[(adv(0, false, DEV, &[2, 1, 6, 200, 0xff, 1]), 100, 0)],
                ""
            )
            .len(),
            1
        );
    }

    #[test]
    fn near_misses() {
        // 31 is allowed; other PDU types; random addresses when ignored; zero-length padding.
        assert!(fired(&[(adv(0, false, DEV, &big(31)), 100, 0)], "").is_empty());
        assert!(fired(&[(adv(2, false, DEV, &big(40)), 100, 0)], "").is_empty());
        assert!(fired(&[(adv(4, false, DEV, &big(40)), 100, 0)], "").is_empty());
        assert!(fired(
            &[(adv(0, true, DEV, &big(40)), 100, 0)],
            "btle_ignore_random=true"
        )
        .is_empty());
        assert!(fired(&[(adv(0, false, DEV, &[2, 1, 6, 0, 200]), 100, 0)], "").is_empty());
    }
}
