//! Resources: the industry taxonomy (so the model writes `industry` the way the platform does)
//! and a template for reading one company profile by id.

use crate::mcp::confirm::Asking;
use crate::trace::CallTrace;
use std::time::{Duration, Instant};

use rmcp::ErrorData as McpError;
use rmcp::model::{JsonObject, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde::Deserialize;

use crate::backend::BackendError;
use crate::backend::operations::INDUSTRIES;
use crate::error::ToolError;
use crate::inbound::caller::Caller;
use crate::mcp::dispatch;
use crate::mcp::state::AppState;
use crate::tools::get_company::GetCompany;
use crate::tools::{ToolContext, ToolDef};

pub const INDUSTRIES_URI: &str = "b2b://reference/industries";
pub const COMPANY_TEMPLATE: &str = "company://{id}";
const COMPANY_PREFIX: &str = "company://";

pub fn list() -> Vec<Resource> {
    vec![
        Resource::new(INDUSTRIES_URI, "industries")
            .with_title("Industry taxonomy")
            .with_description("The industry values the platform knows; use one of them as search_companies' industry.")
            .with_mime_type("application/json"),
    ]
}

pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(COMPANY_TEMPLATE, "company")
            .with_title("Company profile")
            .with_description("The full profile of one company by platform id, as JSON.")
            .with_mime_type("application/json"),
    ]
}

#[derive(Deserialize)]
struct IndustriesData {
    industries: Vec<String>,
}

fn unavailable(error: &ToolError) -> McpError {
    McpError::internal_error(error.client_message(), None)
}

fn json_contents(uri: &str, value: &impl serde::Serialize) -> ReadResourceResult {
    let text = serde_json::to_string(value).unwrap_or_default();
    ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type("application/json")])
}

/// Read a resource. A company profile is read through the `get_company` tool itself, so a
/// deployment that disables that tool disables the resource too, and the read is audited.
pub async fn read(
    state: &AppState,
    uri: &str,
    caller: Caller,
    deadline: Duration,
    trace: &CallTrace,
) -> Result<ReadResourceResult, McpError> {
    if uri == INDUSTRIES_URI {
        let fetched = crate::trace::within(trace.clone(), industries(state, caller, deadline)).await;
        return fetched.map(|list| json_contents(uri, &list));
    }
    if let Some(id) = uri.strip_prefix(COMPANY_PREFIX) {
        let mut arguments = JsonObject::new();
        arguments.insert("id".into(), id.into());
        let result = Box::pin(dispatch::run_tool(
            state,
            GetCompany::NAME,
            arguments,
            caller,
            deadline,
            trace,
            Asking::default(),
        ))
        .await;
        let result = result.map(dispatch::Dispatched::into_result);
        return match result {
            Ok(Ok(called)) => Ok(json_contents(uri, &called.structured)),
            Ok(Err(ToolError::NotFound(_) | ToolError::InvalidArgument { .. })) => {
                Err(not_found(format!("no company resource at {}", short(uri)), uri))
            }
            Ok(Err(
                refusal @ (ToolError::ToolDisabled(_)
                | ToolError::RateLimited { .. }
                | ToolError::Forbidden(_)
                | ToolError::NoPrincipal
                | ToolError::Unconfirmed(_)),
            )) => Err(McpError::invalid_request(refusal.client_message(), None)),
            Ok(Err(other)) => Err(unavailable(&other)),
            Err(unknown) => Err(McpError::internal_error(unknown.to_string(), None)),
        };
    }
    Err(not_found(format!("no resource at {}", short(uri)), uri))
}

async fn industries(state: &AppState, caller: Caller, deadline: Duration) -> Result<Vec<String>, McpError> {
    let cache = &state.industries;
    if let Some(list) = cache.fresh() {
        return Ok(list);
    }
    let fetch = async {
        let _one_fetch = cache.fetching.lock().await;
        if let Some(list) = cache.fresh() {
            return Ok(list);
        }
        let ctx = ToolContext::new(state.backend.clone(), dispatch::acting_for(&caller), false);
        let data = ctx.call::<_, IndustriesData>(&INDUSTRIES, &serde_json::json!({})).await?;
        *cache.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), data.industries.clone()));
        Ok::<_, ToolError>(data.industries)
    };
    match tokio::time::timeout(deadline, fetch).await {
        Ok(Ok(list)) => Ok(list),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "industries resource failed");
            Err(unavailable(&e))
        }
        Err(_) => Err(unavailable(&ToolError::Backend(BackendError::Timeout(deadline)))),
    }
}

/// SEP-2164: the error names the requested URI in `data` too (bounded, like the message).
fn not_found(message: String, uri: &str) -> McpError {
    McpError::resource_not_found(message, Some(serde_json::json!({"uri": short(uri)})))
}

fn short(uri: &str) -> String {
    crate::error::truncate_for_message(uri, 100)
}
