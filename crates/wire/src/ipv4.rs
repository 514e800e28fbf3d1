//! Internet Protocol version 4 headers (RFC 791).
//!
//! ```text
//!  0      4      8              16    19                      31
//! +------+------+--------------+-----+------------------------+
//! | ver  | IHL  |  DSCP | ECN  |        total length          |
//! +------+------+--------------+-----+------------------------+
//! |        identification      |flags|    fragment offset     |
//! +-------------+--------------+-----+------------------------+
//! |     TTL     |   protocol   |       header checksum        |
//! +-------------+--------------+------------------------------+
//! |                    source address                         |
//! |                  destination address                      |
//! |              options (IHL*4 - 20 bytes)                   |
//! +-----------------------------------------------------------+
//! ```
//!
//! [`Packet::new_checked`] validates the version, the header length (≥ 20 and within the
//! buffer) and the total length (≥ header length and within the buffer); [`Packet::payload`]
//! is bounded by the total length, so link-layer padding after the datagram is ignored.

use crate::{Error, Result};

const LAYER: &str = "IPv4";

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;

/// IP protocol numbers (the `protocol` field).
pub mod protocol {
    /// Internet Control Message Protocol.
    pub const ICMP: u8 = 1;
    /// Internet Group Management Protocol.
    pub const IGMP: u8 = 2;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulated in IPv4.
    pub const IPV6: u8 = 41;
    /// Generic Routing Encapsulation.
    pub const GRE: u8 = 47;
    /// IPsec Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// IPsec Authentication Header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// Stream Control Transmission Protocol.
    pub const SCTP: u8 = 132;
}

/// An IPv4 address as it appears on the wire.
pub type Address = [u8; 4];

/// The limited broadcast address 255.255.255.255.
pub const BROADCAST: Address = [255, 255, 255, 255];
/// The unspecified address 0.0.0.0.
pub const UNSPECIFIED: Address = [0, 0, 0, 0];

fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([byte(buf, at), byte(buf, at.wrapping_add(1))])
}

fn addr(buf: &[u8], at: usize) -> Address {
    [
        byte(buf, at),
        byte(buf, at + 1),
        byte(buf, at + 2),
        byte(buf, at + 3),
    ]
}

/// Adds `data` as big-endian 16-bit words to a one's-complement running sum (not folded).
/// An odd trailing byte is padded with zero, as in RFC 1071.
pub fn sum_words(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        if let [hi, lo] = *pair {
            sum = fold_once(sum.wrapping_add(u32::from(u16::from_be_bytes([hi, lo]))));
        }
    }
    if let [last] = chunks.remainder() {
        sum = fold_once(sum.wrapping_add(u32::from(*last) << 8));
    }
    sum
}

fn fold_once(sum: u32) -> u32 {
    (sum & 0xFFFF) + (sum >> 16)
}

/// Folds a running sum from [`sum_words`] into 16 bits (without complementing).
pub fn fold(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = fold_once(sum);
    }
    sum as u16
}

/// The Internet checksum (RFC 1071) of `data`: the complement of the folded one's-complement
/// sum. Computed over a header that includes its own checksum field, it is 0 when the header
/// is intact.
pub fn checksum(data: &[u8]) -> u16 {
    !fold(sum_words(0, data))
}

