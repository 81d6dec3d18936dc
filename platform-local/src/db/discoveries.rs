//! E-mail discovery requests: stored as queued, read back by their owner only (with the domain
//! of their company, which the contacts are made at), and counted for the tests. How a request
//! progresses is not stored: `crate::discovery` derives it from the request's age.

use rusqlite::{Connection, OptionalExtension, params};

use super::types::{DbError, DiscoveryRow, StoredDiscovery};
use super::{Db, now_rfc3339};

impl Db {
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

    /// Request `id` of `owner`, `None` when that owner has no request with that id (another
    /// owner's request included).
    pub fn email_discovery(&self, owner: &str, id: &str) -> Result<Option<StoredDiscovery>, DbError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT d.id, d.company_id, d.department, d.max_contacts, d.status, d.created_at, c.domain
             FROM email_discoveries d LEFT JOIN companies c ON c.id = d.company_id
             WHERE d.id = ?1 AND d.owner_id = ?2",
        )?;
        let found = stmt
            .query_row(params![id, owner], |r| {
                Ok(StoredDiscovery {
                    request: DiscoveryRow {
                        id: r.get(0)?,
                        company_id: r.get(1)?,
                        department: r.get(2)?,
                        max_contacts: r.get(3)?,
                        status: r.get(4)?,
                        created_at: r.get(5)?,
                    },
                    domain: r.get(6)?,
                })
            })
            .optional()?;
        Ok(found)
    }

    /// Requests stored for `owner` (tests check that a denied mutation wrote nothing).
    pub fn discovery_count(&self, owner: &str) -> Result<i64, DbError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM email_discoveries WHERE owner_id = ?1", [owner], |r| r.get(0))?)
    }
}
