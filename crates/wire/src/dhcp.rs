//! DHCPv4 / BOOTP messages (RFC 2131, RFC 2132), carried in UDP between ports
//! [`CLIENT_PORT`] (68) and [`SERVER_PORT`] (67).
//!
//! ```text
//! offset  field
//!      0  op (1 = BOOTREQUEST, 2 = BOOTREPLY)
//!      1  htype (1 = Ethernet)      2  hlen      3  hops
//!      4  xid (4)                   8  secs (2)  10 flags (2; 0x8000 = broadcast)
//!     12  ciaddr  16 yiaddr  20 siaddr  24 giaddr (4 each)
//!     28  chaddr (16)  44 sname (64)  108 file (128)
//!    236  magic cookie 99.130.83.99
//!    240  options: code (1), length (1), data; PAD (0) and END (255) have no length
//! ```
//!
//! [`Packet::new_checked`] requires the fixed part and the DHCP magic cookie (a plain BOOTP
//! message without the cookie is reported as unsupported). [`Packet::options`] walks the
//! options field; [`Summary`] picks out what an intrusion detector wants to know.
//!
//! Not supported: option overload (option 52, options continued in `sname`/`file`) — the
//! overload value is reported in [`Summary::overload`] but those fields are not walked; and
//! RFC 3396 long-option concatenation — only the first instance of each option is used.

use crate::{Error, MacBytes, Result};

const LAYER: &str = "DHCP";

/// UDP port of DHCP servers (and relays).
pub const SERVER_PORT: u16 = 67;
/// UDP port of DHCP clients.
pub const CLIENT_PORT: u16 = 68;

/// The magic cookie that starts the options field.
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];

/// Offset of the magic cookie.
pub const COOKIE_OFFSET: usize = 236;
/// Offset of the first option (and minimum length of a DHCP message).
pub const OPTIONS_OFFSET: usize = 240;

/// `op` of a client-to-server message.
pub const BOOTREQUEST: u8 = 1;
/// `op` of a server-to-client message.
pub const BOOTREPLY: u8 = 2;
/// `htype` of Ethernet (and 802.11) hardware addresses.
pub const HTYPE_ETHERNET: u8 = 1;

/// DHCP option codes.
pub mod option {
    /// Padding (no length byte).
    pub const PAD: u8 = 0;
    /// Subnet mask.
    pub const SUBNET_MASK: u8 = 1;
    /// Routers.
    pub const ROUTER: u8 = 3;
    /// DNS servers.
    pub const DNS_SERVERS: u8 = 6;
    /// Host name.
    pub const HOSTNAME: u8 = 12;
    /// Domain name.
    pub const DOMAIN_NAME: u8 = 15;
    /// Requested IP address.
    pub const REQUESTED_IP: u8 = 50;
    /// IP address lease time.
    pub const LEASE_TIME: u8 = 51;
    /// Option overload (options continued in `file` and/or `sname`).
    pub const OVERLOAD: u8 = 52;
    /// DHCP message type.
    pub const MESSAGE_TYPE: u8 = 53;
    /// Server identifier.
    pub const SERVER_ID: u8 = 54;
    /// Parameter request list.
    pub const PARAMETER_REQUEST_LIST: u8 = 55;
    /// Error message.
    pub const MESSAGE: u8 = 56;
    /// Maximum DHCP message size.
    pub const MAX_MESSAGE_SIZE: u8 = 57;
    /// Vendor class identifier.
    pub const VENDOR_CLASS_ID: u8 = 60;
    /// Client identifier.
    pub const CLIENT_ID: u8 = 61;
    /// Client FQDN (RFC 4702).
    pub const CLIENT_FQDN: u8 = 81;
    /// End of options (no length byte).
    pub const END: u8 = 255;
}

/// The DHCP message type (option 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// 1: client looks for servers.
    Discover,
    /// 2: server offers an address.
    Offer,
    /// 3: client requests an address.
    Request,
    /// 4: client declines an offered address (already in use).
    Decline,
    /// 5: server acknowledges.
    Ack,
    /// 6: server refuses.
    Nak,
    /// 7: client gives its address back.
    Release,
    /// 8: client asks for configuration only.
    Inform,
    /// Any other value (FORCERENEW, LEASEQUERY, ...).
    Other(u8),
}

impl MessageType {
    /// Maps the option value to a message type.
    pub const fn from_u8(v: u8) -> MessageType {
        match v {
            1 => MessageType::Discover,
            2 => MessageType::Offer,
            3 => MessageType::Request,
            4 => MessageType::Decline,
            5 => MessageType::Ack,
            6 => MessageType::Nak,
            7 => MessageType::Release,
            8 => MessageType::Inform,
            v => MessageType::Other(v),
        }
    }

