//! Kismet's device endpoints over device records held as JSON texts, independent of the HTTP
//! layer.
//!
//! The handler turns the URL, the HTTP variables (query string and form body) and the JSON
//! command (6.2 of the alerts spec) into calls here, and applies field simplification (`fields`)
//! and `regex` filtering with the `format` module. Nothing here panics on any input.
//!
//! # Endpoints (Kismet `devicetracker.cc`, `devicetracker_view.cc`, `devicetracker_httpd.cc`)
//!
//! All are GET or POST, role `readonly`, any serialiser extension (`.json`, `.ekjson`, ...).
//!
//! ## `/devices/views/{view}/devices.<ext>`: the device table ([`parse_view`], [`view`])
//!
//! `{view}` is `all`, `phy-<phyname>` (also reachable as `phy/<phyname>`) or
//! `seenby-<source uuid>` (also `seenby-uuid/<uuid>`); see [`ViewScope`] and
//! `/devices/views/all_views.<ext>` ([`all_views_json`]).
//!
//! JSON command keys:
//!
//! * `fields`: simplification list (`"path"` or `["path", "rename"]`); also the fields `search`
//!   looks in.
//! * `regex`: `[[field, regex], ...]`, applied after `search` and before paging (by the caller,
//!   through [`view_filtered`]).
//! * `last_time`: only devices with `last_time >= value`.
//! * `datatable`: `true` selects the legacy jQuery DataTables protocol below.
//! * `colmap`: DataTables only: `{"<column number>": ["path", ...] or [["path", "rename"], ...]}`.
//!
//! HTTP variables, Tabulator style (what Kismet's current web UI sends):
//!
//! * `page`: 0-based page index. Its presence turns paging and the wrapper on.
//! * `length`, or else `size`: rows per page; 0 or absent means all rows.
//! * `sort`: a field path; `sort_dir`: `asc` or `desc`.
//! * `search`: case-insensitive substring, over the `fields` paths only.
//!
//! HTTP variables, DataTables style (only when the JSON has `"datatable": true`):
//! `start` (row offset), `length` (capped at 500), `draw` (echoed), `search[value]`,
//! `order[0][column]` (a key of `colmap`; the first path of that column is the sort field) and
//! `order[0][dir]`.
//!
//! Responses:
//!
//! * Without `page` and without `datatable`: a bare JSON array of every matching device
//!   (sorted, not paged).
//! * Tabulator: `{"data": [...], "last_page": ceil(filtered / length) (0 when length is 0),
//!   "last_row": filtered count, "total_row": devices in the view}`.
//! * DataTables: `{"data": [...], "draw": draw, "recordsFiltered": filtered count,
//!   "recordsTotal": devices in the view}`.
//!
//! Example (what the web UI posts, form-encoded):
//!
//! ```text
//! POST /devices/views/all/devices.json
//! json={"fields":["kismet.device.base.macaddr","kismet.device.base.name"]}&page=0&length=50
//!      &sort=kismet.device.base.last_time&sort_dir=desc&search=linksys
//! -> {"data":[{"kismet.device.base.macaddr":"...","kismet.device.base.name":"..."}, ...],
//!     "last_page":3,"last_row":120,"total_row":480}
//! ```
//!
//! Order of work (as Kismet): view scope (total), `last_time`, `search`, `regex` (filtered
//! count), stable sort, window.
//!
//! ## `/devices/views/{view}/last-time/{ts}/devices.<ext>` ([`view_last_time`])
//!
//! Devices of the view with `last_time >= ts` (note `>=`), then `regex`; a bare array.
//!
//! ## `/devices/last-time/{ts}/devices.<ext>` ([`last_time`])
//!
//! Devices with `last_time > ts` (strict); `ts < 0` means `now + ts`. Then `regex`; a bare
//! array, simplified by `fields`.
//!
//! ## `/devices/by-key/{key}/device.<ext>` ([`by_key`], [`find_by_key`])
//!
//! The device record (an object, not an array). Keys are `PHY_DEVICE` hex halves compared by
//! value, so case and leading zeros do not matter.
//!
//! ## `/devices/by-mac/{mac}/devices.<ext>` ([`by_mac`])
//!
//! An array of the devices with that MAC (one per phy). `mac/mask` selects a prefix.
//!
//! ## `POST /devices/multimac/devices.<ext>`, `/devices/multikey/devices.<ext>`,
//! `/devices/multikey/as-object/devices.<ext>` ([`multi_mac`], [`multi_key`], [`key_object_json`])
//!
//! JSON `{"devices": [mac or key, ...]}`: an array of the devices found (unknown keys skipped),
//! or for `as-object` an object `{key: device}`.
//!
//! # Differences from Kismet (2025-09 source), all deliberate
//!
//! * `sort_dir`: Kismet sorts **descending** for `sort_dir=asc` (and for DataTables
//!   `order[0][dir]=asc`) and ascending for anything else, because its comparator is reversed.
//!   Osprey sorts ascending for `asc` (or an empty/absent direction) and descending for `desc`;
//!   any other direction is a 400. Missing fields sort as the smallest value in both.
//! * Bad numbers (`page`, `length`, ...): Kismet parses a leading number (`12abc` is 12) and
//!   answers 400 only when there is none. Osprey answers 400 for anything but a decimal
//!   integer. A `fields` item of the wrong type, a non-number `last_time` or a non-object JSON
//!   command is a 500 in Kismet (uncaught JSON type error) and a 400 here; a bad `fields` list
//!   in Kismet even answers 400 and then writes the devices anyway.
//! * JSON `last_time < 0`: Kismet reads it as unsigned, so a negative value disables the
//!   filter; Osprey applies what the code intends, `now + last_time`.
//! * `/devices/views/{view}/last-time/{ts}`: Kismet treats an unparsable `ts` as 0 (all
//!   devices); Osprey answers 400 (see [`parse_timestamp`]).
//! * `/devices/by-key`: an invalid key and an unknown key are both a 500 (`ERROR: invalid
//!   device key` / `ERROR: nonexistent device key`) in Kismet; Osprey uses 400 and 404
//!   ([`DeviceError::status`]).
//! * Search type handling: Kismet only searches string, byte-array and MAC fields (MACs by a
//!   byte-aligned hex match, e.g. `aabbcc` or `AA:BB`), and numbers not at all. The JSON record
//!   has no types, so Osprey treats a string that is a colon-separated 6-byte MAC as a MAC
//!   field and any other string as a string; numbers and booleans never match, as in Kismet.
//! * Paths: Kismet resolves `a/b/c` only through tracked maps; Osprey walks JSON objects, so a
//!   path may also go through a map keyed by numbers or MACs.
//!
//! Kept as Kismet does it: `search` without `fields` searches nothing (no filtering); a page
//! past the end (start >= filtered count) returns the **first** page (clients should page with
//! `last_page`, not until an empty page); Tabulator `length` is not capped; the DataTables
//! length is capped at 500; with both `page` and `"datatable": true` the DataTables wrapper
//! wins; for repeated HTTP variables the last one wins.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::Value;

/// One device as the endpoints see it: a few indexed fields and Kismet's JSON record.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRecord {
    /// Device key text (`kismet.device.base.key`, e.g. `4202770D00000000_4DC413D3B968`).
    pub key: String,
    /// MAC text (`kismet.device.base.macaddr`, e.g. `68:B9:D3:13:C4:4D`).
    pub mac: String,
    /// Phy name (`kismet.device.base.phyname`, e.g. `IEEE802.11`).
    pub phy: String,
    /// Last time seen, in seconds (`kismet.device.base.last_time`).
    pub last_time: i64,
    /// The device's Kismet JSON record (an object), written out verbatim.
    pub json: Arc<str>,
}

impl DeviceRecord {
    /// A record from a device JSON text, taking key, MAC, phy and last time from its
    /// `kismet.device.base.*` fields (missing ones are empty or 0). `None` when the text is not
    /// a JSON object.
    pub fn from_json(json: impl Into<Arc<str>>) -> Option<DeviceRecord> {
        let json: Arc<str> = json.into();
        let v: Value = serde_json::from_str(&json).ok()?;
        let o = v.as_object()?;
        let s = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let last_time = o
            .get("kismet.device.base.last_time")
            .and_then(json_int)
            .unwrap_or(0);
        Some(DeviceRecord {
            key: s("kismet.device.base.key"),
            mac: s("kismet.device.base.macaddr"),
            phy: s("kismet.device.base.phyname"),
            last_time,
            json,
        })
    }
}

/// Why a device request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// An HTTP variable that must be a non-negative integer is not.
    #[error("Invalid request: '{name}' must be a non-negative integer, not '{value}'")]
    BadNumber {
        /// The variable.
        name: &'static str,
        /// Its value (clipped).
        value: String,
    },
    /// The JSON command is not an object.
    #[error("Invalid request: the JSON command must be an object")]
    NotAnObject,
    /// A JSON command key has the wrong type or shape.
    #[error("Invalid request: {0}")]
    BadJson(String),
    /// `sort_dir` / `order[0][dir]` is neither `asc` nor `desc`.
    #[error("Invalid request: sort direction must be 'asc' or 'desc', not '{0}'")]
    BadSortDir(String),
    /// The `{timestamp}` of a last-time URL is not a number.
    #[error("Invalid request: invalid timestamp '{0}'")]
    BadTimestamp(String),
    /// The `{key}` of a by-key URL is not a device key.
    #[error("invalid device key '{0}'")]
    BadKey(String),
    /// No device has this key.
    #[error("nonexistent device key '{0}'")]
    NoSuchKey(String),
    /// The `{mac}` of a by-mac URL is not a MAC address.
    #[error("invalid device MAC '{0}'")]
    BadMac(String),
    /// A multimac/multikey command has no `devices` list.
    #[error("Missing 'devices' key in command dictionary")]
    MissingDevices,
    /// An entry of a multimac `devices` list is not a MAC address.
    #[error("Invalid MAC address '{0}' in 'devices' list")]
    BadMacInList(String),
    /// An entry of a multikey `devices` list is not a device key.
    #[error("Invalid device key '{0}' in 'devices' list")]
    BadKeyInList(String),
}

