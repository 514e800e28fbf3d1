//! # kismetdb
//!
//! Kismet's log format, the kismetdb (a SQLite file), read and written: typed rows in, typed
//! rows out. This crate knows nothing about packets, devices or alerts beyond the columns that
//! hold them; the rest of Osprey reaches the database only through it.
//!
//! * [`Writer`] creates a log at db_version 9 whose schema is byte-identical to one written by
//!   Kismet 2025-09-R1, and batches rows into transactions committed at a bounded interval so a
//!   killed process leaves a valid file holding everything committed.
//! * [`Reader`] opens logs of db versions 1 to 10 (Kismet's own and Osprey's), checks that the
//!   file is a usable kismetdb with errors that name the file and the problem, and streams typed
//!   rows in constant memory.
//! * [`types`] holds Kismet's text encodings: MAC addresses, UUIDs, device keys and the
//!   non-standard adler32 behind them.
//!
//! ```
//! use kismetdb::{MacAddr, DeviceKey};
//! let mac: MacAddr = "68:B9:D3:13:C4:4D".parse().unwrap();
//! assert_eq!(DeviceKey::new("IEEE802.11", mac).to_string(), "4202770D00000000_4DC413D3B968");
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod reader;
pub mod records;
pub mod schema;
pub mod types;
pub mod value;
pub mod writer;

pub use error::{Error, Result};
pub use reader::{OpenOptions, Query, Reader, Rows, TableKind};
pub use records::{
    AlertRow, DataRow, DatasourceRow, DeviceRow, KismetMeta, MessageRow, PacketRow, SnapshotRow,
};
pub use schema::{Table, MAX_READ_VERSION, MIN_READ_VERSION, WRITE_VERSION};
pub use types::{adler32k, DeviceKey, GpsFix, MacAddr, ParseError, Timestamp, Uuid};
pub use writer::{CommitPolicy, Writer, WriterOptions, WriterStats};
