//! Value types with Kismet's text encodings: MAC addresses, UUIDs, device keys, timestamps.
//!
//! Every type here renders exactly the text Kismet stores in a kismetdb (upper-case hex, colon- or
//! dash-separated) and parses what Kismet and older Kismet versions wrote. Rendering goes through
//! fixed-size stack buffers so that the writer's hot path does not allocate.

use std::fmt;
use std::str::FromStr;

/// Kismet's own "adler32" checksum (`adler32_append_checksum` in Kismet's `util.cc`).
///
/// It is *not* the standard Adler-32: there is no modulo 65521, both sums start at zero, inputs
/// shorter than four bytes hash to zero, and whole little-endian words are folded in while at
/// least four more bytes follow, the last one to four bytes one at a time. Kismet uses it for the
/// phy half of device keys, for datasource UUID prefixes and for alert hashes, so we must
/// reproduce it bit for bit.
pub fn adler32k(data: &[u8]) -> u32 {
    if data.len() < 4 {
        return 0;
    }
    let mut s1: u32 = 0;
    let mut s2: u32 = 0;
    let mut i = 0;
    while i < data.len() - 4 {
        let (b0, b1, b2, b3) = (
            u32::from(data[i]),
            u32::from(data[i + 1]),
            u32::from(data[i + 2]),
            u32::from(data[i + 3]),
        );
        s2 = s2
            .wrapping_add(s1.wrapping_add(b0).wrapping_mul(4))
            .wrapping_add(b1.wrapping_mul(3))
            .wrapping_add(b2.wrapping_mul(2))
            .wrapping_add(b3);
        s1 = s1
            .wrapping_add(b0)
            .wrapping_add(b1)
            .wrapping_add(b2)
            .wrapping_add(b3);
        i += 4;
    }
    for &b in &data[i..] {
        s1 = s1.wrapping_add(u32::from(b));
        s2 = s2.wrapping_add(s1);
    }
    (s1 & 0xffff).wrapping_add(s2 << 16)
}

/// Error from parsing one of the text encodings in this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was being parsed ("MAC address", "UUID", "device key").
    pub what: &'static str,
    /// The offending text, shortened to 64 characters.
    pub text: String,
}

impl ParseError {
    fn new(what: &'static str, text: &str) -> Self {
        let text: String = text.chars().take(64).collect();
        ParseError { what, text }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {:?}", self.what, self.text)
    }
}

impl std::error::Error for ParseError {}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A hardware address as Kismet tracks it: 1 to 8 bytes, normally 6.
///
/// Text form is upper-case hex bytes joined by `:` (`AA:BB:CC:0D:0E:0F`), as Kismet's
/// `mac_to_string` writes it. "No address" is [`MacAddr::ZERO`], `00:00:00:00:00:00`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MacAddr {
    bytes: [u8; 8],
    len: u8,
}

/// One word per address: the hash maps of the packet path look an address up several times
/// per packet, and a derived `Hash` feeds the hasher three times (array length, bytes,
/// length). Addresses that differ only in `len` may share the word; `Eq` tells them apart.
impl std::hash::Hash for MacAddr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from_le_bytes(self.bytes).rotate_left(4) ^ u64::from(self.len));
    }
}

impl MacAddr {
    /// The all-zero 6-byte address Kismet writes when a frame has no such address.
    pub const ZERO: MacAddr = MacAddr {
        bytes: [0; 8],
        len: 6,
    };
    /// The broadcast address `FF:FF:FF:FF:FF:FF`.
    pub const BROADCAST: MacAddr = MacAddr {
        bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0],
        len: 6,
    };
    /// Longest text form: 8 bytes, `XX:` × 7 + `XX`.
    pub const MAX_TEXT_LEN: usize = 23;

    /// A 6-byte (EUI-48) address.
    pub const fn new(b: [u8; 6]) -> Self {
        MacAddr {
            bytes: [b[0], b[1], b[2], b[3], b[4], b[5], 0, 0],
            len: 6,
        }
    }

    /// An address of 1 to 8 bytes; `None` for any other length.
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        if b.is_empty() || b.len() > 8 {
            return None;
        }
        let mut bytes = [0u8; 8];
        bytes[..b.len()].copy_from_slice(b);
        Some(MacAddr {
            bytes,
            len: b.len() as u8,
        })
    }

    /// The address bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True for the all-zero address of any length.
    pub fn is_zero(&self) -> bool {
        // Every constructor leaves the bytes after `len` zero.
        u64::from_ne_bytes(self.bytes) == 0
    }

    /// True when the group (multicast/broadcast) bit of the first byte is set.
    pub fn is_multicast(&self) -> bool {
        self.bytes[0] & 1 == 1
    }

    /// Kismet's `longmac`: the bytes left-aligned in a big-endian u64 (byte 0 in bits 63..56).
    pub fn longmac(&self) -> u64 {
        u64::from_be_bytes(self.bytes)
    }

    /// Writes the text form into `buf` and returns it, without allocating.
    pub fn write_text<'b>(&self, buf: &'b mut [u8; Self::MAX_TEXT_LEN]) -> &'b str {
        let mut n = 0;
        for (i, &b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                buf[n] = b':';
                n += 1;
            }
            buf[n] = HEX_UPPER[usize::from(b >> 4)];
            buf[n + 1] = HEX_UPPER[usize::from(b & 0xf)];
            n += 2;
        }
        // Only ASCII hex digits and ':' were written.
        std::str::from_utf8(&buf[..n]).unwrap_or_default()
    }
}

