//! Radiotap capture headers (DLT 127, `LINKTYPE_IEEE802_11_RADIOTAP`).
//!
//! ```text
//!  0        1        2                3
//!  it_version it_pad  it_len (u16 LE)  it_present (u32 LE) [ it_present ... ]  fields ...
//! ```
//!
//! `it_len` covers the whole radiotap header; the 802.11 frame follows it. Bit 31 of a
//! presence word says another presence word follows. Bits 29 and 30 switch the namespace for
//! the *next* presence word: bit 29 back to the radiotap namespace, bit 30 to a vendor
//! namespace whose 6-byte descriptor (OUI, sub-namespace, `skip_length`) sits in the data at
//! that point (2-byte aligned) and is followed by `skip_length` bytes of vendor data. After a
//! namespace switch the field numbering restarts at 0; otherwise each further presence word
//! continues the numbering at +32.
//!
//! Every field is aligned to its own natural alignment, counted from the start of the radiotap
//! header. The size and alignment of a field can only be known if the field is known, so
//! parsing stops at the first unknown field of the radiotap namespace (an
//! [`ErrorKind::Unsupported`] item from [`Fields`]). Fields of vendor namespaces are never
//! interpreted: the vendor data is yielded as one item and skipped as a whole.
//!
//! All multi-byte values are little-endian.
//!
//! ```
//! use osprey_wire::radiotap;
//! // version 0, length 14: Flags (FCS present), Rate 1 Mbit/s, Channel 2412 MHz, then the frame
//! let buf = [0, 0, 14, 0, 0x0e, 0, 0, 0, 0x10, 0x02, 0x6c, 0x09, 0xa0, 0x00, 0x80, 0x00];
//! let d = radiotap::decap(&buf).unwrap();
//! assert_eq!(d.radio.freq_mhz, Some(2412));
//! assert_eq!(d.radio.rate_kbps, Some(1000));
//! assert!(d.radio.fcs_present);
//! assert_eq!(d.frame, &[0x80, 0x00]);
//! ```

use crate::radio::{Decap, RadioInfo};
use crate::{Error, ErrorKind, Result};

const LAYER: &str = "radiotap";

/// Length of the fixed part of the header: version, pad, length and the first presence word.
pub const HEADER_LEN: usize = 8;

/// Presence-word bit that announces another presence word.
const EXT_BIT: u32 = 1 << 31;
/// Presence-word bit that switches (back) to the radiotap namespace.
const RT_NS_BIT: u32 = 1 << 29;
/// Presence-word bit that switches to a vendor namespace.
const VENDOR_NS_BIT: u32 = 1 << 30;

/// Field indices (presence-bit numbers) of the default radiotap namespace.
pub mod field {
    /// TSFT: u64 microseconds.
    pub const TSFT: u32 = 0;
    /// Flags: u8 bitmap (see [`super::flags`]).
    pub const FLAGS: u32 = 1;
    /// Rate: u8, 500 kbit/s units.
    pub const RATE: u32 = 2;
    /// Channel: u16 frequency (MHz), u16 flags.
    pub const CHANNEL: u32 = 3;
    /// FHSS: u8 hop set, u8 hop pattern.
    pub const FHSS: u32 = 4;
    /// Antenna signal: s8 dBm.
    pub const DBM_ANTSIGNAL: u32 = 5;
    /// Antenna noise: s8 dBm.
    pub const DBM_ANTNOISE: u32 = 6;
    /// Lock quality: u16.
    pub const LOCK_QUALITY: u32 = 7;
    /// TX attenuation: u16.
    pub const TX_ATTENUATION: u32 = 8;
    /// dB TX attenuation: u16.
    pub const DB_TX_ATTENUATION: u32 = 9;
    /// dBm TX power: s8.
    pub const DBM_TX_POWER: u32 = 10;
    /// Antenna index: u8.
    pub const ANTENNA: u32 = 11;
    /// dB antenna signal: u8.
    pub const DB_ANTSIGNAL: u32 = 12;
    /// dB antenna noise: u8.
    pub const DB_ANTNOISE: u32 = 13;
    /// RX flags: u16.
    pub const RX_FLAGS: u32 = 14;
    /// TX flags: u16.
    pub const TX_FLAGS: u32 = 15;
    /// RTS retries: u8.
    pub const RTS_RETRIES: u32 = 16;
    /// Data retries: u8.
    pub const DATA_RETRIES: u32 = 17;
    /// XChannel: u32 flags, u16 frequency, u8 channel, u8 max power.
    pub const XCHANNEL: u32 = 18;
    /// MCS (802.11n): u8 known, u8 flags, u8 mcs.
    pub const MCS: u32 = 19;
    /// A-MPDU status: u32 reference, u16 flags, u8 delimiter CRC, u8 reserved.
    pub const AMPDU_STATUS: u32 = 20;
    /// VHT (802.11ac): 12 bytes.
    pub const VHT: u32 = 21;
    /// Timestamp: u64, u16 accuracy, u8 unit/position, u8 flags.
    pub const TIMESTAMP: u32 = 22;
    /// HE (802.11ax): six u16.
    pub const HE: u32 = 23;
    /// HE-MU: u16 flags1, u16 flags2, u8 RU_channel1\[4\], u8 RU_channel2\[4\].
    pub const HE_MU: u32 = 24;
    /// HE-MU-other-user: u16, u16, u8, u8.
    pub const HE_MU_OTHER_USER: u32 = 25;
    /// 0-length PSDU: u8 type.
    pub const ZERO_LEN_PSDU: u32 = 26;
    /// L-SIG: u16 data1, u16 data2.
    pub const L_SIG: u32 = 27;
    /// TLV list: fills the rest of the header (S1G, U-SIG, EHT, ... live there).
    pub const TLV: u32 = 28;
    /// Reset to the radiotap namespace (bit 29 of every presence word).
    pub const RADIOTAP_NAMESPACE: u32 = 29;
    /// Switch to a vendor namespace (bit 30 of every presence word).
    pub const VENDOR_NAMESPACE: u32 = 30;
    /// Another presence word follows (bit 31 of every presence word).
    pub const EXT: u32 = 31;
}

/// Bits of the Flags field.
pub mod flags {
    /// Sent/received during CFP.
    pub const CFP: u8 = 0x01;
    /// Sent/received with short preamble.
    pub const SHORT_PREAMBLE: u8 = 0x02;
    /// Sent/received with WEP encryption.
    pub const WEP: u8 = 0x04;
    /// Sent/received with fragmentation.
    pub const FRAGMENTATION: u8 = 0x08;
    /// The frame includes its FCS.
    pub const FCS: u8 = 0x10;
    /// Padding between the 802.11 header and the payload (to a 32-bit boundary).
    pub const DATA_PAD: u8 = 0x20;
    /// The frame failed the FCS check.
    pub const BAD_FCS: u8 = 0x40;
    /// Short guard interval (HT; unofficial).
    pub const SHORT_GI: u8 = 0x80;
}

