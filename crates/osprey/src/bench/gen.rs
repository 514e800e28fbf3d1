//! `osprey bench gen`: a deterministic synthetic workload, written as a radiotap pcap.
//!
//! ```text
//! osprey bench gen -o OUT.pcap [--frames 200k] [--aps 500] [--clients 5000] [--seed 1]
//!                  [--duration-secs 600] [--mac-flood] [-f]
//! ```
//!
//! The same arguments always give the same bytes. The capture is what a monitor-mode radio
//! hopping over the 2.4 GHz (1, 6, 11) and 5 GHz (36 to 165) channels would record from a
//! busy site:
//!
//! * **Access points** each have a fixed BSSID, channel, SSID, beacon interval, TSF clock and
//!   crypto: mostly WPA2-PSK (CCMP), some WPA3-SAE (MFP required), some open, a few
//!   WPA2-Enterprise. Their beacons carry real elements (SSID, supported rates, DS parameter
//!   set, TIM, country, RSN, HT capabilities and operation, extended capabilities, WMM); probe
//!   responses carry the same ones (no TIM). Channel, crypto, country, interval and SSID never
//!   change, and each AP's TSF runs from a fixed offset of the capture clock.
//! * **Clients**: four in five are associated to one access point; the others only probe (for
//!   networks that are not there). Associated clients exchange data (QoS data when they are
//!   HT capable, protected with a CCMP header on encrypted networks, LLC/IPv4/TCP on open
//!   ones), null frames, and join: authentication (open, or SAE commit/confirm on WPA3),
//!   association or reassociation, an 802.1X exchange on enterprise networks, then the 4-way
//!   handshake with the proper key information bits, a fresh ANonce and SNonce per handshake
//!   and a replay counter that only grows per client.
//! * **Control frames** around the data: RTS/CTS, ACKs, Block Ack requests and Block Acks.
//! * **Attacks** (only when there are at least [`MIN_FRAMES_FOR_ATTACKS`] frames): at 40 % of
//!   the capture a deauthentication flood ([`FLOOD_FRAMES`] frames within about one second)
//!   sent in an access point's name to one of its clients, and at 70 % a burst of
//!   [`BCAST_FRAMES`] broadcast disassociations in another access point's name. The clients
//!   they target send nothing from shortly before the attack; right after it they
//!   authenticate, associate and run the handshake again, and their traffic resumes. With
//!   Osprey's default rates the capture raises DEAUTHFLOOD twice (the 11th and 22nd
//!   deauthentications) and BCASTDISCON twice (the burst limit is 2 per second), and nothing
//!   else: the clean part raises no alert, even with every alert enabled. The flood needs an
//!   associated client, the burst an access point with one.
//!
//! Every access point beacons within the first `--aps` beacons, and clients are introduced
//! progressively, all by the middle of the capture, so the device tracker sees exactly
//! `--aps` access points and `--clients` clients when there are enough frames (about ten per
//! device). A client's first frame is one it sends. Control frames carry varied durations so
//! that no two frames are byte-identical (Kismet's duplicate rule).
//!
//! With `--mac-flood` the capture is a flood of new client addresses instead (what a MAC
//! randomising attack tool sends to exhaust a monitor's memory): one frame in
//! [`FLOOD_BEACON_EVERY`] is a beacon of one of the `--aps` access points (in turn), and every
//! other frame comes from a client address never used before, alternately a probe request
//! (wildcard SSID) and a protected data frame to one of the access points. The addresses are
//! locally administered, unicast, and distinct (a bijective scramble of the frame's number), so
//! the device tracker sees `--aps` access points and one new client per flood frame.
//! `--clients` is ignored and there are no attack bursts.
//!
//! Frames are built one at a time in one reused buffer and streamed through a `BufWriter` to
//! a temporary file next to the output, renamed when complete: memory does not grow with
//! `--frames`. Timestamps are spread evenly over `--duration-secs`, starting at
//! 2025-01-01T00:00:00Z.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Write a deterministic synthetic capture.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pcap file to write (radiotap, link type 127).
    #[arg(short = 'o', long = "output", value_name = "OUT.pcap")]
    pub output: PathBuf,
    /// Number of frames: a count, or a size such as `200k` or `2m`.
    #[arg(long, default_value = "200000", value_parser = parse_count)]
    pub frames: u64,
    /// Number of access points.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub aps: u32,
    /// Number of clients (a fifth of them only probe).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub clients: u32,
    /// Seed of the pseudo-random generator: the same arguments give the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Capture time covered by the frames, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub duration_secs: u64,
    /// Write a flood of new client addresses instead of the site: every frame but the
    /// access points' beacons comes from a client address never used before.
    #[arg(long)]
    pub mac_flood: bool,
    /// Overwrite the output file if it exists.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// Parses a frame count: digits (underscores allowed), optionally followed by `k` (thousand)
/// or `m` (million), case-insensitive.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1_000u64),
        Some((i, 'm' | 'M')) => (&t[..i], 1_000_000u64),
        _ => (t.as_str(), 1u64),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a count (like 20000, 200k or 2m)"));
    }
    let n: u64 = digits.parse().map_err(|_| format!("{s:?} is too large"))?;
    let n = n
        .checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if n == 0 {
        return Err("the frame count must be at least 1".into());
    }
    Ok(n)
}

/// The period of the NAV durations of ACK and CTS frames (prime, so that `* 1103` permutes).
const NAV_PERIOD: u32 = 3001;

/// The capture starts at 2025-01-01T00:00:00Z.
pub const EPOCH_SECS: u64 = 1_735_689_600;
/// Captures shorter than this get no attack bursts (the clean mix only).
pub const MIN_FRAMES_FOR_ATTACKS: u64 = 1000;
/// Deauthentications in the flood.
pub const FLOOD_FRAMES: u32 = 30;
/// Broadcast disassociations in the burst.
pub const BCAST_FRAMES: u32 = 8;
/// With `--mac-flood`, one frame in this many is a beacon; the others each bring a new client.
pub const FLOOD_BEACON_EVERY: u64 = 50;

/// The number of flood frames among the first `frames` frames of a `--mac-flood` capture:
/// the number of distinct client addresses it holds.
pub fn flood_clients(frames: u64) -> u64 {
    frames - frames.div_ceil(FLOOD_BEACON_EVERY)
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let out = &args.output;
    if out.as_os_str().is_empty() {
        return Err("no output file given".into());
    }
    if !args.force && out.exists() {
        return Err(format!(
            "{}: exists (use -f to overwrite it)",
            out.display()
        ));
    }
    let tmp = temp_name(out)?;
    let started = Instant::now();
    let result = write_to(&tmp, args);
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if !args.force && out.exists() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "{}: appeared while writing (use -f to overwrite it)",
            out.display()
        ));
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{}: {e}", out.display()));
    }
    crate::output::note(&summary.render(out, args, started.elapsed().as_secs_f64()));
    Ok(())
}

/// `.NAME.tmp-PID` in the output's directory, so that the final rename stays on one file
/// system.
fn temp_name(out: &Path) -> Result<PathBuf, String> {
    let name = out
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", out.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    Ok(out.with_file_name(tmp_name))
}

fn write_to(path: &Path, args: &Args) -> Result<Summary, String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = File::create(path).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut gen = Generator::new(args);
    let mut buf = Vec::with_capacity(4096);
    w.write_all(&pcap_header()).map_err(io)?;
    let mut bytes = 24u64;
    for _ in 0..args.frames {
        let (sec, usec) = gen.next_frame(&mut buf);
        let len = buf.len() as u32;
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&sec.to_le_bytes());
        rec[4..8].copy_from_slice(&usec.to_le_bytes());
        rec[8..12].copy_from_slice(&len.to_le_bytes());
        rec[12..16].copy_from_slice(&len.to_le_bytes());
        w.write_all(&rec).map_err(io)?;
        w.write_all(&buf).map_err(io)?;
        bytes += 16 + u64::from(len);
    }
    w.flush().map_err(io)?;
    drop(w);
    Ok(gen.summary(bytes))
}

/// The classic pcap global header: microseconds, version 2.4, snaplen 65535, radiotap.
fn pcap_header() -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    h[16..20].copy_from_slice(&65535u32.to_le_bytes());
    h[20..24].copy_from_slice(&127u32.to_le_bytes());
    h
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// xorshift64* seeded through splitmix64: small, fast, and the same on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    /// The generator for `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `p` percent.
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    /// Appends `n` random bytes.
    fn fill(&mut self, out: &mut Vec<u8>, n: usize) {
        let mut left = n;
        while left >= 8 {
            out.extend_from_slice(&self.next().to_le_bytes());
            left -= 8;
        }
        if left > 0 {
            out.extend_from_slice(&self.next().to_le_bytes()[..left]);
        }
    }
    fn bytes32(&mut self) -> [u8; 32] {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&self.next().to_le_bytes());
        }
        b
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated site

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Crypto {
    Open,
    Wpa2Psk,
    Wpa3Sae,
    Wpa2Eap,
}

struct Ap {
    mac: [u8; 6],
    channel: u8,
    crypto: Crypto,
    signal: i8,
    /// TSF at the start of the capture, in microseconds.
    tsf0: u64,
    /// Beacon interval in TU.
    interval: u16,
    dtim: u8,
    /// Elements before the TIM: SSID, supported rates, DS parameter set.
    head: Vec<u8>,
    /// Elements after the TIM: country, RSN, HT capabilities and operation, extended
    /// capabilities, WMM parameters.
    tail: Vec<u8>,
    /// (Re)association response elements.
    resp: Vec<u8>,
    /// The SSID element alone, for association requests.
    ssid_ie: Vec<u8>,
    seq: u16,
    /// Packet number of the AP's CCMP transmissions.
    pn: u64,
    /// Association IDs handed out.
    aids: u16,
}

