//! The device endpoints, over [`crate::devices`]: the view table, by key, and last-time.

use crate::api::Reply;
use crate::backend::Backend;
use crate::devices::{self, DeviceRecord, ViewScope};
use crate::format::{self, Command, Format};
use crate::routes::{Endpoint, Matched};

fn records(b: &dyn Backend) -> Vec<DeviceRecord> {
    b.devices()
        .into_iter()
        .map(|d| DeviceRecord {
            key: d.key,
            mac: d.mac,
            phy: d.phy,
            last_time: d.last_time,
            json: d.json,
        })
        .collect()
}

fn fields(cmd: &Command) -> Result<Option<Vec<format::FieldSpec>>, Reply> {
    match cmd.json_get("fields") {
        None => Ok(None),
        Some(f) => format::parse_fields(f)
            .map(Some)
            .map_err(|e| Reply::error(e.status(), &e.to_string())),
    }
}

fn item(rec: &DeviceRecord, fields: &Option<Vec<format::FieldSpec>>) -> String {
    match fields {
        None => rec.json.to_string(),
        Some(f) => format::simplify(&rec.json, f).unwrap_or_else(|_| "{}".to_string()),
    }
}

fn reply(m: &Matched, body: String) -> Reply {
    let fmt = Format::from_ext(&m.ext).unwrap_or(Format::Json);
    Reply {
        status: 200,
        content_type: fmt.content_type(),
        body: crate::api::Body::Bytes(format::render_text(&body, fmt).into_bytes()),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Answers the device endpoints.
pub fn handle(b: &dyn Backend, m: &Matched, cmd: &Command) -> Reply {
    let recs = records(b);
    let fields = match fields(cmd) {
        Ok(f) => f,
        Err(r) => return r,
    };
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
            reply(m, result.to_json_with(|r| item(r, &fields)))
        }
        Endpoint::DeviceByKey => match devices::find_by_key(&recs, &param("key")) {
            Ok(r) => reply(m, item(r, &fields)),
            Err(e) => Reply::error(e.status(), &e.to_string()),
        },
        Endpoint::DevicesSince => {
            let ts = match devices::parse_timestamp(&param("timestamp")) {
                Ok(t) => t,
                Err(e) => return Reply::error(e.status(), &e.to_string()),
            };
            let items: Vec<String> = devices::last_time(&recs, ts, now())
                .into_iter()
                .map(|r| item(r, &fields))
                .collect();
            reply(m, format!("[{}]", items.join(",")))
        }
        _ => Reply::error(404, "No such endpoint"),
    }
}
