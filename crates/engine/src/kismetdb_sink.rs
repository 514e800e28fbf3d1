//! The kismetdb sink: turns dissected packets (and, as they arrive, devices, alerts and
//! messages) into kismetdb rows. It never parses packet bytes; it only maps the fields of the
//! per-packet record onto Kismet's columns.
//!
//! # Two threads
//!
//! SQLite runs on a thread of its own. The sink copies each row into a [`Batch`] (packet
//! bytes and tags into one arena, so a packet costs no allocation) and hands full batches over
//! a bounded channel to the writer thread, which inserts them in order with one prepared
//! statement per run of packets and commits by the writer's policy (every second or 100 000
//! rows). Batches come back over a second channel to be reused. The bound (a few batches)
//! keeps memory flat: when SQLite falls behind, the packet path waits instead of queueing
//! without limit. Rows reach the writer in the order the engine produced them, so the log is
//! the same as with one thread; a batch is handed over when full, at every [`tick`], and at
//! least every [`HANDOVER`], so nothing waits in memory longer than that plus the commit
//! interval. A write error stops the writer thread; the sink reports it at the next call.
//!
//! [`tick`]: KismetdbSink::tick

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kismetdb::{
    AlertRow, DatasourceRow, DeviceRow, MessageRow, PacketRow, SnapshotRow, Timestamp, Uuid,
    Writer, WriterOptions,
};
use osprey_dissect::{Packet, Phy};

/// The datasource a capture file becomes, named the way Kismet names a pcapfile source.
#[derive(Clone, Debug)]
pub struct Datasource {
    /// UUID: Kismet's pcapfile form, adler32 of the helper name and of the path.
    pub uuid: Uuid,
    /// Source name (`pcap`, as in Kismet's reference runs).
    pub name: String,
    /// The capture path.
    pub interface: String,
    /// The source definition.
    pub definition: String,
    /// Driver type (`pcapfile` or `kismetdb`).
    pub typestring: &'static str,
    /// Packets seen.
    pub packets: u64,
    /// Error packets seen.
    pub errors: u64,
}

impl Datasource {
    /// The datasource for a capture file.
    pub fn for_capture(path: &Path, typestring: &'static str) -> Datasource {
        let p = path.display().to_string();
        Datasource {
            uuid: Uuid::kismet_source("kismet_cap_pcapfile", &p),
            name: "pcap".into(),
            interface: p.clone(),
            definition: format!("{p}:name=pcap,type={typestring}"),
            typestring,
            packets: 0,
            errors: 0,
        }
    }

    /// Kismet's datasource record as JSON (the fields Kismet's tools read).
    pub fn json(&self) -> String {
        let v = serde_json::json!({
            "kismet.datasource.uuid": self.uuid.to_string(),
            "kismet.datasource.name": self.name,
            "kismet.datasource.interface": self.interface,
            "kismet.datasource.capture_interface": self.interface,
            "kismet.datasource.definition": self.definition,
            "kismet.datasource.type_driver": {
                "kismet.datasource.driver.type": self.typestring,
                "kismet.datasource.driver.description": if self.typestring == "kismetdb" {
                    "Kismetdb unified log file"
                } else {
                    "Pcap file"
                },
            },
            "kismet.datasource.hardware": "",
            "kismet.datasource.channel": "",
            "kismet.datasource.hopping": 0,
            "kismet.datasource.hop_rate": 0,
            "kismet.datasource.hop_channels": [],
            "kismet.datasource.num_packets": self.packets,
            "kismet.datasource.num_error_packets": self.errors,
            "kismet.datasource.running": 0,
            "kismet.datasource.remote": 0,
            "kismet.datasource.error": 0,
        });
        v.to_string()
    }
}

