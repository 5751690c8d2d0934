//! The WebSocket side of a fake Slack Socket Mode on loopback: `FakeSlack::enable_socket_mode`
//! starts it, `apps.connections.open` hands out single-use `ws://…/link/?ticket=…` URLs to it.
//! Each connection gets Slack's `hello`; the test pushes envelopes shaped as Slack sends them and
//! reads back every frame the client wrote (acks are the ones with an `envelope_id`). Pings are
//! answered with pongs by tungstenite.
#![allow(dead_code)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::watched::Watched;
use super::{APP_ID, BOT_USER_ID, TEAM_ID};

/// The host Slack names in `hello` and `disconnect` debug_info.
const DEBUG_HOST: &str = "fake";

/// A frame the client wrote, with the connection (1-based, in accept order) it came on.
#[derive(Clone, Debug)]
pub struct ReceivedFrame {
    pub connection: usize,
    /// The frame as JSON; a frame that is not JSON is kept as a JSON string.
    pub body: Value,
}

enum Outgoing {
    /// Text frames, written back to back; `done` learns whether they were.
    Text(Vec<String>, oneshot::Sender<bool>),
    /// A normal close; `done` learns it was written (or could not be).
    Close(oneshot::Sender<()>),
}

struct Connection {
    id: usize,
    out: mpsc::UnboundedSender<Outgoing>,
}

struct State {
    /// Tickets handed out by apps.connections.open and not used yet.
    tickets: HashSet<String>,
    tickets_issued: u64,
    /// Connections whose handshake completed and got their hello, ever.
    accepted: usize,
    /// Open connections, oldest first.
    open: Vec<Connection>,
    /// Handshakes refused (bad path, unknown or used ticket), for failure messages.
    rejected: Vec<String>,
    frames: Vec<ReceivedFrame>,
    pings: usize,
    envelope_seq: u64,
}

/// The state, and the signal that a connection, a refused handshake or a frame was recorded.
type Shared = Arc<Watched<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock()
}

#[derive(Clone)]
pub struct FakeSocket {
    addr: SocketAddr,
    state: Shared,
    stop: Arc<watch::Sender<bool>>,
}

