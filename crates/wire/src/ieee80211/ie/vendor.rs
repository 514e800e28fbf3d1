//! Vendor-specific elements (id 221) and the Microsoft/Wi-Fi Alliance ones this crate decodes:
//! WPA (type 1, see [`Wpa`](super::Wpa)), WMM (type 2) and WPS (type 4, see [`crate::wps`]).

use super::super::read;
use crate::{Error, Result};

/// Well-known OUIs.
pub mod oui {
    /// Microsoft (WPA, WMM, WPS vendor elements): 00:50:F2.
    pub const MICROSOFT: [u8; 3] = [0x00, 0x50, 0xf2];
    /// IEEE 802.11 (RSN suites): 00:0F:AC.
    pub const IEEE80211: [u8; 3] = [0x00, 0x0f, 0xac];
    /// Wi-Fi Alliance (P2P, Hotspot 2.0, OWE transition, DPP): 50:6F:9A.
    pub const WFA: [u8; 3] = [0x50, 0x6f, 0x9a];
    /// Wi-Fi Alliance WPS vendor extension: 00:37:2A.
    pub const WFA_WPS_EXT: [u8; 3] = [0x00, 0x37, 0x2a];
    /// Broadcom: 00:10:18.
    pub const BROADCOM: [u8; 3] = [0x00, 0x10, 0x18];
    /// Atheros: 00:03:7F.
    pub const ATHEROS: [u8; 3] = [0x00, 0x03, 0x7f];
    /// Apple: 00:17:F2.
    pub const APPLE: [u8; 3] = [0x00, 0x17, 0xf2];
    /// Cisco: 00:40:96.
    pub const CISCO: [u8; 3] = [0x00, 0x40, 0x96];
}

/// What a vendor-specific element is, as far as this crate knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VendorKind {
    /// WPA (00:50:F2 type 1).
    Wpa,
    /// WMM/WME (00:50:F2 type 2).
    Wmm,
    /// WPS (00:50:F2 type 4).
    Wps,
    /// Wi-Fi P2P (50:6F:9A type 9).
    P2p,
    /// Hotspot 2.0 indication (50:6F:9A type 16).
    Hotspot20,
    /// OWE transition mode (50:6F:9A type 28).
    OweTransition,
    /// Anything else.
    Other,
}

/// Vendor-specific element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vendor<'a> {
    /// Organization identifier (first 3 bytes).
    pub oui: [u8; 3],
    /// The byte after the OUI, which most vendors use as a type (`None` when the element is
    /// only the OUI).
    pub vendor_type: Option<u8>,
    /// The bytes after the OUI and the type byte.
    pub data: &'a [u8],
    /// The bytes after the OUI (type byte included), for vendors that do not use a type byte.
    pub payload: &'a [u8],
}

