//! The person's yes before a call that needs it (CONFIRM_TOOLS: by default the paid
//! `request_email_discovery`), by MCP 2026-07-28's multi round-trip requests: the first call is
//! answered `input_required` with a form that says what will happen; the client asks the person
//! and calls again with the answer and the `requestState` it was given.
//!
//! The state is sealed with rmcp's `RequestStateCodec` (HMAC-SHA256, integrity only: it holds
//! a random nonce and the tool, nothing secret), bound through its associated data to the caller,
//! the tool and a digest of the arguments, valid for [`STATE_TTL`], and used once: its nonce is
//! claimed in the idempotency store, which every instance of a stage shares (DynamoDB). The key
//! is the stage's (a secret the template generates, read once per instance), or under `serve`
//! without one, random per process. A state that fails any of this is refused with one message,
//! whatever the cause, and nothing runs.
//!
//! A client that cannot be asked (before 2026-07-28, or without form elicitation) gets
//! CONFIRM_FALLBACK: refused (the default) or run without asking (dev stages only).

use std::time::Duration;

use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema, InputRequest,
    InputRequests, InputRequiredResult, InputResponses, JsonObject, RequestStateCodec, SealOptions,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::backend::secrets::SecretSource;
use crate::config::{ConfirmConfig, ConfirmFallback};
use crate::error::ToolError;
use crate::store::{Claim, IdempotencyStore};

/// How long the person has to answer.
pub const STATE_TTL: Duration = Duration::from_secs(300);
/// The key of the one input request, and of the form's one field.
const CONFIRM: &str = "confirm";
/// Domain separation for the associated data (a task id is sealed under another label).
const LABEL: &[u8] = b"b2b-mcp/confirm/v1";

/// What the call said about asking: whether the client can be asked, and its answer if it is
/// the second round.
#[derive(Debug, Default, Clone, Copy)]
pub struct Asking<'a> {
    pub can_ask: bool,
    pub request_state: Option<&'a str>,
    pub responses: Option<&'a InputResponses>,
}

/// Where the call stands with its confirmation.
#[derive(Debug)]
pub enum Check {
    /// No confirmation needed.
    NotNeeded,
    /// Run it; the audit line says how it got here (`confirmed`, `fallback_allowed`).
    Run(&'static str),
    /// Ask the person (a first call, or an answer that did not come).
    Ask,
    /// Refused; nothing runs. The audit line says `declined` or `refused`.
    Refuse(ToolError, &'static str),
}

/// The sealed part of a pending confirmation.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    /// Single use: claimed on the answer.
    nonce: String,
}

pub struct Confirmer {
    tools: Vec<String>,
    fallback: ConfirmFallback,
    key: Key,
    ttl: Duration,
}

enum Key {
    /// This process's own (no secret configured).
    Process(RequestStateCodec),
    /// The stage's, from Secrets Manager on first use, then kept.
    Stage { secret: Box<SecretSource>, codec: OnceCell<RequestStateCodec> },
}

impl Confirmer {
    /// With `secret` the stage's key source (CONFIRM_KEY_SECRET_ARN), else a random key.
    pub fn new(config: &ConfirmConfig, secret: Option<SecretSource>) -> Confirmer {
        let key = match secret {
            Some(secret) => Key::Stage { secret: Box::new(secret), codec: OnceCell::new() },
            // 32 random bytes: the codec's minimum, so its length check has nothing to refuse.
            None => Key::Process(RequestStateCodec::new_unchecked(rand::random::<[u8; 32]>().to_vec())),
        };
        Confirmer { tools: config.tools.clone(), fallback: config.fallback, key, ttl: STATE_TTL }
    }

    /// The same with states valid for `ttl` (tests of expiry).
    pub fn with_ttl(mut self, ttl: Duration) -> Confirmer {
        self.ttl = ttl;
        self
    }

    /// Whether a confirmation made by one instance is good on another (a stage key).
    pub fn shared_key(&self) -> bool {
        matches!(self.key, Key::Stage { .. })
    }

    /// Whether calls of `tool` need the person's yes on this stage (CONFIRM_TOOLS).
    pub fn wants(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t == tool)
    }

