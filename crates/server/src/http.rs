//! The HTTP layer (axum): every request goes through one handler that finds the route in
//! [`crate::routes`], authenticates, checks the role, bounds the body, parses the command and
//! calls [`crate::api::handle`] on a blocking thread (or answers at once with
//! [`crate::api::handle_now`] when the answer is at hand). Errors are 4xx with a JSON body.
//!
//! Connections are served by hyper's HTTP/1 server directly (not `axum::serve`, which takes no
//! settings), within [`Limits`]: a request head larger than [`Limits::max_header_bytes`] or with
//! more than [`MAX_HEADERS`] headers gets 431 and the connection is closed; a head not received
//! within [`Limits::header_read_timeout`] (a slowloris client, or a connection that sends
//! nothing) and an idle keep-alive connection are closed; a body not received within
//! [`Limits::body_read_timeout`] gets 408; a client that takes no data for
//! [`Limits::send_timeout`] while a response waits is disconnected; a client address holding
//! [`Limits::max_connections_per_client`] connections, or a server holding
//! [`Limits::max_connections`], has further connections answered 503 and closed at once.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Request, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use osprey_bus::{Delivery, EventBus};

use crate::api::{Body, Reply, State};
use crate::routes::{self, NoMatch};

/// Largest request body accepted, as Kismet's (100 000 bytes).
pub const MAX_BODY: usize = 100_000;

/// Most headers one request may carry (hyper's own bound); beyond, 431.
pub const MAX_HEADERS: usize = 100;

/// The bounds one connection and one client address are held to (see the module's
/// documentation for what each abuse gets back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time a request head (request line and headers) may take to arrive, counted from when
    /// the server starts waiting for it: on a new connection, and after each response on a
    /// keep-alive one (so this is also the idle keep-alive timeout). The connection is closed
    /// when it runs out.
    pub header_read_timeout: Duration,
    /// Time a request body may take to arrive once its head is in; beyond, 408.
    pub body_read_timeout: Duration,
    /// Time a write may wait for the client to take data (a client that stops reading a
    /// response or a websocket); beyond, the connection is closed.
    pub send_timeout: Duration,
    /// Largest request head, in bytes (request line and headers); beyond, 431.
    pub max_header_bytes: usize,
    /// Most connections one client address (IPv6: one /64) may hold open at once (websockets
    /// included); further ones are answered 503 and closed.
    pub max_connections_per_client: usize,
    /// Most connections the server holds open at once; further ones are answered 503 and
    /// closed.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(60),
            max_header_bytes: 32 << 10,
            max_connections_per_client: 64,
            max_connections: 1024,
        }
    }
}

/// Smallest [`Limits::max_header_bytes`] accepted (hyper's smallest read buffer).
pub const MIN_HEADER_BYTES: usize = 8192;

/// The body read timeout, handed to [`dispatch`] with each request.
#[derive(Clone, Copy, Debug)]
struct BodyReadTimeout(Duration);

/// Open connections per client key and in all.
#[derive(Default)]
struct ConnTable {
    per_client: HashMap<IpAddr, usize>,
    total: usize,
}

/// One admitted connection; its count is given back when dropped.
struct ConnSlot {
    table: Arc<Mutex<ConnTable>>,
    key: IpAddr,
}

impl ConnSlot {
    /// Counts a connection from `ip`, or says why it is refused.
    fn admit(
        table: &Arc<Mutex<ConnTable>>,
        ip: IpAddr,
        limits: &Limits,
    ) -> Result<ConnSlot, &'static str> {
        let key = crate::auth::client_key(ip);
        let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
        if t.total >= limits.max_connections {
            return Err("Too many connections to this server");
        }
        let n = t.per_client.entry(key).or_insert(0);
        if *n >= limits.max_connections_per_client {
            return Err("Too many connections from this address");
        }
        *n += 1;
        t.total += 1;
        Ok(ConnSlot {
            table: table.clone(),
            key,
        })
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        t.total = t.total.saturating_sub(1);
        if let Some(n) = t.per_client.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                t.per_client.remove(&self.key);
            }
        }
    }
}

