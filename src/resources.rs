//! Resources: the industry taxonomy (so the model writes `industry` the way the platform does)
//! and a template for reading one company profile by id.

use std::sync::Arc;

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde::Deserialize;

use crate::backend::GraphqlBackend;
use crate::backend::operations::INDUSTRIES;
use crate::caller::{Caller, PrincipalSource};
use crate::error::ToolError;
use crate::tools::get_company::{self, GetCompany};
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

fn backend_failure(error: ToolError) -> McpError {
    tracing::warn!(error = %error, "resource read failed");
    McpError::internal_error(error.client_message(), None)
}

pub async fn read(backend: Arc<dyn GraphqlBackend>, uri: &str) -> Result<ReadResourceResult, McpError> {
    // Resources carry no caller-owned data, so no principal is needed.
    let caller =
        Caller { principal: None, source: PrincipalSource::Anonymous, request_id: String::new(), scopes: Vec::new() };
    let ctx = ToolContext::new(backend, caller, false);
    if uri == INDUSTRIES_URI {
        let data: IndustriesData = ctx.call(&INDUSTRIES, &serde_json::json!({})).await.map_err(backend_failure)?;
        let text = serde_json::to_string(&data.industries).unwrap_or_default();
        return Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type("application/json")]));
    }
    if let Some(id) = uri.strip_prefix(COMPANY_PREFIX) {
        let params = get_company::Params { id: Some(id.to_owned()), domain: None };
        return match GetCompany::run(&ctx, params).await {
            Ok(profile) => {
                let text = serde_json::to_string(&profile).unwrap_or_default();
                Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type("application/json")]))
            }
            Err(ToolError::NotFound(_) | ToolError::InvalidArgument { .. }) => {
                Err(McpError::resource_not_found(format!("no company resource at {}", short(uri)), None))
            }
            Err(other) => Err(backend_failure(other)),
        };
    }
    Err(McpError::resource_not_found(format!("no resource at {}", short(uri)), None))
}

fn short(uri: &str) -> String {
    crate::error::truncate_for_message(uri, 100)
}
