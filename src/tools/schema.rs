//! The JSON Schemas (2020-12) each tool publishes, written for the clients that read them.
//!
//! schemars' defaults, which rmcp's helpers keep, trip real clients: an optional argument becomes
//! `"type": ["integer", "null"]`, which form builders and argument coercers (MCP Inspector's CLI
//! among them) do not handle, so a `limit` typed by a person arrives as the string "2"; and Rust's
//! integer widths become `"format": "int64"` / `"uint32"`, which are not JSON Schema formats, and
//! every ajv-based client (the TypeScript SDK, Inspector) warns about each one. So an input schema
//! says an optional argument is simply not required, and neither schema carries integer widths.
//! Output schemas keep `null`, since the server does write `null` for an absent value, but as an
//! `anyOf` branch of its own rather than a type array (see [`nullable_as_any_of`]).

use schemars::generate::SchemaSettings;
use schemars::transform::{RecursiveTransform, RestrictFormats};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

/// What a client may send as the tool's arguments (the deserialising side).
pub fn input<T: JsonSchema>() -> Map<String, Value> {
    generate::<T>(SchemaSettings::draft2020_12().with_transform(RecursiveTransform(optional_is_not_nullable)))
}

/// What the server writes as structuredContent (the serialising side).
pub fn output<T: JsonSchema>() -> Map<String, Value> {
    generate::<T>(SchemaSettings::draft2020_12().for_serialize().with_transform(RecursiveTransform(nullable_as_any_of)))
}

fn generate<T: JsonSchema>(settings: SchemaSettings) -> Map<String, Value> {
    // Keeps the formats JSON Schema defines (date-time, uri, ...), drops int64, uint32 and the like.
    let schema = settings.with_transform(RestrictFormats::default()).into_generator().into_root_schema_for::<T>();
    let mut object = match schema.to_value() {
        Value::Object(object) => object,
        // A tool's arguments and output are Rust structs, whose schema is always an object.
        _ => Map::new(),
    };
    // The Rust type's name and doc comment are noise to the model; the tool has its own.
    object.remove("title");
    object.remove("description");
    object
}

/// `Option<T>` arguments: `"type": ["integer", "null"]` becomes `"type": "integer"`, and an
/// `anyOf` of a subschema and `{"type": "null"}` becomes that subschema. Sending `null` is still
/// accepted; the schema just does not invite it.
fn optional_is_not_nullable(schema: &mut Schema) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            schema.insert("type".to_owned(), single);
        }
    }
    let Some(Value::Array(variants)) = schema.get_mut("anyOf") else { return };
    variants.retain(|v| v.get("type").and_then(Value::as_str) != Some("null"));
    if let [Value::Object(only)] = variants.as_slice() {
        let only = only.clone();
        schema.remove("anyOf");
        for (key, value) in only {
            schema.insert(key, value);
        }
    }
}

/// An output value that may be `null`: `"type": ["string", "null"]` becomes
/// `"anyOf": [{"type": "string", ...}, {"type": "null"}]`, each branch with one type, which clients
/// mapping schemas onto a single-type dialect (Gemini's function declarations) can read. The
/// type's own keywords move into its branch; the description stays on the property.
fn nullable_as_any_of(schema: &mut Schema) {
    let Some(Value::Array(types)) = schema.get("type") else { return };
    let [a, b] = types.as_slice() else { return };
    let single = match (a.as_str(), b.as_str()) {
        (Some("null"), Some(t)) | (Some(t), Some("null")) => t.to_owned(),
        _ => return,
    };
    let Some(object) = schema.as_object_mut() else { return };
    let mut branch = serde_json::Map::new();
    branch.insert("type".to_owned(), Value::String(single));
    let keys: Vec<String> = object.keys().filter(|k| !ANNOTATIONS.contains(&k.as_str())).cloned().collect();
    for key in keys {
        if let Some(value) = object.remove(&key)
            && key != "type"
        {
            branch.insert(key, value);
        }
    }
    object.insert("anyOf".to_owned(), serde_json::json!([branch, {"type": "null"}]));
}

/// Keywords that describe a property rather than constrain its type.
const ANNOTATIONS: [&str; 6] = ["description", "title", "default", "examples", "deprecated", "$comment"];

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    /// Doc that must not leak.
    struct Args {
        /// A required name.
        name: String,
        /// An optional page size.
        limit: Option<u32>,
        /// A nested list.
        ids: Option<Vec<Inner>>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        size: i64,
        when: Option<String>,
        /// Tags, if any.
        tags: Option<Vec<u8>>,
    }

    #[test]
    fn inputs_have_plain_types_and_no_rust_formats() {
        let schema = Value::Object(input::<Args>());
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], serde_json::json!(["name"]));
        assert_eq!(schema["properties"]["limit"]["type"], "integer");
        assert_eq!(schema["properties"]["limit"]["minimum"], 0, "the unsigned bound stays");
        assert_eq!(schema["properties"]["ids"]["type"], "array");
        assert!(schema.get("title").is_none() && schema.get("description").is_none());
        let text = schema.to_string();
        assert!(!text.contains("\"format\""), "{text}");
        assert!(!text.contains("null"), "{text}");
    }

    #[test]
    fn outputs_keep_null_as_a_single_type_branch_and_no_rust_formats() {
        let schema = Value::Object(output::<Inner>());
        assert_eq!(schema["properties"]["when"]["anyOf"], serde_json::json!([{"type": "string"}, {"type": "null"}]));
        assert_eq!(schema["properties"]["size"]["type"], "integer");
        let tags = &schema["properties"]["tags"];
        assert_eq!(tags["description"], "Tags, if any.");
        assert_eq!(tags["anyOf"][0]["type"], "array");
        assert_eq!(tags["anyOf"][0]["items"]["maximum"], 255, "the type's keywords move into its branch");
        assert_eq!(tags["anyOf"][1], serde_json::json!({"type": "null"}));
        assert!(tags.get("type").is_none() && tags.get("items").is_none(), "{tags}");
        assert!(!schema.to_string().contains("\"format\""), "{schema}");
    }
}
