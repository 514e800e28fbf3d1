//! Decoding alone: how many packets per second the dissector handles, frames already in
//! memory (no file reading, no tracking, no logging).
//!
//! ```text
//! cargo run --release -p osprey-dissect --example decode_bench -- FILE...
//! cargo run --release -p osprey-dissect --example decode_bench -- --synthetic 1000000 [--write OUT.pcap]
//! ```
//!
//! The synthetic mix is radiotap frames from 50 access points and 500 clients: beacons, probe
//! requests and responses, authentication and association, QoS data, null data, ACKs and RTS,
//! some deauthentications, with signals and channels varying. `--write` also saves it as a
//! pcap (for timing `osprey analyze`).

use std::io::Write;
use std::time::Instant;

use osprey_capture::{Flow, Frame, Timestamp};
use osprey_dissect::Dissector;

/// Frame control, three addresses and a body.
type Mgmt = ([u8; 2], [u8; 6], [u8; 6], [u8; 6], Vec<u8>);

struct Owned {
    ts: Timestamp,
    dlt: u32,
    data: Vec<u8>,
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn radiotap(freq: u16, signal: i8, rate: u8) -> Vec<u8> {
    // present: flags(1) rate(2) channel(3) dbm_antsignal(5)
    let present: u32 = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5);
    let mut h = vec![0u8, 0, 0, 0];
    h.extend(present.to_le_bytes());
    h.push(0); // flags
    h.push(rate); // rate, 500 kbps units
    h.extend(freq.to_le_bytes()); // channel: 2-byte aligned at offset 10
    h.extend(0x00a0u16.to_le_bytes());
    h.push(signal as u8);
    let len = h.len() as u16;
    h[2..4].copy_from_slice(&len.to_le_bytes());
    h
}

fn mac(kind: u8, i: u64) -> [u8; 6] {
    [0x02, kind, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]
}

fn synthetic(n: usize) -> Vec<Owned> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let ap = r.below(50);
        let client = r.below(500);
        let bssid = mac(0xA0, ap);
        let sta = mac(0xC0, client);
        let ch = [2412u16, 2437, 2462, 5180, 5240][(ap % 5) as usize];
        let mut f = radiotap(
            ch,
            -30 - r.below(60) as i8,
            [2u8, 12, 108][r.below(3) as usize],
        );
        let roll = r.below(100);
        let (fc, a1, a2, a3, body): Mgmt = match roll {
            0..=29 => {
                // Beacon with SSID, rates, DS and an RSN element.
                let mut b = vec![0u8; 12];
                b[8] = 100;
                b[10] = 0x11;
                let ssid = format!("net-{ap:03}");
                b.extend([0, ssid.len() as u8]);
                b.extend(ssid.as_bytes());
                b.extend([
                    1, 8, 0x82, 0x84, 0x8b, 0x96, 0x24, 0x30, 0x48, 0x6c, 3, 1, 6,
                ]);
                b.extend([
                    48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2,
                    0x0c, 0,
                ]);
                ([0x80, 0], [0xff; 6], bssid, bssid, b)
            }
            30..=37 => {
                let mut b = vec![0, 0];
                b.extend([1, 4, 0x02, 0x04, 0x0b, 0x16]);
                ([0x40, 0], [0xff; 6], sta, [0xff; 6], b)
            }
            38..=43 => {
                let mut b = vec![0u8; 12];
                b.extend([0, 7]);
                b.extend(format!("net-{ap:03}").as_bytes());
                ([0x50, 0], sta, bssid, bssid, b)
            }
            44..=45 => ([0xb0, 0], bssid, sta, bssid, vec![0, 0, 1, 0, 0, 0]),
            46 => ([0x00, 0], bssid, sta, bssid, vec![0x11, 0, 10, 0, 0, 0]),
            47 => ([0xc0, 0], sta, bssid, bssid, vec![7, 0]),
            48..=79 => {
                // QoS data, to-DS, protected.
                let mut b = vec![0u8, 0]; // QoS control
                b.extend(std::iter::repeat_n(0x5a, 64 + r.below(400) as usize));
                ([0x88, 0x41], bssid, sta, [0x33, 0x33, 0, 0, 0, 1], b)
            }
            80..=84 => ([0x48, 0x01], bssid, sta, bssid, vec![]),
            85..=94 => {
                f.extend([0xd4, 0, 0, 0]);
                f.extend(sta);
                out.push(Owned {
                    ts: Timestamp::new(1_700_000_000 + (k / 1000) as i64, (k % 1000) as i64 * 1000),
                    dlt: 127,
                    data: f,
                });
                continue;
            }
            _ => {
                f.extend([0xb4, 0, 0, 0]);
                f.extend(bssid);
                f.extend(sta);
                out.push(Owned {
                    ts: Timestamp::new(1_700_000_000 + (k / 1000) as i64, (k % 1000) as i64 * 1000),
                    dlt: 127,
                    data: f,
                });
                continue;
            }
        };
        f.extend(fc);
        f.extend([0, 0]);
        f.extend(a1);
        f.extend(a2);
        f.extend(a3);
        f.extend(((k as u16) << 4).to_le_bytes());
        f.extend(body);
        out.push(Owned {
            ts: Timestamp::new(1_700_000_000 + (k / 1000) as i64, (k % 1000) as i64 * 1000),
            dlt: 127,
            data: f,
        });
    }
    out
}

