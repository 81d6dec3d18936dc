//! Normalisation of tool arguments before they reach the backend.
//!
//! Tool arguments come from an LLM as free-form text: `"germany"`, `"DEU"`,
//! `" https://www.Acme.com/about "`, names with stray tabs or non-breaking
//! spaces. Every tool runs its arguments through these functions so that the
//! GraphQL we build only ever sees one canonical form (upper-case ISO alpha-2
//! country codes, bare lower-case domains, single-spaced text), and so that
//! bad input fails early with a message the model can act on.
//!
//! - [`text`]: whitespace and blank arguments;
//! - [`country`]: ISO 3166-1 codes and names (the tables in `country_tables`);
//! - [`domain`]: bare lower-case domains from domains, URLs and e-mail-like input.
//!
//! Everything here is total: it must not panic on any input, however large or
//! strange, because the input is whatever the model decided to send.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod country;
mod country_tables;
mod domain;
mod error;
#[cfg(test)]
mod tests;
mod text;

pub(crate) use country::{country_code, country_name};
pub(crate) use domain::domain;
#[cfg(test)]
pub(crate) use text::collapse_whitespace;
pub(crate) use text::non_empty;
