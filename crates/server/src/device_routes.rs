//! The device endpoints, over [`crate::devices`]: the view table, by key, and last-time.

use axum::body::Bytes;

use crate::api::Reply;
use crate::backend::{Backend, Freshness};
use crate::device_cache::{fields_id, render_fields, BodyKey, Row};
use crate::devices::{self, DeviceRecord, ViewScope};
use crate::format::{self, Command, Format};
use crate::routes::{Endpoint, Matched};

fn records(b: &dyn Backend) -> Vec<DeviceRecord> {
    b.device_snapshot(Freshness::Exact).records()
}

fn fields(cmd: &Command) -> Result<Option<Vec<format::FieldSpec>>, Reply> {
    match cmd.json_get("fields") {
        None => Ok(None),
        Some(f) => format::parse_fields(f)
            .map(Some)
            .map_err(|e| Reply::error(e.status(), &e.to_string())),
    }
}

fn item(rec: &DeviceRecord, fields: Option<&[format::FieldSpec]>) -> String {
    match fields {
        None => rec.json.to_string(),
        Some(f) => render_fields(rec, f),
    }
}

fn format_of(m: &Matched) -> Format {
    Format::from_ext(&m.ext).unwrap_or(Format::Json)
}

/// `body` (JSON) in the route's format.
fn render(m: &Matched, body: String) -> Bytes {
    let body = match format_of(m) {
        Format::Json => body,
        fmt => format::render_text(&body, fmt),
    };
    Bytes::from(body.into_bytes())
}

fn ok(m: &Matched, body: Bytes) -> Reply {
    Reply {
        status: 200,
        content_type: format_of(m).content_type(),
        body: crate::api::Body::Bytes(body),
    }
}

