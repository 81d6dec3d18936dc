//! Company queries: search (FTS5 keywords, country, industry, employee range), lookups by id,
//! domain or a batch of ids, and the industry taxonomy.

use rusqlite::{OptionalExtension, params_from_iter};

use super::Db;
use super::paging::{after_rowid, page};
use super::types::{COMPANY_COLUMNS, CompanyRow, DbError, Filter, company_from};
use crate::generate;

/// FTS5 query from free text: every word as a quoted term (all must match), so no user text is
/// ever read as FTS syntax.
/// Text with no word at all matches nothing (`None`); more than 64 words is refused.
fn fts_query(text: &str) -> Result<Option<String>, DbError> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    if terms.len() > 64 {
        return Err(DbError::TooManyTerms);
    }
    Ok((!terms.is_empty()).then(|| terms.join(" ")))
}

impl Db {
    pub fn search(
        &self,
        filter: &Filter,
        limit: usize,
        token: Option<&str>,
    ) -> Result<(Vec<CompanyRow>, Option<String>), DbError> {
        let after = after_rowid(token)?;
        let mut sql = format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE rowid > ?");
        let mut args: Vec<rusqlite::types::Value> = vec![after.into()];
        if let Some(text) = filter.query.as_deref().filter(|t| !t.trim().is_empty()) {
            match fts_query(text)? {
                Some(q) => {
                    sql.push_str(" AND rowid IN (SELECT rowid FROM companies_fts WHERE companies_fts MATCH ?)");
                    args.push(q.into());
                }
                // Keywords made only of punctuation match no company (not every company).
                None => return Ok((Vec::new(), None)),
            }
        }
        if let Some(country) = &filter.country {
            sql.push_str(" AND country = ?");
            args.push(country.to_uppercase().into());
        }
        if let Some(industry) = &filter.industry {
            sql.push_str(" AND industry = ? COLLATE NOCASE");
            args.push(industry.clone().into());
        }
        if let Some(min) = filter.employees_min {
            sql.push_str(" AND employees >= ?");
            args.push(min.into());
        }
        if let Some(max) = filter.employees_max {
            sql.push_str(" AND employees <= ?");
            args.push(max.into());
        }
        sql.push_str(" ORDER BY rowid LIMIT ?");
        args.push((limit as i64 + 1).into());
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows: Vec<(i64, CompanyRow)> =
            stmt.query_map(params_from_iter(args), company_from)?.collect::<Result<_, _>>()?;
        Ok(page(rows, limit))
    }

    pub fn company_by_id(&self, id: &str) -> Result<Option<CompanyRow>, DbError> {
        let conn = self.lock();
        let sql = format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE id = ?1");
        Ok(conn.prepare_cached(&sql)?.query_row([id], company_from).optional()?.map(|(_, c)| c))
    }

    pub fn company_by_domain(&self, domain: &str) -> Result<Option<CompanyRow>, DbError> {
        let conn = self.lock();
        let sql = format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE domain = ?1");
        Ok(conn.prepare_cached(&sql)?.query_row([domain.to_lowercase()], company_from).optional()?.map(|(_, c)| c))
    }

    pub fn companies_by_ids(&self, ids: &[String]) -> Result<Vec<CompanyRow>, DbError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = self.company_by_id(id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    pub fn industries(&self) -> Vec<String> {
        generate::INDUSTRIES.iter().map(|s| s.to_string()).collect()
    }
}