impl<'a> Vendor<'a> {
    /// Parse vendor element data: `Truncated` below 3 bytes.
    pub fn parse(data: &'a [u8]) -> Result<Vendor<'a>> {
        let oui = read::array::<3>(data, 0).ok_or(Error::truncated("vendor IE", data.len()))?;
        Ok(Vendor {
            oui,
            vendor_type: read::u8_at(data, 3),
            data: read::tail(data, 4),
            payload: read::tail(data, 3),
        })
    }
    /// Classify the element.
    pub fn kind(&self) -> VendorKind {
        match (self.oui, self.vendor_type) {
            (oui::MICROSOFT, Some(1)) => VendorKind::Wpa,
            (oui::MICROSOFT, Some(2)) => VendorKind::Wmm,
            (oui::MICROSOFT, Some(4)) => VendorKind::Wps,
            (oui::WFA, Some(9)) => VendorKind::P2p,
            (oui::WFA, Some(16)) => VendorKind::Hotspot20,
            (oui::WFA, Some(28)) => VendorKind::OweTransition,
            _ => VendorKind::Other,
        }
    }
}

/// WMM QoS Info field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QosInfo(pub u8);

impl QosInfo {
    /// (AP) EDCA parameter set count (bits 0..4).
    pub const fn parameter_set_count(self) -> u8 {
        self.0 & 0x0f
    }
    /// (AP) U-APSD supported (bit 7).
    pub const fn uapsd(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// (STA) U-APSD flags for AC_VO, AC_VI, AC_BK, AC_BE (bits 0..4).
    pub const fn ac_uapsd_flags(self) -> u8 {
        self.0 & 0x0f
    }
    /// (STA) Max SP length (bits 5..7).
    pub const fn max_sp_length(self) -> u8 {
        (self.0 >> 5) & 3
    }
}

/// The EDCA parameters of one access category in a WMM Parameter element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AcParameters {
    /// ACI/AIFSN byte: AIFSN bits 0..4, ACM bit 4, ACI bits 5..7.
    pub aci_aifsn: u8,
    /// ECWmin (bits 0..4) and ECWmax (bits 4..8).
    pub ecw: u8,
    /// TXOP limit in units of 32 µs.
    pub txop_limit: u16,
}

impl AcParameters {
    /// AIFSN.
    pub const fn aifsn(&self) -> u8 {
        self.aci_aifsn & 0x0f
    }
    /// Admission control mandatory.
    pub const fn acm(&self) -> bool {
        self.aci_aifsn & 0x10 != 0
    }
    /// Access category index: 0 BE, 1 BK, 2 VI, 3 VO.
    pub const fn aci(&self) -> u8 {
        (self.aci_aifsn >> 5) & 3
    }
    /// ECWmin.
    pub const fn ecw_min(&self) -> u8 {
        self.ecw & 0x0f
    }
    /// ECWmax.
    pub const fn ecw_max(&self) -> u8 {
        self.ecw >> 4
    }
    /// CWmin = 2^ECWmin − 1.
    pub const fn cw_min(&self) -> u16 {
        (1u16 << self.ecw_min()) - 1
    }
    /// CWmax = 2^ECWmax − 1.
    pub const fn cw_max(&self) -> u16 {
        (1u16 << self.ecw_max()) - 1
    }
    /// TXOP limit in microseconds.
    pub const fn txop_limit_us(&self) -> u32 {
        self.txop_limit as u32 * 32
    }
}

/// WMM element (vendor 00:50:F2 type 2): the information element (subtype 0), the parameter
/// element (subtype 1), or a TSPEC (subtype 2, left undecoded in `rest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wmm<'a> {
    /// OUI subtype: 0 information, 1 parameter, 2 TSPEC.
    pub subtype: u8,
    /// Version (1).
    pub version: u8,
    /// QoS Info (information and parameter elements).
    pub qos_info: Option<QosInfo>,
    /// AC parameters in the order sent (normally BE, BK, VI, VO) for the parameter element.
    pub ac_params: Option<[AcParameters; 4]>,
    /// Bytes after the version.
    pub rest: &'a [u8],
}

impl<'a> Wmm<'a> {
    /// Information element subtype.
    pub const INFORMATION: u8 = 0;
    /// Parameter element subtype.
    pub const PARAMETER: u8 = 1;
    /// TSPEC subtype.
    pub const TSPEC: u8 = 2;

    /// Parse WMM vendor element data, starting with the OUI and type (00:50:F2:02).
    /// `Malformed` when the prefix is not that; `Truncated` when the subtype/version, the QoS
    /// info or the four AC records do not fit.
    pub fn parse(data: &'a [u8]) -> Result<Wmm<'a>> {
        const L: &str = "WMM IE";
        match data {
            [0x00, 0x50, 0xf2, 0x02, ..] => {}
            _ if data.len() < 4 => return Err(Error::truncated(L, data.len())),
            _ => return Err(Error::malformed(L, 0)),
        }
        let (Some(subtype), Some(version)) = (read::u8_at(data, 4), read::u8_at(data, 5)) else {
            return Err(Error::truncated(L, data.len()));
        };
        let rest = read::tail(data, 6);
        let (qos_info, ac_params) = match subtype {
            Self::INFORMATION => {
                let q = read::u8_at(data, 6).ok_or(Error::truncated(L, 6))?;
                (Some(QosInfo(q)), None)
            }
            Self::PARAMETER => {
                let q = read::u8_at(data, 6).ok_or(Error::truncated(L, 6))?;
                let mut ac = [AcParameters::default(); 4];
                for (i, slot) in ac.iter_mut().enumerate() {
                    let off = 8 + i * 4;
                    let (Some(a), Some(e), Some(t)) = (
                        read::u8_at(data, off),
                        read::u8_at(data, off + 1),
                        read::le16(data, off + 2),
                    ) else {
                        return Err(Error::truncated(L, off));
                    };
                    *slot = AcParameters {
                        aci_aifsn: a,
                        ecw: e,
                        txop_limit: t,
                    };
                }
                (Some(QosInfo(q)), Some(ac))
            }
            _ => (None, None),
        };
        Ok(Wmm {
            subtype,
            version,
            qos_info,
            ac_params,
            rest,
        })
    }
}