impl DeviceError {
    /// The HTTP status Osprey answers with: 404 for an unknown device key, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            DeviceError::NoSuchKey(_) => 404,
            _ => 400,
        }
    }
}

/// Shortens a user-supplied value for an error message.
fn clip(s: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push_str("...");
    }
    out
}

/// A JSON number as whole seconds (floats truncated toward zero, saturating).
fn json_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    if v.as_u64().is_some() {
        return Some(i64::MAX);
    }
    // `as` saturates for out-of-range floats.
    v.as_f64().map(|f| f as i64)
}

// ---------------------------------------------------------------------------------------------
// Field paths

/// A field path: names joined by `/` (`kismet.device.base.signal/kismet.common.signal.max_signal`).
///
/// Empty components are skipped and a leading `#` (Kismet's "count" marker) is ignored for
/// lookup. A path with no components resolves to nothing.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldPath(Vec<String>);

impl FieldPath {
    /// Parses a path.
    pub fn parse(path: &str) -> FieldPath {
        FieldPath(
            path.split('/')
                .filter(|c| !c.is_empty())
                .map(|c| c.strip_prefix('#').unwrap_or(c).to_string())
                .collect(),
        )
    }

    /// True when the path has no components.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The components.
    pub fn components(&self) -> &[String] {
        &self.0
    }

    /// The value at this path inside `v`, walking JSON objects; `None` when a component is
    /// missing or the path goes through a non-object.
    pub fn lookup<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        if self.0.is_empty() {
            return None;
        }
        let mut cur = v;
        for c in &self.0 {
            cur = cur.as_object()?.get(c)?;
        }
        Some(cur)
    }
}

// ---------------------------------------------------------------------------------------------
// Views (scopes)

/// Which devices a view holds (Kismet creates `all`, one view per phy and one per datasource).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ViewScope {
    /// Every device (`all`).
    #[default]
    All,
    /// Devices of one phy (`phy-<name>`), compared exactly.
    Phy(String),
    /// Devices seen by one datasource (`seenby-<uuid>`), compared without case against the
    /// `kismet.common.seenby.uuid` entries of `kismet.device.base.seenby`.
    SeenBy(String),
}

impl ViewScope {
    /// The scope a `{view}` URL component names, or `None` for an unknown form. Accepts `all`,
    /// `phy-NAME`, `phy/NAME`, `seenby-UUID` and `seenby-uuid/UUID` (a trailing `/` is
    /// ignored). Whether a phy or source exists is for the caller to decide (Kismet answers 404
    /// for a view it has not created).
    pub fn parse(id: &str) -> Option<ViewScope> {
        let id = id.strip_suffix('/').unwrap_or(id);
        if id == "all" {
            return Some(ViewScope::All);
        }
        let nonempty = |s: &str| (!s.is_empty() && !s.contains('/')).then(|| s.to_string());
        if let Some(p) = id.strip_prefix("phy-").or_else(|| id.strip_prefix("phy/")) {
            return nonempty(p).map(ViewScope::Phy);
        }
        if let Some(u) = id
            .strip_prefix("seenby-uuid/")
            .or_else(|| id.strip_prefix("seenby-"))
        {
            return nonempty(u).map(ViewScope::SeenBy);
        }
        None
    }

    /// The view id Kismet uses (`all`, `phy-NAME`, `seenby-UUID`).
    pub fn id(&self) -> String {
        match self {
            ViewScope::All => "all".to_string(),
            ViewScope::Phy(p) => format!("phy-{p}"),
            ViewScope::SeenBy(u) => format!("seenby-{u}"),
        }
    }

    /// Kismet's description of the view.
    pub fn description(&self) -> String {
        match self {
            ViewScope::All => "All devices".to_string(),
            ViewScope::Phy(p) => format!("{p} devices"),
            ViewScope::SeenBy(u) => format!("Devices seen by datasource {u}"),
        }
    }

    /// True when the scope needs the parsed record (not just the indexed fields).
    fn needs_json(&self) -> bool {
        matches!(self, ViewScope::SeenBy(_))
    }

    /// True when the device belongs to the view. `json` is only consulted for `SeenBy`.
    fn contains(&self, rec: &DeviceRecord, json: impl FnOnce() -> Option<Value>) -> bool {
        match self {
            ViewScope::All => true,
            ViewScope::Phy(p) => rec.phy == *p,
            ViewScope::SeenBy(u) => json().is_some_and(|v| seen_by(&v, u)),
        }
    }

    /// Like `contains`, over an already parsed record.
    fn contains_value(&self, rec: &DeviceRecord, v: &Value) -> bool {
        match self {
            ViewScope::All => true,
            ViewScope::Phy(p) => rec.phy == *p,
            ViewScope::SeenBy(u) => seen_by(v, u),
        }
    }
}

/// True when the record's seenby list (array or map of entries) names the source UUID.
fn seen_by(v: &Value, uuid: &str) -> bool {
    let Some(sb) = v.get("kismet.device.base.seenby") else {
        return false;
    };
    let entries: Box<dyn Iterator<Item = &Value>> = match sb {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => return false,
    };
    entries
        .filter_map(|e| e.get("kismet.common.seenby.uuid").and_then(Value::as_str))
        .any(|u| u.eq_ignore_ascii_case(uuid))
}

/// Parses a record's JSON for filters that need it (`Value::Null` when it is not JSON).
fn parse_record(rec: &DeviceRecord) -> Value {
    serde_json::from_str(&rec.json).unwrap_or(Value::Null)
}

/// The records of a view, in order.
pub fn in_scope<'a>(records: &'a [DeviceRecord], scope: &ViewScope) -> Vec<&'a DeviceRecord> {
    records
        .iter()
        .filter(|r| scope.contains(r, || Some(parse_record(r))))
        .collect()
}

/// One entry of `/devices/views/all_views`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewInfo {
    /// What the view holds (its id and description derive from it).
    pub scope: ViewScope,
    /// `kismet.devices.view.indexed`: shown in the UI's main view list.
    pub indexed: bool,
}

/// The views Kismet would have: one per phy (in the order given), `all`, then one per
/// datasource UUID (in the order given), all indexed.
pub fn standard_views(phys: &[&str], sources: &[&str]) -> Vec<ViewInfo> {
    let mut v: Vec<ViewInfo> = phys
        .iter()
        .map(|p| ViewInfo {
            scope: ViewScope::Phy(p.to_string()),
            indexed: true,
        })
        .collect();
    v.push(ViewInfo {
        scope: ViewScope::All,
        indexed: true,
    });
    v.extend(sources.iter().map(|u| ViewInfo {
        scope: ViewScope::SeenBy(u.to_string()),
        indexed: true,
    }));
    v
}

/// The view of `views` that a `{view}` URL component names (aliases included), if any.
pub fn find_view<'v>(views: &'v [ViewInfo], id: &str) -> Option<&'v ViewInfo> {
    let scope = ViewScope::parse(id)?;
    views.iter().find(|v| match (&v.scope, &scope) {
        (ViewScope::SeenBy(a), ViewScope::SeenBy(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    })
}

/// `/devices/views/all_views.json`: an array of `{"kismet.devices.view.id",
/// "kismet.devices.view.description", "kismet.devices.view.size",
/// "kismet.devices.view.indexed" (0 or 1)}`.
pub fn all_views_json(views: &[ViewInfo], records: &[DeviceRecord]) -> String {
    let out: Vec<Value> = views
        .iter()
        .map(|v| {
            serde_json::json!({
                "kismet.devices.view.id": v.scope.id(),
                "kismet.devices.view.description": v.scope.description(),
                "kismet.devices.view.size": in_scope(records, &v.scope).len(),
                "kismet.devices.view.indexed": u8::from(v.indexed),
            })
        })
        .collect();
    Value::Array(out).to_string()
}

// ---------------------------------------------------------------------------------------------
// The view request

/// The response wrapper a view request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Wrapper {
    /// A bare JSON array.
    #[default]
    None,
    /// `{"data", "last_page", "last_row", "total_row"}` (HTTP variable `page` present).
    Tabulator,
    /// `{"data", "draw", "recordsFiltered", "recordsTotal"}` (`"datatable": true`).
    DataTables {
        /// The `draw` variable, echoed.
        draw: u64,
    },
}

/// The sort a view request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortSpec {
    /// The field to sort by.
    pub path: FieldPath,
    /// Largest first (`desc`).
    pub descending: bool,
}

