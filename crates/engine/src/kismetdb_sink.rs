//! The kismetdb sink: turns dissected packets (and, as they arrive, devices, alerts and
//! messages) into kismetdb rows. It never parses packet bytes; it only maps the fields of the
//! per-packet record onto Kismet's columns.

use std::borrow::Cow;
use std::path::Path;

use kismetdb::{
    DatasourceRow, DeviceRow, MessageRow, PacketRow, Timestamp, Uuid, Writer, WriterOptions,
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

/// Writes rows to a kismetdb log.
pub struct KismetdbSink {
    writer: Writer,
    log_packets: bool,
    packet_no: u64,
}

impl KismetdbSink {
    /// Creates the log.
    pub fn create(path: &Path, log_packets: bool) -> Result<KismetdbSink, String> {
        let writer = Writer::create(path, WriterOptions::default()).map_err(|e| e.to_string())?;
        Ok(KismetdbSink {
            writer,
            log_packets,
            packet_no: 0,
        })
    }

    /// The Kismet `packets` row of a dissected packet.
    pub fn packet_row<'a>(p: &Packet<'a>, source: &Datasource, tags: &'a str) -> PacketRow<'a> {
        let gps = p.gps.unwrap_or_default();
        PacketRow {
            ts: p.ts,
            phyname: Cow::Borrowed(if p.error.is_some() {
                Phy::Unknown.name()
            } else {
                p.phy.name()
            }),
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

    /// Logs one packet (unless packet logging is off), with its space-separated tags.
    pub fn packet(
        &mut self,
        p: &Packet<'_>,
        source: &Datasource,
        tags: &str,
    ) -> Result<(), String> {
        self.packet_no += 1;
        if !self.log_packets {
            return Ok(());
        }
        self.writer
            .insert_packet(&Self::packet_row(p, source, tags))
            .map_err(|e| e.to_string())
    }

    /// Logs (upserts) a device row.
    pub fn device(&mut self, d: &osprey_tracker::Device) -> Result<(), String> {
        let json = crate::device_json(d);
        let (min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon) = match d.location {
            Some((a, b, c, e, sa, so, n)) if n > 0 => (a, b, c, e, sa / n as f64, so / n as f64),
            _ => (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        };
        self.writer
            .insert_device(&DeviceRow {
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
                device: Cow::Borrowed(json.as_bytes()),
            })
            .map_err(|e| e.to_string())
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
        self.writer
            .insert_snapshot(&kismetdb::SnapshotRow {
                ts,
                lat: 0.0,
                lon: 0.0,
                snaptype: Cow::Borrowed("SYSTEM"),
                json: Cow::Borrowed(json.as_bytes()),
            })
            .map_err(|e| e.to_string())
    }

    /// Logs an emitted alert: its `alerts` row, and its message (`"<HEADER> <text>"` with the
    /// empty message type Kismet gives alert messages).
    pub fn alert(&mut self, a: &osprey_alerts::Alert, phyname: &str) -> Result<(), String> {
        let json = a.to_kismet_json();
        self.writer
            .insert_alert(&kismetdb::AlertRow {
                ts: a.ts,
                phyname: Cow::Borrowed(phyname),
                devmac: a.transmitter,
                lat: a.location.map(|l| l.0).unwrap_or(0.0),
                lon: a.location.map(|l| l.1).unwrap_or(0.0),
                header: Cow::Borrowed(&a.header),
                json: Cow::Borrowed(json.as_bytes()),
            })
            .map_err(|e| e.to_string())?;
        self.message(a.ts, "", &a.message_text())
    }

    /// Logs (upserts) a datasource row.
    pub fn datasource(&mut self, d: &Datasource) -> Result<(), String> {
        let json = d.json();
        self.writer
            .insert_datasource(&DatasourceRow {
                uuid: d.uuid,
                typestring: Cow::Borrowed(d.typestring),
                definition: Cow::Borrowed(&d.definition),
                name: Cow::Borrowed(&d.name),
                interface: Cow::Borrowed(&d.interface),
                json: Cow::Borrowed(json.as_bytes()),
            })
            .map_err(|e| e.to_string())
    }

    /// Logs a message (`INFO`, `ERROR`, ...; empty type for alert messages, as Kismet does).
    pub fn message(&mut self, ts: Timestamp, msgtype: &str, text: &str) -> Result<(), String> {
        self.writer
            .insert_message(&MessageRow {
                ts_sec: ts.sec,
                lat: 0.0,
                lon: 0.0,
                msgtype: Cow::Borrowed(msgtype),
                message: Cow::Borrowed(text),
            })
            .map_err(|e| e.to_string())
    }

    /// Commits the open transaction if it is older than the commit interval (call it when
    /// idle, so rows do not wait for the next packet).
    pub fn tick(&mut self) -> Result<(), String> {
        self.writer.tick().map(|_| ()).map_err(|e| e.to_string())
    }

    /// Closes the log.
    pub fn close(self) -> Result<(), String> {
        self.writer.close().map(|_| ()).map_err(|e| e.to_string())
    }
}
