//! What `aiSearch` understands of a sentence, deterministically: an industry from the taxonomy,
//! a country, an employee range, and whatever words are left as keywords. ("SaaS companies in
//! Germany with 50-200 employees" -> industry SaaS, country DE, employees 50..200.)
//!
//! Plain data in, plain data out: the GraphQL layer turns an [`Interpretation`] into the schema's
//! `AiSearchFilters` (this module knows nothing of the schema).

use crate::generate::INDUSTRIES;

/// What a sentence was understood to ask for; `None` where it said nothing.
#[derive(Default, Clone, Debug, PartialEq)]
pub struct Interpretation {
    /// The words left over, as search keywords.
    pub query: Option<String>,
    /// Alpha-2 country code.
    pub country: Option<String>,
    /// One of the taxonomy's industry names.
    pub industry: Option<String>,
    pub employees_min: Option<i32>,
    pub employees_max: Option<i32>,
}

/// English names (and a few common forms) of the countries the generator uses.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("united states", "US"),
    ("usa", "US"),
    ("america", "US"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("germany", "DE"),
    ("france", "FR"),
    ("netherlands", "NL"),
    ("holland", "NL"),
    ("spain", "ES"),
    ("italy", "IT"),
    ("sweden", "SE"),
    ("norway", "NO"),
    ("denmark", "DK"),
    ("switzerland", "CH"),
    ("austria", "AT"),
    ("poland", "PL"),
    ("japan", "JP"),
    ("australia", "AU"),
    ("canada", "CA"),
    ("india", "IN"),
    ("brazil", "BR"),
    ("singapore", "SG"),
    ("ireland", "IE"),
    ("finland", "FI"),
    ("belgium", "BE"),
    ("israel", "IL"),
    ("portugal", "PT"),
    ("mexico", "MX"),
    ("german", "DE"),
    ("french", "FR"),
    ("dutch", "NL"),
    ("spanish", "ES"),
    ("italian", "IT"),
    ("swedish", "SE"),
    ("british", "GB"),
    ("american", "US"),
    ("japanese", "JP"),
    ("canadian", "CA"),
    ("swiss", "CH"),
];

/// Words that point at an industry without naming it.
const INDUSTRY_WORDS: &[(&str, &str)] = &[
    ("software", "SaaS"),
    ("saas", "SaaS"),
    ("payments", "Fintech"),
    ("fintech", "Fintech"),
    ("banking", "Fintech"),
    ("security", "Cybersecurity"),
    ("cybersecurity", "Cybersecurity"),
    ("health", "Healthcare"),
    ("healthcare", "Healthcare"),
    ("medical", "Healthcare"),
    ("biotech", "Biotechnology"),
    ("ai", "Artificial Intelligence"),
    ("ecommerce", "E-commerce"),
    ("e-commerce", "E-commerce"),
    ("logistics", "Logistics"),
    ("shipping", "Logistics"),
    ("energy", "Energy"),
    ("solar", "Energy"),
    ("education", "Education"),
    ("edtech", "Education"),
    ("marketing", "Marketing"),
    ("insurance", "Insurance"),
    ("insurtech", "Insurance"),
    ("gaming", "Gaming"),
    ("retail", "Retail"),
    ("manufacturing", "Manufacturing"),
    ("automotive", "Automotive"),
    ("media", "Media"),
    ("consulting", "Consulting"),
    ("semiconductor", "Semiconductors"),
    ("semiconductors", "Semiconductors"),
];

const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "for",
    "in",
    "at",
    "on",
    "with",
    "from",
    "to",
    "that",
    "which",
    "who",
    "are",
    "is",
    "companies",
    "company",
    "firms",
    "firm",
    "businesses",
    "business",
    "startups",
    "startup",
    "employees",
    "employee",
    "staff",
    "people",
    "based",
    "located",
    "headquartered",
    "between",
    "more",
    "than",
    "less",
    "fewer",
    "over",
    "under",
    "below",
    "above",
    "greater",
    "least",
    "most",
    "up",
    "around",
    "about",
    "find",
    "us",
    "show",
    "me",
    "list",
    "all",
    "some",
    "any",
];

fn number(word: &str) -> Option<i32> {
    let w = word.trim_end_matches('+');
    if let Some(k) = w.strip_suffix('k') {
        return k.parse::<i32>().ok().map(|n| n.saturating_mul(1000));
    }
    w.replace(',', "").parse().ok()
}

/// Where `tokens` stand as consecutive whole words in `words`.
fn find_phrase(words: &[&str], tokens: &[&str]) -> Option<usize> {
    if tokens.is_empty() {
        return None;
    }
    words.windows(tokens.len()).position(|window| window == tokens)
}

fn mark(used: &mut [bool], i: usize) {
    if let Some(flag) = used.get_mut(i) {
        *flag = true;
    }
}