/// Alignment and size, in bytes, of a field of the radiotap namespace, or `None` when the
/// field is not known (or has no fixed size: the TLV list and the namespace bits).
///
/// FHSS is given 2-byte alignment, as the common parsers (Linux, the radiotap library) do.
pub const fn field_layout(index: u32) -> Option<(usize, usize)> {
    let l = match index {
        field::TSFT => (8, 8),
        field::FLAGS | field::RATE => (1, 1),
        field::CHANNEL => (2, 4),
        field::FHSS => (2, 2),
        field::DBM_ANTSIGNAL | field::DBM_ANTNOISE => (1, 1),
        field::LOCK_QUALITY | field::TX_ATTENUATION | field::DB_TX_ATTENUATION => (2, 2),
        field::DBM_TX_POWER | field::ANTENNA | field::DB_ANTSIGNAL | field::DB_ANTNOISE => (1, 1),
        field::RX_FLAGS | field::TX_FLAGS => (2, 2),
        field::RTS_RETRIES | field::DATA_RETRIES => (1, 1),
        field::XCHANNEL => (4, 8),
        field::MCS => (1, 3),
        field::AMPDU_STATUS => (4, 8),
        field::VHT => (2, 12),
        field::TIMESTAMP => (8, 12),
        field::HE => (2, 12),
        field::HE_MU => (2, 12),
        field::HE_MU_OTHER_USER => (2, 6),
        field::ZERO_LEN_PSDU => (1, 1),
        field::L_SIG => (2, 4),
        _ => return None,
    };
    Some(l)
}

#[inline]
fn le16(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

#[inline]
fn le32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Some(u32::from_le_bytes(a))
}

#[inline]
fn le64(buf: &[u8], off: usize) -> Option<u64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// `pos` rounded up to a multiple of `align` (a power of two), or `None` on overflow.
#[inline]
fn align_up(pos: usize, align: usize) -> Option<usize> {
    let mask = align.wrapping_sub(1);
    Some(pos.checked_add(mask)? & !mask)
}

/// A read-only view of a radiotap header at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checking it. Accessors never panic, but they return zero or
    /// empty values for bytes the buffer lacks.
    pub const fn new_unchecked(buffer: T) -> Header<T> {
        Header { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Header<T>> {
        let h = Header::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks the fixed header: at least 8 bytes, version 0, `8 <= it_len <= buffer length`,
    /// and the chain of presence words lies within `it_len`.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        if buf.len() < HEADER_LEN {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        if self.it_version() != 0 {
            return Err(Error::unsupported(LAYER, 0));
        }
        let len = usize::from(self.it_len());
        if len < HEADER_LEN {
            return Err(Error::malformed(LAYER, 2));
        }
        if len > buf.len() {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        presence_end(&buf[..len]).map(|_| ())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The `it_version` field (always 0 in a valid header).
    pub fn it_version(&self) -> u8 {
        self.buffer.as_ref().first().copied().unwrap_or(0)
    }

    /// The `it_pad` byte.
    pub fn it_pad(&self) -> u8 {
        self.buffer.as_ref().get(1).copied().unwrap_or(0)
    }

    /// The `it_len` field: length of the whole radiotap header.
    pub fn it_len(&self) -> u16 {
        le16(self.buffer.as_ref(), 2).unwrap_or(0)
    }

    /// The header bytes, `it_len` of them (fewer if the buffer is shorter).
    pub fn header_bytes(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let len = usize::from(self.it_len()).min(buf.len());
        &buf[..len]
    }

    /// The bytes after the radiotap header (the 802.11 frame, FCS included if present).
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        buf.get(usize::from(self.it_len())..).unwrap_or(&[])
    }

    /// The presence words, in order, each with the namespace it belongs to.
    pub fn presence_words(&self) -> PresenceWords<'_> {
        PresenceWords {
            hdr: self.header_bytes(),
            offset: 4,
            namespace: NamespaceKind::Radiotap,
            base: 0,
            done: false,
        }
    }

    /// Offset of the first field's data (just past the last presence word).
    pub fn fields_offset(&self) -> Result<usize> {
        presence_end(self.header_bytes())
    }

    /// The fields of the header, in order. See [`Fields`].
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(self.header_bytes())
    }
}

/// Walks the presence-word chain of `hdr` (the `it_len` bytes of a header) and returns the
/// offset just past the last presence word.
fn presence_end(hdr: &[u8]) -> Result<usize> {
    let mut off = 4usize;
    loop {
        let Some(word) = le32(hdr, off) else {
            return Err(Error::malformed(LAYER, off));
        };
        off += 4;
        if word & EXT_BIT == 0 {
            return Ok(off);
        }
    }
}

/// Which kind of namespace a presence word belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    /// The default radiotap namespace.
    Radiotap,
    /// A vendor namespace (its OUI is in the field data, see [`Namespace`]).
    Vendor,
}

/// One presence word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceWord {
    /// Byte offset of the word in the header.
    pub offset: usize,
    /// The raw 32 bits.
    pub bits: u32,
    /// The namespace whose fields this word describes.
    pub namespace: NamespaceKind,
    /// Field index (within that namespace) of bit 0 of this word: 0, 32, 64, ...
    pub base: u32,
}

impl PresenceWord {
    /// Whether the field with namespace-relative index `index` is flagged present in this
    /// word (the namespace bits 29..31 are reported like any other bit).
    pub fn is_present(&self, index: u32) -> bool {
        match index.checked_sub(self.base) {
            Some(b) if b < 32 => self.bits & (1 << b) != 0,
            _ => false,
        }
    }
}

/// Iterator over the presence words of a header.
#[derive(Debug, Clone)]
pub struct PresenceWords<'a> {
    hdr: &'a [u8],
    offset: usize,
    namespace: NamespaceKind,
    base: u32,
    done: bool,
}

impl Iterator for PresenceWords<'_> {
    type Item = PresenceWord;

    fn next(&mut self) -> Option<PresenceWord> {
        if self.done {
            return None;
        }
        let Some(bits) = le32(self.hdr, self.offset) else {
            self.done = true;
            return None;
        };
        let w = PresenceWord {
            offset: self.offset,
            bits,
            namespace: self.namespace,
            base: self.base,
        };
        if bits & EXT_BIT == 0 {
            self.done = true;
        } else {
            self.offset += 4;
            if bits & RT_NS_BIT != 0 {
                self.namespace = NamespaceKind::Radiotap;
                self.base = 0;
            } else if bits & VENDOR_NS_BIT != 0 {
                self.namespace = NamespaceKind::Vendor;
                self.base = 0;
            } else {
                self.base = self.base.saturating_add(32);
            }
        }
        Some(w)
    }
}

