//! Typed rows of the kismetdb tables.
//!
//! Each row type borrows its bulky fields (`Cow`), so the writer can take rows that point into
//! a capture buffer and the reader can hand out rows that point into SQLite's row memory; call
//! `into_owned` to keep one. GPS values are always degrees here: the reader converts the
//! integer ×100 000 form of db_version ≤ 4.
//!
//! JSON columns are carried as bytes, not parsed: Kismet writes raw non-UTF-8 bytes inside JSON
//! strings (binary SSIDs), and this crate knows nothing of what the JSON means.

use std::borrow::Cow;

use crate::types::{DeviceKey, GpsFix, MacAddr, Timestamp, Uuid};

/// The one row of the `KISMET` meta table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KismetMeta {
    /// Version string of the program that wrote the log (`2025.09.0` for Kismet 2025-09-R1).
    pub kismet_version: String,
    /// Schema version of the log.
    pub db_version: u32,
    /// Database module name, `kismetlog`.
    pub db_module: String,
}

/// A `devices` row: the latest snapshot of one tracked device.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRow<'a> {
    /// First time seen, seconds.
    pub first_time: i64,
    /// Last time seen, seconds.
    pub last_time: i64,
    /// Device key; `None` in very old (v2) logs whose table has no `devkey` column or where it
    /// is empty.
    pub devkey: Option<DeviceKey>,
    /// Phy name (`IEEE802.11`, `BTLE`, ...).
    pub phyname: Cow<'a, str>,
    /// Device MAC.
    pub devmac: MacAddr,
    /// Strongest signal seen (dBm), 0 if never measured.
    pub strongest_signal: i32,
    /// Bounding-box minimum latitude, degrees.
    pub min_lat: f64,
    /// Bounding-box minimum longitude, degrees.
    pub min_lon: f64,
    /// Bounding-box maximum latitude, degrees.
    pub max_lat: f64,
    /// Bounding-box maximum longitude, degrees.
    pub max_lon: f64,
    /// Average latitude, degrees.
    pub avg_lat: f64,
    /// Average longitude, degrees.
    pub avg_lon: f64,
    /// Bytes of data seen.
    pub bytes_data: i64,
    /// Printable device type (`Wi-Fi AP`, `Wi-Fi Client`, ...).
    pub device_type: Cow<'a, str>,
    /// The full device record, JSON bytes (stored as BLOB).
    pub device: Cow<'a, [u8]>,
}

/// A `packets` row: one logged link-layer frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketRow<'a> {
    /// Capture timestamp.
    pub ts: Timestamp,
    /// Phy that decoded the frame, `Unknown` if none did.
    pub phyname: Cow<'a, str>,
    /// Source address.
    pub sourcemac: MacAddr,
    /// Destination address.
    pub destmac: MacAddr,
    /// Transmitter address (802.11: only for 4-address frames).
    pub transmac: MacAddr,
    /// Frequency in kHz, 0 if unknown.
    pub frequency: f64,
    /// Deprecated device key column; Kismet always writes `"0"`.
    pub devkey: Cow<'a, str>,
    /// Packet GPS (all zero without a fix).
    pub gps: GpsFix,
    /// Length of the stored frame.
    pub packet_len: i64,
    /// Signal in dBm, 0 without radio information.
    pub signal: i32,
    /// Capturing datasource.
    pub datasource: Uuid,
    /// Link type (DLT) of the stored frame.
    pub dlt: i32,
    /// Raw frame bytes as captured.
    pub packet: Cow<'a, [u8]>,
    /// Error flag (bad FCS, truncated, ...).
    pub error: bool,
    /// Space-separated packet tags, empty if none (v6+).
    pub tags: Cow<'a, str>,
    /// Data rate in Mbit/s, 0 if unknown (v7+).
    pub datarate: f64,
    /// CRC32 of the decapsulated frame (v8+). Stored as a signed 32-bit integer.
    pub hash: u32,
    /// Packet number (v8+).
    pub packetid: u64,
    /// Original on-air length (v9+; the reader uses `packet_len` for older logs).
    pub packet_full_len: i64,
}

