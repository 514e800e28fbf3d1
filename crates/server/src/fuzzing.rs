//! Entry points for the fuzz targets in `fuzz/`: the request parsing of the REST API, reachable
//! without a running server. Not part of the stable API.
//!
//! [`rest_request`] takes one request as bytes and runs it through what the HTTP layer
//! ([`crate::http`]) does before and around a handler, then through the handlers themselves
//! over a small fixed in-memory backend, and finally hands the same bytes to the parsers and
//! renderers directly (as garbage records, field lists, regex filters, titles, keys).
//!
//! Input layout (chosen so that seeds are readable and libFuzzer's mutations stay meaningful):
//!
//! ```text
//! byte 0          flags: bits 0-1 method (GET, POST, PUT, POST), bit 2 a Cookie header,
//!                 bit 3 an Authorization header, bit 4 a Content-Type header,
//!                 bits 5-7 the serialisation format of the direct renderer calls
//! line 1          the request target: path, optionally `?query`
//! line 2          the Cookie header's value (used when bit 2 is set)
//! line 3          the Authorization header's value (used when bit 3 is set)
//! line 4          the Content-Type header's value (used when bit 4 is set)
//! rest            the body, raw bytes (after the fourth `\n`)
//! ```
//!
//! A header value that is not visible ASCII counts as absent, as in the HTTP layer (axum's
//! `HeaderValue::to_str`). The invariants checked are those the server relies on: statuses
//! are HTTP statuses, a `Content-Disposition` is ASCII, and a 200 answer of a `.json` JSON
//! endpoint is valid JSON.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use kismetdb::{GpsFix, MacAddr, PacketRow, Timestamp};
use serde_json::{json, Value};

use crate::api::{self, Body, Reply, State};
use crate::auth::{self, Auth, Credentials};
use crate::backend::{AlertItem, Backend, BackendError, Counters, DeviceItem, MessageItem};
use crate::devices::{self, DeviceRecord, FieldPath, MacQuery, ViewScope};
use crate::format::{self, Format};
use crate::pcap_export;
use crate::routes::{self, Endpoint};

/// The methods bits 0-1 of the flags byte select.
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "POST"];

/// The formats bits 5-7 of the flags byte select (the last three repeat).
const FORMATS: [Format; 8] = [
    Format::Json,
    Format::PrettyJson,
    Format::EkJson,
    Format::ItJson,
    Format::TJson,
    Format::Json,
    Format::EkJson,
    Format::TJson,
];

/// The capture clock of the fuzz backend (seconds).
const CLOCK: f64 = 1_700_000_300.5;

/// A fixed backend: four devices (three 802.11, one Bluetooth), two alerts, two messages, one
/// datasource; read-only except that defining an alert succeeds.
struct FuzzBackend {
    devices: Vec<DeviceItem>,
}

fn device(key: &str, mac: &str, phy: &str, last: i64, extra: Value) -> DeviceItem {
    DeviceItem {
        key: key.to_string(),
        mac: mac.to_string(),
        phy: phy.to_string(),
        last_time: last,
        json: Arc::from(devices::fixture_json(key, mac, phy, last, extra)),
    }
}

impl FuzzBackend {
    fn new() -> FuzzBackend {
        FuzzBackend {
            devices: vec![
                device(
                    "4202770D00000000_4DC413D3B968",
                    "68:B9:D3:13:C4:4D",
                    "IEEE802.11",
                    1_700_000_100,
                    json!({"kismet.device.base.name": "Linksys", "kismet.device.base.channel": "6",
                           "kismet.device.base.signal": {"kismet.common.signal.max_signal": -40},
                           "kismet.device.base.seenby": [{"kismet.common.seenby.uuid": "5FE308BD-0000-0000-0000-00C0CA9AFB5E"}],
                           "dot11.device": {"dot11.device.advertised_ssid_map": [{"dot11.advertisedssid.ssid": "home"}]}}),
                ),
                device(
                    "4202770D00000000_FFEEDDCCBBAA",
                    "AA:BB:CC:DD:EE:FF",
                    "IEEE802.11",
                    1_700_000_300,
                    json!({"kismet.device.base.name": "netgear-5G", "kismet.device.base.channel": "36",
                           "kismet.device.base.signal": {"kismet.common.signal.max_signal": -70.5}}),
                ),
                device(
                    "00000000AAAAAAAA_0100CCBBAA00",
                    "00:AA:BB:CC:00:01",
                    "BTLE",
                    1_700_000_200,
                    json!({"kismet.device.base.name": "headset", "kismet.device.base.packets.total": 12}),
                ),
                device(
                    "4202770D00000000_605040302010",
                    "10:20:30:40:50:60",
                    "IEEE802.11",
                    1_700_000_250,
                    json!({"kismet.device.base.name": "LINKSYS-guest", "kismet.device.base.channel": null}),
                ),
            ],
        }
    }
}

