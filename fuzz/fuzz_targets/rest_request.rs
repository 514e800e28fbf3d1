//! REST request parsing: one request (method, path and query, Cookie, Authorization and
//! Content-Type headers, body; layout in `osprey_server::fuzzing`) goes through route
//! matching, percent-decoding, credentials parsing, command parsing and the handlers over a
//! fixed in-memory backend, and its parts through the field, regex, device-request and pcap
//! export parsers and every output renderer. No input may panic.
#![no_main]

mod sqlite_asan;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    osprey_server::fuzzing::rest_request(data);
});