fn write_pcap(path: &str, frames: &[Owned]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&[0; 8])?;
    w.write_all(&65535u32.to_le_bytes())?;
    w.write_all(&127u32.to_le_bytes())?;
    for f in frames {
        w.write_all(&(f.ts.sec as u32).to_le_bytes())?;
        w.write_all(&(f.ts.usec as u32).to_le_bytes())?;
        w.write_all(&(f.data.len() as u32).to_le_bytes())?;
        w.write_all(&(f.data.len() as u32).to_le_bytes())?;
        w.write_all(&f.data)?;
    }
    w.flush()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut frames = Vec::new();
    let label;
    if args.first().map(String::as_str) == Some("--synthetic") {
        let n = args
            .get(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        frames = synthetic(n);
        label = format!("synthetic {n} frames");
        if let (Some("--write"), Some(out)) = (args.get(2).map(String::as_str), args.get(3)) {
            if let Err(e) = write_pcap(out, &frames) {
                eprintln!("{out}: {e}");
                std::process::exit(1);
            }
        }
    } else {
        for a in &args {
            let _ = osprey_capture::for_each_frame(std::path::Path::new(a), &mut |f| {
                frames.push(Owned {
                    ts: f.ts,
                    dlt: f.dlt,
                    data: f.data.to_vec(),
                });
                Flow::Continue
            });
        }
        label = args.join(" ");
    }
    if frames.is_empty() {
        eprintln!("usage: decode_bench FILE... | --synthetic N [--write OUT.pcap]");
        std::process::exit(2);
    }
    let bytes: usize = frames.iter().map(|f| f.data.len()).sum();
    // Repeat small inputs so each measurement covers at least ~2M packets.
    let passes = (2_000_000 / frames.len()).max(1);
    let mut best = f64::MAX;
    let mut checksum = 0u64;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..passes {
            let mut d = Dissector::new();
            for f in &frames {
                let frame = Frame {
                    ts: f.ts,
                    dlt: f.dlt,
                    data: &f.data,
                    orig_len: f.data.len() as u32,
                    interface: 0,
                    offset: 0,
                    gps: None,
                };
                let p = d.dissect(&frame);
                checksum = checksum
                    .wrapping_add(u64::from(p.hash))
                    .wrapping_add(p.source.longmac());
                if let Some(d11) = p.dot11() {
                    checksum =
                        checksum.wrapping_add(d11.ssid().map(|s| s.len() as u64).unwrap_or(0));
                }
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let n = (frames.len() * passes) as f64;
    println!(
        "{label}: {} frames x {passes} passes, best of 3: {:.0} packets/s, {:.1} MB/s (checksum {checksum:x})",
        frames.len(),
        n / best,
        (bytes * passes) as f64 / 1e6 / best
    );
}