impl Default for MacAddr {
    fn default() -> Self {
        MacAddr::ZERO
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; Self::MAX_TEXT_LEN];
        f.write_str(self.write_text(&mut buf))
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

impl FromStr for MacAddr {
    type Err = ParseError;

    /// Parses `AA:BB:CC:DD:EE:FF` (1 to 8 groups of one or two hex digits, any case).
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("MAC address", s);
        let mut bytes = [0u8; 8];
        let mut len = 0usize;
        for part in s.split(':') {
            if len == 8 || part.is_empty() || part.len() > 2 {
                return Err(err());
            }
            let mut v = 0u8;
            for c in part.bytes() {
                v = (v << 4) | hex_val(c).ok_or_else(err)?;
            }
            bytes[len] = v;
            len += 1;
        }
        Ok(MacAddr {
            bytes,
            len: len as u8,
        })
    }
}

/// A 128-bit UUID as Kismet writes it: `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID Kismet writes for "no datasource".
    pub const NIL: Uuid = Uuid([0; 16]);
    /// Length of the text form.
    pub const TEXT_LEN: usize = 36;

    /// Kismet's datasource UUID for a capture helper that has no hardware address:
    /// `{adler32k(helper):08X}-0000-0000-0000-0000{adler32k(path):08X}`.
    ///
    /// For example the pcapfile helper names its sources after adler32k of
    /// `"kismet_cap_pcapfile"` (`4E1D07C3`) and of the capture path.
    pub fn kismet_source(helper: &str, path: &str) -> Uuid {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&adler32k(helper.as_bytes()).to_be_bytes());
        b[12..].copy_from_slice(&adler32k(path.as_bytes()).to_be_bytes());
        Uuid(b)
    }

    /// Writes the text form into `buf` and returns it, without allocating.
    pub fn write_text<'b>(&self, buf: &'b mut [u8; Self::TEXT_LEN]) -> &'b str {
        let mut n = 0;
        for (i, &b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                buf[n] = b'-';
                n += 1;
            }
            buf[n] = HEX_UPPER[usize::from(b >> 4)];
            buf[n + 1] = HEX_UPPER[usize::from(b & 0xf)];
            n += 2;
        }
        std::str::from_utf8(&buf[..n]).unwrap_or_default()
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; Self::TEXT_LEN];
        f.write_str(self.write_text(&mut buf))
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl FromStr for Uuid {
    type Err = ParseError;

    /// Parses the 8-4-4-4-12 hex form, any case.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("UUID", s);
        let groups: [usize; 5] = [8, 4, 4, 4, 12];
        let mut out = [0u8; 16];
        let mut n = 0;
        let mut parts = s.split('-');
        for want in groups {
            let part = parts.next().ok_or_else(err)?;
            if part.len() != want {
                return Err(err());
            }
            let p = part.as_bytes();
            for pair in p.chunks_exact(2) {
                out[n] =
                    (hex_val(pair[0]).ok_or_else(err)? << 4) | hex_val(pair[1]).ok_or_else(err)?;
                n += 1;
            }
        }
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(Uuid(out))
    }
}

/// A Kismet device key: the phy half and the device half, two u64 values.
///
/// Text form (Kismet's `device_key` stream operator): upper-case hex of the byte-swapped phy key,
/// zero-padded to at least two digits, `_`, then upper-case hex of the byte-swapped device key
/// with no padding at all. For 802.11 the phy half is always `4202770D00000000` and the device
/// half is the byte-reversed MAC with leading zero nibbles dropped:
/// `68:B9:D3:13:C4:4D` gives `4202770D00000000_4DC413D3B968`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DeviceKey {
    /// `adler32k(phyname)` in the low 32 bits.
    pub phy: u64,
    /// The device's [`MacAddr::longmac`] for MAC-keyed phys.
    pub device: u64,
}

