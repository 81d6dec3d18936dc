//! request_email_discovery (mutation): queue a search for contacts' e-mail addresses at one
//! company. Costs money on the platform, hence off unless the stage allows mutations. The result
//! is read with get_email_discovery; this tool's output schema also describes a completed
//! discovery (`updated_at`, `contacts`), for an answer that carries one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::discovery::{Contact, Department};
use super::get_company::{self, GetCompany};
use super::{FollowUp, ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::REQUEST_EMAIL_DISCOVERY;
use crate::error::ToolError;

pub const MAX_CONTACTS: i64 = 25;
pub const DEFAULT_CONTACTS: i64 = 5;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Platform company id.
    pub company_id: String,
    /// Department: any, executive, sales, marketing, engineering, finance, hr or operations (default any).
    #[serde(default)]
    pub department: Department,
    /// How many contacts to find, 1 to 25 (default 5).
    pub max_contacts: Option<i64>,
    /// Optional key of your own for this change. A repeat of the same call (same arguments) within
    /// 24 hours returns the first result and changes nothing; give a new key to do it again on purpose.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Input<'a> {
    owner_id: &'a str,
    company_id: String,
    department: &'static str,
    max_contacts: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    request_email_discovery: Answer,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    id: String,
    company_id: String,
    status: String,
    created_at: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// Id of the discovery request.
    pub request_id: String,
    pub company_id: String,
    /// queued, running, completed or failed.
    pub status: String,
    /// ISO 8601 time the request was created.
    pub created_at: String,
    /// ISO 8601 time the status last changed (present once the discovery is read back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The contacts found, once the discovery is completed (get_email_discovery reads them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<Contact>>,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        format!("E-mail discovery {} for company {} is {}", self.request_id, self.company_id, self.status)
    }
    fn result_count(&self) -> usize {
        1
    }
}

pub struct RequestEmailDiscovery;

#[async_trait::async_trait]
impl ToolDef for RequestEmailDiscovery {
    const NAME: &'static str = "request_email_discovery";
    const TITLE: &'static str = "Request e-mail discovery";
    const DESCRIPTION: &'static str = "Queue a search for contact e-mail addresses at one company, optionally for one \
        department. Each new request is billed; repeating the same call within 24 hours returns the \
        first request instead of queueing another (pass a new idempotency_key to ask again on purpose). \
        The answer gives the request id and status.";
    const KIND: ToolKind = ToolKind::Mutation;
    type Params = Params;
    type Output = Output;

    const FOLLOW_UP: Option<FollowUp> = Some(FollowUp { tool: "get_email_discovery", id: "request_id" });

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        ctx.require_mutations()?;
        let (company_id, max_contacts) = checked(&params)?;
        let key = args::idempotency_key("idempotency_key", params.idempotency_key.as_deref())?;
        ctx.audit_value("company_id", &company_id);
        ctx.audit_value("department", params.department);
        ctx.audit_value("max_contacts", max_contacts);
        let owner_id = ctx.owner()?;
        let input = Input { owner_id, company_id, department: params.department.graphql(), max_contacts };
        let data: Data = ctx.mutate(&REQUEST_EMAIL_DISCOVERY, &input, key.as_deref()).await?;
        let a = data.request_email_discovery;
        Ok(Output {
            request_id: a.id,
            company_id: a.company_id,
            status: a.status.to_ascii_lowercase(),
            created_at: a.created_at,
            updated_at: None,
            contacts: None,
        })
    }

    /// The company by name and domain (read from the platform), the department, how many
    /// contacts at most, and that it is billed.
    async fn plan(ctx: &ToolContext, params: &Params) -> Result<String, ToolError> {
        ctx.require_mutations()?;
        let (company_id, max_contacts) = checked(params)?;
        let lookup = get_company::Params { id: Some(company_id), domain: None };
        let company = GetCompany::run(ctx, lookup).await?;
        // The platform's text, shown to a person: one line, bounded.
        let shown = |text: &str| -> String { text.chars().filter(|c| !c.is_control()).take(120).collect() };
        let domain = shown(company.domain.as_deref().unwrap_or("no known domain"));
        let team = match params.department {
            Department::Any => "any department".to_owned(),
            department => format!("the {} department", department.graphql().to_ascii_lowercase()),
        };
        Ok(format!(
            "Queue a paid e-mail discovery at {} ({domain}): up to {max_contacts} contacts in {team}. \
             The platform bills each new request to your account.",
            shown(&company.name)
        ))
    }
}

/// The company id and the number of contacts, checked.
fn checked(params: &Params) -> Result<(String, i64), ToolError> {
    let company_id = args::id("company_id", &params.company_id)?;
    let max_contacts = params.max_contacts.unwrap_or(DEFAULT_CONTACTS);
    if !(1..=MAX_CONTACTS).contains(&max_contacts) {
        return Err(ToolError::invalid(
            "max_contacts",
            format!("must be between 1 and {MAX_CONTACTS} (got {max_contacts}); default {DEFAULT_CONTACTS}"),
        ));
    }
    Ok((company_id, max_contacts))
}
