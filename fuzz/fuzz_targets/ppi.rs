//! PPI decapsulation: never panics, and a successful decap accounts for every byte of the
//! input; every field parser (802.11-Common, 802.11n MAC and MAC+PHY, GPS) copes with any
//! field data.
#![no_main]
use libfuzzer_sys::fuzz_target;
use osprey_wire::ppi;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = ppi::decap(data) {
        assert!(d.header_len <= data.len());
        assert_eq!(d.header_len + d.frame.len(), data.len());
        if let Some(g) = d.radio.gps {
            assert!(g.lat.is_finite() && g.lon.is_finite());
        }
    }
    let h = ppi::Header::new_unchecked(data);
    let _ = (h.version(), h.flags(), h.len(), h.dlt(), h.payload().len());
    for f in h.fields().flatten() {
        let _ = ppi::Common::parse(f.data);
        let _ = ppi::MacExt::parse(f.data);
        let _ = ppi::MacPhyExt::parse(f.data).map(|m| m.rate_kbps());
        let _ = ppi::parse_gps(f.data).map(|g| g.fix());
    }
    // The GPS tag parser on its own, from the start of the input.
    let _ = ppi::parse_gps(data);
});
