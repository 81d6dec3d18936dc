//! What the server says about itself, built once per process (`serve` and stdio start, Lambda
//! init) rather than per request: the server info (rmcp asks for it on every request), the
//! `server/discover` answer, the resource, template and prompt lists, and the tool list for each
//! caller visibility (the set of offered tools a caller may see, as `crate::mcp::authz` decides;
//! the first request with a visibility builds its list, later ones reuse it).
//!
//! One copy serves every protocol era: rmcp adapts an answer to the request's era as it sends it
//! (`resultType`, cache hints). rmcp's handler API takes answers by value, so a request gets a
//! clone; the tools' schemas are shared (`Arc`), not copied.

use std::sync::RwLock;

use rmcp::model::{
    CacheScope, DiscoverResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    ProtocolVersion, ServerConfig,
};

use crate::inbound::caller::Caller;
use crate::mcp::registry::{TOOL_NAMES, ToolEntry};
use crate::mcp::state::AppState;
use crate::mcp::{authz, prompts, resources};

/// How long clients may keep a list. Resources, prompts and discovery are the same for every
/// caller (`cacheScope: public`); the tool list is per caller where it can differ (`private`).
pub const LIST_TTL_MS: u64 = 5 * 60 * 1000;

// A caller's visibility is a bit per offered tool.
const _: () = assert!(TOOL_NAMES.len() <= u64::BITS as usize);

pub struct Catalog {
    info: ServerConfig,
    discover: DiscoverResult,
    resources: ListResourcesResult,
    templates: ListResourceTemplatesResult,
    prompts: ListPromptsResult,
    tools_scope: CacheScope,
    /// Tool lists already built, by visibility (bit i: the registry's i-th offered tool).
    tools: RwLock<Vec<(u64, ListToolsResult)>>,
}

impl Catalog {
    pub fn new(state: &AppState, info: ServerConfig, versions: Vec<ProtocolVersion>) -> Catalog {
        let tools_scope = if authz::list_depends_on_caller(&state.config, state.registry.tools()) {
            CacheScope::Private
        } else {
            CacheScope::Public
        };
        Catalog {
            discover: DiscoverResult::from_server_info(versions, info.clone())
                .with_ttl_ms(LIST_TTL_MS)
                .with_cache_scope(CacheScope::Public),
            info,
            resources: ListResourcesResult::with_all_items(resources::list())
                .with_ttl_ms(LIST_TTL_MS)
                .with_cache_scope(CacheScope::Public),
            templates: ListResourceTemplatesResult::with_all_items(resources::templates())
                .with_ttl_ms(LIST_TTL_MS)
                .with_cache_scope(CacheScope::Public),
            prompts: ListPromptsResult::with_all_items(prompts::list())
                .with_ttl_ms(LIST_TTL_MS)
                .with_cache_scope(CacheScope::Public),
            tools_scope,
            tools: RwLock::new(Vec::new()),
        }
    }

    pub fn info(&self) -> ServerConfig {
        self.info.clone()
    }

    pub fn discover(&self) -> DiscoverResult {
        self.discover.clone()
    }

    pub fn resources(&self) -> ListResourcesResult {
        self.resources.clone()
    }

    pub fn templates(&self) -> ListResourceTemplatesResult {
        self.templates.clone()
    }

    pub fn prompts(&self) -> ListPromptsResult {
        self.prompts.clone()
    }

    /// The tools `caller` may call, and nothing else.
    pub fn tools(&self, state: &AppState, caller: &Caller) -> ListToolsResult {
        let offered = state.registry.tools();
        let visible = |e: &ToolEntry| authz::check(caller, &state.config, e).is_ok();
        let mask = offered.iter().enumerate().filter(|(_, e)| visible(e)).fold(0u64, |m, (i, _)| m | 1u64 << i);
        let built = self.tools.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, list)) = built.iter().find(|(m, _)| *m == mask) {
            return list.clone();
        }
        drop(built);
        let tools = offered.iter().enumerate().filter(|(i, _)| mask & 1u64 << i != 0).map(|(_, e)| e.tool().clone());
        let list = ListToolsResult::with_all_items(tools.collect())
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(self.tools_scope);
        let mut built = self.tools.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !built.iter().any(|(m, _)| *m == mask) {
            built.push((mask, list.clone()));
        }
        list
    }
}