fn alert(ts: f64, hash: u32, header: &str) -> AlertItem {
    AlertItem {
        ts,
        hash,
        json: json!({
            "kismet.alert.hash": hash,
            "kismet.alert.header": header,
            "kismet.alert.timestamp": ts,
            "kismet.alert.source_mac": "68:B9:D3:13:C4:4D",
            "kismet.alert.text": "Deauthenticate/Disassociate flood",
        })
        .to_string(),
    }
}

impl Backend for FuzzBackend {
    fn definitions(&self) -> Vec<Value> {
        vec![
            json!({"kismet.alert.definition.header": "DEAUTHFLOOD", "kismet.alert.definition.severity": 10}),
            json!({"kismet.alert.definition.header": "BEACONRATE", "kismet.alert.definition.phyid": -1}),
        ]
    }

    fn alerts(&self) -> Vec<AlertItem> {
        vec![
            alert(1_700_000_100.25, 12345, "DEAUTHFLOOD"),
            alert(1_700_000_200.5, 4_000_000_000, "BEACONRATE"),
        ]
    }

    fn try_alerts_after(&self, ts: f64) -> Option<Vec<AlertItem>> {
        Some(self.alerts_after(ts))
    }

    fn messages(&self) -> Vec<MessageItem> {
        vec![
            MessageItem {
                sec: 1_700_000_000,
                json: json!({"kismet.messagebus.message_string": "Opened \"log\"", "kismet.messagebus.message_time": 1_700_000_000}).to_string(),
            },
            MessageItem {
                sec: 1_700_000_301,
                json: json!({"kismet.messagebus.message_string": "done", "kismet.messagebus.message_time": 1_700_000_301}).to_string(),
            },
        ]
    }

    fn datasources(&self) -> Vec<String> {
        vec![json!({"kismet.datasource.uuid": "5FE308BD-0000-0000-0000-00C0CA9AFB5E", "kismet.datasource.name": "wlan0"}).to_string()]
    }

    fn devices(&self) -> Vec<DeviceItem> {
        self.devices.clone()
    }

    fn try_device_snapshot(
        &self,
        freshness: crate::backend::Freshness,
    ) -> Option<crate::backend::DeviceSnapshot> {
        Some(self.device_snapshot(freshness))
    }

    fn clock(&self) -> f64 {
        CLOCK
    }

    fn try_clock(&self) -> Option<f64> {
        Some(CLOCK)
    }

    fn log_path(&self) -> Option<PathBuf> {
        // Never opened: the handler only hands the path to the streaming layer.
        Some(PathBuf::from("/nonexistent/osprey-fuzz.kismet"))
    }

    fn events(&self) -> Option<osprey_bus::EventBus> {
        None
    }

    fn raise_alert(&self, _: &str, _: &str, _: [MacAddr; 4], _: &str) -> Result<(), BackendError> {
        Err(BackendError {
            status: 405,
            message: "read-only".to_string(),
        })
    }

    fn define_alert(
        &self,
        _: osprey_alerts::AlertConfig,
        _: &str,
        _: osprey_alerts::Severity,
        _: &str,
        _: i64,
    ) -> Result<(), BackendError> {
        Ok(())
    }

    fn counters(&self) -> Counters {
        Counters {
            devices: self.devices.len() as u64,
            packets: 42,
            events_dropped: 0,
        }
    }
}

/// The shared state: built once (the admin password is hashed with argon2, which is slow).
fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let auth = match Auth::in_memory("admin", "fuzz-password") {
            Ok(a) => a,
            Err(e) => panic!("fuzz auth store: {e}"),
        };
        State {
            backend: Arc::new(FuzzBackend::new()),
            auth: Arc::new(auth),
            limiter: Arc::new(crate::http::RateLimiter::default()),
        }
    })
}

