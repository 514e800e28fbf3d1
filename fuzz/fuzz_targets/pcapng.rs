//! Arbitrary bytes as a pcapng file: every frame is delivered or the reader stops with an
//! error naming an offset inside the input; never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use osprey_capture::Flow;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = Ok::<_, osprey_capture::CaptureError>(osprey_capture::pcapng::PcapngReader::new(data, Path::new("fuzz.pcapng"))) else {
        return;
    };
    let mut frames = 0u64;
    let result = reader.for_each_frame(&mut |f| {
        assert!(f.data.len() <= data.len());
        frames += 1;
        Flow::Continue
    });
    if let Err(e) = result {
        let _ = e.to_string();
    }
});
