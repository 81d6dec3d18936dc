//! The HTTP face: the Streamable HTTP router and its guard, the OAuth metadata, and the two ways a
//! request arrives (a Lambda event, `serve`'s own listener).

pub mod http;
pub mod lambda;
pub mod serve;
