//! One tool call end to end, whatever asked for it (tools/call or a resource read): look the
//! tool up, ask [`crate::mcp::authz`] whether this caller may call it, run it under the request
//! deadline with panics caught, and write its audit record. The only place where a tool's typed
//! result meets the audit log.
//!
//! The tool runs as a span of its own under the request's ([`crate::trace`]): its id is the audit
//! record's `span_id` and the parent of every AppSync request it makes.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::FutureExt;
use rmcp::model::{CallToolResult, ContentBlock, InputRequiredResult, JsonObject};

use crate::audit::{AuditRecord, Decision};
use crate::backend::BackendError;
use crate::error::{Outcome, ToolError, truncate_for_message};
use crate::inbound::caller::Caller;
use crate::mcp::confirm::{Asking, Check};
use crate::mcp::registry::Lookup;
use crate::mcp::registry::{Called, ToolEntry};
use crate::mcp::state::AppState;
use crate::tools::{ActingFor, ToolContext, ToolKind};
use crate::trace::span::{Kind, Span};
use crate::trace::{self, CallTrace};

/// The name is no tool of this server (a protocol error, not a tool result).
#[derive(Debug, thiserror::Error)]
#[error("unknown tool {0:?}; tools/list shows the available tools")]
pub struct UnknownTool(pub String);

/// What became of a call: it ran (or was refused), or the person is to be asked first.
#[derive(Debug)]
pub enum Dispatched {
    Done(Result<Called, ToolError>),
    Ask(InputRequiredResult),
}

impl Dispatched {
    /// The result, for a caller that never offers to ask (its `Asking` says it cannot).
    pub fn into_result(self) -> Result<Called, ToolError> {
        match self {
            Dispatched::Done(result) => result,
            Dispatched::Ask(_) => Err(ToolError::Internal("asked a client that cannot be asked".into())),
        }
    }
}

/// Run `name` with `arguments` for `caller`, bounded by `deadline`, as a span of the request's
/// `trace`, once the person has said yes where that is needed (`asking`); audited exactly once.
pub async fn run_tool(
    state: &AppState,
    name: &str,
    arguments: JsonObject,
    caller: Caller,
    deadline: Duration,
    trace: &CallTrace,
    asking: Asking<'_>,
) -> Result<Dispatched, UnknownTool> {
    let started = Instant::now();
    let stage = &state.config.stage;
    let run = trace.child();
    let entry = match state.registry.lookup(name) {
        Lookup::Enabled(entry) => entry,
        Lookup::Withheld(refusal, kind) => {
            let record = AuditRecord::new(&caller, &run, stage, name, kind).with_arg_names(&arguments, &[]);
            let span = tool_span(&run, Some(name));
            return Ok(Dispatched::Done(audited(state, record, span, started, 0.0, Err(refusal))));
        }
        Lookup::Unknown => return Err(UnknownTool(truncate_for_message(name, 64))),
    };
    let record =
        AuditRecord::new(&caller, &run, stage, name, entry.kind).with_arg_names(&arguments, entry.known_args());
    let span = tool_span(&run, Some(entry.name));
    // The caller's grant (write, tool scopes, anonymous reads), before anything is validated or
    // sent; a tool the caller may not call is one tools/list did not show it.
    if let Err(refusal) = crate::mcp::authz::check(&caller, &state.config, entry) {
        return Ok(Dispatched::Done(audited(state, record, span, started, 0.0, Err(refusal))));
    }
    // The person's yes, where the stage wants one: asked only of a call that may run.
    // Under the same deadline and panic guard as the tool itself.
    let mut record = record;
    let gate = AssertUnwindSafe(gate(state, entry, &arguments, &caller, &asking, &run)).catch_unwind();
    let gate = match tokio::time::timeout(deadline, gate).await {
        Ok(Ok(gate)) => gate,
        Ok(Err(_panic)) => Gate::Refuse(ToolError::Internal("confirmation panicked".into()), None, 0.0),
        Err(_) => Gate::Refuse(ToolError::Backend(BackendError::Timeout(deadline)), None, 0.0),
    };
    match gate {
        Gate::Run(how) => record.confirmation = how,
        Gate::Refuse(error, how, backend_ms) => {
            record.confirmation = how;
            return Ok(Dispatched::Done(audited(state, record, span, started, backend_ms, Err(error))));
        }
        Gate::Ask(question, backend_ms) => {
            record.confirmation = Some("asked");
            record.outcome = Outcome::ConfirmationRequested;
            audited_question(state, record, span, started, backend_ms);
            return Ok(Dispatched::Ask(question));
        }
    }
    let deadline = deadline.saturating_sub(started.elapsed());
    let mut ctx = ToolContext::new(state.backend.clone(), acting_for(&caller), state.config.allow_mutations)
        .with_rate_limit(state.limiter.clone(), entry.name);
    if entry.kind == ToolKind::Mutation {
        ctx = ctx.with_idempotency(state.idempotency.clone(), entry.name, state.config.idempotency_lease);
    }
    // A slow platform gets a clear answer at the deadline, not a killed invocation; a panic in
    // a tool is answered like any other internal fault, so the request never hangs unaudited.
    let guarded = AssertUnwindSafe(entry.invoke(&ctx, arguments)).catch_unwind();
    let result = match trace::within(run, tokio::time::timeout(deadline, guarded)).await {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => {
            tracing::error!(tool = entry.name, request_id = %record.request_id, "tool panicked");
            Err(ToolError::Internal("tool panicked".into()))
        }
        Err(_) => Err(ToolError::Backend(BackendError::Timeout(deadline))),
    };
    record.replayed = ctx.replayed();
    record.args = ctx.take_audit_values();
    Ok(Dispatched::Done(audited(state, record, span, started, ctx.backend_ms(), result)))
}

