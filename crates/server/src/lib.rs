//! # osprey-server
//!
//! Kismet's REST API and event bus websocket over Osprey's engine (live) or an existing
//! kismetdb log (read-only), with authentication.
//!
//! * [`routes`]: the route table (paths, methods, extensions, roles) and the matcher;
//! * [`http`]: the axum layer: authentication, role check, body limit, command parsing,
//!   streaming pcap export, the event bus websocket;
//! * [`api`], [`device_routes`], [`session`]: the handlers, plain functions over a [`backend`];
//! * [`auth`], [`format`], [`devices`], [`pcap_export`]: the logic behind them, independent of
//!   HTTP;
//! * [`device_cache`]: device records kept between requests, rebuilt only for devices that
//!   changed; [`shared`]: the engine shared with the ingest thread.

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod backend;
pub mod device_cache;
pub mod device_routes;
pub mod devices;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod pcap_export;
pub mod routes;
pub mod session;
pub mod shared;

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::{Path, PathBuf};

    /// A file of the shared data set (`OSPREY_SHARED_DATA`, else `../shared/data` beside the
    /// repository); a missing file fails the test.
    pub(crate) fn shared_capture(rel: &str) -> PathBuf {
        let dir = match std::env::var_os("OSPREY_SHARED_DATA") {
            Some(d) => PathBuf::from(d),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        let p = dir.join(rel);
        assert!(
            p.is_file(),
            "shared capture missing: {} (set OSPREY_SHARED_DATA)",
            p.display()
        );
        p
    }
}
