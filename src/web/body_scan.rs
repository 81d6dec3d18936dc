//! One pass over a request body for the guard (`super::guard`): the first name repeated within
//! one JSON object (JSON leaves repeated names to the parser; the guard refuses them), and whether
//! the body is an object whose `method` is `"initialize"` (the last `method`, as a parser keeps
//! it). One pass, and no copy of the body's names, because every POST pays for it.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What one pass found.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Scan {
    /// The first name repeated within one object, at any depth.
    pub duplicate: Option<String>,
    /// The top level is an object whose `method` is the string `"initialize"`.
    pub initialize: bool,
}

/// `None` for a body that does not start with a JSON value (or nests deeper than serde_json's
/// limit): the normal path answers it.
pub(super) fn scan(bytes: &[u8]) -> Option<Scan> {
    let mut state = State { scan: Scan::default(), names: Vec::new() };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    Value { state: &mut state, top: true }.deserialize(&mut deserializer).ok()?;
    // A request is one JSON value; names are checked in the first one whatever follows it.
    if deserializer.end().is_err() {
        state.scan.initialize = false;
    }
    Some(state.scan)
}

/// Objects with more names than this are checked with a hash set, not by looking through them.
const LINEAR: usize = 16;

struct State<'de> {
    scan: Scan,
    /// The names of the objects open on the way down, each object's after its parent's.
    names: Vec<Cow<'de, str>>,
}

/// One JSON value; its answer says whether it is the string `"initialize"`.
struct Value<'s, 'de> {
    state: &'s mut State<'de>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Value<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let start = self.state.names.len();
        let mut many: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(name) = map.next_key_seed(Name)? {
            let seen = match &mut many {
                Some(set) => !set.insert(name.clone()),
                None => self.state.names.get(start..).is_some_and(|open| open.contains(&name)),
            };
            if seen && self.state.scan.duplicate.is_none() {
                self.state.scan.duplicate = Some(name.clone().into_owned());
            }
            let method = self.top && name == "method";
            if many.is_none() {
                self.state.names.push(name);
                if self.state.names.len() - start > LINEAR {
                    many = Some(self.state.names.drain(start..).collect());
                }
            }
            let initialize = map.next_value_seed(Value { state: self.state, top: false })?;
            if method {
                self.state.scan.initialize = initialize;
            }
        }
        self.state.names.truncate(start);
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element_seed(Value { state: self.state, top: false })?.is_some() {}
        Ok(false)
    }
    fn visit_str<E>(self, value: &str) -> Result<bool, E> {
        Ok(value == "initialize")
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// An object's name, borrowed from the body unless it had escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a name")
    }
    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(name))
    }
    fn visit_str<E>(self, name: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> Option<String> {
        scan(text.as_bytes()).and_then(|s| s.duplicate)
    }

    #[test]
    fn repeated_names_are_found_at_any_depth() {
        assert_eq!(duplicate(r#"{"a":1,"a":2}"#).as_deref(), Some("a"));
        assert_eq!(duplicate(r#"{"p":{"args":[{"x":1},{"y":{"k":1,"k":2}}]}}"#).as_deref(), Some("k"));
        assert_eq!(duplicate(r#"{"a":{"b":1},"b":{"a":2}}"#), None, "the same name in different objects is fine");
        assert_eq!(duplicate(r#"{"a":{"a":1,"b":2},"b":{"a":2,"b":1}}"#), None, "nor in a parent and its child");
        assert_eq!(duplicate(r#"[1,"two",null,true,{"k":"v"}]"#), None);
        assert_eq!(duplicate(r#"{"\u0061":1,"a":2}"#).as_deref(), Some("a"), "escaped or not, a name is its text");
        assert_eq!(scan(b"not json"), None);
        assert_eq!(duplicate(r#"{"a":1,"a":2} trailing"#).as_deref(), Some("a"), "the first value is checked");
    }

    #[test]
    fn large_objects_are_checked_too() {
        let names: Vec<String> = (0..100).map(|i| format!(r#""n{i}":{i}"#)).collect();
        assert_eq!(duplicate(&format!("{{{}}}", names.join(","))), None);
        assert_eq!(duplicate(&format!(r#"{{{},"n7":0}}"#, names.join(","))).as_deref(), Some("n7"));
        assert_eq!(duplicate(&format!(r#"{{"n99":0,{}}}"#, names.join(","))).as_deref(), Some("n99"));
        let nested = format!(r#"{{"x":{{{}}},"y":1,"x":2}}"#, names.join(","));
        assert_eq!(duplicate(&nested).as_deref(), Some("x"), "the parent's names survive a large child");
    }

    #[test]
    fn initialize_is_the_top_level_method_as_a_parser_keeps_it() {
        let initialize = |text: &str| scan(text.as_bytes()).is_some_and(|s| s.initialize);
        assert!(initialize(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#));
        assert!(initialize(r#"{"method":"ping","method":"initialize"}"#), "the last one counts");
        assert!(!initialize(r#"{"method":"initialize","method":"ping"}"#));
        assert!(!initialize(r#"{"method":"tools/call","params":{"method":"initialize"}}"#), "top level only");
        assert!(!initialize(r#"["initialize"]"#));
        assert!(!initialize(r#"{"method":["initialize"]}"#));
        assert!(!initialize(r#""initialize""#));
        assert!(!initialize(r#"{"method":"initialize"} trailing"#), "not a JSON body");
    }
}
