//! Wi-Fi Protected Setup (Wi-Fi Simple Configuration) attributes, as carried in the WPS
//! vendor-specific element (00:50:F2 type 4) of beacons, probe requests/responses and
//! (re)association frames.
//!
//! The element data after the 4-byte OUI/type is a stream of attributes: type (u16,
//! big-endian), length (u16, big-endian), value. [`Attributes`] iterates over that stream and
//! records a truncated attribute; [`Summary`] collects the attributes an IDS cares about.
//!
//! A WPS element longer than 251 bytes of attributes is split over several vendor elements;
//! each is parsed separately here (no allocation to reassemble them), so an attribute that
//! straddles two elements shows up as a truncation of the first.

use crate::ieee80211::read;
use crate::{Error, Result};
use core::iter::FusedIterator;

const LAYER: &str = "WPS";

/// The 4 bytes (OUI 00:50:F2, type 4) that start the data of a WPS vendor element.
pub const VENDOR_PREFIX: [u8; 4] = [0x00, 0x50, 0xf2, 0x04];

/// Attribute types.
pub mod attr {
    /// AP Channel.
    pub const AP_CHANNEL: u16 = 0x1001;
    /// Association State.
    pub const ASSOCIATION_STATE: u16 = 0x1002;
    /// Authentication Type Flags.
    pub const AUTH_TYPE_FLAGS: u16 = 0x1004;
    /// Config Methods.
    pub const CONFIG_METHODS: u16 = 0x1008;
    /// Configuration Error.
    pub const CONFIG_ERROR: u16 = 0x1009;
    /// Connection Type Flags.
    pub const CONNECTION_TYPE_FLAGS: u16 = 0x100d;
    /// Encryption Type Flags.
    pub const ENCRYPTION_TYPE_FLAGS: u16 = 0x1010;
    /// Device Name.
    pub const DEVICE_NAME: u16 = 0x1011;
    /// Device Password ID.
    pub const DEVICE_PASSWORD_ID: u16 = 0x1012;
    /// Enrollee Nonce.
    pub const ENROLLEE_NONCE: u16 = 0x101a;
    /// MAC Address.
    pub const MAC_ADDRESS: u16 = 0x1020;
    /// Manufacturer.
    pub const MANUFACTURER: u16 = 0x1021;
    /// Message Type.
    pub const MESSAGE_TYPE: u16 = 0x1022;
    /// Model Name.
    pub const MODEL_NAME: u16 = 0x1023;
    /// Model Number.
    pub const MODEL_NUMBER: u16 = 0x1024;
    /// OS Version.
    pub const OS_VERSION: u16 = 0x102d;
    /// Public Key.
    pub const PUBLIC_KEY: u16 = 0x1032;
    /// Registrar Nonce.
    pub const REGISTRAR_NONCE: u16 = 0x1039;
    /// Request Type.
    pub const REQUEST_TYPE: u16 = 0x103a;
    /// Response Type.
    pub const RESPONSE_TYPE: u16 = 0x103b;
    /// RF Bands.
    pub const RF_BANDS: u16 = 0x103c;
    /// Selected Registrar.
    pub const SELECTED_REGISTRAR: u16 = 0x1041;
    /// Serial Number.
    pub const SERIAL_NUMBER: u16 = 0x1042;
    /// Wi-Fi Protected Setup State.
    pub const WPS_STATE: u16 = 0x1044;
    /// SSID.
    pub const SSID: u16 = 0x1045;
    /// UUID-E.
    pub const UUID_E: u16 = 0x1047;
    /// UUID-R.
    pub const UUID_R: u16 = 0x1048;
    /// Vendor Extension.
    pub const VENDOR_EXTENSION: u16 = 0x1049;
    /// Version (deprecated in WSC 2.0, always 0x10).
    pub const VERSION: u16 = 0x104a;
    /// Selected Registrar Config Methods.
    pub const SELECTED_REGISTRAR_CONFIG_METHODS: u16 = 0x1053;
    /// Primary Device Type.
    pub const PRIMARY_DEVICE_TYPE: u16 = 0x1054;
    /// Secondary Device Type List.
    pub const SECONDARY_DEVICE_TYPE_LIST: u16 = 0x1055;
    /// AP Setup Locked.
    pub const AP_SETUP_LOCKED: u16 = 0x1057;
    /// Application Extension.
    pub const APPLICATION_EXTENSION: u16 = 0x1058;
    /// Requested Device Type.
    pub const REQUESTED_DEVICE_TYPE: u16 = 0x106a;
}

