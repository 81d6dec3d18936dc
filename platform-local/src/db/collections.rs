//! Collections: an owner's list, a collection's items (only to its owner), creating one and adding
//! companies to one (each keyed mutation applied at most once, see `idempotency`).

use rusqlite::{Connection, OptionalExtension, params};

use super::paging::{after_rowid, page};
use super::types::{AddResult, COMPANY_COLUMNS, CollectionRow, CompanyRow, DbError, ItemsPage, company_from_offset};
use super::{Db, now_rfc3339};

impl Db {
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
}
