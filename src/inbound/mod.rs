//! Who is calling: the caller from the API Gateway authorizer context, a bearer token checked by
//! `serve` itself, or the local principal.

pub mod caller;
pub mod token;