/// A parsed `/devices/views/{view}/devices` request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ViewRequest {
    /// Which devices the view holds; [`parse_view`] leaves it [`ViewScope::All`], the caller
    /// sets it from the URL.
    pub scope: ViewScope,
    /// The response wrapper.
    pub wrapper: Wrapper,
    /// First row of the window (before the past-the-end reset to 0).
    pub start: usize,
    /// Rows in the window; 0 means all.
    pub length: usize,
    /// Sort, if any.
    pub sort: Option<SortSpec>,
    /// Search term (empty: no search).
    pub search: String,
    /// Paths the search looks in: those of `fields` (none without `fields`).
    pub search_paths: Vec<FieldPath>,
    /// The validated `fields` list, for the caller's simplification.
    pub fields: Option<Value>,
    /// The raw `regex` value (not validated here), for the caller's filter.
    pub regex: Option<Value>,
    /// JSON `last_time`: 0 for none, negative for relative to now.
    pub last_time: i64,
}

/// The value of the last HTTP variable with this name.
fn var<'v>(vars: &'v [(String, String)], name: &str) -> Option<&'v str> {
    vars.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A non-negative decimal integer HTTP variable (surrounding ASCII whitespace allowed).
fn parse_uint(name: &'static str, value: &str) -> Result<u64, DeviceError> {
    let t = value.trim_ascii();
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DeviceError::BadNumber {
            name,
            value: clip(value),
        });
    }
    digits.parse::<u64>().map_err(|_| DeviceError::BadNumber {
        name,
        value: clip(value),
    })
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// A sort direction: `asc` or empty is ascending, `desc` descending (any case).
fn parse_dir(value: Option<&str>) -> Result<bool, DeviceError> {
    match value.map(str::trim_ascii) {
        None | Some("") => Ok(false),
        Some(d) if d.eq_ignore_ascii_case("asc") => Ok(false),
        Some(d) if d.eq_ignore_ascii_case("desc") => Ok(true),
        Some(d) => Err(DeviceError::BadSortDir(clip(d))),
    }
}

/// Validates `fields` and returns the path of each item.
fn field_paths(fields: &Value) -> Result<Vec<FieldPath>, DeviceError> {
    let bad = || {
        DeviceError::BadJson(
            "Invalid field map, expected a list of field or [field, rename]".to_string(),
        )
    };
    let items = fields.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|i| match i {
            Value::String(s) => Ok(FieldPath::parse(s)),
            Value::Array(a) => match a.as_slice() {
                [Value::String(p), Value::String(_)] => Ok(FieldPath::parse(p)),
                _ => Err(DeviceError::BadJson(
                    "Invalid field map, expected [field, rename]".to_string(),
                )),
            },
            _ => Err(bad()),
        })
        .collect()
}

/// Parses a view request from the HTTP variables (query string then form body, in order; the
/// last of a name wins) and the JSON command (`None` or `null` when there is none).
///
/// Errors are 400s (see [`DeviceError`]). `regex` is not validated here: the caller parses it
/// (a bad one is a 400 too, `Invalid regex: ...` in Kismet) and applies it with
/// [`view_filtered`].
pub fn parse_view(
    vars: &[(String, String)],
    json: Option<&Value>,
) -> Result<ViewRequest, DeviceError> {
    let empty = serde_json::Map::new();
    let cmd = match json {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => return Err(DeviceError::NotAnObject),
    };
    let present = |k: &str| cmd.get(k).filter(|v| !v.is_null());

    let mut req = ViewRequest::default();

    let mut paths = Vec::new();
    if let Some(f) = present("fields") {
        paths = field_paths(f)?;
        req.fields = Some(f.clone());
    }
    if let Some(t) = present("last_time") {
        req.last_time = json_int(t).ok_or_else(|| {
            DeviceError::BadJson("'last_time' must be a number of seconds".to_string())
        })?;
    }
    req.regex = present("regex").cloned();

    // Tabulator paging.
    let mut start: u64 = 0;
    let mut length: u64 = 0;
    if let Some(p) = var(vars, "page") {
        let page = parse_uint("page", p)?;
        if let Some(l) = var(vars, "length") {
            length = parse_uint("length", l)?;
        } else if let Some(s) = var(vars, "size") {
            length = parse_uint("size", s)?;
        }
        start = page.saturating_mul(length);
        req.wrapper = Wrapper::Tabulator;
    }

    let datatable = match present("datatable") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(DeviceError::BadJson(
                "'datatable' must be true or false".to_string(),
            ))
        }
    };

    if datatable {
        if let Some(s) = var(vars, "start") {
            start = parse_uint("start", s)?;
        }
        if let Some(l) = var(vars, "length") {
            length = parse_uint("length", l)?;
        }
        let draw = match var(vars, "draw") {
            Some(d) => parse_uint("draw", d)?,
            None => 0,
        };
        req.search = var(vars, "search[value]").unwrap_or_default().to_string();
        let column = var(vars, "order[0][column]").unwrap_or_default();
        let colmap = match present("colmap") {
            None => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                return Err(DeviceError::BadJson(
                    "'colmap' must be an object".to_string(),
                ))
            }
        };
        let column_fields = colmap.and_then(|m| m.get(column)).filter(|v| !v.is_null());
        if let (Some(col), Some(dir)) = (column_fields, var(vars, "order[0][dir]")) {
            let descending = parse_dir(Some(dir))?;
            let bad = || {
                DeviceError::BadJson(format!(
                    "'colmap' column '{}' must list field paths",
                    clip(column)
                ))
            };
            let first = match col.as_array().and_then(|a| a.first()) {
                Some(Value::Array(inner)) => match inner.first() {
                    Some(Value::String(s)) => Some(s.as_str()),
                    Some(_) => return Err(bad()),
                    None => None,
                },
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => return Err(bad()),
                None => None,
            };
            if let Some(p) = first {
                let path = FieldPath::parse(p);
                if !path.is_empty() {
                    req.sort = Some(SortSpec { path, descending });
                }
            }
        }
        length = length.min(500);
        req.wrapper = Wrapper::DataTables { draw };
    } else {
        if let Some(s) = var(vars, "sort") {
            let descending = parse_dir(var(vars, "sort_dir"))?;
            let path = FieldPath::parse(s);
            if !path.is_empty() {
                req.sort = Some(SortSpec { path, descending });
            }
        }
        req.search = var(vars, "search").unwrap_or_default().to_string();
    }

    if !req.search.is_empty() {
        req.search_paths = paths;
    }
    req.start = to_usize(start);
    req.length = to_usize(length);
    Ok(req)
}

// ---------------------------------------------------------------------------------------------
// Search

/// A search term prepared once: the ASCII-folded text and, when it reads as hex bytes
/// (colons ignored, a trailing odd digit dropped, 1 to 8 bytes), the bytes for MAC fields.
struct Term {
    text: Vec<u8>,
    mac: Option<Vec<u8>>,
}

impl Term {
    fn new(s: &str) -> Term {
        let hex: Vec<u8> = s.bytes().filter(|&b| b != b':').collect();
        let mac = if !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit) {
            let bytes: Vec<u8> = hex
                .chunks_exact(2)
                .map(|p| (hex_digit(p[0]) << 4) | hex_digit(p[1]))
                .collect();
            (!bytes.is_empty() && bytes.len() <= 8).then_some(bytes)
        } else {
            None
        };
        Term {
            text: s.as_bytes().to_ascii_lowercase(),
            mac,
        }
    }

    /// True when a field value matches.
    fn matches(&self, v: &Value) -> bool {
        let Value::String(s) = v else {
            return false;
        };
        if let Some(mac) = mac6(s) {
            return self
                .mac
                .as_ref()
                .is_some_and(|t| mac.windows(t.len()).any(|w| w == t.as_slice()));
        }
        contains_ignore_ascii_case(s.as_bytes(), &self.text)
    }
}

fn hex_digit(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// The bytes of a `XX:XX:XX:XX:XX:XX` string.
fn mac6(s: &str) -> Option<[u8; 6]> {
    let b = s.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, o) in out.iter_mut().enumerate() {
        let (h, l) = (b[i * 3], b[i * 3 + 1]);
        if !h.is_ascii_hexdigit() || !l.is_ascii_hexdigit() || (i < 5 && b[i * 3 + 2] != b':') {
            return None;
        }
        *o = (hex_digit(h) << 4) | hex_digit(l);
    }
    Some(out)
}

/// ASCII case-insensitive substring test (`needle` already lower case). An empty needle
/// matches only a non-empty haystack, as Kismet's `std::search` test does.
fn contains_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return !hay.is_empty();
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

// ---------------------------------------------------------------------------------------------
// Sort

/// Total order over JSON field values: missing or null < booleans < numbers < strings <
/// arrays and objects (which compare equal). Numbers compare exactly, strings bytewise.
fn cmp_field(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Bool(_)) => 1,
            Some(Value::Number(_)) => 2,
            Some(Value::String(_)) => 3,
            Some(_) => 4,
        }
    }
    match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => cmp_number(x, y),
        (Some(Value::String(x)), Some(Value::String(y))) => x.as_bytes().cmp(y.as_bytes()),
        _ => rank(a).cmp(&rank(b)),
    }
}

enum Num {
    Int(i128),
    Float(f64),
}

fn num(n: &serde_json::Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Num::Int(i128::from(u))
    } else {
        Num::Float(n.as_f64().unwrap_or(0.0))
    }
}

