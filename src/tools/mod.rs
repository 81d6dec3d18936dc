//! The ten tools. Each file holds one tool: its arguments (the public contract, a doc comment
//! per field because the model reads them), validation, the GraphQL call and the flat output.
//! A tool knows nothing of MCP transports, HTTP or Lambda: it gets a [`ToolContext`] and typed
//! arguments and returns a typed output or a [`ToolError`].

pub(crate) mod args;
pub(crate) mod company;
pub(crate) mod discovery;
pub(crate) mod normalize;
#[cfg(test)]
mod properties;
pub(crate) mod schema;

pub(crate) mod add_to_collection;
pub(crate) mod ai_search;
pub(crate) mod create_collection;
pub(crate) mod get_collection_items;
pub(crate) mod get_companies_batch;
pub(crate) mod get_company;
pub(crate) mod get_email_discovery;
pub(crate) mod list_collections;
pub(crate) mod request_email_discovery;
pub(crate) mod search_companies;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use crate::backend::{self, GraphqlBackend, Operation};
use crate::error::ToolError;
use crate::store::{Claim, IdempotencyStore, RateDecision, RateLimiter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    Read,
    Mutation,
}

/// Who a call acts for, as much as a tool needs to know: the owner of records (the caller's
/// qualified principal, `None` for an anonymous caller) and the key its rate limits count under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingFor {
    pub owner: Option<String>,
    pub rate_key: String,
}