impl FakeSocket {
    /// Binds 127.0.0.1:0 and accepts WebSocket connections until `stop`. Needs a tokio runtime.
    pub(super) fn start() -> FakeSocket {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("fake Socket Mode: bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("fake Socket Mode: set_nonblocking");
        let addr = listener.local_addr().expect("fake Socket Mode: local_addr");
        let listener = tokio::net::TcpListener::from_std(listener)
            .expect("fake Socket Mode: needs a tokio runtime");
        let state: Shared = Watched::new(State {
            tickets: HashSet::new(),
            tickets_issued: 0,
            accepted: 0,
            open: Vec::new(),
            rejected: Vec::new(),
            frames: Vec::new(),
            pings: 0,
            envelope_seq: 0,
        });
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(accept_loop(listener, state.clone(), stopped));
        FakeSocket {
            addr,
            state,
            stop: Arc::new(stop),
        }
    }

    /// A fresh single-use URL, as apps.connections.open answers it.
    pub(super) fn open_link(&self) -> String {
        let mut st = lock(&self.state);
        st.tickets_issued += 1;
        let ticket = format!(
            "{:08x}-{:04x}",
            0x5ea7_0000 + st.tickets_issued,
            st.tickets_issued
        );
        st.tickets.insert(ticket.clone());
        format!("ws://{}/link/?ticket={ticket}&app_id={APP_ID}", self.addr)
    }

    /// Stops accepting and drops every connection without a close frame (the fake went away).
    pub(super) fn stop(&self) {
        let _ = self.stop.send(true);
        lock(&self.state).open.clear();
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Awaits at least `n` connections ever accepted (each got its hello); panics with what the
    /// fake saw after `timeout`.
    pub async fn wait_connected(&self, n: usize, timeout: Duration) {
        let enough = || (lock(&self.state).accepted >= n).then_some(());
        if self.state.until(timeout, enough).await.is_some() {
            return;
        }
        let st = lock(&self.state);
        panic!(
            "fake Socket Mode: expected {n} connection(s) within {timeout:?}, got {} \
             ({} open); apps.connections.open handed out {} URL(s); refused handshakes: {}",
            st.accepted,
            st.open.len(),
            st.tickets_issued,
            if st.rejected.is_empty() {
                "none".to_string()
            } else {
                st.rejected.join("; ")
            }
        );
    }

    /// Connections accepted so far, open or not.
    pub fn connections_accepted(&self) -> usize {
        lock(&self.state).accepted
    }

    /// Connections open now (a connection stops counting once `send_disconnect` closes it).
    pub fn open_connections(&self) -> usize {
        lock(&self.state).open.len()
    }

    /// Sends a `slash_commands` envelope to the most recent open connection; returns its envelope_id.
    /// `form` is the command's fields as Slack posts them over HTTP; the payload is them as JSON strings.
    pub async fn send_slash_command(&self, form: &[(&str, &str)]) -> String {
        let payload: serde_json::Map<String, Value> = form
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        self.send_envelope("slash_commands", &Value::Object(payload), true, None)
            .await
    }

    /// Sends an `events_api` envelope whose payload is `event_callback` (the JSON the Events API
    /// would POST); `retry_attempt` 0 is a first delivery, more is a redelivery (reason `timeout`).
    pub async fn send_event(&self, event_callback: Value, retry_attempt: u32) -> String {
        self.send_envelope("events_api", &event_callback, false, Some(retry_attempt))
            .await
    }

    /// Sends an `interactive` envelope. Slack accepts a response payload in the ack for
    /// `view_submission` (response_action) and `block_suggestion` (options) only.
    pub async fn send_interaction(&self, payload: Value) -> String {
        let accepts = matches!(
            payload["type"].as_str(),
            Some("view_submission" | "block_suggestion")
        );
        self.send_envelope("interactive", &payload, accepts, None)
            .await
    }

    /// Sends `{"type":"disconnect","reason":…}` to the most recent open connection, then closes it.
    /// It no longer counts as open as soon as this returns.
    pub async fn send_disconnect(&self, reason: &str) {
        let (id, out) = self.latest();
        self.write(&out, id, disconnect_frame(reason)).await;
        lock(&self.state).open.retain(|c| c.id != id);
        let (done, written) = oneshot::channel();
        if out.send(Outgoing::Close(done)).is_ok() {
            let _ = written.await;
        }
    }

    /// Sends any text frame to the most recent open connection, as is (a `disconnect` that leaves
    /// the connection open, as Slack's `warning` does; a malformed envelope; …).
    pub async fn send_frame(&self, frame: &Value) {
        self.send_frames(std::slice::from_ref(frame)).await;
    }

    /// Like `send_frame` for several frames, written back to back in one flush, so the client
    /// has them all before it can react to the first.
    pub async fn send_frames(&self, frames: &[Value]) {
        let (id, out) = self.latest();
        self.write_all(&out, id, frames.iter().map(Value::to_string).collect())
            .await;
    }

    /// Every frame the client wrote that carries an `envelope_id`, in order.
    pub fn acks(&self) -> Vec<Value> {
        lock(&self.state)
            .frames
            .iter()
            .filter(|f| f.body.get("envelope_id").is_some())
            .map(|f| f.body.clone())
            .collect()
    }

    pub fn acks_for(&self, envelope_id: &str) -> Vec<Value> {
        self.acks()
            .into_iter()
            .filter(|a| a["envelope_id"] == envelope_id)
            .collect()
    }

    /// Every text frame the client wrote, acks or not, in order.
    pub fn frames(&self) -> Vec<ReceivedFrame> {
        lock(&self.state).frames.clone()
    }

    /// WebSocket pings the client sent (each answered with a pong).
    pub fn pings(&self) -> usize {
        lock(&self.state).pings
    }

    /// Awaits the first ack of `envelope_id`; panics listing every frame received after `timeout`.
    pub async fn wait_for_ack(&self, envelope_id: &str, timeout: Duration) -> Value {
        let first = || self.acks_for(envelope_id).into_iter().next();
        if let Some(ack) = self.state.until(timeout, first).await {
            return ack;
        }
        let st = lock(&self.state);
        let frames: Vec<String> = st
            .frames
            .iter()
            .map(|f| format!("  #{} {}", f.connection, f.body))
            .collect();
        panic!(
            "fake Socket Mode: no ack for envelope {envelope_id} within {timeout:?} \
             ({} connection(s) accepted, {} open); frames received:\n{}",
            st.accepted,
            st.open.len(),
            if frames.is_empty() {
                "  (none)".to_string()
            } else {
                frames.join("\n")
            }
        );
    }

    /// Writes an envelope the way Slack orders its fields; returns its envelope_id.
    async fn send_envelope(
        &self,
        kind: &str,
        payload: &Value,
        accepts_response_payload: bool,
        retry_attempt: Option<u32>,
    ) -> String {
        let (id, out) = self.latest();
        let envelope_id = {
            let mut st = lock(&self.state);
            st.envelope_seq += 1;
            let n = st.envelope_seq;
            format!("{:08x}-0f5a-4c1e-9d2b-{n:012x}", 0x1d3c_0000 + n)
        };
        let mut frame = format!(
            r#"{{"envelope_id":{},"payload":{},"type":{},"accepts_response_payload":{accepts_response_payload}"#,
            json!(envelope_id),
            payload,
            json!(kind)
        );
        if let Some(attempt) = retry_attempt {
            let reason = if attempt == 0 { "" } else { "timeout" };
            frame.push_str(&format!(
                r#","retry_attempt":{attempt},"retry_reason":{}"#,
                json!(reason)
            ));
        }
        frame.push('}');
        self.write(&out, id, frame).await;
        envelope_id
    }

    /// The most recent open connection; panics when there is none.
    fn latest(&self) -> (usize, mpsc::UnboundedSender<Outgoing>) {
        let st = lock(&self.state);
        match st.open.last() {
            Some(c) => (c.id, c.out.clone()),
            None => panic!(
                "fake Socket Mode: no open connection to send to ({} accepted so far); \
                 wait_connected first",
                st.accepted
            ),
        }
    }

    async fn write(&self, out: &mpsc::UnboundedSender<Outgoing>, id: usize, frame: String) {
        self.write_all(out, id, vec![frame]).await;
    }

    async fn write_all(
        &self,
        out: &mpsc::UnboundedSender<Outgoing>,
        id: usize,
        frames: Vec<String>,
    ) {
        let (done, written) = oneshot::channel();
        let ok = out.send(Outgoing::Text(frames.clone(), done)).is_ok()
            && written.await.unwrap_or(false);
        assert!(
            ok,
            "fake Socket Mode: connection #{id} closed before these frames were written: {}",
            frames.join(" ")
        );
    }
}

fn hello_frame(num_connections: usize) -> String {
    json!({
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": DEBUG_HOST,
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": { "app_id": APP_ID },
    })
    .to_string()
}

fn disconnect_frame(reason: &str) -> String {
    json!({
        "type": "disconnect",
        "reason": reason,
        "debug_info": { "host": DEBUG_HOST },
    })
    .to_string()
}

/// A Slack-like events_api `event_callback` around `event`, for `send_event`.
pub fn event_callback(event_id: &str, event: Value) -> Value {
    json!({
        "token": "verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "authorizations": [{
            "enterprise_id": null,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "is_bot": true,
            "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
    })
}

// ---------------------------------------------------------------- server

async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Shared,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(serve(stream, state.clone(), stopped.clone()));
            }
            _ = stopped.changed() => return,
        }
    }
}

