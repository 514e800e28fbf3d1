//! WPA handshake (EAPOL-Key) checks: NONCEDEGRADE, NONCEREUSE, RTL8195VD1406, VDOO202027301
//! and VDOO202027302.
//!
//! All of them read EAPOL-Key frames carried in the clear by 802.11 data frames (LLC/SNAP
//! EtherType 0x888E); handshake messages sent after the pairwise key is installed are
//! encrypted and not seen. As in Kismet, `dot11_keep_eapol=false` turns the handshake analysis
//! off: NONCEDEGRADE, NONCEREUSE and both VDOO alerts are then never raised (their definitions
//! stay registered), while RTL8195VD1406, a plain length check, still runs. The Key Data
//! length is read with the MIC length that fits the frame
//! ([`osprey_wire::eapol::Eapol::key_fitted`]).

pub mod noncedegrade;
pub mod noncereuse;
pub mod rtl8195vd1406;
pub mod vdoo202027301;
pub mod vdoo202027302;

use osprey_alerts::Severity;
use osprey_config::OptionDoc;

use super::Registry;
use crate::Context;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "dot11_keep_eapol",
    defaults: &["true"],
    example: "",
    help: "Analyse WPA handshakes (EAPOL-Key frames): true or false. When false, NONCEDEGRADE,
NONCEREUSE, VDOO202027301 and VDOO202027302 are never raised and the handshake nonce
histories are not kept; RTL8195VD1406 (a length check) still runs. Kismet's option of the
same name also keeps the handshake packets for download; Osprey writes them to its log
either way.",
}];

/// Registers the group's alerts (in Kismet's order) and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let keep = reg.options.get_bool("dot11_keep_eapol", true)?;

    let r = reg.activate(
        "NONCEDEGRADE",
        "EXPLOIT",
        Severity::Medium,
        noncedegrade::DESCRIPTION,
    );
    if keep {
        reg.add(noncedegrade::NonceDegrade::new(r));
    }
    let r = reg.activate(
        "NONCEREUSE",
        "EXPLOIT",
        Severity::High,
        noncereuse::DESCRIPTION,
    );
    if keep {
        reg.add(noncereuse::NonceReuse::new(r));
    }
    let r = reg.activate(
        "RTL8195VD1406",
        "EXPLOIT",
        Severity::High,
        rtl8195vd1406::DESCRIPTION,
    );
    reg.add(rtl8195vd1406::Rtl8195Vd1406::new(r));
    let r = reg.activate(
        "VDOO202027301",
        "EXPLOIT",
        Severity::High,
        vdoo202027301::DESCRIPTION,
    );
    if keep {
        reg.add(vdoo202027301::new(r));
    }
    let r = reg.activate(
        "VDOO202027302",
        "EXPLOIT",
        Severity::High,
        vdoo202027302::DESCRIPTION,
    );
    if keep {
        reg.add(vdoo202027302::new(r));
    }
    Ok(())
}

/// VDOO202027301 and VDOO202027302: a message 3 from an access point whose Key Data is longer
/// than the vulnerable RTL8710C code holds, for the key descriptor versions of its cipher path.
pub struct LongKeyData {
    r: Option<osprey_alerts::AlertRef>,
    header: &'static str,
    /// The descriptor versions this alert covers.
    versions: fn(u8) -> bool,
    /// The longest Key Data the vulnerable path holds.
    max: u16,
    /// The text, with `{len}` for the length.
    text: &'static str,
}

impl crate::Detector for LongKeyData {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(
        &mut self,
        ctx: &Context<'_, '_>,
        alerts: &mut osprey_alerts::AlertTracker,
        f: &mut crate::Findings,
    ) {
        let Some(r) = self.r else { return };
        let Some((version, len)) = install_from_ap(ctx) else {
            return;
        };
        if !(self.versions)(version) || len <= self.max {
            return;
        }
        let p = ctx.packet;
        let text = self.text.replace("{len}", &len.to_string());
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record(self.header, crate::raise(alerts, r, ctx, addrs, &text));
    }
}

/// For an EAPOL-Key frame from an access point (from-DS) with Ack and Install set and
/// non-empty Key Data (message 3 of the 4-way handshake): its key descriptor version and Key
/// Data length.
pub(crate) fn install_from_ap(ctx: &Context<'_, '_>) -> Option<(u8, u16)> {
    let d = ctx.packet.dot11()?;
    let e = d.eapol()?;
    let fc = d.frame_control();
    if !fc.from_ds() || fc.to_ds() {
        return None;
    }
    let k = e.key_fitted().ok()?;
    let ki = k.key_info();
    if !ki.ack() || !ki.install() || k.key_data_len() == 0 {
        return None;
    }
    Some((ki.descriptor_version(), k.key_data_len()))
}

