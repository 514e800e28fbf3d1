//! IEEE 802.2 Logical Link Control (LLC) headers and the SNAP extension (RFC 1042, 802.1H).
//!
//! In an 802.11 data frame the frame body (after the MAC header, the QoS control and any
//! security header) begins with an LLC header. Almost always it is an LLC/SNAP header:
//!
//! ```text
//!  DSAP 0xAA | SSAP 0xAA | control 0x03 | OUI (3 bytes) | protocol id / ethertype (2 bytes, BE)
//! ```
//!
//! with OUI 00-00-00 (RFC 1042 encapsulation) or 00-00-F8 (802.1H bridge tunnel), in which
//! case the protocol id is an ethertype ([`ethertype`]) and the payload is the network-layer
//! packet (IPv4, ARP, EAPOL, ...).
//!
//! A-MSDU: when the QoS control's "A-MSDU present" bit is set, the frame body is instead a
//! sequence of A-MSDU subframes (DA, SA, length, then an LLC/SNAP header and payload, padded
//! to 4 bytes). Splitting an A-MSDU is the caller's job; each subframe's payload (starting at
//! its LLC header) can then be handed to [`Llc`].
//!
//! ```
//! use osprey_wire::llc::{self, ethertype};
//! let body = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x88, 0x8E, 1, 2, 3];
//! assert_eq!(llc::ethertype_and_payload(&body), Some((ethertype::EAPOL, &body[8..])));
//! ```

use crate::{Error, Result};

const LAYER: &str = "LLC";

/// Well-known ethertypes (values of the SNAP protocol id when the OUI is 00-00-00 or 00-00-F8).
pub mod ethertype {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol.
    pub const ARP: u16 = 0x0806;
    /// Wake-on-LAN magic packet.
    pub const WAKE_ON_LAN: u16 = 0x0842;
    /// Reverse ARP.
    pub const RARP: u16 = 0x8035;
    /// AppleTalk (Ethertalk).
    pub const APPLETALK: u16 = 0x809B;
    /// AppleTalk ARP.
    pub const AARP: u16 = 0x80F3;
    /// IEEE 802.1Q VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// Novell IPX.
    pub const IPX: u16 = 0x8137;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x86DD;
    /// IEEE 802.1X (EAP over LAN): the WPA/WPA2/WPA3 handshakes.
    pub const EAPOL: u16 = 0x888E;
    /// WAPI authentication (WAI).
    pub const WAI: u16 = 0x88B4;
    /// RSN pre-authentication (802.11i).
    pub const PREAUTH: u16 = 0x88C7;
    /// Link Layer Discovery Protocol.
    pub const LLDP: u16 = 0x88CC;
    /// IEEE 802.1AE MAC security.
    pub const MACSEC: u16 = 0x88E5;
    /// 802.11 "encapsulation" ethertype used by TDLS setup frames (802.11z).
    pub const TDLS: u16 = 0x890D;
}

/// The SAP value that announces a SNAP header (both DSAP and SSAP).
pub const SAP_SNAP: u8 = 0xAA;
/// The unnumbered-information control value used with SNAP.
pub const CONTROL_UI: u8 = 0x03;
/// SNAP OUI for RFC 1042 encapsulated Ethernet: the protocol id is an ethertype.
pub const OUI_RFC1042: [u8; 3] = [0x00, 0x00, 0x00];
/// SNAP OUI for 802.1H bridge tunnel encapsulation (used for AppleTalk AARP and IPX).
pub const OUI_BRIDGE_TUNNEL: [u8; 3] = [0x00, 0x00, 0xF8];
/// SNAP OUI of Cisco (CDP, VTP, ... with Cisco-private protocol ids).
pub const OUI_CISCO: [u8; 3] = [0x00, 0x00, 0x0C];

/// Length of a full LLC/SNAP header.
pub const SNAP_HEADER_LEN: usize = 8;

/// A read-only view over an 802.2 LLC header and what follows it.
///
/// The control field is one byte for unnumbered (U-format) PDUs (low two bits `11`) and two
/// bytes for information (I) and supervisory (S) PDUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Llc<T: AsRef<[u8]>> {
    buffer: T,
}

fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

impl<T: AsRef<[u8]>> Llc<T> {
    /// Wraps a buffer without checking its length. Accessors never panic: on a buffer that
    /// is too short, missing bytes read as zero and slices come back empty.
    pub const fn new_unchecked(buffer: T) -> Llc<T> {
        Llc { buffer }
    }

    /// Wraps a buffer and checks that the whole LLC (and SNAP, when announced) header is there.
    pub fn new_checked(buffer: T) -> Result<Llc<T>> {
        let llc = Llc::new_unchecked(buffer);
        llc.check_len()?;
        Ok(llc)
    }

