//! The route table: every path Osprey answers, with the methods, the extensions it takes and
//! the role it requires. Routing is done here rather than by axum, because Kismet's paths put
//! parameters and the serialisation format inside one segment (`.../{ts}/alerts.json`,
//! `{title}.pcapng`), and because the authentication test walks this table.

use crate::auth::RouteRole;

/// What extension a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ext {
    /// A serialisation format: `json`, `prettyjson`, `ekjson`, `itjson`, `tjson`.
    Format,
    /// Only `.cmd` (or `.jcmd`).
    Cmd,
    /// No extension at all (Kismet's session endpoints).
    None,
    /// A fixed extension (`pcapng`, `ws`).
    Fixed(&'static str),
}

/// Which handler serves a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/system/status`.
    SystemStatus,
    /// `/system/timestamp`.
    SystemTimestamp,
    /// `/alerts/definitions`.
    AlertDefinitions,
    /// `/alerts/all_alerts`.
    AllAlerts,
    /// `/alerts/by-id/{hash}/alert`.
    AlertById,
    /// `/alerts/last-time/{ts}/alerts`.
    AlertsSince,
    /// `/alerts/wrapped/last-time/{ts}/alerts`.
    AlertsSinceWrapped,
    /// `/alerts/raise_alerts.cmd`.
    RaiseAlert,
    /// `/alerts/definitions/define_alert.cmd`.
    DefineAlert,
    /// `/messagebus/all_messages`.
    AllMessages,
    /// `/messagebus/last-time/{ts}/messages`.
    MessagesSince,
    /// `/datasource/all_sources`.
    AllSources,
    /// `/devices/views/all/devices`.
    DeviceView,
    /// `/devices/by-key/{key}/device`.
    DeviceByKey,
    /// `/devices/last-time/{ts}/devices`.
    DevicesSince,
    /// `/logging/kismetdb/pcap/{title}.pcapng`.
    PcapExport,
    /// `/eventbus/events.ws`.
    EventBus,
    /// `/session/check_setup_ok`.
    CheckSetupOk,
    /// `/session/check_login`.
    CheckLogin,
    /// `/session/check_session`.
    CheckSession,
    /// `/session/set_password`.
    SetPassword,
    /// `/auth/apikey/generate.cmd`.
    ApiKeyGenerate,
    /// `/auth/apikey/revoke.cmd`.
    ApiKeyRevoke,
    /// `/auth/apikey/list`.
    ApiKeyList,
}

/// One route.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// Accepted methods.
    pub methods: &'static [&'static str],
    /// Path segments; `{name}` is a parameter. The last segment's extension is in `ext`.
    pub pattern: &'static str,
    /// The extension rule.
    pub ext: Ext,
    /// The role the route requires.
    pub role: RouteRole,
    /// The handler.
    pub endpoint: Endpoint,
}

const GP: &[&str] = &["GET", "POST"];
const G: &[&str] = &["GET"];
const P: &[&str] = &["POST"];

/// Every route.
pub const ROUTES: &[Route] = &[
    Route {
        methods: GP,
        pattern: "/system/status",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::SystemStatus,
    },
    Route {
        methods: GP,
        pattern: "/system/timestamp",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::SystemTimestamp,
    },
    Route {
        methods: GP,
        pattern: "/alerts/definitions",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AlertDefinitions,
    },
    Route {
        methods: GP,
        pattern: "/alerts/all_alerts",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AllAlerts,
    },
    Route {
        methods: GP,
        pattern: "/alerts/by-id/{alertid}/alert",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AlertById,
    },
    Route {
        methods: GP,
        pattern: "/alerts/last-time/{timestamp}/alerts",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AlertsSince,
    },
    Route {
        methods: GP,
        pattern: "/alerts/wrapped/last-time/{timestamp}/alerts",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AlertsSinceWrapped,
    },
    Route {
        methods: P,
        pattern: "/alerts/raise_alerts",
        ext: Ext::Cmd,
        role: RouteRole::Admin,
        endpoint: Endpoint::RaiseAlert,
    },
    Route {
        methods: P,
        pattern: "/alerts/definitions/define_alert",
        ext: Ext::Cmd,
        role: RouteRole::Admin,
        endpoint: Endpoint::DefineAlert,
    },
    Route {
        methods: GP,
        pattern: "/messagebus/all_messages",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AllMessages,
    },
    Route {
        methods: GP,
        pattern: "/messagebus/last-time/{timestamp}/messages",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::MessagesSince,
    },
    Route {
        methods: GP,
        pattern: "/datasource/all_sources",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::AllSources,
    },
    Route {
        methods: GP,
        pattern: "/devices/views/all/devices",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::DeviceView,
    },
    Route {
        methods: GP,
        pattern: "/devices/by-key/{key}/device",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::DeviceByKey,
    },
    Route {
        methods: GP,
        pattern: "/devices/last-time/{timestamp}/devices",
        ext: Ext::Format,
        role: RouteRole::Readonly,
        endpoint: Endpoint::DevicesSince,
    },
    Route {
        methods: G,
        pattern: "/logging/kismetdb/pcap/{title}",
        ext: Ext::Fixed("pcapng"),
        role: RouteRole::Readonly,
        endpoint: Endpoint::PcapExport,
    },
    Route {
        methods: G,
        pattern: "/eventbus/events",
        ext: Ext::Fixed("ws"),
        role: RouteRole::Readonly,
        endpoint: Endpoint::EventBus,
    },
    Route {
        methods: G,
        pattern: "/session/check_setup_ok",
        ext: Ext::None,
        role: RouteRole::Unauth,
        endpoint: Endpoint::CheckSetupOk,
    },
    Route {
        methods: G,
        pattern: "/session/check_login",
        ext: Ext::None,
        role: RouteRole::Admin,
        endpoint: Endpoint::CheckLogin,
    },
    Route {
        methods: G,
        pattern: "/session/check_session",
        ext: Ext::None,
        role: RouteRole::Any,
        endpoint: Endpoint::CheckSession,
    },
    Route {
        methods: P,
        pattern: "/session/set_password",
        ext: Ext::None,
        role: RouteRole::Unauth,
        endpoint: Endpoint::SetPassword,
    },
    Route {
        methods: P,
        pattern: "/auth/apikey/generate",
        ext: Ext::Cmd,
        role: RouteRole::Admin,
        endpoint: Endpoint::ApiKeyGenerate,
    },
    Route {
        methods: P,
        pattern: "/auth/apikey/revoke",
        ext: Ext::Cmd,
        role: RouteRole::Admin,
        endpoint: Endpoint::ApiKeyRevoke,
    },
    Route {
        methods: GP,
        pattern: "/auth/apikey/list",
        ext: Ext::Format,
        role: RouteRole::Admin,
        endpoint: Endpoint::ApiKeyList,
    },
];

