//! MCP Tasks (the 2026-07-28 extension) for calls whose work goes on after they answer
//! (`request_email_discovery`: a job at the platform). A client that declared the extension gets
//! a task instead of the call's first answer; `tasks/get` reads the work's state from the
//! platform through the tool that reports it ([`crate::tools::FollowUp`]), as that tool's own
//! call (authorized, rate-limited, audited), and when done inlines the final result.
//!
//! Stateless: nothing is kept in the instance. The task id is the follow-up call itself (tool,
//! argument, id), sealed with the stage's key and bound to the caller, so it cannot be forged,
//! altered or used by another caller (any of which is "unknown task", -32602); and the platform
//! answers for the owner only, besides.

use std::time::Duration;

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolResult, ContentBlock, CreateTaskResult, DetailedTask, GetTaskResult, JsonObject, Task, TaskPayload,
    TaskStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ToolError;
use crate::inbound::caller::Caller;
use crate::mcp::confirm::Asking;
use crate::mcp::dispatch::{self, Dispatched};
use crate::mcp::registry::Called;
use crate::mcp::state::AppState;
use crate::tools::FollowUp;
use crate::trace::CallTrace;

/// How long a task id stays good: the platform keeps a discovery's result this long.
pub const TASK_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often a client should ask.
const POLL_INTERVAL_MS: u64 = 2_000;
const LABEL: &str = "b2b-mcp/task/v1";

/// What a task id holds: the call that reports on the work.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    /// The follow-up tool.
    t: String,
    /// Its argument's name.
    a: String,
    /// The id it is given.
    i: String,
}

fn bound(caller: &Caller) -> Vec<u8> {
    format!("{LABEL}\0{}", caller.principal.as_deref().unwrap_or("-")).into_bytes()
}

/// The task for a call that answered `called` and goes on at the platform, if it does (its
/// output names the work's id).
pub async fn create(
    state: &AppState,
    follow_up: FollowUp,
    called: &Called,
    caller: &Caller,
) -> Result<Option<CreateTaskResult>, ToolError> {
    let Some(id) = called.structured.get(follow_up.id).and_then(Value::as_str) else { return Ok(None) };
    let sealed = Sealed { t: follow_up.tool.to_owned(), a: follow_up.id.to_owned(), i: id.to_owned() };
    let task_id = state.confirmer.seal(&sealed, &bound(caller), TASK_TTL).await?;
    let created = text(&called.structured, "created_at").unwrap_or_else(now);
    let task = Task::new(task_id, TaskStatus::Working, created.clone(), created)
        .with_ttl_ms(TASK_TTL.as_millis() as u64)
        .with_poll_interval_ms(POLL_INTERVAL_MS)
        .with_status_message(status_message(&called.structured));
    Ok(Some(CreateTaskResult::new(task)))
}

/// `tasks/get`: the work's state now, and its result once it is done.
pub async fn get(
    state: &AppState,
    task_id: &str,
    caller: Caller,
    deadline: Duration,
    trace: &CallTrace,
) -> Result<GetTaskResult, McpError> {
    let sealed: Sealed = match state.confirmer.open(task_id, &bound(&caller)).await {
        Ok(Some(sealed)) => sealed,
        Ok(None) => return Err(unknown_task()),
        Err(e) => return Err(McpError::internal_error(e.client_message(), None)),
    };
    let mut arguments = JsonObject::new();
    arguments.insert(sealed.a.clone(), Value::String(sealed.i.clone()));
    let ran = dispatch::run_tool(state, &sealed.t, arguments, caller, deadline, trace, Asking::default()).await;
    let called = match ran.map(Dispatched::into_result) {
        Ok(Ok(called)) => called,
        Ok(Err(ToolError::NotFound(_))) => return Err(unknown_task()),
        Err(unknown) => return Err(McpError::internal_error(format!("this task's {unknown}"), None)),
        Ok(Err(error)) => return Err(McpError::internal_error(error.client_message(), None)),
    };
    let status = text(&called.structured, "status").unwrap_or_default();
    let created = text(&called.structured, "created_at").unwrap_or_else(now);
    let updated = text(&called.structured, "updated_at").unwrap_or_else(|| created.clone());
    let task = Task::new(task_id, TaskStatus::Working, created, updated)
        .with_ttl_ms(TASK_TTL.as_millis() as u64)
        .with_poll_interval_ms(POLL_INTERVAL_MS)
        .with_status_message(status_message(&called.structured));
    let payload = match status.as_str() {
        "completed" => TaskPayload::Completed { result: result_object(dispatch::call_result(Ok(called))) },
        // The work failed at the platform: a tool-level error, which the extension reports as a
        // completed task (failed is for protocol errors).
        "failed" => {
            let mut answer = CallToolResult::error(vec![ContentBlock::text(format!(
                "the platform could not complete this work ({}); nothing more will come of it",
                sealed.i
            ))]);
            answer.structured_content = Some(called.structured);
            TaskPayload::Completed { result: result_object(answer) }
        }
        _ => TaskPayload::Working,
    };
    Ok(GetTaskResult::new(DetailedTask::new(task, payload)))
}

/// `tasks/update` and `tasks/cancel`: acknowledged for a task of this caller's (the extension's
/// rule), unknown otherwise. Nothing is stopped: a queued job cannot be called back.
pub async fn acknowledge(state: &AppState, task_id: &str, caller: &Caller) -> Result<(), McpError> {
    match state.confirmer.open::<Sealed>(task_id, &bound(caller)).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(unknown_task()),
        Err(e) => Err(McpError::internal_error(e.client_message(), None)),
    }
}

fn unknown_task() -> McpError {
    McpError::invalid_params("unknown task: no task of yours has this id (or it has expired)", None)
}

fn result_object(result: CallToolResult) -> JsonObject {
    match serde_json::to_value(result) {
        Ok(Value::Object(object)) => object,
        _ => JsonObject::new(),
    }
}

fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn status_message(structured: &Value) -> String {
    match text(structured, "status") {
        Some(status) => format!("at the platform: {status}"),
        None => "at the platform".to_owned(),
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