    /// The option value.
    pub const fn to_u8(self) -> u8 {
        match self {
            MessageType::Discover => 1,
            MessageType::Offer => 2,
            MessageType::Request => 3,
            MessageType::Decline => 4,
            MessageType::Ack => 5,
            MessageType::Nak => 6,
            MessageType::Release => 7,
            MessageType::Inform => 8,
            MessageType::Other(v) => v,
        }
    }

    /// The upper-case RFC name ("DISCOVER", ...), or "UNKNOWN".
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Discover => "DISCOVER",
            MessageType::Offer => "OFFER",
            MessageType::Request => "REQUEST",
            MessageType::Decline => "DECLINE",
            MessageType::Ack => "ACK",
            MessageType::Nak => "NAK",
            MessageType::Release => "RELEASE",
            MessageType::Inform => "INFORM",
            MessageType::Other(_) => "UNKNOWN",
        }
    }
}

fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([byte(buf, at), byte(buf, at + 1)])
}

fn be32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(quad(buf, at))
}

fn quad(buf: &[u8], at: usize) -> [u8; 4] {
    [
        byte(buf, at),
        byte(buf, at + 1),
        byte(buf, at + 2),
        byte(buf, at + 3),
    ]
}

fn field(buf: &[u8], start: usize, len: usize) -> &[u8] {
    let end = (start + len).min(buf.len());
    buf.get(start..end).unwrap_or(&[])
}

/// A read-only view over a DHCP message (the UDP payload).
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

    /// Checks that the fixed part and the magic cookie are present (240 bytes) and that the
    /// cookie is the DHCP one; a BOOTP message with another vendor field is `Unsupported`.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < OPTIONS_OFFSET {
            return Err(Error::truncated(LAYER, len));
        }
        if !self.has_magic_cookie() {
            return Err(Error::unsupported(LAYER, COOKIE_OFFSET));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Message op code ([`BOOTREQUEST`] or [`BOOTREPLY`]).
    pub fn op(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// Hardware address type (1 = Ethernet).
    pub fn htype(&self) -> u8 {
        byte(self.buffer.as_ref(), 1)
    }

    /// Hardware address length.
    pub fn hlen(&self) -> u8 {
        byte(self.buffer.as_ref(), 2)
    }

    /// Relay hop count.
    pub fn hops(&self) -> u8 {
        byte(self.buffer.as_ref(), 3)
    }

    /// Transaction id.
    pub fn xid(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }

    /// Seconds since the client began acquisition.
    pub fn secs(&self) -> u16 {
        be16(self.buffer.as_ref(), 8)
    }

    /// Flags field.
    pub fn flags(&self) -> u16 {
        be16(self.buffer.as_ref(), 10)
    }

    /// The broadcast flag (bit 15 of the flags).
    pub fn broadcast(&self) -> bool {
        self.flags() & 0x8000 != 0
    }

    /// Client IP address (set by a client that already has one).
    pub fn ciaddr(&self) -> [u8; 4] {
        quad(self.buffer.as_ref(), 12)
    }

    /// "Your" IP address: the address the server assigns.
    pub fn yiaddr(&self) -> [u8; 4] {
        quad(self.buffer.as_ref(), 16)
    }

    /// Next server IP address.
    pub fn siaddr(&self) -> [u8; 4] {
        quad(self.buffer.as_ref(), 20)
    }

    /// Relay agent IP address.
    pub fn giaddr(&self) -> [u8; 4] {
        quad(self.buffer.as_ref(), 24)
    }

    /// The whole 16-byte chaddr field (clamped to the buffer).
    pub fn chaddr_field(&self) -> &[u8] {
        field(self.buffer.as_ref(), 28, 16)
    }

    /// The client hardware address: the first `hlen` bytes of chaddr (at most 16).
    pub fn chaddr(&self) -> &[u8] {
        let n = usize::from(self.hlen()).min(16);
        field(self.buffer.as_ref(), 28, n)
    }

    /// The client MAC address, when htype is Ethernet and hlen is 6.
    pub fn client_mac(&self) -> Option<MacBytes> {
        if self.htype() != HTYPE_ETHERNET || self.hlen() != 6 {
            return None;
        }
        self.chaddr().try_into().ok()
    }

    /// The 64-byte server host name field (NUL-padded).
    pub fn sname(&self) -> &[u8] {
        field(self.buffer.as_ref(), 44, 64)
    }

    /// The 128-byte boot file name field (NUL-padded).
    pub fn file(&self) -> &[u8] {
        field(self.buffer.as_ref(), 108, 128)
    }

    /// Whether bytes 236..240 hold the DHCP magic cookie.
    pub fn has_magic_cookie(&self) -> bool {
        self.buffer.as_ref().get(COOKIE_OFFSET..OPTIONS_OFFSET) == Some(&MAGIC_COOKIE[..])
    }

    /// The raw options field (everything after the magic cookie).
    pub fn options_bytes(&self) -> &[u8] {
        self.buffer.as_ref().get(OPTIONS_OFFSET..).unwrap_or(&[])
    }

    /// Iterates over the options. PAD options are skipped, END stops the walk; an option
    /// whose length runs past the buffer (or a missing length byte) yields one
    /// `Err(Truncated)` with the offset (from the start of the DHCP message) and ends the walk.
    /// A missing END is not an error.
    pub fn options(&self) -> Options<'_> {
        Options {
            data: self.options_bytes(),
            pos: 0,
            base: OPTIONS_OFFSET,
            done: false,
        }
    }

    /// The data of the first option with this `code`, ignoring a truncated tail.
    pub fn option(&self, code: u8) -> Option<&[u8]> {
        self.options()
            .map_while(|o| o.ok())
            .find(|o| o.code == code)
            .map(|o| o.data)
    }

    /// The message type (option 53), when present and one byte long.
    pub fn message_type(&self) -> Option<MessageType> {
        match self.option(option::MESSAGE_TYPE) {
            Some([v]) => Some(MessageType::from_u8(*v)),
            _ => None,
        }
    }
}

