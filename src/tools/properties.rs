//! Property tests for every normaliser and validator: whatever the input, they never panic,
//! what they accept is within the documented limits, and they are idempotent (their output,
//! fed back, comes out unchanged), so a value normalised once is never normalised differently.

use proptest::prelude::*;

use super::args::{self, MAX_IDS_PER_CALL, MAX_LIMIT};
use super::normalize::{collapse_whitespace, country_code, domain, non_empty};

/// Strings that look like what models and users send: ASCII, whitespace of every kind,
/// controls, zero-width and bidi marks, NUL, non-Latin letters, URL punctuation.
fn messy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \t\r\n\u{00a0}\u{2003}\u{200b}\u{202e}\u{feff}\u{0}a-zA-Z0-9.:/@?#_%-]{0,80}",
        "(https?://)?(www\\.)?[a-zA-Z0-9-]{1,20}(\\.[a-zA-Z]{2,6}){1,3}(:[0-9]{1,5})?(/[a-z]{0,8})?",
        "[A-Za-z]{2,3}",
        "(https?://)?([wW]{3}\\.){1,3}[a-z]{1,6}(\\.[a-z]{2,3}){0,2}\\.?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn whitespace_collapses_once_and_for_all(input in messy()) {
        let once = collapse_whitespace(&input);
        prop_assert_eq!(collapse_whitespace(&once), once.clone());
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        prop_assert!(!once.chars().any(|c| c.is_control()));
        match non_empty(Some(&input)) {
            Some(text) => prop_assert!(!text.is_empty() && text == once),
            None => prop_assert!(once.is_empty()),
        }
    }

    #[test]
    fn countries_are_two_upper_case_letters_and_stable(input in messy()) {
        if let Ok(code) = country_code(&input) {
            prop_assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
            prop_assert_eq!(country_code(code).ok(), Some(code));
        }
    }

    #[test]
    fn domains_are_bare_lower_case_hosts_and_stable(input in messy()) {
        if let Ok(host) = domain(&input) {
            prop_assert!(host.len() <= 253 && host.is_ascii() && host == host.to_ascii_lowercase(), "{host}");
            prop_assert!(!host.contains(['/', ':', '@', '?', '#', ' ']), "{host}");
            // "www." is dropped unless it is the registrable label itself ("www.de").
            prop_assert!(host.strip_prefix("www.").is_none_or(|rest| !rest.contains('.')), "{host}");
            prop_assert_eq!(domain(&host).ok(), Some(host.clone()));
        }
    }

    #[test]
    fn limits_are_applied_within_1_to_100(n in any::<i64>()) {
        match args::limit(Some(n)) {
            Ok(limit) => {
                prop_assert!((1..=MAX_LIMIT).contains(&limit.applied));
                prop_assert_eq!(limit.capped, n > i64::from(MAX_LIMIT));
                prop_assert_eq!(args::limit(Some(i64::from(limit.applied))).ok().map(|l| l.applied), Some(limit.applied));
            }
            Err(_) => prop_assert!(n < 1),
        }
    }

    #[test]
    fn ids_cursors_and_keys_keep_their_alphabet_and_length(input in messy()) {
        if let Ok(id) = args::id("id", &input) {
            prop_assert!((1..=128).contains(&id.chars().count()));
            prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)));
            prop_assert_eq!(args::id("id", &id).ok(), Some(id.clone()));
        }
        if let Ok(Some(cursor)) = args::cursor(Some(input.clone())) {
            prop_assert!(cursor.chars().count() <= 2048 && cursor.chars().all(|c| c.is_ascii_graphic()));
            prop_assert_eq!(args::cursor(Some(cursor.clone())).ok(), Some(Some(cursor.clone())));
        }
        if let Ok(Some(key)) = args::idempotency_key("k", Some(&input)) {
            prop_assert!((1..=100).contains(&key.chars().count()));
            prop_assert_eq!(args::idempotency_key("k", Some(&key)).ok(), Some(Some(key.clone())));
        }
    }

    #[test]
    fn free_text_is_bounded_and_normalised(input in messy(), max in 1usize..300) {
        if let Ok(Some(text)) = args::text("t", Some(&input), max) {
            prop_assert!(text.chars().count() <= max);
            prop_assert_eq!(collapse_whitespace(&text), text.clone());
            prop_assert_eq!(args::text("t", Some(&text), max).ok(), Some(Some(text.clone())));
        }
    }

    #[test]
    fn id_lists_are_distinct_ordered_and_bounded(ids in proptest::collection::vec("[a-c]{1,2}|c_[0-9]{1,3}| ?x ?", 0..120)) {
        match args::id_list("ids", &ids, MAX_IDS_PER_CALL) {
            Ok(list) => {
                prop_assert!((1..=MAX_IDS_PER_CALL).contains(&list.len()));
                let mut seen = std::collections::HashSet::new();
                prop_assert!(list.iter().all(|id| seen.insert(id.clone())), "distinct");
                let firsts: Vec<String> = ids.iter().map(|i| i.trim().to_owned()).fold(Vec::new(), |mut acc, id| {
                    if !acc.contains(&id) { acc.push(id); }
                    acc
                });
                prop_assert_eq!(&list, &firsts, "first occurrences, in order");
                prop_assert_eq!(args::id_list("ids", &list, MAX_IDS_PER_CALL).ok(), Some(list.clone()));
            }
            Err(_) => {
                let distinct: std::collections::HashSet<String> = ids.iter().map(|i| i.trim().to_owned()).collect();
                prop_assert!(distinct.is_empty() || distinct.len() > MAX_IDS_PER_CALL || distinct.iter().any(|i| args::id("ids", i).is_err()));
            }
        }
    }
}