/// Exact comparison of an integer with a (finite) float.
fn cmp_int_float(i: i128, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Equal;
    }
    let fl = f.floor();
    // i128 covers every u64/i64; floats beyond ±2^100 are beyond any of them.
    if fl >= 1e30 {
        return Ordering::Less;
    }
    if fl <= -1e30 {
        return Ordering::Greater;
    }
    let fi = fl as i128;
    match i.cmp(&fi) {
        Ordering::Equal if f > fl => Ordering::Less,
        o => o,
    }
}

fn cmp_number(a: &serde_json::Number, b: &serde_json::Number) -> Ordering {
    match (num(a), num(b)) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Float(x), Num::Float(y)) => x.total_cmp(&y),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).reverse(),
    }
}

// ---------------------------------------------------------------------------------------------
// The view

/// The outcome of a view request: the window of devices and the wrapper numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewResult<'a> {
    /// The devices of the window, in order.
    pub devices: Vec<&'a DeviceRecord>,
    /// Devices in the view (`total_row` / `recordsTotal`).
    pub total: usize,
    /// Devices left after the filters (`last_row` / `recordsFiltered`).
    pub filtered: usize,
    /// First row of the window (after the past-the-end reset).
    pub start: usize,
    /// `ceil(filtered / length)`, 0 when the length is 0 (`last_page`).
    pub last_page: usize,
    /// The wrapper to write.
    pub wrapper: Wrapper,
}

impl ViewResult<'_> {
    /// The devices as a JSON array of their verbatim records.
    pub fn data_json(&self) -> String {
        json_array(self.devices.iter().map(|d| d.json.as_ref()))
    }

    /// Wraps a JSON array text (the `data`) as the request asked: the array itself, or the
    /// Tabulator or DataTables object.
    pub fn wrap(&self, data: &str) -> String {
        match self.wrapper {
            Wrapper::None => data.to_string(),
            Wrapper::Tabulator => format!(
                "{{\"data\":{data},\"last_page\":{},\"last_row\":{},\"total_row\":{}}}",
                self.last_page, self.filtered, self.total
            ),
            Wrapper::DataTables { draw } => format!(
                "{{\"data\":{data},\"draw\":{draw},\"recordsFiltered\":{},\"recordsTotal\":{}}}",
                self.filtered, self.total
            ),
        }
    }

    /// The whole response with the records verbatim.
    pub fn to_json(&self) -> String {
        self.wrap(&self.data_json())
    }

    /// The whole response with each record written by `item` (e.g. the `fields`
    /// simplification, which must return one JSON value's text).
    pub fn to_json_with(&self, mut item: impl FnMut(&DeviceRecord) -> String) -> String {
        let items: Vec<String> = self.devices.iter().map(|d| item(d)).collect();
        self.wrap(&json_array(items.iter().map(String::as_str)))
    }
}

/// `[a,b,...]` from JSON texts.
fn json_array<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let mut out = String::from("[");
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(s);
    }
    out.push(']');
    out
}

/// Runs a view request over the records (in the view's natural order). See the module
/// documentation for the steps and [`view_filtered`] for the `regex` hook.
pub fn view<'a>(records: &'a [DeviceRecord], req: &ViewRequest, now: i64) -> ViewResult<'a> {
    view_filtered(records, req, now, None)
}

/// A record with its JSON parsed on first use.
struct Entry<'a> {
    rec: &'a DeviceRecord,
    value: OnceCell<Value>,
}

impl Entry<'_> {
    fn value(&self) -> &Value {
        self.value.get_or_init(|| parse_record(self.rec))
    }
}

/// A filter over a record and its parsed JSON: true keeps the record.
pub type RecordFilter<'f> = dyn FnMut(&DeviceRecord, &Value) -> bool + 'f;

/// [`view`] with an extra filter (the request's `regex`) applied after `search`, before
/// counting and paging. The filter gets the record and its parsed JSON (`null` if the record
/// is not JSON) and returns whether to keep it.
pub fn view_filtered<'a>(
    records: &'a [DeviceRecord],
    req: &ViewRequest,
    now: i64,
    mut filter: Option<&mut RecordFilter<'_>>,
) -> ViewResult<'a> {
    let mut entries: Vec<Entry<'a>> = records
        .iter()
        .map(|rec| Entry {
            rec,
            value: OnceCell::new(),
        })
        .collect();
    if req.scope != ViewScope::All {
        let needs_json = req.scope.needs_json();
        entries.retain(|e| {
            if needs_json {
                req.scope.contains_value(e.rec, e.value())
            } else {
                req.scope.contains(e.rec, || None)
            }
        });
    }
    let total = entries.len();

    let min_time = relative(req.last_time, now);
    if min_time > 0 {
        entries.retain(|e| e.rec.last_time >= min_time);
    }

    if !req.search.is_empty() && !req.search_paths.is_empty() {
        let term = Term::new(&req.search);
        entries.retain(|e| {
            let v = e.value();
            req.search_paths
                .iter()
                .any(|p| p.lookup(v).is_some_and(|f| term.matches(f)))
        });
    }

    if let Some(f) = filter.as_mut() {
        entries.retain(|e| f(e.rec, e.value()));
    }

    let filtered = entries.len();
    let last_page = if req.length > 0 {
        filtered.div_ceil(req.length)
    } else {
        0
    };
    let start = if req.start >= filtered { 0 } else { req.start };
    let end = if req.length == 0 || req.length >= filtered - start {
        filtered
    } else {
        start + req.length
    };

    let mut order: Vec<usize> = (0..filtered).collect();
    if let Some(sort) = &req.sort {
        let keys: Vec<Option<&Value>> = entries
            .iter()
            .map(|e| sort.path.lookup(e.value()))
            .collect();
        order.sort_by(|&a, &b| {
            let o = cmp_field(keys[a], keys[b]);
            if sort.descending {
                o.reverse()
            } else {
                o
            }
        });
    }

    let devices = order[start..end].iter().map(|&i| entries[i].rec).collect();
    ViewResult {
        devices,
        total,
        filtered,
        start,
        last_page,
        wrapper: req.wrapper,
    }
}

/// `ts`, or `now + ts` when `ts` is negative.
fn relative(ts: i64, now: i64) -> i64 {
    if ts < 0 {
        now.saturating_add(ts)
    } else {
        ts
    }
}

// ---------------------------------------------------------------------------------------------
// last-time, by-key, by-mac, multi

/// Parses the `{timestamp}` of a last-time URL: a decimal integer, optionally signed, with an
/// optional fraction that is dropped (`-30`, `1700000000`, `1700000000.5`). Anything else is
/// a 400.
pub fn parse_timestamp(s: &str) -> Result<i64, DeviceError> {
    let bad = || DeviceError::BadTimestamp(clip(s));
    let t = s.trim_ascii();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let v: i64 = int.parse().map_err(|_| bad())?;
    Ok(if neg { -v } else { v })
}

/// `/devices/last-time/{ts}/devices`: devices with `last_time > ts` (strict), `ts < 0` meaning
/// `now + ts`, in record order.
pub fn last_time(records: &[DeviceRecord], ts: i64, now: i64) -> Vec<&DeviceRecord> {
    let ts = last_time_cutoff(ts, now);
    records.iter().filter(|r| r.last_time > ts).collect()
}

/// The time a `/devices/last-time/{ts}` device must have been seen after (strictly): `ts`,
/// or `now + ts` when `ts` is negative (see [`last_time`]).
pub fn last_time_cutoff(ts: i64, now: i64) -> i64 {
    relative(ts, now)
}

/// `/devices/views/{view}/last-time/{ts}/devices`: devices of the view with
/// `last_time >= ts` (Kismet uses `>=` here, unlike [`last_time`]), `ts < 0` meaning `now + ts`.
pub fn view_last_time<'a>(
    records: &'a [DeviceRecord],
    scope: &ViewScope,
    ts: i64,
    now: i64,
) -> Vec<&'a DeviceRecord> {
    let ts = relative(ts, now);
    in_scope(records, scope)
        .into_iter()
        .filter(|r| r.last_time >= ts)
        .collect()
}

/// Parses a device key text (`PHY_DEVICE`, hex halves of 1 to 16 digits, any case).
pub fn parse_device_key(key: &str) -> Result<kismetdb::DeviceKey, DeviceError> {
    key.trim_ascii()
        .parse::<kismetdb::DeviceKey>()
        .map_err(|_| DeviceError::BadKey(clip(key)))
}

/// True when the record's key equals `key` (by value; by text, ignoring case, when the
/// record's own key does not parse).
fn key_matches(rec: &DeviceRecord, key: &kismetdb::DeviceKey, text: &str) -> bool {
    match rec.key.parse::<kismetdb::DeviceKey>() {
        Ok(k) => k == *key,
        Err(_) => rec.key.eq_ignore_ascii_case(text.trim_ascii()),
    }
}

/// `/devices/by-key/{key}/device`: the device with this key; `None` for an unknown or invalid
/// key (see [`find_by_key`] to tell them apart).
pub fn by_key<'a>(records: &'a [DeviceRecord], key: &str) -> Option<&'a DeviceRecord> {
    find_by_key(records, key).ok()
}

/// [`by_key`] with the reason: [`DeviceError::BadKey`] (400) or [`DeviceError::NoSuchKey`]
/// (404).
pub fn find_by_key<'a>(
    records: &'a [DeviceRecord],
    key: &str,
) -> Result<&'a DeviceRecord, DeviceError> {
    let k = parse_device_key(key)?;
    records
        .iter()
        .find(|r| key_matches(r, &k, key))
        .ok_or_else(|| DeviceError::NoSuchKey(clip(key)))
}