/// The namespace a [`Field`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// The default radiotap namespace (including namespaces reset with bit 29, such as the
    /// per-antenna ones).
    Radiotap,
    /// A vendor namespace.
    Vendor {
        /// Vendor OUI.
        oui: [u8; 3],
        /// Vendor-chosen sub-namespace selector.
        sub_ns: u8,
    },
}

/// One field of a radiotap header.
///
/// For the radiotap namespace `index` is the field's bit number ([`field`]) and `data` is
/// exactly the field's bytes. A vendor namespace is reported as a single item with
/// `index == field::VENDOR_NAMESPACE`, the vendor's OUI and sub-namespace in `namespace`, and
/// `data` = the `skip_length` bytes of vendor data (all the data of that namespace; it is not
/// interpreted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// Namespace of the field.
    pub namespace: Namespace,
    /// Field index (bit number within the namespace).
    pub index: u32,
    /// Byte offset of `data` in the header.
    pub offset: usize,
    /// The field's bytes.
    pub data: &'a [u8],
}

/// Iterator over the fields of a radiotap header, in wire order.
///
/// Yields `Err` and then stops when a field (after alignment) would extend past `it_len`
/// ([`ErrorKind::Truncated`]), when both namespace bits are set in one word or the presence
/// words do not fit ([`ErrorKind::Malformed`]), or at the first unknown field of the radiotap
/// namespace, whose size cannot be known ([`ErrorKind::Unsupported`]).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    hdr: &'a [u8],
    word_off: usize,
    word: u32,
    bit: u32,
    base: u32,
    in_vendor: bool,
    next_ns: Option<NamespaceKind>,
    pos: usize,
    pending: Option<Error>,
    done: bool,
}

impl<'a> Fields<'a> {
    fn new(hdr: &'a [u8]) -> Fields<'a> {
        let mut f = Fields {
            hdr,
            word_off: 4,
            word: 0,
            bit: 0,
            base: 0,
            in_vendor: false,
            next_ns: None,
            pos: 0,
            pending: None,
            done: false,
        };
        if hdr.len() < HEADER_LEN {
            f.pending = Some(Error::truncated(LAYER, hdr.len()));
            return f;
        }
        match presence_end(hdr) {
            Ok(end) => {
                f.pos = end;
                f.word = le32(hdr, 4).unwrap_or(0);
            }
            Err(e) => f.pending = Some(e),
        }
        f
    }

    fn fail(&mut self, e: Error) -> Option<Result<Field<'a>>> {
        self.done = true;
        Some(Err(e))
    }

    /// Takes `size` bytes at `align`, advancing the cursor.
    fn take(&mut self, align: usize, size: usize) -> Result<(usize, &'a [u8])> {
        let start = align_up(self.pos, align).ok_or(Error::truncated(LAYER, self.pos))?;
        let end = start
            .checked_add(size)
            .ok_or(Error::truncated(LAYER, self.pos))?;
        let data = self
            .hdr
            .get(start..end)
            .ok_or(Error::truncated(LAYER, self.pos))?;
        self.pos = end;
        Ok((start, data))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>>;

    fn next(&mut self) -> Option<Result<Field<'a>>> {
        if self.done {
            return None;
        }
        if let Some(e) = self.pending.take() {
            return self.fail(e);
        }
        loop {
            if self.bit >= 32 {
                if self.word & EXT_BIT == 0 {
                    self.done = true;
                    return None;
                }
                self.word_off += 4;
                let Some(w) = le32(self.hdr, self.word_off) else {
                    return self.fail(Error::malformed(LAYER, self.word_off));
                };
                self.word = w;
                self.bit = 0;
                match self.next_ns.take() {
                    Some(NamespaceKind::Radiotap) => {
                        self.in_vendor = false;
                        self.base = 0;
                    }
                    Some(NamespaceKind::Vendor) => {
                        self.in_vendor = true;
                        self.base = 0;
                    }
                    None => self.base = self.base.saturating_add(32),
                }
                continue;
            }
            // Jump straight to the next present bit (most of a word's bits are clear).
            let rest = self.word >> self.bit;
            if rest == 0 {
                self.bit = 32;
                continue;
            }
            let b = self.bit + rest.trailing_zeros();
            self.bit = b + 1;
            match b {
                31 => continue,
                29 => {
                    if self.word & VENDOR_NS_BIT != 0 {
                        return self.fail(Error::malformed(LAYER, self.word_off));
                    }
                    self.next_ns = Some(NamespaceKind::Radiotap);
                }
                30 => {
                    // The cursor already sits past the data of the namespace being left
                    // (vendor data is skipped as a whole when its descriptor is read).
                    let (_, desc) = match self.take(2, 6) {
                        Ok(v) => v,
                        Err(e) => return self.fail(e),
                    };
                    let oui = [desc[0], desc[1], desc[2]];
                    let sub_ns = desc[3];
                    let skip = usize::from(u16::from_le_bytes([desc[4], desc[5]]));
                    let (offset, data) = match self.take(1, skip) {
                        Ok(v) => v,
                        Err(e) => return self.fail(e),
                    };
                    self.next_ns = Some(NamespaceKind::Vendor);
                    return Some(Ok(Field {
                        namespace: Namespace::Vendor { oui, sub_ns },
                        index: field::VENDOR_NAMESPACE,
                        offset,
                        data,
                    }));
                }
                _ => {
                    if self.in_vendor {
                        // Inside the vendor data, already skipped.
                        continue;
                    }
                    let index = self.base.saturating_add(b);
                    if index == field::TLV {
                        let (offset, data) = match align_up(self.pos, 4) {
                            Some(start) if start <= self.hdr.len() => (start, &self.hdr[start..]),
                            _ => return self.fail(Error::truncated(LAYER, self.pos)),
                        };
                        self.pos = self.hdr.len();
                        // Nothing after the TLV list can be located.
                        self.done = true;
                        return Some(Ok(Field {
                            namespace: Namespace::Radiotap,
                            index,
                            offset,
                            data,
                        }));
                    }
                    let Some((align, size)) = field_layout(index) else {
                        return self.fail(Error::unsupported(LAYER, self.pos));
                    };
                    return match self.take(align, size) {
                        Ok((offset, data)) => Some(Ok(Field {
                            namespace: Namespace::Radiotap,
                            index,
                            offset,
                            data,
                        })),
                        Err(e) => self.fail(e),
                    };
                }
            }
        }
    }
}

