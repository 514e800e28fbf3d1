//! Repeated beacons and probe responses, on the detectors' side.
//!
//! The dissector names the frame a beacon or probe response repeats
//! ([`osprey_dissect::Packet::repeat_of`]). Detectors use this in two ways, each exact:
//!
//! * The stateless detectors (`Detector::stateless`) run where packets are dissected
//!   (`StatelessCheck`, set on the dissector by the engine), which marks the packets they find
//!   nothing in (`Packet::stateless_clean`); `Detectors::inspect` skips them on those. What
//!   finds nothing in a frame finds nothing in its repeat, so the check keeps, per BSSID and
//!   subtype, the last frame's packet number and that verdict (bounded by
//!   `detector_max_macs`), and does not run them on a repeat of a frame they found nothing in.
//! * A detector that derives something from the frame (SsidRecords' advertisement) may keep
//!   it with the packet number it came from and reuse it when `Context::repeat_of` names that
//!   packet.
//!
//! The tests below hold both shortcuts, alone and together, to running every detector on
//! every packet in full.

#[cfg(test)]
mod tests {
    /// A frame as captured: link type, bytes, time (seconds, microseconds), length on the
    /// wire.
    type Captured = (u32, Vec<u8>, i64, i64, u32);

    /// Every alert enabled, with room for every raise.
    fn everything() -> osprey_config::Options {
        let text: String = crate::detectors::KISMET_ORDER
            .iter()
            .map(|h| format!("alert={h},1000/sec,1000/sec\n"))
            .collect();
        osprey_config::Options::parse("test", &text).expect("config")
    }

