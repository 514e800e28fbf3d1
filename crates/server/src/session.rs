//! The session and API key endpoints (`/session/*`, `/auth/apikey/*`), over [`crate::auth`].

use crate::api::Reply;
use crate::auth::{Auth, Login, Role};
use crate::format::Command;

fn text(status: u16, t: &str) -> Reply {
    if status == 200 {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: crate::api::Body::Bytes(t.as_bytes().to_vec().into()),
        }
    } else {
        Reply::error(status, t)
    }
}

/// `/session/check_setup_ok`.
pub fn check_setup_ok(auth: &Auth) -> Reply {
    let s = auth.check_setup_ok();
    text(s.status(), s.message())
}

/// `/session/set_password` (form variables `username`, `password`).
pub fn set_password(auth: &Auth, cmd: &Command, login: &Login) -> Reply {
    let user = cmd.var("username").unwrap_or("");
    let pass = cmd.var("password").unwrap_or("");
    let admin = matches!(login.role, Some(Role::Admin));
    match auth.set_password(user, pass, admin) {
        Ok(()) => text(200, "Login configured"),
        Err(e) => Reply::error(e.status(), &e.to_string()),
    }
}

fn json_str<'c>(cmd: &'c Command, k: &str) -> Option<&'c str> {
    cmd.json_get(k)
        .and_then(|v| v.as_str())
        .or_else(|| cmd.var(k))
}

/// `/auth/apikey/generate.cmd`: `{name, role, duration}` → the token as text.
pub fn apikey_generate(auth: &Auth, cmd: &Command) -> Reply {
    let (Some(name), Some(role)) = (json_str(cmd, "name"), json_str(cmd, "role")) else {
        return Reply::error(400, "Invalid request: name and role are required");
    };
    let duration = cmd
        .json_get("duration")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    match auth.generate_apikey(name, &Role::parse(role), duration) {
        Ok(token) => text(200, &token),
        Err(e) => Reply::error(e.status(), &e.to_string()),
    }
}

/// `/auth/apikey/revoke.cmd`: `{name}`.
pub fn apikey_revoke(auth: &Auth, cmd: &Command) -> Reply {
    let Some(name) = json_str(cmd, "name") else {
        return Reply::error(400, "Invalid request: name is required");
    };
    match auth.revoke_apikey(name) {
        Ok(()) => text(200, "revoked"),
        Err(e) => Reply::error(e.status(), &e.to_string()),
    }
}

/// `/auth/apikey/list`: the keys as Kismet's JSON records (never the tokens).
pub fn apikey_list(auth: &Auth) -> Vec<String> {
    auth.list_apikeys()
        .iter()
        .map(|k| k.to_json().to_string())
        .collect()
}
