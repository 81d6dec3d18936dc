//! get_company: one full company profile, by platform id or by domain.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::company::Company;
use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args, normalize};
use crate::backend::operations::GET_COMPANY;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Platform company id (from a search). Give exactly one of id or domain.
    pub id: Option<String>,
    /// Company domain or website URL, e.g. "acme.com" or "https://www.acme.com/about". Give exactly one of id or domain.
    pub domain: Option<String>,
}

/// Exactly one key is sent; the other is left out of the variables.
#[derive(Debug, Serialize, PartialEq)]
pub struct Variables {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl Params {
    pub fn validate(self) -> Result<Variables, ToolError> {
        let id = normalize::non_empty(self.id.as_deref());
        let domain = normalize::non_empty(self.domain.as_deref());
        match (id, domain) {
            (Some(id), None) => Ok(Variables { id: Some(args::id("id", &id)?), domain: None }),
            (None, Some(domain)) => {
                let domain = normalize::domain(&domain).map_err(|e| ToolError::invalid("domain", e.to_string()))?;
                Ok(Variables { id: None, domain: Some(domain) })
            }
            (Some(_), Some(_)) => Err(ToolError::invalid("id", "give exactly one of id or domain, not both")),
            (None, None) => Err(ToolError::invalid("id", "give exactly one of id or domain")),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    get_company: Option<Company>,
}

/// The full flat profile.
pub type Output = Company;

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let mut lines = vec![format!("{} [id {}]", self.name, self.id)];
        let fields = [
            ("Domain", self.domain.clone()),
            (
                "Country",
                self.country.as_deref().map(|c| match normalize::country_name(c) {
                    Some(name) => format!("{name} ({c})"),
                    None => c.to_owned(),
                }),
            ),
            ("City", self.city.clone()),
            ("Industry", self.industry.clone()),
            ("Employees", self.employees.map(|n| n.to_string())),
            ("Revenue", self.revenue_range.clone()),
            ("Founded", self.founded_year.map(|y| y.to_string())),
            ("Description", self.description.clone()),
        ];
        lines.extend(fields.into_iter().filter_map(|(k, v)| v.map(|v| format!("{k}: {v}"))));
        if !self.technologies.is_empty() {
            lines.push(format!("Technologies: {}", self.technologies.join(", ")));
        }
        lines.join("\n")
    }
    fn result_count(&self) -> usize {
        1
    }
}

pub struct GetCompany;

#[async_trait::async_trait]
impl ToolDef for GetCompany {
    const NAME: &'static str = "get_company";
    const TITLE: &'static str = "Get company profile";
    const DESCRIPTION: &'static str = "Get the full profile of one company by platform id or by domain \
        (a URL is fine: https://www.acme.com/about is read as acme.com). Give exactly one of id or domain.";
    const KIND: ToolKind = ToolKind::Read;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let vars = params.validate()?;
        if let Some(id) = &vars.id {
            ctx.audit_value("id", id);
        }
        if let Some(domain) = &vars.domain {
            ctx.audit_value("domain", domain);
        }
        let data: Data = ctx.call(&GET_COMPANY, &vars).await?;
        match data.get_company {
            Some(company) => Ok(company),
            None => Err(ToolError::NotFound(match (&vars.id, &vars.domain) {
                (Some(id), _) => format!("no company with id {id}; search_companies finds ids"),
                (_, Some(domain)) => {
                    format!("no company with domain {domain}; try search_companies with the company name")
                }
                _ => "no such company".into(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(json: serde_json::Value) -> Result<Variables, ToolError> {
        serde_json::from_value::<Params>(json).expect("decode").validate()
    }

    #[test]
    fn domain_urls_are_normalised() {
        let v = validate(serde_json::json!({"domain": "https://www.Acme.com/about"})).expect("valid");
        assert_eq!(v, Variables { id: None, domain: Some("acme.com".into()) });
    }

    #[test]
    fn exactly_one_of_id_or_domain() {
        assert!(validate(serde_json::json!({})).unwrap_err().client_message().contains("exactly one"));
        assert!(
            validate(serde_json::json!({"id": "c1", "domain": "a.com"}))
                .unwrap_err()
                .client_message()
                .contains("not both")
        );
        // Blank counts as missing, so this is "id only".
        assert_eq!(
            validate(serde_json::json!({"id": " c1 ", "domain": "  "})).ok(),
            Some(Variables { id: Some("c1".into()), domain: None })
        );
    }

    #[test]
    fn bad_domain_is_explained() {
        let m = validate(serde_json::json!({"domain": "not a domain"})).unwrap_err().client_message();
        assert!(m.contains("`domain`"), "{m}");
    }
}