/// One item of a radiotap TLV list (the data of field 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Type (a radiotap field number; 32 = S1G, 33 = U-SIG, 34 = EHT, ...).
    pub kind: u16,
    /// The value, `length` bytes (padding excluded).
    pub data: &'a [u8],
}

/// Iterator over a TLV list (each item padded to 4 bytes). Stops at the end of the data; a
/// truncated item yields an error and ends the iteration.
#[derive(Debug, Clone)]
pub struct Tlvs<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Tlvs<'a> {
    /// Iterates the TLV list `data` (the data of a [`field::TLV`] field).
    pub fn new(data: &'a [u8]) -> Tlvs<'a> {
        Tlvs {
            data,
            pos: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<Tlv<'a>>;

    fn next(&mut self) -> Option<Result<Tlv<'a>>> {
        if self.done || self.pos >= self.data.len() {
            return None;
        }
        let (Some(kind), Some(len)) = (
            le16(self.data, self.pos),
            le16(self.data, self.pos.saturating_add(2)),
        ) else {
            self.done = true;
            return Some(Err(Error::truncated("radiotap TLV", self.pos)));
        };
        let start = self.pos.saturating_add(4);
        let end = start.saturating_add(usize::from(len));
        let Some(data) = self.data.get(start..end) else {
            self.done = true;
            return Some(Err(Error::truncated("radiotap TLV", self.pos)));
        };
        self.pos = align_up(end, 4).unwrap_or(usize::MAX);
        Some(Ok(Tlv { kind, data }))
    }
}

/// The Channel field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    /// Centre frequency, MHz.
    pub freq_mhz: u16,
    /// Channel flags (0x0080 2 GHz, 0x0100 5 GHz, 0x0020 CCK, 0x0040 OFDM, ...).
    pub flags: u16,
}

impl Channel {
    /// Parses the 4 bytes of a Channel field.
    pub fn parse(data: &[u8]) -> Option<Channel> {
        Some(Channel {
            freq_mhz: le16(data, 0)?,
            flags: le16(data, 2)?,
        })
    }
}

/// The XChannel field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XChannel {
    /// Channel flags.
    pub flags: u32,
    /// Centre frequency, MHz.
    pub freq_mhz: u16,
    /// Channel number.
    pub channel: u8,
    /// Maximum power.
    pub max_power: u8,
}

impl XChannel {
    /// Parses the 8 bytes of an XChannel field.
    pub fn parse(data: &[u8]) -> Option<XChannel> {
        Some(XChannel {
            flags: le32(data, 0)?,
            freq_mhz: le16(data, 4)?,
            channel: *data.get(6)?,
            max_power: *data.get(7)?,
        })
    }
}

/// The MCS field (802.11n HT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mcs {
    /// Which parts are known (0x01 bandwidth, 0x02 MCS index, 0x04 guard interval, ...).
    pub known: u8,
    /// Flags (0x03 bandwidth, 0x04 short GI, 0x08 greenfield, 0x10 LDPC, ...).
    pub flags: u8,
    /// MCS index.
    pub mcs: u8,
}

impl Mcs {
    /// Parses the 3 bytes of an MCS field.
    pub fn parse(data: &[u8]) -> Option<Mcs> {
        Some(Mcs {
            known: *data.first()?,
            flags: *data.get(1)?,
            mcs: *data.get(2)?,
        })
    }

    /// The MCS index, when known.
    pub fn index(&self) -> Option<u8> {
        (self.known & 0x02 != 0).then_some(self.mcs)
    }

    /// Whether the transmission used 40 MHz (false when unknown or 20/20L/20U).
    pub fn is_40mhz(&self) -> bool {
        self.known & 0x01 != 0 && self.flags & 0x03 == 1
    }

    /// Whether the short guard interval was used (false when unknown).
    pub fn short_gi(&self) -> bool {
        self.known & 0x04 != 0 && self.flags & 0x04 != 0
    }

    /// PHY rate in kbit/s (unknown bandwidth is taken as 20 MHz, unknown GI as long).
    pub fn rate_kbps(&self) -> Option<u32> {
        ht_rate_kbps(self.index()?, self.is_40mhz(), self.short_gi())
    }
}

/// The VHT field (802.11ac).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vht {
    /// Which parts are known (0x0004 guard interval, 0x0040 bandwidth, ...).
    pub known: u16,
    /// Flags (0x01 STBC, 0x04 short GI, ...).
    pub flags: u8,
    /// Bandwidth code (0..=25, see [`Vht::bandwidth_mhz`]).
    pub bandwidth: u8,
    /// Per-user MCS (high nibble) and NSS (low nibble).
    pub mcs_nss: [u8; 4],
    /// Per-user coding (bit n: user n uses LDPC).
    pub coding: u8,
    /// Group ID.
    pub group_id: u8,
    /// Partial AID.
    pub partial_aid: u16,
}

impl Vht {
    /// Parses the 12 bytes of a VHT field.
    pub fn parse(data: &[u8]) -> Option<Vht> {
        let d = data.get(..12)?;
        Some(Vht {
            known: u16::from_le_bytes([d[0], d[1]]),
            flags: d[2],
            bandwidth: d[3],
            mcs_nss: [d[4], d[5], d[6], d[7]],
            coding: d[8],
            group_id: d[9],
            partial_aid: u16::from_le_bytes([d[10], d[11]]),
        })
    }

    /// Bandwidth of the transmission in MHz, when known (the sideband codes give the width of
    /// the sideband actually used).
    pub fn bandwidth_mhz(&self) -> Option<u32> {
        if self.known & 0x0040 == 0 {
            return None;
        }
        match self.bandwidth & 0x1f {
            0 | 2 | 3 | 7..=10 | 18..=25 => Some(20),
            1 | 5 | 6 | 14..=17 => Some(40),
            4 | 12 | 13 => Some(80),
            11 => Some(160),
            _ => None,
        }
    }

    /// Whether the short guard interval was used (false when unknown).
    pub fn short_gi(&self) -> bool {
        self.known & 0x0004 != 0 && self.flags & 0x04 != 0
    }

    /// (MCS, NSS) of user `user` (0..4), when that user is present. MCS 15 means unknown.
    pub fn user(&self, user: usize) -> Option<(u8, u8)> {
        let v = *self.mcs_nss.get(user)?;
        let nss = v & 0x0f;
        (nss != 0).then_some((v >> 4, nss))
    }

    /// The first present user's (MCS, NSS).
    pub fn first_user(&self) -> Option<(u8, u8)> {
        (0..4).find_map(|u| self.user(u))
    }

