//! get_companies_batch: summaries for up to 50 ids in one call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::company::{Company, CompanySummary, render_list};
use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::GET_COMPANIES_BATCH;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Platform company ids, 1 to 50 after duplicates are removed; the answer keeps this order.
    pub ids: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Variables {
    ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    get_companies_batch: Vec<Company>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// Found companies, in the order the ids were given.
    pub companies: Vec<CompanySummary>,
    /// Requested ids the platform does not know.
    pub not_found: Vec<String>,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let mut text = render_list("Companies", &self.companies);
        if !self.not_found.is_empty() {
            text.push_str(&format!("\nNot found: {}", self.not_found.join(", ")));
        }
        text
    }
    fn result_count(&self) -> usize {
        self.companies.len()
    }
}

pub struct GetCompaniesBatch;

#[async_trait::async_trait]
impl ToolDef for GetCompaniesBatch {
    const NAME: &'static str = "get_companies_batch";
    const TITLE: &'static str = "Get several companies";
    const DESCRIPTION: &'static str = "Get company summaries for up to 50 platform ids at once. \
        Duplicates are ignored; ids the platform does not know are listed in not_found.";
    const KIND: ToolKind = ToolKind::Read;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let ids = args::id_list("ids", &params.ids, args::MAX_IDS_PER_CALL)?;
        ctx.audit_value("ids", &ids);
        let data: Data = ctx.call(&GET_COMPANIES_BATCH, &Variables { ids: ids.clone() }).await?;
        // Answer in request order whatever order the platform used.
        let mut found = data.get_companies_batch;
        let mut companies = Vec::with_capacity(ids.len());
        let mut not_found = Vec::new();
        for id in ids {
            match found.iter().position(|c| c.id == id) {
                Some(at) => companies.push(CompanySummary::from(found.swap_remove(at))),
                None => not_found.push(id),
            }
        }
        Ok(Output { companies, not_found })
    }
}