/// A read-only view over an IPv4 packet.
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

    /// Checks the header: at least 20 bytes, version 4, IHL ≥ 5 with the whole header in the
    /// buffer, and total length ≥ header length with the whole datagram in the buffer.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        let len = buf.len();
        if len < HEADER_LEN {
            return Err(Error::truncated(LAYER, len));
        }
        if self.version() != 4 {
            return Err(Error::malformed(LAYER, 0));
        }
        let hlen = self.header_len();
        if hlen < HEADER_LEN {
            return Err(Error::malformed(LAYER, 0));
        }
        if hlen > len {
            return Err(Error::truncated(LAYER, len));
        }
        let total = usize::from(self.total_len());
        if total < hlen {
            return Err(Error::malformed(LAYER, 2));
        }
        if total > len {
            return Err(Error::truncated(LAYER, len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field (4 for a valid packet).
    pub fn version(&self) -> u8 {
        byte(self.buffer.as_ref(), 0) >> 4
    }

    /// The IHL field: header length in 32-bit words.
    pub fn ihl(&self) -> u8 {
        byte(self.buffer.as_ref(), 0) & 0x0F
    }

    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// Differentiated services code point.
    pub fn dscp(&self) -> u8 {
        byte(self.buffer.as_ref(), 1) >> 2
    }

    /// Explicit congestion notification.
    pub fn ecn(&self) -> u8 {
        byte(self.buffer.as_ref(), 1) & 0x03
    }

    /// Total length of the datagram (header + payload) in bytes.
    pub fn total_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }

    /// The three flag bits (reserved, DF, MF) in the low bits.
    pub fn flags(&self) -> u8 {
        byte(self.buffer.as_ref(), 6) >> 5
    }

    /// Don't-fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.flags() & 0b010 != 0
    }

    /// More-fragments flag.
    pub fn more_frags(&self) -> bool {
        self.flags() & 0b001 != 0
    }

    /// Fragment offset in 8-byte units (the raw 13-bit field).
    pub fn frag_offset(&self) -> u16 {
        be16(self.buffer.as_ref(), 6) & 0x1FFF
    }

    /// Fragment offset in bytes.
    pub fn frag_offset_bytes(&self) -> u32 {
        u32::from(self.frag_offset()) * 8
    }

    /// Whether this datagram is a fragment (MF set or a non-zero offset): its payload is not a
    /// complete upper-layer packet.
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        byte(self.buffer.as_ref(), 8)
    }

    /// Upper-layer protocol ([`protocol`]).
    pub fn protocol(&self) -> u8 {
        byte(self.buffer.as_ref(), 9)
    }

    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 10)
    }

    /// Whether the header checksum is correct (false when the header is not in the buffer).
    pub fn verify_checksum(&self) -> bool {
        let hlen = self.header_len();
        match self.buffer.as_ref().get(..hlen) {
            Some(h) if hlen >= HEADER_LEN => checksum(h) == 0,
            _ => false,
        }
    }

    /// Source address.
    pub fn src_addr(&self) -> Address {
        addr(self.buffer.as_ref(), 12)
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Address {
        addr(self.buffer.as_ref(), 16)
    }

    /// The options (bytes 20 to the header length), clamped to the buffer.
    pub fn options(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = self.header_len().min(buf.len());
        buf.get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// The payload: from the header length to the total length, clamped to the buffer.
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let start = self.header_len().max(HEADER_LEN);
        let end = usize::from(self.total_len()).min(buf.len());
        buf.get(start..end).unwrap_or(&[])
    }

    /// A `Copy` summary of the header fields.
    pub fn summary(&self) -> Summary {
        Summary {
            src: self.src_addr(),
            dst: self.dst_addr(),
            protocol: self.protocol(),
            ttl: self.ttl(),
            ident: self.ident(),
            is_fragment: self.is_fragment(),
            payload_len: self.payload().len(),
        }
    }
}

/// The header fields most callers need, copied out of a [`Packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Source address.
    pub src: Address,
    /// Destination address.
    pub dst: Address,
    /// Upper-layer protocol.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
    /// The datagram is a fragment.
    pub is_fragment: bool,
    /// Payload length (bounded by the total length and the buffer).
    pub payload_len: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    // A UDP datagram header from 10.0.0.1 to 10.0.0.2 with a correct checksum.
    fn sample() -> [u8; 28] {
        let mut p = [
            0x45, 0x00, 0x00, 0x1C, 0x12, 0x34, 0x40, 0x00, 0x40, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0,
            2, 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        let c = checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    }

    #[test]
    fn fields() {
        let b = sample();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.total_len(), 28);
        assert!(p.dont_frag());
        assert!(!p.is_fragment());
        assert_eq!(p.protocol(), protocol::UDP);
        assert!(p.verify_checksum());
        assert_eq!(p.src_addr(), [10, 0, 0, 1]);
        assert_eq!(p.payload().len(), 8);
        assert!(p.options().is_empty());
    }

    #[test]
    fn unchecked_short_never_panics() {
        let b = [0x4F];
        let p = Packet::new_unchecked(&b[..]);
        assert_eq!(p.options(), &[] as &[u8]);
        assert_eq!(p.payload(), &[] as &[u8]);
        assert!(!p.verify_checksum());
        let _ = p.summary();
    }
}
