//! The one list of tools, and which of them this deployment offers. Each tool's MCP description
//! (schemas, hints) is built here once, from its `ToolDef`, when first needed (a `tools/list`, or
//! a call to that tool): generating the ten tools' schemas was half of what the process did
//! beyond the floor before its first answer (benches/cold_start), and a cold `tools/call` needs
//! only its own tool's. Tools themselves know no MCP types.
//! Mutations that the stage does not allow, and tools it switches off, are never listed; a call
//! to one anyway is answered with a clear refusal and never reaches the backend.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::Value;

use crate::config::{Config, ConfigError, Mode};
use crate::error::{ToolError, truncate_for_message};
use crate::tools::{
    FollowUp, ToolContext, ToolDef, ToolKind, ToolOutput, add_to_collection::AddToCollection, ai_search::AiSearch,
    create_collection::CreateCollection, get_collection_items::GetCollectionItems,
    get_companies_batch::GetCompaniesBatch, get_company::GetCompany, get_email_discovery::GetEmailDiscovery,
    list_collections::ListCollections, request_email_discovery::RequestEmailDiscovery, schema,
    search_companies::SearchCompanies,
};

/// The one list: every tool this server knows, in listing order. [`TOOL_NAMES`] and
/// [`all_tools`] both come from it.
macro_rules! tools {
    ($($tool:ty),+ $(,)?) => {
        /// Every tool's name, in listing order.
        pub const TOOL_NAMES: &[&str] = &[$(<$tool as ToolDef>::NAME),+];

        /// Every tool, described for MCP, in listing order.
        pub fn all_tools() -> Vec<ToolEntry> {
            vec![$(ToolEntry::of::<$tool>()),+]
        }
    };
}

tools!(
    SearchCompanies,
    GetCompany,
    GetCompaniesBatch,
    AiSearch,
    ListCollections,
    GetCollectionItems,
    GetEmailDiscovery,
    CreateCollection,
    AddToCollection,
    RequestEmailDiscovery,
);

/// The configuration from `get`, its tool names checked against [`TOOL_NAMES`]: how `main`
/// (and any test that starts like it) reads settings.
pub fn configure(mode: Mode, get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let config = Config::from_lookup(mode, get)?;
    config.check_tool_names(TOOL_NAMES)?;
    Ok(config)
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A tool's answer, erased to what the MCP layer needs.
#[derive(Debug)]
pub struct Called {
    pub structured: Value,
    pub text: String,
    pub result_count: usize,
}

type Invoke = for<'a> fn(&'a ToolContext, JsonObject) -> BoxFuture<'a, Result<Called, ToolError>>;
type Plan = for<'a> fn(&'a ToolContext, JsonObject) -> BoxFuture<'a, Result<String, ToolError>>;

/// One registered tool: its MCP description, built once when first asked for, and its entry point.
pub struct ToolEntry {
    pub name: &'static str,
    pub kind: ToolKind,
    /// Acts on records the caller owns (so an anonymous caller can never use it).
    pub needs_owner: bool,
    /// Where the call's later state is read (MCP Tasks), if it goes on after answering.
    pub follow_up: Option<FollowUp>,
    describe: fn() -> Described,
    described: OnceLock<Described>,
    invoke: Invoke,
    plan: Plan,
}

/// A tool's MCP description and what is read from it on every call.
struct Described {
    tool: Tool,
    /// The argument names the input schema declares.
    known_args: Vec<String>,
}

impl ToolEntry {
    pub fn of<T: ToolDef>() -> ToolEntry {
        ToolEntry {
            name: T::NAME,
            kind: T::KIND,
            needs_owner: T::NEEDS_OWNER || T::KIND == ToolKind::Mutation,
            follow_up: T::FOLLOW_UP,
            describe: describe::<T>,
            described: OnceLock::new(),
            invoke: invoke::<T>,
            plan: plan::<T>,
        }
    }

    fn described(&self) -> &Described {
        self.described.get_or_init(self.describe)
    }

    /// The tool as `tools/list` shows it: schemas and hints.
    pub fn tool(&self) -> &Tool {
        &self.described().tool
    }

    /// The argument names the tool's input schema declares.
    pub fn known_args(&self) -> &[String] {
        &self.described().known_args
    }

