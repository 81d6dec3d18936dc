//! Who may do what: the one place that decides, for a caller and a tool this deployment offers,
//! whether the caller may see it in `tools/list` and call it. `tools/list`, `tools/call` and the
//! `company://` resource all ask here, so what a caller sees is exactly what it may call.
//! README "Who may do what" is the same table in prose.
//!
//! | caller                  | reads | mutations (stage allows them)           | tool scopes (`TOOL_SCOPES`) |
//! |-------------------------|-------|-----------------------------------------|-----------------------------|
//! | JWT                     | yes   | with the `WRITE_SCOPE` scope            | with that scope             |
//! | Lambda authorizer       | yes   | with `WRITE_SCOPE` in `scope`/`scopes`  | with that scope             |
//! | IAM user / role         | yes   | if its stable ARN matches `IAM_WRITERS` | never (IAM carries no scope)|
//! | Cognito identity pool   | yes   | if its role matches `IAM_WRITERS`       | never                       |
//! | local (loopback, stdio) | yes   | yes                                     | yes                         |
//! | anonymous (Lambda)      | only with `ALLOW_ANONYMOUS_READS`, and not the owner-scoped ones | no | no |
//!
//! The deployment's own switches (`ALLOW_MUTATIONS`, `DISABLED_TOOLS`) are applied first, by the
//! registry; what is left here is the caller's part.

use crate::config::Config;
use crate::error::ToolError;
use crate::inbound::caller::{Caller, PrincipalSource};
use crate::mcp::registry::ToolEntry;
use crate::tools::ToolKind;

/// May `caller` call `entry`? `Err` carries the refusal the caller reads (and the audit records
/// as denied). The same answer decides whether the tool is listed for the caller.
pub fn check(caller: &Caller, config: &Config, entry: &ToolEntry) -> Result<(), ToolError> {
    if caller.source == PrincipalSource::Anonymous || caller.principal.is_none() {
        let readable = config.allow_anonymous_reads && entry.kind == ToolKind::Read && !entry.needs_owner;
        if !readable || required_scope(config, entry.name).is_some() {
            return Err(ToolError::NoPrincipal);
        }
        return Ok(());
    }
    if entry.kind == ToolKind::Mutation && !may_write(caller, config) {
        return Err(ToolError::Forbidden(write_refusal(caller, config)));
    }
    if let Some(scope) = required_scope(config, entry.name)
        && !holds_scope(caller, scope)
    {
        return Err(ToolError::Forbidden(format!(
            "tool {} needs the `{scope}` scope, which this caller was not granted; reconnect granting `{scope}`",
            entry.name
        )));
    }
    Ok(())
}

/// May `caller` use the mutation tools (where the stage offers them)?
pub fn may_write(caller: &Caller, config: &Config) -> bool {
    match caller.source {
        PrincipalSource::Jwt | PrincipalSource::LambdaAuthorizer => caller.has_scope(&config.write_scope),
        PrincipalSource::Iam | PrincipalSource::Cognito => {
            caller.iam_arn.as_deref().is_some_and(|arn| config.iam_writers.iter().any(|w| arn_matches(w, arn)))
        }
        PrincipalSource::Local => true,
        PrincipalSource::Anonymous => false,
    }
}

/// Can what `tools/list` shows depend on who asks? Then clients and intermediaries must not share
/// it (`cacheScope: private`).
pub fn list_depends_on_caller(config: &Config, offered: &[ToolEntry]) -> bool {
    if config.inbound_auth == crate::config::InboundAuth::Off {
        return false; // one caller: the local principal
    }
    offered.iter().any(|e| {
        e.kind == ToolKind::Mutation
            || required_scope(config, e.name).is_some()
            || (config.allow_anonymous_reads && e.needs_owner)
    })
}

fn required_scope<'a>(config: &'a Config, tool: &str) -> Option<&'a str> {
    config.tool_scopes.iter().find(|(t, _)| t == tool).map(|(_, scope)| scope.as_str())
}

fn holds_scope(caller: &Caller, scope: &str) -> bool {
    match caller.source {
        PrincipalSource::Local => true,
        PrincipalSource::Jwt | PrincipalSource::LambdaAuthorizer => caller.has_scope(scope),
        PrincipalSource::Iam | PrincipalSource::Cognito | PrincipalSource::Anonymous => false,
    }
}

/// An `IAM_WRITERS` entry against a stable caller ARN: exact, or a prefix before a trailing `*`.
fn arn_matches(pattern: &str, arn: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => arn.starts_with(prefix),
        None => pattern == arn,
    }
}

/// What a caller without the write grant reads: what it lacks and how to get it.
fn write_refusal(caller: &Caller, config: &Config) -> String {
    let scope = &config.write_scope;
    match caller.source {
        PrincipalSource::Jwt => format!(
            "this tool changes data and needs a token with the `{scope}` scope, which this token lacks; reconnect granting `{scope}`"
        ),
        PrincipalSource::LambdaAuthorizer => format!(
            "this tool changes data and needs the `{scope}` scope, which this caller's authorizer did not grant"
        ),
        PrincipalSource::Iam | PrincipalSource::Cognito => {
            "this tool changes data, and this IAM identity may only read here (it is not one of the stage's IAM_WRITERS)".to_owned()
        }
        PrincipalSource::Local | PrincipalSource::Anonymous => ToolError::NoPrincipal.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_patterns_match_exactly_or_by_prefix() {
        assert!(arn_matches("arn:aws:iam::1:role/crm-sync", "arn:aws:iam::1:role/crm-sync"));
        assert!(!arn_matches("arn:aws:iam::1:role/crm-sync", "arn:aws:iam::1:role/crm-sync-2"));
        assert!(arn_matches("arn:aws:iam::1:role/crm-*", "arn:aws:iam::1:role/crm-sync-2"));
        assert!(!arn_matches("arn:aws:iam::1:role/crm-*", "arn:aws:iam::2:role/crm-sync"));
    }
}
