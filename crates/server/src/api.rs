//! The handlers: each takes the shared state, the matched route and the request's command,
//! and answers a [`Reply`]. They are plain functions, so tests call them without HTTP.

use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::{Auth, Login};
use crate::backend::{AlertItem, Backend};
use crate::format::{self, Command, Format};
use crate::routes::{Endpoint, Matched};

/// Shared state of the server.
#[derive(Clone)]
pub struct State {
    /// Where the data comes from.
    pub backend: Arc<dyn Backend>,
    /// Logins, sessions and API keys.
    pub auth: Arc<Auth>,
    /// Requests per client address.
    pub limiter: Arc<crate::http::RateLimiter>,
}

/// A response body.
pub enum Body {
    /// Bytes (shared, not copied, when a body is sent to several clients).
    Bytes(axum::body::Bytes),
    /// A pcapng export of a log, streamed by the HTTP layer.
    Pcap(PathBuf, Box<crate::pcap_export::PcapFilter>),
    /// Upgrade to the event bus websocket.
    EventBus,
}

/// A response.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Body,
}

impl Reply {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type,
            body: Body::Bytes(axum::body::Bytes::from(body.into())),
        }
    }

    /// A JSON error body `{"error": text}` with `status`.
    pub fn error(status: u16, text: &str) -> Reply {
        let body = serde_json::json!({ "error": text }).to_string();
        Reply {
            status,
            content_type: "application/json",
            body: Body::Bytes(body.into_bytes().into()),
        }
    }

    fn text(text: &str) -> Reply {
        Reply::ok("text/plain; charset=utf-8", text.as_bytes())
    }
}

fn fmt_of(m: &Matched) -> Format {
    Format::from_ext(&m.ext).unwrap_or(Format::Json)
}

/// Renders JSON item texts in the route's format, simplified by the command's `fields`.
fn render(m: &Matched, cmd: &Command, items: Vec<String>) -> Reply {
    let fmt = fmt_of(m);
    let items = match simplify_all(cmd, items) {
        Ok(i) => i,
        Err(r) => return r,
    };
    Reply::ok(fmt.content_type(), format::render_array(&items, fmt))
}

fn simplify_all(cmd: &Command, items: Vec<String>) -> Result<Vec<String>, Reply> {
    let Some(f) = cmd.json.as_ref().and_then(|j| j.get("fields")) else {
        return Ok(items);
    };
    let fields = format::parse_fields(f).map_err(|e| Reply::error(e.status(), &e.to_string()))?;
    items
        .iter()
        .map(|i| format::simplify(i, &fields).map_err(|e| Reply::error(e.status(), &e.to_string())))
        .collect()
}

fn render_value(m: &Matched, v: &serde_json::Value) -> Reply {
    let fmt = fmt_of(m);
    Reply::ok(fmt.content_type(), format::render_value(v, fmt))
}

fn param<'m>(m: &'m Matched, name: &str) -> &'m str {
    m.params
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn parse_ts(m: &Matched) -> Result<f64, Reply> {
    let t = param(m, "timestamp");
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| Reply::error(400, &format!("Invalid request: bad timestamp {t:?}")))
}

fn mac_field(cmd: &Command, key: &str) -> Result<kismetdb::MacAddr, Reply> {
    match cmd.json.as_ref().and_then(|j| j.get(key)) {
        None | Some(serde_json::Value::Null) => Ok(kismetdb::MacAddr::ZERO),
        Some(serde_json::Value::String(s)) if s.is_empty() => Ok(kismetdb::MacAddr::ZERO),
        Some(serde_json::Value::String(s)) => s
            .parse()
            .map_err(|_| Reply::error(400, "Invalid request: invalid MAC address")),
        Some(_) => Err(Reply::error(400, "Invalid request: invalid MAC address")),
    }
}

fn str_field<'c>(cmd: &'c Command, key: &str) -> Result<&'c str, Reply> {
    cmd.json
        .as_ref()
        .and_then(|j| j.get(key))
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            Reply::error(
                400,
                &format!("Invalid request: missing or non-string '{key}'"),
            )
        })
}

