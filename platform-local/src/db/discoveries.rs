//! E-mail discovery requests: stored as queued (the local platform discovers nothing), and
//! counted for the tests.

use rusqlite::{Connection, params};

use super::types::{DbError, DiscoveryRow};
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

    /// Requests stored for `owner` (tests check that a denied mutation wrote nothing).
    pub fn discovery_count(&self, owner: &str) -> Result<i64, DbError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM email_discoveries WHERE owner_id = ?1", [owner], |r| r.get(0))?)
    }
}
