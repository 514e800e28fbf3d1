//! # osprey-logtools
//!
//! Kismet's log tools (`kismetdb_to_pcap`, `kismetdb_dump_devices`, `kismetdb_statistics`,
//! `kismetdb_to_kml`, `kismetdb_to_wiglecsv`, `kismetdb_to_gpx`, `kismetdb_strip_packets`,
//! `kismetdb_clean`) as a library, correct where Kismet's are not. The input log is never
//! modified; outputs are written under a temporary name and renamed when complete.

#![warn(missing_docs)]

pub mod calendar;
pub mod devices;
pub mod geo;
pub mod maintenance;
pub mod output;
pub mod pcap;
pub mod stats;
