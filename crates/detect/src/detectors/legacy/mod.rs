//! Legacy tools, malformed management frames and radio checks: NETSTUMBLER, NULLPROBERESP,
//! LUCENTTEST, MALFORMMGMT and OVERPOWERED.
//!
//! Kismet 2025-09-R1 registers NETSTUMBLER, NULLPROBERESP, LUCENTTEST and MALFORMMGMT but
//! never raises them; Osprey implements what each is meant to detect (see each module).

pub mod lucenttest;
pub mod malformmgmt;
pub mod netstumbler;
pub mod nullproberesp;
pub mod overpowered;

use osprey_alerts::Severity;
use osprey_config::OptionDoc;
use osprey_wire::ieee80211::FrameType;

use super::Registry;
use crate::Context;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "dot11_max_signal",
    defaults: &["-10"],
    example: "",
    help: "OVERPOWERED: a frame whose signal (dBm) is above this and below 0 is abnormally
strong (an over-driven amplifier). An integer from -128 to 0. The alert itself is
disabled by default (alert=OVERPOWERED,0/min,0/sec); rate it to enable it.",
}];

/// Registers the group's alerts and detectors, in the order of Kismet's registration.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let threshold = match reg.options.last("dot11_max_signal") {
        None => overpowered::DEFAULT_MAX_SIGNAL,
        Some(e) => match e.value.parse::<i32>() {
            Ok(v) if (-128..=0).contains(&v) => v,
            _ => {
                return Err(reg.options.error(
                    e,
                    format!(
                        "expected a signal in dBm from -128 to 0, found {:?}",
                        e.value
                    ),
                ))
            }
        },
    };

    let r = reg.activate(
        "NETSTUMBLER",
        "PROBE",
        Severity::Low,
        netstumbler::DESCRIPTION,
    );
    reg.add(netstumbler::Netstumbler::new(r));
    let r = reg.activate(
        "NULLPROBERESP",
        "DENIAL",
        Severity::Medium,
        nullproberesp::DESCRIPTION,
    );
    reg.add(nullproberesp::NullProbeResp::new(r));
    let r = reg.activate(
        "LUCENTTEST",
        "PROBE",
        Severity::Low,
        lucenttest::DESCRIPTION,
    );
    reg.add(lucenttest::LucentTest::new(r));
    let r = reg.activate(
        "MALFORMMGMT",
        "EXPLOIT",
        Severity::Medium,
        malformmgmt::DESCRIPTION,
    );
    reg.add(malformmgmt::MalformMgmt::new(r));
    let r = reg.activate(
        "OVERPOWERED",
        "OTHER",
        Severity::High,
        overpowered::DESCRIPTION,
    );
    reg.add(overpowered::Overpowered::new(r, threshold));
    Ok(())
}

/// The LLC/SNAP header with the Lucent (Agere) OUI that old Orinoco tools used.
const LUCENT_SNAP: [u8; 6] = [0xAA, 0xAA, 0x03, 0x00, 0x60, 0x1D];

/// The Lucent link-test pattern, at offset 12 of the frame body.
pub(crate) const LUCENT_TEST: [u8; 4] = [0x00, 0x01, 0x02, 0x03];

/// The body of an unprotected data frame that carries data (not a null subtype, not an
/// A-MSDU) and starts with the Lucent SNAP header, `AA AA 03 00 60 1D`.
pub(crate) fn lucent_snap_payload<'a>(ctx: &Context<'a, '_>) -> Option<&'a [u8]> {
    let d = ctx.packet.dot11()?;
    if d.frame_type() != FrameType::Data
        || d.frame_control().protected()
        || d.subtype() & 0x4 != 0
        || d.view().amsdu_present()
    {
        return None;
    }
    let body = d.body();
    (body.get(..6)? == LUCENT_SNAP).then_some(body)
}

#[cfg(test)]
pub(crate) mod tests {
    //! Frames shared by this group's tests.

    use crate::detectors::testing::{AP, STA};

    /// A to-DS data frame from `STA` whose body is the Lucent SNAP header, two protocol
    /// bytes, four filler bytes and `tail` (which starts at body offset 12).
    pub(crate) fn lucent_data(tail: &[u8]) -> Vec<u8> {
        let mut f = vec![0x08, 0x01, 0, 0];
        f.extend(AP);
        f.extend(STA);
        f.extend([0xff; 6]);
        f.extend([0x10, 0]);
        f.extend([0xAA, 0xAA, 0x03, 0x00, 0x60, 0x1D, 0x00, 0x00]);
        f.extend([0x55; 4]);
        f.extend(tail);
        f
    }

    /// `frame` behind a radiotap header that reports `signal` dBm.
    pub(crate) fn radiotap_signal(signal: i8, frame: &[u8]) -> Vec<u8> {
        let mut f = vec![0, 0, 9, 0, 0x20, 0, 0, 0, signal as u8];
        f.extend(frame);
        f
    }

    /// `frame` behind a radiotap header whose flags say an FCS follows, with a valid FCS or a
    /// wrong one.
    pub(crate) fn radiotap_fcs(frame: &[u8], valid: bool) -> Vec<u8> {
        let mut f = vec![0, 0, 9, 0, 0x02, 0, 0, 0, 0x10];
        f.extend(frame);
        let fcs = osprey_dissect::crc32::crc32(frame) ^ u32::from(!valid);
        f.extend(fcs.to_le_bytes());
        f
    }

    pub(crate) use crate::detectors::testing::run_dlt;
}
