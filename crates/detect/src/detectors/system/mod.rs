//! Device-tracker, Bluetooth and system alerts: DEVICEFOUND, DEVICELOST, FLIPPERZERO,
//! BLEEDINGTOOTH, SOURCEERROR and ROOTUSER.
//!
//! Kismet registers DEVICEFOUND and DEVICELOST first (right after its own KISMET definition),
//! and FLIPPERZERO, BLEEDINGTOOTH, SOURCEERROR after the 802.11 alerts; ROOTUSER last, and
//! only when running as root. [`register`] registers this group's alerts in that relative
//! order; [`register_devices`] and [`register_late`] split it for a caller that interleaves
//! the other groups as Kismet does. ROOTUSER is defined by [`rootuser::raise_root_user`] when
//! the program finds it runs as root; SOURCEERROR alerts are raised by
//! [`sourceerror::raise_source_error`].

pub mod bleedingtooth;
pub mod devicefound;
pub mod devicelost;
pub mod flipperzero;
pub mod rootuser;
pub mod sourceerror;

use std::fmt;
use std::str::FromStr;

use kismetdb::MacAddr;
use osprey_alerts::{AlertConfig, Severity, TimeUnit, PHY_ANY, PHY_UNKNOWN};
use osprey_config::OptionDoc;
use osprey_dissect::Packet;

use super::Registry;

/// Kismet's phy id of Bluetooth (FLIPPERZERO's definition).
pub const PHY_BLUETOOTH: i64 = 3;
/// Kismet's phy id of Bluetooth LE (BLEEDINGTOOTH's definition).
pub const PHY_BTLE: i64 = 6;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "devicefound",
        defaults: &[],
        example: "00:11:22:33:44:55",
        help: "DEVICEFOUND: watch a device (any phy): alert when it is first seen, or seen again
after devicefound_timeout seconds of silence. MAC or MAC/MASK, where MASK is a MAC
(FF:FF:FF:00:00:00) or a number of leading bits (24); repeat the line for more devices.",
    },
    OptionDoc {
        key: "devicelost",
        defaults: &[],
        example: "00:11:22:33:44:55",
        help: "DEVICELOST: watch a device (any phy): alert when it has not been seen for
devicelost_timeout seconds. MAC or MAC/MASK as for devicefound; repeat the line for
more devices.",
    },
    OptionDoc {
        key: "devicefound_timeout",
        defaults: &["60"],
        example: "",
        help: "DEVICEFOUND: seconds of silence after which a watched device is announced again.",
    },
    OptionDoc {
        key: "devicelost_timeout",
        defaults: &["60"],
        example: "",
        help: "DEVICELOST: seconds of silence after which a watched device is reported lost.",
    },
    OptionDoc {
        key: "btle_ignore_random",
        defaults: &["false"],
        example: "",
        help: "BLEEDINGTOOTH: ignore Bluetooth LE advertisers with random addresses.",
    },
];

/// A MAC address with a prefix mask, Kismet's `MAC/MASK` (`devicefound=`, `devicelost=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacMask {
    mac: u64,
    mask: u64,
}

/// Why a `MAC/MASK` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacMaskError(String);

impl fmt::Display for MacMaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn mac48(s: &str) -> Option<u64> {
    let m: MacAddr = s.trim().parse().ok()?;
    let b = m.as_bytes();
    (b.len() == 6).then(|| b.iter().fold(0u64, |a, &x| a << 8 | u64::from(x)))
}

const ALL48: u64 = (1 << 48) - 1;

impl MacMask {
    /// A single address (all 48 bits significant).
    pub fn exact(mac: MacAddr) -> MacMask {
        let v = mac
            .as_bytes()
            .iter()
            .take(6)
            .fold(0u64, |a, &x| a << 8 | u64::from(x));
        MacMask {
            mac: v,
            mask: ALL48,
        }
    }

    /// The number of leading mask bits (48 for a single address).
    pub fn prefix_len(&self) -> u32 {
        (self.mask << 16).leading_ones()
    }

    /// Whether `m` is in the range: equal to the address in every masked bit.
    pub fn matches(&self, m: &MacAddr) -> bool {
        let b = m.as_bytes();
        if b.len() != 6 {
            return false;
        }
        let v = b.iter().fold(0u64, |a, &x| a << 8 | u64::from(x));
        v & self.mask == self.mac & self.mask
    }
}

impl FromStr for MacMask {
    type Err = MacMaskError;

