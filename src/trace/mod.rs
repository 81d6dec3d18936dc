//! Trace context: which trace a call belongs to, read from what the caller sent (W3C
//! `traceparent`/`tracestate` in the MCP request's `_meta` or as HTTP headers, or the X-Ray
//! header Lambda gives an invocation), and carried forward to AppSync and into the audit line.
//!
//! Input is checked strictly and a malformed value is ignored, never an error and never logged:
//! the next source is tried, and with none a new trace starts. New trace ids are X-Ray-shaped
//! (the first 4 bytes are the epoch seconds), so X-Ray accepts them as they are; any valid W3C id
//! is kept as the caller sent it.
//!
//! A call's trace travels as a [`CallTrace`] in a task-local ([`within`], [`current`]): the MCP
//! handler picks it, dispatch runs the tool inside it, and the AppSync client reads it for the
//! headers of each request, so no tool or backend signature carries it. [`span`] records spans
//! with these ids, exported over OTLP only where a collector is configured ([`export`]).

use std::fmt;
use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderName;

/// The longest `tracestate` kept (W3C: 512 characters is what a receiver must accept).
const MAX_TRACESTATE: usize = 512;
/// The most list members a kept `tracestate` may have (W3C: 32).
const MAX_TRACESTATE_MEMBERS: usize = 32;

/// One call's place in a trace: the trace, the span that called us (if any), and this call's
/// own span, which is the parent of everything it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 16],
    parent_id: Option<[u8; 8]>,
    span_id: [u8; 8],
    sampled: bool,
    tracestate: Option<String>,
}

/// Where a trace context came from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// W3C trace context: `traceparent` and, with it, `tracestate` (MCP `_meta` or HTTP headers).
    W3c { traceparent: &'a str, tracestate: Option<&'a str> },
    /// The X-Ray header (`Root=1-...;Parent=...;Sampled=1`): Lambda's, or a load balancer's.
    XRay(&'a str),
}

impl TraceContext {
    /// The first source that holds a valid context, else a new trace.
    pub fn pick<'a>(sources: impl IntoIterator<Item = Source<'a>>) -> TraceContext {
        sources.into_iter().find_map(TraceContext::read).unwrap_or_else(TraceContext::new_trace)
    }

    /// A source's context, or `None` if it is malformed in any part that matters.
    pub fn read(source: Source<'_>) -> Option<TraceContext> {
        match source {
            Source::W3c { traceparent, tracestate } => from_traceparent(traceparent, tracestate),
            Source::XRay(header) => from_xray(header),
        }
    }

    /// A new trace, sampled, with an X-Ray-shaped id.
    pub fn new_trace() -> TraceContext {
        let mut trace_id: [u8; 16] = rand::random();
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as u32;
        trace_id[..4].copy_from_slice(&seconds.to_be_bytes());
        TraceContext { trace_id, parent_id: None, span_id: new_span_id(), sampled: true, tracestate: None }
    }

    /// A span this one starts: the same trace, this span as its parent.
    pub fn child(&self) -> TraceContext {
        TraceContext { parent_id: Some(self.span_id), span_id: new_span_id(), ..self.clone() }
    }

    pub(crate) fn trace_id_bytes(&self) -> [u8; 16] {
        self.trace_id
    }

    pub(crate) fn span_id_bytes(&self) -> [u8; 8] {
        self.span_id
    }

    pub(crate) fn parent_id_bytes(&self) -> Option<[u8; 8]> {
        self.parent_id
    }

    /// The trace id as 32 lowercase hex digits (W3C form; the audit line's `trace_id`).
    pub fn trace_id(&self) -> Hex<32> {
        Hex::of(&self.trace_id)
    }

    /// This call's span id, 16 lowercase hex digits.
    pub fn span_id(&self) -> Hex<16> {
        Hex::of(&self.span_id)
    }

    /// The span that called us, if the caller said.
    pub fn parent_id(&self) -> Option<Hex<16>> {
        self.parent_id.as_ref().map(|id| Hex::of(id))
    }

    pub fn sampled(&self) -> bool {
        self.sampled
    }

    /// The trace id in X-Ray's form, `1-` + 8 hex digits + `-` + 24.
    pub fn xray_trace_id(&self) -> String {
        let id = self.trace_id();
        let (epoch, unique) = id.split_at_checked(8).unwrap_or((&id, ""));
        format!("1-{epoch}-{unique}")
    }

    /// `traceparent` for a call this span makes.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id(), self.span_id(), if self.sampled { "01" } else { "00" })
    }

    /// `tracestate` to pass on, as received (when it was well formed).
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// `X-Amzn-Trace-Id` for a call this span makes.
    pub fn x_amzn_trace_id(&self) -> String {
        format!("Root={};Parent={};Sampled={}", self.xray_trace_id(), self.span_id(), u8::from(self.sampled))
    }
}

