//! The radiotap library's parser test vectors (`radiotap-library/check/*.bin` + `*.out`).
//!
//! Each `.out` is what the library's `parse` test program prints for the `.bin`: one line per
//! field it knows (TSFT, flags, rate, RX flags, "FCS in header" with `--fcshdr`), vendor
//! namespaces it knows field by field (OUI 00:00:00 sub-namespace 0, fields 0 and 52, four
//! bytes each) or dumps whole ("vendor NS (...)"), and "malformed radiotap data" when the
//! iteration fails. This test renders our parser's view of each `.bin` the same way and
//! compares the lines, then checks `decap` on the same inputs.

use std::fmt::Write as _;
use std::path::PathBuf;

use osprey_wire::radiotap::{self, field, Header, Namespace, NamespaceKind};

fn shared_data() -> PathBuf {
    match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    }
}

fn vectors_dir() -> PathBuf {
    let dir = shared_data().join("radiotap-headers/radiotap-library-check");
    assert!(
        dir.is_dir(),
        "test data not found at {} (set OSPREY_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// The vendor namespace the library's test program knows: OUI 00:00:00, sub-namespace 0,
/// fields 0 and 52 of 4 bytes, alignment 1.
fn known_vendor_field(oui: [u8; 3], sub_ns: u8, index: u32) -> Option<usize> {
    (oui == [0, 0, 0] && sub_ns == 0 && (index == 0 || index == 52)).then_some(4)
}

/// Renders the fields of `buf` the way the library's `parse` program prints them.
fn render(buf: &[u8], fcshdr: bool) -> Vec<String> {
    let mut out = Vec::new();
    let hdr = match Header::new_checked(buf) {
        Ok(h) => h,
        Err(_) => {
            out.push("malformed radiotap data".to_string());
            return out;
        }
    };
    // Presence words of each vendor namespace, in order of appearance.
    let mut vendor_groups: Vec<Vec<radiotap::PresenceWord>> = Vec::new();
    for w in hdr.presence_words() {
        if w.namespace == NamespaceKind::Vendor {
            if w.base == 0 {
                vendor_groups.push(Vec::new());
            }
            vendor_groups.last_mut().unwrap().push(w);
        }
    }
    let mut vendor_no = 0;
    for f in hdr.fields() {
        let f = match f {
            Ok(f) => f,
            Err(_) => {
                out.push("malformed radiotap data".to_string());
                break;
            }
        };
        match f.namespace {
            Namespace::Radiotap => match f.index {
                field::TSFT => {
                    let v = u64::from_le_bytes(f.data.try_into().unwrap());
                    out.push(format!("\tTSFT: {v}"));
                }
                field::FLAGS => out.push(format!("\tflags: {:02x}", f.data[0])),
                field::RATE => out.push(format!("\trate: {:.6}", f64::from(f.data[0]) / 2.0)),
                field::RX_FLAGS if fcshdr => {
                    // With --fcshdr the program reads bit 14 as the old "FCS in header"
                    // proposal (u32, 4-aligned). We follow the current standard (RX flags,
                    // u16); the 4 bytes at the same place are the value it printed.
                    assert_eq!(f.offset % 4, 0);
                    let b = &hdr.header_bytes()[f.offset..f.offset + 4];
                    let v = u32::from_le_bytes(b.try_into().unwrap());
                    out.push(format!("\tFCS in header: {v:08x}"));
                }
                field::RX_FLAGS => {
                    let v = u16::from_le_bytes(f.data.try_into().unwrap());
                    out.push(format!("\tRX flags: {v:04x}"));
                }
                _ => {}
            },
            Namespace::Vendor { oui, sub_ns } => {
                assert_eq!(f.index, field::VENDOR_NAMESPACE);
                let words = vendor_groups.get(vendor_no).cloned().unwrap_or_default();
                vendor_no += 1;
                let known_ns = oui == [0, 0, 0] && sub_ns == 0;
                if !known_ns {
                    out.push(format!(
                        "\tvendor NS ({:02x}-{:02x}-{:02x}:{}, {} bytes)",
                        oui[0],
                        oui[1],
                        oui[2],
                        sub_ns,
                        f.data.len()
                    ));
                    let mut line = String::from("\t\t");
                    for (i, b) in f.data.iter().enumerate() {
                        if i > 0 {
                            line.push(' ');
                        }
                        write!(line, "{b:02x}").unwrap();
                    }
                    out.push(line);
                    continue;
                }
                // Walk the vendor fields in bit order; stop at the first unknown one.
                let mut pos = 0usize;
                'words: for w in &words {
                    for bit in 0..29u32 {
                        if w.bits & (1 << bit) == 0 {
                            continue;
                        }
                        let index = w.base + bit;
                        let Some(size) = known_vendor_field(oui, sub_ns, index) else {
                            break 'words;
                        };
                        let d = &f.data[pos..pos + size];
                        out.push(format!(
                            "\t00:00:00-00|{index}: {:02x}/{:02x}/{:02x}/{:02x}",
                            d[0], d[1], d[2], d[3]
                        ));
                        pos += size;
                    }
                }
            }
        }
    }
    out
}

#[test]
fn library_check_vectors() {
    let dir = vectors_dir();
    let mut bins: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    bins.sort();
    assert_eq!(
        bins.len(),
        10,
        "expected the 10 vectors of radiotap-library/check"
    );
    for bin in &bins {
        let buf = std::fs::read(bin).unwrap();
        let expected_text = std::fs::read_to_string(bin.with_extension("out")).unwrap();
        let expected: Vec<&str> = expected_text.lines().collect();
        let args = std::fs::read_to_string(bin.with_extension("args")).unwrap_or_default();
        let fcshdr = args.contains("--fcshdr");
        let got = render(&buf, fcshdr);
        assert_eq!(got, expected, "{}", bin.display());

        // decap agrees: errors exactly for the malformed vector, never panics.
        let malformed = expected.iter().any(|l| l.contains("malformed"));
        let d = radiotap::decap(&buf);
        assert_eq!(d.is_err(), malformed, "{}: {d:?}", bin.display());
        // Every prefix, too, gives a result rather than a panic.
        for n in 0..buf.len() {
            let _ = radiotap::decap(&buf[..n]);
            let h = Header::new_unchecked(&buf[..n]);
            for _ in h.fields() {}
            for _ in h.presence_words() {}
        }
    }
}

fn vector(name: &str) -> &'static [u8] {
    std::fs::read(vectors_dir().join(name)).unwrap().leak()
}

