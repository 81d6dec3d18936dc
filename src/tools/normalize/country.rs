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
    let code = lower_array::<2>(alpha2.trim_matches(is_space))?;
    INDEX.alpha2.get(&code).map(|&(_, name)| name)
}

fn lookup_country(input: &str) -> Option<&'static str> {
    let key = name_key(input)?;
    let index = &*INDEX;
    let by_code = match key.len() {
        2 => lower_array::<2>(&key).and_then(|code| index.alpha2.get(&code)).map(|&(alpha2, _)| alpha2),
        3 => lower_array::<3>(&key).and_then(|code| index.alpha3.get(&code)).copied(),
        _ => None,
    };
    by_code.or_else(|| index.names.get(&key).copied())
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

/// Exactly `N` ASCII bytes, lower-cased; `None` for any other length or for
/// non-ASCII (so a two-byte "ж" is never mistaken for a two-letter code).
fn lower_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    if !s.is_ascii() {
        return None;
    }
    let mut out: [u8; N] = s.as_bytes().try_into().ok()?;
    out.make_ascii_lowercase();
    Some(out)
}

struct CountryIndex {
    /// lower-case alpha-2 -> (canonical alpha-2, English short name)
    alpha2: HashMap<[u8; 2], (&'static str, &'static str)>,
    /// lower-case alpha-3 -> canonical alpha-2
    alpha3: HashMap<[u8; 3], &'static str>,
    /// name_key of a short name or alias -> canonical alpha-2
    names: HashMap<String, &'static str>,
}

static INDEX: LazyLock<CountryIndex> = LazyLock::new(|| {
    let mut index = CountryIndex {
        alpha2: HashMap::with_capacity(COUNTRIES.len()),
        alpha3: HashMap::with_capacity(COUNTRIES.len()),
        names: HashMap::with_capacity(COUNTRIES.len() + ALIASES.len()),
    };
    for &(alpha2, alpha3, name) in COUNTRIES {
        if let Some(code) = lower_array::<2>(alpha2) {
            index.alpha2.insert(code, (alpha2, name));
        }
        if let Some(code) = lower_array::<3>(alpha3) {
            index.alpha3.insert(code, alpha2);
        }
        if let Some(key) = name_key(name) {
            index.names.insert(key, alpha2);
        }
    }
    // Aliases must resolve to the &'static alpha-2 from COUNTRIES, and an
    // official name always wins over an alias (the tests check none clash).
    for &(alias, alpha2) in ALIASES {
        let canonical = lower_array::<2>(alpha2).and_then(|c| index.alpha2.get(&c).map(|e| e.0));
        if let (Some(key), Some(canonical)) = (name_key(alias), canonical) {
            index.names.entry(key).or_insert(canonical);
        }
    }
    index
});
