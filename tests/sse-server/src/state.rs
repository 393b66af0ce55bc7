//! Per-tag counters, request log and armed controls, shared by every route.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
    time::Instant,
};

use axum::http::{HeaderMap, HeaderName, Method, StatusCode, Uri};
use serde::Serialize;
use tokio::sync::watch;

/// The request header a reconnecting client sends its last seen event id in.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// Shared server state: one [`Tag`] per `tag` query value, plus the server-wide stop signal.
#[derive(Debug, Clone)]
pub struct AppState {
    /// When the server started; `at_ms` in the log counts from here.
    started: Instant,
    /// Every tag seen since its last reset.
    tags: Arc<Mutex<HashMap<String, Arc<Tag>>>>,
    /// Flips to `true` once, on shutdown, to end every stream.
    stop: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Empty state, clock starting now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            tags: Arc::default(),
            stop: Arc::new(watch::channel(false).0),
        }
    }

    /// The state of `name`, created on first use.
    pub fn tag(&self, name: &str) -> Arc<Tag> {
        lock(&self.tags).entry(name.to_owned()).or_default().clone()
    }

    /// The state of `name` if it was seen, without creating it.
    pub fn existing_tag(&self, name: &str) -> Option<Arc<Tag>> {
        lock(&self.tags).get(name).cloned()
    }

    /// Forgets `name`; streams still open keep counting against the forgotten state.
    pub fn reset_tag(&self, name: &str) {
        lock(&self.tags).remove(name);
    }

    /// Ends every open stream of every tag (server shutdown).
    pub fn stop_all_streams(&self) {
        self.stop.send_replace(true);
    }

    /// A receiver that sees `true` once the server is stopping.
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// The log entry for a request arriving now, still without its status.
    pub fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Record {
        Record {
            seq: 0,
            at_ms: self.started.elapsed().as_micros() as f64 / 1000.0,
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            headers: header_map(headers),
            last_event_id: headers
                .get(LAST_EVENT_ID)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
            last_event_id_hex: headers
                .get(LAST_EVENT_ID)
                .map(|value| hex(value.as_bytes())),
            body: None,
            status: 0,
        }
    }
}

/// Counters, log and controls of one tag.
#[derive(Debug)]
pub struct Tag {
    /// Connections whose response body is still alive.
    open: AtomicU64,
    /// Connections accepted, failed ones included.
    total: AtomicU64,
    /// Requests answered, in order.
    log: Mutex<Vec<Record>>,
    /// The armed `/control/fail`, if any.
    fail: Mutex<Option<Fail>>,
    /// Bumped by `/control/drop`; every open stream ends when it changes.
    drop: watch::Sender<u64>,
    /// The bearer tokens issued by `/v1/token`.
    tokens: Mutex<Tokens>,
}

/// The bearer tokens of one tag: only the latest issued is valid, until it is expired.
#[derive(Debug, Default)]
struct Tokens {
    /// How many were issued; the next one is `t{issued + 1}`.
    issued: u64,
    /// The one valid now, if any.
    valid: Option<String>,
}

impl Default for Tag {
    fn default() -> Self {
        Self {
            open: AtomicU64::new(0),
            total: AtomicU64::new(0),
            log: Mutex::default(),
            fail: Mutex::default(),
            drop: watch::channel(0).0,
            tokens: Mutex::default(),
        }
    }
}

impl Tag {
    /// Counts a new connection and returns its 0-based index within the tag.
    pub fn accept(&self) -> u64 {
        self.total.fetch_add(1, Ordering::SeqCst)
    }

    /// Counts a response body that has started streaming.
    pub fn opened(&self) {
        self.open.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a response body that has been dropped.
    pub fn closed(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }

    /// `{"open": n, "total": n}`.
    pub fn stats(&self) -> Stats {
        Stats {
            open: self.open.load(Ordering::SeqCst),
            total: self.total.load(Ordering::SeqCst),
        }
    }

    /// Appends `record`, numbering it.
    pub fn log(&self, mut record: Record) {
        let mut log = lock(&self.log);
        record.seq = log.len() as u64;
        log.push(record);
    }

    /// A copy of the log so far.
    pub fn records(&self) -> Vec<Record> {
        lock(&self.log).clone()
    }

    /// Arms `fail` for the next connections, replacing any armed one.
    pub fn arm(&self, fail: Fail) {
        *lock(&self.fail) = (fail.remaining > 0).then_some(fail);
    }

    /// Consumes one armed failure, if any.
    pub fn take_fail(&self) -> Option<Fail> {
        let mut armed = lock(&self.fail);
        let fail = armed.as_mut()?;
        fail.remaining -= 1;
        let taken = fail.clone();
        if fail.remaining == 0 {
            *armed = None;
        }
        Some(taken)
    }

    /// Ends every open stream of this tag; returns how many were open.
    pub fn drop_streams(&self) -> u64 {
        self.drop.send_modify(|generation| *generation += 1);
        self.open.load(Ordering::SeqCst)
    }

    /// A receiver that changes when `/control/drop` is called for this tag.
    pub fn dropped(&self) -> watch::Receiver<u64> {
        self.drop.subscribe()
    }

    /// Issues a new bearer token (`t1`, `t2`, ...), which replaces the valid one.
    pub fn issue_token(&self) -> String {
        let mut tokens = lock(&self.tokens);
        tokens.issued += 1;
        let token = format!("t{}", tokens.issued);
        tokens.valid = Some(token.clone());
        token
    }

    /// Invalidates the valid token without issuing another.
    pub fn expire_token(&self) {
        lock(&self.tokens).valid = None;
    }

    /// Whether `token` is the valid bearer token.
    pub fn accepts_token(&self, token: &str) -> bool {
        lock(&self.tokens).valid.as_deref() == Some(token)
    }
}

/// The answer of `/stats`.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Connections whose response body is still alive.
    pub open: u64,
    /// Connections accepted.
    pub total: u64,
}

/// A scripted failure armed by `/control/fail`.
#[derive(Debug, Clone)]
pub struct Fail {
    /// How many more connections fail.
    pub remaining: u64,
    /// The status they answer.
    pub status: StatusCode,
    /// The `Retry-After` value they carry, if any.
    pub retry_after: Option<String>,
}

/// One line of `/log`.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Position in the tag's log, from 0.
    pub seq: u64,
    /// Milliseconds since server start when the request arrived.
    pub at_ms: f64,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string, without `?`.
    pub query: String,
    /// Request headers, lowercased names; repeated ones joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The `Last-Event-ID` request header, if sent (invalid UTF-8 shown as U+FFFD).
    pub last_event_id: Option<String>,
    /// The bytes of the `Last-Event-ID` request header as lowercase hex, exactly as sent.
    pub last_event_id_hex: Option<String>,
    /// The request body as UTF-8 (invalid bytes as U+FFFD), `None` when empty.
    pub body: Option<String>,
    /// Status code answered.
    pub status: u16,
}

/// Headers as a JSON-friendly map: lowercased names, repeated values joined with `, `.
pub fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map = BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        map.entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    map
}

/// `bytes` as lowercase hex digits, two per byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Locks `mutex`, ignoring poisoning: every critical section leaves the data consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
