//! Idempotency keys: a mutation carrying one is applied at most once per owner, operation and key
//! within the retention, and a repeat gets the first result back.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Db;
use super::types::DbError;

/// How long the platform remembers an idempotency key (the server's retention).
const KEY_RETENTION_SECONDS: i64 = 86_400;

impl Db {
    /// Apply a mutation at most once per `(owner, operation, key)` within a day: a repeat with the
    /// same idempotency key gets the first result and changes nothing (what a real platform offers
    /// as a client token). Without a key it simply runs. Check, apply and record happen under one
    /// lock. A key older than the retention, or whose record cannot be read back, applies anew.
    pub(super) fn once<T: Serialize + DeserializeOwned>(
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
}
