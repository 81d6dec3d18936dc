//! search_companies: keyword and filter search over the company database.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{self, Page, PageInfo};
use super::company::{Company, CompanySummary, render_list};
use super::normalize;
use super::{ToolContext, ToolDef, ToolKind, ToolOutput};
use crate::backend::operations::SEARCH_COMPANIES;
use crate::error::ToolError;

pub const MAX_EMPLOYEES: i64 = 10_000_000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Keywords matched against company names, domains and descriptions (at most 200 characters).
    pub query: Option<String>,
    /// Country as an ISO 3166-1 alpha-2 code ("DE"), alpha-3 code ("DEU") or English name ("Germany"), any case.
    pub country: Option<String>,
    /// Industry name, e.g. "Software" (at most 100 characters); see the b2b://reference/industries resource.
    pub industry: Option<String>,
    /// Smallest number of employees (0 to 10,000,000).
    pub employees_min: Option<i64>,
    /// Largest number of employees (0 to 10,000,000, not below employees_min).
    pub employees_max: Option<i64>,
    /// Results per page: default 20; values above 100 are capped at 100.
    pub limit: Option<i64>,
    /// next_cursor from a previous answer, to get the next page.
    pub cursor: Option<String>,
}

/// The filter as the GraphQL API takes it (`CompanySearchFilter`).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employees_min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employees_max: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Variables {
    filter: Filter,
    limit: u32,
    next_token: Option<String>,
}

/// Validated arguments, ready to become variables.
#[derive(Debug, PartialEq)]
pub struct Valid {
    pub filter: Filter,
    pub page: Page,
}

fn employees(field: &'static str, value: Option<i64>) -> Result<Option<i64>, ToolError> {
    match value {
        Some(n) if !(0..=MAX_EMPLOYEES).contains(&n) => {
            Err(ToolError::invalid(field, format!("must be between 0 and {MAX_EMPLOYEES} (got {n})")))
        }
        other => Ok(other),
    }
}

impl Params {
    pub fn validate(self) -> Result<Valid, ToolError> {
        let query = args::text("query", self.query.as_deref(), 200)?;
        let country = match normalize::non_empty(self.country.as_deref()) {
            Some(c) => Some(normalize::country_code(&c).map_err(|e| ToolError::invalid("country", e.to_string()))?),
            None => None,
        };
        let industry = args::text("industry", self.industry.as_deref(), 100)?;
        let employees_min = employees("employees_min", self.employees_min)?;
        let employees_max = employees("employees_max", self.employees_max)?;
        if let (Some(min), Some(max)) = (employees_min, employees_max)
            && min > max
        {
            return Err(ToolError::invalid(
                "employees_min",
                format!("{min} is above employees_max {max}; employees_min must not exceed employees_max"),
            ));
        }
        if query.is_none()
            && country.is_none()
            && industry.is_none()
            && employees_min.is_none()
            && employees_max.is_none()
        {
            return Err(ToolError::invalid(
                "query",
                "give at least one of query, country, industry, employees_min or employees_max",
            ));
        }
        Ok(Valid {
            filter: Filter { query, country, industry, employees_min, employees_max },
            page: args::page(self.limit, self.cursor)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    search_companies: Connection,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    items: Vec<Company>,
    next_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub companies: Vec<CompanySummary>,
    #[serde(flatten)]
    pub page: PageInfo,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        render_list("Search results", &self.companies) + &self.page.hint()
    }
    fn result_count(&self) -> usize {
        self.companies.len()
    }
}

pub struct SearchCompanies;

#[async_trait::async_trait]
impl ToolDef for SearchCompanies {
    const NAME: &'static str = "search_companies";
    const TITLE: &'static str = "Search companies";
    const DESCRIPTION: &'static str = "Find companies by keywords and filters (country, industry, employee count). \
        At least one of query, country, industry, employees_min or employees_max is required. \
        Returns company summaries and a cursor for the next page.";
    const KIND: ToolKind = ToolKind::Read;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let v = params.validate()?;
        ctx.audit_value("country", v.filter.country);
        ctx.audit_value("employees_min", v.filter.employees_min);
        ctx.audit_value("employees_max", v.filter.employees_max);
        ctx.audit_value("limit", v.page.limit.applied);
        let vars = Variables { filter: v.filter, limit: v.page.limit.applied, next_token: v.page.cursor.clone() };
        let data: Data = ctx.call(&SEARCH_COMPANIES, &vars).await?;
        Ok(Output {
            companies: data.search_companies.items.into_iter().map(CompanySummary::from).collect(),
            page: PageInfo::new(v.page.limit, data.search_companies.next_token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(json: serde_json::Value) -> Params {
        serde_json::from_value(json).expect("params decode")
    }

    fn error(json: serde_json::Value) -> String {
        params(json).validate().expect_err("should be invalid").client_message()
    }

    #[test]
    fn needs_at_least_one_criterion() {
        let m = error(serde_json::json!({"limit": 5}));
        assert!(m.contains("at least one of query, country"), "{m}");
        let m = error(serde_json::json!({"query": "   ", "industry": "\n"}));
        assert!(m.contains("at least one of"), "blank strings count as missing: {m}");
    }

    #[test]
    fn country_forms_normalise_to_alpha2() {
        for c in ["de", "DEU", "Germany", " germany "] {
            let v = params(serde_json::json!({"country": c})).validate().expect("valid");
            assert_eq!(v.filter.country, Some("DE"), "{c}");
        }
    }

    #[test]
    fn unknown_country_says_how_to_write_it() {
        let m = error(serde_json::json!({"country": "Germny"}));
        assert!(m.contains("`country`") && m.contains("alpha-2"), "{m}");
    }

    #[test]
    fn employee_bounds_are_checked() {
        assert!(error(serde_json::json!({"employees_min": -1})).contains("between 0 and 10000000"));
        assert!(error(serde_json::json!({"employees_max": 10_000_001})).contains("employees_max"));
        assert!(error(serde_json::json!({"employees_min": 200, "employees_max": 50})).contains("must not exceed"));
        let v = params(serde_json::json!({"employees_min": 50, "employees_max": 50})).validate().expect("equal ok");
        assert_eq!((v.filter.employees_min, v.filter.employees_max), (Some(50), Some(50)));
    }

    #[test]
    fn query_is_collapsed_and_limited_to_200_chars() {
        let v = params(serde_json::json!({"query": "  cloud \t\n security  "})).validate().expect("valid");
        assert_eq!(v.filter.query.as_deref(), Some("cloud security"));
        assert!(error(serde_json::json!({"query": "x".repeat(201)})).contains("at most 200"));
        assert!(error(serde_json::json!({"query": "a", "industry": "x".repeat(101)})).contains("at most 100"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r: Result<Params, _> = serde_json::from_value(serde_json::json!({"query": "a", "owner": "x"}));
        assert!(r.is_err());
    }
}
