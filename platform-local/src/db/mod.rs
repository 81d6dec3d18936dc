//! The company database: SQLite on disk with an FTS5 index over names, domains and
//! descriptions, created and filled on first start from the deterministic generator.
//!
//! # Layout
//! [`Db`] (one connection behind a mutex) is opened here. Its queries live in the files below by
//! subject, each adding an `impl Db` block (`companies`, `collections`, `discoveries`,
//! `idempotency`), on top of three files that know nothing of [`Db`]:
//! - `types`: what goes in and comes out: [`Filter`], the rows, [`DbError`].
//! - `paging`: opaque `nextToken`s and cutting a page.
//! - `dataset`: the tables' schema and their fill from the generator (used by [`Db::open`]).
//! - `companies`: search (FTS5 and filters) and lookups.
//! - `collections`: an owner's collections and their items.
//! - `discoveries`: e-mail discovery requests, stored and read back by their owner.
//! - `idempotency`: a keyed mutation applied at most once.

mod collections;
mod companies;
mod dataset;
mod discoveries;
mod idempotency;
mod paging;
mod types;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension};

pub use types::{AddResult, CollectionRow, CompanyRow, DbError, DiscoveryRow, Filter, ItemsPage, StoredDiscovery};

/// One connection behind a mutex; SQLite calls are short and run on the blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

/// Bump when the generator or the tables change, so existing databases are rebuilt.
const DATASET_VERSION: u32 = 2;

/// Now, in UTC, as RFC 3339 (the `createdAt` and `addedAt` the platform records).
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
            dataset::build(&mut db.lock(), companies, seed, progress)?;
            db.lock().execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('dataset', ?1)", [&wanted])?;
        }
        Ok(db)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
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
}