    /// Checks that the buffer holds the header this LLC PDU announces: 3 bytes (U-format),
    /// 4 bytes (I/S-format) or 8 bytes (SNAP).
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < 3 {
            return Err(Error::truncated(LAYER, len));
        }
        let need = self.header_len();
        if len < need {
            return Err(Error::truncated(LAYER, len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Destination service access point.
    pub fn dsap(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// Source service access point (the low bit is the command/response bit).
    pub fn ssap(&self) -> u8 {
        byte(self.buffer.as_ref(), 1)
    }

    /// The first control byte.
    pub fn control(&self) -> u8 {
        byte(self.buffer.as_ref(), 2)
    }

    /// Length of the control field: 1 for U-format PDUs, 2 for I- and S-format PDUs.
    pub fn control_len(&self) -> usize {
        if self.control() & 0x03 == 0x03 {
            1
        } else {
            2
        }
    }

    /// The whole control field (one or two bytes, the first byte in the low 8 bits).
    pub fn control_field(&self) -> u16 {
        if self.control_len() == 1 {
            u16::from(self.control())
        } else {
            u16::from(self.control()) | (u16::from(byte(self.buffer.as_ref(), 3)) << 8)
        }
    }

    /// Whether this is a SNAP header (DSAP = SSAP = 0xAA, control = UI).
    pub fn is_snap(&self) -> bool {
        self.dsap() == SAP_SNAP && self.ssap() == SAP_SNAP && self.control() == CONTROL_UI
    }

    /// Length of the header: 8 for SNAP, otherwise 2 + the control field length.
    pub fn header_len(&self) -> usize {
        if self.is_snap() {
            SNAP_HEADER_LEN
        } else {
            2 + self.control_len()
        }
    }

    /// The SNAP organisationally unique identifier, for SNAP headers.
    pub fn oui(&self) -> Option<[u8; 3]> {
        if !self.is_snap() {
            return None;
        }
        let b = self.buffer.as_ref();
        Some([byte(b, 3), byte(b, 4), byte(b, 5)])
    }

    /// The raw SNAP protocol id (big-endian), for SNAP headers, whatever the OUI.
    pub fn protocol_id(&self) -> Option<u16> {
        if !self.is_snap() {
            return None;
        }
        let b = self.buffer.as_ref();
        Some(u16::from_be_bytes([byte(b, 6), byte(b, 7)]))
    }

    /// The ethertype, for SNAP headers whose OUI says the protocol id is an ethertype
    /// (00-00-00 RFC 1042 or 00-00-F8 bridge tunnel). Other OUIs (Cisco, Apple, ...) carry
    /// private protocol ids: use [`Llc::protocol_id`] for those.
    pub fn ethertype(&self) -> Option<u16> {
        match self.oui() {
            Some(OUI_RFC1042) | Some(OUI_BRIDGE_TUNNEL) => self.protocol_id(),
            _ => None,
        }
    }

    /// What follows the header (empty when the buffer is shorter than the header).
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }
}

/// Parses an LLC/SNAP header at the start of `buf` and returns the ethertype and the bytes
/// after the header, when `buf` starts with a complete SNAP header whose OUI announces an
/// ethertype (see [`Llc::ethertype`]). Returns `None` for anything else.
pub fn ethertype_and_payload(buf: &[u8]) -> Option<(u16, &[u8])> {
    let llc = Llc::new_checked(buf).ok()?;
    let ethertype = llc.ethertype()?;
    let payload = buf.get(SNAP_HEADER_LEN..)?;
    Some((ethertype, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_ipv4() {
        let b = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00, 0x45];
        let l = Llc::new_checked(&b[..]).unwrap();
        assert!(l.is_snap());
        assert_eq!(l.oui(), Some([0, 0, 0]));
        assert_eq!(l.ethertype(), Some(ethertype::IPV4));
        assert_eq!(l.payload(), &[0x45]);
    }

    #[test]
    fn short_snap_is_truncated() {
        let b = [0xAA, 0xAA, 0x03, 0, 0];
        assert!(Llc::new_checked(&b[..]).is_err());
        assert_eq!(ethertype_and_payload(&b), None);
        let l = Llc::new_unchecked(&b[..]);
        assert_eq!(l.payload(), &[] as &[u8]);
        assert_eq!(l.protocol_id(), Some(0));
    }

    #[test]
    fn non_snap() {
        // STP: DSAP 0x42, SSAP 0x42, UI.
        let b = [0x42, 0x42, 0x03, 0, 0];
        let l = Llc::new_checked(&b[..]).unwrap();
        assert!(!l.is_snap());
        assert_eq!(l.header_len(), 3);
        assert_eq!(l.ethertype(), None);
        assert_eq!(l.payload(), &[0, 0]);
        // I-format: two control bytes.
        let b = [0x04, 0x04, 0x00, 0x02, 9];
        let l = Llc::new_checked(&b[..]).unwrap();
        assert_eq!(l.control_len(), 2);
        assert_eq!(l.control_field(), 0x0200);
        assert_eq!(l.payload(), &[9]);
    }

    #[test]
    fn cisco_oui_has_no_ethertype() {
        let b = [0xAA, 0xAA, 0x03, 0, 0, 0x0C, 0x20, 0x00];
        let l = Llc::new_checked(&b[..]).unwrap();
        assert_eq!(l.ethertype(), None);
        assert_eq!(l.protocol_id(), Some(0x2000));
    }
}
