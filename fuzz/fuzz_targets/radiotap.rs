//! Radiotap decapsulation (and, on the same input, PRISM and AVS): never panics, and a
//! successful decap accounts for every byte of the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use osprey_wire::{avs, prism, radiotap};

fn check(d: &osprey_wire::radio::Decap<'_>, len: usize) {
    assert!(d.header_len <= len);
    assert_eq!(d.header_len + d.frame.len(), len);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = radiotap::decap(data) {
        check(&d, data.len());
    }
    let h = radiotap::Header::new_unchecked(data);
    let _ = (h.it_version(), h.it_pad(), h.it_len(), h.payload().len());
    let _ = h.fields_offset();
    for w in h.presence_words() {
        let _ = w.is_present(w.base + 5);
    }
    for f in h.fields().flatten() {
        assert!(f.offset + f.data.len() <= h.header_bytes().len());
        if f.namespace != radiotap::Namespace::Radiotap {
            continue;
        }
        match f.index {
            radiotap::field::CHANNEL => {
                let _ = radiotap::Channel::parse(f.data);
            }
            radiotap::field::XCHANNEL => {
                let _ = radiotap::XChannel::parse(f.data);
            }
            radiotap::field::MCS => {
                let _ = radiotap::Mcs::parse(f.data).map(|m| m.rate_kbps());
            }
            radiotap::field::VHT => {
                let _ = radiotap::Vht::parse(f.data).map(|v| v.rate_kbps());
            }
            radiotap::field::HE => {
                let _ = radiotap::He::parse(f.data).map(|v| v.rate_kbps());
            }
            radiotap::field::TLV => radiotap::Tlvs::new(f.data).for_each(|t| {
                let _ = t;
            }),
            _ => {}
        }
    }
    if let [a, b, c, d, ..] = *data {
        let _ = radiotap::ht_rate_kbps(a, b & 1 != 0, b & 2 != 0);
        let _ = radiotap::vht_rate_kbps(a, c, u32::from(d) * 20, b & 4 != 0);
        let _ = radiotap::he_rate_kbps(a, c, d, b, b & 8 != 0);
    }
    if let Ok(d) = prism::decap(data) {
        check(&d, data.len());
    }
    let p = prism::Header::new_unchecked(data);
    let _ = (p.is_big_endian(), p.msgcode(), p.devname().len());
    for i in 0..=prism::ITEM_COUNT {
        let _ = p.value(i);
    }
    if let Ok(d) = avs::decap(data) {
        check(&d, data.len());
    }
    let a = avs::Header::new_unchecked(data);
    let _ = (a.length(), a.mactime(), a.ssi_signal(), a.payload().len());
});
