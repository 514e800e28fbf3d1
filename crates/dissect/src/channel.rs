//! Frequencies and channel numbers.

/// The channel number of a centre frequency in MHz (2.4 GHz, 5 GHz, 6 GHz, 60 GHz and the
/// 4.9 GHz public-safety band), or 0 when the frequency is on no 802.11 channel raster.
pub fn from_mhz(mhz: u32) -> u16 {
    let ch = match mhz {
        2484 => 14,
        2412..=2472 if (mhz - 2407) % 5 == 0 => (mhz - 2407) / 5,
        // 6 GHz: channel 2 is 5935 MHz, the rest 5955 + 5(n-1).
        5935 => 2,
        5955..=7115 if (mhz - 5950) % 5 == 0 => (mhz - 5950) / 5,
        4910..=4980 if (mhz - 4000) % 5 == 0 => (mhz - 4000) / 5,
        5000..=5925 if (mhz - 5000) % 5 == 0 => (mhz - 5000) / 5,
        58320..=70200 if (mhz - 56160) % 2160 == 0 => (mhz - 56160) / 2160,
        _ => 0,
    };
    ch as u16
}

#[cfg(test)]
mod tests {
    use super::from_mhz;

    #[test]
    fn known_channels() {
        assert_eq!(from_mhz(2412), 1);
        assert_eq!(from_mhz(2437), 6);
        assert_eq!(from_mhz(2472), 13);
        assert_eq!(from_mhz(2484), 14);
        assert_eq!(from_mhz(5180), 36);
        assert_eq!(from_mhz(5825), 165);
        assert_eq!(from_mhz(5955), 1);
        assert_eq!(from_mhz(6115), 33);
        assert_eq!(from_mhz(58320), 1);
        assert_eq!(from_mhz(2413), 0);
        assert_eq!(from_mhz(0), 0);
        assert_eq!(from_mhz(u32::MAX), 0);
    }
}
