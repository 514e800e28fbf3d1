//! `osprey serve` refuses API abuse, over real TCP to a real server: no credentials, a role
//! that is not enough, an expired session or key, forged cookies, path traversal in a pcap
//! export's title, oversized headers and bodies, slow clients holding connections, and one
//! client holding too many connections. The secrets the server keeps on disk are hashes.
//!
//! The short timeouts these tests need are options of `osprey serve`
//! (`--session-timeout`, `--header-read-timeout`, `--max-connections-per-client`).

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{osprey, shared_data, ServeInDir as Server};

impl Server {
    fn auth_dir(&self) -> PathBuf {
        self.dir.path().join("auth")
    }

    fn admin(&self) -> String {
        basic("kismet", &self.password)
    }

    /// A GET of `target` with the admin password.
    fn get_admin(&self, target: &str) -> Resp {
        get(self.addr, target, &[("Authorization", &self.admin())])
    }

    /// A request with a JSON body and one credential header (`Authorization` or `Cookie`).
    fn call_json(&self, method: &str, target: &str, auth: (&str, &str), body: &[u8]) -> Resp {
        call(
            self.addr,
            method,
            target,
            &[auth, ("Content-Type", "application/json")],
            body,
        )
    }

    /// A GET of `target` with `token` (a session or an API key) as the `KISMET` cookie.
    fn get_cookie(&self, target: &str, token: &str) -> Resp {
        get(self.addr, target, &[("Cookie", &cookie(token))])
    }
}