    /// PHY rate of the first present user in kbit/s (bandwidth must be known).
    pub fn rate_kbps(&self) -> Option<u32> {
        let (mcs, nss) = self.first_user()?;
        vht_rate_kbps(mcs, nss, self.bandwidth_mhz()?, self.short_gi())
    }
}

/// The HE field (802.11ax): six little-endian u16 words, `data1`..`data6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct He {
    /// `data1` .. `data6`.
    pub data: [u16; 6],
}

impl He {
    /// Parses the 12 bytes of an HE field.
    pub fn parse(data: &[u8]) -> Option<He> {
        let mut words = [0u16; 6];
        for (i, w) in words.iter_mut().enumerate() {
            *w = le16(data, i * 2)?;
        }
        Some(He { data: words })
    }

    /// PPDU format: 0 HE_SU, 1 HE_EXT_SU, 2 HE_MU, 3 HE_TRIG.
    pub fn ppdu_format(&self) -> u8 {
        (self.data[0] & 0x0003) as u8
    }

    /// Data MCS, when known.
    pub fn mcs(&self) -> Option<u8> {
        (self.data[0] & 0x0020 != 0).then_some(((self.data[2] >> 8) & 0x0f) as u8)
    }

    /// Dual carrier modulation (false when unknown).
    pub fn dcm(&self) -> bool {
        self.data[0] & 0x0040 != 0 && self.data[2] & 0x1000 != 0
    }

    /// STBC (false when unknown).
    pub fn stbc(&self) -> bool {
        self.data[0] & 0x0200 != 0 && self.data[2] & 0x8000 != 0
    }

    /// Data bandwidth / RU allocation code (0 = 20, 1 = 40, 2 = 80, 3 = 160 MHz, 4 = 26-tone,
    /// 5 = 52-tone, 6 = 106-tone, 7 = 242-tone, 8 = 484-tone, 9 = 996-tone, 10 = 2×996-tone
    /// RU), when known.
    pub fn bw_ru(&self) -> Option<u8> {
        (self.data[0] & 0x4000 != 0).then_some((self.data[4] & 0x000f) as u8)
    }

    /// Guard interval code: 0 = 0.8 µs, 1 = 1.6 µs, 2 = 3.2 µs (3 is reserved). When the GI
    /// is not flagged known this reads as 0 (0.8 µs).
    pub fn gi(&self) -> u8 {
        if self.data[1] & 0x0002 != 0 {
            ((self.data[4] >> 4) & 0x03) as u8
        } else {
            0
        }
    }

    /// Number of space-time streams (0 = unknown).
    pub fn nsts(&self) -> u8 {
        (self.data[5] & 0x000f) as u8
    }

    /// Number of spatial streams (NSTS, halved under STBC), when known.
    pub fn nss(&self) -> Option<u8> {
        let nsts = self.nsts();
        if nsts == 0 {
            return None;
        }
        Some(if self.stbc() { (nsts / 2).max(1) } else { nsts })
    }

    /// PHY rate in kbit/s (MCS, bandwidth/RU and NSTS must be known).
    pub fn rate_kbps(&self) -> Option<u32> {
        he_rate_kbps(
            self.mcs()?,
            self.nss()?,
            self.bw_ru()?,
            self.gi(),
            self.dcm(),
        )
    }
}

/// Coded bits per subcarrier per stream and the coding rate (num, den) of MCS 0..=13
/// (HT MCS 0..=7 per stream, VHT 0..=9, plus 1024-QAM 10/11 and 4096-QAM 12/13).
const fn modulation(mcs: u8) -> Option<(u64, u64, u64)> {
    Some(match mcs {
        0 => (1, 1, 2),   // BPSK 1/2
        1 => (2, 1, 2),   // QPSK 1/2
        2 => (2, 3, 4),   // QPSK 3/4
        3 => (4, 1, 2),   // 16-QAM 1/2
        4 => (4, 3, 4),   // 16-QAM 3/4
        5 => (6, 2, 3),   // 64-QAM 2/3
        6 => (6, 3, 4),   // 64-QAM 3/4
        7 => (6, 5, 6),   // 64-QAM 5/6
        8 => (8, 3, 4),   // 256-QAM 3/4
        9 => (8, 5, 6),   // 256-QAM 5/6
        10 => (10, 3, 4), // 1024-QAM 3/4
        11 => (10, 5, 6), // 1024-QAM 5/6
        12 => (12, 3, 4), // 4096-QAM 3/4
        13 => (12, 5, 6), // 4096-QAM 5/6
        _ => return None,
    })
}

/// kbit/s from data subcarriers × coded bits (summed over streams) × rate num/den per
/// symbol of `symbol_ns` nanoseconds, rounded to the nearest kbit/s.
fn rate_from(subcarriers: u64, bits: u64, num: u64, den: u64, symbol_ns: u64) -> Option<u32> {
    let n = subcarriers * bits * num * 1_000_000;
    let d = den * symbol_ns;
    u32::try_from((n + d / 2) / d).ok()
}

/// Total coded bits per subcarrier (over all streams), coding-rate flag (true = 3/4, false =
/// 1/2) for the HT unequal-modulation MCS 33..=76.
const fn ht_unequal(mcs: u8) -> Option<(u64, bool)> {
    // Per-stream modulations (QPSK = 2, 16-QAM = 4, 64-QAM = 6 bits), summed.
    const TWO: [u64; 3] = [6, 8, 10]; // 16/Q, 64/Q, 64/16
    const THREE: [u64; 7] = [8, 10, 10, 12, 14, 14, 16];
    const FOUR: [u64; 12] = [10, 12, 14, 12, 14, 16, 18, 16, 18, 20, 20, 22];
    let i = mcs as usize;
    Some(match mcs {
        33..=38 => (TWO[(i - 33) % 3], i >= 36),
        39..=52 => (THREE[(i - 39) % 7], i >= 46),
        53..=76 => (FOUR[(i - 53) % 12], i >= 65),
        _ => return None,
    })
}

/// 802.11n (HT) PHY rate in kbit/s of MCS index `mcs` (0..=76) at 20 or 40 MHz with long
/// (800 ns) or short (400 ns) guard interval. MCS 32 exists at 40 MHz only.
pub fn ht_rate_kbps(mcs: u8, bw40: bool, short_gi: bool) -> Option<u32> {
    let subcarriers: u64 = if bw40 { 108 } else { 52 };
    let symbol_ns = if short_gi { 3600 } else { 4000 };
    match mcs {
        0..=31 => {
            let (bits, num, den) = modulation(mcs % 8)?;
            let nss = u64::from(mcs / 8 + 1);
            rate_from(subcarriers, bits * nss, num, den, symbol_ns)
        }
        // 40 MHz duplicate BPSK 1/2: 6 Mbit/s with long GI.
        32 if bw40 => rate_from(48, 1, 1, 2, symbol_ns),
        33..=76 => {
            let (bits, three_quarters) = ht_unequal(mcs)?;
            let (num, den) = if three_quarters { (3, 4) } else { (1, 2) };
            rate_from(subcarriers, bits, num, den, symbol_ns)
        }
        _ => None,
    }
}