/// Read `sentence`; the same sentence always gives the same answer.
pub fn interpret(sentence: &str) -> Interpretation {
    let lower = sentence.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '+' || c == ','))
        .map(|w| w.trim_matches(|c| c == ',' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut used = vec![false; words.len()];
    let mut out = Interpretation::default();

    // Industry: a taxonomy name (whole words, possibly several) or an industry word.
    let industry_hit = INDUSTRIES
        .iter()
        .filter_map(|industry| {
            let lower_name = industry.to_lowercase();
            let tokens: Vec<&str> = lower_name.split_whitespace().filter(|t| *t != "&").collect();
            find_phrase(&words, &tokens).map(|start| (start, tokens.len(), *industry))
        })
        .min_by_key(|(start, _, _)| *start)
        .or_else(|| {
            words.iter().enumerate().find_map(|(i, w)| {
                INDUSTRY_WORDS.iter().find(|(word, _)| word == w).map(|(_, industry)| (i, 1, *industry))
            })
        });
    if let Some((start, len, industry)) = industry_hit {
        out.industry = Some(industry.to_owned());
        (start..start + len).for_each(|i| mark(&mut used, i));
    }

    // Country: the first country named in the sentence.
    let country_hit = COUNTRY_NAMES
        .iter()
        .filter_map(|(name, code)| {
            let tokens: Vec<&str> = name.split(' ').collect();
            find_phrase(&words, &tokens).map(|start| (start, tokens.len(), *code))
        })
        .min_by_key(|(start, _, _)| *start);
    if let Some((start, len, code)) = country_hit {
        out.country = Some(code.to_owned());
        (start..start + len).for_each(|i| mark(&mut used, i));
    }
    // Other country words would only narrow the keywords to nothing.
    for (i, w) in words.iter().enumerate() {
        if COUNTRY_NAMES.iter().any(|(name, _)| name == w) {
            mark(&mut used, i);
        }
    }

    // Employees: "50-200", "50 to 200", "between 50 and 200", "over 500", "fewer than 50", "1k+".
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        if let Some((a, b)) = w.split_once('-').and_then(|(a, b)| Some((number(a)?, number(b)?))) {
            (out.employees_min, out.employees_max) = (Some(a.min(b)), Some(a.max(b)));
            mark(&mut used, i);
        } else if let Some(n) = number(w) {
            mark(&mut used, i);
            let at = |k: Option<usize>| k.and_then(|k| words.get(k)).copied();
            let (before, two_back, after) = (at(i.checked_sub(1)), at(i.checked_sub(2)), at(Some(i + 1)));
            let range_end = matches!(after, Some("to" | "and")).then(|| at(Some(i + 2)).and_then(number)).flatten();
            if let Some(m) = range_end {
                (out.employees_min, out.employees_max) = (Some(n.min(m)), Some(n.max(m)));
                mark(&mut used, i + 2);
                i += 2;
            } else if matches!(before, Some("under" | "below" | "most"))
                || (before == Some("than") && matches!(two_back, Some("less" | "fewer")))
            {
                out.employees_max = Some(n);
            } else if matches!(before, Some("over" | "above" | "least"))
                || (before == Some("than") && matches!(two_back, Some("more" | "greater")))
                || w.ends_with('+')
            {
                out.employees_min = Some(n);
            }
        }
        i += 1;
    }

    let keywords: Vec<&str> =
        words.iter().zip(&used).filter(|(w, used)| !**used && !STOPWORDS.contains(w)).map(|(w, _)| *w).collect();
    out.query = (!keywords.is_empty()).then(|| keywords.join(" "));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn f(s: &str) -> Interpretation {
        interpret(s)
    }

    #[test]
    fn the_issue_example() {
        let r = f("SaaS companies in Germany with 50-200 employees");
        assert_eq!(
            r,
            Interpretation {
                query: None,
                country: Some("DE".into()),
                industry: Some("SaaS".into()),
                employees_min: Some(50),
                employees_max: Some(200)
            }
        );
    }

    #[test]
    fn ranges_in_words() {
        assert_eq!((f("fintech firms in France with more than 500 employees").employees_min), Some(500));
        assert_eq!(f("startups with fewer than 50 staff").employees_max, Some(50));
        let r = f("companies with between 10 and 40 employees");
        assert_eq!((r.employees_min, r.employees_max), (Some(10), Some(40)));
        assert_eq!(f("1k+ employees logistics").employees_min, Some(1000));
    }

    #[test]
    fn multiword_names_and_leftover_keywords() {
        let r = f("Cybersecurity companies in the United Kingdom doing threat detection");
        assert_eq!(r.industry.as_deref(), Some("Cybersecurity"));
        assert_eq!(r.country.as_deref(), Some("GB"));
        assert_eq!(r.query.as_deref(), Some("doing threat detection"));
    }

    #[test]
    fn names_match_whole_words_and_the_first_country_wins() {
        let r = f("multimedia startups");
        assert_eq!((r.industry, r.query.as_deref()), (None, Some("multimedia")));
        let r = f("e-commerce companies in France");
        assert_eq!((r.industry.as_deref(), r.country.as_deref(), r.query), (Some("E-commerce"), Some("FR"), None));
        let r = f("find us fintech companies in Spain");
        assert_eq!((r.country.as_deref(), r.query), (Some("ES"), None));
        let r = f("german companies in france");
        assert_eq!((r.country.as_deref(), r.query), (Some("DE"), None));
        assert_eq!(f("Data & Analytics firms").industry.as_deref(), Some("Data & Analytics"));
    }

    #[test]
    fn same_sentence_same_answer() {
        assert_eq!(f("payments companies in Spain"), f("payments companies in Spain"));
    }
}
