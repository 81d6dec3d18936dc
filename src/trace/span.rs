//! Spans with the call's own ids: a [`Span`] started for a [`TraceContext`] is exported when it
//! ends (dropped), with that context's trace, span and parent ids, so the span id in an audit
//! line or a `traceparent` sent to AppSync is the one the collector receives.
//!
//! With no exporter installed (the default) a span is an empty shell: starting it reads one
//! static, naming it runs no code (the name is a closure), and attributes are not kept.
//! Attributes are what the code chose (tool name, outcome, timings, status codes), never an
//! argument value, a token or a secret: nothing here reads a request.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::TraceContext;
use super::export::{self, Exporter};

/// What a span stands for, in OpenTelemetry's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request a client sent us.
    Server,
    /// Work inside the request (the tool run).
    Internal,
    /// A request we sent (AppSync).
    Client,
}

/// A span being recorded; exported when dropped.
#[must_use = "a span is recorded when it is dropped"]
pub struct Span {
    live: Option<Box<Live>>,
}

struct Live {
    exporter: &'static Exporter,
    context: TraceContext,
    /// The parent is the caller's span (another process), not one of ours.
    parent_remote: bool,
    kind: Kind,
    name: Cow<'static, str>,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    error: Option<Cow<'static, str>>,
}

impl Span {
    /// Start the span `context` names (its span id is this span's), or an empty one when nothing
    /// is exported or the trace is not sampled.
    pub fn start(
        kind: Kind,
        name: impl FnOnce() -> Cow<'static, str>,
        context: &TraceContext,
        parent_remote: bool,
    ) -> Span {
        let live = export::installed().filter(|_| context.sampled()).map(|exporter| {
            Box::new(Live {
                exporter,
                context: context.clone(),
                parent_remote,
                kind,
                name: name(),
                start: SystemTime::now(),
                attributes: Vec::with_capacity(8),
                error: None,
            })
        });
        Span { live }
    }

    /// Whether a span of `context` would be recorded (an exporter is installed and the trace is
    /// sampled).
    pub fn would_record(context: &TraceContext) -> bool {
        context.sampled() && export::installed().is_some()
    }

    /// A span that records nothing.
    pub fn none() -> Span {
        Span { live: None }
    }

    pub fn is_recording(&self) -> bool {
        self.live.is_some()
    }

    /// Set an attribute (a no-op when not recording).
    pub fn set(&mut self, key: &'static str, value: impl Into<Value>) {
        if let Some(live) = &mut self.live {
            live.attributes.push(KeyValue::new(key, value));
        }
    }

    /// Mark the span failed, with `error.type` as OpenTelemetry's conventions name it.
    pub fn fail(&mut self, error_type: impl Into<Cow<'static, str>>) {
        if let Some(live) = &mut self.live {
            let error_type = error_type.into();
            live.attributes.push(KeyValue::new("error.type", error_type.clone()));
            live.error = Some(error_type);
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(live) = self.live.take() {
            live.exporter.export(live.into_data(SystemTime::now()));
        }
    }
}

impl Live {
    fn into_data(self, end: SystemTime) -> SpanData {
        let flags = if self.context.sampled() { TraceFlags::SAMPLED } else { TraceFlags::default() };
        let state = self.context.tracestate().and_then(|s| s.parse::<TraceState>().ok()).unwrap_or_default();
        let span_context = SpanContext::new(
            TraceId::from_bytes(self.context.trace_id_bytes()),
            SpanId::from_bytes(self.context.span_id_bytes()),
            flags,
            false,
            state,
        );
        SpanData {
            span_context,
            parent_span_id: self.context.parent_id_bytes().map_or(SpanId::INVALID, SpanId::from_bytes),
            parent_span_is_remote: self.parent_remote,
            span_kind: match self.kind {
                Kind::Server => SpanKind::Server,
                Kind::Internal => SpanKind::Internal,
                Kind::Client => SpanKind::Client,
            },
            name: self.name,
            start_time: self.start,
            end_time: end,
            attributes: self.attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: match self.error {
                Some(error) => Status::error(error),
                None => Status::Unset,
            },
            instrumentation_scope: self.exporter.scope().clone(),
        }
    }
}
