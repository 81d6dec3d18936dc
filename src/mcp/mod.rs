//! The protocol: the MCP handler, one tool call end to end, which tools this deployment offers
//! and to whom, the resources and the prompts.

pub mod authz;
pub mod catalog;
pub mod confirm;
pub mod dispatch;
pub mod handler;
pub mod prompts;
pub mod registry;
pub mod resources;
pub mod state;
pub mod tasks;
