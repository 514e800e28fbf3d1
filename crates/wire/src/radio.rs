//! What the radio headers (radiotap, PPI, PRISM, AVS) have in common: the radio information
//! of one captured frame, and the 802.11 frame they wrap.

/// A GPS fix carried inside a capture header (PPI-GEOLOCATION).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GpsFix {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, metres, when present.
    pub alt: Option<f64>,
}

/// Radio information about one frame, normalized across header formats. Every field is
/// optional because every header format leaves some out.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RadioInfo {
    /// Centre frequency in MHz.
    pub freq_mhz: Option<u32>,
    /// Antenna signal in dBm.
    pub signal_dbm: Option<i32>,
    /// Antenna noise in dBm.
    pub noise_dbm: Option<i32>,
    /// Data rate in kbit/s (legacy rate ×500, or computed from MCS/VHT/HE where possible).
    pub rate_kbps: Option<u32>,
    /// The frame carries its 4-byte FCS at the end.
    pub fcs_present: bool,
    /// The capture header says the FCS check failed.
    pub bad_fcs: bool,
    /// Antenna index.
    pub antenna: Option<u8>,
    /// MCS index (HT, VHT or HE) when the rate was given that way.
    pub mcs: Option<u8>,
    /// Channel flags or band information, as the header gave it (format-specific bits).
    pub channel_flags: Option<u32>,
    /// The TSF timer value, microseconds.
    pub tsft: Option<u64>,
    /// GPS fix, when the header carries one.
    pub gps: Option<GpsFix>,
}

/// The result of removing a radio header: radio information and the 802.11 frame bytes
/// (still including the FCS when `radio.fcs_present`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decap<'a> {
    /// Radio information from the header.
    pub radio: RadioInfo,
    /// Length of the radio header that was removed.
    pub header_len: usize,
    /// The wrapped frame.
    pub frame: &'a [u8],
}