    pub fn invoke<'a>(&self, ctx: &'a ToolContext, args: JsonObject) -> BoxFuture<'a, Result<Called, ToolError>> {
        (self.invoke)(ctx, args)
    }

    /// What the call would do, for the person asked to confirm it ([`ToolDef::plan`]).
    pub fn plan<'a>(&self, ctx: &'a ToolContext, args: JsonObject) -> BoxFuture<'a, Result<String, ToolError>> {
        (self.plan)(ctx, args)
    }
}

fn describe<T: ToolDef>() -> Described {
    let annotations = match T::KIND {
        ToolKind::Read => ToolAnnotations::with_title(T::TITLE).read_only(true).open_world(false),
        ToolKind::Mutation => ToolAnnotations::with_title(T::TITLE)
            .read_only(false)
            .destructive(false)
            .idempotent(T::IDEMPOTENT)
            .open_world(false),
    };
    let tool = Tool::new(T::NAME, T::DESCRIPTION, Arc::new(schema::input::<T::Params>()))
        .with_title(T::TITLE)
        .with_raw_output_schema(Arc::new(schema::output::<T::Output>()))
        .with_annotations(annotations);
    let known_args = tool
        .input_schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    Described { tool, known_args }
}

fn params<T: ToolDef>(args: JsonObject) -> Result<T::Params, ToolError> {
    // The path names the argument at fault ("limit: invalid type ..."), which serde alone does not.
    serde_path_to_error::deserialize(Value::Object(args))
        .map_err(|e| ToolError::InvalidArguments(truncate_for_message(&e.to_string(), 300)))
}

fn plan<T: ToolDef>(ctx: &ToolContext, args: JsonObject) -> BoxFuture<'_, Result<String, ToolError>> {
    Box::pin(async move { T::plan(ctx, &params::<T>(args)?).await })
}

fn invoke<T: ToolDef>(ctx: &ToolContext, args: JsonObject) -> BoxFuture<'_, Result<Called, ToolError>> {
    Box::pin(async move {
        let output = T::run(ctx, params::<T>(args)?).await?;
        let structured = serde_json::to_value(&output)
            .map_err(|e| ToolError::Internal(format!("serialising {} output: {e}", T::NAME)))?;
        Ok(Called { text: output.summary(), result_count: output.result_count(), structured })
    })
}

/// A tool this deployment knows but does not offer, and why.
struct Withheld {
    name: &'static str,
    kind: ToolKind,
    mutations_off: bool,
}

pub struct Registry {
    enabled: Vec<ToolEntry>,
    withheld: Vec<Withheld>,
}

/// What a `tools/call` name resolves to.
pub enum Lookup<'a> {
    Enabled(&'a ToolEntry),
    /// Known, but not offered here: the refusal to answer with, and the tool's kind for the audit.
    Withheld(ToolError, ToolKind),
    Unknown,
}

impl Registry {
    pub fn from_config(config: &Config) -> Registry {
        let (mut enabled, mut withheld) = (Vec::new(), Vec::new());
        for entry in all_tools() {
            let mutations_off = entry.kind == ToolKind::Mutation && !config.allow_mutations;
            let disabled = config.disabled_tools.iter().any(|d| d == entry.name);
            if mutations_off || disabled {
                withheld.push(Withheld { name: entry.name, kind: entry.kind, mutations_off });
            } else {
                enabled.push(entry);
            }
        }
        Registry { enabled, withheld }
    }

    pub fn tools(&self) -> &[ToolEntry] {
        &self.enabled
    }

    /// The kind of a tool this deployment knows, offered or not.
    pub fn kind_of(&self, name: &str) -> Option<ToolKind> {
        let enabled = self.enabled.iter().find(|e| e.name == name).map(|e| e.kind);
        enabled.or_else(|| self.withheld.iter().find(|w| w.name == name).map(|w| w.kind))
    }

    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        if let Some(entry) = self.enabled.iter().find(|e| e.name == name) {
            return Lookup::Enabled(entry);
        }
        match self.withheld.iter().find(|w| w.name == name) {
            Some(w) if w.mutations_off => Lookup::Withheld(ToolError::MutationsDisabled, w.kind),
            Some(w) => Lookup::Withheld(ToolError::ToolDisabled(w.name.to_owned()), w.kind),
            None => Lookup::Unknown,
        }
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
