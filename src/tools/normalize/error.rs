//! The one error normalisation fails with, and how much of the input it may echo.

use super::text::is_space;

/// Errors carry a shortened copy of the offending input, never the whole of
/// it, so that a huge argument is not echoed back into the model's context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NormalizeError {
    #[error(
        "unknown country {0:?}: use an ISO 3166-1 alpha-2 code (e.g. DE), an alpha-3 code (e.g. DEU) or the English name (e.g. Germany)"
    )]
    UnknownCountry(String),
    #[error("invalid domain {input:?}: {reason}; pass a domain such as acme.com or a URL such as https://www.acme.com")]
    InvalidDomain { input: String, reason: &'static str },
}

/// Longest piece of user input echoed back in an error message, in chars.
const ECHO_MAX_CHARS: usize = 60;

pub(super) fn echo(input: &str) -> String {
    let trimmed = input.trim_matches(is_space);
    match trimmed.char_indices().nth(ECHO_MAX_CHARS) {
        Some((cut, _)) => {
            let mut out = String::with_capacity(cut + '…'.len_utf8());
            // `cut` comes from char_indices, so it is a char boundary.
            out.push_str(trimmed.get(..cut).unwrap_or_default());
            out.push('…');
            out
        }
        None => trimmed.to_owned(),
    }
}