/// What a tool may use while it runs.
pub struct ToolContext {
    pub backend: Arc<dyn GraphqlBackend>,
    pub acting_for: ActingFor,
    pub allow_mutations: bool,
    backend_micros: AtomicU64,
    /// Charged once, when the call is about to reach the platform: invalid calls cost nothing.
    rate_limit: Option<(Arc<dyn RateLimiter>, &'static str)>,
    charged: AtomicBool,
    /// Mutations: where identical calls are recorded, the tool, and how long a running call
    /// holds its key.
    idempotency: Option<(Arc<dyn IdempotencyStore>, &'static str, Duration)>,
    /// The answer is an earlier identical call's result (nothing was sent this time).
    replayed: AtomicBool,
    /// Validated, canonical argument values the tool chose to show in the audit record.
    audit_values: Mutex<Map<String, Value>>,
}

impl ToolContext {
    pub fn new(backend: Arc<dyn GraphqlBackend>, acting_for: ActingFor, allow_mutations: bool) -> ToolContext {
        ToolContext {
            backend,
            acting_for,
            allow_mutations,
            backend_micros: AtomicU64::new(0),
            rate_limit: None,
            charged: AtomicBool::new(false),
            idempotency: None,
            replayed: AtomicBool::new(false),
            audit_values: Mutex::new(Map::new()),
        }
    }

    /// Show `value` (already validated and normalised: a country code, an id, a limit) under
    /// `name` in the call's audit record. Raw arguments never reach the record: only what a tool
    /// hands over here, after its validation passed; absent values are left out.
    pub fn audit_value(&self, name: &str, value: impl Serialize) {
        let Ok(value) = serde_json::to_value(value) else { return };
        if !value.is_null() {
            self.audit_values.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_owned(), value);
        }
    }

    /// The values handed to [`ToolContext::audit_value`] so far.
    pub fn take_audit_values(&self) -> Map<String, Value> {
        std::mem::take(&mut *self.audit_values.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn with_idempotency(
        mut self,
        store: Arc<dyn IdempotencyStore>,
        tool: &'static str,
        lease: Duration,
    ) -> ToolContext {
        self.idempotency = Some((store, tool, lease));
        self
    }

    /// Did this call answer with an earlier identical call's result?
    pub fn replayed(&self) -> bool {
        self.replayed.load(Ordering::Relaxed)
    }

    /// Send a mutation at most once per identical call: same caller, tool and normalised input,
    /// plus the client's own `idempotency_key` if it gave one. Within the retention window a repeat
    /// gets the first call's result without reaching the platform; a repeat while the first still
    /// runs is refused; a failed call leaves nothing that blocks a retry. The key also goes to the
    /// platform as the input's `idempotencyKey`, so a retry after this process died between the
    /// platform's answer and the record is applied there once, and answered with the first result.
    pub async fn mutate<I: Serialize, D: DeserializeOwned>(
        &self,
        operation: &Operation,
        input: &I,
        client_key: Option<&str>,
    ) -> Result<D, ToolError> {
        let mut input = serde_json::to_value(input).map_err(|e| ToolError::Internal(format!("mutation input: {e}")))?;
        let principal = self.acting_for.owner.as_deref().unwrap_or("anonymous");
        let tool = self.idempotency.as_ref().map_or(operation.name, |(_, tool, _)| *tool);
        let key = idempotency_key(tool, principal, &input, client_key);
        if let Some(fields) = input.as_object_mut() {
            fields.insert("idempotencyKey".into(), Value::String(key.clone()));
        }
        let variables = serde_json::json!({ "input": input });
        let Some((store, _, lease)) = &self.idempotency else {
            return self.call(operation, &variables).await;
        };
        match store.begin(&key, *lease).await? {
            Claim::Fresh => {}
            Claim::Done(data) => {
                self.replayed.store(true, Ordering::Relaxed);
                return serde_json::from_value(data).map_err(|e| ToolError::Internal(format!("recorded result: {e}")));
            }
            Claim::InFlight => return Err(ToolError::InProgress(tool)),
        }
        let answer = self.call::<_, Value>(operation, &variables).await.and_then(|data| {
            // Read before recording: an answer this tool cannot read must not be replayed for a day.
            let parsed = serde_json::from_value::<D>(data.clone())
                .map_err(|e| ToolError::Backend(crate::backend::BackendError::Malformed(e.to_string())))?;
            Ok((data, parsed))
        });
        match answer {
            Ok((data, parsed)) => {
                if let Err(e) = store.complete(&key, &data).await {
                    // The change is made; the platform's own key still makes a retry safe.
                    tracing::warn!(tool, error = %e, "could not record a mutation's result");
                }
                Ok(parsed)
            }
            Err(error) => {
                if let Err(e) = store.abandon(&key).await {
                    tracing::warn!(tool, error = %e, "could not release a failed mutation's key");
                }
                Err(error)
            }
        }
    }

    pub fn with_rate_limit(mut self, limiter: Arc<dyn RateLimiter>, tool: &'static str) -> ToolContext {
        self.rate_limit = Some((limiter, tool));
        self
    }

    async fn charge(&self) -> Result<(), ToolError> {
        let Some((limiter, tool)) = &self.rate_limit else { return Ok(()) };
        if self.charged.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        // The caller's qualified principal (source and, for tokens, issuer in it), so no caller
        // can spend another's budget and a new IAM session name is still the same role.
        match limiter.check(&self.acting_for.rate_key, tool).await? {
            RateDecision::Allowed => Ok(()),
            RateDecision::Limited { window, limit, retry_after } => {
                Err(ToolError::RateLimited { tool, window, limit, retry_after })
            }
        }
    }

    /// Send one operation; the time spent is added to the call's `backend_ms`.
    pub async fn call<V: Serialize, D: DeserializeOwned>(
        &self,
        operation: &Operation,
        variables: &V,
    ) -> Result<D, ToolError> {
        self.charge().await?;
        let started = Instant::now();
        let result = backend::call(self.backend.as_ref(), operation, variables).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.backend_micros.fetch_add(micros, Ordering::Relaxed);
        Ok(result?)
    }

    pub fn backend_ms(&self) -> f64 {
        self.backend_micros.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// The owner of the caller's collections: the authenticated principal, never an argument.
    pub fn owner(&self) -> Result<&str, ToolError> {
        self.acting_for.owner.as_deref().ok_or(ToolError::NoPrincipal)
    }

    /// Defence in depth: a mutation re-checks the stage flag even though the registry already
    /// keeps it from being listed or dispatched.
    pub fn require_mutations(&self) -> Result<(), ToolError> {
        if self.allow_mutations { Ok(()) } else { Err(ToolError::MutationsDisabled) }
    }
}

/// The identity of a mutation call: SHA-256 over the tool, the caller, the normalised input (as
/// the platform will receive it) and the client's key, hex.
fn idempotency_key(tool: &str, principal: &str, input: &Value, client_key: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [tool, principal, &input.to_string(), client_key.unwrap_or("")] {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A tool's flat output: serialised as `structuredContent`, summarised as text.
pub trait ToolOutput: Serialize + JsonSchema {
    /// A short text rendering for clients that show text only.
    fn summary(&self) -> String;
    /// How many records the answer holds (for the audit line).
    fn result_count(&self) -> usize;
}

/// Async traits in this crate use `#[async_trait]`, one style throughout (the backend and the
/// stores too).
#[async_trait::async_trait]
pub trait ToolDef: Send + Sync + 'static {
    const NAME: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    const KIND: ToolKind;
    /// For mutations: does repeating the call with the same arguments change nothing more?
    /// Defaults to no, the safe claim for a tool that forgets to say.
    const IDEMPOTENT: bool = false;
    /// Does the tool act on the caller's own records (collections)? Mutations always do.
    const NEEDS_OWNER: bool = false;
    /// A read tool that reports on this call's work after it has answered, and the output field
    /// holding the id that tool takes (as its argument of the same name). MCP Tasks follow it.
    const FOLLOW_UP: Option<FollowUp> = None;
    type Params: DeserializeOwned + JsonSchema + Send + Sync + 'static;
    type Output: ToolOutput + Send + 'static;

    async fn run(ctx: &ToolContext, params: Self::Params) -> Result<Self::Output, ToolError>;

    /// What a call with `params` would do, in words for the person asked to confirm it first
    /// (CONFIRM_TOOLS). Validates as `run` does and may read, never write.
    async fn plan(_ctx: &ToolContext, _params: &Self::Params) -> Result<String, ToolError> {
        Ok(format!("Run \"{}\".", Self::TITLE))
    }
}

/// Where a call's later state can be read: `tool`, given the call's output field `id` as its
/// argument `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    pub tool: &'static str,
    pub id: &'static str,
}