/// No access point: the client only probes.
const PROBE_ONLY: u32 = u32::MAX;

struct Client {
    mac: [u8; 6],
    ap: u32,
    signal: i8,
    ht: bool,
    seq: u16,
    pn: u64,
    replay: u64,
    anonce: [u8; 32],
    /// Must authenticate and associate again before sending data (after an attack).
    need_join: bool,
    /// Index into [`WANTED_SSIDS`] for directed probes of probe-only clients.
    wanted: u8,
    eap_id: u8,
    /// TCP sequence numbers of the client's connection on open networks (up, down).
    tcp: [u32; 2],
}

/// SSIDs probe-only clients look for; none of them is advertised.
const WANTED_SSIDS: [&str; 12] = [
    "Airport-Free-WiFi",
    "Hotel-Guest",
    "Train-WiFi",
    "AndroidAP",
    "iPhone",
    "Linksys",
    "default",
    "Library-Public",
    "Stadium-Free",
    "Office-Guest",
    "HomeNet",
    "Conference",
];

/// Manufacturer prefixes for access points (globally administered).
const AP_OUIS: [[u8; 3]; 6] = [
    [0x00, 0x1a, 0x1e], // Aruba
    [0x00, 0x0b, 0x86], // Aruba
    [0xf0, 0x9f, 0xc2], // Ubiquiti
    [0x00, 0x18, 0x0a], // Cisco Meraki
    [0x50, 0xc7, 0xbf], // TP-Link
    [0xa0, 0x40, 0xa0], // Netgear
];

/// Manufacturer prefixes for clients that do not randomise their address.
const CLIENT_OUIS: [[u8; 3]; 5] = [
    [0x3c, 0x22, 0xfb], // Apple
    [0xf4, 0x0f, 0x24], // Apple
    [0x00, 0x1d, 0xe1], // Intel
    [0x8c, 0xf5, 0xa3], // Samsung
    [0xdc, 0xa6, 0x32], // Raspberry Pi
];

const CHANNELS_24: [u8; 3] = [1, 6, 11];
const CHANNELS_5: [u8; 25] = [
    36, 40, 44, 48, 52, 56, 60, 64, 100, 104, 108, 112, 116, 120, 124, 128, 132, 136, 140, 144,
    149, 153, 157, 161, 165,
];
/// OFDM rates (6 to 54 Mbit/s, 6/12/24 basic); every AP uses them on both bands.
const AP_RATES: [u8; 8] = [0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c];
/// What a client announces in its probe requests on 2.4 GHz (CCK and OFDM).
const CLIENT_RATES_24: [u8; 8] = [0x02, 0x04, 0x0b, 0x16, 0x0c, 0x12, 0x18, 0x24];
const CLIENT_EXT_RATES_24: [u8; 4] = [0x30, 0x48, 0x60, 0x6c];
const CLIENT_RATES_5: [u8; 8] = [0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c];
const EXT_CAP: [u8; 10] = [127, 8, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40];
const WMM_INFO: [u8; 9] = [221, 7, 0x00, 0x50, 0xf2, 0x02, 0x00, 0x01, 0x00];
const WMM_PARAM: [u8; 26] = [
    221, 24, 0x00, 0x50, 0xf2, 0x02, 0x01, 0x01, 0x00, 0x00, // header, QoS info, reserved
    0x03, 0xa4, 0x00, 0x00, // AC_BE
    0x27, 0xa4, 0x00, 0x00, // AC_BK
    0x42, 0x43, 0x5e, 0x00, // AC_VI
    0x62, 0x32, 0x2f, 0x00, // AC_VO
];
const LLC_EAPOL: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e];
const LLC_IPV4: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00];
const BROADCAST: [u8; 6] = [0xff; 6];
const EAP_IDENTITY: &[u8] = b"anonymous@acme.example";

fn is_24(ch: u8) -> bool {
    ch <= 14
}

fn freq(ch: u8) -> u16 {
    if is_24(ch) {
        2407 + 5 * u16::from(ch)
    } else {
        5000 + 5 * u16::from(ch)
    }
}

/// Secondary channel offset of the 40 MHz pair a 5 GHz channel belongs to (1 above,
/// 3 below), 0 for channels without a pair (165) and on 2.4 GHz.
fn secondary_offset(ch: u8) -> u8 {
    match ch {
        36 | 44 | 52 | 60 | 100 | 108 | 116 | 124 | 132 | 140 | 149 | 157 => 1,
        40 | 48 | 56 | 64 | 104 | 112 | 120 | 128 | 136 | 144 | 153 | 161 => 3,
        _ => 0,
    }
}

fn rsn_ie(crypto: Crypto, client: bool) -> Vec<u8> {
    let akm = match crypto {
        Crypto::Wpa3Sae => 8,
        Crypto::Wpa2Eap => 1,
        _ => 2,
    };
    let caps: u16 = match (crypto, client) {
        (Crypto::Wpa3Sae, _) => 0x00c0 | if client { 0 } else { 0x000c },
        (_, true) => 0x0080,
        (_, false) => 0x000c,
    };
    let mut v = vec![48, 0, 1, 0];
    v.extend([0x00, 0x0f, 0xac, 4]); // group: CCMP
    v.extend([1, 0, 0x00, 0x0f, 0xac, 4]); // pairwise: CCMP
    v.extend([1, 0, 0x00, 0x0f, 0xac, akm]);
    v.extend(caps.to_le_bytes());
    if crypto == Crypto::Wpa3Sae {
        v.extend([0, 0]); // no PMKIDs
        v.extend([0x00, 0x0f, 0xac, 6]); // group management: BIP-CMAC-128
    }
    v[1] = (v.len() - 2) as u8;
    v
}

fn ht_cap(ch: u8, client: bool) -> [u8; 28] {
    let mut e = [0u8; 28];
    e[0] = 45;
    e[1] = 26;
    let info: u16 = if is_24(ch) || secondary_offset(ch) == 0 {
        0x012c
    } else {
        0x016e
    };
    let info = if client { info | 0x0001 } else { info };
    e[2..4].copy_from_slice(&info.to_le_bytes());
    e[4] = 0x17; // A-MPDU: 64 KiB, 8 us spacing
    e[5] = 0xff; // MCS 0-15
    e[6] = 0xff;
    e
}

fn ht_op(ch: u8) -> [u8; 24] {
    let mut e = [0u8; 24];
    e[0] = 61;
    e[1] = 22;
    e[2] = ch;
    let off = secondary_offset(ch);
    e[3] = if is_24(ch) || off == 0 { 0 } else { off | 0x04 };
    e
}

fn country_ie(ch: u8) -> Vec<u8> {
    let mut v = vec![7, 0, b'U', b'S', b' '];
    if is_24(ch) {
        v.extend([1, 11, 30]);
    } else {
        v.extend([36, 4, 23, 52, 4, 24, 100, 12, 24, 149, 5, 30]);
    }
    if v.len() % 2 == 0 {
        // The element's length must be even: one padding byte.
        v.push(0);
    }
    v[1] = (v.len() - 2) as u8;
    v
}

impl Ap {
    fn capability(&self) -> u16 {
        let mut c = 0x0001; // ESS
        if self.crypto != Crypto::Open {
            c |= 0x0010;
        }
        if is_24(self.channel) {
            c |= 0x0400; // short slot time
        }
        c
    }
}

fn ssid_for(i: u32, crypto: Crypto, mac: &[u8; 6], pick: u64) -> String {
    let x = u16::from_be_bytes([mac[4], mac[5]]);
    match crypto {
        Crypto::Wpa2Eap => {
            if i % 2 == 0 {
                "Acme-Corp".into()
            } else {
                "Univ-Campus".into()
            }
        }
        Crypto::Open => match pick % 4 {
            0 => "City-Hotspot".into(),
            1 => format!("Cafe-Guest-{x:04X}"),
            2 => format!("Free-WiFi-{x:04X}"),
            _ => format!("Shop-Guest-{x:04X}"),
        },
        _ => {
            const NAMES: [&str; 6] = ["HOME", "WLAN", "Casa", "Haus", "Flat", "Wifi"];
            format!("{}-{x:04X}", NAMES[(pick % 6) as usize])
        }
    }
}

/// A 24-bit scramble of device numbers, so addresses do not count up (bijective: odd
/// multiplier modulo 2^24).
fn scramble(i: u32, salt: u64) -> u32 {
    (i.wrapping_mul(0x9E_3779).wrapping_add(salt as u32)) & 0x00ff_ffff
}

// ---------------------------------------------------------------------------------------------
// Frames to emit

#[derive(Clone, Copy, Debug)]
enum Dev {
    Ap(u32),
    Client(u32),
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Beacon(u32),
    ProbeReq { c: u32, ch: u8, ssid: ProbeSsid },
    ProbeResp { ap: u32, c: u32 },
    Auth { c: u32, from_ap: bool },
    SaeCommit { c: u32, from_ap: bool },
    SaeConfirm { c: u32, from_ap: bool },
    AssocReq { c: u32, reassoc: bool },
    AssocResp { c: u32, reassoc: bool },
    EapolStart { c: u32 },
    Eap { c: u32, msg: EapMsg },
    Key { c: u32, msg: u8 },
    Data { c: u32, up: bool },
    GroupData { ap: u32 },
    Null { c: u32 },
    Rts { from: Dev, to: Dev },
    Cts { to: Dev, from: Dev },
    Ack { to: Dev, from: Dev },
    BlockAckReq { from: Dev, to: Dev },
    BlockAck { from: Dev, to: Dev },
    Deauth { ap: u32, c: u32 },
    BcastDisassoc { ap: u32 },
}

#[derive(Clone, Copy, Debug)]
enum ProbeSsid {
    Wildcard,
    OwnAp,
    Wanted,
}