/// 802.11ac (VHT) PHY rate in kbit/s of MCS 0..=9 (10 and 11, the 1024-QAM extension, are
/// accepted too) with `nss` 1..=8 spatial streams over 20, 40, 80 or 160 MHz. Returns `None`
/// for the combinations the standard excludes (e.g. 20 MHz MCS 9 with 1 stream).
pub fn vht_rate_kbps(mcs: u8, nss: u8, bw_mhz: u32, short_gi: bool) -> Option<u32> {
    if !(1..=8).contains(&nss) || mcs > 11 {
        return None;
    }
    let subcarriers: u64 = match bw_mhz {
        20 => 52,
        40 => 108,
        80 => 234,
        160 => 468,
        _ => return None,
    };
    let excluded = matches!(
        (bw_mhz, mcs, nss),
        (20, 9, 1 | 2 | 4 | 5 | 7 | 8) | (80, 6, 3 | 7) | (80, 9, 6) | (160, 9, 3)
    );
    if excluded {
        return None;
    }
    let (bits, num, den) = modulation(mcs)?;
    let symbol_ns = if short_gi { 3600 } else { 4000 };
    rate_from(subcarriers, bits * u64::from(nss), num, den, symbol_ns)
}

/// 802.11ax (HE) PHY rate in kbit/s of MCS 0..=11 with `nss` 1..=8 streams over the
/// bandwidth/RU given by the radiotap HE `data5` code `bw_ru` (0 = 20, 1 = 40, 2 = 80,
/// 3 = 160 MHz, 4 = 26-, 5 = 52-, 6 = 106-, 7 = 242-, 8 = 484-, 9 = 996-, 10 = 2×996-tone
/// RU), guard interval code `gi` (0 = 0.8, 1 = 1.6, 2 = 3.2 µs) and DCM (halves the rate).
pub fn he_rate_kbps(mcs: u8, nss: u8, bw_ru: u8, gi: u8, dcm: bool) -> Option<u32> {
    if !(1..=8).contains(&nss) || mcs > 11 {
        return None;
    }
    let subcarriers: u64 = match bw_ru {
        4 => 24,
        5 => 48,
        6 => 102,
        0 | 7 => 234,
        1 | 8 => 468,
        2 | 9 => 980,
        3 | 10 => 1960,
        _ => return None,
    };
    let symbol_ns = match gi {
        0 => 13_600,
        1 => 14_400,
        2 => 16_000,
        _ => return None,
    };
    let (bits, num, den) = modulation(mcs)?;
    let den = if dcm { den * 2 } else { den };
    rate_from(subcarriers, bits * u64::from(nss), num, den, symbol_ns)
}

/// Removes a radiotap header: parses the header, fills [`RadioInfo`] and returns the bytes
/// after `it_len` as the frame (the FCS is not stripped).
///
/// Each field is taken from its first occurrence in the radiotap namespace (so with
/// per-antenna namespaces the combined signal in the first namespace wins). Rate: the legacy
/// Rate field when present and non-zero, else computed from MCS (not for 60 GHz DMG frames),
/// VHT or HE. Frequency: the Channel field, else XChannel.
///
/// Errors: a header that fails [`Header::check_len`], or a field that runs past `it_len`
/// or is misplaced. An unknown radiotap field only ends the parsing: the fields before it
/// are reported and the frame is still returned.
pub fn decap(buf: &[u8]) -> Result<Decap<'_>> {
    match decap_one_word(buf) {
        Some(d) => Ok(d),
        None => decap_general(buf),
    }
}

/// [`decap`] by the general walk over every presence word and namespace.
fn decap_general(buf: &[u8]) -> Result<Decap<'_>> {
    let hdr = Header::new_checked(buf)?;
    let mut acc = Fieldset::default();
    let mut seen: u32 = 0;
    for f in hdr.fields() {
        let f = match f {
            Ok(f) => f,
            Err(e) if e.kind == ErrorKind::Unsupported => break,
            Err(e) => return Err(e),
        };
        if f.namespace != Namespace::Radiotap || f.index >= 32 {
            continue;
        }
        let bit = 1u32 << f.index;
        if seen & bit != 0 {
            continue;
        }
        seen |= bit;
        acc.take(f.index, f.data);
    }
    Ok(acc.finish(buf, usize::from(hdr.it_len())))
}

/// [`decap`] for the header nearly every capture has: one presence word, radiotap
/// namespace only, fields of known layout that all lie within `it_len`. `None` for anything
/// else, which the general walk then handles (with its errors). Same result as that walk,
/// without its per-field bookkeeping: this runs for every packet.
fn decap_one_word(buf: &[u8]) -> Option<Decap<'_>> {
    let fixed = buf.get(..HEADER_LEN)?;
    if fixed[0] != 0 {
        return None;
    }
    let it_len = usize::from(u16::from_le_bytes([fixed[2], fixed[3]]));
    let word = u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    if it_len < HEADER_LEN
        || it_len > buf.len()
        || word & (EXT_BIT | VENDOR_NS_BIT | RT_NS_BIT | 1 << field::TLV) != 0
    {
        return None;
    }
    let hdr = &buf[..it_len];
    let mut acc = Fieldset::default();
    let mut pos = HEADER_LEN;
    let mut rest = word;
    while rest != 0 {
        let index = rest.trailing_zeros();
        rest &= rest - 1;
        let (align, size) = field_layout(index)?;
        let start = align_up(pos, align)?;
        let data = hdr.get(start..start.checked_add(size)?)?;
        pos = start + size;
        acc.take(index, data);
    }
    Some(acc.finish(buf, it_len))
}

/// The fields [`decap`] reads, as they are met.
#[derive(Default)]
struct Fieldset {
    radio: RadioInfo,
    mcs: Option<Mcs>,
    vht: Option<Vht>,
    he: Option<He>,
    legacy_rate: Option<u8>,
    xchannel: Option<XChannel>,
}

