//! Text: trimmed, single-spaced, blank counts as missing.

/// Control characters count as whitespace: a stray `\0` or `\u{1b}` in a
/// name is never meaningful, and treating it as a separator keeps words apart.
/// So do invisible format characters (zero-width spaces and joiners, bidi
/// controls, word joiners, BOM): text made only of them must count as blank,
/// and bidi overrides could make a stored name read differently from its bytes.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Trim and collapse every run of Unicode whitespace (and ASCII control
/// characters, which are treated as whitespace) into one ASCII space.
pub(crate) fn collapse_whitespace(input: &str) -> String {
    let trimmed = input.trim_matches(is_space);
    let mut out = String::with_capacity(trimmed.len());
    let mut in_gap = false;
    for c in trimmed.chars() {
        if is_space(c) {
            in_gap = true;
        } else {
            if in_gap {
                out.push(' ');
                in_gap = false;
            }
            out.push(c);
        }
    }
    out
}

/// [`collapse_whitespace`], then `None` if the result is empty: an argument
/// that is blank after trimming counts as missing, because models often send
/// `""` or `" "` for "no value".
pub(crate) fn non_empty(input: Option<&str>) -> Option<String> {
    input.map(collapse_whitespace).filter(|s| !s.is_empty())
}
