//! **FLIPPERZERO** (PROBE, HIGH, Bluetooth phy): a Flipper Zero is nearby.
//!
//! Trigger: a raw Bluetooth LE frame creates a new BTLE device (it is among the devices this
//! packet created) whose address has the OUI `80:E1:26` or `80:E1:27`, the OUIs of Flipper
//! Zero radios. Once per device; raised with the device's MAC as source, the other addresses
//! zero, and the channel `FHSS`. Text: Kismet's.
//!
//! In Kismet 2025-09-R1 this alert is raised only from Bluetooth scan reports (JSON packets
//! from a Bluetooth scanning source): its raw-BTLE path is dead, because the BTLE phy's second
//! registration of the alert fails as a duplicate and leaves it an invalid reference. Osprey
//! reads captures, not scan reports, so it implements the raw-BTLE path, which is what the
//! text ("a BTLE advertisement packet...") describes. The definition keeps Kismet's Bluetooth
//! phy.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_dissect::Phy;

use crate::{Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A Flipper Zero can generate spoofed Bluetooth LE advertisements that act as a denial of service or otherwise disturb some Bluetooth devices";

/// The OUIs of Flipper Zero radios.
const OUIS: [[u8; 3]; 2] = [[0x80, 0xE1, 0x26], [0x80, 0xE1, 0x27]];

/// Kismet's text.
const TEXT: &str = "A BTLE advertisement packet with a source address matching a Flipper Zero device was seen; The Flipper device is capable of generating BTLE packets which may cause a denial of service or other problems with some BTLE devices.";

/// The detector.
pub struct FlipperZero {
    r: Option<AlertRef>,
}

impl FlipperZero {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        FlipperZero { r }
    }
}

impl Detector for FlipperZero {
    fn interest(&self) -> crate::Interest {
        // The dissector sets the Bluetooth LE phy only with a decoded Bluetooth LE link.
        crate::Interest::BTLE.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else {
            return;
        };
        if ctx.packet.phy != Phy::Btle || ctx.observed.created.is_empty() {
            return;
        }
        for &i in &ctx.observed.created {
            let Some(dev) = ctx.devices.devices().get(i) else {
                continue;
            };
            let oui = dev.mac.as_bytes().get(..3);
            if dev.phy != Phy::Btle || !OUIS.iter().any(|o| oui == Some(&o[..])) {
                continue;
            }
            let z = MacAddr::ZERO;
            let outcome = alerts.raise(r, ctx.now(), z, dev.mac, z, z, "FHSS", TEXT);
            f.record("FLIPPERZERO", outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{adv, run_btle};

    #[test]
    fn new_flipper_device_fires_once() {
        let flipper = [0x80, 0xE1, 0x26, 0x01, 0x02, 0x03];
        let got = run_btle(
            &[
                (adv(0, false, flipper, &[2, 1, 6]), 100, 0),
                (adv(0, false, flipper, &[2, 1, 6, 3, 0xff, 1, 2]), 101, 0),
                (adv(0, false, flipper, &[2, 1, 6]), 200, 0),
            ],
            "",
        );
        let got: Vec<_> = got.iter().filter(|a| a.header == "FLIPPERZERO").collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source.to_string(), "80:E1:26:01:02:03");
        assert_eq!((got[0].channel.as_str(), got[0].phy), ("FHSS", 3));
    }

    #[test]
    fn near_miss_other_oui() {
        let other = [0x80, 0xE1, 0x28, 0x01, 0x02, 0x03];
        let got = run_btle(&[(adv(0, false, other, &[2, 1, 6]), 100, 0)], "");
        assert!(got.iter().all(|a| a.header != "FLIPPERZERO"));
    }
}