/// The keys each command endpoint takes; any other key is refused (Kismet ignores them, which
/// hides typos such as `sevrity`).
fn allowed_keys(e: Endpoint) -> Option<&'static [&'static str]> {
    Some(match e {
        Endpoint::RaiseAlert => &[
            "name", "text", "bssid", "source", "dest", "other", "channel",
        ],
        Endpoint::DefineAlert => &[
            "name",
            "description",
            "class",
            "severity",
            "throttle",
            "burst",
            "phyname",
        ],
        Endpoint::ApiKeyGenerate => &["name", "role", "duration"],
        Endpoint::ApiKeyRevoke => &["name"],
        _ => return None,
    })
}

/// Answers a matched request (after authentication and authorisation).
pub fn handle(state: &State, m: &Matched, cmd: &Command, login: &Login) -> Reply {
    let b = state.backend.as_ref();
    if let (Some(keys), Some(serde_json::Value::Object(o))) =
        (allowed_keys(m.route.endpoint), cmd.json.as_ref())
    {
        if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
            return Reply::error(400, &format!("Invalid request: unknown field {k:?}"));
        }
    }
    match m.route.endpoint {
        Endpoint::SystemStatus => {
            let c = b.counters();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let bus = b.events();
            let bus_stats = bus.as_ref().map(|e| e.stats()).unwrap_or_default();
            let subscribers: Vec<serde_json::Value> = bus
                .as_ref()
                .map(|e| e.subscriber_stats())
                .unwrap_or_default()
                .into_iter()
                .map(|s| serde_json::json!({"id": s.id, "topics": s.topics, "dropped": s.dropped}))
                .collect();
            // What the tracker's limits removed (null when serving a log, which does not say).
            let d = b.device_counts();
            let field = |f: fn(&crate::backend::DeviceCounts) -> u64| d.as_ref().map(f);
            let v = serde_json::json!({
                "kismet.system.version": format!("osprey {}", env!("CARGO_PKG_VERSION")),
                "kismet.system.server_name": "Osprey",
                "kismet.system.timestamp.sec": now.as_secs(),
                "kismet.system.timestamp.usec": now.subsec_micros(),
                "kismet.system.devices.count": c.devices,
                "osprey.system.packets": c.packets,
                "osprey.system.eventbus.dropped": c.events_dropped,
                "osprey.system.eventbus.published": bus_stats.published,
                "osprey.system.eventbus.evicted": bus_stats.evicted,
                "osprey.system.eventbus.subscribers": subscribers,
                "osprey.system.capture_clock": b.clock(),
                "osprey.system.devices.limit": field(|d| d.limit),
                "osprey.system.devices.timeout": field(|d| d.idle_timeout),
                "osprey.system.devices.created": field(|d| d.created),
                "osprey.system.devices.evicted": field(|d| d.evicted_limit + d.evicted_idle),
                "osprey.system.devices.evicted_limit": field(|d| d.evicted_limit),
                "osprey.system.devices.evicted_idle": field(|d| d.evicted_idle),
                "osprey.system.detectors.state_evicted": field(|d| d.detector_state_evicted),
            });
            render_value(m, &v)
        }
        Endpoint::SystemTimestamp => {
            let clock = b.clock();
            let v = serde_json::json!({
                "kismet.system.timestamp.sec": clock.trunc() as i64,
                "kismet.system.timestamp.usec": ((clock.fract()) * 1e6).round() as i64,
            });
            render_value(m, &v)
        }
        Endpoint::AlertDefinitions => {
            let items = b.definitions().iter().map(|d| d.to_string()).collect();
            render(m, cmd, items)
        }
        Endpoint::AllAlerts => render(m, cmd, b.alerts().into_iter().map(|a| a.json).collect()),
        Endpoint::AlertById => {
            let Ok(id) = param(m, "alertid").parse::<u32>() else {
                return Reply::error(400, "Invalid request: alert id must be a number");
            };
            match b.alerts().into_iter().find(|a| a.hash == id) {
                Some(a) => match simplify_all(cmd, vec![a.json]) {
                    Ok(mut v) => {
                        let fmt = fmt_of(m);
                        let one = v.pop().unwrap_or_default();
                        let val: serde_json::Value = serde_json::from_str(&one).unwrap_or_default();
                        if fmt == Format::Json {
                            Reply::ok(fmt.content_type(), one)
                        } else {
                            render_value(m, &val)
                        }
                    }
                    Err(r) => r,
                },
                None => Reply {
                    status: 404,
                    content_type: "application/json",
                    body: Body::Bytes(axum::body::Bytes::from_static(b"{}")),
                },
            }
        }
        Endpoint::AlertsSince => match parse_ts(m) {
            Ok(ts) => alerts_since(m, cmd, b.alerts_after(ts)),
            Err(r) => r,
        },
        Endpoint::AlertsSinceWrapped => match parse_ts(m) {
            Ok(ts) => {
                let items = b.alerts_after(ts);
                alerts_since_wrapped(m, cmd, items, b.clock())
            }
            Err(r) => r,
        },
        Endpoint::RaiseAlert => {
            let (name, text) = match (str_field(cmd, "name"), str_field(cmd, "text")) {
                (Ok(n), Ok(t)) => (n, t),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            let mut macs = [kismetdb::MacAddr::ZERO; 4];
            for (i, k) in ["bssid", "source", "dest", "other"].iter().enumerate() {
                match mac_field(cmd, k) {
                    Ok(v) => macs[i] = v,
                    Err(r) => return r,
                }
            }
            let channel = cmd
                .json
                .as_ref()
                .and_then(|j| j.get("channel"))
                .and_then(|v| v.as_str())
                .unwrap_or("");
            match b.raise_alert(name, text, macs, channel) {
                Ok(()) => Reply::text("Alert raised\n"),
                Err(e) => Reply::error(e.status, &e.message),
            }
        }
        Endpoint::DefineAlert => define_alert(b, cmd),
        Endpoint::AllMessages => render(m, cmd, b.messages().into_iter().map(|x| x.json).collect()),
        Endpoint::MessagesSince => {
            // Kismet reads a leading integer; clients (kismet_rest) send `sec.usec`.
            let ts = match parse_ts(m) {
                Ok(t) => t.floor() as i64,
                Err(r) => return r,
            };
            let items: Vec<String> = b
                .messages()
                .into_iter()
                .filter(|x| x.sec > ts)
                .map(|x| x.json)
                .collect();
            let clock = serde_json::Value::from(b.clock().trunc() as i64);
            render_wrapped(m, cmd, items, "kismet.messagebus", clock)
        }
        Endpoint::AllSources => render(m, cmd, b.datasources()),
        Endpoint::DeviceView | Endpoint::DeviceByKey | Endpoint::DevicesSince => {
            crate::device_routes::handle(b, m, cmd)
        }
        Endpoint::PcapExport => {
            if let Err(e) = crate::pcap_export::validate_title(param(m, "title")) {
                return Reply::error(e.status(), &e.to_string());
            }
            let Some(log) = b.log_path() else {
                return Reply::error(404, "No kismetdb log is being written");
            };
            match crate::pcap_export::parse_filter(&cmd.vars) {
                Ok(f) => Reply {
                    status: 200,
                    content_type: "application/vnd.tcpdump.pcap",
                    body: Body::Pcap(log, Box::new(f)),
                },
                Err(e) => Reply::error(e.status(), &e.to_string()),
            }
        }
        Endpoint::EventBus => {
            if b.events().is_none() {
                return Reply::error(404, "No event bus: this server serves a log");
            }
            Reply {
                status: 101,
                content_type: "",
                body: Body::EventBus,
            }
        }
        Endpoint::CheckSetupOk => crate::session::check_setup_ok(&state.auth),
        Endpoint::CheckLogin => Reply::text("Login valid"),
        Endpoint::CheckSession => Reply::text("Session valid"),
        Endpoint::SetPassword => crate::session::set_password(&state.auth, cmd, login),
        Endpoint::ApiKeyGenerate => crate::session::apikey_generate(&state.auth, cmd),
        Endpoint::ApiKeyRevoke => crate::session::apikey_revoke(&state.auth, cmd),
        Endpoint::ApiKeyList => {
            let items = crate::session::apikey_list(&state.auth);
            render(m, cmd, items)
        }
    }
}

