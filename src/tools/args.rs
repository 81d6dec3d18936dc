//! Argument rules shared by several tools: limits, cursors, ids, free text. Each returns the
//! canonical value or a [`ToolError::InvalidArgument`] that says what is allowed.

use crate::error::ToolError;
use crate::tools::normalize;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
const MAX_CURSOR_CHARS: usize = 2048;
const MAX_ID_CHARS: usize = 128;

/// A page size after the rules: defaulted, and capped rather than refused when too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub applied: u32,
    pub capped: bool,
}

pub fn limit(value: Option<i64>) -> Result<Limit, ToolError> {
    match value {
        None => Ok(Limit { applied: DEFAULT_LIMIT, capped: false }),
        Some(n) if n < 1 => Err(ToolError::invalid(
            "limit",
            format!("must be at least 1 (got {n}); default {DEFAULT_LIMIT}, maximum {MAX_LIMIT}"),
        )),
        Some(n) if n > i64::from(MAX_LIMIT) => Ok(Limit { applied: MAX_LIMIT, capped: true }),
        Some(n) => Ok(Limit { applied: n as u32, capped: false }),
    }
}

/// Paging arguments after the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: Limit,
    pub cursor: Option<String>,
}

pub fn page(limit_arg: Option<i64>, cursor_arg: Option<String>) -> Result<Page, ToolError> {
    Ok(Page { limit: limit(limit_arg)?, cursor: cursor(cursor_arg)? })
}

/// The paging facts every list answer carries (flattened into it).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct PageInfo {
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The page size used.
    pub limit_applied: u32,
    /// True when the requested limit was above 100 and was lowered to 100.
    pub limit_capped: bool,
}

impl PageInfo {
    pub fn new(limit: Limit, next_cursor: Option<String>) -> PageInfo {
        PageInfo { next_cursor, limit_applied: limit.applied, limit_capped: limit.capped }
    }

    /// The lines a text rendering ends with: how to get more, and whether the limit was lowered.
    pub fn hint(&self) -> String {
        let mut out = String::new();
        if let Some(cursor) = &self.next_cursor {
            out.push_str(&format!("\nMore results: pass cursor \"{cursor}\"."));
        }
        if self.limit_capped {
            out.push_str(&format!("\n(limit capped at {})", self.limit_applied));
        }
        out
    }
}

/// An opaque page cursor from a previous answer. Empty counts as absent.
pub fn cursor(value: Option<String>) -> Result<Option<String>, ToolError> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_CURSOR_CHARS || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ToolError::invalid(
            "cursor",
            "not a cursor this server issued; pass next_cursor from a previous answer unchanged, or omit it for the first page",
        ));
    }
    Ok(Some(value.to_owned()))
}

/// A platform id: trimmed, 1..=128 characters of letters, digits and `-_.:`.
pub fn id(field: &'static str, value: &str) -> Result<String, ToolError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ToolError::invalid(field, "is required and must not be empty"));
    }
    let valid = value.chars().count() <= MAX_ID_CHARS
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !valid {
        return Err(ToolError::invalid(
            field,
            format!(
                "{:?} is not an id: ids are up to {MAX_ID_CHARS} letters, digits, '-', '_', '.' or ':' (take them from a previous answer)",
                crate::error::truncate_for_message(value, 60)
            ),
        ));
    }
    Ok(value.to_owned())
}

/// The most ids one call may name (after duplicates are dropped).
pub const MAX_IDS_PER_CALL: usize = 50;