/// Sub-elements of the Wi-Fi Alliance vendor extension (vendor id 00:37:2A).
pub mod wfa_ext {
    /// Version2.
    pub const VERSION2: u8 = 0;
    /// AuthorizedMACs.
    pub const AUTHORIZED_MACS: u8 = 1;
    /// Network Key Shareable.
    pub const NETWORK_KEY_SHAREABLE: u8 = 2;
    /// Request to Enroll.
    pub const REQUEST_TO_ENROLL: u8 = 3;
    /// Settings Delay Time.
    pub const SETTINGS_DELAY_TIME: u8 = 4;
    /// Registrar Configuration Methods.
    pub const REGISTRAR_CONFIG_METHODS: u8 = 5;
}

/// Config Methods bits.
pub mod config_method {
    /// USB flash drive.
    pub const USBA: u16 = 0x0001;
    /// Ethernet.
    pub const ETHERNET: u16 = 0x0002;
    /// Label (static PIN).
    pub const LABEL: u16 = 0x0004;
    /// Display (dynamic PIN).
    pub const DISPLAY: u16 = 0x0008;
    /// External NFC token.
    pub const EXT_NFC_TOKEN: u16 = 0x0010;
    /// Integrated NFC token.
    pub const INT_NFC_TOKEN: u16 = 0x0020;
    /// NFC interface.
    pub const NFC_INTERFACE: u16 = 0x0040;
    /// Push button.
    pub const PUSH_BUTTON: u16 = 0x0080;
    /// Keypad.
    pub const KEYPAD: u16 = 0x0100;
    /// Virtual push button.
    pub const VIRTUAL_PUSH_BUTTON: u16 = 0x0280;
    /// Physical push button.
    pub const PHYSICAL_PUSH_BUTTON: u16 = 0x0480;
    /// Virtual display PIN.
    pub const VIRTUAL_DISPLAY: u16 = 0x2008;
    /// Physical display PIN.
    pub const PHYSICAL_DISPLAY: u16 = 0x4008;
}

/// One attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Attribute type, see [`attr`].
    pub kind: u16,
    /// Value.
    pub data: &'a [u8],
    /// Offset of the attribute's type field in the walked buffer.
    pub offset: usize,
}

/// Iterator over WPS attributes. It stops at the end of the buffer or at an attribute that
/// does not fit; that truncation is then available from [`Attributes::error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributes<'a> {
    buf: &'a [u8],
    pos: usize,
    error: Option<Error>,
}

impl<'a> Attributes<'a> {
    /// Iterate over the attributes in `buf` (the vendor element data after 00:50:F2:04).
    pub const fn new(buf: &'a [u8]) -> Attributes<'a> {
        Attributes {
            buf,
            pos: 0,
            error: None,
        }
    }
    /// The truncation that stopped the iteration, if any.
    pub fn error(&self) -> Option<Error> {
        self.error
    }
    /// Walk a copy and return the first problem.
    pub fn check(&self) -> Result<()> {
        let mut it = self.clone();
        for _ in it.by_ref() {}
        match it.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;
    fn next(&mut self) -> Option<Attribute<'a>> {
        let start = self.pos;
        if start >= self.buf.len() {
            return None;
        }
        let parsed = match (read::be16(self.buf, start), read::be16(self.buf, start + 2)) {
            (Some(kind), Some(len)) => {
                read::slice(self.buf, start + 4, usize::from(len)).map(|d| (kind, d))
            }
            _ => None,
        };
        match parsed {
            Some((kind, data)) => {
                self.pos = start + 4 + data.len();
                Some(Attribute {
                    kind,
                    data,
                    offset: start,
                })
            }
            None => {
                self.error = Some(Error::truncated(LAYER, start));
                self.pos = self.buf.len();
                None
            }
        }
    }
}

impl FusedIterator for Attributes<'_> {}

/// A sub-element of the WFA vendor extension attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WfaSubelement<'a> {
    /// Sub-element id, see [`wfa_ext`].
    pub id: u8,
    /// Value.
    pub data: &'a [u8],
}