/// A call's trace: the span it runs as, and in Lambda the invocation's X-Ray trace, which is what
/// X-Ray shows for it (the same trace unless the client sent a `traceparent` of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTrace {
    pub span: TraceContext,
    pub xray: Option<TraceContext>,
}

/// Where a request's trace context may be: MCP `_meta`, HTTP headers, Lambda's X-Ray header.
#[derive(Debug, Default, Clone, Copy)]
pub struct Inbound<'a> {
    pub meta_traceparent: Option<&'a str>,
    pub meta_tracestate: Option<&'a str>,
    pub headers: Option<&'a http::HeaderMap>,
    /// `lambda_runtime::Context::xray_trace_id`: the invocation's trace (Lambda sets it even when
    /// tracing is off; then it is not sampled).
    pub lambda_xray: Option<&'a str>,
}

impl CallTrace {
    /// The first valid of: `_meta` `traceparent`, the `traceparent` header, Lambda's X-Ray
    /// header, an `X-Amzn-Trace-Id` header (a load balancer's); else a new trace.
    pub fn pick(inbound: Inbound<'_>) -> CallTrace {
        static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
        static TRACESTATE: HeaderName = HeaderName::from_static("tracestate");
        static X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
        let header = |name: &HeaderName| inbound.headers.and_then(|h| h.get(name)).and_then(|v| v.to_str().ok());
        let sources = [
            inbound
                .meta_traceparent
                .map(|traceparent| Source::W3c { traceparent, tracestate: inbound.meta_tracestate }),
            header(&TRACEPARENT).map(|traceparent| Source::W3c { traceparent, tracestate: header(&TRACESTATE) }),
            inbound.lambda_xray.map(Source::XRay),
            header(&X_AMZN_TRACE_ID).map(Source::XRay),
        ];
        let xray = inbound.lambda_xray.and_then(|h| TraceContext::read(Source::XRay(h)));
        CallTrace { span: TraceContext::pick(sources.into_iter().flatten()), xray }
    }

    /// A new trace, for work no caller started.
    pub fn new_trace() -> CallTrace {
        CallTrace { span: TraceContext::new_trace(), xray: None }
    }

    /// A span this call starts (the tool run, a backend request).
    pub fn child(&self) -> CallTrace {
        CallTrace { span: self.span.child(), xray: self.xray.clone() }
    }

    /// The X-Ray trace id to log: the invocation's in Lambda, else none.
    pub fn xray_trace_id(&self) -> Option<String> {
        self.xray.as_ref().map(TraceContext::xray_trace_id)
    }

    /// The headers for a request made as this span: `traceparent` (and `tracestate`) carry the
    /// call's trace; `X-Amzn-Trace-Id` carries the X-Ray trace, so the platform's X-Ray segment
    /// joins the invocation's (under this span when the two are one trace, else under the
    /// function's segment).
    pub fn outbound_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![("traceparent", self.span.traceparent())];
        if let Some(state) = self.span.tracestate() {
            headers.push(("tracestate", state.to_owned()));
        }
        let xray = match &self.xray {
            Some(xray) if xray.trace_id != self.span.trace_id => {
                let parent = xray.parent_id().map(|p| format!(";Parent={p}")).unwrap_or_default();
                format!("Root={}{parent};Sampled={}", xray.xray_trace_id(), u8::from(xray.sampled))
            }
            _ => self.span.x_amzn_trace_id(),
        };
        headers.push(("x-amzn-trace-id", xray));
        headers
    }
}

tokio::task_local! {
    static CURRENT: CallTrace;
}

/// Run `work` as part of `trace`: what it calls finds the trace with [`current`].
pub async fn within<F: Future>(trace: CallTrace, work: F) -> F::Output {
    CURRENT.scope(trace, work).await
}

/// The trace of the call this task is working for, if any.
pub fn current() -> Option<CallTrace> {
    CURRENT.try_with(Clone::clone).ok()
}

fn new_span_id() -> [u8; 8] {
    loop {
        let id: [u8; 8] = rand::random();
        if id != [0; 8] {
            return id;
        }
    }
}

