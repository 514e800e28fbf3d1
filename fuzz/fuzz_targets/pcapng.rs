//! Arbitrary bytes as a pcapng file: every frame is delivered or the reader stops with an
//! error naming an offset inside the input; never a panic. The input read from a slice, in
//! dribbles of a few bytes, and from a file (format sniffing, `open`, the read-ahead input)
//! gives the same frames and the same error.
#![no_main]

mod capture_common;
mod sqlite_asan;

use std::path::Path;

use capture_common::{file, outcome, Trickle};
use libfuzzer_sys::fuzz_target;
use osprey_capture::pcapng::PcapngReader;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.pcapng");
    let whole = outcome(
        |f| PcapngReader::new(data, path).for_each_frame(f).map(drop),
        data.len(),
    );
    let trickle = outcome(
        |f| {
            PcapngReader::new(Trickle::new(data), path)
                .for_each_frame(f)
                .map(drop)
        },
        data.len(),
    );
    assert_eq!(whole, trickle);
    if data.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        if let Some(p) = file(data, "pcapng") {
            let from_file = outcome(
                |f| osprey_capture::for_each_frame(&p, f).map(drop),
                data.len(),
            );
            assert_eq!(whole, from_file);
        }
    }
});