/// Walk the sub-elements of a Vendor Extension attribute value when its vendor id is the
/// Wi-Fi Alliance's (00:37:2A), calling `f` for each. `Ok(false)` when the vendor id is
/// another; `Truncated` when a sub-element does not fit (offsets relative to the value).
pub fn wfa_subelements<'a>(value: &'a [u8], mut f: impl FnMut(WfaSubelement<'a>)) -> Result<bool> {
    match value {
        [0x00, 0x37, 0x2a, ..] => {}
        _ => return Ok(false),
    }
    let mut pos = 3;
    while pos < value.len() {
        let (Some(id), Some(len)) = (read::u8_at(value, pos), read::u8_at(value, pos + 1)) else {
            return Err(Error::truncated("WPS vendor extension", pos));
        };
        let data = read::slice(value, pos + 2, usize::from(len))
            .ok_or(Error::truncated("WPS vendor extension", pos))?;
        f(WfaSubelement { id, data });
        pos += 2 + data.len();
    }
    Ok(true)
}

/// Primary Device Type attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceType {
    /// Category (1 computer, 6 network infrastructure, 10 telephone, …).
    pub category: u16,
    /// OUI (4 bytes, 00:50:F2:04 for the WFA-defined subcategories).
    pub oui: [u8; 4],
    /// Subcategory.
    pub subcategory: u16,
}

/// The WPS attributes an IDS cares about. Text attributes are raw bytes (usually ASCII or
/// UTF-8, never guaranteed). Fixed-size attributes with the wrong length are left `None`;
/// for repeated attributes the first wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Summary<'a> {
    /// Version (0x10 = 1.0; WSC 2.0 devices still send 0x10 here and the real version in
    /// `version2`).
    pub version: Option<u8>,
    /// Wi-Fi Protected Setup State: 1 not configured, 2 configured.
    pub state: Option<u8>,
    /// AP Setup Locked (after too many failed PIN attempts).
    pub ap_setup_locked: Option<bool>,
    /// Selected Registrar (a registrar is active: PBC or PIN session open).
    pub selected_registrar: Option<bool>,
    /// Device Password ID (0 default PIN, 4 push button, …).
    pub device_password_id: Option<u16>,
    /// Config Methods, see [`config_method`].
    pub config_methods: Option<u16>,
    /// Selected Registrar Config Methods.
    pub selected_registrar_config_methods: Option<u16>,
    /// Response Type (3 = AP).
    pub response_type: Option<u8>,
    /// Request Type.
    pub request_type: Option<u8>,
    /// UUID-E (enrollee).
    pub uuid_e: Option<[u8; 16]>,
    /// UUID-R (registrar).
    pub uuid_r: Option<[u8; 16]>,
    /// Manufacturer.
    pub manufacturer: Option<&'a [u8]>,
    /// Model Name.
    pub model_name: Option<&'a [u8]>,
    /// Model Number.
    pub model_number: Option<&'a [u8]>,
    /// Serial Number.
    pub serial_number: Option<&'a [u8]>,
    /// Primary Device Type.
    pub primary_device_type: Option<DeviceType>,
    /// Device Name.
    pub device_name: Option<&'a [u8]>,
    /// RF Bands: bit 0 2.4 GHz, bit 1 5 GHz, bit 2 60 GHz.
    pub rf_bands: Option<u8>,
    /// Version2 from the WFA vendor extension (0x20 = 2.0).
    pub version2: Option<u8>,
    /// AuthorizedMACs from the WFA vendor extension (a list of 6-byte addresses).
    pub authorized_macs: Option<&'a [u8]>,
}

fn fixed<const N: usize>(data: &[u8]) -> Option<[u8; N]> {
    if data.len() == N {
        read::array::<N>(data, 0)
    } else {
        None
    }
}