/// A list of ids: each checked, duplicates dropped (first occurrence kept), 1..=max after that.
/// Stops at the first id past `max`, so a huge list costs no more than a short one.
pub fn id_list(field: &'static str, values: &[String], max: usize) -> Result<Vec<String>, ToolError> {
    let mut seen = std::collections::HashSet::with_capacity(max + 1);
    let mut out: Vec<String> = Vec::with_capacity(max + 1);
    for value in values {
        let id = id(field, value)?;
        if seen.insert(id.clone()) {
            out.push(id);
            if out.len() > max {
                return Err(ToolError::invalid(
                    field,
                    format!("has more than {max} distinct ids; at most {max} per call, split the list"),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(ToolError::invalid(field, format!("needs at least one id (at most {max})")));
    }
    Ok(out)
}

/// Free text: whitespace collapsed, empty counts as missing, longer than `max_chars` is an error.
pub fn text(field: &'static str, value: Option<&str>, max_chars: usize) -> Result<Option<String>, ToolError> {
    let Some(value) = normalize::non_empty(value) else {
        return Ok(None);
    };
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(ToolError::invalid(field, format!("is {chars} characters long; at most {max_chars} allowed")));
    }
    Ok(Some(value))
}

/// Required free text with a length range.
pub fn required_text(
    field: &'static str,
    value: &str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, ToolError> {
    let value = text(field, Some(value), max_chars)?
        .ok_or_else(|| ToolError::invalid(field, "is required and must not be empty"))?;
    let chars = value.chars().count();
    if chars < min_chars {
        return Err(ToolError::invalid(field, format!("is {chars} characters long; at least {min_chars} needed")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: ToolError) -> String {
        e.client_message()
    }

    #[test]
    fn limit_defaults_to_20() {
        assert_eq!(limit(None).ok(), Some(Limit { applied: 20, capped: false }));
    }

    #[test]
    fn limit_above_100_is_capped_and_reported() {
        assert_eq!(limit(Some(101)).ok(), Some(Limit { applied: 100, capped: true }));
        assert_eq!(limit(Some(i64::MAX)).ok(), Some(Limit { applied: 100, capped: true }));
        assert_eq!(limit(Some(100)).ok(), Some(Limit { applied: 100, capped: false }));
    }

    #[test]
    fn limit_below_1_is_an_error() {
        for n in [0, -1, i64::MIN] {
            let m = message(limit(Some(n)).unwrap_err());
            assert!(m.contains("`limit`") && m.contains("at least 1"), "{m}");
        }
    }

    #[test]
    fn blank_cursor_is_absent_and_odd_cursor_is_refused() {
        assert_eq!(cursor(Some("   ".into())).ok(), Some(None));
        assert_eq!(cursor(Some(" abc== ".into())).ok(), Some(Some("abc==".into())));
        assert!(cursor(Some("a b".into())).is_err());
        assert!(cursor(Some("x".repeat(3000))).is_err());
    }

    #[test]
    fn ids_reject_graphql_and_spaces() {
        assert!(id("id", "c_123").is_ok());
        assert!(id("id", "  ").is_err());
        assert!(id("id", "1) { __schema").is_err());
        assert!(id("id", &"a".repeat(129)).is_err());
    }

    #[test]
    fn id_list_dedupes_keeping_order_and_checks_bounds() {
        let ids: Vec<String> = ["b", "a", "b", " a "].iter().map(|s| s.to_string()).collect();
        assert_eq!(id_list("ids", &ids, 50).ok(), Some(vec!["b".to_string(), "a".to_string()]));
        assert!(id_list("ids", &[], 50).is_err());
        let many: Vec<String> = (0..51).map(|i| format!("c{i}")).collect();
        let m = message(id_list("ids", &many, 50).unwrap_err());
        assert!(m.contains("at most 50"), "{m}");
        let dup_heavy: Vec<String> = (0..120).map(|i| format!("c{}", i % 50)).collect();
        assert_eq!(id_list("ids", &dup_heavy, 50).map(|v| v.len()).ok(), Some(50));
    }

    #[test]
    fn text_is_collapsed_and_bounded() {
        assert_eq!(text("q", Some("  a \n\t b "), 10).ok(), Some(Some("a b".into())));
        assert_eq!(text("q", Some(" \n "), 10).ok(), Some(None));
        assert!(text("q", Some(&"x".repeat(11)), 10).is_err());
        assert!(required_text("name", "  ", 1, 100).is_err());
        assert!(required_text("query", "ab", 3, 500).is_err());
    }
}

/// A client's own idempotency key: 1 to 100 characters of letters, digits and `._:-`.
pub fn idempotency_key(field: &'static str, value: Option<&str>) -> Result<Option<String>, ToolError> {
    let Some(value) = value.map(str::trim) else { return Ok(None) };
    let valid = (1..=100).contains(&value.chars().count())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if !valid {
        return Err(ToolError::invalid(field, "must be 1 to 100 characters: letters, digits, '.', '_', ':' or '-'"));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod idempotency_key_tests {
    use super::*;

    #[test]
    fn keys_are_short_and_plain() {
        assert_eq!(idempotency_key("k", None).unwrap(), None);
        assert_eq!(idempotency_key("k", Some(" retry-1:a.b_c ")).unwrap().as_deref(), Some("retry-1:a.b_c"));
        for bad in ["", "   ", "has space", "ünï", "{\"graphql\": 1}", &"x".repeat(101)] {
            assert!(idempotency_key("k", Some(bad)).is_err(), "{bad}");
        }
    }
}
