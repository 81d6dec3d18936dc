//! Companies as the platform sends them (camelCase GraphQL objects) and as the model gets them
//! (flat snake_case records with bounded text).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DESCRIPTION_SUMMARY_CHARS: usize = 300;

/// A company: read from the GraphQL API (camelCase, fields outside the selection absent) and
/// given to the model as the flat snake_case profile `get_company` returns.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all(deserialize = "camelCase"))]
pub struct Company {
    /// Platform id.
    pub id: String,
    pub name: String,
    pub legal_name: Option<String>,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    /// Employee band, e.g. "51-200".
    pub employee_range: Option<String>,
    /// Revenue band, e.g. "$10M-$50M".
    pub revenue_range: Option<String>,
    pub founded_year: Option<i32>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub technologies: Vec<String>,
    pub linkedin_url: Option<String>,
    /// When the platform last refreshed this profile (ISO 8601).
    pub updated_at: Option<String>,
}

/// GraphQL sends `null` for an empty list field as readily as `[]`.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// One company in a list: enough to pick it, with the description cut to 300 characters.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct CompanySummary {
    /// Platform id; pass it to get_company, get_companies_batch or add_to_collection.
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    pub city: Option<String>,
    pub industry: Option<String>,
    /// Number of employees.
    pub employees: Option<i64>,
    pub founded_year: Option<i32>,
    /// At most 300 characters; get_company returns the full text.
    pub description: Option<String>,
}

impl From<Company> for CompanySummary {
    fn from(c: Company) -> Self {
        CompanySummary {
            id: c.id,
            name: c.name,
            domain: c.domain,
            country: c.country,
            city: c.city,
            industry: c.industry,
            employees: c.employees,
            founded_year: c.founded_year,
            description: c.description.map(|d| cut_owned(d, DESCRIPTION_SUMMARY_CHARS)),
        }
    }
}

impl CompanySummary {
    /// One line for text renderings: "Acme GmbH (acme.de), DE, Software, 120 employees [id c_1]".
    pub fn line(&self) -> String {
        let mut out = String::new();
        self.write_line(&mut out);
        out
    }

    /// The same line, appended to `out` (a list is one string, not one per line and part).
    pub fn write_line(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str(&self.name);
        if let Some(domain) = &self.domain {
            let _ = write!(out, " ({domain})");
        }
        for part in [&self.country, &self.industry].into_iter().flatten() {
            out.push_str(", ");
            out.push_str(part);
        }
        if let Some(n) = self.employees {
            let n = n.unsigned_abs();
            let _ = write!(out, ", {n} {}", if n == 1 { "employee" } else { "employees" });
        }
        let _ = write!(out, " [id {}]", self.id);
    }
}

/// Cut `text` to at most `max` characters, marking the cut with "…".
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if text.chars().count() > max => format!("{}…", text[..at].trim_end()),
        _ => text.to_owned(),
    }
}

/// [`cut`], keeping `text` itself when it is short enough.
fn cut_owned(text: String, max: usize) -> String {
    if text.chars().count() > max { cut(&text, max) } else { text }
}

/// "1 company", "3 companies".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Render a list of summaries as numbered lines under a heading.
pub fn render_list(heading: &str, companies: &[CompanySummary]) -> String {
    let mut out = format!("{heading}: {}", count(companies.len() as u64, "company", "companies"));
    for (i, c) in companies.iter().enumerate() {
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\n{}. ", i + 1));
        c.write_line(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_lines_name_what_is_known() {
        let summary = |c: Company| CompanySummary::from(c);
        let full = summary(Company {
            id: "c_1".into(),
            name: "Acme GmbH".into(),
            domain: Some("acme.de".into()),
            country: Some("DE".into()),
            industry: Some("Software".into()),
            employees: Some(120),
            ..Default::default()
        });
        let bare = summary(Company { id: "c_2".into(), name: "Solo".into(), ..Default::default() });
        let one = summary(Company {
            id: "c_3".into(),
            name: "One".into(),
            industry: Some("SaaS".into()),
            employees: Some(1),
            ..Default::default()
        });
        assert_eq!(full.line(), "Acme GmbH (acme.de), DE, Software, 120 employees [id c_1]");
        assert_eq!(bare.line(), "Solo [id c_2]");
        assert_eq!(one.line(), "One, SaaS, 1 employee [id c_3]");
        assert_eq!(
            render_list("Results", &[full, bare]),
            "Results: 2 companies\n1. Acme GmbH (acme.de), DE, Software, 120 employees [id c_1]\n2. Solo [id c_2]"
        );
        assert_eq!(render_list("Results", &[]), "Results: 0 companies");
    }

    #[test]
    fn summary_description_is_cut_to_300_chars() {
        let node =
            Company {
                id: "c1".into(), name: "Acme".into(), description: Some("é".repeat(1000)), ..Default::default()
            };
        let s = CompanySummary::from(node);
        assert_eq!(s.description.map(|d| d.chars().count()), Some(300));
    }

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(1, "company", "companies"), "1 company");
        assert_eq!(count(0, "company", "companies"), "0 companies");
        assert_eq!(count(2, "company", "companies"), "2 companies");
    }

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(cut("short", 300), "short");
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
    }
}
