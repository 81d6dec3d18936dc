//! Which tools exist in this deployment. Mutations that the stage does not allow, and tools it
//! switches off, are never listed; a call to one anyway is answered with a clear refusal and
//! never reaches the backend.

use crate::config::Config;
use crate::error::ToolError;
use crate::tools::{
    ToolEntry, ToolKind, add_to_collection::AddToCollection, ai_search::AiSearch, create_collection::CreateCollection,
    get_collection_items::GetCollectionItems, get_companies_batch::GetCompaniesBatch, get_company::GetCompany,
    list_collections::ListCollections, request_email_discovery::RequestEmailDiscovery,
    search_companies::SearchCompanies,
};

/// All nine tools, in listing order.
pub fn all_tools() -> Vec<ToolEntry> {
    vec![
        ToolEntry::of::<SearchCompanies>(),
        ToolEntry::of::<GetCompany>(),
        ToolEntry::of::<GetCompaniesBatch>(),
        ToolEntry::of::<AiSearch>(),
        ToolEntry::of::<ListCollections>(),
        ToolEntry::of::<GetCollectionItems>(),
        ToolEntry::of::<CreateCollection>(),
        ToolEntry::of::<AddToCollection>(),
        ToolEntry::of::<RequestEmailDiscovery>(),
    ]
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
mod tests {
    use super::*;
    use crate::config::{Config, Mode};

    fn registry(vars: &[(&str, &str)]) -> Registry {
        let mut vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.push(("INBOUND_AUTH".into(), "off".into()));
        let config = Config::from_lookup(Mode::Serve, |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .expect("valid config");
        Registry::from_config(&config)
    }

    fn names(r: &Registry) -> Vec<&'static str> {
        r.tools().iter().map(|t| t.name).collect()
    }

    #[test]
    fn read_only_stage_lists_the_six_read_tools() {
        let r = registry(&[]);
        assert_eq!(
            names(&r),
            [
                "search_companies",
                "get_company",
                "get_companies_batch",
                "ai_search",
                "list_collections",
                "get_collection_items"
            ]
        );
        assert!(matches!(
            r.lookup("create_collection"),
            Lookup::Withheld(ToolError::MutationsDisabled, ToolKind::Mutation)
        ));
    }

    #[test]
    fn mutations_on_lists_all_nine() {
        assert_eq!(registry(&[("ALLOW_MUTATIONS", "true")]).tools().len(), 9);
    }

    #[test]
    fn disabled_tools_are_withheld_with_their_own_message() {
        let r = registry(&[("ALLOW_MUTATIONS", "true"), ("DISABLED_TOOLS", "create_collection,ai_search")]);
        assert_eq!(r.tools().len(), 7);
        match r.lookup("create_collection") {
            Lookup::Withheld(e, _) => {
                assert_eq!(e.client_message(), "tool create_collection is disabled in this deployment")
            }
            _ => panic!("create_collection should be withheld"),
        }
        assert!(matches!(r.lookup("nope"), Lookup::Unknown));
    }

    #[test]
    fn every_tool_declares_schemas_and_hints() {
        for entry in all_tools() {
            let t = &entry.tool;
            assert!(t.output_schema.is_some(), "{} has no outputSchema", entry.name);
            let hints = t.annotations.as_ref().expect("annotations");
            assert_eq!(hints.read_only_hint, Some(entry.kind == ToolKind::Read), "{}", entry.name);
            if entry.kind == ToolKind::Mutation {
                assert_eq!(hints.destructive_hint, Some(false), "{}", entry.name);
                let idempotent = entry.name == "add_to_collection";
                assert_eq!(hints.idempotent_hint, Some(idempotent), "{}", entry.name);
            }
            assert_eq!(t.input_schema.get("additionalProperties"), Some(&serde_json::json!(false)), "{}", entry.name);
            // What real clients stumble on (see tools::schema): nullable argument types and
            // integer widths that are not JSON Schema formats.
            let input = serde_json::Value::Object((*t.input_schema).clone()).to_string();
            assert!(!input.contains("\"null\""), "{}: {input}", entry.name);
            let output = serde_json::to_string(&t.output_schema).unwrap_or_default();
            for schema in [&input, &output] {
                assert!(
                    !schema.contains("\"format\":\"int") && !schema.contains("\"format\":\"uint"),
                    "{}",
                    entry.name
                );
            }
        }
    }
}
