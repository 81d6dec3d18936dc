//! The HTTP face: the Streamable HTTP router ([`router`]) with its guard, the caller check and the
//! OAuth metadata, and the two ways a request arrives (a Lambda event, `serve`'s own listener).

mod authenticate;
mod body_scan;
mod guard;
pub mod lambda;
pub mod oauth;
pub mod router;
pub mod serve;

pub use router::app;
