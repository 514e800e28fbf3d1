//! CRC-32 (IEEE 802.3 polynomial, reflected), as used by the 802.11 FCS and by Kismet's
//! duplicate detection.

/// The CRC-32 of `data` (initial value all ones, final complement), e.g. the FCS of an 802.11
/// frame. Every packet is hashed (duplicate detection) and many are FCS-checked, so this runs
/// on the hot path: `crc32fast` folds 16 bytes at a time with carry-less multiplication where
/// the CPU has it, several times faster than a byte-at-a-time table.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::crc32(b""), 0);
    }
}
