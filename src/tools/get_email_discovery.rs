//! get_email_discovery (read): one of the caller's e-mail discovery requests as it stands now,
//! with the contacts once it is completed. Owner-scoped like the collections: the owner is the
//! caller, never an argument, and another caller's request is simply not found.
//!
//! [`lookup`] is the whole read, shared with whatever else shows a discovery (a task's
//! `tasks/get`), so every client sees the same [`Discovery`]. Contacts are personal data: only
//! the request id goes to the audit record, and nothing here logs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::discovery::{Contact, Department};
use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::GET_EMAIL_DISCOVERY;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Id of one of your e-mail discovery requests (request_id from request_email_discovery).
    pub request_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Variables<'a> {
    owner_id: &'a str,
    id: &'a str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    get_email_discovery: Option<Answer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    id: String,
    company_id: String,
    department: String,
    max_contacts: i64,
    status: DiscoveryStatus,
    created_at: String,
    updated_at: String,
    contacts: Vec<ContactAnswer>,
}

#[derive(Debug, Deserialize)]
struct ContactAnswer {
    name: String,
    title: String,
    department: String,
    email: String,
    confidence: f64,
}

/// Where a discovery request is: queued, then running, then completed (with contacts) or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiscoveryStatus {
    #[serde(alias = "QUEUED")]
    Queued,
    #[serde(alias = "RUNNING")]
    Running,
    #[serde(alias = "COMPLETED")]
    Completed,
    #[serde(alias = "FAILED")]
    Failed,
}

impl DiscoveryStatus {
    /// Completed or failed: it will not change any more.
    pub fn is_done(self) -> bool {
        matches!(self, DiscoveryStatus::Completed | DiscoveryStatus::Failed)
    }

    fn word(self) -> &'static str {
        match self {
            DiscoveryStatus::Queued => "queued",
            DiscoveryStatus::Running => "running",
            DiscoveryStatus::Completed => "completed",
            DiscoveryStatus::Failed => "failed",
        }
    }
}

/// One e-mail discovery request as it stands now: the tool's output.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Discovery {
    /// Id of the discovery request.
    pub request_id: String,
    pub company_id: String,
    /// The department asked for.
    pub department: Department,
    pub max_contacts: i64,
    /// queued, running, completed or failed.
    pub status: DiscoveryStatus,
    /// ISO 8601 time the request was created.
    pub created_at: String,
    /// ISO 8601 time the status last changed.
    pub updated_at: String,
    /// The contacts found: empty until the request is completed.
    pub contacts: Vec<Contact>,
}

impl ToolOutput for Discovery {
    fn summary(&self) -> String {
        let mut out = format!(
            "E-mail discovery {} for company {} is {} (updated {})",
            self.request_id,
            self.company_id,
            self.status.word(),
            self.updated_at
        );
        if !self.status.is_done() {
            out.push_str("; check again in a few seconds");
        } else if self.status == DiscoveryStatus::Failed {
            out.push_str("; no contacts were found");
        } else {
            out.push_str(&format!(": {} contact(s)", self.contacts.len()));
            for (i, c) in self.contacts.iter().enumerate() {
                out.push_str(&format!("\n{}. {}, {} <{}> ({:.2})", i + 1, c.name, c.title, c.email, c.confidence));
            }
        }
        out
    }
    fn result_count(&self) -> usize {
        self.contacts.len()
    }
}

/// Department from the platform's enum value; one this server does not know reads as `any`.
fn department(name: &str) -> Department {
    Department::from_graphql(name).unwrap_or_default()
}

/// The caller's discovery request `request_id` as it stands now (validated id, owner = the
/// caller); [`ToolError::NotFound`] when the caller has no such request.
pub async fn lookup(ctx: &ToolContext, request_id: &str) -> Result<Discovery, ToolError> {
    let request_id = args::id("request_id", request_id)?;
    ctx.audit_value("request_id", &request_id);
    let owner_id = ctx.owner()?;
    let data: Data = ctx.call(&GET_EMAIL_DISCOVERY, &Variables { owner_id, id: &request_id }).await?;
    let Some(a) = data.get_email_discovery else {
        return Err(ToolError::NotFound(format!(
            "you have no e-mail discovery with id {request_id}; request_email_discovery returns the ids of yours"
        )));
    };
    Ok(Discovery {
        request_id: a.id,
        company_id: a.company_id,
        department: department(&a.department),
        max_contacts: a.max_contacts,
        status: a.status,
        created_at: a.created_at,
        updated_at: a.updated_at,
        contacts: a
            .contacts
            .into_iter()
            .map(|c| Contact {
                name: c.name,
                title: c.title,
                department: department(&c.department),
                email: c.email,
                confidence: c.confidence,
            })
            .collect(),
    })
}

pub struct GetEmailDiscovery;

#[async_trait::async_trait]
impl ToolDef for GetEmailDiscovery {
    const NAME: &'static str = "get_email_discovery";
    const TITLE: &'static str = "Get e-mail discovery";
    const DESCRIPTION: &'static str = "Check one of your e-mail discovery requests: its status (queued, running, \
        completed or failed) and, once completed, the contacts found (name, title, department, e-mail address, \
        confidence). Costs nothing; a queued or running request is worth checking again a few seconds later.";
    const KIND: ToolKind = ToolKind::Read;
    const NEEDS_OWNER: bool = true;
    type Params = Params;
    type Output = Discovery;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Discovery, ToolError> {
        lookup(ctx, &params.request_id).await
    }
}
