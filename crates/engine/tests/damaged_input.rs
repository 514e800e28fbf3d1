//! Generated damage: real captures cut at every byte, and with random bit flips, go through
//! the whole packet path (read, dissect, track, detect) without a panic. A reader error names
//! the file and, once the format is known, the offset; every frame before the damage is
//! delivered, unchanged.

use std::path::{Path, PathBuf};

use osprey_capture::{CaptureError, Flow};
use osprey_engine::{Engine, EngineOptions};

fn shared() -> PathBuf {
    match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Small captures of every container and link type: (file, step between cut points).
const FILES: &[(&str, usize)] = &[
    ("radiotap/aircrack_wpa3-psk.pcap", 1),
    ("pcapng/wireshark_wep.pcapng", 1),
    ("prism/aircrack_wpa.cap", 1),
    ("ppi/packetnet_80211_ppi_multiplefields.pcap", 1),
    ("radiotap/tcpdump_ieee802.11_exthdr.pcap", 1),
    ("ble/bsniffhub_connection-update.pcap", 7),
    ("pcapng/wireshark_wpa-test-decode-tdls.pcapng", 3),
    ("raw80211/aircrack_n-02.cap", 13),
];

/// Frames as delivered: (record offset, bytes).
type Frames = Vec<(u64, Vec<u8>)>;

/// Reads a file through the whole packet path (one engine for a whole test, as a server
/// reading many files would); returns the frames and how reading ended.
fn run(
    engine: &mut Engine,
    path: &Path,
) -> (Frames, Result<osprey_capture::SourceStats, CaptureError>) {
    engine.begin_source(path, "pcapfile");
    let mut frames = Vec::new();
    let r = osprey_capture::for_each_frame(path, &mut |f| {
        frames.push((f.offset, f.data.to_vec()));
        match engine.process(f) {
            Ok(_) => Flow::Continue,
            Err(e) => panic!("{}: engine error: {e}", path.display()),
        }
    });
    engine
        .end_source(path, r.as_ref().err())
        .expect("end of source");
    (frames, r)
}

/// The error names the file, and the offset when the format was recognised (4 bytes and
/// more: the magic number is known).
fn check_error(path: &Path, e: &CaptureError, len: usize) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error lacks the file name: {msg}"
    );
    if len >= 4
        && matches!(
            e,
            CaptureError::Truncated { .. } | CaptureError::Malformed { .. }
        )
    {
        assert!(msg.contains("offset"), "error lacks the offset: {msg}");
    }
}

/// How many of `full`'s frames lie wholly within the first `n` bytes: a frame ends where the
/// next one starts (or at the end of the file for the last).
fn whole_before(full: &Frames, n: usize, file_len: usize) -> usize {
    (0..full.len())
        .filter(|&i| {
            let end = full.get(i + 1).map_or(file_len as u64, |f| f.0);
            end <= n as u64
        })
        .count()
}

#[test]
fn captures_cut_at_every_byte_keep_every_whole_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::new(EngineOptions::default()).expect("engine");
    let mut cuts = 0;
    for (name, step) in FILES {
        let src = shared().join(name);
        let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let (full, r) = run(&mut engine, &src);
        assert!(r.is_ok(), "{name}: {:?}", r.err());
        assert!(!full.is_empty(), "{name}: no frames");
        let cut_path = dir.path().join("cut.bin");
        for n in (0..bytes.len()).step_by(*step) {
            std::fs::write(&cut_path, &bytes[..n]).unwrap();
            let (got, r) = run(&mut engine, &cut_path);
            if let Err(e) = &r {
                check_error(&cut_path, e, n);
            }
            assert!(got.len() <= full.len(), "{name} cut at {n}: extra frames");
            assert_eq!(
                got[..],
                full[..got.len()],
                "{name} cut at {n}: frames changed"
            );
            let must = whole_before(&full, n, bytes.len());
            assert!(
                got.len() >= must,
                "{name} cut at {n}: {} frames delivered, {must} were whole",
                got.len()
            );
            cuts += 1;
        }
    }
    assert!(cuts > 12_000, "only {cuts} cut points");
}

/// xorshift64*: a fixed sequence, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_bit_flips_never_panic_and_keep_the_frames_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::new(EngineOptions::default()).expect("engine");
    let mut rng = Rng(0x05_9e_7a_11);
    let (mut variants, mut errors) = (0, 0);
    for (name, _) in FILES {
        let src = shared().join(name);
        let bytes = std::fs::read(&src).unwrap();
        let (full, _) = run(&mut engine, &src);
        let path = dir.path().join("flipped.bin");
        for _ in 0..250 {
            let mut b = bytes.clone();
            let flips = 1 + rng.next() % 4;
            let mut first = b.len();
            for _ in 0..flips {
                let at = (rng.next() % b.len() as u64) as usize;
                b[at] ^= 1 << (rng.next() % 8);
                first = first.min(at);
            }
            std::fs::write(&path, &b).unwrap();
            let (got, r) = run(&mut engine, &path);
            if let Err(e) = &r {
                check_error(&path, e, b.len());
                errors += 1;
            }
            let must = whole_before(&full, first, bytes.len());
            assert!(
                got.len() >= must,
                "{name}: flip at {first}: {} frames delivered, {must} came before it",
                got.len()
            );
            assert_eq!(
                got[..must],
                full[..must],
                "{name}: flip at {first}: frames before it changed"
            );
            variants += 1;
        }
    }
    assert_eq!(variants, FILES.len() * 250);
    // Some damage must have been reported, or the check above proved nothing about errors.
    assert!(errors > 50, "only {errors} damaged files were refused");
}