/// A matched route.
#[derive(Debug)]
pub struct Matched {
    /// The route.
    pub route: &'static Route,
    /// Path parameters, in order.
    pub params: Vec<(&'static str, String)>,
    /// The extension given.
    pub ext: String,
}

/// Why a path matched no route.
#[derive(Debug, PartialEq, Eq)]
pub enum NoMatch {
    /// No route has this path: 404.
    NotFound,
    /// The path exists for other methods: 405.
    Method,
}

pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Finds the route for `method` and `path`.
pub fn find(method: &str, path: &str) -> Result<Matched, NoMatch> {
    let mut method_mismatch = false;
    let segs: Vec<&str> = path.split('/').collect();
    for route in ROUTES {
        let pat: Vec<&str> = route.pattern.split('/').collect();
        if pat.len() != segs.len() {
            continue;
        }
        let last = segs.len() - 1;
        let (last_name, ext) = match route.ext {
            Ext::None => (segs[last], ""),
            _ => match segs[last].rsplit_once('.') {
                Some((n, e)) => (n, e),
                None => continue,
            },
        };
        let ext_ok = match route.ext {
            Ext::None => true,
            Ext::Format => crate::format::Format::from_ext(ext).is_some(),
            Ext::Cmd => ext == "cmd" || ext == "jcmd",
            Ext::Fixed(x) => ext == x,
        };
        if !ext_ok {
            continue;
        }
        let mut params = Vec::new();
        let mut ok = true;
        for (i, p) in pat.iter().enumerate() {
            let s = if i == last { last_name } else { segs[i] };
            if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                match percent_decode(s) {
                    Some(v) if !v.is_empty() => params.push((name, v)),
                    _ => {
                        ok = false;
                        break;
                    }
                }
            } else if *p != s {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        if !route.methods.contains(&method) {
            method_mismatch = true;
            continue;
        }
        return Ok(Matched {
            route,
            params,
            ext: ext.to_string(),
        });
    }
    Err(if method_mismatch {
        NoMatch::Method
    } else {
        NoMatch::NotFound
    })
}

/// An example concrete path for a route (parameters filled), for tests and docs.
pub fn example_path(route: &Route) -> String {
    let mut p = route.pattern.to_string();
    for (name, v) in [
        ("{alertid}", "12345"),
        ("{timestamp}", "0"),
        ("{key}", "4202770D00000000_4DC413D3B968"),
        ("{title}", "export"),
    ] {
        p = p.replace(name, v);
    }
    match route.ext {
        Ext::None => p,
        Ext::Format => p + ".json",
        Ext::Cmd => p + ".cmd",
        Ext::Fixed(x) => format!("{p}.{x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kismet_paths_match() {
        let m = find("GET", "/alerts/last-time/1725468000.5/alerts.json").unwrap();
        assert_eq!(m.route.endpoint, Endpoint::AlertsSince);
        assert_eq!(m.params, vec![("timestamp", "1725468000.5".to_string())]);
        assert_eq!(m.ext, "json");
        let m = find("GET", "/logging/kismetdb/pcap/my%20export.pcapng").unwrap();
        assert_eq!(m.params[0].1, "my export");
        assert_eq!(
            find("GET", "/alerts/all_alerts").unwrap_err(),
            NoMatch::NotFound
        );
        assert_eq!(
            find("GET", "/alerts/all_alerts.xml").unwrap_err(),
            NoMatch::NotFound
        );
        assert_eq!(
            find("GET", "/alerts/raise_alerts.cmd").unwrap_err(),
            NoMatch::Method
        );
        assert_eq!(
            find("GET", "/session/check_login.json").unwrap_err(),
            NoMatch::NotFound
        );
        assert!(find("GET", "/session/check_login").is_ok());
        assert!(find("GET", "/alerts/by-id/%ZZ/alert.json").is_err());
        for r in ROUTES {
            let m = find(r.methods[0], &example_path(r)).unwrap();
            assert_eq!(m.route.endpoint, r.endpoint);
        }
    }
}
