//! User Datagram Protocol headers (RFC 768).
//!
//! ```text
//! +----------------+----------------+
//! |  source port   |   dest port    |
//! +----------------+----------------+
//! |     length     |    checksum    |
//! +----------------+----------------+
//! |            payload ...          |
//! ```
//!
//! [`Packet::new_checked`] validates the length field (≥ 8 and within the buffer);
//! [`Packet::payload`] is bounded by it.

use crate::ipv4::{self, Address};
use crate::{Error, Result};

const LAYER: &str = "UDP";

/// Length of the UDP header.
pub const HEADER_LEN: usize = 8;

/// Well-known UDP ports.
pub mod port {
    /// Domain Name System.
    pub const DNS: u16 = 53;
    /// DHCP / BOOTP server.
    pub const DHCP_SERVER: u16 = 67;
    /// DHCP / BOOTP client.
    pub const DHCP_CLIENT: u16 = 68;
    /// NetBIOS name service.
    pub const NETBIOS_NS: u16 = 137;
    /// NetBIOS datagram service.
    pub const NETBIOS_DGM: u16 = 138;
    /// Simple Service Discovery Protocol (UPnP).
    pub const SSDP: u16 = 1900;
    /// Multicast DNS.
    pub const MDNS: u16 = 5353;
    /// Link-Local Multicast Name Resolution.
    pub const LLMNR: u16 = 5355;
}

fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([byte(buf, at), byte(buf, at.wrapping_add(1))])
}

/// A read-only view over a UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it. Accessors never panic: on a buffer that is too
    /// short, missing bytes read as zero and slices are clamped to the buffer.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer and validates it with [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the header is present, that the length field is at least 8 and that the
    /// whole datagram it announces is in the buffer.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::truncated(LAYER, len));
        }
        let field = usize::from(self.len());
        if field < HEADER_LEN {
            return Err(Error::malformed(LAYER, 4));
        }
        if field > len {
            return Err(Error::truncated(LAYER, len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// Length field: header + payload, in bytes.
    pub fn len(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }

    /// Whether the length field announces no payload (a bare header).
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    /// Checksum field (0 means "no checksum" over IPv4).
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 6)
    }

    /// The payload: from byte 8 to the length field, clamped to the buffer.
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = usize::from(self.len()).min(buf.len());
        buf.get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// Verifies the checksum with the IPv4 pseudo-header built from `src` and `dst`. A zero
    /// checksum field (no checksum) verifies. Returns false when the datagram announced by
    /// the length field is not entirely in the buffer.
    pub fn verify_checksum(&self, src: Address, dst: Address) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let len = self.len();
        let Some(datagram) = self.buffer.as_ref().get(..usize::from(len)) else {
            return false;
        };
        if datagram.len() < HEADER_LEN {
            return false;
        }
        let mut sum = ipv4::sum_words(0, &src);
        sum = ipv4::sum_words(sum, &dst);
        sum = ipv4::sum_words(sum, &[0, ipv4::protocol::UDP]);
        sum = ipv4::sum_words(sum, &len.to_be_bytes());
        sum = ipv4::sum_words(sum, datagram);
        ipv4::fold(sum) == 0xFFFF
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_bounds() {
        let b = [
            0x00, 0x44, 0x00, 0x43, 0x00, 0x0A, 0x00, 0x00, 0xAB, 0xCD, 0xEE,
        ];
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.src_port(), port::DHCP_CLIENT);
        assert_eq!(p.dst_port(), port::DHCP_SERVER);
        assert_eq!(p.payload(), &[0xAB, 0xCD]);
        assert!(p.verify_checksum([0; 4], [0; 4]));
    }

    #[test]
    fn bad_lengths() {
        let b = [0, 1, 0, 2, 0, 4, 0, 0];
        assert_eq!(
            Packet::new_checked(&b[..]).unwrap_err().kind,
            crate::ErrorKind::Malformed
        );
        let b = [0, 1, 0, 2, 0, 40, 0, 0];
        assert_eq!(
            Packet::new_checked(&b[..]).unwrap_err().kind,
            crate::ErrorKind::Truncated
        );
        let p = Packet::new_unchecked(&b[..3]);
        assert_eq!(p.payload(), &[] as &[u8]);
        assert!(!p.verify_checksum([0; 4], [0; 4]) || p.checksum() == 0);
    }
}