/// Answers a request right away, without blocking, when its endpoint and the backend allow
/// it: the polling endpoints (`/alerts/last-time`, `/devices/last-time`) over a live
/// engine, which read what the engine published. `None`: call [`handle`] (on a thread that
/// may block). The answer is the one [`handle`] would give.
pub fn handle_now(state: &State, m: &Matched, cmd: &Command) -> Option<Reply> {
    let b = state.backend.as_ref();
    match m.route.endpoint {
        Endpoint::AlertsSince => Some(match parse_ts(m) {
            Ok(ts) => alerts_since(m, cmd, b.try_alerts_after(ts)?),
            Err(r) => r,
        }),
        Endpoint::AlertsSinceWrapped => Some(match parse_ts(m) {
            Ok(ts) => {
                let items = b.try_alerts_after(ts)?;
                alerts_since_wrapped(m, cmd, items, b.try_clock()?)
            }
            Err(r) => r,
        }),
        Endpoint::DevicesSince => crate::device_routes::handle_now(b, m, cmd),
        _ => None,
    }
}

/// `/alerts/last-time/{ts}/alerts`: the alerts after the time.
fn alerts_since(m: &Matched, cmd: &Command, items: Vec<AlertItem>) -> Reply {
    render(m, cmd, items.into_iter().map(|a| a.json).collect())
}