    /// How [`findings`] runs the detectors.
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        /// Repeats are not named (the tracker and the detectors read every frame in full),
        /// and every detector is shown every packet, whatever its declared interest.
        Full,
        /// Repeats named and interests, without the dissector's check (every stateless
        /// detector runs on every packet it is interested in).
        Repeats,
        /// As the engine runs: repeats, interests, and the stateless detectors' check on the
        /// dissector.
        Engine,
    }

    /// Runs frames (link type, bytes, time) through dissection, tracking and every detector;
    /// per packet, what the detectors found, then every device record.
    fn findings(frames: &[Captured], mode: Mode) -> Vec<String> {
        findings_and_checked(frames, mode).0
    }

    /// [`findings`], and how many packets the dissector's check marked clean.
    fn findings_and_checked(frames: &[Captured], mode: Mode) -> (Vec<String>, usize) {
        let options = everything();
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let mut det = crate::Detectors::new(&mut alerts, &options).expect("config");
        let mut dis = osprey_dissect::Dissector::new();
        match mode {
            Mode::Full => {
                det = det.without_interests();
                dis.set_repeats(false);
            }
            Mode::Repeats => {}
            Mode::Engine => {
                let mut check = crate::StatelessCheck::new(&options).expect("config");
                dis.set_check(Box::new(move |p| check.clean(p)));
            }
        }
        let mut checked = 0;
        let mut tr = osprey_tracker::Tracker::new();
        let mut out = Vec::new();
        for (dlt, bytes, sec, usec, orig_len) in frames {
            let mut fr = crate::detectors::testing::frame(bytes, *sec, *usec);
            fr.dlt = *dlt;
            fr.orig_len = *orig_len;
            let p = dis.dissect(&fr);
            checked += usize::from(p.stateless_clean);
            let observed = tr.observe(&p, kismetdb::Uuid::NIL);
            let f = det.inspect(&crate::Context::new(&p, &tr, &observed), &mut alerts);
            let found: Vec<_> = f
                .alerts
                .iter()
                .map(|a| format!("{} {:?} {:?}", a.header, a.text, a.evidence))
                .collect();
            out.push(format!(
                "{} {}: {}",
                p.packet_no,
                f.tags(),
                found.join("; ")
            ));
        }
        out.extend(tr.devices().iter().map(|d| d.to_kismet_json("")));
        (out, checked)
    }

    /// How many of the frames repeat the last one of their BSSID and subtype.
    fn repeat_count(frames: &[Captured]) -> usize {
        let mut dis = osprey_dissect::Dissector::new();
        let mut n = 0;
        for (dlt, bytes, sec, usec, orig_len) in frames {
            let mut fr = crate::detectors::testing::frame(bytes, *sec, *usec);
            fr.dlt = *dlt;
            fr.orig_len = *orig_len;
            n += usize::from(dis.dissect(&fr).repeat_of.is_some());
        }
        n
    }

    /// A beacon or probe response of network `net` in one of 1 024 variants, each bit of which
    /// changes something an alert or the tracker reads: a 33-byte SSID (LONGSSID), the
    /// exploit's rates (MSFDLINKRATE), the channel (CHANCHANGE), the RSN element (CRYPTODROP),
    /// the beacon interval (BEACONRATE), another SSID, the country, a WPA element, the WPS
    /// state, and a truncated last element (MALFORMMGMT). The TIM changes with `seq`, as a
    /// real one does.
    fn advert(net: u8, subtype: u8, variant: u16, seq: u16, to: u8) -> Vec<u8> {
        let bssid = [0x02, 0, 0, 0, 0, net];
        let mut f = vec![subtype << 4, 0, 0, 0];
        f.extend(if subtype == 8 {
            [0xff; 6]
        } else {
            [0x02, 0, 0, 0, 0x99, to]
        });
        f.extend(bssid);
        f.extend(bssid);
        f.extend((seq << 4).to_le_bytes());
        f.extend(u64::from(seq).wrapping_mul(102_400).to_le_bytes());
        let interval: u16 = if variant & 16 != 0 { 200 } else { 100 };
        f.extend(interval.to_le_bytes());
        f.extend(0x0011u16.to_le_bytes());
        let ssid: Vec<u8> = if variant & 1 != 0 {
            vec![b'x'; 33]
        } else if variant & 32 != 0 {
            format!("other{net}").into_bytes()
        } else {
            format!("net{net}").into_bytes()
        };
        f.extend([0, ssid.len() as u8]);
        f.extend(ssid);
        // A TIM whose DTIM count and bitmap change from frame to frame, before the elements
        // the variants change.
        f.extend([5, 5, (seq % 3) as u8, 3, 0, (seq % 7) as u8, 0]);
        if variant & 2 != 0 {
            f.extend([1, 4, 0xeb, 0x49, 0x82, 0x84]);
        } else {
            f.extend([1, 4, 0x82, 0x84, 0x8b, 0x96]);
        }
        f.extend([3, 1, if variant & 4 != 0 { 6 } else { 1 }]);
        f.extend([7, 6]);
        f.extend(if variant & 64 != 0 { b"DE " } else { b"US " });
        f.extend([1, 11, 20]);
        if variant & 8 != 0 {
            f.extend([
                48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0,
                0,
            ]);
        }
        if variant & 128 != 0 {
            f.extend([
                221, 22, 0x00, 0x50, 0xf2, 0x01, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0,
            ]);
            f.extend([0x00, 0x50, 0xf2, 2, 1, 0, 0x00, 0x50, 0xf2, 2]);
        }
        // WPS: version 1.0, state configured (2) or unconfigured (1).
        let state = if variant & 256 != 0 { 2 } else { 1 };
        f.extend([221, 14, 0x00, 0x50, 0xf2, 0x04]);
        f.extend([0x10, 0x4a, 0, 1, 0x10, 0x10, 0x44, 0, 1, state]);
        if variant & 512 != 0 {
            // An element that runs past the end of the frame (MALFORMMGMT).
            f.extend([221, 50, 0x00, 0x50]);
        }
        f
    }

    /// `frame` behind a radiotap header that says an FCS follows, with the FCS.
    fn with_fcs(frame: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, 9, 0, 0x02, 0, 0, 0, 0x10];
        out.extend(frame);
        out.extend(osprey_dissect::crc32::crc32(frame).to_le_bytes());
        out
    }

    #[test]
    fn shortcuts_change_no_finding_and_no_device() {
        // Four networks; each frame keeps its network's last variant seven times in ten.
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut variant = [0u16; 4];
        let mut frames = Vec::new();
        for i in 0..4000u16 {
            let r = next();
            let net = (r % 4) as usize;
            if (r >> 8) % 10 >= 7 {
                variant[net] = ((r >> 16) % 2048) as u16;
            }
            let subtype = if (r >> 24) % 5 == 0 { 5 } else { 8 };
            let to = ((r >> 32) % 3) as u8;
            let f = advert(net as u8, subtype, variant[net], i, to);
            // Variant bit 1024: captured with radiotap and an FCS; one frame in twenty cut
            // short by the capture's snap length.
            let (dlt, f) = if variant[net] & 1024 != 0 {
                (127, with_fcs(&f))
            } else {
                (105, f)
            };
            let orig_len = f.len() as u32 + if (r >> 40) % 20 == 0 { 40 } else { 0 };
            frames.push((
                dlt,
                f,
                1000 + i64::from(i / 10),
                i64::from(i % 10) * 100_000,
                orig_len,
            ));
        }
        let repeats = repeat_count(&frames);
        assert!(repeats > 2000, "only {repeats} repeats");
        let with = findings(&frames, Mode::Repeats);
        let without = findings(&frames, Mode::Full);
        let (engine, checked) = findings_and_checked(&frames, Mode::Engine);
        // Most variants carry something an alert reads; the clean ones are still many.
        assert!(checked > 400, "only {checked} packets checked clean");
        assert_eq!(engine, with);
        for h in [
            "LONGSSID",
            "MSFDLINKRATE",
            "CHANCHANGE",
            "CRYPTODROP",
            "BEACONRATE",
            "MALFORMMGMT",
        ] {
            let n = with.iter().filter(|l| l.contains(h)).count();
            assert!(n > 10, "{h}: {n}");
        }
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(a, b);
        }
        assert_eq!(with.len(), without.len());
        // The variants reached the device records (the lines after the packets').
        let records = with[frames.len()..].join("\n");
        for needle in ["\"other", "\"net", "WPA2", "\"DE\"", "\"US\""] {
            assert!(records.contains(needle), "{needle} in no record");
        }
    }

    #[test]
    fn shortcuts_change_nothing_on_the_shared_captures() {
        let files = osprey_capture::sample_and_shared_captures().expect("no shared data");
        let (mut checked, mut repeats, mut clean) = (0, 0, 0);
        for path in &files {
            let mut frames = Vec::new();
            let _ = osprey_capture::for_each_frame(path, &mut |f| {
                frames.push((f.dlt, f.data.to_vec(), f.ts.sec, f.ts.usec, f.orig_len));
                osprey_capture::Flow::Continue
            });
            repeats += repeat_count(&frames);
            let full = findings(&frames, Mode::Full);
            assert_eq!(findings(&frames, Mode::Repeats), full, "{}", path.display());
            let (engine, n) = findings_and_checked(&frames, Mode::Engine);
            assert_eq!(engine, full, "{} (checked)", path.display());
            clean += n;
            checked += 1;
        }
        assert!(checked >= 20, "{checked} captures");
        assert!(repeats > 100, "{repeats} repeats in the shared captures");
        assert!(
            clean > 10_000,
            "{clean} packets checked clean in the shared captures"
        );
    }
}