/// A MAC address to match, with an optional prefix mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacQuery {
    /// The address, left-aligned in a big-endian u64 (Kismet's `longmac`).
    pub value: u64,
    /// The leading bits that must match.
    pub mask: u64,
}

/// Hex bytes with optional `:` separators (1 to 8 bytes), left-aligned in a u64.
fn parse_hex_bytes(s: &str) -> Option<u64> {
    let hex: Vec<u8> = s.bytes().filter(|&b| b != b':').collect();
    if hex.is_empty() || hex.len() % 2 != 0 || hex.len() > 16 {
        return None;
    }
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, p) in hex.chunks_exact(2).enumerate() {
        let byte = (hex_digit(p[0]) << 4) | hex_digit(p[1]);
        v |= u64::from(byte) << (56 - 8 * i);
    }
    Some(v)
}

impl MacQuery {
    /// Parses `AA:BB:CC:DD:EE:FF` (colons optional, any case) or `MAC/MASK`, where the mask's
    /// leading one bits say how much of the address must match (`AA:BB:CC:00:00:00/FF:FF:FF:00:00:00`
    /// is every device of that OUI).
    pub fn parse(s: &str) -> Option<MacQuery> {
        let s = s.trim_ascii();
        let (mac, mask) = match s.split_once('/') {
            Some((m, k)) => (m, Some(k)),
            None => (s, None),
        };
        let value = parse_hex_bytes(mac)?;
        let mask = match mask {
            None => u64::MAX,
            Some(k) => {
                let bits = parse_hex_bytes(k)?.leading_ones();
                if bits == 0 {
                    0
                } else {
                    u64::MAX << (64 - bits)
                }
            }
        };
        Some(MacQuery {
            value: value & mask,
            mask,
        })
    }

    /// True when a MAC text matches.
    pub fn matches(&self, mac: &str) -> bool {
        parse_hex_bytes(mac).is_some_and(|m| m & self.mask == self.value)
    }
}

/// `/devices/by-mac/{mac}/devices`: the devices with this MAC (any phy), in record order.
pub fn by_mac<'a>(
    records: &'a [DeviceRecord],
    mac: &str,
) -> Result<Vec<&'a DeviceRecord>, DeviceError> {
    let q = MacQuery::parse(mac).ok_or_else(|| DeviceError::BadMac(clip(mac)))?;
    Ok(records.iter().filter(|r| q.matches(&r.mac)).collect())
}

/// The `devices` list of a multimac/multikey command, as strings.
fn devices_list(json: Option<&Value>) -> Result<Vec<&str>, DeviceError> {
    let list = json
        .and_then(|j| j.get("devices"))
        .filter(|v| !v.is_null())
        .ok_or(DeviceError::MissingDevices)?;
    let items: Vec<&Value> = match list {
        Value::Array(a) => a.iter().collect(),
        Value::String(_) => vec![list],
        _ => {
            return Err(DeviceError::BadJson(
                "'devices' must be a list of strings".to_string(),
            ))
        }
    };
    items
        .into_iter()
        .map(|v| {
            v.as_str().ok_or_else(|| {
                DeviceError::BadJson("'devices' must be a list of strings".to_string())
            })
        })
        .collect()
}