/// A connection's socket, holding its [`ConnSlot`] for as long as the socket lives (through a
/// websocket upgrade too), and failing a write that waits longer than
/// [`Limits::send_timeout`] for the client to take data.
struct Counted {
    tcp: tokio::net::TcpStream,
    _slot: ConnSlot,
    send_timeout: Duration,
    /// Runs while a write waits for the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Counted {
    /// Passes on the outcome of a write; a write that has been pending for longer than
    /// `send_timeout` becomes a `TimedOut` error (the connection is then dropped).
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if r.is_ready() {
            self.stalled = None;
            return r;
        }
        let t = self.send_timeout;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(t)));
        if std::future::Future::poll(timer.as_mut(), cx).is_ready() {
            self.stalled = None;
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client took no data in time",
            )));
        }
        Poll::Pending
    }
}

impl tokio::io::AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write(cx, buf);
        this.watch(cx, r)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_flush(cx);
        this.watch(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs);
        this.watch(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Answers a connection that is over a connection limit: 503 with a JSON body, written only
/// if the socket takes it at once (it never waits for the client), then closed.
fn refuse(tcp: tokio::net::TcpStream, text: &str) {
    let body = serde_json::json!({ "error": text }).to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tcp.try_write(format!("{head}{body}").as_bytes());
}

/// Whether an `accept` error concerns one connection only (try the next at once), rather than
/// the server (out of descriptors or memory: wait a little before trying again).
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Events queued for one websocket client before it counts as not keeping up.
pub const WS_QUEUE: usize = 4096;

/// Requests per second one client address may make (sustained), and its burst.
pub const CLIENT_RATE: f64 = 500.0;
/// Burst of [`CLIENT_RATE`].
pub const CLIENT_BURST: f64 = 1000.0;
/// Client addresses tracked by the rate limiter (the least recently seen is forgotten).
const CLIENT_TABLE: usize = 4096;

/// A token bucket per client address.
#[derive(Default)]
pub struct RateLimiter {
    buckets:
        std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (f64, std::time::Instant)>>,
}

impl RateLimiter {
    /// Takes one token for `ip`; false when the client is over its rate.
    pub fn allow(&self, ip: std::net::IpAddr) -> bool {
        let now = std::time::Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if b.len() >= CLIENT_TABLE && !b.contains_key(&ip) {
            if let Some(oldest) = b.iter().min_by_key(|(_, v)| v.1).map(|(k, _)| *k) {
                b.remove(&oldest);
            }
        }
        let e = b.entry(ip).or_insert((CLIENT_BURST, now));
        let refill = now.duration_since(e.1).as_secs_f64() * CLIENT_RATE;
        e.0 = (e.0 + refill).min(CLIENT_BURST);
        e.1 = now;
        if e.0 >= 1.0 {
            e.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The application.
pub fn app(state: State) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Serves `app` on `listener` with the default [`Limits`] until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: State,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Limits::default(), shutdown).await
}

/// How long [`serve_with`] waits, once `shutdown` completes, for the connections in progress
/// to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets the connections finish the requests in progress (at most
/// [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: State,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper::server::conn::http1;
    use tower_service::Service as _;

    let router = app(state);
    let mut builder = http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes.max(MIN_HEADER_BYTES))
        .keep_alive(true);
    let body_timeout = BodyReadTimeout(limits.body_read_timeout);
    let table = Arc::new(Mutex::new(ConnTable::default()));
    // Stop: the connections are told to finish (graceful shutdown) when this changes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Every connection task holds a receiver; all are gone when `closed` completes.
    let (done_tx, done_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if is_connection_error(&e) => continue,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Without TCP_NODELAY, the tail of a response that does not fill a segment waits for
        // the client to acknowledge the rest (Nagle), which a client may delay by up to 40 ms.
        let _ = tcp.set_nodelay(true);
        let slot = match ConnSlot::admit(&table, peer.ip(), &limits) {
            Ok(s) => s,
            Err(why) => {
                refuse(tcp, why);
                continue;
            }
        };
        let io = hyper_util::rt::TokioIo::new(Counted {
            tcp,
            _slot: slot,
            send_timeout: limits.send_timeout,
            stalled: None,
        });
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            let mut req = req.map(AxumBody::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(body_timeout);
            router.clone().call(req)
        });
        let conn = builder.serve_connection(io, service).with_upgrades();
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let _done = done;
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    // Errors (a header timeout, a client gone) concern this connection only.
                    _ = conn.as_mut() => break,
                    _ = stop.changed(), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, done_tx.closed()).await;
    Ok(())
}

