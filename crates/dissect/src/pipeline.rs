//! Reading and dissection on a thread of their own.
//!
//! [`dissect_file`] reads a capture and dissects its frames on a helper thread
//! (`capture-dissect`), and hands the packets, in order, to a callback on the calling thread,
//! which tracks and detects. Dissection is about a third of the packet path; on a machine
//! with a core to spare, it then costs the calling thread nothing.
//!
//! A dissected [`Packet`] borrows the bytes of its frame, which belong to the reader's
//! buffer, so the helper copies each frame into a batch buffer and sends the packet along
//! with the buffer, its byte slices kept as offsets ([`Detached`]). The calling thread
//! re-attaches them ([`Detached::attach`]): no parsing, a few field copies. Batches go back to
//! the helper to be reused, and at most [`IN_FLIGHT`] are under way, so a slow consumer holds
//! back the reading instead of growing memory.
//!
//! A large pcap file is mapped into memory instead ([`MappedCapture`]): its frames are read in
//! place and the batches carry only where the packets' bytes are in the file, so no byte is
//! copied at all; the pages behind the batches already handled are given back as it goes.
//!
//! What comes out is what [`Dissector::dissect`] called on each frame gives, in the same
//! order, with the same packet numbers, duplicates and repeats: the dissector moves to the
//! helper for the file and comes back with its state.

use std::path::Path;
use std::sync::{mpsc, Arc};

use osprey_capture::mapped::{MappedCapture, MIN_MAPPED_LEN};
use osprey_capture::{CaptureError, Flow, Frame, SourceStats};

use crate::dot11::Btle;
use crate::{Dissector, Link, Packet, Span};

/// Batches under way between the helper and the calling thread.
pub const IN_FLIGHT: usize = 4;

/// Packets per batch.
const BATCH_PACKETS: usize = 512;

/// A dissected packet without its bytes: the fields, and where its byte slices are in a batch
/// buffer.
#[derive(Clone, Copy, Debug)]
pub struct Detached {
    /// The packet, its slices empty.
    packet: Packet<'static>,
    /// Where `packet.raw` is.
    raw: Span,
    /// Where the link's bytes (802.11 frame or Bluetooth LE packet) are.
    link: Span,
    /// The frame's byte offset in its file.
    offset: u64,
}

impl Detached {
    /// Detaches `p`, dissected from `frame`, whose bytes are copied to `base` in a buffer.
    /// The slices of a packet from [`Dissector::dissect`] are all within the frame's bytes;
    /// one that is not would come back empty.
    pub fn new(p: &Packet<'_>, frame: &Frame<'_>, base: usize) -> Detached {
        let empty = Span {
            start: base,
            end: base,
        };
        let shift = |part: &[u8]| Span::of(frame.data, part).map_or(empty, |r| r.shift(base));
        let (link, slice) = match &p.link {
            Link::Dot11(d) => (Link::Dot11(d.with_bytes(&[])), shift(d.bytes())),
            Link::Btle(b) => (Link::Btle(Btle { ll: &[], ..*b }), shift(b.ll)),
            Link::None => (Link::None, empty),
        };
        Detached {
            packet: Packet {
                raw: &[],
                link,
                ..*p
            },
            raw: shift(p.raw),
            link: slice,
            offset: frame.offset,
        }
    }

    /// The packet again, its slices in `bytes` (the buffer it was detached into).
    pub fn attach<'b>(&self, bytes: &'b [u8]) -> Packet<'b> {
        let link = match &self.packet.link {
            Link::Dot11(d) => Link::Dot11(d.with_bytes(self.link.get(bytes))),
            Link::Btle(b) => Link::Btle(Btle {
                ll: self.link.get(bytes),
                ..*b
            }),
            Link::None => Link::None,
        };
        Packet {
            raw: self.raw.get(bytes),
            link,
            ..self.packet
        }
    }

    /// The frame's byte offset in its file.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Frames' bytes and their dissected packets.