/// A header value as the HTTP layer sees it: `None` unless visible ASCII (and tabs).
fn header_text(bytes: &[u8]) -> Option<String> {
    bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// The parts of one fuzz input.
struct Request<'a> {
    method: &'static str,
    format: Format,
    target: String,
    cookie: Option<String>,
    authorization: Option<String>,
    content_type: Option<String>,
    body: &'a [u8],
}

fn split(data: &[u8]) -> Option<Request<'_>> {
    let (&flags, rest) = data.split_first()?;
    let mut lines = rest.splitn(5, |&b| b == b'\n');
    let target = lines.next().unwrap_or_default();
    let cookie = lines.next().unwrap_or_default();
    let authorization = lines.next().unwrap_or_default();
    let content_type = lines.next().unwrap_or_default();
    let body = lines.next().unwrap_or_default();
    Some(Request {
        method: METHODS[usize::from(flags & 3)],
        format: FORMATS[usize::from(flags >> 5)],
        target: String::from_utf8_lossy(target).into_owned(),
        cookie: (flags & 4 != 0).then(|| header_text(cookie)).flatten(),
        authorization: (flags & 8 != 0)
            .then(|| header_text(authorization))
            .flatten(),
        content_type: (flags & 16 != 0)
            .then(|| header_text(content_type))
            .flatten(),
        body,
    })
}

/// Whether authenticating these credentials would check a password (argon2: far too slow to
/// run per input; [`auth::parse_basic`] and the variables are still parsed).
fn checks_password(creds: &Credentials) -> bool {
    match &creds.authorization {
        Some(h) => auth::parse_basic(h).is_some(),
        None => {
            let has = |n: &str| creds.query.iter().any(|(k, _)| k == n);
            has("user") && has("password")
        }
    }
}

/// Checks the invariants of a handler's reply.
fn check_reply(r: &Reply, m: &routes::Matched) {
    assert!((100..=599).contains(&r.status), "status {}", r.status);
    if let Body::Bytes(b) = &r.body {
        let json_endpoint = !matches!(
            m.route.endpoint,
            Endpoint::CheckLogin
                | Endpoint::CheckSession
                | Endpoint::CheckSetupOk
                | Endpoint::RaiseAlert
                | Endpoint::DefineAlert
                | Endpoint::ApiKeyRevoke
        );
        if r.status == 200 && json_endpoint && m.ext == "json" {
            if let Err(e) = serde_json::from_slice::<Value>(b) {
                panic!(
                    "200 answer of {:?} is not JSON ({e}): {}",
                    m.route.endpoint,
                    String::from_utf8_lossy(b)
                );
            }
        }
    }
}

