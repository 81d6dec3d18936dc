//! Domains: a bare, lower-case, ASCII host name from whatever the model sent.

use super::error::{NormalizeError, echo};
use super::text::is_space;

pub(super) const MAX_DOMAIN_LEN: usize = 253;
pub(super) const MAX_LABEL_LEN: usize = 63;

pub(super) const EMPTY: &str = "it is empty";
pub(super) const NO_HOST: &str = "it has no host name";
pub(super) const NON_ASCII: &str =
    "it contains non-ASCII characters; pass the punycode (xn--) form, e.g. xn--mnchen-3ya.de";
pub(super) const IP_ADDRESS: &str = "an IP address is not a company domain";
pub(super) const TOO_LONG: &str = "it is longer than 253 characters";
pub(super) const SINGLE_LABEL: &str = "it needs at least two labels separated by a dot";
pub(super) const EMPTY_LABEL: &str = "it has an empty label (two dots in a row, or a leading dot)";
pub(super) const LABEL_TOO_LONG: &str = "a label is longer than 63 characters";
pub(super) const BAD_CHARS: &str = "labels may contain only letters a-z, digits 0-9 and hyphens";
pub(super) const EDGE_HYPHEN: &str = "a label starts or ends with a hyphen";
pub(super) const BAD_TLD: &str = "the top-level domain must be at least 2 letters (or an xn-- punycode label)";

/// Company domain from a bare domain or a URL:
/// `"https://www.Acme.com/about"` gives `"acme.com"`, `"ACME.COM."` gives
/// `"acme.com"`, `"http://user:pw@sub.acme.co.uk:8080/x?y#z"` gives
/// `"sub.acme.co.uk"`.
///
/// Models paste whatever they found (homepage URLs, e-mail addresses,
/// upper-case names), while the backend keys companies on the bare registrable
/// host, so everything around the host is stripped before validating it.
pub(crate) fn domain(input: &str) -> Result<String, NormalizeError> {
    let fail = |reason| Err(NormalizeError::InvalidDomain { input: echo(input), reason });
    let trimmed = input.trim_matches(is_space);
    if trimmed.is_empty() {
        return fail(EMPTY);
    }
    let host = host_of(trimmed);
    if host.is_empty() {
        return fail(NO_HOST);
    }
    if host.starts_with('[') {
        return fail(IP_ADDRESS);
    }
    // Checked on the host only, so that a URL with a non-ASCII path or an
    // e-mail address with a non-ASCII local part still works.
    if !host.is_ascii() {
        return fail(NON_ASCII);
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let host = strip_www(host);
    match check_host(host) {
        Ok(()) => Ok(host.to_ascii_lowercase()),
        Err(reason) => fail(reason),
    }
}

/// The host part of a URL-ish string: without scheme, userinfo, port, path,
/// query and fragment. Every delimiter searched for is ASCII, so all the
/// slicing below happens on char boundaries.
fn host_of(s: &str) -> &str {
    let rest = match s.split_once("://") {
        // Only a real scheme counts, so "acme.com/go?to=http://x" keeps its host.
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        _ => s.strip_prefix("//").unwrap_or(s),
    };
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or(rest);
    // rsplit: a password may itself contain '@'. This also turns an e-mail
    // address (or "mailto:x@acme.com") into its domain.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        // IPv6 literal; its colons are not a port separator.
        host_port
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    host.trim_matches(is_space)
}

fn is_scheme(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// "www." is a web-server convention, not part of the company's domain. It is
/// kept when nothing registrable would be left ("www.com").
/// Drop leading `www.` labels ("www.www.acme.com" too), keeping the last one when it is the
/// registrable label itself ("www.de"), so that normalising twice changes nothing.
fn strip_www(mut host: &str) -> &str {
    while let (Some(prefix), Some(rest)) = (host.get(..4), host.get(4..)) {
        if !(prefix.eq_ignore_ascii_case("www.") && rest.contains('.')) {
            break;
        }
        host = rest;
    }
    host
}

/// Validates an ASCII host (any case) against the rules for a public domain.
fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err(NO_HOST);
    }
    if host.len() > MAX_DOMAIN_LEN {
        return Err(TOO_LONG);
    }
    if !host.contains('.') {
        return Err(SINGLE_LABEL);
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(EMPTY_LABEL);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(LABEL_TOO_LONG);
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(BAD_CHARS);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(EDGE_HYPHEN);
        }
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(IP_ADDRESS);
    }
    let tld = host.rsplit('.').next().unwrap_or(host);
    let punycode = tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
    if tld.len() < 2 || !(punycode || tld.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(BAD_TLD);
    }
    Ok(())
}