#[derive(Clone, Copy, Debug)]
enum EapMsg {
    RequestIdentity,
    ResponseIdentity,
    RequestPeapStart,
    ResponsePeap,
    Success,
}

/// Frame kinds counted in the summary.
#[derive(Clone, Copy)]
enum Kind {
    Beacon,
    ProbeReq,
    ProbeResp,
    Auth,
    AssocReq,
    AssocResp,
    ReassocReq,
    ReassocResp,
    Deauth,
    Disassoc,
    Data,
    QosData,
    Null,
    QosNull,
    Rts,
    Cts,
    Ack,
    BlockAckReq,
    BlockAck,
}

/// Names of the [`Kind`]s, in order (those `osprey analyze` gives the frame types).
const KIND_NAMES: [&str; 19] = [
    "beacon",
    "probe-req",
    "probe-resp",
    "auth",
    "assoc-req",
    "assoc-resp",
    "reassoc-req",
    "reassoc-resp",
    "deauth",
    "disassoc",
    "data",
    "qos-data",
    "null",
    "qos-null",
    "rts",
    "cts",
    "ack",
    "block-ack-req",
    "block-ack",
];

/// One attack frame at a fixed slot.
#[derive(Clone, Copy)]
struct AttackFrame {
    slot: u64,
    step: Step,
}

/// A window of slots during which some clients stay silent, and after which they must join
/// again.
struct Quiet {
    from: u64,
    to: u64,
    /// The one client, or every client of `ap`.
    client: Option<u32>,
    ap: u32,
    applied: bool,
    /// Whether the rejoins after the window have been scheduled.
    rejoins: bool,
}

struct Generator {
    rng: Rng,
    aps: Vec<Ap>,
    clients: Vec<Client>,
    /// Associated clients and probe-only clients, in the order they first appear.
    assoc_order: Vec<u32>,
    probe_order: Vec<u32>,
    assoc_intro: usize,
    probe_intro: usize,
    /// Access points per channel.
    by_channel: Vec<(u8, Vec<u32>)>,
    frames: u64,
    duration_us: u64,
    slot: u64,
    /// Microseconds since the start of the capture, of the current frame.
    now_us: u64,
    /// The capture radio's TSF at the start.
    radio_tsf0: u64,
    pending: VecDeque<Step>,
    /// Victims of an attack due to join again: (slot, client), in slot order.
    rejoins: VecDeque<(u64, u32)>,
    attacks: Vec<AttackFrame>,
    next_attack: usize,
    quiet: Vec<Quiet>,
    beacon_cursor: u64,
    attack_seq: u16,
    nav_ctr: u32,
    attacker_signal: i8,
    counts: [u64; 19],
    /// EAPOL frames (802.1X and keys) and EAPOL-Key frames.
    eapol: u64,
    keys: u64,
    handshakes: u64,
    attack_text: Vec<String>,
    /// `--mac-flood`: the next new client's number, and the address scramble's salt.
    flood: Option<(u64, u64)>,
}

