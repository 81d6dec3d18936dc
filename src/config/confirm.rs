//! Which calls need the person's yes before they run (CONFIRM_TOOLS), what happens for a client
//! that cannot ask (CONFIRM_FALLBACK), and where the key that seals a pending confirmation lives
//! (CONFIRM_KEY_SECRET_ARN). `crate::mcp::confirm` applies them.

use super::error::ConfigError;
use super::read::{comma_list, invalid};

/// The tool that needs a yes unless the stage says otherwise: it is billed.
pub const DEFAULT_CONFIRM_TOOLS: &str = "request_email_discovery";

/// What a call that needs a yes does when the client cannot ask (a 2025-era client over
/// stateless HTTP, or a 2026-07-28 client without form elicitation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFallback {
    /// Refused with a message saying the client cannot confirm paid actions.
    Refuse,
    /// Run without asking (dev stages only).
    Allow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmConfig {
    /// Tools that need a yes (checked against the registry's names).
    pub tools: Vec<String>,
    pub fallback: ConfirmFallback,
    /// The Secrets Manager secret holding the sealing key every instance of the stage shares;
    /// `None`: a random key per process (a laptop, one container), said at start.
    pub key_secret_arn: Option<String>,
}

/// CONFIRM_TOOLS (default: the paid tool; empty: none), CONFIRM_FALLBACK (default refuse;
/// `allow` is refused in prod and staging) and CONFIRM_KEY_SECRET_ARN.
pub(super) fn confirm_from_lookup(
    get: &impl Fn(&str) -> Option<String>,
    stage: &str,
) -> Result<ConfirmConfig, ConfigError> {
    let tools = match get("CONFIRM_TOOLS") {
        Some(list) => comma_list(Some(list)),
        None => vec![DEFAULT_CONFIRM_TOOLS.to_owned()],
    };
    let fallback = match get("CONFIRM_FALLBACK").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("refuse") => ConfirmFallback::Refuse,
        Some("allow") if matches!(stage, "prod" | "staging") => {
            return Err(invalid("CONFIRM_FALLBACK", "allow", "refuse in prod and staging: a paid call needs a yes"));
        }
        Some("allow") => ConfirmFallback::Allow,
        Some(other) => return Err(invalid("CONFIRM_FALLBACK", other, "refuse or allow")),
    };
    let key_secret_arn = get("CONFIRM_KEY_SECRET_ARN").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(arn) = &key_secret_arn
        && !arn.starts_with("arn:")
    {
        return Err(invalid("CONFIRM_KEY_SECRET_ARN", arn, "a Secrets Manager secret ARN"));
    }
    Ok(ConfirmConfig { tools, fallback, key_secret_arn })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm(vars: &[(&str, &str)], stage: &str) -> Result<ConfirmConfig, ConfigError> {
        confirm_from_lookup(&|name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()), stage)
    }

    #[test]
    fn the_paid_tool_needs_a_yes_and_other_clients_are_refused_by_default() {
        let c = confirm(&[], "prod").unwrap();
        assert_eq!(c.tools, ["request_email_discovery"]);
        assert_eq!(c.fallback, ConfirmFallback::Refuse);
        assert_eq!(c.key_secret_arn, None);
        assert!(confirm(&[("CONFIRM_TOOLS", "")], "dev").unwrap().tools.is_empty(), "empty: none");
    }

    #[test]
    fn allowing_unconfirmed_paid_calls_is_refused_in_prod_and_staging() {
        for stage in ["prod", "staging"] {
            let error = confirm(&[("CONFIRM_FALLBACK", "allow")], stage).unwrap_err().to_string();
            assert!(error.contains("CONFIRM_FALLBACK"), "{error}");
        }
        assert_eq!(confirm(&[("CONFIRM_FALLBACK", "ALLOW")], "dev").unwrap().fallback, ConfirmFallback::Allow);
        assert!(confirm(&[("CONFIRM_FALLBACK", "maybe")], "dev").is_err());
        assert!(confirm(&[("CONFIRM_KEY_SECRET_ARN", "my-key")], "dev").is_err());
    }
}