    /// `AA:BB:CC:DD:EE:FF`, `AA:BB:CC:DD:EE:FF/FF:FF:FF:00:00:00` or `AA:BB:CC:DD:EE:FF/24`.
    /// A mask must be a run of leading one bits (Kismet keeps only the leading ones of any
    /// mask; Osprey refuses a mask that has others). Kismet reads the mask only in MAC form:
    /// `/24` there is the single mask byte 0x24, so no usable range; Osprey reads a plain
    /// number as a bit count.
    fn from_str(s: &str) -> Result<MacMask, MacMaskError> {
        let (m, mask) = match s.split_once('/') {
            Some((m, k)) => (m, Some(k.trim())),
            None => (s, None),
        };
        let mac = mac48(m).ok_or_else(|| {
            MacMaskError(format!(
                "expected a MAC address (AA:BB:CC:DD:EE:FF), found {:?}",
                m.trim()
            ))
        })?;
        let mask = match mask {
            None => ALL48,
            Some(k) if !k.is_empty() && k.bytes().all(|c| c.is_ascii_digit()) => {
                match k.parse::<u32>() {
                    Ok(n) if n <= 48 => ALL48 & !(ALL48 >> n),
                    _ => return Err(MacMaskError(format!("a mask of {k} bits is over 48"))),
                }
            }
            Some(k) => {
                let v = mac48(k).ok_or_else(|| {
                    MacMaskError(format!(
                        "expected a mask as a MAC (FF:FF:FF:00:00:00) or a bit count (24), found {k:?}"
                    ))
                })?;
                let n = (v << 16).leading_ones();
                if v != ALL48 & !(ALL48 >> n) {
                    return Err(MacMaskError(format!(
                        "the mask {k} is not a run of leading one bits"
                    )));
                }
                v
            }
        };
        Ok(MacMask { mac, mask })
    }
}

/// Reads every `key=MAC[/MASK]` line; a bad one is an error naming its line.
fn watch_list(reg: &Registry<'_>, key: &str) -> Result<Vec<MacMask>, osprey_config::Error> {
    reg.options
        .all(key)
        .map(|e| {
            e.value
                .parse()
                .map_err(|err: MacMaskError| reg.options.error(e, err.0))
        })
        .collect()
}

/// Registers the group's alerts and detectors (the device alerts, then the late ones).
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    register_devices(reg)?;
    register_late(reg)
}

/// Registers DEVICEFOUND and DEVICELOST (Kismet registers them first) and, when a watch list
/// is configured, their detectors.
pub fn register_devices(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let found = watch_list(reg, "devicefound")?;
    let lost = watch_list(reg, "devicelost")?;
    let found_timeout = reg.options.get::<u32>("devicefound_timeout", 60)?;
    let lost_timeout = reg.options.get::<u32>("devicelost_timeout", 60)?;
    let max = super::max_macs(reg.options)?;
    let r = reg.activate_phy(
        "DEVICEFOUND",
        "SYSTEM",
        Severity::High,
        devicefound::DESCRIPTION,
        PHY_ANY,
    );
    if !found.is_empty() {
        reg.add(devicefound::DeviceFound::new(r, found, found_timeout, max));
    }
    let r = reg.activate_phy(
        "DEVICELOST",
        "SYSTEM",
        Severity::High,
        devicelost::DESCRIPTION,
        PHY_ANY,
    );
    if !lost.is_empty() {
        reg.add(devicelost::DeviceLost::new(r, lost, lost_timeout, max));
    }
    Ok(())
}

/// Registers FLIPPERZERO, BLEEDINGTOOTH and SOURCEERROR (Kismet registers them after the
/// 802.11 alerts) and the two Bluetooth detectors.
pub fn register_late(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let ignore_random = reg.options.get_bool("btle_ignore_random", false)?;
    let r = reg.activate_phy(
        "FLIPPERZERO",
        "PROBE",
        Severity::High,
        flipperzero::DESCRIPTION,
        PHY_BLUETOOTH,
    );
    reg.add(flipperzero::FlipperZero::new(r));
    let r = reg.activate_phy(
        "BLEEDINGTOOTH",
        "EXPLOIT",
        Severity::High,
        bleedingtooth::DESCRIPTION,
        PHY_BTLE,
    );
    reg.add(bleedingtooth::BleedingTooth::new(r, ignore_random));
    // Kismet's define_alert: rates from the code unless an alert= line came first.
    reg.alerts.configure(AlertConfig {
        header: "SOURCEERROR".into(),
        limit_unit: TimeUnit::Second,
        limit_rate: 1,
        burst_unit: TimeUnit::Second,
        limit_burst: 10,
    });
    reg.activate_phy(
        "SOURCEERROR",
        "SYSTEM",
        Severity::High,
        sourceerror::DESCRIPTION,
        PHY_UNKNOWN,
    );
    Ok(())
}

/// The addresses of a packet that can name a tracked device: BSSID, source, destination,
/// transmitter.
pub(crate) fn candidates(p: &Packet<'_>) -> [MacAddr; 4] {
    [p.bssid, p.source, p.dest, p.transmitter]
}

