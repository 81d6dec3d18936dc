//! # platform-local
//!
//! A local stand-in for the B2B platform's AWS AppSync API, so the MCP server can be run and
//! tested against a real backend on any machine: the same GraphQL schema over HTTP at
//! `/graphql`, a SQLite FTS5 company database built from a deterministic generator, AppSync's
//! three auth modes verified for real (API key, SigV4, OIDC JWT), AppSync's error shapes, and
//! fault injection. Kept out of the Lambda build (its own workspace member).
//!
//! # Layout
//! Top-down, in the order a request travels; each module uses only modules listed after it.
//! - `server` (private; [`start`], [`Settings`] and [`Running`] are re-exported here): the
//!   HTTP face: `/graphql`, the fault admin endpoint, the sign-in's token, discovery and JWKS.
//! - `request_log` (private): the record of each GraphQL request run, with its trace ids, as a
//!   JSON line on stdout.
//! - [`tls`]: HTTPS, local/test only: a CA and certificate made at first start, the TLS accept
//!   loop (`tls/`: files, serve).
//! - [`defaults`]: the test-only credentials `make run` and the tests share.
//! - [`auth`]: AppSync-faithful request authentication (`auth/`: dispatch, SigV4, JWT, test keys).
//! - [`graphql`]: the schema and resolvers (`graphql/`: types, query, mutation, discovery).
//! - [`discovery`]: how an e-mail discovery request progresses (QUEUED, RUNNING, done) with its
//!   age, on a schedule `--discovery-schedule` sets.
//! - [`interpret`]: the deterministic reading of `aiSearch` sentences.
//! - [`faults`]: injected latency, HTTP errors, malformed bodies, resolver errors.
//! - [`db`]: the SQLite database and its queries (`db/`: one file per subject).
//! - [`generate`]: deterministic company profiles (`generate/`: names, draws, descriptions, data)
//!   and the synthetic contacts of a completed discovery (`generate/contacts`).
//! - [`testing`]: for tests and benches: a temporary platform (HTTP or HTTPS), a TLS front for
//!   any plain server, free ports and port waits.

pub mod auth;
pub mod db;
pub mod defaults;
pub mod discovery;
pub mod faults;
pub mod generate;
pub mod graphql;
pub mod interpret;
mod request_log;
mod server;
pub mod testing;
pub mod tls;

pub use server::{Running, Settings, start};