fn to_response(r: Reply) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match r.body {
        Body::Bytes(b) => {
            let mut resp = (status, b).into_response();
            if !r.content_type.is_empty() {
                if let Ok(v) = HeaderValue::from_str(r.content_type) {
                    resp.headers_mut().insert(header::CONTENT_TYPE, v);
                }
            }
            resp
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "unexpected body").into_response(),
    }
}

fn json_error(status: u16, text: &str) -> Response {
    to_response(Reply::error(status, text))
}

async fn dispatch(
    AxState(state): AxState<State>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    req: Request,
) -> Response {
    if !state.limiter.allow(addr.ip()) {
        return json_error(429, "Too many requests from this address");
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let matched = match routes::find(&method, &path) {
        Ok(m) => m,
        Err(NoMatch::NotFound) => return json_error(404, "No such endpoint"),
        Err(NoMatch::Method) => return json_error(405, "Method not allowed"),
    };
    let headers = req.headers();
    let text = |h: header::HeaderName| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let query_vars: Vec<(String, String)> = crate::format::parse_command(None, b"", &query)
        .map(|c| c.vars)
        .unwrap_or_default();
    let creds = crate::auth::Credentials {
        cookie_header: text(header::COOKIE),
        authorization: text(header::AUTHORIZATION),
        query: query_vars,
    };
    let login =
        state
            .auth
            .authenticate_client(&creds, Some(addr.ip()), std::time::SystemTime::now());
    if login.role.is_none() && login.throttled {
        return json_error(429, "Too many failed logins; try again later");
    }
    if !crate::auth::allows(login.role.as_ref(), &matched.route.role) {
        // 401 for a login whose role is not enough too, as Kismet answers (alerts-spec §6.1).
        let text = match (&login.role, matched.route.role) {
            (None, _) => "Authentication required",
            (Some(_), crate::auth::RouteRole::Admin) => "This route requires the admin role",
            (Some(_), _) => "This route requires the admin or readonly role",
        };
        let mut r = json_error(401, text);
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Osprey\""),
        );
        return r;
    }
    let declared = text(header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return json_error(413, "Request body too large");
    }
    let content_type = text(header::CONTENT_TYPE);
    let body_timeout = req.extensions().get::<BodyReadTimeout>().map(|t| t.0);
    let reading = axum::body::to_bytes(req.into_body(), MAX_BODY);
    let read = match body_timeout {
        Some(t) => match tokio::time::timeout(t, reading).await {
            Ok(r) => r,
            Err(_) => return json_error(408, "The request body did not arrive in time"),
        },
        None => reading.await,
    };
    let body = match read {
        Ok(b) => b,
        Err(_) => return json_error(413, "Request body too large"),
    };
    // The download name of a pcap export, for its Content-Disposition.
    let pcap_title = (matched.route.endpoint == routes::Endpoint::PcapExport)
        .then(|| {
            matched
                .params
                .iter()
                .find(|(k, _)| *k == "title")
                .map(|(_, v)| v.clone())
        })
        .flatten();
    let cmd = match crate::format::parse_command(content_type.as_deref(), &body, &query) {
        Ok(c) => c,
        Err(e) => return json_error(e.status(), &e.to_string()),
    };
    // The polling endpoints usually have their answer at hand: answered here, without a
    // hop to a blocking thread.
    let (reply, login) = match crate::api::handle_now(&state, &matched, &cmd) {
        Some(r) => (r, login),
        None => {
            let st = state.clone();
            match tokio::task::spawn_blocking(move || {
                let r = crate::api::handle(&st, &matched, &cmd, &login);
                (r, login)
            })
            .await
            {
                Ok(r) => r,
                Err(_) => return json_error(500, "Internal error"),
            }
        }
    };
    let mut resp = match reply.body {
        Body::EventBus => match (ws, state.backend.events()) {
            (Ok(ws), Some(bus)) => {
                let backend = state.backend.clone();
                ws.on_upgrade(move |socket| eventbus_session(socket, bus, backend, addr))
            }
            _ => json_error(400, "A websocket upgrade is required"),
        },
        Body::Pcap(log, filter) => {
            let mut r = pcap_response(log, *filter);
            // The title passed `validate_title` (no separators, `..`, controls or quotes), and
            // `content_disposition` writes it as plain ASCII.
            if let Some(v) = pcap_title
                .as_deref()
                .map(crate::pcap_export::content_disposition)
                .and_then(|v| HeaderValue::from_str(&v).ok())
            {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Body::Bytes(_) => to_response(reply),
    };
    if let Some(c) = login.set_cookie {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A `Write` that sends 64 KiB chunks to the response body.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 << 10 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

/// The receiving end as a body stream.
struct ChunkStream(tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>);

impl futures_util::Stream for ChunkStream {
    type Item = std::io::Result<Vec<u8>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

fn pcap_response(log: std::path::PathBuf, filter: crate::pcap_export::PcapFilter) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::task::spawn_blocking(move || {
        let mut w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        // Spooled: the log is read-locked only for the local pass, never for as long as a
        // slow client takes, so the logger is never blocked by a download.
        let r = crate::pcap_export::export_spooled(&log, &filter, &std::env::temp_dir(), &mut w);
        let r = r.map_err(|e| std::io::Error::other(e.to_string()));
        match r.and_then(|_| std::io::Write::flush(&mut w)) {
            Ok(()) => {}
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    let mut resp = Response::new(AxumBody::from_stream(ChunkStream(rx)));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.tcpdump.pcap"),
    );
    resp
}

/// One websocket client of the event bus (Kismet's protocol: `{"SUBSCRIBE": topic,
/// "fields": [...]}`, `{"UNSUBSCRIBE": topic}`; `*` for every topic). Events are sent as
/// `{"TOPIC": record}` text frames, in publication order.
///
/// The publisher (the engine) only ever offers an event to the client's queue of
/// [`WS_QUEUE`] events, so a client never slows ingest. A client that falls that far behind
/// (or stops reading) is disconnected at the first event it would lose: the event is counted
/// as dropped on the bus, the subscription as evicted (both in `/system/status.json`), a close
/// frame says why, and a message on the message bus names the client. A client that is
/// disconnected knows it missed events and can fetch the backlog again; one that kept a
/// silently gapped stream could not.
async fn eventbus_session(
    mut socket: WebSocket,
    bus: EventBus,
    backend: Arc<dyn crate::backend::Backend>,
    peer: SocketAddr,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Arc<osprey_bus::Event>>(WS_QUEUE);
    let overflow = Arc::new(tokio::sync::Notify::new());
    let signal = overflow.clone();
    let (id, dropped) = bus.subscribe_with(&[], move |e| match tx.try_send(e.clone()) {
        Ok(()) => Delivery::Delivered,
        Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
            // Never blocks: stores a permit the session picks up at its next await.
            signal.notify_one();
            Delivery::Full
        }
        Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => Delivery::Gone,
    });
    // topic -> fields of its subscription
    let mut subs: Vec<(String, Option<Vec<crate::format::FieldSpec>>)> = Vec::new();
    let mut too_slow = false;
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { break };
                match msg {
                    WsMessage::Text(t) => {
                        let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) else {
                            continue;
                        };
                        if let Some(topic) = v.get("SUBSCRIBE").and_then(|t| t.as_str()) {
                            let fields = v
                                .get("fields")
                                .and_then(|f| crate::format::parse_fields(f).ok());
                            subs.retain(|(t, _)| t != topic);
                            subs.push((topic.to_string(), fields));
                        }
                        if let Some(topic) = v.get("UNSUBSCRIBE").and_then(|t| t.as_str()) {
                            subs.retain(|(t, _)| t != topic);
                        }
                        let topics: Vec<&str> = subs.iter().map(|(t, _)| t.as_str()).collect();
                        bus.set_topics(id, &topics);
                    }
                    WsMessage::Binary(_) | WsMessage::Close(_) => break,
                    _ => {}
                }
            }
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let fields = subs
                    .iter()
                    .find(|(t, _)| t == &ev.topic)
                    .or_else(|| subs.iter().find(|(t, _)| t == "*"))
                    .and_then(|(_, f)| f.as_ref());
                let text = match fields {
                    None => ev.content_json(),
                    Some(f) => {
                        let mut e = (*ev).clone();
                        for (_, v) in e.content.iter_mut() {
                            if let Ok(s) = crate::format::simplify(v, f) {
                                *v = s;
                            }
                        }
                        e.content_json()
                    }
                };
                // A client that stopped reading leaves this send pending forever; the
                // overflow of its queue ends it.
                tokio::select! {
                    sent = socket.send(WsMessage::Text(text.into())) => {
                        if sent.is_err() {
                            break;
                        }
                    }
                    _ = overflow.notified() => {
                        too_slow = true;
                        break;
                    }
                }
            }
            _ = overflow.notified() => {
                too_slow = true;
                break;
            }
        }
    }
    if !too_slow {
        bus.unsubscribe(id);
        return;
    }
    bus.evict(id);
    let lost = dropped.load(std::sync::atomic::Ordering::Relaxed);
    let reason = format!("too slow: {lost} event(s) dropped");
    // Best effort: a client that stopped reading never takes the close frame.
    let close = WsMessage::Close(Some(axum::extract::ws::CloseFrame {
        code: 1008,
        reason: reason.into(),
    }));
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), socket.send(close)).await;
    let text = format!(
        "Event bus client {peer} did not keep up ({WS_QUEUE} events queued) and was \
         disconnected; {lost} event(s) were dropped for it"
    );
    let _ =
        tokio::task::spawn_blocking(move || backend.post_message(osprey_bus::flags::ERROR, &text))
            .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_rate_is_refused_others_are_not() {
        let l = RateLimiter::default();
        let a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let b: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let allowed = (0..3000).filter(|_| l.allow(a)).count();
        assert!((1000..1500).contains(&allowed), "{allowed}");
        assert!(l.allow(b));
    }

    #[test]
    fn connections_are_counted_per_client_and_in_all_and_given_back() {
        let limits = Limits {
            max_connections_per_client: 2,
            max_connections: 3,
            ..Limits::default()
        };
        let table = Arc::new(Mutex::new(ConnTable::default()));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        // One IPv6 /64 is one client.
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        let a1 = ConnSlot::admit(&table, a, &limits).unwrap();
        let a2 = ConnSlot::admit(&table, a, &limits).unwrap();
        assert_eq!(
            ConnSlot::admit(&table, a, &limits).err(),
            Some("Too many connections from this address")
        );
        let b1 = ConnSlot::admit(&table, b, &limits).unwrap();
        assert_eq!(
            ConnSlot::admit(&table, b, &limits).err(),
            Some("Too many connections to this server")
        );
        drop(a1);
        let a3 = ConnSlot::admit(&table, a, &limits).unwrap();
        drop((a2, a3, b1));
        {
            let t = table.lock().unwrap();
            assert_eq!(t.total, 0);
            assert!(t.per_client.is_empty());
        }
        let v1 = ConnSlot::admit(&table, v6a, &limits).unwrap();
        let v2 = ConnSlot::admit(&table, v6b, &limits).unwrap();
        assert!(ConnSlot::admit(&table, v6a, &limits).is_err());
        drop((v1, v2));
    }
}