/// Packet rows for the export filter, one of them carrying text from the input.
fn packet_rows(text: &str) -> [PacketRow<'_>; 2] {
    let row = |sec, tags, devkey, mac: [u8; 6], source: &str| PacketRow {
        ts: Timestamp::new(sec, 250),
        phyname: "IEEE802.11".into(),
        sourcemac: MacAddr::new(mac),
        destmac: MacAddr::BROADCAST,
        transmac: MacAddr::ZERO,
        frequency: 2_437_000.0,
        devkey,
        gps: GpsFix {
            lat: 52.5,
            lon: -1.25,
            ..GpsFix::default()
        },
        packet_len: 120,
        signal: -40,
        datasource: source.parse().unwrap_or(kismetdb::Uuid::NIL),
        dlt: 127,
        packet: std::borrow::Cow::Borrowed(&[][..]),
        error: false,
        tags,
        datarate: 1.0,
        hash: 0,
        packetid: 0,
        packet_full_len: 120,
    };
    [
        row(
            1_700_000_100,
            "DOT11 EAPOL".into(),
            "0".into(),
            [0x68, 0xb9, 0xd3, 0x13, 0xc4, 0x4d],
            "5FE308BD-0000-0000-0000-00C0CA9AFB5E",
        ),
        row(
            -5,
            text.into(),
            text.into(),
            [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
            "00000000-0000-0000-0000-000000000000",
        ),
    ]
}

/// The parsers and renderers on the input directly, whatever the route.
fn direct(req: &Request<'_>, cmd: Option<&format::Command>, records: &[DeviceRecord]) {
    let text = String::from_utf8_lossy(req.body);
    let fmt = req.format;

    // Renderers over garbage: the body as a record, an item list and a document.
    let _ = format::render_text(&text, fmt);
    let _ = format::render_array(std::slice::from_ref(&text.to_string()), fmt);
    let _ = DeviceRecord::from_json(text.as_ref());

    // Path segments as parameters of every kind.
    let path = req.target.split('?').next().unwrap_or_default();
    for seg in path.split('/').filter(|s| !s.is_empty()).take(8) {
        let seg = routes::percent_decode(seg).unwrap_or_else(|| seg.to_string());
        let _ = devices::parse_timestamp(&seg);
        let _ = devices::find_by_key(records, &seg);
        let _ = devices::by_mac(records, &seg);
        if let Some(q) = MacQuery::parse(&seg) {
            let _ = q.matches("68:B9:D3:13:C4:4D");
        }
        if let Some(scope) = ViewScope::parse(&seg) {
            let _ = devices::view_last_time(records, &scope, 0, 1_700_000_400);
            let views = devices::standard_views(&["IEEE802.11", "BTLE"], &[&seg]);
            let _ = devices::find_view(&views, &seg);
            let _ = devices::all_views_json(&views, records);
        }
        let fp = FieldPath::parse(&seg);
        if let Ok(v) = serde_json::from_str::<Value>(&records[0].json) {
            let _ = fp.lookup(&v);
        }
        if pcap_export::validate_title(&seg).is_ok() {
            let cd = pcap_export::content_disposition(&seg);
            assert!(cd.is_ascii(), "Content-Disposition not ASCII: {cd:?}");
        }
        let _ = pcap_export::split_title(&seg).map(pcap_export::download_name);
    }

    let Some(cmd) = cmd else { return };
    let _ = pcap_export::parse_filter(&cmd.vars).map(|f| {
        for p in &packet_rows(&text) {
            let _ = f.matches(p);
        }
    });
    let json = cmd.json.as_ref();
    if let Some(j) = json {
        let _ = format::render_value(j, fmt);
    }
    let _ = devices::parse_view(&cmd.vars, json).map(|r| devices::view(records, &r, 1_700_000_400));
    if let Ok(found) = devices::multi_mac(records, json) {
        let _ = devices::records_json(&found);
    }
    if let Ok(found) = devices::multi_key(records, json) {
        let _ = devices::key_object_json(&found, |d| d.json.to_string());
    }
    if let Some(f) = json.and_then(|j| j.get("fields")) {
        if let Ok(fields) = format::parse_fields(f) {
            let _ = format::simplify(&text, &fields);
            let _ = format::simplify_map_values(&text, &fields);
        }
    }
    if let Some(r) = json.and_then(|j| j.get("regex")) {
        if let Ok(filters) = format::parse_regex(r) {
            let _ = format::regex_matches(&text, &filters);
        }
    }
}

/// Runs one request given as bytes (see the module documentation for the layout). Panics
/// only when an invariant the server relies on does not hold.
pub fn rest_request(data: &[u8]) {
    let Some(req) = split(data) else { return };
    let state = state();
    let (path, query) = match req.target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (req.target.as_str(), ""),
    };
    let _ = routes::percent_decode(path);
    let matched = routes::find(req.method, path);

    // Credentials, as the HTTP layer builds them.
    let query_vars = format::parse_command(None, b"", query)
        .map(|c| c.vars)
        .unwrap_or_default();
    let creds = Credentials {
        cookie_header: req.cookie.clone(),
        authorization: req.authorization.clone(),
        query: query_vars,
    };
    let (candidates, from_uri) = auth::token_candidates(&creds);
    assert!(candidates.len() <= 8 || from_uri);
    let login = if checks_password(&creds) {
        auth::Login::default()
    } else {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_400);
        let l = state.auth.authenticate(&creds, now);
        assert!(l.role.is_none() || l.name.is_some());
        l
    };

    let cmd = match format::parse_command(req.content_type.as_deref(), req.body, query) {
        Ok(c) => Some(c),
        Err(e) => {
            assert!(matches!(e.status(), 400 | 415), "{e}");
            let _ = e.to_string();
            None
        }
    };

    let records: Vec<DeviceRecord> = state
        .backend
        .device_snapshot(crate::backend::Freshness::Exact)
        .records();

    if let (Ok(m), Some(cmd)) = (&matched, &cmd) {
        let _ = auth::allows(login.role.as_ref(), &m.route.role);
        // Setting the password hashes it (argon2) and generating a key changes the state
        // every later input sees: neither is run here.
        if !matches!(
            m.route.endpoint,
            Endpoint::SetPassword | Endpoint::ApiKeyGenerate
        ) {
            if let Some(r) = api::handle_now(state, m, cmd) {
                check_reply(&r, m);
            }
            let r = api::handle(state, m, cmd, &login);
            check_reply(&r, m);
            if let Body::Pcap(_, filter) = &r.body {
                let text = String::from_utf8_lossy(req.body);
                for p in &packet_rows(&text) {
                    let _ = filter.matches(p);
                }
            }
        }
    }

    direct(&req, cmd.as_ref(), &records);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(flags: u8, target: &str, cookie: &str, auth: &str, ct: &str, body: &str) -> Vec<u8> {
        let mut v = vec![flags];
        v.extend_from_slice(format!("{target}\n{cookie}\n{auth}\n{ct}\n{body}").as_bytes());
        v
    }

    #[test]
    fn layout_is_split_as_documented() {
        let d = input(
            0b0001_1101,
            "/devices/views/all/devices.json?page=0",
            "KISMET=abc",
            "Basic YWRtaW46eA==",
            "application/x-www-form-urlencoded",
            "json=%7B%7D\nsecond line",
        );
        let r = split(&d).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.format, Format::Json);
        assert_eq!(r.target, "/devices/views/all/devices.json?page=0");
        assert_eq!(r.cookie.as_deref(), Some("KISMET=abc"));
        assert_eq!(r.authorization.as_deref(), Some("Basic YWRtaW46eA=="));
        assert_eq!(
            r.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(r.body, b"json=%7B%7D\nsecond line");
        // Absent headers: flag bits clear, or a value that is not visible ASCII.
        let r = split(&[0, b'/', b'\n', 0xff]).unwrap();
        assert_eq!((r.method, r.cookie, r.body), ("GET", None, &b""[..]));
        let r = split(&[4, b'/', b'\n', 0xff]).unwrap();
        assert_eq!(r.cookie, None);
        assert!(split(&[]).is_none());
    }

    #[test]
    fn requests_reach_the_handlers() {
        // A device view with paging, fields, a regex and a sort, as the web UI posts it.
        let body = "json=%7B%22fields%22%3A%5B%22kismet.device.base.name%22%5D%2C%22regex%22%3A%5B%5B%22kismet.device.base.name%22%2C%22%5ELi%22%5D%5D%7D&page=0&length=2&sort=kismet.device.base.name";
        rest_request(&input(
            0b0001_0001,
            "/devices/views/all/devices.json",
            "",
            "",
            "application/x-www-form-urlencoded",
            body,
        ));
        let state = state();
        let m = routes::find("POST", "/devices/views/all/devices.json").unwrap();
        let cmd = format::parse_command(
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
            "",
        )
        .unwrap();
        let r = api::handle(state, &m, &cmd, &auth::Login::default());
        let Body::Bytes(b) = r.body else {
            panic!("bytes expected")
        };
        let v: Value = serde_json::from_slice(&b).unwrap();
        // "Linksys" only (the regex is case-sensitive), simplified to its name.
        assert_eq!(
            v,
            json!({"data": [{"kismet.device.base.name": "Linksys"}], "last_page": 1, "last_row": 1, "total_row": 4})
        );

        // Every route once, in every format, with garbage around it: no panic.
        for route in routes::ROUTES {
            let p = routes::example_path(route);
            for flags in [0u8, 1, 0b1111_1101, 0b0101_0110] {
                rest_request(&input(
                    flags,
                    &p,
                    "KISMET=x; KISMET=\"y\"",
                    "Basic !!",
                    "application/json",
                    "{\"fields\":[\"a/b\"],\"regex\":[[\"x\",\"(\"]]}",
                ));
            }
        }
    }

    #[test]
    fn pcap_export_requests_parse_their_filter() {
        let state = state();
        let m = routes::find("GET", "/logging/kismetdb/pcap/export.pcapng").unwrap();
        let cmd = format::parse_command(None, b"", "dlt=127&tag=%25EAPOL%25").unwrap();
        let r = api::handle(state, &m, &cmd, &auth::Login::default());
        let Body::Pcap(_, f) = r.body else {
            panic!("pcap body expected")
        };
        let rows = packet_rows("x");
        assert!(f.matches(&rows[0]));
        assert!(!f.matches(&rows[1]));
        rest_request(&input(
            0,
            "/logging/kismetdb/pcap/my%20export.pcapng?limit=x",
            "",
            "",
            "",
            "",
        ));
    }
}
