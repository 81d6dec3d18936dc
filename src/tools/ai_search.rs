//! ai_search: natural-language search; the platform interprets the sentence into filters and
//! reports what it understood, so the model can check or refine it with search_companies.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{self, PageInfo};
use super::company::{Company, CompanySummary, render_list};
use super::{ToolContext, ToolDef, ToolKind, ToolOutput};
use crate::backend::operations::AI_SEARCH;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// What you are looking for, in plain language (3 to 500 characters), e.g. "SaaS companies in Germany with 50-200 employees".
    pub query: String,
    /// Results per page: default 20; values above 100 are capped at 100.
    pub limit: Option<i64>,
    /// next_cursor from a previous answer, to get the next page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Variables {
    query: String,
    limit: u32,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    ai_search: Answer,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    interpreted_filters: InterpretedFilters,
    items: Vec<Company>,
    next_token: Option<String>,
}

/// What the platform understood from the sentence (read camelCase, given snake_case).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all(deserialize = "camelCase"))]
pub struct InterpretedFilters {
    /// Remaining keywords.
    pub query: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employees_min: Option<i64>,
    pub employees_max: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub interpreted_filters: InterpretedFilters,
    pub companies: Vec<CompanySummary>,
    #[serde(flatten)]
    pub page: PageInfo,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let f = &self.interpreted_filters;
        let understood: Vec<String> = [
            f.query.as_ref().map(|q| format!("keywords \"{q}\"")),
            f.country.as_ref().map(|c| format!("country {c}")),
            f.industry.as_ref().map(|i| format!("industry {i}")),
            f.employees_min.map(|n| format!("at least {n} employees")),
            f.employees_max.map(|n| format!("at most {n} employees")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let understood = if understood.is_empty() { "no filters".to_owned() } else { understood.join(", ") };
        format!("Understood: {understood}\n{}", render_list("Results", &self.companies)) + &self.page.hint()
    }
    fn result_count(&self) -> usize {
        self.companies.len()
    }
}

pub struct AiSearch;

#[async_trait::async_trait]
impl ToolDef for AiSearch {
    const NAME: &'static str = "ai_search";
    const TITLE: &'static str = "AI company search";
    const DESCRIPTION: &'static str = "Describe the companies you want in plain language; the platform turns it into \
        filters (reported in interpreted_filters) and returns matching companies. Limited to a few calls per minute \
        per user: prefer search_companies when you already know the filters.";
    const KIND: ToolKind = ToolKind::Read;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let query = args::required_text("query", &params.query, 3, 500)?;
        let page = args::page(params.limit, params.cursor)?;
        ctx.audit_value("limit", page.limit.applied);
        let vars = Variables { query, limit: page.limit.applied, next_token: page.cursor };
        let data: Data = ctx.call(&AI_SEARCH, &vars).await?;
        let a = data.ai_search;
        Ok(Output {
            interpreted_filters: a.interpreted_filters,
            companies: a.items.into_iter().map(CompanySummary::from).collect(),
            page: PageInfo::new(page.limit, a.next_token),
        })
    }
}
