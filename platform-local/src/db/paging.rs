//! Pagination: `nextToken`s are opaque to clients ("p1." and the last row id of the page), and a
//! page is cut by asking for one row more than the limit.

use super::types::DbError;

/// Page tokens are opaque to clients: "p1." followed by the last row id of the page.
fn token_for(rowid: i64) -> String {
    format!("p1.{rowid}")
}

pub(super) fn after_rowid(token: Option<&str>) -> Result<i64, DbError> {
    match token {
        None => Ok(0),
        Some(t) => {
            t.strip_prefix("p1.").and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or(DbError::BadToken)
        }
    }
}

/// Keep `limit` rows; a further row means there is a next page, starting after the last kept.
pub(super) fn page<T>(mut rows: Vec<(i64, T)>, limit: usize) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(|(key, _)| token_for(*key)) } else { None };
    (rows.into_iter().map(|(_, row)| row).collect(), next)
}