    /// Where a call of `tool` by `principal` with `arguments` stands.
    pub async fn check(
        &self,
        asking: &Asking<'_>,
        principal: Option<&str>,
        tool: &'static str,
        arguments: &JsonObject,
        store: &dyn IdempotencyStore,
    ) -> Check {
        if !self.wants(tool) {
            return Check::NotNeeded;
        }
        if !asking.can_ask {
            return match self.fallback {
                ConfirmFallback::Allow => Check::Run("fallback_allowed"),
                ConfirmFallback::Refuse => Check::Refuse(
                    ToolError::Unconfirmed(format!(
                        "{tool} needs the person's confirmation, and this client cannot ask for it (that takes MCP \
                         2026-07-28 with form elicitation); nothing was done. Use a client that can ask, or ask the \
                         operator."
                    )),
                    "refused",
                ),
            };
        }
        let Some(state) = asking.request_state else { return Check::Ask };
        let pending: Pending = match self.open(state, &bound(principal, tool, arguments)).await {
            Ok(Some(pending)) => pending,
            Ok(None) => return Check::Refuse(invalid_state(tool), "refused"),
            Err(e) => return Check::Refuse(e, "refused"),
        };
        // The answer, before the nonce is spent: a missing one is asked for again.
        let Some(answer) = asking.responses.and_then(|r| r.get(CONFIRM)).cloned() else { return Check::Ask };
        match store.begin(&format!("confirm:{}", pending.nonce), self.ttl).await {
            // The claim's lease (the state's whole life, counted from now) outlasts the state
            // itself: nothing more needs keeping.
            Ok(Claim::Fresh) => {}
            Ok(Claim::Done(_) | Claim::InFlight) => return Check::Refuse(used_state(tool), "refused"),
            Err(e) => return Check::Refuse(ToolError::State(e), "refused"),
        }
        match serde_json::from_value::<ElicitResult>(answer) {
            Ok(ElicitResult { action: ElicitationAction::Accept, content, .. }) if said_yes(content.as_ref()) => {
                Check::Run("confirmed")
            }
            _ => Check::Refuse(ToolError::Declined(tool), "declined"),
        }
    }

    /// The `input_required` answer asking the person about `plan`.
    pub async fn ask(
        &self,
        plan: String,
        principal: Option<&str>,
        tool: &'static str,
        arguments: &JsonObject,
    ) -> Result<InputRequiredResult, ToolError> {
        let nonce: [u8; 16] = rand::random();
        let pending = Pending { nonce: nonce.iter().map(|b| format!("{b:02x}")).collect() };
        let state = self.seal(&pending, &bound(principal, tool, arguments), self.ttl).await?;
        let schema = ElicitationSchema::builder()
            .required_bool_with(CONFIRM, |b| b.title("Go ahead").description("Yes to do this now; no to do nothing."))
            .build()
            .map_err(|e| ToolError::Internal(format!("confirmation form: {e}")))?;
        let form = ElicitRequestParams::FormElicitationParams { meta: None, message: plan, requested_schema: schema };
        let requests: InputRequests =
            [(CONFIRM.to_owned(), InputRequest::Elicitation(ElicitRequest::new(form)))].into();
        Ok(InputRequiredResult::new(Some(requests), Some(state)))
    }

    /// `value` sealed with the stage's key, bound to `bound`, for `ttl` (task ids use it too).
    pub async fn seal<T: Serialize>(&self, value: &T, bound: &[u8], ttl: Duration) -> Result<String, ToolError> {
        let options = SealOptions::new().associated_data(bound).ttl(ttl);
        self.codec().await?.seal_json_with(value, &options).map_err(|e| ToolError::Internal(format!("sealing: {e}")))
    }

    /// What [`Confirmer::seal`] sealed, if `token` is intact, unexpired and bound to `bound`.
    pub async fn open<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        bound: &[u8],
    ) -> Result<Option<T>, ToolError> {
        Ok(self.codec().await?.open_json_with(token, bound).ok())
    }

    async fn codec(&self) -> Result<&RequestStateCodec, ToolError> {
        match &self.key {
            Key::Process(codec) => Ok(codec),
            Key::Stage { secret, codec } => {
                codec
                    .get_or_try_init(|| async {
                        let key = secret.get().await.map_err(ToolError::Backend)?;
                        self::codec(key.value.into_bytes())
                    })
                    .await
            }
        }
    }
}

/// The stage's key: at least 32 bytes (the template generates 64 characters).
fn codec(key: Vec<u8>) -> Result<RequestStateCodec, ToolError> {
    RequestStateCodec::try_new(key).map_err(|e| ToolError::Internal(format!("CONFIRM_KEY_SECRET_ARN's value: {e}")))
}

/// Accepted with the form's box ticked; a client that sends no content for a one-box form
/// accepted is taken at its word only if the box is there and true.
fn said_yes(content: Option<&serde_json::Value>) -> bool {
    content.and_then(|c| c.get(CONFIRM)).and_then(serde_json::Value::as_bool) == Some(true)
}

/// What the state is bound to: the caller, the tool and the arguments exactly (a digest of
/// their canonical JSON: keys sorted at every level).
fn bound(principal: Option<&str>, tool: &str, arguments: &JsonObject) -> Vec<u8> {
    let mut canonical = String::new();
    write_canonical(&serde_json::Value::Object(arguments.clone()), &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let mut bound = LABEL.to_vec();
    for part in [principal.unwrap_or("-").as_bytes(), tool.as_bytes(), digest.as_slice()] {
        bound.extend_from_slice(&(part.len() as u32).to_be_bytes());
        bound.extend_from_slice(part);
    }
    bound
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn invalid_state(tool: &str) -> ToolError {
    ToolError::Unconfirmed(format!(
        "this confirmation of {tool} is not valid for this call (expired, altered, or given for other arguments or \
         another caller); nothing was done. Call {tool} again without requestState to ask the person anew."
    ))
}

fn used_state(tool: &str) -> ToolError {
    ToolError::Unconfirmed(format!(
        "this confirmation of {tool} was already used; nothing more was done. Call {tool} again without \
         requestState to ask the person anew."
    ))
}

#[cfg(test)]
#[path = "confirm_tests.rs"]
mod tests;