impl DeviceKey {
    /// Longest text form: 16 + 1 + 16 hex digits.
    pub const MAX_TEXT_LEN: usize = 33;

    /// The key Kismet computes for a MAC-keyed device on the named phy.
    pub fn new(phyname: &str, mac: MacAddr) -> Self {
        DeviceKey {
            phy: u64::from(adler32k(phyname.as_bytes())),
            device: mac.longmac(),
        }
    }

    /// Writes the text form into `buf` and returns it, without allocating.
    pub fn write_text<'b>(&self, buf: &'b mut [u8; Self::MAX_TEXT_LEN]) -> &'b str {
        fn hex(v: u64, min_digits: usize, out: &mut [u8], n: &mut usize) {
            let digits = (64 - v.leading_zeros() as usize).div_ceil(4);
            let digits = digits.max(min_digits).max(1);
            for i in (0..digits).rev() {
                out[*n] = HEX_UPPER[((v >> (i * 4)) & 0xf) as usize];
                *n += 1;
            }
        }
        let mut n = 0;
        hex(self.phy.swap_bytes(), 2, buf, &mut n);
        buf[n] = b'_';
        n += 1;
        hex(self.device.swap_bytes(), 1, buf, &mut n);
        std::str::from_utf8(&buf[..n]).unwrap_or_default()
    }
}

impl fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; Self::MAX_TEXT_LEN];
        f.write_str(self.write_text(&mut buf))
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({self})")
    }
}

impl FromStr for DeviceKey {
    type Err = ParseError;

    /// Parses `PHY_DEVICE` hex halves of 1 to 16 digits each (any case), so that current keys,
    /// the zero key `00_0` and the older zero-padded forms of 2018–2020 logs all round-trip.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("device key", s);
        let (a, b) = s.split_once('_').ok_or_else(err)?;
        let half = |h: &str| -> Result<u64, ParseError> {
            if h.is_empty() || h.len() > 16 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(err());
            }
            u64::from_str_radix(h, 16).map_err(|_| err())
        };
        Ok(DeviceKey {
            phy: half(a)?.swap_bytes(),
            device: half(b)?.swap_bytes(),
        })
    }
}

/// A capture or event time: seconds and microseconds since the Unix epoch, as the `ts_sec` and
/// `ts_usec` columns hold it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Debug)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub sec: i64,
    /// Microseconds, 0 to 999 999 in well-formed logs.
    pub usec: i64,
}

impl Timestamp {
    /// A timestamp from seconds and microseconds.
    pub const fn new(sec: i64, usec: i64) -> Self {
        Timestamp { sec, usec }
    }

    /// Splits a fractional seconds value as Kismet does for alerts (`modf`, then the fraction
    /// times 10^6 truncated toward zero).
    pub fn from_secs_f64(t: f64) -> Self {
        if !t.is_finite() {
            return Timestamp::default();
        }
        let sec = t.trunc();
        let usec = ((t - sec) * 1_000_000.0) as i64;
        Timestamp {
            sec: sec as i64,
            usec,
        }
    }

    /// The time as fractional seconds.
    pub fn as_secs_f64(&self) -> f64 {
        self.sec as f64 + self.usec as f64 / 1_000_000.0
    }
}

/// A GPS position attached to a packet or data row (all zero when there was none).
#[derive(Clone, Copy, PartialEq, Default, Debug)]
pub struct GpsFix {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Altitude in metres.
    pub alt: f64,
    /// Speed as Kismet's GPS code reports it.
    pub speed: f64,
    /// Heading in degrees.
    pub heading: f64,
}

