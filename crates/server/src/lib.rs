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
pub mod http;
pub mod pcap_export;
pub mod routes;
pub mod session;
pub mod shared;