/// An id as `L` lowercase hex digits, kept inline: the audit line writes two of these per call,
/// so making them costs no allocation and no formatting machinery.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hex<const L: usize>([u8; L]);

impl<const L: usize> Hex<L> {
    /// The digits of `bytes`, which must be `L / 2` long (the callers here pass fixed arrays);
    /// a shorter input leaves `0`s at the end.
    fn of(bytes: &[u8]) -> Hex<L> {
        let digit = |n: u8| if n < 10 { b'0' + n } else { b'a' + (n - 10) };
        let mut out = [b'0'; L];
        for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
            if let [high, low] = pair {
                *high = digit(byte >> 4);
                *low = digit(byte & 0x0f);
            }
        }
        Hex(out)
    }

    pub fn as_str(&self) -> &str {
        // Always ASCII hex digits; the empty fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl<const L: usize> std::ops::Deref for Hex<L> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const L: usize> fmt::Display for Hex<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const L: usize> fmt::Debug for Hex<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const L: usize> PartialEq<&str> for Hex<L> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<const L: usize> PartialEq<str> for Hex<L> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const L: usize> serde::Serialize for Hex<L> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Exactly `N` bytes from `2 * N` lowercase hex digits, not all zero.
fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N || !digits.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        *out.get_mut(i)? = u8::from_str_radix(pair, 16).ok()?;
    }
    (out != [0; N]).then_some(out)
}

/// W3C `traceparent`: `version-traceid-parentid-flags`. Version `ff` is invalid; version `00` is
/// exactly 55 characters; a later version may append fields after a `-`, which are ignored.
fn from_traceparent(traceparent: &str, tracestate: Option<&str>) -> Option<TraceContext> {
    let value = traceparent.trim_matches([' ', '\t']);
    let head = value.get(..55)?;
    let version = head.get(..2)?;
    if version == "ff" || !version.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let rest = value.get(55..).unwrap_or_default();
    if (version == "00" && !rest.is_empty()) || (!rest.is_empty() && !rest.starts_with('-')) {
        return None;
    }
    let mut fields = head.split('-');
    let (_, trace, parent, flags) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    let flags = u8::from_str_radix(flags, 16).ok().filter(|_| flags.len() == 2 && flags == flags.to_lowercase())?;
    Some(TraceContext {
        trace_id: unhex::<16>(trace)?,
        parent_id: Some(unhex::<8>(parent)?),
        span_id: new_span_id(),
        sampled: flags & 1 == 1,
        tracestate: tracestate.and_then(kept_tracestate),
    })
}

/// A `tracestate` worth passing on: printable ASCII, at most 512 characters and 32 members, each
/// `key=value`. Anything else is dropped whole, as the W3C says a receiver may.
fn kept_tracestate(value: &str) -> Option<String> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() || value.len() > MAX_TRACESTATE || !value.bytes().all(|c| (0x20..0x7f).contains(&c)) {
        return None;
    }
    let members: Vec<&str> = value.split(',').map(|m| m.trim_matches([' ', '\t'])).filter(|m| !m.is_empty()).collect();
    let well_formed = |m: &&str| m.split_once('=').is_some_and(|(k, v)| !k.is_empty() && !v.is_empty());
    (members.len() <= MAX_TRACESTATE_MEMBERS && members.iter().all(well_formed)).then(|| members.join(","))
}

/// X-Ray: `Root=1-{8 hex}-{24 hex}` required, `Parent={16 hex}` and `Sampled=0|1|?` optional, in
/// any order, other fields (`Lineage`, `Self`) ignored.
fn from_xray(header: &str) -> Option<TraceContext> {
    let (mut root, mut parent, mut sampled) = (None, None, None);
    for field in header.split(';') {
        let (key, value) = field.trim().split_once('=')?;
        match key.trim() {
            "Root" => root = Some(value.trim()),
            "Parent" => parent = Some(unhex::<8>(value.trim())?),
            "Sampled" => sampled = Some(value.trim() == "1"),
            _ => {}
        }
    }
    let mut parts = root?.split('-');
    let (one, epoch, unique) = (parts.next()?, parts.next()?, parts.next()?);
    if one != "1" || parts.next().is_some() || epoch.len() != 8 || unique.len() != 24 {
        return None;
    }
    Some(TraceContext {
        trace_id: unhex::<16>(&format!("{epoch}{unique}"))?,
        parent_id: parent,
        span_id: new_span_id(),
        sampled: sampled.unwrap_or(false),
        tracestate: None,
    })
}

pub mod export;
pub mod span;

#[cfg(test)]
mod tests;
