//! What the database takes and gives: the search [`Filter`], the rows its queries return, and
//! [`DbError`]; and the reading of a company row out of SQLite.

use rusqlite::Row;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("invalid nextToken")]
    BadToken,
    #[error("too many search terms")]
    TooManyTerms,
}

/// A company row, as the GraphQL layer returns it.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyRow {
    pub id: String,
    pub name: String,
    pub legal_name: Option<String>,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub employee_range: Option<String>,
    pub revenue_range: Option<String>,
    pub founded_year: Option<i32>,
    pub technologies: Vec<String>,
    pub linkedin_url: Option<String>,
    pub updated_at: Option<String>,
}

pub(super) const COMPANY_COLUMNS: &str = "rowid, id, name, legal_name, domain, website, description, country, city, region, \
    industry, employees, employee_range, revenue_range, founded_year, technologies, linkedin_url, updated_at";

/// (rowid, company) from a row that starts with COMPANY_COLUMNS.
pub(super) fn company_from(row: &Row<'_>) -> rusqlite::Result<(i64, CompanyRow)> {
    Ok((row.get(0)?, company_from_offset(row, 0)?))
}

/// Search filters after the GraphQL layer read them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub query: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employees_min: Option<i64>,
    pub employees_max: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionRow {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub description: Option<String>,
    pub item_count: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AddResult {
    pub added: Vec<String>,
    pub already_present: Vec<String>,
    pub not_found: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscoveryRow {
    pub id: String,
    pub company_id: String,
    pub department: String,
    pub max_contacts: i64,
    pub status: String,
    pub created_at: String,
}

/// A stored discovery request and the domain of its company (`None` when the platform knows no
/// such company, or no domain for it).
#[derive(Debug, Clone)]
pub struct StoredDiscovery {
    pub request: DiscoveryRow,
    pub domain: Option<String>,
}

/// One page of a collection: (company, added_at) pairs and the next page's token.
pub type ItemsPage = (Vec<(CompanyRow, String)>, Option<String>);

/// The company whose COMPANY_COLUMNS start at column `offset` (its rowid there, id next).
pub(super) fn company_from_offset(r: &Row<'_>, offset: usize) -> rusqlite::Result<CompanyRow> {
    let technologies: String = r.get(offset + 15)?;
    Ok(CompanyRow {
        id: r.get(offset + 1)?,
        name: r.get(offset + 2)?,
        legal_name: r.get(offset + 3)?,
        domain: r.get(offset + 4)?,
        website: r.get(offset + 5)?,
        description: r.get(offset + 6)?,
        country: r.get(offset + 7)?,
        city: r.get(offset + 8)?,
        region: r.get(offset + 9)?,
        industry: r.get(offset + 10)?,
        employees: r.get(offset + 11)?,
        employee_range: r.get(offset + 12)?,
        revenue_range: r.get(offset + 13)?,
        founded_year: r.get(offset + 14)?,
        technologies: serde_json::from_str(&technologies).unwrap_or_default(),
        linkedin_url: r.get(offset + 16)?,
        updated_at: r.get(offset + 17)?,
    })
}
