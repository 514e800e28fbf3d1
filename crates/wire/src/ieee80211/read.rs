//! Bounds-checked readers shared by the 802.11, EAPOL and WPS parsers. Every function returns
//! `None` instead of panicking when the requested bytes are not all inside the buffer.

/// `N` bytes at `off`, copied into an array.
pub(crate) fn array<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    let end = off.checked_add(N)?;
    let src = buf.get(off..end)?;
    let mut out = [0u8; N];
    out.copy_from_slice(src);
    Some(out)
}

/// A byte at `off`.
pub(crate) fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

/// A little-endian u16 at `off`.
pub(crate) fn le16(buf: &[u8], off: usize) -> Option<u16> {
    array::<2>(buf, off).map(u16::from_le_bytes)
}

/// A big-endian u16 at `off`.
pub(crate) fn be16(buf: &[u8], off: usize) -> Option<u16> {
    array::<2>(buf, off).map(u16::from_be_bytes)
}

/// A little-endian u32 at `off`.
pub(crate) fn le32(buf: &[u8], off: usize) -> Option<u32> {
    array::<4>(buf, off).map(u32::from_le_bytes)
}

/// A little-endian u64 at `off`.
pub(crate) fn le64(buf: &[u8], off: usize) -> Option<u64> {
    array::<8>(buf, off).map(u64::from_le_bytes)
}

/// A big-endian u64 at `off`.
pub(crate) fn be64(buf: &[u8], off: usize) -> Option<u64> {
    array::<8>(buf, off).map(u64::from_be_bytes)
}

/// `len` bytes at `off`.
pub(crate) fn slice(buf: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    let end = off.checked_add(len)?;
    buf.get(off..end)
}

/// Bytes from `off` to the end (empty when `off` is past the end).
pub(crate) fn tail(buf: &[u8], off: usize) -> &[u8] {
    buf.get(off..).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_never_panic() {
        let b = [1u8, 2, 3];
        assert_eq!(le16(&b, 0), Some(0x0201));
        assert_eq!(be16(&b, 1), Some(0x0203));
        assert_eq!(le16(&b, 2), None);
        assert_eq!(le32(&b, 0), None);
        assert_eq!(le64(&b, usize::MAX), None);
        assert_eq!(be64(&b, 0), None);
        assert_eq!(slice(&b, usize::MAX, 2), None);
        assert_eq!(slice(&b, 1, 2), Some(&b[1..]));
        assert_eq!(tail(&b, 10), &[] as &[u8]);
        assert_eq!(u8_at(&b, 3), None);
        assert_eq!(array::<0>(&b, 3), Some([]));
    }
}