/// Where the call stands with the person's yes (CONFIRM_TOOLS): run it (and how it got there),
/// refuse it, or ask.
enum Gate {
    Run(Option<&'static str>),
    Refuse(ToolError, Option<&'static str>, f64),
    Ask(InputRequiredResult, f64),
}

async fn gate(
    state: &AppState,
    entry: &ToolEntry,
    arguments: &JsonObject,
    caller: &Caller,
    asking: &Asking<'_>,
    run: &CallTrace,
) -> Gate {
    let principal = caller.principal.as_deref();
    match state.confirmer.check(asking, principal, entry.name, arguments, state.idempotency.as_ref()).await {
        Check::NotNeeded => Gate::Run(None),
        Check::Run(how) => Gate::Run(Some(how)),
        Check::Refuse(error, how) => Gate::Refuse(error, Some(how), 0.0),
        Check::Ask => match ask(state, entry, arguments, caller, run).await {
            Ok((question, backend_ms)) => Gate::Ask(question, backend_ms),
            // The call could not be described (bad arguments, no such company): nobody was asked.
            Err((error, backend_ms)) => Gate::Refuse(error, None, backend_ms),
        },
    }
}

/// The question for the person: what the call would do ([`ToolEntry::plan`], which may read the
/// platform, charged to the caller as a company read), sealed into an `input_required` answer.
async fn ask(
    state: &AppState,
    entry: &ToolEntry,
    arguments: &JsonObject,
    caller: &Caller,
    run: &CallTrace,
) -> Result<(InputRequiredResult, f64), (ToolError, f64)> {
    let ctx = ToolContext::new(state.backend.clone(), acting_for(caller), state.config.allow_mutations)
        .with_rate_limit(state.limiter.clone(), "get_company");
    let plan = match trace::within(run.clone(), entry.plan(&ctx, arguments.clone())).await {
        Ok(plan) => plan,
        Err(error) => return Err((error, ctx.backend_ms())),
    };
    match state.confirmer.ask(plan, caller.principal.as_deref(), entry.name, arguments).await {
        Ok(question) => Ok((question, ctx.backend_ms())),
        Err(error) => Err((error, ctx.backend_ms())),
    }
}

/// The audit record of a call answered with a question (nothing ran; no values).
fn audited_question(state: &AppState, mut record: AuditRecord, mut span: Span, started: Instant, backend_ms: f64) {
    record.backend_ms = backend_ms;
    record.forget_values();
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.audit.emit(&record);
    annotate(&mut span, &record);
}

/// The tool run's span (OpenTelemetry's GenAI convention: `execute_tool <name>`); a name this
/// server does not know is not put in it.
fn tool_span(run: &CallTrace, tool: Option<&str>) -> Span {
    // Nothing is allocated unless the span is recorded (no exporter: the common case).
    let name = tool.unwrap_or("-");
    let mut span = Span::start(Kind::Internal, || format!("execute_tool {name}").into(), &run.span, false);
    if span.is_recording() {
        span.set("gen_ai.operation.name", "execute_tool");
        span.set("gen_ai.tool.name", name.to_owned());
    }
    span
}

fn audited(
    state: &AppState,
    mut record: AuditRecord,
    mut span: Span,
    started: Instant,
    backend_ms: f64,
    result: Result<Called, ToolError>,
) -> Result<Called, ToolError> {
    record.backend_ms = backend_ms;
    match &result {
        Ok(called) => record.result_count = Some(called.result_count),
        Err(error) => {
            record.outcome = error.outcome();
            if record.outcome == Outcome::Denied {
                record.decision = Decision::Denied;
            }
            if let ToolError::InvalidArgument { field, .. } = error {
                record.invalid_field = Some(field);
            }
            // A refused or invalid call shows argument names only.
            if matches!(
                record.outcome,
                Outcome::InvalidInput
                    | Outcome::Denied
                    | Outcome::RateLimited
                    | Outcome::InProgress
                    | Outcome::Declined
                    | Outcome::Unconfirmed
            ) {
                record.forget_values();
            }
            match error {
                // Full detail for operators; the model gets the short message.
                ToolError::Backend(cause) => {
                    tracing::warn!(tool = %record.tool, request_id = %record.request_id, error = %cause, "backend call failed")
                }
                ToolError::Internal(cause) => {
                    tracing::error!(tool = %record.tool, request_id = %record.request_id, error = %cause, "internal error")
                }
                _ => {}
            }
        }
    }
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.audit.emit(&record);
    annotate(&mut span, &record);
    result
}

/// What the audit record says, on the span too: names and numbers, never an argument value.
fn annotate(span: &mut Span, record: &AuditRecord) {
    if !span.is_recording() {
        return;
    }
    span.set("b2b.tool.kind", label(&record.kind));
    span.set("b2b.decision", label(&record.decision));
    span.set("b2b.outcome", label(&record.outcome));
    span.set("b2b.backend_ms", record.backend_ms);
    span.set("b2b.duration_ms", record.duration_ms);
    span.set("b2b.replayed", record.replayed);
    if let Some(count) = record.result_count {
        span.set("b2b.result_count", count as i64);
    }
    if let Some(confirmation) = record.confirmation {
        span.set("b2b.confirmation", confirmation);
    }
    if !matches!(record.outcome, Outcome::Ok | Outcome::ConfirmationRequested) {
        span.fail(label(&record.outcome));
    }
}

/// An enum's name as the audit line writes it (`snake_case`).
fn label(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "-".to_owned(),
    }
}

/// The MCP form of a tool's result: structured content and its text rendering, or `isError`
/// with the message the model can act on.
pub fn call_result(result: Result<Called, ToolError>) -> CallToolResult {
    match result {
        // `CallToolResult::structured` would also render the whole output as JSON text, only
        // for it to be replaced by the tool's own summary.
        Ok(called) => {
            let mut answer = CallToolResult::success(vec![ContentBlock::text(called.text)]);
            answer.structured_content = Some(called.structured);
            answer
        }
        Err(error) => CallToolResult::error(vec![ContentBlock::text(error.client_message())]),
    }
}

/// What a tool learns of its caller: the owner of records and the rate-limit key, nothing else.
pub(crate) fn acting_for(caller: &Caller) -> ActingFor {
    ActingFor { owner: caller.principal.clone(), rate_key: caller.rate_key() }
}
