//! What the registry lists and withholds, and what every tool's description declares.

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
fn read_only_stage_lists_the_seven_read_tools() {
    let r = registry(&[]);
    assert_eq!(
        names(&r),
        [
            "search_companies",
            "get_company",
            "get_companies_batch",
            "ai_search",
            "list_collections",
            "get_collection_items",
            "get_email_discovery"
        ]
    );
    assert!(matches!(
        r.lookup("create_collection"),
        Lookup::Withheld(ToolError::MutationsDisabled, ToolKind::Mutation)
    ));
}

#[test]
fn mutations_on_lists_all_ten() {
    assert_eq!(registry(&[("ALLOW_MUTATIONS", "true")]).tools().len(), 10);
}

#[test]
fn disabled_tools_are_withheld_with_their_own_message() {
    let r = registry(&[("ALLOW_MUTATIONS", "true"), ("DISABLED_TOOLS", "create_collection,ai_search")]);
    assert_eq!(r.tools().len(), 8);
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
        let t = entry.tool();
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
            assert!(!schema.contains("\"format\":\"int") && !schema.contains("\"format\":\"uint"), "{}", entry.name);
        }
    }
}