/// A device's channel as Kismet shows it: the 802.11 channel of its last frequency, else the
/// frequency in MHz, else empty.
pub(crate) fn device_channel(d: &osprey_tracker::Device) -> String {
    match osprey_dissect::channel::from_mhz(d.frequency / 1000) {
        0 if d.frequency == 0 => String::new(),
        0 => (d.frequency / 1000).to_string(),
        c => c.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Frames shared by this group's tests, and the MAC/MASK parser's tests.
    use kismetdb::MacAddr;

    use super::MacMask;

    /// A bare BLE link-layer advertising packet (DLT 251): PDU type `pdu`, TxAdd `random`,
    /// advertiser `adv` (display order), then `data`, and a (dummy) CRC.
    pub(crate) fn adv(pdu: u8, random: bool, adv: [u8; 6], data: &[u8]) -> Vec<u8> {
        let mut f = vec![0xD6, 0xBE, 0x89, 0x8E];
        f.push(pdu | if random { 0x40 } else { 0 });
        f.push((6 + data.len()) as u8);
        f.extend(adv.iter().rev());
        f.extend(data);
        f.extend([0, 0, 0]);
        f
    }

    /// Runs BLE frames (DLT 251) through dissection, tracking and the detectors with
    /// `config`; returns the alerts emitted.
    pub(crate) fn run_btle(
        frames: &[(Vec<u8>, i64, i64)],
        config: &str,
    ) -> Vec<osprey_alerts::Alert> {
        crate::detectors::testing::run_dlt(251, frames, config)
    }

    fn mac(s: &str) -> MacAddr {
        s.parse().unwrap()
    }

    #[test]
    fn mac_masks() {
        let exact: MacMask = "00:11:22:33:44:55".parse().unwrap();
        assert_eq!(exact.prefix_len(), 48);
        assert!(exact.matches(&mac("00:11:22:33:44:55")));
        assert!(!exact.matches(&mac("00:11:22:33:44:56")));
        assert_eq!(exact, MacMask::exact(mac("00:11:22:33:44:55")));
        let as_mac: MacMask = "00:11:22:AA:BB:CC/FF:FF:FF:00:00:00".parse().unwrap();
        let as_bits: MacMask = "00:11:22:00:00:00/24".parse().unwrap();
        for m in [as_mac, as_bits] {
            assert_eq!(m.prefix_len(), 24);
            assert!(m.matches(&mac("00:11:22:99:99:99")));
            assert!(!m.matches(&mac("00:11:23:00:00:00")));
        }
        let nibble: MacMask = "80:E1:20:00:00:00/20".parse().unwrap();
        assert!(nibble.matches(&mac("80:E1:2F:01:02:03")));
        assert!(!nibble.matches(&mac("80:E1:30:01:02:03")));
        let all: MacMask = "00:00:00:00:00:00/0".parse().unwrap();
        assert!(all.matches(&mac("12:34:56:78:9A:BC")));
        for bad in [
            "",
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "00:11:22:33:44:GG",
            "00:11:22:33:44:55/49",
            "00:11:22:33:44:55/FF:00:FF:00:00:00",
            "00:11:22:33:44:55/",
            "00:11:22:33:44:55/FF:FF",
        ] {
            assert!(bad.parse::<MacMask>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_options_name_their_line() {
        for (cfg, line, key) in [
            (
                "devicefound=00:11:22:33:44:55\ndevicefound=nope",
                2,
                "devicefound",
            ),
            (
                "\n\ndevicelost=00:11:22:33:44:55/FF:00:FF:00:00:00",
                3,
                "devicelost",
            ),
            ("devicefound_timeout=-1", 1, "devicefound_timeout"),
            ("devicelost_timeout=soon", 1, "devicelost_timeout"),
            ("btle_ignore_random=perhaps", 1, "btle_ignore_random"),
        ] {
            let o = osprey_config::Options::parse("c.conf", cfg).unwrap();
            let mut alerts = osprey_alerts::AlertTracker::new(10);
            let e = crate::Detectors::new(&mut alerts, &o).err().expect(cfg);
            assert_eq!((e.line, e.key.as_str()), (line, key), "{cfg}");
            assert!(
                e.to_string()
                    .starts_with(&format!("c.conf:{line}: {key}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn definitions_in_kismets_order_with_kismets_classes() {
        let mut alerts = osprey_alerts::AlertTracker::new(10);
        crate::Detectors::with_defaults(&mut alerts);
        let find = |h: &str| {
            let d = &alerts.definitions()[alerts.find(h).expect(h)];
            (d.class.clone(), d.severity.number(), d.phy)
        };
        assert_eq!(find("DEVICEFOUND"), ("SYSTEM".into(), 15, -1));
        assert_eq!(find("DEVICELOST"), ("SYSTEM".into(), 15, -1));
        assert_eq!(find("FLIPPERZERO"), ("PROBE".into(), 15, 3));
        assert_eq!(find("BLEEDINGTOOTH"), ("EXPLOIT".into(), 15, 6));
        assert_eq!(find("SOURCEERROR"), ("SYSTEM".into(), 15, -2));
        let order: Vec<usize> = [
            "DEVICEFOUND",
            "DEVICELOST",
            "FLIPPERZERO",
            "BLEEDINGTOOTH",
            "SOURCEERROR",
        ]
        .iter()
        .map(|h| alerts.find(h).unwrap())
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }
}
