//! A kismetdb log as a packet source: its `packets` table replayed in capture-time order
//! (`ORDER BY ts_sec, ts_usec`), each row as a frame with its stored link type, bytes and GPS.
//!
//! Like Kismet's own kismetdb datasource, only what a capture would carry is replayed: the
//! stored signal, datasource and tags are not (the frames are dissected again). Unlike Kismet
//! 2025-09-R1, whose replay reads the packet columns shifted by one (kismet issue #619), this
//! reads them by name.

use std::path::Path;

use kismetdb::{OpenOptions, Reader};

use crate::{CaptureError, Flow, Frame, SourceStats};

/// A kismetdb log opened for replay.
pub struct KismetdbSource {
    reader: Reader,
}

impl KismetdbSource {
    /// Opens a log read-only.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        Ok(KismetdbSource {
            reader: Reader::open_with(path, OpenOptions::default())?,
        })
    }

    /// The underlying reader.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Calls `f` for every stored packet in time order.
    pub fn for_each_frame(
        &mut self,
        f: &mut dyn FnMut(&Frame<'_>) -> Flow,
    ) -> Result<SourceStats, CaptureError> {
        let mut stats = SourceStats::default();
        let mut query = self.reader.packets_by_time()?;
        let mut stop = false;
        query.for_each(|p| -> Result<(), kismetdb::Error> {
            if stop {
                return Ok(());
            }
            stats.frames += 1;
            stats.bytes += p.packet.len() as u64;
            let frame = Frame {
                ts: p.ts,
                dlt: p.dlt.max(0) as u32,
                data: &p.packet,
                orig_len: u32::try_from(p.packet_full_len.max(p.packet.len() as i64))
                    .unwrap_or(u32::MAX),
                interface: 0,
                offset: 0,
                gps: p.gps.has_location().then_some(p.gps),
            };
            if f(&frame) == Flow::Stop {
                stop = true;
            }
            Ok(())
        })?;
        Ok(stats)
    }
}
