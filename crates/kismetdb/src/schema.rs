//! The kismetdb schema as Kismet 2025-09-R1 creates it (db_version 9).
//!
//! The `CREATE TABLE` strings are kept byte for byte: SQLite stores them verbatim in
//! `sqlite_master.sql`, and readers such as Kismet's Python module compare column lists
//! positionally. Note the space before the closing parenthesis of `data`, `alerts`, `messages` and
//! `snapshots`, and its absence in the others: that is how Kismet writes them.

/// The db_version this crate writes.
pub const WRITE_VERSION: u32 = 9;
/// The oldest db_version the reader accepts.
pub const MIN_READ_VERSION: u32 = 1;
/// The newest db_version the reader accepts (10 is Kismet's development version after R1).
pub const MAX_READ_VERSION: u32 = 10;
/// The `db_module` value of the `KISMET` table.
pub const DB_MODULE: &str = "kismetlog";

/// `CREATE TABLE` for the one-row meta table.
pub const CREATE_KISMET: &str =
    "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT)";

/// `CREATE TABLE` statements of the seven log tables, in Kismet's creation order.
pub const CREATE_TABLES: [&str; 7] = [
    "CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat REAL, min_lon REAL, max_lat REAL, max_lon REAL, avg_lat REAL, avg_lon REAL, bytes_data INT, type TEXT, device BLOB, UNIQUE(phyname, devmac) ON CONFLICT REPLACE)",
    "CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT, transmac TEXT, frequency REAL, devkey TEXT, lat REAL, lon REAL, alt REAL, speed REAL, heading REAL, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT, tags TEXT, datarate REAL, hash INT, packetid INT, packet_full_len INT)",
    "CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat REAL, lon REAL, alt REAL, speed REAL, heading REAL, datasource TEXT, type TEXT, json BLOB )",
    "CREATE TABLE datasources (uuid TEXT, typestring TEXT, definition TEXT, name TEXT, interface TEXT, json BLOB, UNIQUE(uuid) ON CONFLICT REPLACE)",
    "CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat REAL, lon REAL, header TEXT, json BLOB )",
    "CREATE TABLE messages (ts_sec INT, lat REAL, lon REAL, msgtype TEXT, message TEXT )",
    "CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat REAL, lon REAL, snaptype TEXT, json BLOB )",
];

/// The seven log tables of a kismetdb.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Table {
    /// Device records, one row per (phy, MAC), upserted.
    Devices,
    /// One row per logged link-layer frame.
    Packets,
    /// Non-packet JSON records (sensors, meters, ADS-B).
    Data,
    /// One row per datasource, upserted by UUID.
    Datasources,
    /// One row per raised alert.
    Alerts,
    /// Console / message-bus messages.
    Messages,
    /// Periodic JSON snapshots (SYSTEM, GPS, ...).
    Snapshots,
}

impl Table {
    /// All tables, in Kismet's creation order.
    pub const ALL: [Table; 7] = [
        Table::Devices,
        Table::Packets,
        Table::Data,
        Table::Datasources,
        Table::Alerts,
        Table::Messages,
        Table::Snapshots,
    ];

    /// The SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Devices => "devices",
            Table::Packets => "packets",
            Table::Data => "data",
            Table::Datasources => "datasources",
            Table::Alerts => "alerts",
            Table::Messages => "messages",
            Table::Snapshots => "snapshots",
        }
    }

    /// The table's `CREATE TABLE` text at db_version 9.
    pub fn create_sql(self) -> &'static str {
        CREATE_TABLES[self as usize]
    }

    /// The columns holding the table's time, if any: (seconds column, optional end column).
    ///
    /// Devices carry `first_time`/`last_time`; the datasources table has no time at all.
    pub fn time_columns(self) -> Option<(&'static str, &'static str)> {
        match self {
            Table::Devices => Some(("first_time", "last_time")),
            Table::Datasources => None,
            _ => Some(("ts_sec", "ts_sec")),
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// INSERT statements. Column order follows the tables; storage is by name, so this is invisible
/// in the file.
pub(crate) mod insert {
    pub const KISMET: &str =
        "INSERT INTO KISMET (kismet_version, db_version, db_module) VALUES (?, ?, ?)";
    pub const DEVICE: &str = "INSERT INTO devices (first_time, last_time, devkey, phyname, devmac, strongest_signal, min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon, bytes_data, type, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    pub const PACKET: &str = "INSERT INTO packets (ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, frequency, devkey, lat, lon, alt, speed, heading, packet_len, signal, datasource, dlt, packet, error, tags, datarate, hash, packetid, packet_full_len) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    pub const DATA: &str = "INSERT INTO data (ts_sec, ts_usec, phyname, devmac, lat, lon, alt, speed, heading, datasource, type, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    pub const DATASOURCE: &str = "INSERT INTO datasources (uuid, typestring, definition, name, interface, json) VALUES (?, ?, ?, ?, ?, ?)";
    pub const ALERT: &str = "INSERT INTO alerts (ts_sec, ts_usec, phyname, devmac, lat, lon, header, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    pub const MESSAGE: &str =
        "INSERT INTO messages (ts_sec, lat, lon, msgtype, message) VALUES (?, ?, ?, ?, ?)";
    pub const SNAPSHOT: &str = "INSERT INTO snapshots (ts_sec, ts_usec, lat, lon, snaptype, json) VALUES (?, ?, ?, ?, ?, ?)";
}
