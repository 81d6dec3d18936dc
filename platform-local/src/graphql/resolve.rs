//! What every resolver shares: errors in AppSync's shape, the page-size cap, and database calls
//! run on the blocking pool with their errors mapped.

use async_graphql::ErrorExtensions;

use crate::db::DbError;

/// An error the way AppSync reports it: `errorType` plus a message.
pub fn appsync_error(error_type: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("errorType", error_type))
}

fn db_error(e: DbError) -> async_graphql::Error {
    match e {
        DbError::BadToken => appsync_error("BadRequestException", "Invalid nextToken"),
        DbError::TooManyTerms => appsync_error("BadRequestException", "query has more than 64 words"),
        DbError::Sqlite(e) => {
            tracing::error!(error = %e, "database error");
            appsync_error("InternalFailure", "internal error")
        }
    }
}

/// AppSync caps page sizes; so do we (the MCP server never asks for more than 100).
pub(super) fn page_size(limit: i32) -> async_graphql::Result<usize> {
    if (1..=1000).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(appsync_error("BadRequestException", "limit must be between 1 and 1000"))
    }
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> async_graphql::Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(db_error),
        Err(_) => Err(appsync_error("InternalFailure", "internal error")),
    }
}
