//! Normalisation of tool arguments before they reach the backend.
//!
//! Tool arguments come from an LLM as free-form text: `"germany"`, `"DEU"`,
//! `" https://www.Acme.com/about "`, names with stray tabs or non-breaking
//! spaces. Every tool runs its arguments through these functions so that the
//! GraphQL we build only ever sees one canonical form (upper-case ISO alpha-2
//! country codes, bare lower-case domains, single-spaced text), and so that
//! bad input fails early with a message the model can act on.
//!
//! Everything here is total: it must not panic on any input, however large or
//! strange, because the input is whatever the model decided to send.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::LazyLock;

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

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

/// Control characters count as whitespace: a stray `\0` or `\u{1b}` in a
/// name is never meaningful, and treating it as a separator keeps words apart.
/// So do invisible format characters (zero-width spaces and joiners, bidi
/// controls, word joiners, BOM): text made only of them must count as blank,
/// and bidi overrides could make a stored name read differently from its bytes.
fn is_space(c: char) -> bool {
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

/// Longest piece of user input echoed back in an error message, in chars.
const ECHO_MAX_CHARS: usize = 60;

fn echo(input: &str) -> String {
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

// ---------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------

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
fn name_key(input: &str) -> Option<String> {
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

/// Names people and models actually use that differ from the ISO short name.
/// Spellings that differ only in case, spacing, punctuation, accents or a
/// leading "the" need no entry: `name_key` already folds those.
const ALIASES: &[(&str, &str)] = &[
    ("United States", "US"),
    ("UK", "GB"),
    ("United Kingdom", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Czech Republic", "CZ"),
    ("South Korea", "KR"),
    ("Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, South", "KR"),
    ("North Korea", "KP"),
    ("Korea, North", "KP"),
    ("DPRK", "KP"),
    ("Democratic People's Republic of Korea", "KP"),
    ("Russia", "RU"),
    ("Vietnam", "VN"),
    ("Iran", "IR"),
    ("Syria", "SY"),
    ("Laos", "LA"),
    ("Bolivia", "BO"),
    ("Venezuela", "VE"),
    ("Tanzania", "TZ"),
    ("Moldova", "MD"),
    ("Republic of Moldova", "MD"),
    ("Taiwan", "TW"),
    ("Ivory Coast", "CI"),
    ("Holland", "NL"),
    ("Netherlands", "NL"),
    ("Kingdom of the Netherlands", "NL"),
    ("Turkey", "TR"),
    ("Macedonia", "MK"),
    ("Swaziland", "SZ"),
    ("Burma", "MM"),
    ("UAE", "AE"),
    ("Emirates", "AE"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Vatican City State", "VA"),
    ("Palestine", "PS"),
    ("State of Palestine", "PS"),
    ("Micronesia", "FM"),
    ("Brunei", "BN"),
    ("Cape Verde", "CV"),
    ("East Timor", "TL"),
    ("Congo-Kinshasa", "CD"),
    ("DR Congo", "CD"),
    ("DRC", "CD"),
    ("Democratic Republic of the Congo", "CD"),
    ("Congo-Brazzaville", "CG"),
    ("Republic of the Congo", "CG"),
    ("Slovak Republic", "SK"),
    ("Kyrgyz Republic", "KG"),
    ("Bosnia", "BA"),
    ("Macau", "MO"),
    ("Falkland Islands", "FK"),
    ("British Virgin Islands", "VG"),
    ("US Virgin Islands", "VI"),
    ("Saint Helena", "SH"),
    ("Bonaire", "BQ"),
    ("Saint Martin", "MF"),
    ("Sint Maarten", "SX"),
    ("Cocos Islands", "CC"),
    ("Keeling Islands", "CC"),
    ("Pitcairn Islands", "PN"),
    ("Svalbard", "SJ"),
    ("Heard and McDonald Islands", "HM"),
    ("Sao Tome", "ST"),
    ("Saint Kitts", "KN"),
    ("Saint Vincent", "VC"),
    ("Trinidad", "TT"),
];

/// All 249 ISO 3166-1 entries: (alpha-2, alpha-3, English short name).
/// Names follow the ISO English short name in its title-case form, with
/// inverted qualifiers ("Korea, Republic of") as ISO writes them.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AD", "AND", "Andorra"),
    ("AE", "ARE", "United Arab Emirates"),
    ("AF", "AFG", "Afghanistan"),
    ("AG", "ATG", "Antigua and Barbuda"),
    ("AI", "AIA", "Anguilla"),
    ("AL", "ALB", "Albania"),
    ("AM", "ARM", "Armenia"),
    ("AO", "AGO", "Angola"),
    ("AQ", "ATA", "Antarctica"),
    ("AR", "ARG", "Argentina"),
    ("AS", "ASM", "American Samoa"),
    ("AT", "AUT", "Austria"),
    ("AU", "AUS", "Australia"),
    ("AW", "ABW", "Aruba"),
    ("AX", "ALA", "Åland Islands"),
    ("AZ", "AZE", "Azerbaijan"),
    ("BA", "BIH", "Bosnia and Herzegovina"),
    ("BB", "BRB", "Barbados"),
    ("BD", "BGD", "Bangladesh"),
    ("BE", "BEL", "Belgium"),
    ("BF", "BFA", "Burkina Faso"),
    ("BG", "BGR", "Bulgaria"),
    ("BH", "BHR", "Bahrain"),
    ("BI", "BDI", "Burundi"),
    ("BJ", "BEN", "Benin"),
    ("BL", "BLM", "Saint Barthélemy"),
    ("BM", "BMU", "Bermuda"),
    ("BN", "BRN", "Brunei Darussalam"),
    ("BO", "BOL", "Bolivia, Plurinational State of"),
    ("BQ", "BES", "Bonaire, Sint Eustatius and Saba"),
    ("BR", "BRA", "Brazil"),
    ("BS", "BHS", "Bahamas"),
    ("BT", "BTN", "Bhutan"),
    ("BV", "BVT", "Bouvet Island"),
    ("BW", "BWA", "Botswana"),
    ("BY", "BLR", "Belarus"),
    ("BZ", "BLZ", "Belize"),
    ("CA", "CAN", "Canada"),
    ("CC", "CCK", "Cocos (Keeling) Islands"),
    ("CD", "COD", "Congo, Democratic Republic of the"),
    ("CF", "CAF", "Central African Republic"),
    ("CG", "COG", "Congo"),
    ("CH", "CHE", "Switzerland"),
    ("CI", "CIV", "Côte d'Ivoire"),
    ("CK", "COK", "Cook Islands"),
    ("CL", "CHL", "Chile"),
    ("CM", "CMR", "Cameroon"),
    ("CN", "CHN", "China"),
    ("CO", "COL", "Colombia"),
    ("CR", "CRI", "Costa Rica"),
    ("CU", "CUB", "Cuba"),
    ("CV", "CPV", "Cabo Verde"),
    ("CW", "CUW", "Curaçao"),
    ("CX", "CXR", "Christmas Island"),
    ("CY", "CYP", "Cyprus"),
    ("CZ", "CZE", "Czechia"),
    ("DE", "DEU", "Germany"),
    ("DJ", "DJI", "Djibouti"),
    ("DK", "DNK", "Denmark"),
    ("DM", "DMA", "Dominica"),
    ("DO", "DOM", "Dominican Republic"),
    ("DZ", "DZA", "Algeria"),
    ("EC", "ECU", "Ecuador"),
    ("EE", "EST", "Estonia"),
    ("EG", "EGY", "Egypt"),
    ("EH", "ESH", "Western Sahara"),
    ("ER", "ERI", "Eritrea"),
    ("ES", "ESP", "Spain"),
    ("ET", "ETH", "Ethiopia"),
    ("FI", "FIN", "Finland"),
    ("FJ", "FJI", "Fiji"),
    ("FK", "FLK", "Falkland Islands (Malvinas)"),
    ("FM", "FSM", "Micronesia, Federated States of"),
    ("FO", "FRO", "Faroe Islands"),
    ("FR", "FRA", "France"),
    ("GA", "GAB", "Gabon"),
    ("GB", "GBR", "United Kingdom of Great Britain and Northern Ireland"),
    ("GD", "GRD", "Grenada"),
    ("GE", "GEO", "Georgia"),
    ("GF", "GUF", "French Guiana"),
    ("GG", "GGY", "Guernsey"),
    ("GH", "GHA", "Ghana"),
    ("GI", "GIB", "Gibraltar"),
    ("GL", "GRL", "Greenland"),
    ("GM", "GMB", "Gambia"),
    ("GN", "GIN", "Guinea"),
    ("GP", "GLP", "Guadeloupe"),
    ("GQ", "GNQ", "Equatorial Guinea"),
    ("GR", "GRC", "Greece"),
    ("GS", "SGS", "South Georgia and the South Sandwich Islands"),
    ("GT", "GTM", "Guatemala"),
    ("GU", "GUM", "Guam"),
    ("GW", "GNB", "Guinea-Bissau"),
    ("GY", "GUY", "Guyana"),
    ("HK", "HKG", "Hong Kong"),
    ("HM", "HMD", "Heard Island and McDonald Islands"),
    ("HN", "HND", "Honduras"),
    ("HR", "HRV", "Croatia"),
    ("HT", "HTI", "Haiti"),
    ("HU", "HUN", "Hungary"),
    ("ID", "IDN", "Indonesia"),
    ("IE", "IRL", "Ireland"),
    ("IL", "ISR", "Israel"),
    ("IM", "IMN", "Isle of Man"),
    ("IN", "IND", "India"),
    ("IO", "IOT", "British Indian Ocean Territory"),
    ("IQ", "IRQ", "Iraq"),
    ("IR", "IRN", "Iran, Islamic Republic of"),
    ("IS", "ISL", "Iceland"),
    ("IT", "ITA", "Italy"),
    ("JE", "JEY", "Jersey"),
    ("JM", "JAM", "Jamaica"),
    ("JO", "JOR", "Jordan"),
    ("JP", "JPN", "Japan"),
    ("KE", "KEN", "Kenya"),
    ("KG", "KGZ", "Kyrgyzstan"),
    ("KH", "KHM", "Cambodia"),
    ("KI", "KIR", "Kiribati"),
    ("KM", "COM", "Comoros"),
    ("KN", "KNA", "Saint Kitts and Nevis"),
    ("KP", "PRK", "Korea, Democratic People's Republic of"),
    ("KR", "KOR", "Korea, Republic of"),
    ("KW", "KWT", "Kuwait"),
    ("KY", "CYM", "Cayman Islands"),
    ("KZ", "KAZ", "Kazakhstan"),
    ("LA", "LAO", "Lao People's Democratic Republic"),
    ("LB", "LBN", "Lebanon"),
    ("LC", "LCA", "Saint Lucia"),
    ("LI", "LIE", "Liechtenstein"),
    ("LK", "LKA", "Sri Lanka"),
    ("LR", "LBR", "Liberia"),
    ("LS", "LSO", "Lesotho"),
    ("LT", "LTU", "Lithuania"),
    ("LU", "LUX", "Luxembourg"),
    ("LV", "LVA", "Latvia"),
    ("LY", "LBY", "Libya"),
    ("MA", "MAR", "Morocco"),
    ("MC", "MCO", "Monaco"),
    ("MD", "MDA", "Moldova, Republic of"),
    ("ME", "MNE", "Montenegro"),
    ("MF", "MAF", "Saint Martin (French part)"),
    ("MG", "MDG", "Madagascar"),
    ("MH", "MHL", "Marshall Islands"),
    ("MK", "MKD", "North Macedonia"),
    ("ML", "MLI", "Mali"),
    ("MM", "MMR", "Myanmar"),
    ("MN", "MNG", "Mongolia"),
    ("MO", "MAC", "Macao"),
    ("MP", "MNP", "Northern Mariana Islands"),
    ("MQ", "MTQ", "Martinique"),
    ("MR", "MRT", "Mauritania"),
    ("MS", "MSR", "Montserrat"),
    ("MT", "MLT", "Malta"),
    ("MU", "MUS", "Mauritius"),
    ("MV", "MDV", "Maldives"),
    ("MW", "MWI", "Malawi"),
    ("MX", "MEX", "Mexico"),
    ("MY", "MYS", "Malaysia"),
    ("MZ", "MOZ", "Mozambique"),
    ("NA", "NAM", "Namibia"),
    ("NC", "NCL", "New Caledonia"),
    ("NE", "NER", "Niger"),
    ("NF", "NFK", "Norfolk Island"),
    ("NG", "NGA", "Nigeria"),
    ("NI", "NIC", "Nicaragua"),
    ("NL", "NLD", "Netherlands, Kingdom of the"),
    ("NO", "NOR", "Norway"),
    ("NP", "NPL", "Nepal"),
    ("NR", "NRU", "Nauru"),
    ("NU", "NIU", "Niue"),
    ("NZ", "NZL", "New Zealand"),
    ("OM", "OMN", "Oman"),
    ("PA", "PAN", "Panama"),
    ("PE", "PER", "Peru"),
    ("PF", "PYF", "French Polynesia"),
    ("PG", "PNG", "Papua New Guinea"),
    ("PH", "PHL", "Philippines"),
    ("PK", "PAK", "Pakistan"),
    ("PL", "POL", "Poland"),
    ("PM", "SPM", "Saint Pierre and Miquelon"),
    ("PN", "PCN", "Pitcairn"),
    ("PR", "PRI", "Puerto Rico"),
    ("PS", "PSE", "Palestine, State of"),
    ("PT", "PRT", "Portugal"),
    ("PW", "PLW", "Palau"),
    ("PY", "PRY", "Paraguay"),
    ("QA", "QAT", "Qatar"),
    ("RE", "REU", "Réunion"),
    ("RO", "ROU", "Romania"),
    ("RS", "SRB", "Serbia"),
    ("RU", "RUS", "Russian Federation"),
    ("RW", "RWA", "Rwanda"),
    ("SA", "SAU", "Saudi Arabia"),
    ("SB", "SLB", "Solomon Islands"),
    ("SC", "SYC", "Seychelles"),
    ("SD", "SDN", "Sudan"),
    ("SE", "SWE", "Sweden"),
    ("SG", "SGP", "Singapore"),
    ("SH", "SHN", "Saint Helena, Ascension and Tristan da Cunha"),
    ("SI", "SVN", "Slovenia"),
    ("SJ", "SJM", "Svalbard and Jan Mayen"),
    ("SK", "SVK", "Slovakia"),
    ("SL", "SLE", "Sierra Leone"),
    ("SM", "SMR", "San Marino"),
    ("SN", "SEN", "Senegal"),
    ("SO", "SOM", "Somalia"),
    ("SR", "SUR", "Suriname"),
    ("SS", "SSD", "South Sudan"),
    ("ST", "STP", "Sao Tome and Principe"),
    ("SV", "SLV", "El Salvador"),
    ("SX", "SXM", "Sint Maarten (Dutch part)"),
    ("SY", "SYR", "Syrian Arab Republic"),
    ("SZ", "SWZ", "Eswatini"),
    ("TC", "TCA", "Turks and Caicos Islands"),
    ("TD", "TCD", "Chad"),
    ("TF", "ATF", "French Southern Territories"),
    ("TG", "TGO", "Togo"),
    ("TH", "THA", "Thailand"),
    ("TJ", "TJK", "Tajikistan"),
    ("TK", "TKL", "Tokelau"),
    ("TL", "TLS", "Timor-Leste"),
    ("TM", "TKM", "Turkmenistan"),
    ("TN", "TUN", "Tunisia"),
    ("TO", "TON", "Tonga"),
    ("TR", "TUR", "Türkiye"),
    ("TT", "TTO", "Trinidad and Tobago"),
    ("TV", "TUV", "Tuvalu"),
    ("TW", "TWN", "Taiwan, Province of China"),
    ("TZ", "TZA", "Tanzania, United Republic of"),
    ("UA", "UKR", "Ukraine"),
    ("UG", "UGA", "Uganda"),
    ("UM", "UMI", "United States Minor Outlying Islands"),
    ("US", "USA", "United States of America"),
    ("UY", "URY", "Uruguay"),
    ("UZ", "UZB", "Uzbekistan"),
    ("VA", "VAT", "Holy See"),
    ("VC", "VCT", "Saint Vincent and the Grenadines"),
    ("VE", "VEN", "Venezuela, Bolivarian Republic of"),
    ("VG", "VGB", "Virgin Islands (British)"),
    ("VI", "VIR", "Virgin Islands (U.S.)"),
    ("VN", "VNM", "Viet Nam"),
    ("VU", "VUT", "Vanuatu"),
    ("WF", "WLF", "Wallis and Futuna"),
    ("WS", "WSM", "Samoa"),
    ("YE", "YEM", "Yemen"),
    ("YT", "MYT", "Mayotte"),
    ("ZA", "ZAF", "South Africa"),
    ("ZM", "ZMB", "Zambia"),
    ("ZW", "ZWE", "Zimbabwe"),
];

// ---------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------

const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

const EMPTY: &str = "it is empty";
const NO_HOST: &str = "it has no host name";
const NON_ASCII: &str = "it contains non-ASCII characters; pass the punycode (xn--) form, e.g. xn--mnchen-3ya.de";
const IP_ADDRESS: &str = "an IP address is not a company domain";
const TOO_LONG: &str = "it is longer than 253 characters";
const SINGLE_LABEL: &str = "it needs at least two labels separated by a dot";
const EMPTY_LABEL: &str = "it has an empty label (two dots in a row, or a leading dot)";
const LABEL_TOO_LONG: &str = "a label is longer than 63 characters";
const BAD_CHARS: &str = "labels may contain only letters a-z, digits 0-9 and hyphens";
const EDGE_HYPHEN: &str = "a label starts or ends with a hyphen";
const BAD_TLD: &str = "the top-level domain must be at least 2 letters (or an xn-- punycode label)";

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

#[cfg(test)]
mod tests {

    #[test]
    fn every_leading_www_label_goes_but_a_registrable_www_stays() {
        assert_eq!(domain("www.www.acme.com").as_deref(), Ok("acme.com"));
        assert_eq!(domain("https://WWW.www.acme.co.uk/x").as_deref(), Ok("acme.co.uk"));
        assert_eq!(domain("www.www.de").as_deref(), Ok("www.de"));
    }
    use super::*;
    use std::collections::HashSet;

    fn domain_reason(input: &str) -> Option<&'static str> {
        match domain(input) {
            Err(NormalizeError::InvalidDomain { reason, .. }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn alpha2_any_case() {
        for input in ["DE", "de", "De", "dE", " de ", "\tDE\n"] {
            assert_eq!(country_code(input), Ok("DE"), "{input:?}");
        }
        assert_eq!(country_code("gb"), Ok("GB"));
        assert_eq!(country_code("U.S."), Ok("US"));
    }

    #[test]
    fn alpha3_maps_to_alpha2() {
        assert_eq!(country_code("DEU"), Ok("DE"));
        assert_eq!(country_code("deu"), Ok("DE"));
        assert_eq!(country_code("GBR"), Ok("GB"));
        assert_eq!(country_code("usa"), Ok("US"));
        assert_eq!(country_code("U.S.A."), Ok("US"));
        // alpha-3 codes that do not start with the alpha-2 letters
        assert_eq!(country_code("COM"), Ok("KM"));
        assert_eq!(country_code("SGS"), Ok("GS"));
    }

    #[test]
    fn english_name_maps_to_alpha2() {
        assert_eq!(country_code("Germany"), Ok("DE"));
        assert_eq!(country_code("germany"), Ok("DE"));
        assert_eq!(country_code("  united \t states   of america "), Ok("US"));
        assert_eq!(country_code("Bosnia and Herzegovina"), Ok("BA"));
        assert_eq!(country_code("Czechia"), Ok("CZ"));
        assert_eq!(country_code("Korea, Republic of"), Ok("KR"));
    }

    #[test]
    fn name_matching_tolerates_punctuation_accents_and_the() {
        assert_eq!(country_code("Guinea Bissau"), Ok("GW"));
        assert_eq!(country_code("Timor Leste"), Ok("TL"));
        assert_eq!(country_code("Cote d'Ivoire"), Ok("CI"));
        assert_eq!(country_code("Côte d’Ivoire"), Ok("CI"));
        assert_eq!(country_code("COTE D IVOIRE"), Ok("CI"));
        assert_eq!(country_code("Aland Islands"), Ok("AX"));
        assert_eq!(country_code("Reunion"), Ok("RE"));
        assert_eq!(country_code("Curacao"), Ok("CW"));
        assert_eq!(country_code("Turkiye"), Ok("TR"));
        assert_eq!(country_code("The Gambia"), Ok("GM"));
        assert_eq!(country_code("the Bahamas"), Ok("BS"));
        assert_eq!(country_code("Korea Republic of"), Ok("KR"));
    }

    #[test]
    fn aliases_map() {
        let cases = [
            ("UK", "GB"),
            ("u.k.", "GB"),
            ("United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("Britain", "GB"),
            ("England", "GB"),
            ("USA", "US"),
            ("United States", "US"),
            ("United States of America", "US"),
            ("Czech Republic", "CZ"),
            ("South Korea", "KR"),
            ("Korea", "KR"),
            ("North Korea", "KP"),
            ("Russia", "RU"),
            ("Vietnam", "VN"),
            ("Viet Nam", "VN"),
            ("Iran", "IR"),
            ("Syria", "SY"),
            ("Laos", "LA"),
            ("Bolivia", "BO"),
            ("Venezuela", "VE"),
            ("Tanzania", "TZ"),
            ("Moldova", "MD"),
            ("Taiwan", "TW"),
            ("Ivory Coast", "CI"),
            ("Cote d'Ivoire", "CI"),
            ("Côte d'Ivoire", "CI"),
            ("Holland", "NL"),
            ("The Netherlands", "NL"),
            ("Netherlands", "NL"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Macedonia", "MK"),
            ("North Macedonia", "MK"),
            ("Swaziland", "SZ"),
            ("Eswatini", "SZ"),
            ("Burma", "MM"),
            ("Myanmar", "MM"),
            ("UAE", "AE"),
            ("United Arab Emirates", "AE"),
            ("Vatican", "VA"),
            ("Holy See", "VA"),
            ("Palestine", "PS"),
            ("Micronesia", "FM"),
            ("Brunei", "BN"),
            ("Cape Verde", "CV"),
            ("Cabo Verde", "CV"),
            ("East Timor", "TL"),
            ("Timor-Leste", "TL"),
            ("Congo-Kinshasa", "CD"),
            ("DR Congo", "CD"),
            ("Democratic Republic of the Congo", "CD"),
            ("Congo-Brazzaville", "CG"),
            ("Republic of the Congo", "CG"),
            ("Congo", "CG"),
        ];
        for (input, expected) in cases {
            assert_eq!(country_code(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn aliases_do_not_clash_with_names_or_each_other() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        let names = COUNTRIES.iter().map(|&(a2, _, name)| (name, a2));
        for (text, a2) in names.chain(ALIASES.iter().copied()) {
            let key = name_key(text);
            assert!(key.is_some(), "{text:?} is longer than MAX_KEY_BYTES");
            if let Some(key) = key {
                // A 2- or 3-letter alias ("UK", "UAE") is tried as a code
                // first, so it must not be an assigned code of another country.
                if let Ok(code) = country_code(&key) {
                    assert_eq!(code, a2, "{text:?} is shadowed by a code");
                }
                let previous = seen.insert(key, a2);
                assert!(previous.is_none_or(|p| p == a2), "{text:?} clashes");
            }
        }
        for &(alias, a2) in ALIASES {
            assert_eq!(country_code(alias), Ok(a2), "{alias:?}");
        }
    }

    #[test]
    fn unknown_country_error_names_the_forms() {
        let err = country_code("Atlantis");
        assert_eq!(err, Err(NormalizeError::UnknownCountry("Atlantis".into())));
        let message = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("\"Atlantis\""), "{message}");
        assert!(message.contains("alpha-2 code (e.g. DE)"), "{message}");
        assert!(message.contains("alpha-3 code (e.g. DEU)"), "{message}");
        assert!(message.contains("English name (e.g. Germany)"), "{message}");
        // unassigned codes and blanks are unknown, not guessed
        for input in ["", "   ", "XX", "ZZZ", "D", "Germanyy", "ж", "\u{0}"] {
            assert!(matches!(country_code(input), Err(NormalizeError::UnknownCountry(_))), "{input:?}");
        }
    }

    #[test]
    fn table_has_249_unique_entries() {
        assert_eq!(COUNTRIES.len(), 249);
        let alpha2: HashSet<&str> = COUNTRIES.iter().map(|c| c.0).collect();
        let alpha3: HashSet<&str> = COUNTRIES.iter().map(|c| c.1).collect();
        let names: HashSet<&str> = COUNTRIES.iter().map(|c| c.2).collect();
        assert_eq!(alpha2.len(), 249);
        assert_eq!(alpha3.len(), 249);
        assert_eq!(names.len(), 249);
        for &(a2, a3, name) in COUNTRIES {
            assert!(a2.len() == 2 && a2.bytes().all(|b| b.is_ascii_uppercase()), "{a2}");
            assert!(a3.len() == 3 && a3.bytes().all(|b| b.is_ascii_uppercase()), "{a3}");
            assert!(!name.is_empty() && name.trim() == name, "{name:?}");
        }
        let sorted = COUNTRIES.windows(2).all(|w| match w {
            [a, b] => a.0 < b.0,
            _ => true,
        });
        assert!(sorted, "keep COUNTRIES sorted by alpha-2");
    }

    #[test]
    fn every_alpha3_round_trips() {
        for &(a2, a3, name) in COUNTRIES {
            assert_eq!(country_code(a3), Ok(a2), "{a3}");
            assert_eq!(country_code(&a3.to_ascii_lowercase()), Ok(a2), "{a3}");
            assert_eq!(country_code(&a2.to_ascii_lowercase()), Ok(a2), "{a2}");
            assert_eq!(country_code(name), Ok(a2), "{name}");
            assert_eq!(country_code(&name.to_uppercase()), Ok(a2), "{name}");
            assert_eq!(country_name(a2), Some(name), "{a2}");
        }
    }

    #[test]
    fn country_name_renders_alpha2() {
        assert_eq!(country_name("DE"), Some("Germany"));
        assert_eq!(country_name("de"), Some("Germany"));
        assert_eq!(country_name("CZ"), Some("Czechia"));
        assert_eq!(country_name("UK"), None);
        assert_eq!(country_name("DEU"), None);
        assert_eq!(country_name(""), None);
        assert_eq!(country_name("ü"), None);
    }

    #[test]
    fn domain_from_url_strips_scheme_www_path() {
        assert_eq!(domain("https://www.Acme.com/about"), Ok("acme.com".into()));
        assert_eq!(domain("acme.com"), Ok("acme.com".into()));
        assert_eq!(domain("  www.acme.com  "), Ok("acme.com".into()));
        assert_eq!(domain("WWW.ACME.COM"), Ok("acme.com".into()));
        assert_eq!(domain("ftp://files.acme.com/pub"), Ok("files.acme.com".into()));
        assert_eq!(domain("//acme.com/x"), Ok("acme.com".into()));
        assert_eq!(domain("acme.com/go?to=http://evil.com"), Ok("acme.com".into()));
        assert_eq!(domain("https://acme.com/über"), Ok("acme.com".into()));
        // only a leading "www" label, and only if a domain is left after it
        assert_eq!(domain("www.com"), Ok("www.com".into()));
        assert_eq!(domain("shop.www.acme.com"), Ok("shop.www.acme.com".into()));
        assert_eq!(domain("xn--mnchen-3ya.de"), Ok("xn--mnchen-3ya.de".into()));
    }

    #[test]
    fn domain_strips_userinfo_port_query_fragment() {
        assert_eq!(domain("http://user:pw@sub.acme.co.uk:8080/x?y#z"), Ok("sub.acme.co.uk".into()));
        assert_eq!(domain("acme.com:443"), Ok("acme.com".into()));
        assert_eq!(domain("acme.com?ref=1"), Ok("acme.com".into()));
        assert_eq!(domain("acme.com#team"), Ok("acme.com".into()));
        assert_eq!(domain("https://u:p@ss@acme.com"), Ok("acme.com".into()));
        assert_eq!(domain("jane.doe@acme.com"), Ok("acme.com".into()));
        assert_eq!(domain("mailto:jane@acme.com"), Ok("acme.com".into()));
    }

    #[test]
    fn domain_trailing_dot() {
        assert_eq!(domain("ACME.COM."), Ok("acme.com".into()));
        assert_eq!(domain("https://acme.com./"), Ok("acme.com".into()));
        assert_eq!(domain_reason("acme.com.."), Some(EMPTY_LABEL));
    }

    #[test]
    fn domain_rejects() {
        let label63 = "a".repeat(63);
        let label64 = "a".repeat(64);
        let over_253 = [label63.as_str(); 4].join("."); // 255 chars
        let exactly_253 = format!("{}.{}.{}.{}", label63, label63, label63, "a".repeat(61));
        assert_eq!(exactly_253.len(), 253);
        assert_eq!(domain(&exactly_253), Ok(exactly_253.clone()));

        let cases: [(&str, &str); 21] = [
            ("", EMPTY),
            (" \t\n", EMPTY),
            ("https://", NO_HOST),
            ("https:///path", NO_HOST),
            ("localhost", SINGLE_LABEL),
            ("http://intranet/", SINGLE_LABEL),
            (&over_253, TOO_LONG),
            (".acme.com", EMPTY_LABEL),
            ("acme..com", EMPTY_LABEL),
            ("-acme.com", EDGE_HYPHEN),
            ("acme-.com", EDGE_HYPHEN),
            ("acme_corp.com", BAD_CHARS),
            ("acme corp.com", BAD_CHARS),
            ("acme.com,", BAD_CHARS),
            ("münchen.de", NON_ASCII),
            ("https://www.bücher.de/x", NON_ASCII),
            ("acme.123", BAD_TLD),
            ("acme.c", BAD_TLD),
            ("acme.c0m", BAD_TLD),
            ("192.168.0.1", IP_ADDRESS),
            ("http://[::1]:8080/", IP_ADDRESS),
        ];
        for (input, reason) in cases {
            assert_eq!(domain_reason(input), Some(reason), "{input:?}");
        }
        let too_long_label = format!("{label64}.com");
        assert_eq!(domain_reason(&too_long_label), Some(LABEL_TOO_LONG));

        let message = domain("münchen.de").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("invalid domain \"münchen.de\": "), "{message}");
        assert!(message.contains("xn--"), "{message}");
        assert!(
            message.ends_with("; pass a domain such as acme.com or a URL such as https://www.acme.com"),
            "{message}"
        );
    }

    #[test]
    fn error_echo_is_truncated() {
        let huge = "x".repeat(1 << 20);
        let expected = format!("{}…", "x".repeat(60));
        assert_eq!(country_code(&huge), Err(NormalizeError::UnknownCountry(expected.clone())));
        assert_eq!(domain(&huge), Err(NormalizeError::InvalidDomain { input: expected, reason: TOO_LONG }));
        let message = domain(&huge).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.len() < 300, "{}", message.len());

        // multi-byte input is cut on a char boundary
        let wide = format!("https://{}", "ü".repeat(1 << 20));
        let echoed = match domain(&wide) {
            Err(NormalizeError::InvalidDomain { input, .. }) => input,
            other => format!("{other:?}"),
        };
        assert_eq!(echoed, format!("https://{}…", "ü".repeat(52)));
        // exactly 60 chars is not cut
        let sixty = "y".repeat(60);
        assert_eq!(country_code(&sixty), Err(NormalizeError::UnknownCountry(sixty.clone())));
    }

    #[test]
    fn collapse_whitespace_trims_and_collapses() {
        assert_eq!(collapse_whitespace("  Acme \t\n GmbH  "), "Acme GmbH");
        assert_eq!(collapse_whitespace("Acme\u{a0}\u{a0}GmbH"), "Acme GmbH");
        assert_eq!(collapse_whitespace("\u{3000}Acme\u{3000}GmbH\u{3000}"), "Acme GmbH");
        assert_eq!(collapse_whitespace("Acme\r\nGmbH"), "Acme GmbH");
        assert_eq!(collapse_whitespace("Acme\u{0}\u{7}\u{1b}GmbH\u{7f}"), "Acme GmbH");
        assert_eq!(collapse_whitespace("Acme\u{2028}\u{2009}GmbH"), "Acme GmbH");
        assert_eq!(collapse_whitespace("Müller & Söhne"), "Müller & Söhne");
        assert_eq!(collapse_whitespace(""), "");
        assert_eq!(collapse_whitespace(" \t\u{a0}\u{0} "), "");
    }

    #[test]
    fn invisible_format_characters_count_as_blank() {
        assert_eq!(non_empty(Some("\u{200B}\u{200B}")), None);
        assert_eq!(non_empty(Some("\u{200E}\u{FEFF}\u{2060}")), None);
        assert_eq!(collapse_whitespace("Acme\u{202E}Corp\u{2069}"), "Acme Corp");
    }

    #[test]
    fn non_empty_treats_blank_as_missing() {
        assert_eq!(non_empty(None), None);
        assert_eq!(non_empty(Some("")), None);
        assert_eq!(non_empty(Some(" \t\n\u{a0}\u{3000}\u{0}")), None);
        assert_eq!(non_empty(Some("  Acme   GmbH ")), Some("Acme GmbH".into()));
    }
}