impl Fieldset {
    /// Takes the first occurrence of radiotap field `index`, its bytes `d`.
    #[inline]
    fn take(&mut self, index: u32, d: &[u8]) {
        let radio = &mut self.radio;
        match index {
            field::TSFT => radio.tsft = le64(d, 0),
            field::FLAGS => {
                let fl = d.first().copied().unwrap_or(0);
                radio.fcs_present = fl & flags::FCS != 0;
                radio.bad_fcs = fl & flags::BAD_FCS != 0;
            }
            field::RATE => self.legacy_rate = d.first().copied().filter(|&r| r != 0),
            field::CHANNEL => {
                if let Some(c) = Channel::parse(d) {
                    if c.freq_mhz != 0 {
                        radio.freq_mhz = Some(u32::from(c.freq_mhz));
                    }
                    radio.channel_flags = Some(u32::from(c.flags));
                }
            }
            field::DBM_ANTSIGNAL => radio.signal_dbm = d.first().map(|&v| i32::from(v as i8)),
            field::DBM_ANTNOISE => radio.noise_dbm = d.first().map(|&v| i32::from(v as i8)),
            field::ANTENNA => radio.antenna = d.first().copied(),
            field::XCHANNEL => self.xchannel = XChannel::parse(d),
            field::MCS => self.mcs = Mcs::parse(d),
            field::VHT => self.vht = Vht::parse(d),
            field::HE => self.he = He::parse(d),
            _ => {}
        }
    }

    /// The radio information, and the frame after the `header_len` bytes of radiotap.
    fn finish(self, buf: &[u8], header_len: usize) -> Decap<'_> {
        let Fieldset {
            mut radio,
            mcs,
            vht,
            he,
            legacy_rate,
            xchannel,
        } = self;
        if let Some(x) = xchannel {
            if radio.freq_mhz.is_none() && x.freq_mhz != 0 {
                radio.freq_mhz = Some(u32::from(x.freq_mhz));
            }
            if radio.channel_flags.is_none() {
                radio.channel_flags = Some(x.flags);
            }
        }
        radio.mcs = mcs
            .and_then(|m| m.index())
            .or_else(|| {
                vht.and_then(|v| v.first_user())
                    .map(|(m, _)| m)
                    .filter(|&m| m != 15)
            })
            .or_else(|| he.and_then(|h| h.mcs()));
        // The MCS field of a 60 GHz (DMG) frame does not follow the HT rate table.
        let dmg = radio.freq_mhz.is_some_and(|f| f > 45_000);
        radio.rate_kbps = match legacy_rate {
            Some(r) => Some(u32::from(r) * 500),
            None => mcs
                .filter(|_| !dmg)
                .and_then(|m| m.rate_kbps())
                .or_else(|| vht.and_then(|v| v.rate_kbps()))
                .or_else(|| he.and_then(|h| h.rate_kbps())),
        };
        Decap {
            radio,
            header_len,
            frame: buf.get(header_len..).unwrap_or(&[]),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    /// The one-word fast path gives exactly what the general walk gives, on random headers:
    /// random presence bits (mostly one word, sometimes namespaces, extensions, TLVs and
    /// unknown fields), random lengths, random field bytes.
    #[test]
    fn fast_path_matches_the_general_walk() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut fast = 0;
        for _ in 0..200_000 {
            let r = next();
            let mut word = (r as u32) & 0x00ff_ffff;
            match r >> 60 {
                // Fields 24..=27, the TLV bit, namespace switches, the extension bit.
                0 => word |= 1 << (24 + (r >> 32) % 8),
                1 => word |= EXT_BIT,
                2 => word &= 0x0fff,
                3 => word &= 0x082f,
                _ => word &= 0x000f_ffff,
            }
            let body_len = ((r >> 24) % 80) as usize;
            let mut buf = std::vec![0u8; HEADER_LEN + body_len + 8];
            for b in buf.iter_mut() {
                *b = next() as u8;
            }
            buf[0] = if r >> 58 & 3 == 0 { 1 } else { 0 };
            buf[1] = 0;
            let it_len = match r >> 56 & 3 {
                0 => (HEADER_LEN + ((r >> 8) as usize % (body_len + 12))) as u16,
                _ => (HEADER_LEN + body_len) as u16,
            };
            buf[2..4].copy_from_slice(&it_len.to_le_bytes());
            buf[4..8].copy_from_slice(&word.to_le_bytes());
            if decap_one_word(&buf).is_some() {
                fast += 1;
            }
            assert_eq!(decap(&buf), decap_general(&buf), "{buf:02x?}");
        }
        // Most generated headers take the fast path, so the comparison means something.
        assert!(fast > 50_000, "{fast}");
    }

    /// The header every generated and most real captures carry: TSFT, flags, rate, channel,
    /// signal, antenna.
    #[test]
    fn fast_path_reads_the_common_header() {
        let mut buf = std::vec![0u8, 0, 0, 0];
        buf.extend(0x0000_082fu32.to_le_bytes());
        buf.extend(0x1122_3344_5566_7788u64.to_le_bytes()); // TSFT at 8
        buf.push(flags::FCS); // flags at 16
        buf.push(12); // rate 6 Mb/s
        buf.extend(2437u16.to_le_bytes()); // channel at 18
        buf.extend(0x00a0u16.to_le_bytes());
        buf.push((-42i8) as u8); // signal at 22
        buf.push(1); // antenna at 23
        let len = buf.len() as u16;
        buf[2..4].copy_from_slice(&len.to_le_bytes());
        buf.extend([0x80, 0, 0, 0]);
        let d = decap_one_word(&buf).expect("the fast path");
        assert_eq!(Ok(d), decap_general(&buf));
        assert_eq!(d.radio.tsft, Some(0x1122_3344_5566_7788));
        assert_eq!(d.radio.freq_mhz, Some(2437));
        assert_eq!(d.radio.signal_dbm, Some(-42));
        assert_eq!(d.radio.rate_kbps, Some(6000));
        assert_eq!(d.radio.antenna, Some(1));
        assert!(d.radio.fcs_present);
        assert_eq!(d.frame, &[0x80, 0, 0, 0]);
    }

    #[test]
    fn ht_rates() {
        assert_eq!(ht_rate_kbps(0, false, false), Some(6500));
        assert_eq!(ht_rate_kbps(7, false, false), Some(65000));
        assert_eq!(ht_rate_kbps(7, false, true), Some(72222));
        assert_eq!(ht_rate_kbps(15, true, true), Some(300_000));
        assert_eq!(ht_rate_kbps(31, true, true), Some(600_000));
        assert_eq!(ht_rate_kbps(32, true, false), Some(6000));
        assert_eq!(ht_rate_kbps(32, false, false), None);
        assert_eq!(ht_rate_kbps(33, false, false), Some(39000));
        assert_eq!(ht_rate_kbps(39, false, false), Some(52000));
        assert_eq!(ht_rate_kbps(76, false, false), Some(214_500));
        assert_eq!(ht_rate_kbps(76, true, true), Some(495_000));
        assert_eq!(ht_rate_kbps(77, true, true), None);
    }

