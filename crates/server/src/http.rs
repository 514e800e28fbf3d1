//! The HTTP layer (axum): every request goes through one handler that finds the route in
//! [`crate::routes`], authenticates, checks the role, bounds the body, parses the command and
//! calls [`crate::api::handle`] on a blocking thread (or answers at once with
//! [`crate::api::handle_now`] when the answer is at hand). Errors are 4xx with a JSON body.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

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

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: State,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Without TCP_NODELAY, the tail of a response that does not fill a segment waits for the
    // client to acknowledge the rest (Nagle), which a client may delay by up to 40 ms.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
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
        let mut r = json_error(401, "Authentication required");
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
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return json_error(413, "Request body too large"),
    };
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
        Body::Pcap(log, filter) => pcap_response(log, *filter),
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
}