/// One connection: the handshake (path and ticket checked), hello, then a writer task fed by
/// the test and a reader that records frames until the client goes or the fake stops.
async fn serve(stream: TcpStream, state: Shared, mut stopped: watch::Receiver<bool>) {
    // tungstenite's callback returns its own (large) error response type: not ours to box.
    #[allow(clippy::result_large_err)]
    let check = {
        let state = state.clone();
        move |request: &Request, response: Response| check_handshake(&state, request, response)
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let num_connections = lock(&state).open.len() + 1;
    if sink
        .send(Message::Text(hello_frame(num_connections).into()))
        .await
        .is_err()
    {
        return;
    }
    let (out, queue) = mpsc::unbounded_channel::<Outgoing>();
    let id = {
        let mut st = lock(&state);
        st.accepted += 1;
        let id = st.accepted;
        st.open.push(Connection { id, out });
        id
    };
    state.changed();
    tokio::spawn(write_loop(sink, queue));
    loop {
        tokio::select! {
            message = source.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let body = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|_| Value::String(text.to_string()));
                    lock(&state).frames.push(ReceivedFrame { connection: id, body });
                    state.changed();
                }
                Some(Ok(Message::Ping(_))) => {
                    lock(&state).pings += 1;
                    state.changed();
                }
                // A close (theirs or the answer to ours) is followed by the end of the stream.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
            _ = stopped.changed() => break,
        }
    }
    // Dropping the last sender ends the writer task, which drops the socket.
    lock(&state).open.retain(|c| c.id != id);
    state.changed();
}

/// Accepts the handshake on `/link/` with a ticket apps.connections.open handed out and not yet used.
// The refusal type is tungstenite's.
#[allow(clippy::result_large_err)]
fn check_handshake(
    state: &Shared,
    request: &Request,
    response: Response,
) -> Result<Response, ErrorResponse> {
    let uri = request.uri();
    let ticket = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v.into_owned());
    let mut st = lock(state);
    let problem = if uri.path() != "/link/" && uri.path() != "/link" {
        "unknown path"
    } else {
        match ticket {
            Some(t) if st.tickets.remove(&t) => return Ok(response),
            Some(_) => "unknown or already used ticket",
            None => "no ticket",
        }
    };
    st.rejected.push(format!("{problem}: {uri}"));
    drop(st);
    state.changed();
    let mut refusal = ErrorResponse::new(Some(problem.to_string()));
    *refusal.status_mut() = StatusCode::UNAUTHORIZED;
    Err(refusal)
}

/// Writes what the test queues for one connection until the queue closes.
async fn write_loop(
    mut sink: SplitSink<WebSocketStream<TcpStream>, Message>,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(item) = queue.recv().await {
        match item {
            Outgoing::Text(frames, done) => {
                let mut ok = true;
                for text in frames {
                    ok = ok && sink.feed(Message::Text(text.into())).await.is_ok();
                }
                ok = ok && sink.flush().await.is_ok();
                let _ = done.send(ok);
            }
            Outgoing::Close(done) => {
                let frame = CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = done.send(());
            }
        }
    }
}