fn reply(m: &Matched, body: String) -> Reply {
    ok(m, render(m, body))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Answers the device endpoints.
pub fn handle(b: &dyn Backend, m: &Matched, cmd: &Command) -> Reply {
    let fields = match fields(cmd) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if m.route.endpoint == Endpoint::DevicesSince {
        return since(b, m, &fields, |b, _| {
            Some(b.device_snapshot(Freshness::Recent))
        })
        .unwrap_or_else(|| Reply::error(500, "Internal error"));
    }
    let recs = records(b);
    let param = |n: &str| {
        m.params
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    match m.route.endpoint {
        Endpoint::DeviceView => {
            let mut req = match devices::parse_view(&cmd.vars, cmd.json.as_ref()) {
                Ok(r) => r,
                Err(e) => return Reply::error(e.status(), &e.to_string()),
            };
            req.scope = ViewScope::All;
            let regex = match req.regex.as_ref() {
                None => None,
                Some(v) => match format::parse_regex(v) {
                    Ok(r) => Some(r),
                    Err(e) => return Reply::error(e.status(), &e.to_string()),
                },
            };
            let result = match &regex {
                None => devices::view(&recs, &req, now()),
                Some(filters) => {
                    let mut f = |r: &DeviceRecord, _: &serde_json::Value| {
                        format::regex_matches(&r.json, filters)
                    };
                    devices::view_filtered(&recs, &req, now(), Some(&mut f))
                }
            };
            reply(m, result.to_json_with(|r| item(r, fields.as_deref())))
        }
        Endpoint::DeviceByKey => match devices::find_by_key(&recs, &param("key")) {
            Ok(r) => reply(m, item(r, fields.as_deref())),
            Err(e) => Reply::error(e.status(), &e.to_string()),
        },
        _ => Reply::error(404, "No such endpoint"),
    }
}

/// Answers `/devices/last-time` if a snapshot is at hand without blocking (see
/// [`crate::api::handle_now`]).
pub fn handle_now(b: &dyn Backend, m: &Matched, cmd: &Command) -> Option<Reply> {
    let fields = match fields(cmd) {
        Ok(f) => f,
        Err(r) => return Some(r),
    };
    match m.route.endpoint {
        Endpoint::DevicesSince => since(b, m, &fields, |b, rendered| {
            // A field list not in use yet has every rendering to make: not done here.
            b.try_device_snapshot(Freshness::Recent)
                .filter(|_| rendered)
        }),
        _ => None,
    }
}

/// `/devices/last-time/{ts}/devices`: the devices seen after the cutoff, picked from a
/// recent snapshot ([`Freshness::Recent`], given by `snapshot`, which is told whether the
/// field list was in use already; `None` from it is passed on) before anything is written; each device's `fields` rendering is made once per state
/// of the device and shared by every request that asks for the same fields.
fn since(
    b: &dyn Backend,
    m: &Matched,
    fields: &Option<Vec<format::FieldSpec>>,
    snapshot: impl FnOnce(&dyn Backend, bool) -> Option<crate::backend::DeviceSnapshot>,
) -> Option<Reply> {
    let ts = m
        .params
        .iter()
        .find(|(k, _)| *k == "timestamp")
        .map_or("", |(_, v)| v.as_str());
    let ts = match devices::parse_timestamp(ts) {
        Ok(t) => t,
        Err(e) => return Some(Reply::error(e.status(), &e.to_string())),
    };
    // An empty list renders records unchanged, as no list does. The list is registered
    // first, so that a refresh made for this request renders it too.
    let fields = fields
        .as_deref()
        .filter(|f| !f.is_empty())
        .map(|f| (f, fields_id(f)));
    let snapshot = snapshot(b, fields.is_none_or(|(_, (_, known))| known))?;
    let fields = fields.map(|(f, (id, _))| (f, id));
    let cutoff = devices::last_time_cutoff(ts, now());
    // Clients that saw the same snapshot ask the same question: one body for all of them.
    let key = BodyKey {
        cutoff,
        fields: fields.map(|(_, id)| id),
        format: format_of(m),
    };
    let body = snapshot.body(key, || {
        let rows: Vec<Row<'_>> = snapshot
            .seen_after(cutoff)
            .map(|d| match fields {
                None => Row::Kept(&d.record.json),
                Some((f, id)) => d.fields_row(f, id),
            })
            .collect();
        let mut body = String::with_capacity(2 + rows.iter().map(|r| r.len() + 1).sum::<usize>());
        body.push('[');
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(r);
        }
        body.push(']');
        render(m, body)
    });
    Some(ok(m, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Backend, Live, SharedEngine};
    use std::sync::Arc;

    use crate::test_support::shared_capture;

    /// What `/devices/last-time` answered before device records were cached: every record
    /// written, filtered, then simplified.
    fn reference(e: &osprey_engine::Engine, ts: i64, fields: Option<&serde_json::Value>) -> String {
        let fields = fields.map(|f| format::parse_fields(f).unwrap());
        let cutoff = devices::last_time_cutoff(ts, now());
        let items: Vec<String> = e
            .tracker()
            .devices()
            .iter()
            .filter(|d| d.last_time > cutoff)
            .map(|d| {
                let json = osprey_engine::device_json(d);
                match &fields {
                    None => json,
                    Some(f) => format::simplify(&json, f).unwrap_or_else(|_| "{}".into()),
                }
            })
            .collect();
        format!("[{}]", items.join(","))
    }

    fn body(r: &Reply) -> String {
        match &r.body {
            crate::api::Body::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
            _ => panic!("not bytes"),
        }
    }

    #[test]
    fn last_time_answers_are_those_of_records_written_per_request() {
        let path = shared_capture("radiotap/wifi-arsenal_radioparse_sample.pcap");
        let shared = Arc::new(SharedEngine::new(
            osprey_engine::Engine::new(osprey_engine::EngineOptions::default()).unwrap(),
        ));
        let live = Live::new(shared.clone());
        shared.lock().begin_source(&path, "pcapfile");
        let lists = [
            None,
            Some(serde_json::json!([])),
            Some(serde_json::json!([
                "kismet.device.base.macaddr",
                [
                    "kismet.device.base.signal/kismet.common.signal.last_signal",
                    "sig"
                ],
                "kismet.device.base.last_time",
                "missing/path"
            ])),
        ];
        let mut n = 0;
        let mut compared = 0;
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let mut g = shared.lock_ingest();
            shared.process(&mut g, frame).unwrap();
            drop(g);
            n += 1;
            if n % 50 != 0 {
                return osprey_capture::Flow::Continue;
            }
            let times: Vec<i64> = {
                let e = shared.lock();
                let mut t: Vec<i64> = e.tracker().devices().iter().map(|d| d.last_time).collect();
                t.sort();
                t
            };
            // `/devices/last-time` may answer from a snapshot taken a little earlier while
            // frames flow (see `device_cache`): made current first, to compare contents.
            live.device_snapshot(crate::backend::Freshness::Exact);
            let probes = [
                0,
                -1,
                times[0] - 1,
                times[times.len() / 2],
                times[times.len() - 1],
            ];
            for ts in probes {
                for f in &lists {
                    for ext in ["json", "ekjson"] {
                        let url = format!("/devices/last-time/{ts}/devices.{ext}");
                        let m = crate::routes::find("POST", &url).unwrap();
                        let text = match f {
                            None => String::new(),
                            Some(f) => serde_json::json!({ "fields": f }).to_string(),
                        };
                        let cmd =
                            format::parse_command(Some("application/json"), text.as_bytes(), "")
                                .unwrap();
                        // Both the answer at hand and the one made on a blocking thread.
                        let now = handle_now(&live, &m, &cmd);
                        let blocking = handle(&live, &m, &cmd);
                        let e = shared.lock();
                        let want = reference(&e, ts, f.as_ref());
                        let want = match Format::from_ext(ext).unwrap() {
                            Format::Json => want,
                            fmt => format::render_text(&want, fmt),
                        };
                        assert_eq!(blocking.status, 200);
                        assert_eq!(body(&blocking), want, "{url} {f:?}");
                        if let Some(r) = now {
                            assert_eq!(body(&r), want, "{url} {f:?} (at hand)");
                        }
                        compared += 1;
                    }
                }
            }
            osprey_capture::Flow::Continue
        });
        assert!(compared > 100, "{compared}");
        // A bad timestamp or field list is refused as before.
        let m = crate::routes::find("GET", "/devices/last-time/x/devices.json").unwrap();
        let cmd = format::parse_command(None, b"", "").unwrap();
        assert_eq!(handle(&live, &m, &cmd).status, 400);
        assert_eq!(handle_now(&live, &m, &cmd).map(|r| r.status), Some(400));
        let m = crate::routes::find("POST", "/devices/last-time/0/devices.json").unwrap();
        let cmd = format::parse_command(Some("application/json"), br#"{"fields": 5}"#, "").unwrap();
        assert_eq!(handle(&live, &m, &cmd).status, 400);
    }
}
