//! Countries: any code, name or alias to the canonical ISO 3166-1 alpha-2 code.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::country_tables::{ALIASES, COUNTRIES};
use super::error::{NormalizeError, echo};
use super::text::is_space;

/// Country: ISO 3166-1 alpha-2 code, alpha-3 code, or English short name (or
/// a common alias such as "UK" or "South Korea"), any case, surrounding and
/// inner whitespace tolerated. Returns the canonical upper-case alpha-2 code:
/// `"de"`, `"DEU"`, `"Germany"`, `"germany"` all give `"DE"`.
///
/// Two-letter input is tried as alpha-2 first and three-letter input as
/// alpha-3 first; anything else (and any code that is not assigned, such as
/// "UK") is looked up among names and aliases.
pub(crate) fn country_code(input: &str) -> Result<&'static str, NormalizeError> {
    lookup_country(input).ok_or_else(|| NormalizeError::UnknownCountry(echo(input)))
}

/// English short name for an alpha-2 code (any case), for rendering text:
/// `"DE"` gives `Some("Germany")`.
pub(crate) fn country_name(alpha2: &str) -> Option<&'static str> {
    by_alpha2(alpha2.trim_matches(is_space)).map(|&(_, _, name)| name)
}

fn lookup_country(input: &str) -> Option<&'static str> {
    let key = name_key(input)?;
    let by_code = match key.len() {
        2 => by_alpha2(&key).map(|&(alpha2, _, _)| alpha2),
        3 => COUNTRIES.iter().find(|(_, alpha3, _)| alpha3.eq_ignore_ascii_case(&key)).map(|&(alpha2, _, _)| alpha2),
        _ => None,
    };
    by_code.or_else(|| NAMES.get(&key).copied())
}

/// A code is found by reading the table (249 short rows, a few thousand instructions): no index
/// to build on a cold start's first call, which usually names a code.
fn by_alpha2(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    COUNTRIES.iter().find(|(alpha2, _, _)| alpha2.eq_ignore_ascii_case(code))
}

/// No table key comes close to this; longer input cannot match, so we stop
/// reading it instead of lower-casing a megabyte of text.
const MAX_KEY_BYTES: usize = 64;

/// Matching key for codes, names and aliases: lower-cased, common Latin
/// diacritics folded, a leading "the" dropped, and everything except letters
/// and digits removed. Removing spaces and punctuation entirely (rather than
/// mapping them to spaces) makes "Guinea-Bissau", "Guinea Bissau",
/// "Cote d'Ivoire", "Cote d Ivoire" and "U.S.A." all meet their table entry.
/// `None` means the input is too long to be any country.
pub(super) fn name_key(input: &str) -> Option<String> {
    let trimmed = input.trim_matches(is_space);
    let trimmed = match trimmed.split_once(is_space) {
        Some((first, rest)) if first.eq_ignore_ascii_case("the") => rest,
        _ => trimmed,
    };
    let mut key = String::with_capacity(trimmed.len().min(MAX_KEY_BYTES));
    for c in trimmed.chars() {
        for lower in c.to_lowercase() {
            let folded = fold_diacritic(lower);
            if folded.is_alphanumeric() {
                key.push(folded);
                if key.len() > MAX_KEY_BYTES {
                    return None;
                }
            }
        }
    }
    Some(key)
}

/// Only the accents that occur in country names or in how people commonly
/// spell them; this is not general transliteration.
fn fold_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ş' | 'š' | 'ś' => 's',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ž' | 'ź' | 'ż' => 'z',
        other => other,
    }
}

/// name_key of a short name or alias -> canonical alpha-2, built on the first lookup by name.
static NAMES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut names = HashMap::with_capacity(COUNTRIES.len() + ALIASES.len());
    for &(alpha2, _, name) in COUNTRIES {
        if let Some(key) = name_key(name) {
            names.insert(key, alpha2);
        }
    }
    // Aliases must resolve to the &'static alpha-2 from COUNTRIES, and an
    // official name always wins over an alias (the tests check none clash).
    for &(alias, alpha2) in ALIASES {
        if let (Some(key), Some(&(canonical, _, _))) = (name_key(alias), by_alpha2(alpha2)) {
            names.entry(key).or_insert(canonical);
        }
    }
    names
});
