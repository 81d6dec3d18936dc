//! Normalisation, one behaviour per test (property tests are in tools/properties.rs).

#[test]
fn every_leading_www_label_goes_but_a_registrable_www_stays() {
    assert_eq!(domain("www.www.acme.com").as_deref(), Ok("acme.com"));
    assert_eq!(domain("https://WWW.www.acme.co.uk/x").as_deref(), Ok("acme.co.uk"));
    assert_eq!(domain("www.www.de").as_deref(), Ok("www.de"));
}
use std::collections::HashMap;

use super::country::name_key;
use super::country_tables::{ALIASES, COUNTRIES};
use super::domain::*;
use super::error::NormalizeError;
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
    assert!(message.ends_with("; pass a domain such as acme.com or a URL such as https://www.acme.com"), "{message}");
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