impl<'a> Packet<&'a [u8]> {
    /// Collects the interesting options into a [`Summary`] borrowing from the buffer.
    pub fn summary(&self) -> Summary<'a> {
        Summary::from_options(self.buffer.get(OPTIONS_OFFSET..).unwrap_or(&[]))
    }
}

/// One DHCP option: its code and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    /// Option code.
    pub code: u8,
    /// Option data (without the code and length bytes).
    pub data: &'a [u8],
}

/// Iterator over the options of a DHCP message; see [`Packet::options`].
#[derive(Debug, Clone)]
pub struct Options<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    done: bool,
}

impl<'a> Options<'a> {
    /// Iterates over a bare options field (for example the `file` or `sname` field of an
    /// overloaded message). Error offsets are relative to the start of `data`.
    pub fn new(data: &'a [u8]) -> Options<'a> {
        Options {
            data,
            pos: 0,
            base: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<DhcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let Some(&code) = self.data.get(self.pos) else {
                self.done = true;
                return None;
            };
            match code {
                option::PAD => {
                    self.pos += 1;
                }
                option::END => {
                    self.done = true;
                    return None;
                }
                _ => {
                    let at = self.base + self.pos;
                    let Some(&len) = self.data.get(self.pos + 1) else {
                        self.done = true;
                        return Some(Err(Error::truncated(LAYER, at + 1)));
                    };
                    let start = self.pos + 2;
                    let end = start + usize::from(len);
                    let Some(data) = self.data.get(start..end) else {
                        self.done = true;
                        return Some(Err(Error::truncated(LAYER, self.base + self.data.len())));
                    };
                    self.pos = end;
                    return Some(Ok(DhcpOption { code, data }));
                }
            }
        }
    }
}

/// The client identifier (option 61): a type byte (1 = Ethernet MAC, 255 = RFC 4361
/// IAID/DUID, 0 = opaque) and the identifier bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientId<'a> {
    /// The type byte.
    pub kind: u8,
    /// The bytes after the type byte.
    pub id: &'a [u8],
}

impl ClientId<'_> {
    /// The MAC address, when the type is 1 (Ethernet) and the identifier is 6 bytes.
    pub fn mac(&self) -> Option<MacBytes> {
        if self.kind != HTYPE_ETHERNET {
            return None;
        }
        self.id.try_into().ok()
    }
}

/// The options of one DHCP message an intrusion detector cares about (first instance of
/// each), borrowing from the packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary<'a> {
    /// Option 53.
    pub message_type: Option<MessageType>,
    /// Option 12 (raw bytes; usually ASCII, not NUL-terminated).
    pub hostname: Option<&'a [u8]>,
    /// Option 60 (e.g. "MSFT 5.0", "android-dhcp-13", "dhcpcd-9.4.1:Linux...").
    pub vendor_class: Option<&'a [u8]>,
    /// Option 61. An empty option 61 is reported as `None`.
    pub client_id: Option<ClientId<'a>>,
    /// Option 50.
    pub requested_ip: Option<[u8; 4]>,
    /// Option 54.
    pub server_id: Option<[u8; 4]>,
    /// Option 55: the requested option codes, in the client's order (a fingerprint).
    pub parameter_request_list: Option<&'a [u8]>,
    /// Option 51, seconds.
    pub lease_time: Option<u32>,
    /// Option 52 (1 = file, 2 = sname, 3 = both hold more options). Those fields are not
    /// walked: overload is unsupported.
    pub overload: Option<u8>,
    /// Option 81 (client FQDN), raw: flags, two RCODE bytes, then the name.
    pub client_fqdn: Option<&'a [u8]>,
    /// The walk stopped at a truncated option; the fields above come from the options before it.
    pub truncated: Option<crate::Error>,
    /// An END option was seen.
    pub end_seen: bool,
}