/// Starts `osprey serve` on a free loopback port in a fresh directory (its working directory,
/// with `auth/` and `tmp/`, the server's `TMPDIR`).
fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let proc = common::serve(
        osprey()
            .args(["serve", "--listen", "127.0.0.1:0", "--auth-dir"])
            .arg(dir.path().join("auth"))
            .args(extra)
            .env("TMPDIR", &tmp)
            .current_dir(dir.path()),
    );
    Server { proc, dir }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= c.len() {
                char::from(T[((n >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

fn basic(user: &str, pw: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{pw}").as_bytes()))
}

/// A response read off the wire.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The whole response head, as sent.
    head: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// What the server did with a request.
#[derive(Debug)]
enum Outcome {
    /// It answered.
    Answered(Resp),
    /// It closed the connection without answering.
    Closed,
}

fn decode_chunked(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&b[..eol]).unwrap_or("0");
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        b = &b[eol + 2..];
        if size == 0 || b.len() < size {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

fn parse_response(buf: &[u8]) -> Outcome {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        assert!(
            buf.is_empty(),
            "a partial response: {}",
            String::from_utf8_lossy(buf)
        );
        return Outcome::Closed;
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status: u16 = status_line[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &buf[end + 4..];
    let mut r = Resp {
        status,
        headers,
        body: Vec::new(),
        head,
    };
    r.body = if r
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        decode_chunked(rest)
    } else {
        let n = r
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(rest.len());
        rest[..n.min(rest.len())].to_vec()
    };
    Outcome::Answered(r)
}

/// Reads until the server closes the connection (an error, such as a reset after the server
/// closed with unread input, ends the read too).
fn read_to_close(t: &mut TcpStream) -> Vec<u8> {
    t.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match t.read(&mut chunk) {
            Ok(0) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                panic!("the server neither answered nor closed within 60 s")
            }
            Err(_) => return buf,
        }
    }
}

/// Sends raw bytes on a new connection and reads until the server closes it. The request
/// should say `Connection: close`. A write error (the server closed early) is not a failure.
fn exchange(addr: SocketAddr, request: &[u8]) -> Outcome {
    let mut t = TcpStream::connect(addr).unwrap();
    t.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = t.write_all(request);
    parse_response(&read_to_close(&mut t))
}

/// A request with `Connection: close`.
fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

/// A request that must be answered.
fn call(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    match exchange(addr, &request(method, target, headers, body)) {
        Outcome::Answered(r) => r,
        Outcome::Closed => panic!("{method} {target}: closed without an answer"),
    }
}

fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Resp {
    call(addr, "GET", target, headers, b"")
}

/// The server answers a normal request normally.
fn assert_serving(s: &Server) {
    let r = s.get_admin("/system/status.json");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().is_object());
}

/// A 401 as Osprey answers it: a JSON error, a Basic challenge, no cookie set, and nothing of
/// `secret` (a forged credential) echoed anywhere.
fn assert_refused(r: &Resp, secret: &str, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
    assert!(r.json()["error"].is_string(), "{what}");
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Osprey\""),
        "{what}"
    );
    assert_eq!(r.header("set-cookie"), None, "{what}: a cookie was set");
    if !secret.is_empty() {
        assert!(!r.head.contains(secret), "{what}: echoed in the head");
        assert!(!r.text().contains(secret), "{what}: echoed in the body");
    }
}

/// Logs in with the admin password; returns the session token of the `KISMET` cookie set.
fn login(s: &Server) -> String {
    let r = s.get_admin("/session/check_session");
    assert_eq!(r.status, 200, "{}", r.text());
    let c = r.header("set-cookie").expect("a session cookie");
    let token = c
        .strip_prefix("KISMET=")
        .and_then(|c| c.split(';').next())
        .expect("KISMET cookie")
        .to_string();
    assert_eq!(token.len(), 32);
    token
}

/// Creates an API key as admin; returns its token.
fn apikey(s: &Server, name: &str, role: &str, duration: u64) -> String {
    let body = format!(r#"{{"name":"{name}","role":"{role}","duration":{duration}}}"#);
    let r = s.call_json(
        "POST",
        "/auth/apikey/generate.cmd",
        ("Authorization", &s.admin()),
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text().trim().to_string();
    assert_eq!(t.len(), 32, "{t}");
    t
}

fn cookie(token: &str) -> String {
    format!("KISMET={token}")
}

#[test]
fn no_credentials_get_401_and_login_free_routes_still_answer() {
    let s = start(&["-n"]);
    for (method, path) in [
        ("GET", "/alerts/all_alerts.json"),
        ("GET", "/system/status.json"),
        ("GET", "/session/check_session"),
        ("GET", "/session/check_login"),
        ("GET", "/auth/apikey/list.json"),
        ("POST", "/auth/apikey/generate.cmd"),
        ("POST", "/alerts/raise_alerts.cmd"),
        ("GET", "/logging/kismetdb/pcap/x.pcapng"),
    ] {
        let r = call(s.addr, method, path, &[], b"");
        assert_refused(&r, "", path);
        assert_eq!(r.json()["error"], "Authentication required", "{path}");
    }
    // Empty or malformed credentials are no credentials.
    for (k, v) in [
        ("Cookie", ""),
        ("Cookie", "KISMET="),
        ("Authorization", ""),
        ("Authorization", "Basic"),
        ("Authorization", "Basic !!!notbase64"),
        ("Authorization", "Digest username=\"kismet\""),
    ] {
        let r = get(s.addr, "/alerts/all_alerts.json", &[(k, v)]);
        assert_refused(&r, "", &format!("{k}: {v}"));
    }
    // A websocket upgrade without credentials is refused before any upgrade.
    let r = get(
        s.addr,
        "/eventbus/events.ws",
        &[
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
    );
    assert_refused(&r, "", "websocket");
    // What Kismet leaves open still answers.
    let r = get(s.addr, "/session/check_setup_ok", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "Login configured in user config\n");
    assert_serving(&s);
}

#[test]
fn a_role_that_is_not_enough_gets_401_as_in_kismet_and_changes_nothing() {
    let s = start(&["-n"]);
    let ro = apikey(&s, "viewer", "readonly", 0);
    let custom = apikey(&s, "scanner", "scanreport", 0);
    // The readonly key works where it should (so a refusal below is about the role).
    let r = s.get_cookie("/alerts/all_alerts.json", &ro);
    assert_eq!(r.status, 200);
    let r = s.get_cookie("/session/check_session", &ro);
    assert_eq!((r.status, r.text().as_str()), (200, "Session valid"));
    // Every admin route refuses it.
    let mut admin_routes = 0;
    for route in osprey_server::routes::ROUTES {
        if route.role != osprey_server::auth::RouteRole::Admin {
            continue;
        }
        admin_routes += 1;
        let path = osprey_server::routes::example_path(route);
        let method = route.methods[0];
        let body: &[u8] = if method == "POST" { b"{}" } else { b"" };
        let r = s.call_json(method, &path, ("Cookie", &cookie(&ro)), body);
        assert_refused(&r, &ro, &path);
        assert_eq!(r.json()["error"], "This route requires the admin role");
    }
    assert!(admin_routes >= 5);
    // A custom role reaches neither readonly nor admin routes, only `any` ones.
    let r = s.get_cookie("/alerts/all_alerts.json", &custom);
    assert_refused(&r, &custom, "custom role on a readonly route");
    let r = s.get_cookie("/session/check_session", &custom);
    assert_eq!(r.status, 200);
    // The refused commands did nothing: no key was made or revoked.
    for (name, body) in [
        (
            "generate",
            r#"{"name":"sneaky","role":"admin","duration":0}"#,
        ),
        ("revoke", r#"{"name":"viewer"}"#),
    ] {
        let r = s.call_json(
            "POST",
            &format!("/auth/apikey/{name}.cmd"),
            ("Cookie", &cookie(&ro)),
            body.as_bytes(),
        );
        assert_eq!(r.status, 401);
    }
    let r = s.get_admin("/auth/apikey/list.json");
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kismet.httpd.auth.name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["viewer", "scanner"]);
    let r = s.get_cookie("/alerts/all_alerts.json", &ro);
    assert_eq!(r.status, 200);
}

/// Makes a token with `make` and uses it at once, until the use came within `within` of the
/// request that made it (a server slowed down by a busy machine makes an attempt
/// inconclusive, not a failure). Returns the token and the instant its making was answered.
fn fresh_token(
    s: &Server,
    within: Duration,
    mut make: impl FnMut(usize) -> String,
) -> (String, Instant) {
    for attempt in 0..10 {
        let asked = Instant::now();
        let token = make(attempt);
        let made = Instant::now();
        let r = s.get_cookie("/alerts/all_alerts.json", &token);
        if asked.elapsed() < within {
            // Created after `asked` and used before now: it was younger than `within`.
            assert_eq!(r.status, 200, "a fresh token was refused: {}", r.text());
            return (token, made);
        }
    }
    panic!("the server never answered two requests within {within:?}");
}

#[test]
fn an_expired_session_or_key_is_refused() {
    let lifetime = Duration::from_secs(2);
    let s = start(&["-n", "--session-timeout", "2"]);
    // A session lives 2 s to the millisecond; a key of duration 2 until the second after
    // next (at least 1 s, at most 2 s).
    let (session, session_made) = fresh_token(&s, lifetime, |_| login(&s));
    let (key, key_made) = fresh_token(&s, Duration::from_secs(1), |i| {
        apikey(&s, &format!("short{i}"), "readonly", 2)
    });
    // Created before `*_made`; used after `lifetime` more: expired.
    let wait = lifetime.saturating_sub(session_made.min(key_made).elapsed());
    std::thread::sleep(wait + Duration::from_millis(50));
    for (token, what) in [(&session, "session"), (&key, "key")] {
        let r = s.get_cookie("/alerts/all_alerts.json", token);
        assert_refused(&r, token, what);
        // In the URI too.
        let r = get(
            s.addr,
            &format!("/alerts/all_alerts.json?KISMET={token}"),
            &[],
        );
        assert_refused(&r, token, what);
    }
    // The password still logs in, with a new session.
    let again = login(&s);
    assert_ne!(again, session);
    let r = s.get_cookie("/session/check_login", &again);
    assert_eq!((r.status, r.text().as_str()), (200, "Login valid"));
}

#[test]
fn forged_cookies_are_refused_and_never_echoed() {
    let s = start(&["-n"]);
    let session = login(&s);
    let ro = apikey(&s, "viewer", "readonly", 0);
    let revoked = apikey(&s, "gone", "admin", 0);
    let r = s.call_json(
        "POST",
        "/auth/apikey/revoke.cmd",
        ("Authorization", &s.admin()),
        br#"{"name":"gone"}"#,
    );
    assert_eq!((r.status, r.text().as_str()), (200, "revoked"));
    let url = "/alerts/all_alerts.json";
    // The real session works (so each refusal below is about the forgery).
    let r = s.get_cookie(url, &session);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("set-cookie"),
        None,
        "a valid cookie is not re-sent"
    );

    let mut flipped = session.clone().into_bytes();
    flipped[31] = if flipped[31] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    let cases: Vec<(String, String, &str)> = vec![
        (
            cookie("6A1B3C9D0E2F4A5B6C7D8E9F0A1B2C3D"),
            "6A1B3C9D0E2F4A5B6C7D8E9F0A1B2C3D".into(),
            "random token",
        ),
        (
            cookie(&session[..31]),
            session[..31].into(),
            "truncated session",
        ),
        (
            cookie(&session[..16]),
            session[..16].into(),
            "half a session",
        ),
        (cookie(&flipped), flipped.clone(), "one digit changed"),
        (
            cookie(&session.to_lowercase()),
            session.to_lowercase(),
            "lower case",
        ),
        (
            cookie(&format!("{session}00")),
            format!("{session}00"),
            "extended",
        ),
        (
            cookie(&"A".repeat(4000)),
            "A".repeat(4000),
            "4000 characters",
        ),
        (cookie(&revoked), revoked.clone(), "revoked key"),
        (
            format!("kismet={session}"),
            session.clone(),
            "cookie name in lower case",
        ),
        (
            format!("SESSION={session}"),
            session.clone(),
            "another cookie name",
        ),
        (
            format!("XKISMET={session}"),
            session.clone(),
            "a longer cookie name",
        ),
        (
            format!("KISMET=\"{flipped}"),
            flipped.clone(),
            "unbalanced quote",
        ),
    ];
    for (header, secret, what) in &cases {
        let r = get(s.addr, url, &[("Cookie", header)]);
        assert_refused(&r, secret, what);
    }
    // A valid readonly key in the cookie is no admin.
    let r = s.get_cookie("/auth/apikey/list.json", &ro);
    assert_refused(&r, &ro, "readonly key on an admin route");
    // With a Cookie header, the URI token is not looked at (Kismet's order).
    let r = get(
        s.addr,
        &format!("{url}?KISMET={session}"),
        &[("Cookie", "theme=dark")],
    );
    assert_refused(&r, &session, "URI token beside a Cookie header");
    // A token is not a bearer credential.
    let r = get(
        s.addr,
        url,
        &[("Authorization", &format!("Bearer {session}"))],
    );
    assert_refused(&r, &session, "bearer token");
    // Forged URI tokens are refused and not set as a cookie either.
    let r = get(s.addr, &format!("{url}?KISMET={flipped}"), &[]);
    assert_refused(&r, &flipped, "forged URI token");
    // The session still works after all that.
    let r = s.get_cookie(url, &session);
    assert_eq!(r.status, 200);
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The `filename` of a `Content-Disposition` value, which must be a safe download name.
fn download_name(cd: &str) -> String {
    assert!(cd.starts_with("attachment; filename=\""), "{cd}");
    let name = cd["attachment; filename=\"".len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(name.ends_with(".pcapng"), "{cd}");
    assert!(!name.contains(['/', '\\']), "{cd}");
    assert!(!name.contains(".."), "{cd}");
    assert!(name.bytes().all(|b| (0x20..0x7f).contains(&b)), "{cd}");
    name
}

#[test]
fn path_traversal_in_a_pcap_title_is_refused_and_names_stay_safe() {
    let log = shared_data().join("reference/wifite2_handshake_has_1234.kismet");
    let s = start(&["--log", log.to_str().unwrap()]);
    let admin = s.admin();
    let before = files_under(s.dir.path());
    let outside = s.dir.path().parent().unwrap().to_path_buf();
    let escape_names = ["escape", "escape.pcapng", "passwd.pcapng"];
    let outside_before: Vec<bool> = escape_names
        .iter()
        .map(|n| outside.join(n).exists())
        .collect();
    // Titles as sent in the path (percent-encoded where a client would have to).
    for title in [
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "..%2f..%2fescape",
        "%2e%2e%2f%2e%2e%2fescape",
        "%2E%2E%2Fescape",
        "%2Fetc%2Fpasswd",
        "%2F..%2Fescape",
        "..%5C..%5Cescape",
        "C%3A%5Cescape",
        "%5C%5Chost%5Cshare%5Cescape",
        "escape%00",
        "%00",
        "..",
        "%2e%2e",
        "a..b",
        "a%0D%0ASet-Cookie%3A%20x%3Dy",
        "a%22%3B%20filename%3Devil",
        "%E2%80%AEgnp.exe",
        "%ZZescape",
        "%C3%28",
    ] {
        let target = format!("/logging/kismetdb/pcap/{title}.pcapng");
        let r = get(s.addr, &target, &[("Authorization", &admin)]);
        assert!(
            r.status == 400 || r.status == 404,
            "{title}: {} {}",
            r.status,
            r.text()
        );
        assert!(r.json()["error"].is_string(), "{title}");
        assert_eq!(r.header("content-disposition"), None, "{title}");
        assert!(!r.text().contains("root:"), "{title}: read /etc/passwd");
        assert!(
            !r.head.to_ascii_lowercase().contains("set-cookie: x"),
            "{title}"
        );
    }
    // Unencoded `..` segments never reach the route (hyper passes them as they are).
    for target in [
        "/logging/kismetdb/pcap/../../../etc/passwd.pcapng",
        "/logging/kismetdb/pcap/../escape.pcapng",
        "/logging/kismetdb/pcap//etc/passwd.pcapng",
    ] {
        let r = get(s.addr, target, &[("Authorization", &admin)]);
        assert_eq!(r.status, 404, "{target}: {}", r.text());
        assert!(!r.text().contains("root:"));
    }
    // Good titles download, with a plain ASCII, separator-free name.
    for (title, name) in [
        ("export", "export.pcapng"),
        ("my%20export", "my export.pcapng"),
        ("caf%C3%A9", "caf_.pcapng"),
        // Double encoding is one decoding only: a literal name, no separator in it.
        ("%252e%252e%252fescape", "%2e%2e%2fescape.pcapng"),
    ] {
        let target = format!("/logging/kismetdb/pcap/{title}.pcapng?limit=3");
        let r = get(s.addr, &target, &[("Authorization", &admin)]);
        assert_eq!(r.status, 200, "{title}: {}", r.text());
        assert_eq!(&r.body[..4], &[0x0a, 0x0d, 0x0d, 0x0a], "{title}: pcapng");
        let cd = r.header("content-disposition").expect("a download name");
        assert_eq!(download_name(cd), name, "{cd}");
    }
    let r = get(
        s.addr,
        "/logging/kismetdb/pcap/caf%C3%A9.pcapng?limit=1",
        &[("Authorization", &admin)],
    );
    assert!(r
        .header("content-disposition")
        .unwrap()
        .ends_with("; filename*=UTF-8''caf%C3%A9.pcapng"));
    // Nothing was written anywhere: the server's directory holds what it held (the spool
    // files in its TMPDIR are gone), and nothing appeared beside it.
    assert_eq!(files_under(s.dir.path()), before);
    let outside_after: Vec<bool> = escape_names
        .iter()
        .map(|n| outside.join(n).exists())
        .collect();
    assert_eq!(outside_after, outside_before);
    assert_serving(&s);
}

#[test]
fn oversized_headers_get_431_and_the_server_keeps_serving() {
    let s = start(&["-n"]);
    let admin = s.admin();
    let big = "a".repeat(64 << 10);
    let many: String = (0..1000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let huge_cookie = format!("KISMET={}", "B".repeat(256 << 10));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "a 64 KiB header line",
            format!("GET /system/status.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\nX-Big: {big}\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "1000 headers",
            format!("GET /system/status.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\n{many}Connection: close\r\n\r\n").into_bytes(),
        ),
        (
            "a 256 KiB cookie",
            format!("GET /system/status.json HTTP/1.1\r\nHost: x\r\nCookie: {huge_cookie}\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "a 64 KiB URI",
            format!("GET /system/status.json?x={big} HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\nConnection: close\r\n\r\n").into_bytes(),
        ),
        (
            "a header that never ends",
            format!("GET /system/status.json HTTP/1.1\r\nHost: x\r\nX-Endless: {}", "c".repeat(1 << 20)).into_bytes(),
        ),
    ];
    for (what, req) in cases {
        match exchange(s.addr, &req) {
            Outcome::Answered(r) => {
                assert!(
                    matches!(r.status, 400 | 414 | 431),
                    "{what}: {} {}",
                    r.status,
                    r.text()
                );
                eprintln!("{what}: {}", r.status);
            }
            Outcome::Closed => eprintln!("{what}: closed without an answer"),
        }
        // The next client is served normally.
        assert_serving(&s);
    }
    // A large but legitimate head (a 16 KiB header) is served.
    let r = get(
        s.addr,
        "/system/status.json",
        &[
            ("Authorization", &admin),
            ("X-Padding", &"p".repeat(16 << 10)),
        ],
    );
    assert_eq!(r.status, 200);
    // Bodies over 100 000 bytes: 413, declared or chunked.
    let post_head = format!(
        "POST /alerts/all_alerts.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
    );
    let r = exchange(
        s.addr,
        format!("{post_head}Content-Length: 100001\r\n\r\n").as_bytes(),
    );
    let Outcome::Answered(r) = r else {
        panic!("declared oversized body: closed")
    };
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["error"].is_string());
    let mut chunked = format!("{post_head}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    for _ in 0..30 {
        chunked.extend_from_slice(format!("{:x}\r\n", 5000).as_bytes());
        chunked.extend_from_slice(&[b'x'; 5000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let Outcome::Answered(r) = exchange(s.addr, &chunked) else {
        panic!("chunked oversized body: closed")
    };
    assert_eq!(r.status, 413, "{}", r.text());
    // Exactly 100 000 bytes is accepted.
    let mut body = b"json=%7B%7D&pad=".to_vec();
    body.resize(100_000, b'z');
    let r = call(
        s.addr,
        "POST",
        "/alerts/all_alerts.json",
        &[
            ("Authorization", &admin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_serving(&s);
}

/// The result of one slow client.
struct Slow {
    /// The server closed the connection (rather than the client giving up).
    closed: bool,
    /// The server answered something before closing.
    answered: Option<String>,
    /// Header bytes the client had sent by then.
    sent: usize,
    elapsed: Duration,
}

/// Longest a slow client keeps going before giving up.
const SLOW_GIVE_UP: Duration = Duration::from_secs(30);

/// What one read of a slow client's socket found.
#[derive(PartialEq)]
enum SlowRead {
    /// The server closed the connection (or the read failed).
    Closed,
    /// Nothing arrived before the read timeout.
    TimedOut,
    /// The server answered (kept in `answered`).
    Answered,
}

/// Reads what the server sent a slow client, if anything, before the socket's read timeout.
fn read_slow(t: &mut TcpStream, answered: &mut Option<String>) -> SlowRead {
    let mut buf = [0u8; 4096];
    match t.read(&mut buf) {
        Ok(0) => SlowRead::Closed,
        Ok(n) => {
            *answered = Some(String::from_utf8_lossy(&buf[..n]).into_owned());
            SlowRead::Answered
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            SlowRead::TimedOut
        }
        Err(_) => SlowRead::Closed,
    }
}

/// A slowloris client: a request head that never ends, one byte every 200 ms.
fn slowloris(addr: SocketAddr, ready: &Barrier, open: &AtomicUsize) -> Slow {
    let started = Instant::now();
    let mut t = TcpStream::connect(addr).unwrap();
    t.set_nodelay(true).unwrap();
    let head = b"GET /system/status.json HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    t.write_all(head).unwrap();
    open.fetch_add(1, Ordering::SeqCst);
    ready.wait();
    let mut sent = head.len();
    t.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut answered = None;
    let closed = loop {
        if started.elapsed() > SLOW_GIVE_UP {
            break false;
        }
        if t.write_all(b"s").is_err() {
            break true;
        }
        sent += 1;
        if read_slow(&mut t, &mut answered) == SlowRead::Closed {
            break true;
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    Slow {
        closed,
        answered,
        sent,
        elapsed: started.elapsed(),
    }
}

/// A client that connects and sends nothing.
fn silent(addr: SocketAddr, ready: &Barrier, open: &AtomicUsize) -> Slow {
    let started = Instant::now();
    let mut t = TcpStream::connect(addr).unwrap();
    open.fetch_add(1, Ordering::SeqCst);
    ready.wait();
    t.set_read_timeout(Some(SLOW_GIVE_UP)).unwrap();
    let mut answered = None;
    let closed = loop {
        match read_slow(&mut t, &mut answered) {
            SlowRead::Closed => break true,
            SlowRead::TimedOut => break false,
            SlowRead::Answered => {}
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    Slow {
        closed,
        answered,
        sent: 0,
        elapsed: started.elapsed(),
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn slow_clients_are_disconnected_while_others_are_served() {
    let s = start(&[
        "-n",
        "--header-read-timeout",
        "1",
        "--max-connections-per-client",
        "200",
    ]);
    let admin = s.admin();
    // The first password check pays argon2; then latency of normal requests with nothing
    // else going on, for the record.
    assert_serving(&s);
    let mut quiet: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(
                get(s.addr, "/system/status.json", &[("Authorization", &admin)]).status,
                200
            );
            t.elapsed()
        })
        .collect();
    const SLOWLORIS: usize = 40;
    const SILENT: usize = 40;
    let ready = Arc::new(Barrier::new(SLOWLORIS + SILENT + 1));
    let open = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for i in 0..SLOWLORIS + SILENT {
        let (ready, open, addr) = (ready.clone(), open.clone(), s.addr);
        threads.push(std::thread::spawn(move || {
            if i < SLOWLORIS {
                slowloris(addr, &ready, &open)
            } else {
                silent(addr, &ready, &open)
            }
        }));
    }
    ready.wait();
    // Meanwhile, other clients are served.
    let mut busy = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = get(s.addr, "/system/status.json", &[("Authorization", &admin)]);
        assert_eq!(r.status, 200);
        busy.push(t.elapsed());
    }
    let held = open.load(Ordering::SeqCst);
    // A body that stops coming gets 408.
    let mut t = TcpStream::connect(s.addr).unwrap();
    write!(
        t,
        "POST /alerts/all_alerts.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"fie"
    )
    .unwrap();
    let Outcome::Answered(late) = parse_response(&read_to_close(&mut t)) else {
        panic!("a stalled body: closed without an answer")
    };
    assert_eq!(late.status, 408, "{}", late.text());
    assert!(late.json()["error"].is_string());
    // An idle keep-alive connection is closed too.
    let mut t = TcpStream::connect(s.addr).unwrap();
    write!(
        t,
        "GET /system/timestamp.json HTTP/1.1\r\nHost: x\r\nAuthorization: {admin}\r\n\r\n"
    )
    .unwrap();
    let first = read_to_close(&mut t);
    assert!(
        first.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first)
    );

    let results: Vec<Slow> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for (i, r) in results.iter().enumerate() {
        let kind = if i < SLOWLORIS { "slowloris" } else { "silent" };
        assert!(
            r.closed,
            "{kind} client {i} was never disconnected ({} bytes sent)",
            r.sent
        );
        assert_eq!(r.answered, None, "{kind} client {i} was answered");
    }
    let slowest = results.iter().map(|r| r.elapsed).max().unwrap();
    let most_sent = results.iter().map(|r| r.sent).max().unwrap();
    eprintln!(
        "normal requests: p50 {:?} max {:?} alone, p50 {:?} max {:?} beside {SLOWLORIS} slowloris \
         and {SILENT} silent connections ({held} still held after them); every slow client \
         disconnected, the last after {slowest:?} (at most {most_sent} header bytes sent)",
        percentile(&mut quiet, 0.5),
        percentile(&mut quiet, 1.0),
        percentile(&mut busy, 0.5),
        percentile(&mut busy, 1.0),
    );
    assert_serving(&s);
}

/// A TCP connection from a chosen loopback address (std cannot bind before connecting), with
/// a fixed receive buffer of `rcvbuf` bytes if given.
fn connect_from(local: Ipv4Addr, remote: SocketAddr, rcvbuf: Option<usize>) -> TcpStream {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let SocketAddr::V4(remote) = remote else {
        panic!("IPv4 only")
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: socket(2) with constant arguments.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "{}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a new descriptor owned by nothing else.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    if let Some(size) = rcvbuf {
        common::set_rcvbuf(owned.as_raw_fd(), size);
    }
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    type AddrCall =
        unsafe extern "C" fn(libc::c_int, *const libc::sockaddr, libc::socklen_t) -> libc::c_int;
    let steps: [(&str, AddrCall, libc::sockaddr_in); 2] = [
        ("bind", libc::bind, sockaddr(local, 0)),
        (
            "connect",
            libc::connect,
            sockaddr(*remote.ip(), remote.port()),
        ),
    ];
    for (name, call, addr) in steps {
        // SAFETY: `owned` is an open socket and `addr` a valid sockaddr_in of `len` bytes.
        let rc = unsafe {
            call(
                owned.as_raw_fd(),
                (&addr as *const libc::sockaddr_in).cast(),
                len,
            )
        };
        assert_eq!(rc, 0, "{name}: {}", std::io::Error::last_os_error());
    }
    TcpStream::from(owned)
}

#[test]
fn a_client_over_its_connection_cap_gets_503_and_others_do_not() {
    let s = start(&["-n", "--max-connections-per-client", "8"]);
    let key = apikey(&s, "ws", "readonly", 0);
    // Eight websockets: connections that stay open for as long as the client wants.
    let url = format!("ws://{}/eventbus/events.ws?KISMET={key}", s.addr);
    let mut held: Vec<_> = (0..8)
        .map(|_| tungstenite::connect(url.as_str()).expect("websocket").0)
        .collect();
    // The ninth connection from this address is refused at once, before it sends anything.
    let mut t = TcpStream::connect(s.addr).unwrap();
    let Outcome::Answered(r) = parse_response(&read_to_close(&mut t)) else {
        panic!("the ninth connection was closed without an answer")
    };
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["error"], "Too many connections from this address");
    assert_eq!(r.header("retry-after"), Some("1"));
    // Another address is served.
    let mut t = connect_from(Ipv4Addr::new(127, 0, 0, 2), s.addr, None);
    t.write_all(&request(
        "GET",
        "/system/status.json",
        &[("Cookie", &cookie(&key))],
        b"",
    ))
    .unwrap();
    let Outcome::Answered(r) = parse_response(&read_to_close(&mut t)) else {
        panic!("127.0.0.2 was refused")
    };
    assert_eq!(r.status, 200, "{}", r.text());
    // Closing the websockets gives the connections back.
    for ws in &mut held {
        if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_ref() {
            t.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        ws.close(None).unwrap();
        while ws.read().is_ok() {}
    }
    drop(held);
    let mut served = false;
    for _ in 0..200 {
        let r = s.get_cookie("/system/status.json", &key);
        if r.status == 200 {
            served = true;
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        served,
        "the address stayed over its cap after its connections closed"
    );
}

#[test]
fn a_client_that_stops_reading_a_download_is_disconnected() {
    // A log whose pcap export (about 12 MB) is far more than the socket buffers hold.
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("big.kismet");
    common::synthetic_log(&log, 12_000, 1000);
    let s = start(&["--log", log.to_str().unwrap(), "--send-timeout", "1"]);
    let admin = s.admin();
    assert_serving(&s);
    let mut t = connect_from(Ipv4Addr::new(127, 0, 0, 1), s.addr, Some(16 << 10));
    t.write_all(&request(
        "GET",
        "/logging/kismetdb/pcap/big.pcapng",
        &[("Authorization", &admin)],
        b"",
    ))
    .unwrap();
    // Read until the download has begun, then stop reading.
    t.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .is_none_or(|end| got.len() < end + 64)
    {
        let n = t.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before the download began");
        got.extend_from_slice(&chunk[..n]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    std::thread::sleep(Duration::from_secs(5));
    // Meanwhile others are served; then what is left is read: the download was cut (no
    // closing chunk), the server having given up on the client.
    assert_serving(&s);
    got.extend_from_slice(&read_to_close(&mut t));
    assert!(got.len() > 1 << 20, "{} bytes", got.len());
    assert!(
        !got.ends_with(b"0\r\n\r\n"),
        "the whole download ({} bytes) was kept waiting for the client",
        got.len()
    );
    eprintln!(
        "a client that stopped reading got {} bytes before it was cut off",
        got.len()
    );
    assert_serving(&s);
}

#[test]
fn passwords_sessions_and_keys_are_stored_only_as_hashes() {
    // The store itself is unit-tested in crates/server/src/auth.rs
    // (`storage_holds_no_plaintext`); this checks what a running server leaves on disk.
    let s = start(&["-n"]);
    let session = login(&s);
    let keys = [
        apikey(&s, "admin-key", "admin", 0),
        apikey(&s, "ro-key", "readonly", 3600),
    ];
    // A new password, set over the API (it ends the sessions; log in again).
    let new_password = "correct horse battery staple";
    let r = call(
        s.addr,
        "POST",
        "/session/set_password",
        &[
            ("Authorization", &s.admin()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        b"username=operator&password=correct+horse+battery+staple",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = get(
        s.addr,
        "/session/check_login",
        &[("Authorization", &basic("operator", new_password))],
    );
    assert_eq!(r.status, 200);
    let session2 = r
        .header("set-cookie")
        .and_then(|c| c.strip_prefix("KISMET="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let files = files_under(&s.auth_dir());
    assert!(files.len() >= 2, "{files:?}");
    let mut secrets = vec![
        s.password.clone(),
        new_password.to_string(),
        "correct+horse".to_string(),
    ];
    for t in [&session, &session2, &keys[0], &keys[1]] {
        secrets.push(t.clone());
        secrets.push(t.to_lowercase());
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a secret",
                f.display()
            );
        }
    }
    let admin: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.auth_dir().join("admin.json")).unwrap())
            .unwrap();
    assert_eq!(admin["username"], "operator");
    assert!(admin["password_hash"]
        .as_str()
        .unwrap()
        .starts_with("$argon2id$"));
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.auth_dir().join("apikeys.json")).unwrap())
            .unwrap();
    for k in stored.as_array().unwrap() {
        let h = k["token_sha256"].as_str().unwrap();
        assert!(
            h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()),
            "{h}"
        );
    }
    // The old password and the ended session are refused; the keys still work.
    let r = s.get_admin("/alerts/all_alerts.json");
    assert_refused(&r, "", "old password");
    let r = s.get_cookie("/alerts/all_alerts.json", &session);
    assert_refused(&r, &session, "session of the old password");
    let r = s.get_cookie("/auth/apikey/list.json", &keys[0]);
    assert_eq!(r.status, 200);
}