impl<'a> Summary<'a> {
    /// Collect the summary from an attribute stream (the vendor element data after
    /// 00:50:F2:04). `Truncated` when an attribute, or a sub-element of the WFA vendor
    /// extension, does not fit.
    pub fn parse(data: &'a [u8]) -> Result<Summary<'a>> {
        let mut s = Summary::default();
        let mut it = Attributes::new(data);
        for a in it.by_ref() {
            let d = a.data;
            match a.kind {
                attr::VERSION => s.version = s.version.or(fixed::<1>(d).map(|[v]| v)),
                attr::WPS_STATE => s.state = s.state.or(fixed::<1>(d).map(|[v]| v)),
                attr::AP_SETUP_LOCKED => {
                    s.ap_setup_locked = s.ap_setup_locked.or(fixed::<1>(d).map(|[v]| v != 0))
                }
                attr::SELECTED_REGISTRAR => {
                    s.selected_registrar = s.selected_registrar.or(fixed::<1>(d).map(|[v]| v != 0))
                }
                attr::DEVICE_PASSWORD_ID => {
                    s.device_password_id = s
                        .device_password_id
                        .or(fixed::<2>(d).map(u16::from_be_bytes))
                }
                attr::CONFIG_METHODS => {
                    s.config_methods = s.config_methods.or(fixed::<2>(d).map(u16::from_be_bytes))
                }
                attr::SELECTED_REGISTRAR_CONFIG_METHODS => {
                    s.selected_registrar_config_methods = s
                        .selected_registrar_config_methods
                        .or(fixed::<2>(d).map(u16::from_be_bytes))
                }
                attr::RESPONSE_TYPE => {
                    s.response_type = s.response_type.or(fixed::<1>(d).map(|[v]| v))
                }
                attr::REQUEST_TYPE => {
                    s.request_type = s.request_type.or(fixed::<1>(d).map(|[v]| v))
                }
                attr::UUID_E => s.uuid_e = s.uuid_e.or(fixed::<16>(d)),
                attr::UUID_R => s.uuid_r = s.uuid_r.or(fixed::<16>(d)),
                attr::MANUFACTURER => s.manufacturer = s.manufacturer.or(Some(d)),
                attr::MODEL_NAME => s.model_name = s.model_name.or(Some(d)),
                attr::MODEL_NUMBER => s.model_number = s.model_number.or(Some(d)),
                attr::SERIAL_NUMBER => s.serial_number = s.serial_number.or(Some(d)),
                attr::DEVICE_NAME => s.device_name = s.device_name.or(Some(d)),
                attr::RF_BANDS => s.rf_bands = s.rf_bands.or(fixed::<1>(d).map(|[v]| v)),
                attr::PRIMARY_DEVICE_TYPE => {
                    s.primary_device_type = s.primary_device_type.or(fixed::<8>(d).map(
                        |[c0, c1, o0, o1, o2, o3, s0, s1]| DeviceType {
                            category: u16::from_be_bytes([c0, c1]),
                            oui: [o0, o1, o2, o3],
                            subcategory: u16::from_be_bytes([s0, s1]),
                        },
                    ))
                }
                attr::VENDOR_EXTENSION => {
                    wfa_subelements(d, |sub| match sub.id {
                        wfa_ext::VERSION2 => {
                            s.version2 = s.version2.or(fixed::<1>(sub.data).map(|[v]| v))
                        }
                        wfa_ext::AUTHORIZED_MACS => {
                            s.authorized_macs = s.authorized_macs.or(Some(sub.data))
                        }
                        _ => {}
                    })
                    .map_err(|e| Error::truncated(LAYER, a.offset + 4 + e.offset))?;
                }
                _ => {}
            }
        }
        match it.error() {
            Some(e) => Err(e),
            None => Ok(s),
        }
    }

    /// Parse from the data of a vendor-specific element (starting with the OUI); `None` when
    /// it is not a WPS element.
    pub fn from_vendor_data(data: &'a [u8]) -> Option<Result<Summary<'a>>> {
        match data {
            [0x00, 0x50, 0xf2, 0x04, rest @ ..] => Some(Summary::parse(rest)),
            _ => None,
        }
    }

    /// The AP is configured (state 2).
    pub fn configured(&self) -> bool {
        self.state == Some(2)
    }
    /// WSC 2.0 or later (Version2 present and ≥ 0x20).
    pub fn is_v2(&self) -> bool {
        self.version2.is_some_and(|v| v >= 0x20)
    }
    /// AP setup is locked.
    pub fn locked(&self) -> bool {
        self.ap_setup_locked == Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn push(buf: &mut [u8], pos: &mut usize, kind: u16, val: &[u8]) {
        buf[*pos..*pos + 2].copy_from_slice(&kind.to_be_bytes());
        buf[*pos + 2..*pos + 4].copy_from_slice(&(val.len() as u16).to_be_bytes());
        buf[*pos + 4..*pos + 4 + val.len()].copy_from_slice(val);
        *pos += 4 + val.len();
    }

    #[test]
    fn full_summary() {
        let mut b = [0u8; 256];
        let mut n = 0;
        push(&mut b, &mut n, attr::VERSION, &[0x10]);
        push(&mut b, &mut n, attr::WPS_STATE, &[2]);
        push(&mut b, &mut n, attr::AP_SETUP_LOCKED, &[1]);
        push(&mut b, &mut n, attr::SELECTED_REGISTRAR, &[0]);
        push(&mut b, &mut n, attr::DEVICE_PASSWORD_ID, &[0, 4]);
        push(
            &mut b,
            &mut n,
            attr::SELECTED_REGISTRAR_CONFIG_METHODS,
            &[0x01, 0x88],
        );
        push(&mut b, &mut n, attr::RESPONSE_TYPE, &[3]);
        push(&mut b, &mut n, attr::UUID_E, &[7; 16]);
        push(&mut b, &mut n, attr::MANUFACTURER, b"ACME");
        push(&mut b, &mut n, attr::MODEL_NAME, b"Router");
        push(&mut b, &mut n, attr::MODEL_NUMBER, b"R1");
        push(&mut b, &mut n, attr::SERIAL_NUMBER, b"123");
        push(
            &mut b,
            &mut n,
            attr::PRIMARY_DEVICE_TYPE,
            &[0, 6, 0, 0x50, 0xf2, 4, 0, 1],
        );
        push(&mut b, &mut n, attr::DEVICE_NAME, b"My AP");
        push(&mut b, &mut n, attr::CONFIG_METHODS, &[0x20, 0x08]);
        push(&mut b, &mut n, attr::RF_BANDS, &[3]);
        push(
            &mut b,
            &mut n,
            attr::VENDOR_EXTENSION,
            &[0x00, 0x37, 0x2a, 0, 1, 0x20, 1, 6, 1, 2, 3, 4, 5, 6],
        );
        push(&mut b, &mut n, attr::UUID_R, &[1; 15]); // wrong length: ignored
        let s = Summary::parse(&b[..n]).unwrap();
        assert_eq!(s.version, Some(0x10));
        assert!(s.configured() && s.locked() && s.is_v2());
        assert_eq!(s.selected_registrar, Some(false));
        assert_eq!(s.device_password_id, Some(4));
        assert_eq!(s.selected_registrar_config_methods, Some(0x0188));
        assert_eq!(s.config_methods, Some(config_method::VIRTUAL_DISPLAY));
        assert_eq!(s.response_type, Some(3));
        assert_eq!(s.uuid_e, Some([7; 16]));
        assert_eq!(s.uuid_r, None);
        assert_eq!(s.manufacturer, Some(&b"ACME"[..]));
        assert_eq!(s.model_name, Some(&b"Router"[..]));
        assert_eq!(s.model_number, Some(&b"R1"[..]));
        assert_eq!(s.serial_number, Some(&b"123"[..]));
        assert_eq!(s.device_name, Some(&b"My AP"[..]));
        assert_eq!(
            s.primary_device_type,
            Some(DeviceType {
                category: 6,
                oui: [0, 0x50, 0xf2, 4],
                subcategory: 1
            })
        );
        assert_eq!(s.rf_bands, Some(3));
        assert_eq!(s.version2, Some(0x20));
        assert_eq!(s.authorized_macs, Some(&[1, 2, 3, 4, 5, 6][..]));
        assert_eq!(Attributes::new(&b[..n]).count(), 18);
    }

    #[test]
    fn truncations() {
        // Attribute header cut short.
        let e = Summary::parse(&[0x10, 0x4a, 0x00]).unwrap_err();
        assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, 0));
        // Length past the end.
        let e =
            Summary::parse(&[0x10, 0x4a, 0x00, 0x01, 0x10, 0x10, 0x44, 0x00, 0x05, 2]).unwrap_err();
        assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, 5));
        let mut it = Attributes::new(&[0x10, 0x4a, 0x00, 0x01, 0x10, 0x10]);
        assert_eq!(it.next().unwrap().data, &[0x10]);
        assert!(it.next().is_none());
        assert_eq!(it.error().unwrap().offset, 5);
        assert!(it.next().is_none());
        // WFA extension sub-element cut short.
        let e =
            Summary::parse(&[0x10, 0x49, 0x00, 0x05, 0x00, 0x37, 0x2a, 0x00, 0x05]).unwrap_err();
        assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, 7));
        // Other vendor extension: ignored.
        let s = Summary::parse(&[0x10, 0x49, 0x00, 0x04, 0x00, 0x11, 0x22, 0x33]).unwrap();
        assert_eq!(s.version2, None);
        assert!(Summary::parse(&[]).unwrap() == Summary::default());
    }

    #[test]
    fn vendor_prefix() {
        assert!(Summary::from_vendor_data(&[0x00, 0x50, 0xf2, 0x01, 1, 0]).is_none());
        let s = Summary::from_vendor_data(&[0x00, 0x50, 0xf2, 0x04, 0x10, 0x44, 0, 1, 1])
            .unwrap()
            .unwrap();
        assert_eq!(s.state, Some(1));
        assert!(!s.configured());
    }
}
