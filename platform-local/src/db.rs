//! The company database: SQLite on disk with an FTS5 index over names, domains and
//! descriptions, created and filled on first start from the deterministic generator.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::generate;

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

const COMPANY_COLUMNS: &str = "rowid, id, name, legal_name, domain, website, description, country, city, region, \
    industry, employees, employee_range, revenue_range, founded_year, technologies, linkedin_url, updated_at";

/// (rowid, company) from a row that starts with COMPANY_COLUMNS.
fn company_from(row: &Row<'_>) -> rusqlite::Result<(i64, CompanyRow)> {
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

/// One page of a collection: (company, added_at) pairs and the next page's token.
pub type ItemsPage = (Vec<(CompanyRow, String)>, Option<String>);

/// One connection behind a mutex; SQLite calls are short and run on the blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

/// Bump when the generator or the tables change, so existing databases are rebuilt.
const DATASET_VERSION: u32 = 2;

/// Page tokens are opaque to clients: "p1." followed by the last row id of the page.
fn token_for(rowid: i64) -> String {
    format!("p1.{rowid}")
}

fn after_rowid(token: Option<&str>) -> Result<i64, DbError> {
    match token {
        None => Ok(0),
        Some(t) => {
            t.strip_prefix("p1.").and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or(DbError::BadToken)
        }
    }
}

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

/// How long the platform remembers an idempotency key (the server's retention).
const KEY_RETENTION_SECONDS: i64 = 86_400;

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl Db {
    /// Open (or create and fill) the database at `path` with `companies` generated from `seed`.
    pub fn open(path: &Path, companies: u64, seed: u64, progress: bool) -> Result<Db, DbError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS applied_mutations (owner_id TEXT NOT NULL, operation TEXT NOT NULL,
               key TEXT NOT NULL, result TEXT NOT NULL, applied_at INTEGER NOT NULL,
               PRIMARY KEY (owner_id, operation, key));",
        )?;
        let existing: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'dataset'", [], |r| r.get(0)).optional()?;
        let wanted = format!("v{DATASET_VERSION}:{companies}@{seed}");
        let db = Db { conn: Arc::new(Mutex::new(conn)) };
        if existing.as_deref() != Some(wanted.as_str()) {
            db.build(companies, seed, progress)?;
            db.lock().execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('dataset', ?1)", [&wanted])?;
        }
        Ok(db)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn build(&self, companies: u64, seed: u64, progress: bool) -> Result<(), DbError> {
        let mut conn = self.lock();
        conn.execute_batch(
            "DROP TABLE IF EXISTS companies_fts; DROP TABLE IF EXISTS collection_items; DROP TABLE IF EXISTS collections;
             DROP TABLE IF EXISTS email_discoveries; DROP TABLE IF EXISTS companies;
             CREATE TABLE companies (
               rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, legal_name TEXT,
               domain TEXT UNIQUE, website TEXT, description TEXT, country TEXT, city TEXT, region TEXT,
               industry TEXT, employees INTEGER, employee_range TEXT, revenue_range TEXT, founded_year INTEGER,
               technologies TEXT NOT NULL, linkedin_url TEXT, updated_at TEXT);
             CREATE INDEX companies_filters ON companies (country, industry, employees);
             CREATE INDEX companies_industry ON companies (industry COLLATE NOCASE);
             CREATE VIRTUAL TABLE companies_fts USING fts5(name, domain, description, content='companies', content_rowid='rowid');
             CREATE TABLE collections (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT NOT NULL,
               description TEXT, created_at TEXT NOT NULL);
             CREATE INDEX collections_owner ON collections (owner_id, created_at);
             CREATE TABLE collection_items (collection_id TEXT NOT NULL REFERENCES collections(id),
               company_id TEXT NOT NULL, added_at TEXT NOT NULL, seq INTEGER NOT NULL,
               PRIMARY KEY (collection_id, company_id));
             CREATE TABLE email_discoveries (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, company_id TEXT NOT NULL,
               department TEXT NOT NULL, max_contacts INTEGER NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL);",
        )?;
        let bar = progress.then(|| {
            let bar = indicatif::ProgressBar::new(companies);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message("generating companies");
            bar
        });
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO companies (rowid, id, name, legal_name, domain, website, description, country, city, region,
                   industry, employees, employee_range, revenue_range, founded_year, technologies, linkedin_url, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?;
            for index in 0..companies {
                let c = generate::company(seed, index);
                let technologies = serde_json::to_string(&c.technologies).unwrap_or_else(|_| "[]".into());
                insert.execute(params![
                    index as i64 + 1,
                    c.id,
                    c.name,
                    c.legal_name,
                    c.domain,
                    c.website,
                    c.description,
                    c.country,
                    c.city,
                    c.region,
                    c.industry,
                    c.employees,
                    c.employee_range,
                    c.revenue_range,
                    c.founded_year,
                    technologies,
                    c.linkedin_url,
                    c.updated_at
                ])?;
                if let Some(bar) = &bar
                    && index % 10_000 == 0
                {
                    bar.set_position(index);
                }
            }
        }
        if let Some(bar) = &bar {
            bar.set_message("building the search index");
        }
        tx.execute("INSERT INTO companies_fts (companies_fts) VALUES ('rebuild')", [])?;
        tx.commit()?;
        // Fold the bulk load into the database file instead of leaving a WAL as large as it.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        if let Some(bar) = bar {
            bar.finish_with_message("company database ready");
        }
        Ok(())
    }

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

    pub fn list_collections(
        &self,
        owner: &str,
        limit: usize,
        token: Option<&str>,
    ) -> Result<(Vec<CollectionRow>, Option<String>), DbError> {
        let after = after_rowid(token)?;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT c.rowid, c.id, c.owner_id, c.name, c.description, c.created_at,
                    (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id)
             FROM collections c WHERE c.owner_id = ?1 AND c.rowid > ?2 ORDER BY c.rowid LIMIT ?3",
        )?;
        let rows: Vec<(i64, CollectionRow)> = stmt
            .query_map(params![owner, after, limit as i64 + 1], |r| {
                Ok((
                    r.get(0)?,
                    CollectionRow {
                        id: r.get(1)?,
                        owner_id: r.get(2)?,
                        name: r.get(3)?,
                        description: r.get(4)?,
                        created_at: r.get(5)?,
                        item_count: r.get(6)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(page(rows, limit))
    }

    fn owns(conn: &Connection, owner: &str, collection: &str) -> Result<bool, DbError> {
        Ok(conn
            .query_row("SELECT 1 FROM collections WHERE id = ?1 AND owner_id = ?2", params![collection, owner], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// `None` when the collection does not exist for this owner.
    pub fn collection_items(
        &self,
        owner: &str,
        collection: &str,
        limit: usize,
        token: Option<&str>,
    ) -> Result<Option<ItemsPage>, DbError> {
        let after = after_rowid(token)?;
        let conn = self.lock();
        if !Self::owns(&conn, owner, collection)? {
            return Ok(None);
        }
        let sql = format!(
            "SELECT i.seq, i.added_at, {} FROM collection_items i JOIN companies c ON c.id = i.company_id
             WHERE i.collection_id = ?1 AND i.seq > ?2 ORDER BY i.seq LIMIT ?3",
            COMPANY_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows: Vec<(i64, (CompanyRow, String))> = stmt
            .query_map(params![collection, after, limit as i64 + 1], |r| {
                let seq: i64 = r.get(0)?;
                let added_at: String = r.get(1)?;
                let company = company_from_offset(r, 2)?;
                Ok((seq, (company, added_at)))
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(page(rows, limit)))
    }

    /// Apply a mutation at most once per `(owner, operation, key)` within a day: a repeat with the
    /// same idempotency key gets the first result and changes nothing (what a real platform offers
    /// as a client token). Without a key it simply runs. Check, apply and record happen under one
    /// lock. A key older than the retention, or whose record cannot be read back, applies anew.
    fn once<T: Serialize + DeserializeOwned>(
        &self,
        owner: &str,
        operation: &str,
        key: Option<&str>,
        apply: impl FnOnce(&mut Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut conn = self.lock();
        let Some(key) = key else { return apply(&mut conn) };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let earlier: Option<String> = conn
            .query_row(
                "SELECT result FROM applied_mutations WHERE owner_id = ?1 AND operation = ?2 AND key = ?3 AND applied_at > ?4",
                params![owner, operation, key, now - KEY_RETENTION_SECONDS],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(result) = earlier.and_then(|text| serde_json::from_str(&text).ok()) {
            return Ok(result);
        }
        let result = apply(&mut conn)?;
        let text = serde_json::to_string(&result).unwrap_or_default();
        conn.execute(
            "INSERT OR REPLACE INTO applied_mutations (owner_id, operation, key, result, applied_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![owner, operation, key, text, now],
        )?;
        Ok(result)
    }

    /// How many mutations were applied with an idempotency key (tests: a repeat applies nothing).
    pub fn keyed_mutation_count(&self, owner: &str) -> Result<i64, DbError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM applied_mutations WHERE owner_id = ?1", [owner], |r| r.get(0))?)
    }

    pub fn create_collection(
        &self,
        owner: &str,
        name: &str,
        description: Option<&str>,
        key: Option<&str>,
    ) -> Result<CollectionRow, DbError> {
        self.once(owner, "createCollection", key, |conn| Self::insert_collection(conn, owner, name, description))
    }

    fn insert_collection(
        conn: &mut Connection,
        owner: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<CollectionRow, DbError> {
        let n: i64 = conn.query_row("SELECT COALESCE(MAX(rowid), 0) + 1 FROM collections", [], |r| r.get(0))?;
        let id = format!("col_{n:06}");
        let created_at = now_rfc3339();
        conn.execute(
            "INSERT INTO collections (rowid, id, owner_id, name, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![n, id, owner, name, description, created_at],
        )?;
        Ok(CollectionRow {
            id,
            owner_id: owner.to_owned(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            item_count: 0,
            created_at,
        })
    }

    /// `None` when the collection does not exist for this owner. All in one transaction.
    pub fn add_to_collection(
        &self,
        owner: &str,
        collection: &str,
        ids: &[String],
        key: Option<&str>,
    ) -> Result<Option<AddResult>, DbError> {
        self.once(owner, "addToCollection", key, |conn| Self::insert_items(conn, owner, collection, ids))
    }

    fn insert_items(
        conn: &mut Connection,
        owner: &str,
        collection: &str,
        ids: &[String],
    ) -> Result<Option<AddResult>, DbError> {
        if !Self::owns(conn, owner, collection)? {
            return Ok(None);
        }
        let tx = conn.transaction()?;
        let mut result = AddResult::default();
        {
            let mut next: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM collection_items WHERE collection_id = ?1",
                [collection],
                |r| r.get(0),
            )?;
            let now = now_rfc3339();
            for id in ids {
                let known =
                    tx.query_row("SELECT 1 FROM companies WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some();
                if !known {
                    result.not_found.push(id.clone());
                    continue;
                }
                let inserted = tx.execute(
                    "INSERT OR IGNORE INTO collection_items (collection_id, company_id, added_at, seq) VALUES (?1, ?2, ?3, ?4)",
                    params![collection, id, now, next],
                )?;
                if inserted == 1 {
                    next += 1;
                    result.added.push(id.clone());
                } else {
                    result.already_present.push(id.clone());
                }
            }
        }
        tx.commit()?;
        Ok(Some(result))
    }

    pub fn request_email_discovery(
        &self,
        owner: &str,
        company: &str,
        department: &str,
        max_contacts: i64,
        key: Option<&str>,
    ) -> Result<DiscoveryRow, DbError> {
        self.once(owner, "requestEmailDiscovery", key, |conn| {
            Self::insert_discovery(conn, owner, company, department, max_contacts)
        })
    }

    fn insert_discovery(
        conn: &mut Connection,
        owner: &str,
        company: &str,
        department: &str,
        max_contacts: i64,
    ) -> Result<DiscoveryRow, DbError> {
        let n: i64 = conn.query_row("SELECT COUNT(*) + 1 FROM email_discoveries", [], |r| r.get(0))?;
        let row = DiscoveryRow {
            id: format!("disc_{n:06}"),
            company_id: company.to_owned(),
            department: department.to_owned(),
            max_contacts,
            status: "QUEUED".into(),
            created_at: now_rfc3339(),
        };
        conn.execute(
            "INSERT INTO email_discoveries (id, owner_id, company_id, department, max_contacts, status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![row.id, owner, row.company_id, row.department, row.max_contacts, row.status, row.created_at],
        )?;
        Ok(row)
    }

    /// Rows every mutation leaves, over all owners: collections, collection items, e-mail
    /// discovery requests (tests check that a refused call changed nothing at all).
    pub fn written_rows(&self) -> Result<[i64; 3], DbError> {
        let conn = self.lock();
        let count = |table: &str| -> Result<i64, DbError> {
            Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok([count("collections")?, count("collection_items")?, count("email_discoveries")?])
    }

    /// Requests stored for `owner` (tests check that a denied mutation wrote nothing).
    pub fn discovery_count(&self, owner: &str) -> Result<i64, DbError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM email_discoveries WHERE owner_id = ?1", [owner], |r| r.get(0))?)
    }
}

/// The company whose COMPANY_COLUMNS start at column `offset` (its rowid there, id next).
fn company_from_offset(r: &Row<'_>, offset: usize) -> rusqlite::Result<CompanyRow> {
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

/// Keep `limit` rows; a further row means there is a next page, starting after the last kept.
fn page<T>(mut rows: Vec<(i64, T)>, limit: usize) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(|(key, _)| token_for(*key)) } else { None };
    (rows.into_iter().map(|(_, row)| row).collect(), next)
}
