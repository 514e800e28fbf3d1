//! # osprey-wire
//!
//! Typed, zero-copy views over the bytes of captured frames, in the style of smoltcp's `wire`
//! module: a view such as `Frame<T: AsRef<[u8]>>` wraps a buffer, `new_checked` verifies the
//! length once, accessors read fields in place, and where a layer has a parsed form it is a
//! separate owned `Repr` (or a small `Copy` summary). Nothing here allocates per frame, nothing
//! panics on any input, and nothing knows about devices or alerts.
//!
//! Layers:
//! * radio headers that wrap an 802.11 frame: [`radiotap`], [`ppi`], [`prism`], [`avs`]; each
//!   has a `decap` function returning a [`radio::Decap`] (radio information + the 802.11 bytes);
//! * [`ieee80211`]: frames, management bodies and information elements; [`eapol`], [`wps`];
//! * upper layers in unencrypted data: [`llc`], [`ipv4`], [`udp`], [`dhcp`];
//! * [`btle`]: Bluetooth LE link-layer captures (DLT 256, 251, 272).

#![no_std]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
pub mod radio;

pub mod avs;
pub mod ppi;
pub mod prism;
pub mod radiotap;

pub mod eapol;
pub mod ieee80211;
pub mod wps;

pub mod dhcp;
pub mod ipv4;
pub mod llc;
pub mod udp;

pub mod btle;

pub use error::{Error, ErrorKind, Result};

/// An EUI-48 hardware address as it appears on the wire.
pub type MacBytes = [u8; 6];