/// The phy name a packet is logged under: Kismet logs error packets as UNKNOWN.
fn phyname(p: &Packet<'_>) -> &'static str {
    if p.error.is_some() {
        Phy::Unknown.name()
    } else {
        p.phy.name()
    }
}

/// Rows per batch handed to the writer thread.
const BATCH_ROWS: usize = 2048;
/// Arena bytes per batch before it is handed over early (large frames).
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight between the sink and the writer thread: the bound on queued memory.
const IN_FLIGHT: usize = 4;
/// The longest a row waits in a partly filled batch (checked every 64 rows and at ticks).
pub const HANDOVER: Duration = Duration::from_millis(200);

/// A packet row whose bytes and tags live in its batch's arena.
struct PacketOp {
    row: PacketRow<'static>,
    packet: Range<usize>,
    tags: Range<usize>,
}

/// One row for the writer thread, in the order the engine produced it.
enum Op {
    Packet(PacketOp),
    Device(DeviceRow<'static>),
    Snapshot(SnapshotRow<'static>),
    Alert(AlertRow<'static>),
    Datasource(DatasourceRow<'static>),
    Message(MessageRow<'static>),
}

/// Rows on their way to the writer thread.
#[derive(Default)]
struct Batch {
    ops: Vec<Op>,
    arena: Vec<u8>,
}

impl Batch {
    fn clear(&mut self) {
        self.ops.clear();
        self.arena.clear();
    }
}

/// What the sink sends the writer thread.
enum ToWriter {
    Rows(Batch),
    /// Commit now if the commit interval has passed.
    Tick,
    /// Commit everything now and answer.
    Commit(SyncSender<Result<(), String>>),
}

/// The writer thread: inserts batches in order, returns them for reuse, closes the log at the
/// end. Returns the first error.
fn writer_thread(
    mut writer: Writer,
    rx: Receiver<ToWriter>,
    recycle: SyncSender<Batch>,
) -> Result<(), String> {
    let e = |e: kismetdb::Error| match e {
        kismetdb::Error::DiskFull { .. } => {
            format!("{e}; the log keeps every row committed before this")
        }
        e => e.to_string(),
    };
    while let Ok(msg) = rx.recv() {
        match msg {
            ToWriter::Rows(mut batch) => {
                write_batch(&mut writer, &batch).map_err(e)?;
                batch.clear();
                // The sink may have enough spare batches already; then this one is dropped.
                let _ = recycle.try_send(batch);
            }
            ToWriter::Tick => {
                writer.tick().map_err(e)?;
            }
            ToWriter::Commit(answer) => {
                let r = writer.commit().map_err(e);
                let failed = r.is_err();
                let _ = answer.send(r.clone());
                if failed {
                    return r;
                }
            }
        }
    }
    writer.close().map(|_| ()).map_err(e)
}

/// Inserts a batch's rows in order, each run of packets with one statement.
fn write_batch(w: &mut Writer, batch: &Batch) -> kismetdb::Result<()> {
    let arena = &batch.arena[..];
    let mut i = 0;
    while i < batch.ops.len() {
        let run = batch.ops[i..]
            .iter()
            .take_while(|op| matches!(op, Op::Packet(_)))
            .count();
        if run > 0 {
            w.insert_packets(batch.ops[i..i + run].iter().filter_map(|op| match op {
                Op::Packet(p) => {
                    let mut row = p.row.clone();
                    row.packet = Cow::Borrowed(arena.get(p.packet.clone()).unwrap_or_default());
                    row.tags = Cow::Borrowed(
                        arena
                            .get(p.tags.clone())
                            .and_then(|t| std::str::from_utf8(t).ok())
                            .unwrap_or_default(),
                    );
                    Some(row)
                }
                _ => None,
            }))?;
            i += run;
            continue;
        }
        match &batch.ops[i] {
            Op::Packet(_) => {}
            Op::Device(r) => w.insert_device(r)?,
            Op::Snapshot(r) => w.insert_snapshot(r)?,
            Op::Alert(r) => w.insert_alert(r)?,
            Op::Datasource(r) => w.insert_datasource(r)?,
            Op::Message(r) => w.insert_message(r)?,
        }
        i += 1;
    }
    Ok(())
}

/// Writes rows to a kismetdb log, through a writer thread (see the module documentation).
pub struct KismetdbSink {
    log_packets: bool,
    batch: Batch,
    /// When the oldest row of the current batch was added.
    batch_started: Option<Instant>,
    tx: Option<SyncSender<ToWriter>>,
    recycled: Receiver<Batch>,
    thread: Option<JoinHandle<Result<(), String>>>,
    /// The writer thread's error, once known.
    failed: Option<String>,
}

impl KismetdbSink {
    /// Creates the log and starts its writer thread.
    pub fn create(path: &Path, log_packets: bool) -> Result<KismetdbSink, String> {
        let writer = Writer::create(path, WriterOptions::default()).map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::sync_channel(IN_FLIGHT);
        let (recycle, recycled) = mpsc::sync_channel(IN_FLIGHT + 1);
        let thread = std::thread::Builder::new()
            .name("kismetdb-writer".into())
            .spawn(move || writer_thread(writer, rx, recycle))
            .map_err(|e| format!("{}: starting the log writer thread: {e}", path.display()))?;
        Ok(KismetdbSink {
            log_packets,
            batch: Batch::default(),
            batch_started: None,
            tx: Some(tx),
            recycled,
            thread: Some(thread),
            failed: None,
        })
    }

    /// The writer thread's error: it has stopped, so its result is collected.
    fn writer_error(&mut self) -> String {
        if let Some(e) = &self.failed {
            return e.clone();
        }
        self.tx = None;
        let e = match self.thread.take().map(|t| t.join()) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => "the log writer thread stopped unexpectedly".to_string(),
            _ => "the log writer has stopped".to_string(),
        };
        self.failed = Some(e.clone());
        e
    }

    fn send(&mut self, msg: ToWriter) -> Result<(), String> {
        if self.failed.is_some() {
            return Err(self.writer_error());
        }
        match self.tx.as_ref().map(|tx| tx.send(msg)) {
            Some(Ok(())) => Ok(()),
            _ => Err(self.writer_error()),
        }
    }

    /// Hands the current batch to the writer thread.
    fn hand_over(&mut self) -> Result<(), String> {
        self.batch_started = None;
        if self.batch.ops.is_empty() {
            return Ok(());
        }
        let mut next = self.recycled.try_recv().unwrap_or_default();
        std::mem::swap(&mut next, &mut self.batch);
        self.send(ToWriter::Rows(next))
    }

    /// Adds a row; hands the batch over when it is full or has waited long enough.
    fn push(&mut self, op: Op) -> Result<(), String> {
        if self.failed.is_some() {
            return Err(self.writer_error());
        }
        self.batch.ops.push(op);
        let n = self.batch.ops.len();
        if n == 1 {
            self.batch_started = Some(Instant::now());
        }
        if n >= BATCH_ROWS
            || self.batch.arena.len() >= BATCH_BYTES
            || (n % 64 == 0 && self.batch_started.is_some_and(|t| t.elapsed() >= HANDOVER))
        {
            self.hand_over()?;
        }
        Ok(())
    }

    /// The Kismet `packets` row of a dissected packet.
    pub fn packet_row<'a>(p: &Packet<'a>, source: &Datasource, tags: &'a str) -> PacketRow<'a> {
        let gps = p.gps.unwrap_or_default();
        PacketRow {
            ts: p.ts,
            phyname: Cow::Borrowed(phyname(p)),
            sourcemac: p.source,
            destmac: p.dest,
            transmac: p.transmitter,
            frequency: f64::from(p.freq_khz),
            devkey: Cow::Borrowed("0"),
            gps,
            packet_len: p.raw.len() as i64,
            signal: p.signal_dbm.unwrap_or(0),
            datasource: source.uuid,
            dlt: p.dlt as i32,
            packet: Cow::Borrowed(p.raw),
            error: p.error.is_some(),
            tags: Cow::Borrowed(tags),
            datarate: p.datarate_mbps(),
            hash: p.hash,
            packetid: p.packet_no,
            packet_full_len: i64::from(p.orig_len),
        }
    }

    /// Whether packets are logged (not `--no-packets`).
    pub fn logs_packets(&self) -> bool {
        self.log_packets
    }

    /// Logs one packet (unless packet logging is off), with its space-separated tags.
    pub fn packet(
        &mut self,
        p: &Packet<'_>,
        source: &Datasource,
        tags: &str,
    ) -> Result<(), String> {
        if !self.log_packets {
            return Ok(());
        }
        let arena = &mut self.batch.arena;
        let at = arena.len();
        arena.extend_from_slice(p.raw);
        arena.extend_from_slice(tags.as_bytes());
        let packet = at..at + p.raw.len();
        let tags = packet.end..arena.len();
        // The bytes and tags are in the arena; the row itself borrows nothing.
        let row = Self::packet_row(p, source, "");
        let row = PacketRow {
            ts: row.ts,
            phyname: Cow::Borrowed(phyname(p)),
            sourcemac: row.sourcemac,
            destmac: row.destmac,
            transmac: row.transmac,
            frequency: row.frequency,
            devkey: Cow::Borrowed("0"),
            gps: row.gps,
            packet_len: row.packet_len,
            signal: row.signal,
            datasource: row.datasource,
            dlt: row.dlt,
            packet: Cow::Borrowed(&[]),
            error: row.error,
            tags: Cow::Borrowed(""),
            datarate: row.datarate,
            hash: row.hash,
            packetid: row.packetid,
            packet_full_len: row.packet_full_len,
        };
        self.push(Op::Packet(PacketOp { row, packet, tags }))
    }

    /// Logs (upserts) a device row.
    pub fn device(&mut self, d: &osprey_tracker::Device) -> Result<(), String> {
        self.device_with_json(d, crate::device_json(d))
    }

    /// [`KismetdbSink::device`] with the device's record already written
    /// ([`crate::device_json`]).
    pub fn device_with_json(
        &mut self,
        d: &osprey_tracker::Device,
        json: String,
    ) -> Result<(), String> {
        let (min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon) = match d.location {
            Some((a, b, c, e, sa, so, n)) if n > 0 => (a, b, c, e, sa / n as f64, so / n as f64),
            _ => (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        };
        self.push(Op::Device(DeviceRow {
            first_time: d.first_time,
            last_time: d.last_time,
            devkey: Some(d.key),
            phyname: Cow::Borrowed(d.phy.name()),
            devmac: d.mac,
            strongest_signal: d.max_signal.unwrap_or(0),
            min_lat,
            min_lon,
            max_lat,
            max_lon,
            avg_lat,
            avg_lon,
            bytes_data: d.data_bytes as i64,
            device_type: Cow::Borrowed(d.type_string()),
            device: Cow::Owned(json.into_bytes()),
        }))
    }

    /// Logs the SYSTEM snapshot Kismet writes when a log opens (`kismet.system.*`).
    ///
    /// It also carries `kismet.system.server_uuid`, which Kismet 2025-09-R1 no longer writes
    /// but Kismet's Python reader (`kismetdb.Kismet`) requires.
    pub fn system_snapshot(&mut self, devices: usize, server_uuid: Uuid) -> Result<(), String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ts = Timestamp::new(now.as_secs() as i64, i64::from(now.subsec_micros()));
        let user = std::env::var("USER").unwrap_or_default();
        let json = serde_json::json!({
            "kismet.system.version": format!("osprey {}", env!("CARGO_PKG_VERSION")),
            "kismet.system.git": "",
            "kismet.system.build_time": "",
            "kismet.system.server_name": "Osprey",
            "kismet.system.server_description": "",
            "kismet.system.server_location": "",
            "kismet.system.server_uuid": server_uuid.to_string(),
            "kismet.system.user": user,
            "kismet.system.timestamp.sec": ts.sec,
            "kismet.system.timestamp.usec": ts.usec,
            "kismet.system.timestamp.start_sec": ts.sec,
            "kismet.system.devices.count": devices,
        })
        .to_string();
        self.push(Op::Snapshot(SnapshotRow {
            ts,
            lat: 0.0,
            lon: 0.0,
            snaptype: Cow::Borrowed("SYSTEM"),
            json: Cow::Owned(json.into_bytes()),
        }))
    }

    /// Logs an emitted alert: its `alerts` row, and its message (`"<HEADER> <text>"` with the
    /// empty message type Kismet gives alert messages).
    pub fn alert(&mut self, a: &osprey_alerts::Alert, phyname: &str) -> Result<(), String> {
        let json = a.to_kismet_json();
        self.push(Op::Alert(AlertRow {
            ts: a.ts,
            phyname: Cow::Owned(phyname.to_string()),
            devmac: a.transmitter,
            lat: a.location.map(|l| l.0).unwrap_or(0.0),
            lon: a.location.map(|l| l.1).unwrap_or(0.0),
            header: Cow::Owned(a.header.to_string()),
            json: Cow::Owned(json.into_bytes()),
        }))?;
        self.message(a.ts, "", &a.message_text())
    }

    /// Logs (upserts) a datasource row.
    pub fn datasource(&mut self, d: &Datasource) -> Result<(), String> {
        let json = d.json();
        self.push(Op::Datasource(DatasourceRow {
            uuid: d.uuid,
            typestring: Cow::Borrowed(d.typestring),
            definition: Cow::Owned(d.definition.clone()),
            name: Cow::Owned(d.name.clone()),
            interface: Cow::Owned(d.interface.clone()),
            json: Cow::Owned(json.into_bytes()),
        }))
    }

    /// Logs a message (`INFO`, `ERROR`, ...; empty type for alert messages, as Kismet does).
    pub fn message(&mut self, ts: Timestamp, msgtype: &str, text: &str) -> Result<(), String> {
        self.push(Op::Message(MessageRow {
            ts_sec: ts.sec,
            lat: 0.0,
            lon: 0.0,
            msgtype: Cow::Owned(msgtype.to_string()),
            message: Cow::Owned(text.to_string()),
        }))
    }

    /// Hands over what is waiting and lets the writer commit if the commit interval has
    /// passed (call it when idle, so rows do not wait for the next packet).
    pub fn tick(&mut self) -> Result<(), String> {
        self.hand_over()?;
        self.send(ToWriter::Tick)
    }

    /// Hands over everything and waits until the writer has committed it: after this, a
    /// reader of the file sees every row logged so far.
    pub fn commit(&mut self) -> Result<(), String> {
        self.hand_over()?;
        let (answer, done) = mpsc::sync_channel(1);
        self.send(ToWriter::Commit(answer))?;
        match done.recv() {
            Ok(r) => r,
            Err(_) => Err(self.writer_error()),
        }
    }

    /// Hands over the last rows, waits for the writer thread to commit them and closes the
    /// log.
    pub fn close(mut self) -> Result<(), String> {
        self.hand_over()?;
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err("the log writer thread stopped unexpectedly".to_string()),
            None => Err(self.writer_error()),
        }
    }
}

impl Drop for KismetdbSink {
    /// An unclosed sink (an error path) still hands over and commits what it holds.
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.hand_over();
            self.tx = None;
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}