    #[test]
    fn vht_rates() {
        assert_eq!(vht_rate_kbps(0, 1, 20, false), Some(6500));
        assert_eq!(vht_rate_kbps(8, 1, 20, true), Some(86667));
        assert_eq!(vht_rate_kbps(9, 1, 20, false), None);
        assert_eq!(vht_rate_kbps(9, 3, 20, false), Some(260_000));
        assert_eq!(vht_rate_kbps(9, 1, 80, true), Some(433_333));
        assert_eq!(vht_rate_kbps(9, 2, 80, true), Some(866_667));
        assert_eq!(vht_rate_kbps(9, 8, 160, true), Some(6_933_333));
        assert_eq!(vht_rate_kbps(6, 3, 80, false), None);
        assert_eq!(vht_rate_kbps(9, 0, 80, false), None);
    }

    #[test]
    fn he_rates() {
        assert_eq!(he_rate_kbps(11, 1, 0, 0, false), Some(143_382));
        assert_eq!(he_rate_kbps(11, 2, 2, 0, false), Some(1_200_980));
        assert_eq!(he_rate_kbps(0, 1, 0, 0, false), Some(8603));
        assert_eq!(he_rate_kbps(0, 1, 0, 2, false), Some(7313));
        assert_eq!(he_rate_kbps(0, 1, 0, 2, true), Some(3656));
        assert_eq!(he_rate_kbps(11, 8, 3, 0, false), Some(9_607_843));
        assert_eq!(he_rate_kbps(7, 1, 4, 0, false), Some(8824));
        assert_eq!(he_rate_kbps(12, 1, 0, 0, false), None);
    }

    #[test]
    fn he_field_rate() {
        // HE_SU, MCS 7 known, BW known 80 MHz, GI known 0.8, NSTS 2.
        let mut d = [0u8; 12];
        let data1: u16 = 0x0020 | 0x4000;
        let data2: u16 = 0x0002;
        let data3: u16 = 7 << 8;
        let data5: u16 = 2;
        let data6: u16 = 2;
        for (i, w) in [data1, data2, data3, 0, data5, data6].iter().enumerate() {
            d[i * 2..i * 2 + 2].copy_from_slice(&w.to_le_bytes());
        }
        let he = He::parse(&d).unwrap();
        assert_eq!(he.mcs(), Some(7));
        assert_eq!(he.nss(), Some(2));
        assert_eq!(he.rate_kbps(), he_rate_kbps(7, 2, 2, 0, false));
        assert_eq!(he.rate_kbps(), Some(720_588));
    }

    #[test]
    fn empty_and_short() {
        assert!(decap(&[]).is_err());
        assert!(decap(&[0, 0, 8, 0]).is_err());
        assert!(decap(&[0, 0, 7, 0, 0, 0, 0, 0]).is_err());
        assert!(decap(&[0, 0, 9, 0, 0, 0, 0, 0]).is_err());
        assert!(decap(&[1, 0, 8, 0, 0, 0, 0, 0]).is_err());
        // ext bit set but no second word within it_len
        assert!(decap(&[0, 0, 8, 0, 0, 0, 0, 0x80, 0, 0, 0, 0]).is_err());
        let d = decap(&[0, 0, 8, 0, 0, 0, 0, 0, 0xaa]).unwrap();
        assert_eq!(d.frame, &[0xaa]);
        assert_eq!(d.radio, RadioInfo::default());
    }

    #[test]
    fn both_namespace_bits_malformed() {
        let buf = [0, 0, 12, 0, 0, 0, 0, 0xe0, 0, 0, 0, 0];
        let h = Header::new_checked(&buf[..]).unwrap();
        let e = h.fields().next().unwrap().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
    }

    #[test]
    fn unknown_field_stops_but_decaps() {
        // word0: Rate + ext; word1 (fields 32..): bit 0 = field 32, unknown.
        let buf = [0, 0, 13, 0, 0x04, 0, 0, 0x80, 0x01, 0, 0, 0, 0x0c, 0x88];
        let d = decap(&buf).unwrap();
        assert_eq!(d.radio.rate_kbps, Some(6000));
        assert_eq!(d.frame, &[0x88]);
        let h = Header::new_checked(&buf[..]).unwrap();
        let mut it = h.fields();
        assert_eq!(it.next().unwrap().unwrap().index, field::RATE);
        assert_eq!(it.next().unwrap().unwrap_err().kind, ErrorKind::Unsupported);
        assert!(it.next().is_none());
    }

    #[test]
    fn tlv_list() {
        // TLV bit set: list of one S1G TLV (type 32, len 6) + padding.
        let mut buf = [0u8; 20];
        buf[2] = 20;
        buf[4..8].copy_from_slice(&(1u32 << 28).to_le_bytes());
        buf[8..10].copy_from_slice(&32u16.to_le_bytes());
        buf[10..12].copy_from_slice(&6u16.to_le_bytes());
        buf[12..18].copy_from_slice(&[1, 2, 3, 4, 5, 6]);
        let h = Header::new_checked(&buf[..]).unwrap();
        let f = h.fields().next().unwrap().unwrap();
        assert_eq!(f.index, field::TLV);
        assert_eq!(f.offset, 8);
        let mut t = Tlvs::new(f.data);
        let tlv = t.next().unwrap().unwrap();
        assert_eq!(tlv.kind, 32);
        assert_eq!(tlv.data, &[1, 2, 3, 4, 5, 6]);
        assert!(t.next().is_none());
        assert!(decap(&buf).is_ok());
    }

    #[test]
    fn vht_decap() {
        // VHT field alone: known BW + GI, SGI, 80 MHz, user0 MCS 9 NSS 2.
        let mut buf = [0u8; 20];
        buf[2] = 20;
        buf[4..8].copy_from_slice(&(1u32 << field::VHT).to_le_bytes());
        buf[8..10].copy_from_slice(&0x0044u16.to_le_bytes());
        buf[10] = 0x04;
        buf[11] = 4;
        buf[12] = 0x92;
        let d = decap(&buf).unwrap();
        assert_eq!(d.radio.mcs, Some(9));
        assert_eq!(d.radio.rate_kbps, Some(866_667));
    }

    #[test]
    fn first_signal_wins() {
        // word0: antsignal + RT NS + ext; word1: antsignal + antenna.
        let buf = [
            0, 0, 15, 0, 0x20, 0, 0, 0xa0, 0x20, 0x08, 0, 0, 0xc4, 0xb0, 0x01,
        ];
        let d = decap(&buf).unwrap();
        assert_eq!(d.radio.signal_dbm, Some(-60));
        assert_eq!(d.radio.antenna, Some(1));
    }
}