#[derive(Default)]
struct Batch {
    /// The frames' bytes (empty for a mapped file: the packets point into the mapping).
    bytes: Vec<u8>,
    packets: Vec<Detached>,
    /// For a mapped file: where the batch's last frame ends in it.
    end: usize,
}

/// Reads `path` and dissects each frame with `dissector` on a helper thread, calling `f` on
/// this thread with each packet and its frame's byte offset in the file, in order, until `f`
/// says stop. Returns what reading the file gave and the dissector, with the state it was
/// left in (frames dissected but not yet handed to `f` when it said stop are counted in it).
pub fn dissect_file(
    path: &Path,
    dissector: Dissector,
    f: &mut dyn FnMut(Packet<'_>, u64) -> Flow,
) -> (Result<SourceStats, CaptureError>, Dissector) {
    // A file that cannot be mapped is read as a stream, which reports any error itself.
    let mapped = MappedCapture::open(path, MIN_MAPPED_LEN).ok().flatten();
    dissect(path, mapped.map(Arc::new), dissector, f)
}

/// The helper's end of the batches: fills one, sends it when full, takes an empty one back.
struct Batcher {
    batch: Batch,
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
    /// The calling thread has stopped taking batches.
    stopped: bool,
}

impl Batcher {
    /// Adds a packet; stops the reading when the calling thread takes no more.
    fn push(&mut self, d: Detached) -> Flow {
        self.batch.packets.push(d);
        if self.batch.packets.len() < BATCH_PACKETS {
            return Flow::Continue;
        }
        let next = self.empty.recv().unwrap_or_default();
        if self
            .full
            .send(std::mem::replace(&mut self.batch, next))
            .is_err()
        {
            self.stopped = true;
            return Flow::Stop;
        }
        Flow::Continue
    }

    /// Sends the last, partly filled batch.
    fn finish(self) {
        if !self.stopped && !self.batch.packets.is_empty() {
            let _ = self.full.send(self.batch);
        }
    }
}

/// [`dissect_file`], reading `mapped` when the file is mapped (the batches then carry no
/// bytes: the packets point into the mapping, and this thread gives back the pages behind the
/// batches it has finished, so the resident memory stays at a few batches of the file).
fn dissect(
    path: &Path,
    mapped: Option<Arc<MappedCapture>>,
    dissector: Dissector,
    f: &mut dyn FnMut(Packet<'_>, u64) -> Flow,
) -> (Result<SourceStats, CaptureError>, Dissector) {
    /// Pages of a mapped file are given back this many bytes at a time.
    const RELEASE: usize = 1 << 20;
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    for _ in 0..IN_FLIGHT {
        let _ = empty_tx.send(Batch::default());
    }
    let path_owned = path.to_path_buf();
    let file = mapped.clone();
    let helper = std::thread::Builder::new()
        .name("capture-dissect".into())
        .spawn(move || {
            let mut dissector = dissector;
            let mut out = Batcher {
                batch: Batch::default(),
                full: full_tx,
                empty: empty_rx,
                stopped: false,
            };
            let result = match &file {
                Some(m) => {
                    let bytes = m.bytes();
                    m.for_each_frame(&mut |frame| {
                        let p = dissector.dissect(frame);
                        // The reader lends every frame from the mapping.
                        let at = Span::of(bytes, frame.data).map_or(0, |s| s.start);
                        out.batch.end = at + frame.data.len();
                        out.push(Detached::new(&p, frame, at))
                    })
                }
                None => osprey_capture::for_each_frame(&path_owned, &mut |frame| {
                    let p = dissector.dissect(frame);
                    let d = Detached::new(&p, frame, out.batch.bytes.len());
                    out.batch.bytes.extend_from_slice(frame.data);
                    out.push(d)
                }),
            };
            out.finish();
            (result, dissector)
        });
    let helper = match helper {
        Ok(h) => h,
        Err(e) => {
            // No thread: there is nothing to hand back, as the dissector moved into the
            // closure that failed to start.
            let err = CaptureError::Io {
                path: path.to_path_buf(),
                context: "starting the dissection thread".into(),
                source: e,
            };
            return (Err(err), Dissector::new());
        }
    };
    let mut released = 0;
    'batches: for mut batch in full_rx.iter() {
        let bytes = match &mapped {
            Some(m) => m.bytes(),
            None => &batch.bytes,
        };
        for d in &batch.packets {
            if f(d.attach(bytes), d.offset) == Flow::Stop {
                break 'batches;
            }
        }
        if let Some(m) = mapped.as_ref().filter(|_| batch.end >= released + RELEASE) {
            m.release(released, batch.end);
            released = batch.end / RELEASE * RELEASE;
        }
        batch.bytes.clear();
        batch.packets.clear();
        let _ = empty_tx.send(batch);
    }
    // Dropping the receiver stops the helper at its next full batch.
    drop(full_rx);
    drop(empty_tx);
    match helper.join() {
        Ok(r) => r,
        Err(_) => {
            let err = CaptureError::Io {
                path: path.to_path_buf(),
                context: "the dissection thread".into(),
                source: std::io::Error::other("it stopped unexpectedly"),
            };
            (Err(err), Dissector::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every packet of every shared capture and sample: dissected on the helper and attached
    /// again, read as a stream or (pcap files) mapped, it is what dissecting in place gives,
    /// field for field and byte for byte.
    #[test]
    fn packets_come_out_as_dissected_in_place() {
        let files = osprey_capture::sample_and_shared_captures().expect("no shared data");
        let (mut total, mut mapped_files) = (0, 0);
        // One dissector across all files for each side, as analyze keeps one.
        let mut inline = Dissector::new();
        let mut sides = [Dissector::new(), Dissector::new()];
        for path in &files {
            let mut want = Vec::new();
            let r1 = osprey_capture::for_each_frame(path, &mut |frame| {
                let p = inline.dissect(frame);
                want.push(format!("{p:?} {}", frame.offset));
                Flow::Continue
            });
            for (side, map) in [(0, false), (1, true)] {
                // The second side maps every pcap file, whatever its size, and reads the rest.
                let mapped = match map {
                    true => MappedCapture::open(path, 0).unwrap().map(Arc::new),
                    false => None,
                };
                mapped_files += usize::from(mapped.is_some());
                let what = format!("{} mapped {map}", path.display());
                let mut got = Vec::new();
                let d = std::mem::take(&mut sides[side]);
                let (r2, back) = dissect(path, mapped, d, &mut |p, offset| {
                    got.push(format!("{p:?} {offset}"));
                    Flow::Continue
                });
                sides[side] = back;
                assert_eq!(got, want, "{what}");
                assert_eq!(
                    r1.as_ref().map(|s| s.frames).map_err(|e| e.to_string()),
                    r2.map(|s| s.frames).map_err(|e| e.to_string()),
                    "{what}"
                );
                assert_eq!(inline.stats(), sides[side].stats(), "{what}");
                total += got.len();
            }
        }
        assert!(total > 10_000, "{total} packets");
        assert!(mapped_files > 5, "{mapped_files} pcap files mapped");
    }

    /// Stopping early stops the helper; what was handed over is what came first.
    #[test]
    fn the_consumer_can_stop() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../samples/krack_example-tptk-attack.pcapng");
        let mut n = 0;
        let (r, d) = dissect_file(&path, Dissector::new(), &mut |p, _| {
            n += 1;
            assert_eq!(p.packet_no, 2 * n - 1);
            if n == 3 {
                Flow::Stop
            } else {
                Flow::Continue
            }
        });
        assert_eq!(n, 3);
        assert!(r.is_ok());
        assert!(d.stats().packets >= 3);
    }
}