/// A `data` row: a non-packet JSON record.
#[derive(Clone, Debug, PartialEq)]
pub struct DataRow<'a> {
    /// Record timestamp.
    pub ts: Timestamp,
    /// Phy name, `Unknown` if none.
    pub phyname: Cow<'a, str>,
    /// Source device MAC or zero.
    pub devmac: MacAddr,
    /// GPS (all zero without a fix).
    pub gps: GpsFix,
    /// Datasource UUID.
    pub datasource: Uuid,
    /// Record type (`sensor`, `METER`, `ADSB`, ...).
    pub data_type: Cow<'a, str>,
    /// JSON bytes (stored as TEXT).
    pub json: Cow<'a, [u8]>,
}

/// A `datasources` row.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasourceRow<'a> {
    /// Datasource UUID.
    pub uuid: Uuid,
    /// Driver type (`linuxwifi`, `pcapfile`, `kismetdb`, ...).
    pub typestring: Cow<'a, str>,
    /// Full source definition string.
    pub definition: Cow<'a, str>,
    /// Source name.
    pub name: Cow<'a, str>,
    /// Capture interface.
    pub interface: Cow<'a, str>,
    /// Datasource record, JSON bytes (stored as BLOB).
    pub json: Cow<'a, [u8]>,
}

/// An `alerts` row.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRow<'a> {
    /// Alert time.
    pub ts: Timestamp,
    /// Phy name (`IEEE802.11`, `ANY`, `UNKNOWN`, ...).
    pub phyname: Cow<'a, str>,
    /// The alert's transmitter MAC.
    pub devmac: MacAddr,
    /// Latitude, degrees (0 without location).
    pub lat: f64,
    /// Longitude, degrees (0 without location).
    pub lon: f64,
    /// Alert name (`DEAUTHFLOOD`, ...).
    pub header: Cow<'a, str>,
    /// Alert record, JSON bytes (stored as BLOB).
    pub json: Cow<'a, [u8]>,
}

/// A `messages` row.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRow<'a> {
    /// Time, whole seconds.
    pub ts_sec: i64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// `INFO`, `ERROR`, `DEBUG`, `FATAL`, or empty (Kismet writes alerts with an empty type).
    pub msgtype: Cow<'a, str>,
    /// Message text.
    pub message: Cow<'a, str>,
}

/// A `snapshots` row.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotRow<'a> {
    /// Snapshot time.
    pub ts: Timestamp,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Snapshot type (`SYSTEM`, `GPS`, `POI`, ...).
    pub snaptype: Cow<'a, str>,
    /// JSON bytes (stored as TEXT).
    pub json: Cow<'a, [u8]>,
}

fn own_str(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

fn own_bytes(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(c.into_owned())
}

impl DeviceRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> DeviceRow<'static> {
        DeviceRow {
            phyname: own_str(self.phyname),
            device_type: own_str(self.device_type),
            device: own_bytes(self.device),
            ..self
        }
    }
}

impl PacketRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> PacketRow<'static> {
        PacketRow {
            phyname: own_str(self.phyname),
            devkey: own_str(self.devkey),
            packet: own_bytes(self.packet),
            tags: own_str(self.tags),
            ..self
        }
    }
}

impl DataRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> DataRow<'static> {
        DataRow {
            phyname: own_str(self.phyname),
            data_type: own_str(self.data_type),
            json: own_bytes(self.json),
            ..self
        }
    }
}

impl DatasourceRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> DatasourceRow<'static> {
        DatasourceRow {
            typestring: own_str(self.typestring),
            definition: own_str(self.definition),
            name: own_str(self.name),
            interface: own_str(self.interface),
            json: own_bytes(self.json),
            ..self
        }
    }
}

impl AlertRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> AlertRow<'static> {
        AlertRow {
            phyname: own_str(self.phyname),
            header: own_str(self.header),
            json: own_bytes(self.json),
            ..self
        }
    }
}

impl MessageRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> MessageRow<'static> {
        MessageRow {
            msgtype: own_str(self.msgtype),
            message: own_str(self.message),
            ..self
        }
    }
}

impl SnapshotRow<'_> {
    /// Detaches the row from borrowed memory.
    pub fn into_owned(self) -> SnapshotRow<'static> {
        SnapshotRow {
            snaptype: own_str(self.snaptype),
            json: own_bytes(self.json),
            ..self
        }
    }
}
