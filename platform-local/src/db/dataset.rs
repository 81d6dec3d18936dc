//! The data set: the tables (companies with their FTS5 index, collections and their items,
//! e-mail discoveries) dropped and created anew, and `companies` rows generated from `seed` in one
//! transaction, with a progress bar for `make run`.

use rusqlite::{Connection, params};

use super::types::DbError;
use crate::generate;

/// Replace the data set with `companies` companies generated from `seed`.
pub(super) fn build(conn: &mut Connection, companies: u64, seed: u64, progress: bool) -> Result<(), DbError> {
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