impl<'a> Summary<'a> {
    /// Builds a summary from the options field of a DHCP message (the bytes after the magic
    /// cookie); the offset of a truncation error is relative to the start of the message.
    pub fn from_options(data: &'a [u8]) -> Summary<'a> {
        let mut s = Summary::default();
        let mut it = Options::new(data);
        it.base = OPTIONS_OFFSET;
        for item in it.by_ref() {
            let o = match item {
                Ok(o) => o,
                Err(e) => {
                    s.truncated = Some(e);
                    break;
                }
            };
            let four = <[u8; 4]>::try_from(o.data).ok();
            match o.code {
                option::MESSAGE_TYPE if s.message_type.is_none() => {
                    if let [v] = o.data {
                        s.message_type = Some(MessageType::from_u8(*v));
                    }
                }
                option::HOSTNAME if s.hostname.is_none() => s.hostname = Some(o.data),
                option::VENDOR_CLASS_ID if s.vendor_class.is_none() => {
                    s.vendor_class = Some(o.data)
                }
                option::CLIENT_ID if s.client_id.is_none() => {
                    if let Some((&kind, id)) = o.data.split_first() {
                        s.client_id = Some(ClientId { kind, id });
                    }
                }
                option::REQUESTED_IP if s.requested_ip.is_none() => s.requested_ip = four,
                option::SERVER_ID if s.server_id.is_none() => s.server_id = four,
                option::PARAMETER_REQUEST_LIST if s.parameter_request_list.is_none() => {
                    s.parameter_request_list = Some(o.data)
                }
                option::LEASE_TIME if s.lease_time.is_none() => {
                    s.lease_time = four.map(u32::from_be_bytes)
                }
                option::OVERLOAD if s.overload.is_none() => {
                    if let [v] = o.data {
                        s.overload = Some(*v);
                    }
                }
                option::CLIENT_FQDN if s.client_fqdn.is_none() => s.client_fqdn = Some(o.data),
                _ => {}
            }
        }
        // The iterator stops silently both at END and at the end of the data; tell them apart.
        if s.truncated.is_none() && it.pos < data.len() {
            s.end_seen = data.get(it.pos) == Some(&option::END);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn message(opts: &[u8]) -> Vec<u8> {
        let mut v = std::vec![0u8; OPTIONS_OFFSET];
        v[0] = BOOTREQUEST;
        v[1] = 1;
        v[2] = 6;
        v[4..8].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        v[28..34].copy_from_slice(&[0, 0x11, 0x22, 0x33, 0x44, 0x55]);
        v[COOKIE_OFFSET..OPTIONS_OFFSET].copy_from_slice(&MAGIC_COOKIE);
        v.extend_from_slice(opts);
        v
    }

    #[test]
    fn options_walk() {
        let m = message(&[53, 1, 1, 0, 0, 12, 3, b'a', b'b', b'c', 255, 99]);
        let p = Packet::new_checked(&m[..]).unwrap();
        assert_eq!(p.client_mac(), Some([0, 0x11, 0x22, 0x33, 0x44, 0x55]));
        assert_eq!(p.xid(), 0xdeadbeef);
        let v: Vec<_> = p.options().collect();
        assert_eq!(v.len(), 2);
        assert_eq!(p.message_type(), Some(MessageType::Discover));
        let s = p.summary();
        assert_eq!(s.hostname, Some(&b"abc"[..]));
        assert!(s.end_seen);
        assert!(s.truncated.is_none());
    }

    #[test]
    fn truncated_option() {
        let m = message(&[53, 1, 3, 12, 10, b'a']);
        let p = Packet::new_checked(&m[..]).unwrap();
        let v: Vec<_> = p.options().collect();
        assert_eq!(v.len(), 2);
        assert!(v[1].is_err());
        let s = p.summary();
        assert_eq!(s.message_type, Some(MessageType::Request));
        assert!(s.truncated.is_some());
        assert!(!s.end_seen);
        // Missing length byte.
        let m = message(&[12]);
        let p = Packet::new_checked(&m[..]).unwrap();
        let e = p.options().next().unwrap().unwrap_err();
        assert_eq!(e.offset, OPTIONS_OFFSET + 1);
    }

    #[test]
    fn bootp_without_cookie() {
        let mut m = message(&[]);
        m[COOKIE_OFFSET] = 0;
        assert_eq!(
            Packet::new_checked(&m[..]).unwrap_err().kind,
            crate::ErrorKind::Unsupported
        );
        assert!(Packet::new_checked(&m[..100]).is_err());
    }
}