#[cfg(test)]
pub(crate) mod frames {
    //! Data frames carrying EAPOL-Key messages, for the tests.
    use std::sync::atomic::{AtomicU16, Ordering};

    use crate::detectors::testing::{AP, STA};

    /// Sequence numbers, so that no two built frames are byte-identical (the dissector drops
    /// exact copies as duplicates).
    static SEQ: AtomicU16 = AtomicU16::new(1);

    /// An EAPOL frame (header included) carrying an EAPOL-Key body with a 16-byte MIC.
    pub fn eapol_key(desc: u8, ki: u16, replay: u64, nonce: [u8; 32], key_data: &[u8]) -> Vec<u8> {
        let mut body = vec![desc];
        body.extend(ki.to_be_bytes());
        body.extend(16u16.to_be_bytes());
        body.extend(replay.to_be_bytes());
        body.extend(nonce);
        body.extend([0; 16 + 8 + 8]);
        body.extend([if ki & 0x0100 != 0 { 0x77 } else { 0 }; 16]);
        body.extend((key_data.len() as u16).to_be_bytes());
        body.extend(key_data);
        let mut f = vec![2, 3];
        f.extend((body.len() as u16).to_be_bytes());
        f.extend(body);
        f
    }

    fn data(flags: u8, a1: [u8; 6], a2: [u8; 6], a3: [u8; 6], eapol: &[u8]) -> Vec<u8> {
        let seq = SEQ.fetch_add(1, Ordering::Relaxed) & 0x0fff;
        let mut f = vec![0x08, flags, 0, 0];
        f.extend(a1);
        f.extend(a2);
        f.extend(a3);
        f.extend((seq << 4).to_le_bytes());
        f.extend([0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e]);
        f.extend(eapol);
        f
    }

    /// From `AP` to `STA` (from-DS), with the Retry bit when `retry`.
    pub fn from_ap(eapol: &[u8], retry: bool) -> Vec<u8> {
        data(0x02 | if retry { 0x08 } else { 0 }, STA, AP, AP, eapol)
    }

    /// From `STA` to `AP` (to-DS), with the Retry bit when `retry`.
    pub fn from_sta(eapol: &[u8], retry: bool) -> Vec<u8> {
        data(0x01 | if retry { 0x08 } else { 0 }, AP, STA, AP, eapol)
    }

    /// From `AP` to another station (from-DS).
    pub fn to_station(eapol: &[u8], sta: [u8; 6]) -> Vec<u8> {
        data(0x02, sta, AP, AP, eapol)
    }
}

#[cfg(test)]
mod tests {
    use super::frames::*;

    #[test]
    fn bad_keep_eapol_value_is_refused_with_its_line() {
        let options = osprey_config::Options::parse("osprey.conf", "\ndot11_keep_eapol=maybe\n")
            .expect("parses");
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let err = match crate::Detectors::new(&mut alerts, &options) {
            Ok(_) => panic!("a bad value must be refused"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("osprey.conf"), "{err}");
        assert!(err.contains('2'), "{err}");
        assert!(err.contains("dot11_keep_eapol"), "{err}");
    }

    #[test]
    fn definitions_stay_registered_when_analysis_is_off() {
        let options = osprey_config::Options::parse("t", "dot11_keep_eapol=no").expect("parses");
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        assert!(crate::Detectors::new(&mut alerts, &options).is_ok());
        for h in [
            "NONCEDEGRADE",
            "NONCEREUSE",
            "RTL8195VD1406",
            "VDOO202027301",
            "VDOO202027302",
        ] {
            assert!(alerts.find(h).is_some(), "{h}");
        }
    }

    #[test]
    fn garbage_after_the_llc_header_never_panics() {
        let key = eapol_key(2, 0x13ca, 2, [0x11; 32], &[0; 56]);
        let all = "alert=NONCEREUSE,10/min,1/sec\nalert=NONCEDEGRADE,10/min,1/sec";
        for cut in 0..key.len() {
            let mut k = key[..cut].to_vec();
            let _ = crate::detectors::testing::run_alerts(&[(from_ap(&k, false), 100, 0)], all);
            // The same bytes with every length field at its maximum.
            if k.len() >= 4 {
                k[2] = 0xff;
                k[3] = 0xff;
            }
            let _ = crate::detectors::testing::run_alerts(&[(from_sta(&k, true), 100, 0)], all);
        }
    }
}