impl GpsFix {
    /// True when latitude and longitude are both set, the rule Kismet's tools use.
    pub fn has_location(&self) -> bool {
        self.lat != 0.0 && self.lon != 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32k_matches_kismet_constants() {
        // Phy prefixes and helper UUID prefixes quoted in the kismetdb spec (§4.3, §4.4).
        assert_eq!(adler32k(b"IEEE802.11"), 0x0D77_0242);
        assert_eq!(adler32k(b"kismet_cap_linux_wifi"), 0x5FE3_08BD);
        assert_eq!(adler32k(b"kismet_cap_pcapfile"), 0x4E1D_07C3);
        assert_eq!(adler32k(b"BTLE"), 0x02E1_0127);
        assert_eq!(adler32k(b"Bluetooth"), 0x11E0_03B6);
        assert_eq!(adler32k(b"abc"), 0, "inputs shorter than 4 bytes hash to 0");
        assert_eq!(adler32k(b""), 0);
    }

    #[test]
    fn device_key_of_known_mac() {
        let mac: MacAddr = "68:B9:D3:13:C4:4D".parse().unwrap();
        let key = DeviceKey::new("IEEE802.11", mac);
        assert_eq!(key.to_string(), "4202770D00000000_4DC413D3B968");
        // The MAC half is not zero-padded: pairs seen in Kismet 2025-09-R1's reference logs.
        // (The kismetdb spec's example `02:0B:0A:03:02:01` -> `..._0102030A0B02` is wrong on
        // this point; Kismet writes `..._102030A0B02`.)
        for (mac, key) in [
            ("00:11:22:00:00:00", "4202770D00000000_221100"),
            ("00:11:22:00:00:01", "4202770D00000000_10000221100"),
            ("00:0D:58:EF:88:09", "4202770D00000000_988EF580D00"),
            ("02:0B:0A:03:02:01", "4202770D00000000_102030A0B02"),
        ] {
            let mac: MacAddr = mac.parse().unwrap();
            assert_eq!(DeviceKey::new("IEEE802.11", mac).to_string(), key);
        }
        // Leading zero nibbles of the reversed MAC are dropped.
        let mac: MacAddr = "AA:BB:CC:DD:EE:05".parse().unwrap();
        assert_eq!(
            DeviceKey::new("IEEE802.11", mac).to_string(),
            "4202770D00000000_5EEDDCCBBAA"
        );
        assert_eq!(
            DeviceKey::new("BTLE", MacAddr::ZERO).to_string(),
            "2701E10200000000_0"
        );
        assert_eq!(DeviceKey::default().to_string(), "00_0");
    }

    #[test]
    fn device_key_round_trips_current_and_historic_forms() {
        for text in [
            "4202770D00000000_4DC413D3B968",
            "4202770D00000000_5EEDDCCBBAA",
            "00_0",
            "4202770D00000000_636E2EBCFBFE0000",
            "4202770D8C06603B_237A67D0B69C0000",
        ] {
            let k: DeviceKey = text.parse().unwrap();
            assert_eq!(k.to_string(), text);
        }
        for bad in [
            "",
            "_",
            "4202770D00000000",
            "XYZ_1",
            "1_",
            "11111111111111111_1",
        ] {
            assert!(bad.parse::<DeviceKey>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mac_text() {
        let mac: MacAddr = "aa:bb:cc:d:e:0f".parse().unwrap();
        assert_eq!(mac.to_string(), "AA:BB:CC:0D:0E:0F");
        assert_eq!(MacAddr::ZERO.to_string(), "00:00:00:00:00:00");
        assert!(MacAddr::BROADCAST.is_multicast());
        let long = MacAddr::from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        assert_eq!(long.to_string(), "01:02:03:04:05:06:07:08");
        assert_eq!(long.to_string().parse::<MacAddr>().unwrap(), long);
        for bad in ["", "AA:", "AA:BB:CC:DD:EE:FF:00:11:22", "GG:00", "123:00"] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad:?}");
        }
        assert!(MacAddr::from_slice(&[]).is_none());
    }

    #[test]
    fn uuid_text() {
        let u: Uuid = "4e1d07c3-0000-0000-0000-0000201718c6".parse().unwrap();
        assert_eq!(u.to_string(), "4E1D07C3-0000-0000-0000-0000201718C6");
        assert_eq!(
            Uuid::NIL.to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
        for bad in [
            "",
            "4E1D07C3",
            "4E1D07C3-0000-0000-0000-0000201718C",
            "4E1D07C3-0000-0000-0000-0000201718C6-1",
        ] {
            assert!(bad.parse::<Uuid>().is_err(), "{bad:?}");
        }
        let src = Uuid::kismet_source("kismet_cap_pcapfile", "");
        assert!(src.to_string().starts_with("4E1D07C3-0000-0000-0000-0000"));
    }

    #[test]
    fn timestamp_split_truncates_like_modf() {
        let t = Timestamp::from_secs_f64(1795325058.094217);
        assert_eq!(t.sec, 1795325058);
        assert!((t.usec - 94217).abs() <= 1);
        assert_eq!(Timestamp::from_secs_f64(f64::NAN), Timestamp::default());
    }
}