#[test]
fn decap_values() {
    // 0.bin: TSFT only; the payload is whatever follows it_len (nothing here).
    let d = radiotap::decap(vector("0.bin")).unwrap();
    assert_eq!(d.radio.tsft, Some(9833440827789222417));
    assert_eq!(d.header_len, 16);
    assert!(d.frame.is_empty());

    // 00.bin: TSFT twice (second namespace): the first one is reported.
    let d = radiotap::decap(vector("00.bin")).unwrap();
    assert_eq!(d.radio.tsft, Some(9833440827789222417));

    // 0v0-4.bin: TSFT, vendor namespace, TSFT again in a new radiotap namespace.
    let d = radiotap::decap(vector("0v0-4.bin")).unwrap();
    assert_eq!(d.radio.tsft, Some(9833440827789222417));
    assert_eq!(d.header_len, 56);

    // 1.bin: flags 0x33 = CFP | short preamble | FCS | data pad.
    let d = radiotap::decap(vector("1.bin")).unwrap();
    assert!(d.radio.fcs_present);
    assert!(!d.radio.bad_fcs);
    assert_eq!(d.header_len, 9);

    // unparsed-vendor.bin: flags, rate, channel, signal, antenna, RX flags, a vendor
    // namespace (ff-ff-ff:255) and a second Rate in a new radiotap namespace.
    let d = radiotap::decap(vector("unparsed-vendor.bin")).unwrap();
    assert!(d.radio.fcs_present);
    assert_eq!(d.radio.rate_kbps, Some(1000));
    assert_eq!(d.radio.freq_mhz, Some(2462));
    assert_eq!(d.radio.channel_flags, Some(0x00a0));
    assert_eq!(d.radio.signal_dbm, Some(-29));
    assert_eq!(d.radio.antenna, Some(5));
    assert_eq!(d.header_len, 39);
    assert!(d.frame.is_empty());

    // malformed-vendor.bin: the vendor namespace descriptor runs past it_len.
    let e = radiotap::decap(vector("malformed-vendor.bin")).unwrap_err();
    assert_eq!(e.kind, osprey_wire::ErrorKind::Truncated);
    assert_eq!(e.layer, "radiotap");
}

#[test]
fn presence_words_of_vendor_vector() {
    // 0v0-4.bin: word 0 radiotap (TSFT, vendor NS, ext); words 1-2 vendor namespace (bits
    // 0-31, then 32-63 with field 52 and the radiotap-NS bit); word 3 radiotap (TSFT).
    let h = Header::new_checked(vector("0v0-4.bin")).unwrap();
    let words: Vec<_> = h.presence_words().collect();
    assert_eq!(words.len(), 4);
    assert_eq!(
        words.iter().map(|w| w.namespace).collect::<Vec<_>>(),
        [
            NamespaceKind::Radiotap,
            NamespaceKind::Vendor,
            NamespaceKind::Vendor,
            NamespaceKind::Radiotap
        ]
    );
    assert_eq!(
        words.iter().map(|w| w.base).collect::<Vec<_>>(),
        [0, 0, 32, 0]
    );
    assert!(words[2].is_present(52));
    assert!(words[2].is_present(field::RADIOTAP_NAMESPACE + 32));
    assert!(words[3].is_present(field::TSFT));
    assert_eq!(h.fields_offset().unwrap(), 20);
    let fields: Vec<_> = h.fields().map(|f| f.unwrap()).collect();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0].offset, 24);
    assert_eq!(
        fields[1].namespace,
        Namespace::Vendor {
            oui: [0, 0, 0],
            sub_ns: 0
        }
    );
    assert_eq!(fields[1].data, [0xff, 0xee, 0xdd, 0xcc]);
    assert_eq!(fields[2].offset, 48);
}