/// `POST /devices/multimac/devices`: for each MAC of `{"devices": [...]}` in order, the
/// devices with it (so a device can appear twice if listed twice).
pub fn multi_mac<'a>(
    records: &'a [DeviceRecord],
    json: Option<&Value>,
) -> Result<Vec<&'a DeviceRecord>, DeviceError> {
    let queries = devices_list(json)?
        .into_iter()
        .map(|m| MacQuery::parse(m).ok_or_else(|| DeviceError::BadMacInList(clip(m))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for q in queries {
        out.extend(records.iter().filter(|r| q.matches(&r.mac)));
    }
    Ok(out)
}

/// `POST /devices/multikey/devices` (and `as-object`): for each key of `{"devices": [...]}` in
/// order, its device; unknown keys are skipped, an invalid one is an error.
pub fn multi_key<'a>(
    records: &'a [DeviceRecord],
    json: Option<&Value>,
) -> Result<Vec<&'a DeviceRecord>, DeviceError> {
    let keys = devices_list(json)?
        .into_iter()
        .map(|k| {
            k.trim_ascii()
                .parse::<kismetdb::DeviceKey>()
                .map(|p| (p, k))
                .map_err(|_| DeviceError::BadKeyInList(clip(k)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(keys
        .iter()
        .filter_map(|(k, text)| records.iter().find(|r| key_matches(r, k, text)))
        .collect())
}

/// The `as-object` form: `{"<device key>": record, ...}` with each record written by `item`
/// (e.g. `|d| d.json.to_string()`, or the `fields` simplification). A key listed twice
/// appears once.
pub fn key_object_json(
    devices: &[&DeviceRecord],
    mut item: impl FnMut(&DeviceRecord) -> String,
) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::from("{");
    for d in devices {
        if !seen.insert(d.key.as_str()) {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Value::String(d.key.clone()).to_string());
        out.push(':');
        out.push_str(&item(d));
    }
    out.push('}');
    out
}

/// A JSON array of the records verbatim (for the bare-array endpoints).
pub fn records_json(devices: &[&DeviceRecord]) -> String {
    json_array(devices.iter().map(|d| d.json.as_ref()))
}

/// The JSON text of a device record for fixtures (the fuzz backend, the tests): the key, MAC
/// address, phy name and last time Kismet's records carry, plus the fields of `extra` (an
/// object; anything else adds nothing).
pub(crate) fn fixture_json(key: &str, mac: &str, phy: &str, last: i64, extra: Value) -> String {
    let mut v = serde_json::json!({
        "kismet.device.base.key": key,
        "kismet.device.base.macaddr": mac,
        "kismet.device.base.phyname": phy,
        "kismet.device.base.last_time": last,
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(key: &str, mac: &str, phy: &str, last: i64, extra: Value) -> DeviceRecord {
        DeviceRecord::from_json(fixture_json(key, mac, phy, last, extra)).expect("record")
    }

    fn synthetic() -> Vec<DeviceRecord> {
        vec![
            rec(
                "4202770D00000000_1",
                "00:11:22:33:44:55",
                "IEEE802.11",
                100,
                json!({"kismet.device.base.name": "Linksys", "kismet.device.base.channel": "6",
                       "kismet.device.base.signal": {"kismet.common.signal.max_signal": -40},
                       "kismet.device.base.seenby": [{"kismet.common.seenby.uuid": "AAAAAAAA-0000-0000-0000-000000000001"}]}),
            ),
            rec(
                "4202770D00000000_2",
                "AA:BB:CC:DD:EE:FF",
                "IEEE802.11",
                300,
                json!({"kismet.device.base.name": "netgear-5G", "kismet.device.base.channel": "36",
                       "kismet.device.base.signal": {"kismet.common.signal.max_signal": -70}}),
            ),
            rec(
                "00000000AAAAAAAA_3",
                "AA:BB:CC:00:00:01",
                "Bluetooth",
                200,
                json!({"kismet.device.base.name": "headset"}),
            ),
            rec(
                "4202770D00000000_4",
                "10:20:30:40:50:60",
                "IEEE802.11",
                250,
                json!({"kismet.device.base.name": "LINKSYS-guest",
                       "kismet.device.base.signal": {"kismet.common.signal.max_signal": -55}}),
            ),
        ]
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn names(r: &ViewResult<'_>) -> Vec<String> {
        r.devices
            .iter()
            .map(|d| {
                let v: Value = serde_json::from_str(&d.json).unwrap_or_default();
                v["kismet.device.base.name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn bare_array_without_page() {
        let recs = synthetic();
        let req = parse_view(&[], None).unwrap();
        let r = view(&recs, &req, 1000);
        assert_eq!(r.wrapper, Wrapper::None);
        assert_eq!(r.devices.len(), 4);
        let out: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(out.as_array().map(Vec::len), Some(4));
        // Verbatim texts.
        assert!(r.to_json().contains(recs[1].json.as_ref()));
    }

    #[test]
    fn tabulator_paging_and_wrapper() {
        let recs = synthetic();
        let req = parse_view(&vars(&[("page", "1"), ("length", "3")]), None).unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!((r.start, r.filtered, r.total, r.last_page), (3, 4, 4, 2));
        assert_eq!(names(&r), ["LINKSYS-guest"]);
        let out: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(out["last_page"], 2);
        assert_eq!(out["last_row"], 4);
        assert_eq!(out["total_row"], 4);
        assert_eq!(out["data"].as_array().map(Vec::len), Some(1));

        // `size` when there is no `length`.
        let req = parse_view(&vars(&[("page", "0"), ("size", "2")]), None).unwrap();
        assert_eq!(view(&recs, &req, 0).devices.len(), 2);
    }

    #[test]
    fn paging_edges() {
        let recs = synthetic();
        // Past the end: Kismet's reset to the first page.
        let req = parse_view(&vars(&[("page", "7"), ("length", "2")]), None).unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!(r.start, 0);
        assert_eq!(r.devices.len(), 2);
        assert_eq!(r.last_page, 2);
        // Length 0: everything, last_page 0.
        let req = parse_view(&vars(&[("page", "3"), ("length", "0")]), None).unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!((r.devices.len(), r.last_page, r.start), (4, 0, 0));
        // No length at all.
        let req = parse_view(&vars(&[("page", "2")]), None).unwrap();
        assert_eq!(view(&recs, &req, 0).devices.len(), 4);
        // Exactly full last page.
        let req = parse_view(&vars(&[("page", "1"), ("length", "2")]), None).unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!((r.start, r.devices.len(), r.last_page), (2, 2, 2));
        // Huge page × length saturates and resets.
        let req = parse_view(
            &vars(&[
                ("page", "18446744073709551615"),
                ("length", "18446744073709551615"),
            ]),
            None,
        )
        .unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!((r.start, r.devices.len(), r.last_page), (0, 4, 1));
        // Empty input.
        let r = view(&[], &req, 0);
        assert_eq!(
            (r.devices.len(), r.filtered, r.total, r.last_page),
            (0, 0, 0, 0)
        );
        assert_eq!(
            r.to_json(),
            "{\"data\":[],\"last_page\":0,\"last_row\":0,\"total_row\":0}"
        );
    }

    #[test]
    fn sort_both_directions() {
        let recs = synthetic();
        let sort = |path: &str, dir: &str| {
            let mut v = vec![("sort", path)];
            if !dir.is_empty() {
                v.push(("sort_dir", dir));
            }
            let req = parse_view(&vars(&v), None).unwrap();
            names(&view(&recs, &req, 0))
        };
        assert_eq!(
            sort("kismet.device.base.last_time", "asc"),
            ["Linksys", "headset", "LINKSYS-guest", "netgear-5G"]
        );
        assert_eq!(
            sort("kismet.device.base.last_time", "desc"),
            ["netgear-5G", "LINKSYS-guest", "headset", "Linksys"]
        );
        assert_eq!(
            sort("kismet.device.base.last_time", ""),
            sort("kismet.device.base.last_time", "asc")
        );
        // Nested path; the device without the field sorts first ascending, last descending.
        assert_eq!(
            sort(
                "kismet.device.base.signal/kismet.common.signal.max_signal",
                "asc"
            ),
            ["headset", "netgear-5G", "LINKSYS-guest", "Linksys"]
        );
        assert_eq!(
            sort(
                "/kismet.device.base.signal//kismet.common.signal.max_signal/",
                "DESC"
            ),
            ["Linksys", "LINKSYS-guest", "netgear-5G", "headset"]
        );
        // Strings bytewise (upper case first).
        assert_eq!(
            sort("kismet.device.base.name", "asc"),
            ["LINKSYS-guest", "Linksys", "headset", "netgear-5G"]
        );
        // Unknown field: stable, original order.
        assert_eq!(
            sort("no.such.field", "desc"),
            ["Linksys", "netgear-5G", "headset", "LINKSYS-guest"]
        );
        // Sorting happens before the window.
        let req = parse_view(
            &vars(&[
                ("page", "0"),
                ("length", "1"),
                ("sort", "kismet.device.base.last_time"),
                ("sort_dir", "desc"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(names(&view(&recs, &req, 0)), ["netgear-5G"]);
    }

    #[test]
    fn mixed_types_sort_totally() {
        let vals = [
            json!(1.5),
            json!(1),
            json!(2),
            json!("a"),
            json!(null),
            json!(true),
            json!({"x": 1}),
            json!(u64::MAX),
            json!(-3),
            json!(9_007_199_254_740_993i64),
            json!(9_007_199_254_740_992.0f64),
        ];
        let recs: Vec<DeviceRecord> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                rec(
                    &format!("1_{i:X}"),
                    "00:00:00:00:00:01",
                    "p",
                    0,
                    json!({"v": v}),
                )
            })
            .collect();
        let req = parse_view(&vars(&[("sort", "v")]), None).unwrap();
        let r = view(&recs, &req, 0);
        let got: Vec<Value> = r
            .devices
            .iter()
            .map(|d| serde_json::from_str::<Value>(&d.json).unwrap()["v"].clone())
            .collect();
        assert_eq!(
            got,
            vec![
                json!(null),
                json!(true),
                json!(-3),
                json!(1),
                json!(1.5),
                json!(2),
                json!(9_007_199_254_740_992.0f64),
                json!(9_007_199_254_740_993i64),
                json!(u64::MAX),
                json!("a"),
                json!({"x": 1}),
            ]
        );
    }

    #[test]
    fn search_over_fields() {
        let recs = synthetic();
        let fields =
            json!({"fields": ["kismet.device.base.name", ["kismet.device.base.macaddr", "mac"]]});
        let search = |term: &str| {
            let req = parse_view(&vars(&[("search", term)]), Some(&fields)).unwrap();
            names(&view(&recs, &req, 0))
        };
        assert_eq!(search("linksys"), ["Linksys", "LINKSYS-guest"]);
        assert_eq!(search("5g"), ["netgear-5G"]);
        // MAC fields: byte-aligned hex, colons optional.
        assert_eq!(search("aabbcc"), ["netgear-5G", "headset"]);
        assert_eq!(search("BB:CC"), ["netgear-5G", "headset"]);
        assert_eq!(search("ee:ff"), ["netgear-5G"]);
        // A MAC-like term only matches whole bytes: "B:C" is the byte BC, in no MAC.
        assert_eq!(search("B:C"), Vec::<String>::new());
        assert_eq!(search("nothing"), Vec::<String>::new());
        // Numbers are never searched (channel is a string; signal a number).
        let fields =
            json!({"fields": ["kismet.device.base.channel", "kismet.device.base.last_time"]});
        let req = parse_view(&vars(&[("search", "36")]), Some(&fields)).unwrap();
        assert_eq!(names(&view(&recs, &req, 0)), ["netgear-5G"]);
        let req = parse_view(&vars(&[("search", "300")]), Some(&fields)).unwrap();
        assert!(view(&recs, &req, 0).devices.is_empty());
        // Without fields, no search (Kismet).
        let req = parse_view(&vars(&[("search", "zzz")]), None).unwrap();
        assert_eq!(view(&recs, &req, 0).devices.len(), 4);
    }

    #[test]
    fn search_counts_in_wrapper() {
        let recs = synthetic();
        let fields = json!({"fields": ["kismet.device.base.name"]});
        let req = parse_view(
            &vars(&[("page", "0"), ("length", "1"), ("search", "LINK")]),
            Some(&fields),
        )
        .unwrap();
        let r = view(&recs, &req, 0);
        assert_eq!((r.filtered, r.total, r.last_page), (2, 4, 2));
        assert_eq!(names(&r), ["Linksys"]);
    }

    #[test]
    fn datatables_protocol() {
        let recs = synthetic();
        let cmd = json!({
            "datatable": true,
            "fields": ["kismet.device.base.name"],
            "colmap": {"0": [["kismet.device.base.last_time", "t"]], "1": ["kismet.device.base.name"]},
        });
        let req = parse_view(
            &vars(&[
                ("start", "1"),
                ("length", "2"),
                ("draw", "7"),
                ("order[0][column]", "0"),
                ("order[0][dir]", "desc"),
                ("search[value]", "e"),
                ("page", "0"),
            ]),
            Some(&cmd),
        )
        .unwrap();
        assert_eq!(req.wrapper, Wrapper::DataTables { draw: 7 });
        let r = view(&recs, &req, 0);
        // "e" matches netgear-5G, headset, LINKSYS-guest (not "Linksys").
        assert_eq!(names(&r), ["LINKSYS-guest", "headset"]);
        let out: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(out["draw"], 7);
        assert_eq!(out["recordsTotal"], 4);
        assert_eq!(out["recordsFiltered"], 3);
        assert!(out.get("last_page").is_none());

        // Length capped at 500; no order without dir; column "1" string form.
        let req = parse_view(
            &vars(&[("length", "100000"), ("order[0][column]", "1")]),
            Some(&cmd),
        )
        .unwrap();
        assert_eq!((req.length, req.sort.is_none()), (500, true));
        let req = parse_view(
            &vars(&[("order[0][column]", "1"), ("order[0][dir]", "asc")]),
            Some(&cmd),
        )
        .unwrap();
        assert_eq!(
            names(&view(&recs, &req, 0)),
            ["LINKSYS-guest", "Linksys", "headset", "netgear-5G"]
        );
        // Sort/search variables of the Tabulator style are ignored in DataTables mode.
        let req = parse_view(&vars(&[("sort", "x"), ("search", "zzz")]), Some(&cmd)).unwrap();
        assert!(req.sort.is_none() && req.search.is_empty());
    }

    #[test]
    fn last_time_filters() {
        let recs = synthetic();
        let t = |ts: i64, now: i64| -> Vec<i64> {
            last_time(&recs, ts, now)
                .iter()
                .map(|d| d.last_time)
                .collect()
        };
        assert_eq!(t(200, 0), [300, 250]);
        assert_eq!(t(0, 0), [100, 300, 200, 250]);
        assert_eq!(t(-100, 350), [300]);
        assert_eq!(t(i64::MIN, i64::MIN), [100, 300, 200, 250]);
        assert_eq!(t(i64::MAX, 0), Vec::<i64>::new());
        // The view variant is >=.
        let v: Vec<i64> = view_last_time(&recs, &ViewScope::All, 200, 0)
            .iter()
            .map(|d| d.last_time)
            .collect();
        assert_eq!(v, [300, 200, 250]);
        let v = view_last_time(&recs, &ViewScope::Phy("Bluetooth".into()), -200, 400);
        assert_eq!(v.len(), 1);
        // JSON last_time in a view request, absolute and relative.
        let req = parse_view(&[], Some(&json!({"last_time": 250}))).unwrap();
        assert_eq!(
            names(&view(&recs, &req, 0)),
            ["netgear-5G", "LINKSYS-guest"]
        );
        let req = parse_view(&[], Some(&json!({"last_time": -60.9}))).unwrap();
        assert_eq!(req.last_time, -60);
        assert_eq!(
            names(&view(&recs, &req, 300)),
            ["netgear-5G", "LINKSYS-guest"]
        );
        let r = view(&recs, &req, 300);
        assert_eq!((r.total, r.filtered), (4, 2));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_timestamp(" -30 "), Ok(-30));
        assert_eq!(parse_timestamp("+5"), Ok(5));
        assert_eq!(parse_timestamp("12.75"), Ok(12));
        assert_eq!(parse_timestamp("-12.75"), Ok(-12));
        assert_eq!(parse_timestamp("0."), Ok(0));
        for bad in [
            "",
            "-",
            "abc",
            "12abc",
            "1e9",
            ".5",
            "1.2.3",
            "--1",
            "99999999999999999999",
        ] {
            let e = parse_timestamp(bad).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
        }
    }

    #[test]
    fn lookup_by_key_and_mac() {
        let recs = synthetic();
        assert_eq!(
            by_key(&recs, "4202770d00000000_2").map(|d| d.mac.as_str()),
            Some("AA:BB:CC:DD:EE:FF")
        );
        // Leading zeros do not matter.
        assert_eq!(
            by_key(&recs, "4202770D00000000_0002").map(|d| d.mac.as_str()),
            Some("AA:BB:CC:DD:EE:FF")
        );
        assert_eq!(
            find_by_key(&recs, "4202770D00000000_99")
                .unwrap_err()
                .status(),
            404
        );
        for bad in ["", "xyz", "1_", "_1", "1_2_3", "11111111111111111_1"] {
            assert_eq!(find_by_key(&recs, bad).unwrap_err().status(), 400, "{bad}");
            assert!(by_key(&recs, bad).is_none());
        }

        let m = |q: &str| -> Vec<String> {
            by_mac(&recs, q)
                .unwrap()
                .iter()
                .map(|d| d.mac.clone())
                .collect()
        };
        assert_eq!(m("aa:bb:cc:dd:ee:ff"), ["AA:BB:CC:DD:EE:FF"]);
        assert_eq!(m("AABBCCDDEEFF"), ["AA:BB:CC:DD:EE:FF"]);
        assert_eq!(
            m("AA:BB:CC:00:00:00/FF:FF:FF:00:00:00"),
            ["AA:BB:CC:DD:EE:FF", "AA:BB:CC:00:00:01"]
        );
        assert!(m("01:02:03:04:05:06").is_empty());
        for bad in ["", "zz:zz", "AA:B", "AA:BB/", "AA:BB:CC:DD:EE:FF:00:11:22"] {
            assert_eq!(by_mac(&recs, bad).unwrap_err().status(), 400, "{bad}");
        }
    }

    #[test]
    fn multi_requests() {
        let recs = synthetic();
        let j = json!({"devices": ["AA:BB:CC:DD:EE:FF", "00:11:22:33:44:55"]});
        let r = multi_mac(&recs, Some(&j)).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].mac, "AA:BB:CC:DD:EE:FF");
        assert_eq!(
            multi_mac(&recs, Some(&json!({"devices": ["nope"]}))).unwrap_err(),
            DeviceError::BadMacInList("nope".into())
        );
        assert_eq!(
            multi_mac(&recs, Some(&json!({}))).unwrap_err(),
            DeviceError::MissingDevices
        );
        assert_eq!(multi_mac(&recs, None).unwrap_err().status(), 400);
        assert_eq!(
            multi_mac(&recs, Some(&json!({"devices": [1]})))
                .unwrap_err()
                .status(),
            400
        );

        let j =
            json!({"devices": ["4202770D00000000_4", "4202770D00000000_77", "4202770D00000000_4"]});
        let r = multi_key(&recs, Some(&j)).unwrap();
        assert_eq!(r.len(), 2);
        let obj: Value =
            serde_json::from_str(&key_object_json(&r, |d| d.json.to_string())).unwrap();
        assert_eq!(obj.as_object().map(|o| o.len()), Some(1));
        assert_eq!(
            obj["4202770D00000000_4"]["kismet.device.base.name"],
            "LINKSYS-guest"
        );
        assert!(matches!(
            multi_key(&recs, Some(&json!({"devices": ["bad"]}))),
            Err(DeviceError::BadKeyInList(_))
        ));
        assert_eq!(records_json(&r[..1]), format!("[{}]", r[0].json));
    }

    #[test]
    fn view_scopes() {
        let recs = synthetic();
        assert_eq!(ViewScope::parse("all"), Some(ViewScope::All));
        assert_eq!(
            ViewScope::parse("phy-IEEE802.11"),
            Some(ViewScope::Phy("IEEE802.11".into()))
        );
        assert_eq!(
            ViewScope::parse("phy/Bluetooth/"),
            Some(ViewScope::Phy("Bluetooth".into()))
        );
        assert_eq!(
            ViewScope::parse("seenby-uuid/abc"),
            Some(ViewScope::SeenBy("abc".into()))
        );
        for bad in ["", "phy-", "phy/", "seenby-", "al", "phy/a/b", "x"] {
            assert_eq!(ViewScope::parse(bad), None, "{bad}");
        }

        let mut req = parse_view(&vars(&[("page", "0"), ("length", "10")]), None).unwrap();
        req.scope = ViewScope::Phy("IEEE802.11".into());
        let r = view(&recs, &req, 0);
        assert_eq!((r.total, r.filtered, r.devices.len()), (3, 3, 3));
        req.scope = ViewScope::SeenBy("aaaaaaaa-0000-0000-0000-000000000001".into());
        assert_eq!(names(&view(&recs, &req, 0)), ["Linksys"]);

        let views = standard_views(
            &["IEEE802.11", "Bluetooth"],
            &["AAAAAAAA-0000-0000-0000-000000000001"],
        );
        assert!(find_view(&views, "phy/Bluetooth").is_some());
        assert!(find_view(&views, "seenby-aaaaaaaa-0000-0000-0000-000000000001").is_some());
        assert!(find_view(&views, "phy-RTL433").is_none());
        let all: Value = serde_json::from_str(&all_views_json(&views, &recs)).unwrap();
        assert_eq!(all[0]["kismet.devices.view.id"], "phy-IEEE802.11");
        assert_eq!(all[0]["kismet.devices.view.size"], 3);
        assert_eq!(all[2]["kismet.devices.view.id"], "all");
        assert_eq!(all[2]["kismet.devices.view.description"], "All devices");
        assert_eq!(all[2]["kismet.devices.view.size"], 4);
        assert_eq!(all[3]["kismet.devices.view.size"], 1);
        assert_eq!(all[3]["kismet.devices.view.indexed"], 1);
    }

    #[test]
    fn regex_hook() {
        let recs = synthetic();
        let req = parse_view(
            &vars(&[("page", "0"), ("length", "1")]),
            Some(&json!({"regex": [["kismet.device.base.name", "^net"]]})),
        )
        .unwrap();
        assert!(req.regex.is_some());
        let mut keep = |_: &DeviceRecord, v: &Value| {
            v["kismet.device.base.name"]
                .as_str()
                .is_some_and(|n| n.starts_with("net") || n.starts_with("head"))
        };
        let r = view_filtered(&recs, &req, 0, Some(&mut keep));
        assert_eq!((r.total, r.filtered, r.last_page), (4, 2, 2));
        assert_eq!(names(&r), ["netgear-5G"]);
        let out = r.to_json_with(|d| format!("{{\"k\":{:?}}}", d.key));
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["data"][0]["k"], "4202770D00000000_2");
    }

    #[test]
    fn bad_parameters_are_400() {
        let bad_vars: &[&[(&str, &str)]] = &[
            &[("page", "x")],
            &[("page", "-1")],
            &[("page", "")],
            &[("page", "1"), ("length", "1.5")],
            &[("page", "1"), ("size", "abc")],
            &[("page", "99999999999999999999999")],
            &[("sort", "a"), ("sort_dir", "up")],
        ];
        for v in bad_vars {
            let e = parse_view(&vars(v), None).unwrap_err();
            assert_eq!(e.status(), 400, "{v:?}");
        }
        let bad_json = [
            json!([1, 2]),
            json!("fields"),
            json!({"fields": "kismet.device.base.name"}),
            json!({"fields": [1]}),
            json!({"fields": [["a"]]}),
            json!({"fields": [["a", "b", "c"]]}),
            json!({"fields": [["a", 1]]}),
            json!({"last_time": "yesterday"}),
            json!({"datatable": "yes"}),
        ];
        for j in &bad_json {
            let e = parse_view(&[], Some(j)).unwrap_err();
            assert_eq!(e.status(), 400, "{j}");
        }
        let dt = |cm: Value| {
            parse_view(
                &vars(&[("order[0][column]", "0"), ("order[0][dir]", "asc")]),
                Some(&json!({"datatable": true, "colmap": cm})),
            )
        };
        assert!(dt(json!([1])).is_err());
        assert!(dt(json!({"0": [1]})).is_err());
        assert!(dt(json!({"0": [[1]]})).is_err());
        assert!(dt(json!({"0": []})).unwrap().sort.is_none());
        assert!(dt(json!({"0": [[]]})).unwrap().sort.is_none());
        assert!(dt(json!({"0": "x"})).unwrap().sort.is_none());
        assert!(dt(json!({"1": ["x"]})).unwrap().sort.is_none());
        // Nulls are absent values; last variable wins; whitespace tolerated.
        let req = parse_view(
            &vars(&[("page", "5"), ("page", " 1 "), ("length", "+2")]),
            Some(&json!({"fields": null, "last_time": null, "regex": null})),
        )
        .unwrap();
        assert_eq!((req.start, req.length, req.regex.is_none()), (2, 2, true));
        // Error messages clip what they echo.
        let long = "9".repeat(1000) + "x";
        let msg = parse_view(&vars(&[("page", &long)]), None)
            .unwrap_err()
            .to_string();
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn hostile_parameters_do_not_panic() {
        let recs = synthetic();
        let odd = [
            "",
            "/",
            "//",
            "#",
            "#/#",
            "\u{0}",
            "💥",
            "%00",
            "a/b/c/d/e/f/g",
            "[",
            "\\",
        ];
        let long = "x".repeat(100_000);
        for s in odd.iter().copied().chain([long.as_str()]) {
            for dir in ["asc", "desc"] {
                let v = vars(&[
                    ("page", "0"),
                    ("length", "2"),
                    ("sort", s),
                    ("sort_dir", dir),
                    ("search", s),
                ]);
                let j = json!({"fields": [s, [s, s]], "last_time": -1});
                let req = parse_view(&v, Some(&j)).unwrap();
                let r = view(&recs, &req, i64::MIN);
                let _ = r.to_json();
            }
            let _ = by_key(&recs, s);
            let _ = by_mac(&recs, s);
            let _ = parse_timestamp(s);
            let _ = ViewScope::parse(s);
            let _ = last_time(&recs, i64::MIN, i64::MIN);
            let _ = last_time(&recs, -1, i64::MIN);
        }
        // Records that are not JSON objects still page and sort.
        let junk = vec![
            DeviceRecord {
                key: "zz".into(),
                mac: "zz".into(),
                phy: String::new(),
                last_time: 5,
                json: Arc::from("not json"),
            },
            DeviceRecord {
                key: "1_1".into(),
                mac: "".into(),
                phy: String::new(),
                last_time: 1,
                json: Arc::from("[1,2]"),
            },
        ];
        let req = parse_view(
            &vars(&[
                ("page", "0"),
                ("length", "1"),
                ("sort", "a"),
                ("search", "a"),
            ]),
            Some(&json!({"fields": ["a"]})),
        )
        .unwrap();
        let r = view(&junk, &req, 0);
        assert_eq!(r.filtered, 0);
        let mut req = parse_view(&vars(&[("sort", "a/b")]), None).unwrap();
        req.scope = ViewScope::SeenBy("x".into());
        assert_eq!(view(&junk, &req, 0).total, 0);
        req.scope = ViewScope::All;
        assert_eq!(view(&junk, &req, 0).devices.len(), 2);
        assert!(by_key(&junk, "ZZ").is_none());
        assert!(by_key(&junk, "1_1").is_some());
        assert!(DeviceRecord::from_json("[]").is_none());
        assert!(DeviceRecord::from_json("{").is_none());
    }

    /// Device records from a shared capture, as the live backend builds them.
    fn capture_records(name: &str) -> Option<Vec<DeviceRecord>> {
        let dir = match std::env::var_os("OSPREY_SHARED_DATA") {
            Some(d) => std::path::PathBuf::from(d),
            None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        let path = dir.join("raw80211").join(name);
        assert!(
            path.is_file(),
            "shared capture missing: {} (set OSPREY_SHARED_DATA)",
            path.display()
        );
        let mut engine =
            osprey_engine::Engine::new(osprey_engine::EngineOptions::default()).expect("engine");
        engine.begin_source(&path, "pcapfile");
        // A truncated tail ends the file after the frames before it were delivered.
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| match engine.process(frame) {
            Ok(_) => osprey_capture::Flow::Continue,
            Err(_) => osprey_capture::Flow::Stop,
        });
        let recs = engine
            .tracker()
            .devices()
            .iter()
            .map(|d| {
                let mut manuf = osprey_oui::kismet_manuf(d.mac.as_bytes());
                if manuf == osprey_oui::UNKNOWN {
                    manuf = osprey_oui::kismet_vendor_ie_manuf(&d.vendor_ouis).unwrap_or(manuf);
                }
                let r = DeviceRecord::from_json(d.to_kismet_json(manuf)).expect("device JSON");
                assert_eq!(r.key, d.key.to_string());
                assert_eq!(r.mac, d.mac.to_string());
                assert_eq!(r.phy, d.phy.name());
                assert_eq!(r.last_time, d.last_time);
                r
            })
            .collect();
        Some(recs)
    }

    #[test]
    fn real_devices_from_capture() {
        let Some(recs) = capture_records("wifite2_handshake_has_1234.cap") else {
            return;
        };
        assert!(!recs.is_empty());
        // Every device by key and by MAC.
        for r in &recs {
            assert_eq!(by_key(&recs, &r.key.to_ascii_lowercase()), Some(r));
            assert!(by_mac(&recs, &r.mac).unwrap().contains(&r));
        }
        // An access point is found by part of its SSID (other case) through a nested field,
        // and only devices with that SSID are.
        let ssid_path = FieldPath::parse("dot11.device/dot11.device.last_beaconed_ssid");
        let ssid_of = |d: &DeviceRecord| -> String {
            let v: Value = serde_json::from_str(&d.json).unwrap_or_default();
            ssid_path
                .lookup(&v)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let ap = recs
            .iter()
            .find(|d| ssid_of(d).len() >= 3)
            .expect("an access point with an SSID");
        let ssid = ssid_of(ap);
        let term: String = ssid
            .chars()
            .skip(1)
            .take(3)
            .collect::<String>()
            .to_ascii_uppercase();
        let fields = json!({"fields": [
            "kismet.device.base.name",
            "dot11.device/dot11.device.last_beaconed_ssid"
        ]});
        let req = parse_view(&vars(&[("search", &term)]), Some(&fields)).unwrap();
        let found = view(&recs, &req, 0);
        assert!(found.devices.contains(&ap), "{term} in {ssid}");
        for d in &found.devices {
            let v: Value = serde_json::from_str(&d.json).unwrap();
            let name = v["kismet.device.base.name"].as_str().unwrap_or_default();
            let hay = format!("{} {}", ssid_of(d), name).to_ascii_uppercase();
            assert!(hay.contains(&term), "{hay} / {term}");
        }
        assert!(found.devices.len() < recs.len());
        // Sorting by packets, both ways, pages through everything exactly once.
        for dir in ["asc", "desc"] {
            let mut seen = Vec::new();
            let mut prev: Option<i64> = None;
            let len = 2;
            let mut page = 0;
            loop {
                let req = parse_view(
                    &vars(&[
                        ("page", &page.to_string()),
                        ("length", &len.to_string()),
                        ("sort", "kismet.device.base.packets.total"),
                        ("sort_dir", dir),
                    ]),
                    None,
                )
                .unwrap();
                let r = view(&recs, &req, 0);
                assert_eq!(r.total, recs.len());
                assert_eq!(r.last_page, recs.len().div_ceil(len));
                for d in &r.devices {
                    let v: Value = serde_json::from_str(&d.json).unwrap();
                    let n = v["kismet.device.base.packets.total"].as_i64().unwrap();
                    if let Some(p) = prev {
                        assert!(if dir == "asc" { p <= n } else { p >= n });
                    }
                    prev = Some(n);
                    seen.push(d.key.clone());
                }
                page += 1;
                if page >= r.last_page {
                    break;
                }
            }
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), recs.len());
        }
        // last-time: the newest device's time excludes it (strict), includes it in the view
        // variant.
        let newest = recs.iter().map(|r| r.last_time).max().unwrap();
        assert!(last_time(&recs, newest, 0).is_empty());
        assert!(!view_last_time(&recs, &ViewScope::All, newest, 0).is_empty());
        assert_eq!(
            last_time(&recs, -1, newest).len(),
            view_last_time(&recs, &ViewScope::All, newest, 0).len()
        );
        assert_eq!(last_time(&recs, 0, 0).len(), recs.len());
    }

    #[test]
    fn real_devices_wds_capture_phy_view() {
        let Some(recs) = capture_records("aircrack_capture_wds-01.cap") else {
            return;
        };
        let mut req = parse_view(
            &vars(&[
                ("page", "0"),
                ("length", "5"),
                ("sort", "kismet.device.base.last_time"),
                ("sort_dir", "desc"),
            ]),
            Some(&json!({"fields": ["kismet.device.base.key"]})),
        )
        .unwrap();
        req.scope = ViewScope::Phy("IEEE802.11".into());
        let r = view(&recs, &req, 0);
        assert_eq!(r.total, recs.len());
        assert_eq!(r.devices.len(), recs.len().min(5));
        let times: Vec<i64> = r.devices.iter().map(|d| d.last_time).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]));
        let out: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(out["total_row"], recs.len());
    }
}
