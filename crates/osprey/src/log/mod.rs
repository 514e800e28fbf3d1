//! `osprey log ...`: tools over kismetdb files.

pub mod clean;
pub mod dump_devices;
pub mod info;
pub mod stats;
pub mod strip_packets;
pub mod to_gpx;
pub mod to_kml;
pub mod to_pcap;
pub mod to_wiglecsv;
pub mod upgrade;