/// `/alerts/wrapped/last-time/{ts}/alerts`: the alerts after the time, with the clock.
fn alerts_since_wrapped(m: &Matched, cmd: &Command, items: Vec<AlertItem>, clock: f64) -> Reply {
    let items = items.into_iter().map(|a| a.json).collect();
    render_wrapped(
        m,
        cmd,
        items,
        "kismet.alert",
        serde_json::Value::from(clock),
    )
}

/// Kismet's wrapped "since" answer: `{"PREFIX.list": [items], "PREFIX.timestamp": clock}`,
/// the items simplified by the command's fields, rendered in the requested format.
fn render_wrapped(
    m: &Matched,
    cmd: &Command,
    items: Vec<String>,
    prefix: &str,
    clock: serde_json::Value,
) -> Reply {
    let items = match simplify_all(cmd, items) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let body = format!(
        "{{\"{prefix}.list\": [{}], \"{prefix}.timestamp\": {clock}}}",
        items.join(", ")
    );
    let fmt = fmt_of(m);
    if fmt == Format::Json {
        Reply::ok(fmt.content_type(), body)
    } else {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        render_value(m, &v)
    }
}

fn define_alert(b: &dyn Backend, cmd: &Command) -> Reply {
    let Some(j) = cmd.json.as_ref() else {
        return Reply::error(400, "Invalid request: no JSON command");
    };
    let s = |k: &str| j.get(k).and_then(|v| v.as_str());
    let (Some(name), Some(desc), Some(class)) = (s("name"), s("description"), s("class")) else {
        return Reply::error(
            400,
            "Invalid request: name, description and class are required strings",
        );
    };
    let Some(sev) = j
        .get("severity")
        .and_then(|v| v.as_u64())
        .and_then(osprey_alerts::Severity::from_number)
    else {
        return Reply::error(400, "Invalid request: severity must be 0, 5, 10, 15 or 20");
    };
    let (Some(throttle), Some(burst)) = (s("throttle"), s("burst")) else {
        return Reply::error(400, "Invalid request: throttle and burst are required");
    };
    let config = match osprey_alerts::parse_alert_config(&format!("{name},{throttle},{burst}")) {
        Ok(c) => c,
        Err(_) => return Reply::error(400, "Invalid request: could not parse throttle limits"),
    };
    let phy = match s("phyname").unwrap_or("") {
        "" | "any" => osprey_alerts::PHY_ANY,
        "IEEE802.11" => 0,
        "Bluetooth" => 3,
        "BTLE" => 6,
        _ => return Reply::error(400, "Invalid request: could not find phy"),
    };
    match b.define_alert(config, class, sev, desc, phy) {
        Ok(()) => Reply::ok("text/plain; charset=utf-8", Vec::new()),
        Err(e) => Reply::error(e.status, &e.message),
    }
}