impl Generator {
    fn new(args: &Args) -> Generator {
        let mut rng = Rng::new(args.seed);
        let salt_ap = rng.next();
        let salt_client = rng.next();
        let n_aps = args.aps as usize;
        let mut aps = Vec::with_capacity(n_aps);
        for i in 0..args.aps {
            let s = scramble(i, salt_ap);
            let oui = AP_OUIS[(rng.below(AP_OUIS.len() as u64)) as usize];
            let mac = [
                oui[0],
                oui[1],
                oui[2],
                (s >> 16) as u8,
                (s >> 8) as u8,
                s as u8,
            ];
            let crypto = match rng.below(100) {
                0..=71 => Crypto::Wpa2Psk,
                72..=83 => Crypto::Wpa3Sae,
                84..=93 => Crypto::Open,
                _ => Crypto::Wpa2Eap,
            };
            let channel = if rng.pct(40) {
                CHANNELS_24[rng.below(3) as usize]
            } else {
                CHANNELS_5[rng.below(CHANNELS_5.len() as u64) as usize]
            };
            let pick = rng.next();
            let ssid = ssid_for(i, crypto, &mac, pick);
            let mut ssid_ie = vec![0, ssid.len() as u8];
            ssid_ie.extend(ssid.as_bytes());
            let mut head = ssid_ie.clone();
            head.extend([1, AP_RATES.len() as u8]);
            head.extend(AP_RATES);
            head.extend([3, 1, channel]);
            let mut tail = country_ie(channel);
            if is_24(channel) {
                tail.extend([42, 1, 0]); // ERP: no protection
            }
            if crypto != Crypto::Open {
                tail.extend(rsn_ie(crypto, false));
            }
            tail.extend(ht_cap(channel, false));
            tail.extend(ht_op(channel));
            tail.extend(EXT_CAP);
            tail.extend(WMM_PARAM);
            let mut resp = vec![1, AP_RATES.len() as u8];
            resp.extend(AP_RATES);
            resp.extend(ht_cap(channel, false));
            resp.extend(ht_op(channel));
            resp.extend(EXT_CAP);
            resp.extend(WMM_PARAM);
            aps.push(Ap {
                mac,
                channel,
                crypto,
                signal: -(rng.range(38, 90) as i8),
                // Up between an hour and two months.
                tsf0: rng.range(3_600_000_000, 5_184_000_000_000),
                interval: if rng.pct(95) { 100 } else { 200 },
                dtim: rng.range(1, 3) as u8,
                head,
                tail,
                resp,
                ssid_ie,
                seq: rng.below(4096) as u16,
                pn: rng.range(1, 1 << 20),
                aids: 0,
            });
        }
        let mut clients = Vec::with_capacity(args.clients as usize);
        let mut assoc_order = Vec::new();
        let mut probe_order = Vec::new();
        for i in 0..args.clients {
            let s = scramble(i, salt_client);
            let prefix = if rng.pct(50) {
                CLIENT_OUIS[rng.below(CLIENT_OUIS.len() as u64) as usize]
            } else {
                // A randomised (locally administered, unicast) address.
                let b = rng.next().to_le_bytes();
                [(b[0] & 0xf0) | 0x02 | ((b[1] & 1) << 2), b[2], b[3]]
            };
            let mac = [
                prefix[0],
                prefix[1],
                prefix[2],
                (s >> 16) as u8,
                (s >> 8) as u8,
                s as u8,
            ];
            let probe_only = rng.pct(20);
            let ap = if probe_only {
                PROBE_ONLY
            } else {
                rng.below(u64::from(args.aps)) as u32
            };
            if probe_only {
                probe_order.push(i);
            } else {
                assoc_order.push(i);
            }
            clients.push(Client {
                mac,
                ap,
                signal: -(rng.range(35, 88) as i8),
                ht: rng.pct(90),
                seq: rng.below(4096) as u16,
                pn: rng.range(1, 1 << 16),
                replay: rng.range(1, 8),
                anonce: [0; 32],
                need_join: false,
                wanted: rng.below(WANTED_SSIDS.len() as u64) as u8,
                eap_id: rng.below(256) as u8,
                tcp: [rng.next() as u32, rng.next() as u32],
            });
        }
        // The order of first appearance: a shuffle.
        for order in [&mut assoc_order, &mut probe_order] {
            for i in (1..order.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
        }
        let mut by_channel: Vec<(u8, Vec<u32>)> = Vec::new();
        for (i, ap) in aps.iter().enumerate() {
            match by_channel.iter_mut().find(|(c, _)| *c == ap.channel) {
                Some((_, v)) => v.push(i as u32),
                None => by_channel.push((ap.channel, vec![i as u32])),
            }
        }
        by_channel.sort_by_key(|(c, _)| *c);
        let duration_us = args.duration_secs * 1_000_000;
        let mut g = Generator {
            rng,
            aps,
            clients,
            assoc_order,
            probe_order,
            assoc_intro: 0,
            probe_intro: 0,
            by_channel,
            frames: args.frames,
            duration_us,
            slot: 0,
            now_us: 0,
            radio_tsf0: 0,
            pending: VecDeque::with_capacity(32),
            rejoins: VecDeque::new(),
            attacks: Vec::new(),
            next_attack: 0,
            quiet: Vec::new(),
            beacon_cursor: 0,
            attack_seq: 0,
            nav_ctr: 0,
            attacker_signal: -32,
            counts: [0; 19],
            eapol: 0,
            keys: 0,
            handshakes: 0,
            attack_text: Vec::new(),
            flood: None,
        };
        g.radio_tsf0 = g.rng.range(1_000_000_000, 100_000_000_000);
        g.attack_seq = g.rng.below(4096) as u16;
        g.nav_ctr = g.rng.below(u64::from(NAV_PERIOD)) as u32;
        if args.mac_flood {
            let salt = g.rng.next();
            g.flood = Some((0, salt));
        } else {
            g.plan_attacks();
        }
        g
    }

    /// Places the attack frames and the quiet windows of their victims.
    fn plan_attacks(&mut self) {
        let n = self.frames;
        if n < MIN_FRAMES_FOR_ATTACKS {
            return;
        }
        let per_sec = (n / (self.duration_us / 1_000_000).max(1)).max(1);
        let secs = |slot: u64, g: &Generator| {
            (slot as u128 * g.duration_us as u128 / n as u128) as f64 / 1e6
        };
        // The flood: against the earliest-seen client of a WPA2-PSK network (any network
        // when there is none).
        let victim = self
            .assoc_order
            .iter()
            .copied()
            .find(|&c| self.aps[self.clients[c as usize].ap as usize].crypto == Crypto::Wpa2Psk)
            .or_else(|| self.assoc_order.first().copied());
        let mut taken: Vec<u64> = Vec::new();
        let mut flood_ap = None;
        if let Some(c) = victim {
            let ap = self.clients[c as usize].ap;
            flood_ap = Some(ap);
            let start = n * 2 / 5;
            let step = (per_sec / u64::from(FLOOD_FRAMES)).max(1);
            let mut last = start;
            for j in 0..u64::from(FLOOD_FRAMES) {
                let slot = start + j * step;
                if slot >= n {
                    break;
                }
                taken.push(slot);
                last = slot;
                self.attacks.push(AttackFrame {
                    slot,
                    step: Step::Deauth { ap, c },
                });
            }
            self.quiet.push(Quiet {
                from: start.saturating_sub(64),
                to: last,
                client: Some(c),
                ap,
                applied: false,
                rejoins: false,
            });
            self.attack_text.push(format!(
                "{FLOOD_FRAMES} deauthentications from {} to {} at {:.1} s",
                mac_text(&self.aps[ap as usize].mac),
                mac_text(&self.clients[c as usize].mac),
                secs(start, self)
            ));
        }
        // The broadcast disassociation burst: from the access point of another early client.
        let target = self
            .assoc_order
            .iter()
            .map(|&c| self.clients[c as usize].ap)
            .find(|&ap| Some(ap) != flood_ap)
            .or(flood_ap);
        if let Some(ap) = target {
            let start = n * 7 / 10;
            let step = (per_sec / u64::from(BCAST_FRAMES * 2)).max(1);
            let mut slot = start;
            let mut last = start;
            for _ in 0..BCAST_FRAMES {
                while taken.contains(&slot) {
                    slot += 1;
                }
                if slot >= n {
                    break;
                }
                taken.push(slot);
                last = slot;
                self.attacks.push(AttackFrame {
                    slot,
                    step: Step::BcastDisassoc { ap },
                });
                slot += step;
            }
            self.quiet.push(Quiet {
                from: start.saturating_sub(64),
                to: last,
                client: None,
                ap,
                applied: false,
                rejoins: false,
            });
            self.attack_text.push(format!(
                "{BCAST_FRAMES} broadcast disassociations from {} at {:.1} s",
                mac_text(&self.aps[ap as usize].mac),
                secs(start, self)
            ));
        }
        self.attacks.sort_by_key(|a| a.slot);
    }

    /// Builds the next frame into `buf`; returns its capture time (seconds, microseconds).
    fn next_frame(&mut self, buf: &mut Vec<u8>) -> (u32, u32) {
        let k = self.slot;
        self.now_us = (k as u128 * self.duration_us as u128 / self.frames as u128) as u64;
        if let Some((next, salt)) = self.flood {
            buf.clear();
            if k % FLOOD_BEACON_EVERY == 0 {
                let ap = ((k / FLOOD_BEACON_EVERY) % self.aps.len() as u64) as u32;
                self.beacon(buf, ap);
            } else {
                self.flood = Some((next + 1, salt));
                self.flood_frame(buf, next, salt);
            }
            self.slot += 1;
            let t = EPOCH_SECS * 1_000_000 + self.now_us;
            return ((t / 1_000_000) as u32, (t % 1_000_000) as u32);
        }
        for q in &mut self.quiet {
            if !q.applied && k >= q.from {
                q.applied = true;
                for (i, c) in self.clients.iter_mut().enumerate() {
                    if q.client.map_or(c.ap == q.ap, |v| v as usize == i) {
                        c.need_join = true;
                    }
                }
            }
            if !q.rejoins && k > q.to {
                // The victims seen so far reconnect within the next seconds: the flood's
                // victim after about half a second, the clients of the disconnected network
                // one after another, a quarter of a second apart.
                q.rejoins = true;
                let gap = (self.frames / (self.duration_us / 1_000_000).max(1)).max(4) / 4;
                let victims: Vec<u32> = match q.client {
                    Some(c) => vec![c],
                    None => self.assoc_order[..self.assoc_intro]
                        .iter()
                        .copied()
                        .filter(|&c| self.clients[c as usize].ap == q.ap)
                        .collect(),
                };
                for (j, c) in victims.into_iter().enumerate() {
                    self.rejoins.push_back((k + gap * (j as u64 + 2), c));
                }
            }
        }
        let step = match self.attacks.get(self.next_attack) {
            Some(a) if a.slot == k => {
                self.next_attack += 1;
                a.step
            }
            _ => {
                if self.pending.is_empty() {
                    self.plan();
                }
                match self.pending.pop_front() {
                    Some(s) => s,
                    None => Step::Beacon(self.next_beacon_ap()),
                }
            }
        };
        buf.clear();
        self.emit(step, buf);
        self.slot += 1;
        let t = EPOCH_SECS * 1_000_000 + self.now_us;
        ((t / 1_000_000) as u32, (t % 1_000_000) as u32)
    }

    /// Flood frame `n`: from client address `n` (see [`flood_mac`]), a probe request when `n`
    /// is even, else a protected data frame to an access point.
    fn flood_frame(&mut self, buf: &mut Vec<u8>, n: u64, salt: u64) {
        let mac = flood_mac(n, salt);
        let seq = self.rng.below(4096) as u16;
        let signal = -(self.rng.range(40, 90) as i8);
        if n % 2 == 0 {
            let ch = CHANNELS_24[(n / 2 % 3) as usize];
            self.radiotap(buf, ch, signal, Rate::Legacy(2));
            header(buf, [0x40, 0], 0, BROADCAST, mac, BROADCAST, seq);
            buf.extend([0, 0, 1, 8]);
            buf.extend(CLIENT_RATES_24);
            buf.extend([3, 1, ch]);
            self.count(Kind::ProbeReq);
        } else {
            let ap = (n / 2 % self.aps.len() as u64) as usize;
            let (ch, bssid) = (self.aps[ap].channel, self.aps[ap].mac);
            self.radiotap(
                buf,
                ch,
                signal,
                Rate::Legacy(if is_24(ch) { 22 } else { 48 }),
            );
            // To the distribution system, protected: a CCMP header and an opaque payload.
            header(buf, [0x08, 0x41], 44, bssid, mac, BROADCAST, seq);
            ccmp_header(buf, n / 2 + 1, 0);
            self.rng.fill(buf, 48);
            self.count(Kind::Data);
        }
    }

    fn is_quiet(&self, c: u32) -> bool {
        let k = self.slot;
        self.quiet.iter().any(|q| {
            k >= q.from
                && k <= q.to
                && q.client
                    .map_or(self.clients[c as usize].ap == q.ap, |v| v == c)
        })
    }

    /// How many clients of a list should have appeared by now: all of them by the middle of
    /// the capture.
    fn due(&self, len: usize) -> usize {
        let d = (u128::from(self.slot) * len as u128 * 2 / u128::from(self.frames)) as usize + 1;
        d.min(len)
    }

    /// An associated client for an activity: the next new one when introductions are behind
    /// schedule (`allow_new`), else one already seen that is not silenced. Returns the client
    /// and whether it is new.
    fn pick_assoc(&mut self, allow_new: bool) -> Option<(u32, bool)> {
        if allow_new && self.assoc_intro < self.due(self.assoc_order.len()) {
            let c = self.assoc_order[self.assoc_intro];
            if !self.is_quiet(c) {
                self.assoc_intro += 1;
                return Some((c, true));
            }
        }
        if self.assoc_intro == 0 {
            return None;
        }
        for _ in 0..8 {
            let c = self.assoc_order[self.rng.below(self.assoc_intro as u64) as usize];
            if !self.is_quiet(c) {
                return Some((c, false));
            }
        }
        None
    }

    fn next_beacon_ap(&mut self) -> u32 {
        let n = self.aps.len() as u64;
        let ap = if self.beacon_cursor < n {
            self.beacon_cursor
        } else {
            self.rng.below(n)
        };
        self.beacon_cursor += 1;
        ap as u32
    }

    /// Chooses the next activity and queues its frames.
    fn plan(&mut self) {
        if let Some(&(slot, c)) = self.rejoins.front() {
            if slot <= self.slot {
                self.rejoins.pop_front();
                if self.clients[c as usize].need_join && !self.is_quiet(c) {
                    // Joined again, the client's traffic resumes at once.
                    self.plan_join(c, false);
                    self.pending.push_back(Step::Data { c, up: true });
                    self.pending.push_back(Step::Data { c, up: false });
                    return;
                }
            }
        }
        match self.rng.below(1000) {
            0..=619 => {
                let ap = self.next_beacon_ap();
                self.pending.push_back(Step::Beacon(ap));
            }
            620..=759 => self.plan_probe(),
            760..=764 => {
                if let Some((c, new)) = self.pick_assoc(true) {
                    self.plan_join(c, new);
                }
            }
            765..=934 => self.plan_data(),
            _ => self.plan_null(),
        }
    }

    fn plan_probe(&mut self) {
        let probe_only =
            !self.probe_order.is_empty() && (self.assoc_order.is_empty() || self.rng.pct(50));
        if probe_only {
            let c = if self.probe_intro < self.due(self.probe_order.len()) {
                self.probe_intro += 1;
                self.probe_order[self.probe_intro - 1]
            } else {
                self.probe_order[self.rng.below(self.probe_intro.max(1) as u64) as usize]
            };
            let ch = self.by_channel[self.rng.below(self.by_channel.len() as u64) as usize].0;
            if self.rng.pct(35) {
                self.pending.push_back(Step::ProbeReq {
                    c,
                    ch,
                    ssid: ProbeSsid::Wanted,
                });
            } else {
                self.probe_with_responses(c, ch);
            }
            return;
        }
        let Some((c, _)) = self.pick_assoc(true) else {
            return;
        };
        let ap = self.clients[c as usize].ap;
        if self.rng.pct(40) {
            let ch = self.aps[ap as usize].channel;
            self.pending.push_back(Step::ProbeReq {
                c,
                ch,
                ssid: ProbeSsid::OwnAp,
            });
            if self.rng.pct(90) {
                self.pending.push_back(Step::ProbeResp { ap, c });
            }
        } else {
            let ch = self.by_channel[self.rng.below(self.by_channel.len() as u64) as usize].0;
            self.probe_with_responses(c, ch);
        }
    }

    /// A wildcard probe request on `ch` and the responses of up to two access points there.
    fn probe_with_responses(&mut self, c: u32, ch: u8) {
        self.pending.push_back(Step::ProbeReq {
            c,
            ch,
            ssid: ProbeSsid::Wildcard,
        });
        let r = self.rng.below(100);
        let n = match r {
            0..=24 => 0,
            25..=79 => 1,
            _ => 2,
        };
        let Some((_, list)) = self.by_channel.iter().find(|(x, _)| *x == ch) else {
            return;
        };
        let first = self.rng.below(list.len() as u64) as usize;
        for j in 0..n.min(list.len()) {
            let ap = list[(first + j) % list.len()];
            self.pending.push_back(Step::ProbeResp { ap, c });
        }
    }

    /// Authentication, (re)association, 802.1X on enterprise networks, the 4-way handshake.
    fn plan_join(&mut self, c: u32, fresh: bool) {
        let cl = &mut self.clients[c as usize];
        let ap = cl.ap as usize;
        let reassoc = !fresh && !cl.need_join && self.rng.pct(60);
        cl.need_join = false;
        let crypto = self.aps[ap].crypto;
        let p = &mut self.pending;
        if crypto == Crypto::Wpa3Sae {
            p.push_back(Step::SaeCommit { c, from_ap: false });
            p.push_back(Step::SaeCommit { c, from_ap: true });
            p.push_back(Step::SaeConfirm { c, from_ap: false });
            p.push_back(Step::SaeConfirm { c, from_ap: true });
        } else {
            p.push_back(Step::Auth { c, from_ap: false });
            p.push_back(Step::Auth { c, from_ap: true });
        }
        p.push_back(Step::AssocReq { c, reassoc });
        p.push_back(Step::AssocResp { c, reassoc });
        if crypto == Crypto::Wpa2Eap {
            if self.rng.pct(30) {
                self.pending.push_back(Step::EapolStart { c });
            }
            for msg in [
                EapMsg::RequestIdentity,
                EapMsg::ResponseIdentity,
                EapMsg::RequestPeapStart,
                EapMsg::ResponsePeap,
                EapMsg::Success,
            ] {
                self.pending.push_back(Step::Eap { c, msg });
            }
        }
        if crypto != Crypto::Open {
            for msg in 1..=4 {
                self.pending.push_back(Step::Key { c, msg });
            }
        }
    }

    fn plan_data(&mut self) {
        let Some((c, new)) = self.pick_assoc(true) else {
            return;
        };
        if self.clients[c as usize].need_join || (new && self.rng.pct(10)) {
            self.plan_join(c, new);
            return;
        }
        let ap = self.clients[c as usize].ap;
        if !new && self.rng.pct(8) {
            self.pending.push_back(Step::GroupData { ap });
            return;
        }
        let (cd, ad) = (Dev::Client(c), Dev::Ap(ap));
        let n = 1 + self.rng.below(6);
        if self.rng.pct(20) {
            self.pending.push_back(Step::Rts { from: cd, to: ad });
            self.pending.push_back(Step::Cts { to: cd, from: ad });
        }
        let mut up = true;
        for i in 0..n {
            // The client speaks first (so that it is the sender of its first frame).
            if i > 0 {
                up = self.rng.pct(40);
            }
            self.pending.push_back(Step::Data { c, up });
            if self.rng.pct(15) {
                let (to, from) = if up { (cd, ad) } else { (ad, cd) };
                self.pending.push_back(Step::Ack { to, from });
            }
        }
        if self.clients[c as usize].ht && n >= 3 && self.rng.pct(25) {
            let (from, to) = if up { (ad, cd) } else { (cd, ad) };
            if self.rng.pct(20) {
                self.pending
                    .push_back(Step::BlockAckReq { from: to, to: from });
            }
            self.pending.push_back(Step::BlockAck { from, to });
        }
    }

    fn plan_null(&mut self) {
        let Some((c, _)) = self.pick_assoc(false) else {
            return;
        };
        if self.clients[c as usize].need_join {
            return;
        }
        let ap = self.clients[c as usize].ap;
        self.pending.push_back(Step::Null { c });
        if self.rng.pct(20) {
            self.pending.push_back(Step::Ack {
                to: Dev::Client(c),
                from: Dev::Ap(ap),
            });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Building frames

    fn dev_mac(&self, d: Dev) -> [u8; 6] {
        match d {
            Dev::Ap(i) => self.aps[i as usize].mac,
            Dev::Client(i) => self.clients[i as usize].mac,
        }
    }

    fn dev_signal(&self, d: Dev) -> i8 {
        match d {
            Dev::Ap(i) => self.aps[i as usize].signal,
            Dev::Client(i) => self.clients[i as usize].signal,
        }
    }

    fn dev_channel(&self, d: Dev) -> u8 {
        match d {
            Dev::Ap(i) => self.aps[i as usize].channel,
            Dev::Client(i) => self.client_channel(i),
        }
    }

    fn client_channel(&self, c: u32) -> u8 {
        match self.clients[c as usize].ap {
            PROBE_ONLY => 6,
            ap => self.aps[ap as usize].channel,
        }
    }

    fn jitter(&mut self, base: i8) -> i8 {
        let j = self.rng.below(7) as i8 - 3;
        base.saturating_add(j).clamp(-95, -20)
    }

    /// The radiotap header: TSFT, flags, rate (legacy) or MCS (HT), channel, dBm signal,
    /// antenna.
    fn radiotap(&mut self, buf: &mut Vec<u8>, ch: u8, signal: i8, rate: Rate) {
        let tsft = self.radio_tsf0 + self.now_us;
        let chan_flags: u16 = match rate {
            _ if !is_24(ch) => 0x0140,               // 5 GHz, OFDM
            Rate::Legacy(2 | 4 | 11 | 22) => 0x00a0, // 2.4 GHz, CCK
            _ => 0x00c0,                             // 2.4 GHz, OFDM
        };
        let signal = self.jitter(signal);
        match rate {
            Rate::Legacy(r) => {
                let present: u32 = 0x0000_082f; // TSFT flags rate channel signal antenna
                buf.extend([0, 0, 24, 0]);
                buf.extend(present.to_le_bytes());
                buf.extend(tsft.to_le_bytes());
                buf.push(0); // flags
                buf.push(r);
                buf.extend(freq(ch).to_le_bytes());
                buf.extend(chan_flags.to_le_bytes());
                buf.push(signal as u8);
                buf.push(1); // antenna
            }
            Rate::Ht { mcs, bw40, sgi } => {
                let present: u32 = 0x0008_082b; // TSFT flags channel signal antenna MCS
                buf.extend([0, 0, 27, 0]);
                buf.extend(present.to_le_bytes());
                buf.extend(tsft.to_le_bytes());
                buf.push(0); // flags
                buf.push(0); // padding: the channel is 2-aligned
                buf.extend(freq(ch).to_le_bytes());
                buf.extend(chan_flags.to_le_bytes());
                buf.push(signal as u8);
                buf.push(1); // antenna
                             // Known: bandwidth, MCS index, guard interval, HT format, FEC type, STBC,
                             // extension streams (all zero: mixed format, BCC, none).
                buf.push(0x7f);
                buf.push(u8::from(bw40) | if sgi { 0x04 } else { 0 });
                buf.push(mcs);
            }
        }
    }

    fn next_seq(&mut self, d: Dev) -> u16 {
        let s = match d {
            Dev::Ap(i) => &mut self.aps[i as usize].seq,
            Dev::Client(i) => &mut self.clients[i as usize].seq,
        };
        *s = (*s + 1) & 0x0fff;
        *s
    }

    /// Radiotap and a management header sent by `from` to `to` (BSSID `ap`).
    fn mgmt(&mut self, buf: &mut Vec<u8>, subtype: u8, from: Dev, to: Dev, ap: u32) {
        let ch = self.aps[ap as usize].channel;
        let sig = self.dev_signal(from);
        self.radiotap(buf, ch, sig, Rate::Legacy(12));
        let seq = self.next_seq(from);
        let (a1, a2, a3) = (
            self.dev_mac(to),
            self.dev_mac(from),
            self.aps[ap as usize].mac,
        );
        header(buf, [subtype << 4, 0], 60, a1, a2, a3, seq);
    }

    fn count(&mut self, k: Kind) {
        self.counts[k as usize] += 1;
    }

    fn emit(&mut self, step: Step, buf: &mut Vec<u8>) {
        match step {
            Step::Beacon(ap) => self.beacon(buf, ap),
            Step::ProbeResp { ap, c } => self.probe_resp(buf, ap, c),
            Step::ProbeReq { c, ch, ssid } => self.probe_req(buf, c, ch, ssid),
            Step::Auth { c, from_ap } => {
                let ap = self.clients[c as usize].ap;
                let (from, to) = ends(c, ap, from_ap);
                self.mgmt(buf, 11, from, to, ap);
                buf.extend([0, 0, if from_ap { 2 } else { 1 }, 0, 0, 0]);
                self.count(Kind::Auth);
            }
            Step::SaeCommit { c, from_ap } => {
                let ap = self.clients[c as usize].ap;
                let (from, to) = ends(c, ap, from_ap);
                self.mgmt(buf, 11, from, to, ap);
                buf.extend([3, 0, 1, 0, 0, 0, 19, 0]); // SAE, commit, success, group 19
                self.rng.fill(buf, 96); // scalar and element
                self.count(Kind::Auth);
            }
            Step::SaeConfirm { c, from_ap } => {
                let ap = self.clients[c as usize].ap;
                let (from, to) = ends(c, ap, from_ap);
                self.mgmt(buf, 11, from, to, ap);
                buf.extend([3, 0, 2, 0, 0, 0, 1, 0]); // SAE, confirm, success, send-confirm
                self.rng.fill(buf, 32);
                self.count(Kind::Auth);
            }
            Step::AssocReq { c, reassoc } => self.assoc_req(buf, c, reassoc),
            Step::AssocResp { c, reassoc } => self.assoc_resp(buf, c, reassoc),
            Step::EapolStart { c } => {
                self.data_header(buf, c, true, false, 48);
                buf.extend(LLC_EAPOL);
                buf.extend([1, 1, 0, 0]);
                self.eapol += 1;
            }
            Step::Eap { c, msg } => self.eap(buf, c, msg),
            Step::Key { c, msg } => self.key(buf, c, msg),
            Step::Data { c, up } => self.data(buf, c, up),
            Step::GroupData { ap } => self.group_data(buf, ap),
            Step::Null { c } => {
                let ap = self.clients[c as usize].ap;
                let ch = self.aps[ap as usize].channel;
                let cl = &self.clients[c as usize];
                let (sig, ht) = (cl.signal, cl.ht);
                self.radiotap(buf, ch, sig, Rate::Legacy(48));
                let seq = self.next_seq(Dev::Client(c));
                let pm = if self.rng.pct(50) { 0x10 } else { 0 };
                let (a1, a2) = (self.aps[ap as usize].mac, self.clients[c as usize].mac);
                let fc = if ht {
                    [0xc8, 0x01 | pm]
                } else {
                    [0x48, 0x01 | pm]
                };
                header(buf, fc, 44, a1, a2, a1, seq);
                if ht {
                    buf.extend([0, 0]);
                    self.count(Kind::QosNull);
                } else {
                    self.count(Kind::Null);
                }
            }
            Step::Rts { from, to } => {
                self.control_radiotap(buf, from, to);
                let dur = 150 + self.nav();
                buf.extend([0xb4, 0]);
                buf.extend(dur.to_le_bytes());
                buf.extend(self.dev_mac(to));
                buf.extend(self.dev_mac(from));
                self.count(Kind::Rts);
            }
            Step::Cts { to, from } => {
                self.control_radiotap(buf, from, to);
                let dur = 100 + self.nav();
                buf.extend([0xc4, 0]);
                buf.extend(dur.to_le_bytes());
                buf.extend(self.dev_mac(to));
                self.count(Kind::Cts);
            }
            Step::Ack { to, from } => {
                self.control_radiotap(buf, from, to);
                // Inside a TXOP the ACK carries what is left of the NAV.
                let dur = self.nav();
                buf.extend([0xd4, 0]);
                buf.extend(dur.to_le_bytes());
                buf.extend(self.dev_mac(to));
                self.count(Kind::Ack);
            }
            Step::BlockAckReq { from, to } => {
                self.control_radiotap(buf, from, to);
                let dur = self.rng.range(40, 200) as u16;
                let ssn = self.rng.below(4096) as u16;
                buf.extend([0x84, 0]);
                buf.extend(dur.to_le_bytes());
                buf.extend(self.dev_mac(to));
                buf.extend(self.dev_mac(from));
                buf.extend(0x0004u16.to_le_bytes()); // compressed bitmap, TID 0
                buf.extend((ssn << 4).to_le_bytes());
                self.count(Kind::BlockAckReq);
            }
            Step::BlockAck { from, to } => {
                self.control_radiotap(buf, from, to);
                let dur = self.rng.range(0, 200) as u16;
                let ssn = self.rng.below(4096) as u16;
                buf.extend([0x94, 0]);
                buf.extend(dur.to_le_bytes());
                buf.extend(self.dev_mac(to));
                buf.extend(self.dev_mac(from));
                buf.extend(0x0005u16.to_le_bytes()); // immediate, compressed bitmap, TID 0
                buf.extend((ssn << 4).to_le_bytes());
                let bits = self.rng.next() | 1;
                buf.extend(bits.to_le_bytes());
                self.count(Kind::BlockAck);
            }
            Step::Deauth { ap, c } => {
                let ch = self.aps[ap as usize].channel;
                let sig = self.attacker_signal;
                self.radiotap(buf, ch, sig, Rate::Legacy(12));
                self.attack_seq = (self.attack_seq + 1) & 0x0fff;
                let (a1, a2) = (self.clients[c as usize].mac, self.aps[ap as usize].mac);
                let seq = self.attack_seq;
                header(buf, [0xc0, 0], 314, a1, a2, a2, seq);
                buf.extend(7u16.to_le_bytes()); // class 3 frame from a non-associated STA
                self.count(Kind::Deauth);
            }
            Step::BcastDisassoc { ap } => {
                let ch = self.aps[ap as usize].channel;
                let sig = self.attacker_signal;
                self.radiotap(buf, ch, sig, Rate::Legacy(12));
                self.attack_seq = (self.attack_seq + 1) & 0x0fff;
                let a2 = self.aps[ap as usize].mac;
                let seq = self.attack_seq;
                header(buf, [0xa0, 0], 0, BROADCAST, a2, a2, seq);
                buf.extend(8u16.to_le_bytes()); // the AP is leaving
                self.count(Kind::Disassoc);
            }
        }
    }

    /// A NAV duration for a control frame with no sequence number (RTS, CTS, ACK): 0 to
    /// 3000 us, never the same twice within 3001 such frames, so that no two are
    /// byte-identical within the duplicate window.
    fn nav(&mut self) -> u16 {
        self.nav_ctr = (self.nav_ctr + 1) % NAV_PERIOD;
        (self.nav_ctr * 1103 % NAV_PERIOD) as u16
    }

    fn control_radiotap(&mut self, buf: &mut Vec<u8>, from: Dev, to: Dev) {
        let ch = match (from, to) {
            (Dev::Ap(_), _) => self.dev_channel(from),
            (_, _) => self.dev_channel(to),
        };
        let sig = self.dev_signal(from);
        let rate = if self.rng.pct(50) { 48 } else { 12 };
        self.radiotap(buf, ch, sig, Rate::Legacy(rate));
    }

    /// Fixed fields of beacons and probe responses: TSF, interval, capability.
    fn fixed(&mut self, buf: &mut Vec<u8>, ap: u32) -> u64 {
        let a = &self.aps[ap as usize];
        let tsf = a.tsf0 + self.now_us;
        buf.extend(tsf.to_le_bytes());
        buf.extend(a.interval.to_le_bytes());
        buf.extend(a.capability().to_le_bytes());
        tsf
    }

    fn beacon(&mut self, buf: &mut Vec<u8>, ap: u32) {
        let a = &self.aps[ap as usize];
        let (ch, sig, mac) = (a.channel, a.signal, a.mac);
        self.radiotap(buf, ch, sig, Rate::Legacy(12));
        // Beacons heard are a sample of those sent: the sequence number may move on by more
        // than one (not much more: a frame the AP sends must not come back with the same
        // sequence number, and the same bytes, within the duplicate window).
        let step = self.rng.range(1, 2) as u16;
        let a = &mut self.aps[ap as usize];
        a.seq = (a.seq + step) & 0x0fff;
        let seq = a.seq;
        header(buf, [0x80, 0], 0, BROADCAST, mac, mac, seq);
        let tsf = self.fixed(buf, ap);
        let a = &self.aps[ap as usize];
        buf.extend_from_slice(&a.head);
        let tbtt = tsf / (u64::from(a.interval) * 1024);
        let period = u64::from(a.dtim);
        let count = (period - 1 - tbtt % period) as u8;
        buf.extend([5, 4, count, a.dtim, 0, 0]);
        buf.extend_from_slice(&a.tail);
        self.count(Kind::Beacon);
    }

    fn probe_resp(&mut self, buf: &mut Vec<u8>, ap: u32, c: u32) {
        self.mgmt(buf, 5, Dev::Ap(ap), Dev::Client(c), ap);
        self.fixed(buf, ap);
        let a = &self.aps[ap as usize];
        buf.extend_from_slice(&a.head);
        buf.extend_from_slice(&a.tail);
        self.count(Kind::ProbeResp);
    }

    fn probe_req(&mut self, buf: &mut Vec<u8>, c: u32, ch: u8, ssid: ProbeSsid) {
        let (sig, ht, mac, ap) = {
            let cl = &self.clients[c as usize];
            (cl.signal, cl.ht, cl.mac, cl.ap)
        };
        self.radiotap(buf, ch, sig, Rate::Legacy(if is_24(ch) { 2 } else { 12 }));
        let seq = self.next_seq(Dev::Client(c));
        header(buf, [0x40, 0], 0, BROADCAST, mac, BROADCAST, seq);
        match ssid {
            ProbeSsid::Wildcard => buf.extend([0, 0]),
            ProbeSsid::OwnAp => buf.extend_from_slice(&self.aps[ap as usize].ssid_ie),
            ProbeSsid::Wanted => {
                let s = WANTED_SSIDS[usize::from(self.clients[c as usize].wanted)];
                buf.extend([0, s.len() as u8]);
                buf.extend(s.as_bytes());
            }
        }
        if is_24(ch) {
            buf.extend([1, 8]);
            buf.extend(CLIENT_RATES_24);
            buf.extend([50, 4]);
            buf.extend(CLIENT_EXT_RATES_24);
            buf.extend([3, 1, ch]);
        } else {
            buf.extend([1, 8]);
            buf.extend(CLIENT_RATES_5);
        }
        if ht {
            buf.extend(ht_cap(ch, true));
        }
        buf.extend(EXT_CAP);
        self.count(Kind::ProbeReq);
    }

    fn assoc_req(&mut self, buf: &mut Vec<u8>, c: u32, reassoc: bool) {
        let ap = self.clients[c as usize].ap;
        let sub = if reassoc { 2 } else { 0 };
        self.mgmt(buf, sub, Dev::Client(c), Dev::Ap(ap), ap);
        let a = &self.aps[ap as usize];
        let mut cap: u16 = 0x0001;
        if a.crypto != Crypto::Open {
            cap |= 0x0010;
        }
        if is_24(a.channel) {
            cap |= 0x0400;
        }
        buf.extend(cap.to_le_bytes());
        buf.extend(10u16.to_le_bytes()); // listen interval
        if reassoc {
            buf.extend(a.mac); // current AP
        }
        buf.extend_from_slice(&a.ssid_ie);
        buf.extend([1, AP_RATES.len() as u8]);
        buf.extend(AP_RATES.map(|r| r & 0x7f));
        if a.crypto != Crypto::Open {
            buf.extend(rsn_ie(a.crypto, true));
        }
        if self.clients[c as usize].ht {
            buf.extend(ht_cap(a.channel, true));
        }
        buf.extend(EXT_CAP);
        buf.extend(WMM_INFO);
        self.count(if reassoc {
            Kind::ReassocReq
        } else {
            Kind::AssocReq
        });
    }

    fn assoc_resp(&mut self, buf: &mut Vec<u8>, c: u32, reassoc: bool) {
        let ap = self.clients[c as usize].ap;
        let sub = if reassoc { 3 } else { 1 };
        self.mgmt(buf, sub, Dev::Ap(ap), Dev::Client(c), ap);
        let a = &mut self.aps[ap as usize];
        a.aids = a.aids % 2007 + 1;
        let aid = a.aids;
        let a = &self.aps[ap as usize];
        buf.extend(a.capability().to_le_bytes());
        buf.extend(0u16.to_le_bytes()); // success
        buf.extend((0xc000 | aid).to_le_bytes());
        buf.extend_from_slice(&a.resp);
        self.count(if reassoc {
            Kind::ReassocResp
        } else {
            Kind::AssocResp
        });
    }

    /// Radiotap and the header of a data frame between client `c` and its access point
    /// (`up`: to-DS, sent by the client); QoS data when the client is HT capable. `rate` in
    /// 500 kbit/s units, or 0 for a data rate (an HT MCS when the client has HT).
    fn data_header(&mut self, buf: &mut Vec<u8>, c: u32, up: bool, protected: bool, rate: u8) {
        let ap = self.clients[c as usize].ap;
        let a = &self.aps[ap as usize];
        let (ch, bssid, ap_sig) = (a.channel, a.mac, a.signal);
        let cl = &self.clients[c as usize];
        let (mac, ht, sig) = (cl.mac, cl.ht, cl.signal);
        let r = if rate == 0 && ht {
            let bw40 = !is_24(ch) && secondary_offset(ch) != 0;
            Rate::Ht {
                mcs: self.rng.range(3, 15) as u8,
                bw40,
                sgi: self.rng.pct(50),
            }
        } else if rate == 0 {
            Rate::Legacy(if self.rng.pct(50) { 108 } else { 96 })
        } else {
            Rate::Legacy(rate)
        };
        self.radiotap(buf, ch, if up { sig } else { ap_sig }, r);
        let from = if up { Dev::Client(c) } else { Dev::Ap(ap) };
        let seq = self.next_seq(from);
        let mut flags = if up { 0x01 } else { 0x02 };
        if protected {
            flags |= 0x40;
        }
        let fc = [if ht { 0x88 } else { 0x08 }, flags];
        let (a1, a2) = if up { (bssid, mac) } else { (mac, bssid) };
        header(buf, fc, 44, a1, a2, bssid, seq);
        if ht {
            buf.extend([0, 0]);
            self.count(Kind::QosData);
        } else {
            self.count(Kind::Data);
        }
    }

    fn data(&mut self, buf: &mut Vec<u8>, c: u32, up: bool) {
        let ap = self.clients[c as usize].ap as usize;
        let open = self.aps[ap].crypto == Crypto::Open;
        self.data_header(buf, c, up, !open, 0);
        let len = if up {
            if self.rng.pct(80) {
                self.rng.range(40, 200)
            } else {
                self.rng.range(200, 1400)
            }
        } else if self.rng.pct(50) {
            self.rng.range(1000, 1460)
        } else {
            self.rng.range(40, 400)
        } as usize;
        if open {
            self.ipv4_tcp(buf, c, ap as u32, up, len);
        } else {
            let pn = if up {
                let cl = &mut self.clients[c as usize];
                cl.pn += 1;
                cl.pn
            } else {
                let a = &mut self.aps[ap];
                a.pn += 1;
                a.pn
            };
            ccmp_header(buf, pn, 0);
            self.rng.fill(buf, len + 8); // payload and MIC
        }
    }

    /// LLC/SNAP, an IPv4 header and a TCP header, then `len` bytes, on an open network.
    fn ipv4_tcp(&mut self, buf: &mut Vec<u8>, c: u32, ap: u32, up: bool, len: usize) {
        buf.extend(LLC_IPV4);
        let local = [10, (ap >> 8) as u8, ap as u8, 2 + (c % 250) as u8];
        let remote = [93, 184, (c >> 8) as u8 | 0x80, c as u8];
        let (src, dst) = if up { (local, remote) } else { (remote, local) };
        let port = 40000 + (c % 20000) as u16;
        let (sport, dport) = if up { (port, 443) } else { (443, port) };
        let total = (40 + len) as u16;
        let id = self.rng.next() as u16;
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip[4..6].copy_from_slice(&id.to_be_bytes());
        ip[6] = 0x40; // don't fragment
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&src);
        ip[16..20].copy_from_slice(&dst);
        let sum = ipv4_checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        buf.extend(ip);
        buf.extend(sport.to_be_bytes());
        buf.extend(dport.to_be_bytes());
        let tcp = &mut self.clients[c as usize].tcp;
        let (mine, theirs) = if up { (0, 1) } else { (1, 0) };
        let (seq, ack) = (tcp[mine], tcp[theirs]);
        tcp[mine] = seq.wrapping_add(len as u32);
        buf.extend(seq.to_be_bytes());
        buf.extend(ack.to_be_bytes());
        buf.extend([0x50, 0x18]); // header length 20, PSH ACK
        buf.extend(502u16.to_be_bytes());
        buf.extend([0, 0, 0, 0]); // checksum (offloaded), urgent pointer
        self.rng.fill(buf, len);
    }

    /// A group-addressed frame relayed by the access point (multicast DNS on open networks,
    /// encrypted with the group key otherwise).
    fn group_data(&mut self, buf: &mut Vec<u8>, ap: u32) {
        let a = &self.aps[ap as usize];
        let (ch, mac, sig, open) = (a.channel, a.mac, a.signal, a.crypto == Crypto::Open);
        self.radiotap(buf, ch, sig, Rate::Legacy(12));
        let seq = self.next_seq(Dev::Ap(ap));
        let flags = if open { 0x02 } else { 0x42 };
        let dst = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
        header(buf, [0x08, flags], 0, dst, mac, mac, seq);
        if open {
            // A multicast DNS query for one PTR record (with an ID, so that no two look like
            // retransmissions).
            const SERVICES: [&str; 4] = [
                "_googlecast._tcp.local",
                "_airplay._tcp.local",
                "_ipp._tcp.local",
                "_spotify-connect._tcp.local",
            ];
            let name = SERVICES[self.rng.below(SERVICES.len() as u64) as usize];
            let id = self.rng.next() as u16;
            let mut dns = vec![(id >> 8) as u8, id as u8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
            for label in name.split('.') {
                dns.push(label.len() as u8);
                dns.extend(label.as_bytes());
            }
            dns.extend([0, 0, 12, 0, 1]); // root, PTR, IN
            buf.extend(LLC_IPV4);
            let total = (28 + dns.len()) as u16;
            let mut ip = [0u8; 20];
            ip[0] = 0x45;
            ip[2..4].copy_from_slice(&total.to_be_bytes());
            ip[8] = 255;
            ip[9] = 17;
            ip[12..16].copy_from_slice(&[10, (ap >> 8) as u8, ap as u8, 1]);
            ip[16..20].copy_from_slice(&[224, 0, 0, 251]);
            let sum = ipv4_checksum(&ip);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            buf.extend(ip);
            buf.extend(5353u16.to_be_bytes());
            buf.extend(5353u16.to_be_bytes());
            buf.extend((8 + dns.len() as u16).to_be_bytes());
            buf.extend([0, 0]);
            buf.extend(dns);
        } else {
            let len = self.rng.range(60, 300) as usize;
            let a = &mut self.aps[ap as usize];
            a.pn += 1;
            let pn = a.pn;
            ccmp_header(buf, pn, 1);
            self.rng.fill(buf, len + 8);
        }
        self.count(Kind::Data);
    }

    /// 802.1X (EAP) messages of an enterprise join, unprotected.
    fn eap(&mut self, buf: &mut Vec<u8>, c: u32, msg: EapMsg) {
        let from_ap = !matches!(msg, EapMsg::ResponseIdentity | EapMsg::ResponsePeap);
        self.data_header(buf, c, !from_ap, false, 48);
        buf.extend(LLC_EAPOL);
        let cl = &mut self.clients[c as usize];
        if matches!(msg, EapMsg::RequestIdentity | EapMsg::RequestPeapStart) {
            cl.eap_id = cl.eap_id.wrapping_add(1);
        }
        let id = cl.eap_id;
        let mut eap = Vec::with_capacity(64);
        match msg {
            EapMsg::RequestIdentity => eap.extend([1, id, 0, 5, 1]),
            EapMsg::ResponseIdentity => {
                eap.extend([2, id, 0, 0, 1]);
                eap.extend(EAP_IDENTITY);
            }
            EapMsg::RequestPeapStart => eap.extend([1, id, 0, 6, 25, 0x21]),
            EapMsg::ResponsePeap => {
                eap.extend([2, id, 0, 0, 25, 0x01]);
                // A TLS ClientHello record (its random content stands for the real one).
                eap.extend([0x16, 0x03, 0x01, 0x00, 0x9a]);
                self.rng.fill(&mut eap, 0x9a);
            }
            EapMsg::Success => eap.extend([3, id.wrapping_add(6), 0, 4]),
        }
        let l = eap.len() as u16;
        eap[2..4].copy_from_slice(&l.to_be_bytes());
        buf.extend([1, 0]); // 802.1X-2001, EAP packet
        buf.extend(l.to_be_bytes());
        buf.extend(eap);
        self.eapol += 1;
    }

    /// Message `msg` (1 to 4) of the 4-way handshake between client `c` and its access point.
    fn key(&mut self, buf: &mut Vec<u8>, c: u32, msg: u8) {
        let ap = self.clients[c as usize].ap as usize;
        let crypto = self.aps[ap].crypto;
        let up = msg % 2 == 0;
        self.data_header(buf, c, up, false, 48);
        buf.extend(LLC_EAPOL);
        // Descriptor version 2 (HMAC-SHA1 MIC, AES key wrap); 0 (AKM-defined) for SAE.
        let version: u16 = if crypto == Crypto::Wpa3Sae { 0 } else { 2 };
        let info: u16 = version
            | match msg {
                1 => 0x0088, // pairwise, ack
                2 => 0x0108, // pairwise, MIC
                3 => 0x13c8, // pairwise, install, ack, MIC, secure, encrypted data
                _ => 0x0308, // pairwise, MIC, secure
            };
        let replay = match msg {
            1 | 2 => self.clients[c as usize].replay,
            _ => self.clients[c as usize].replay + 1,
        };
        let nonce = match msg {
            1 => {
                let n = self.rng.bytes32();
                self.clients[c as usize].anonce = n;
                n
            }
            2 => self.rng.bytes32(),
            3 => self.clients[c as usize].anonce,
            _ => [0; 32],
        };
        let key_data: Vec<u8> = match msg {
            1 if crypto == Crypto::Wpa2Psk && self.rng.pct(50) => {
                let mut kd = vec![0xdd, 0x14, 0x00, 0x0f, 0xac, 0x04];
                self.rng.fill(&mut kd, 16);
                kd
            }
            2 => rsn_ie(crypto, true),
            3 => {
                // The wrapped RSN element and GTK (and IGTK with MFP), 8 bytes longer than
                // their padded plaintext.
                let n = if crypto == Crypto::Wpa3Sae { 96 } else { 56 };
                let mut kd = Vec::with_capacity(n);
                self.rng.fill(&mut kd, n);
                kd
            }
            _ => Vec::new(),
        };
        let body_len = 95 + key_data.len();
        buf.extend([2, 3]); // 802.1X-2004, EAPOL-Key
        buf.extend((body_len as u16).to_be_bytes());
        buf.push(2); // RSN descriptor
        buf.extend(info.to_be_bytes());
        buf.extend((if msg % 2 == 1 { 16u16 } else { 0 }).to_be_bytes());
        buf.extend(replay.to_be_bytes());
        buf.extend(nonce);
        buf.extend([0u8; 16]); // IV
        buf.extend([0u8; 8]); // RSC
        buf.extend([0u8; 8]); // reserved
        if msg == 1 {
            buf.extend([0u8; 16]);
        } else {
            self.rng.fill(buf, 16); // MIC
        }
        buf.extend((key_data.len() as u16).to_be_bytes());
        buf.extend(key_data);
        self.eapol += 1;
        self.keys += 1;
        if msg == 4 {
            let cl = &mut self.clients[c as usize];
            cl.replay += 2;
            self.handshakes += 1;
        }
    }

    fn summary(&self, bytes: u64) -> Summary {
        Summary {
            frames: self.frames,
            bytes,
            counts: self.counts,
            eapol: self.eapol,
            keys: self.keys,
            handshakes: self.handshakes,
            probe_only: self.probe_order.len(),
            attacks: self.attack_text.clone(),
            flood_clients: self.flood.map(|_| flood_clients(self.frames)),
        }
    }
}

/// Client address `n` of a `--mac-flood` capture: locally administered and unicast (first
/// byte `x2`), distinct for every `n` below 2^44 (an odd multiplier and a salt, modulo 2^44:
/// a bijection).
pub fn flood_mac(n: u64, salt: u64) -> [u8; 6] {
    let x = n.wrapping_mul(0x9E37_79B9_7F4B).wrapping_add(salt) & ((1 << 44) - 1);
    let b = x.to_be_bytes();
    // The top 4 of the 44 bits go into the first byte's high nibble, beside the local bit.
    [((b[2] & 0x0f) << 4) | 0x02, b[3], b[4], b[5], b[6], b[7]]
}

/// A three-address 802.11 header.
fn header(
    buf: &mut Vec<u8>,
    fc: [u8; 2],
    dur: u16,
    a1: [u8; 6],
    a2: [u8; 6],
    a3: [u8; 6],
    seq: u16,
) {
    buf.extend(fc);
    buf.extend(dur.to_le_bytes());
    buf.extend(a1);
    buf.extend(a2);
    buf.extend(a3);
    buf.extend((seq << 4).to_le_bytes());
}

/// Which end sends: the access point or the client.
fn ends(c: u32, ap: u32, from_ap: bool) -> (Dev, Dev) {
    if from_ap {
        (Dev::Ap(ap), Dev::Client(c))
    } else {
        (Dev::Client(c), Dev::Ap(ap))
    }
}

#[derive(Clone, Copy)]
enum Rate {
    /// 500 kbit/s units.
    Legacy(u8),
    Ht {
        mcs: u8,
        bw40: bool,
        sgi: bool,
    },
}

/// The 8-byte CCMP header: packet number, Ext IV, key ID.
fn ccmp_header(buf: &mut Vec<u8>, pn: u64, key_id: u8) {
    let p = pn.to_le_bytes();
    buf.extend([p[0], p[1], 0, 0x20 | (key_id << 6), p[2], p[3], p[4], p[5]]);
}

fn ipv4_checksum(h: &[u8; 20]) -> u16 {
    let mut sum = 0u32;
    for w in h.chunks(2) {
        sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn mac_text(m: &[u8; 6]) -> String {
    format!(
        "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

struct Summary {
    frames: u64,
    bytes: u64,
    counts: [u64; 19],
    eapol: u64,
    keys: u64,
    handshakes: u64,
    probe_only: usize,
    attacks: Vec<String>,
    /// `--mac-flood`: the distinct client addresses written.
    flood_clients: Option<u64>,
}

impl Summary {
    fn render(&self, out: &Path, args: &Args, secs: f64) -> String {
        if let Some(n) = self.flood_clients {
            return format!(
                "{}: {} frames, {} bytes, a flood of {n} new client addresses around {} \
                 access points, seed {}, {} s of capture; written in {secs:.2} s",
                out.display(),
                self.frames,
                self.bytes,
                args.aps,
                args.seed,
                args.duration_secs
            );
        }
        let mut s = format!(
            "{}: {} frames, {} bytes, {} access points, {} clients ({} only probe), seed {}, \
             {} s of capture; written in {:.2} s",
            out.display(),
            self.frames,
            self.bytes,
            args.aps,
            args.clients,
            self.probe_only,
            args.seed,
            args.duration_secs,
            secs
        );
        s.push_str("\n  frames:");
        for (name, n) in KIND_NAMES.iter().zip(self.counts) {
            if n > 0 {
                s.push_str(&format!(" {name} {n},"));
            }
        }
        s.pop();
        s.push_str(&format!(
            "\n  EAPOL frames among the data: {} ({} EAPOL-Key, {} complete 4-way handshakes)",
            self.eapol, self.keys, self.handshakes
        ));
        if self.attacks.is_empty() {
            s.push_str("\n  attacks: none");
        }
        for a in &self.attacks {
            s.push_str(&format!("\n  attack: {a}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_sizes() {
        assert_eq!(parse_count("200k"), Ok(200_000));
        assert_eq!(parse_count("2m"), Ok(2_000_000));
        assert_eq!(parse_count("2M"), Ok(2_000_000));
        assert_eq!(parse_count("20_000"), Ok(20_000));
        assert_eq!(parse_count("123"), Ok(123));
        assert!(parse_count("0").is_err());
        assert!(parse_count("k").is_err());
        assert!(parse_count("1.5m").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("99999999999999999999k").is_err());
    }

    #[test]
    fn flood_addresses_are_distinct_unicast_and_local() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..200_000 {
            let m = flood_mac(n, 0xdead_beef_1234);
            assert_eq!(m[0] & 0x03, 0x02, "{m:?}");
            assert!(seen.insert(m), "{n}: {m:?} repeated");
        }
        assert_eq!(flood_clients(1), 0);
        assert_eq!(flood_clients(50), 49);
        assert_eq!(flood_clients(51), 49);
        assert_eq!(flood_clients(1_000_000), 980_000);
    }

    #[test]
    fn ipv4_checksum_verifies() {
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&60u16.to_be_bytes());
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&[10, 0, 0, 2]);
        ip[16..20].copy_from_slice(&[93, 184, 216, 34]);
        let s = ipv4_checksum(&ip);
        ip[10..12].copy_from_slice(&s.to_be_bytes());
        assert_eq!(ipv4_checksum(&ip), 0);
    }
}
