//! The platform's GraphQL API, code-first with async-graphql, mirroring `schema.graphql` type for
//! type and field for field (a test in the server's suite compares the two). Resolvers read and
//! write the SQLite database; errors carry AppSync's `errorType`.
//!
//! # Layout
//! - `resolve`: what every resolver shares: AppSync errors, the page-size cap, database calls
//!   on the blocking pool.
//! - `types`: the schema's object, enum and input types, and their conversions from and to the
//!   database's rows and filters.
//! - `query`, `mutation`: the root types' resolvers.
//! - `discovery`: an e-mail discovery request as it stands now (status by age, contacts when done).
//!
//! This file builds the schema, with the fault-injection extension (see `faults`).

mod discovery;
mod mutation;
mod query;
mod resolve;
mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::db::Db;
use crate::discovery::DiscoverySchedule;
use crate::faults::InjectResolverError;
pub use mutation::Mutation;
pub use query::Query;
pub use resolve::appsync_error;
pub use types::{
    AddToCollectionInput, AddToCollectionResult, AiSearchFilters, AiSearchResult, AwsDateTime, AwsEmail, AwsUrl,
    Collection, CollectionConnection, CollectionItem, CollectionItemConnection, Company, CompanyConnection,
    CompanySearchFilter, CreateCollectionInput, Department, DiscoveredContact, DiscoveryStatus, EmailDiscovery,
    EmailDiscoveryInput, EmailDiscoveryRequest,
};

pub type PlatformSchema = Schema<Query, Mutation, EmptySubscription>;

/// The executable schema: every request goes through the fault extension (it acts only when asked);
/// e-mail discovery requests progress on `schedule`.
pub fn schema(db: Db, schedule: DiscoverySchedule) -> PlatformSchema {
    Schema::build(Query, Mutation, EmptySubscription).extension(InjectResolverError).data(db).data(schedule).finish()
}

/// The SDL this server implements (compared with `schema.graphql` in tests).
pub fn sdl() -> String {
    Schema::build(Query, Mutation, EmptySubscription).finish().sdl()
}

#[cfg(test)]
mod tests;
