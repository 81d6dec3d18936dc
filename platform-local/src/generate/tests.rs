//! Tests of the generator: determinism, unique ids and domains, fields within their documented
//! ranges, and the distributions (long tail, country weights, every industry used).

use std::collections::{HashMap, HashSet};

use super::draws::{EMPLOYEE_BANDS, employee_range};
use super::names::{Slot, gcd, slot, tables, write_label};
use super::tables::{COUNTRY_DATA, INDUSTRY_DATA, TECHNOLOGIES};
use super::*;

const SEED: u64 = 42;

#[test]
fn same_seed_same_company() {
    for i in [0, 1, 7, 999, 123_456] {
        assert_eq!(company(SEED, i), company(SEED, i));
    }
    let differing = (0..100).filter(|&i| company(SEED, i) != company(SEED + 1, i)).count();
    assert_eq!(differing, 100);
    assert_ne!(company(SEED, 3).name, company(SEED + 1, 3).name);
}

#[test]
fn order_independent() {
    let alone = company(SEED, 500);
    let forward: Vec<GeneratedCompany> = (0..1_000).map(|i| company(SEED, i)).collect();
    assert_eq!(forward[500], alone);
    let backward: Vec<GeneratedCompany> = (0..1_000).rev().map(|i| company(SEED, i)).collect();
    assert_eq!(backward[499], alone);
    let _ = company(SEED + 1, 500);
    assert_eq!(company(SEED, 500), alone);
}

#[test]
fn ids_and_domains_unique_for_200k() {
    let mut ids = HashSet::new();
    let mut domains = HashSet::new();
    let mut slugs = HashSet::new();
    for i in 0..200_000 {
        let c = company(SEED, i);
        assert!(ids.insert(c.id), "duplicate id at {i}");
        let label = c.domain.split('.').next().unwrap().to_owned();
        assert!(slugs.insert(c.linkedin_url), "duplicate linkedin slug at {i}");
        assert!(domains.insert(label), "duplicate domain label at {i}: {}", c.domain);
    }
}

/// The joined spellings ("brightpathsecurity") and bare brands never coincide; hyphenated
/// ones are unique because brands and words are distinct, hyphen-free and letters only.
#[test]
fn domain_labels_unique_by_construction() {
    let t = tables();
    let brands: HashSet<&str> = t.brands.iter().map(|b| b.lower.as_str()).collect();
    let words: HashSet<&str> = t.words.iter().map(|w| w.lower.as_str()).collect();
    assert_eq!(brands.len(), t.brands.len());
    assert_eq!(words.len(), t.words.len());
    for s in brands.iter().chain(words.iter()) {
        assert!(!s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase()), "{s}");
    }
    let mut joined = HashSet::with_capacity(t.brands.len() * t.words.len());
    let mut label = String::new();
    for brand in 0..t.brands.len() {
        for word in 0..t.words.len() {
            label.clear();
            write_label(t, Slot { brand, word, joined: true, generation: 0 }, &mut label);
            assert!(joined.insert(label.clone()), "joined label collides: {label}");
        }
    }
    assert_eq!(t.space, (t.brands.len() * t.words.len() * 2) as u64);
    assert_eq!(gcd(t.mult, t.space), 1);
}

#[test]
fn domain_labels_unique_across_generations() {
    let t = tables();
    let mut labels = HashSet::new();
    let mut label = String::new();
    let ranges = [0..20_000, t.space - 20_000..t.space + 20_000, 2 * t.space - 10_000..2 * t.space + 10_000];
    for i in ranges.into_iter().flatten() {
        label.clear();
        write_label(t, slot(t, SEED, i), &mut label);
        assert_eq!(label.bytes().any(|b| b.is_ascii_digit()), i >= t.space, "{label}");
        assert!(labels.insert(label.clone()), "duplicate label {label} at {i}");
    }
    // The shuffle is a bijection: one generation covers every slot once.
    let mut slots = HashSet::new();
    for i in 0..t.space.min(300_000) {
        assert!(slots.insert(slot(t, SEED, i)));
    }
}

fn rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'Z'
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap())
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap())
        && s[11..13].parse::<u32>().unwrap() < 24
        && s[14..16].parse::<u32>().unwrap() < 60
        && s[17..19].parse::<u32>().unwrap() < 60
}

#[test]
fn fields_within_documented_ranges() {
    for i in 0..20_000 {
        let c = company(SEED, i);
        assert_eq!(c.id, format!("c_{i:07}"));
        assert!((1..=400_000).contains(&c.employees), "{c:?}");
        assert_eq!(c.employee_range, employee_range(c.employees));
        let band = EMPLOYEE_BANDS.iter().find(|b| b.3 == c.employee_range).unwrap();
        assert!(c.employees >= band.0, "{c:?}");
        assert!(c.employee_range == "10001+" || c.employees <= band.1, "{c:?}");
        assert!((1900..=2025).contains(&c.founded_year), "{c:?}");
        assert!((2..=6).contains(&c.technologies.len()), "{c:?}");
        let distinct: HashSet<_> = c.technologies.iter().collect();
        assert_eq!(distinct.len(), c.technologies.len(), "{c:?}");
        assert!(c.technologies.iter().all(|t| TECHNOLOGIES.contains(t)));
        let chars = c.description.chars().count();
        assert!((80..=400).contains(&chars), "{chars}: {}", c.description);
        let kind = INDUSTRY_DATA.iter().find(|d| d.name == c.industry).unwrap().kind;
        assert!(c.description.contains(kind), "{}", c.description);
        assert!(INDUSTRIES.contains(&c.industry));
        assert!(countries().contains(&c.country));
        assert!(cities(c.country).contains(&c.city), "{c:?}");
        assert!(!c.region.is_empty());
        assert!(c.legal_name.starts_with(c.name.split(' ').next().unwrap()));
        assert!(c.name == c.legal_name || c.legal_name.starts_with(&format!("{} ", c.name)), "{c:?}");
        assert_eq!(c.website, format!("https://www.{}", c.domain));
        assert!(c.domain.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'));
        assert!(c.domain.contains('.') && !c.domain.starts_with('-'));
        let slug = c.linkedin_url.strip_prefix("https://www.linkedin.com/company/").unwrap();
        assert!(!slug.is_empty() && c.domain.starts_with(&format!("{slug}.")), "{c:?}");
        assert!(rfc3339_utc(&c.updated_at), "{}", c.updated_at);
        assert!(c.updated_at.as_str() >= "2025-01-01T00:00:00Z" && c.updated_at.as_str() < "2026-11-01T00:00:00Z");
        assert!(
            ["<$1M", "$1M-$10M", "$10M-$50M", "$50M-$100M", "$100M-$500M", "$500M-$1B", "$1B+"]
                .contains(&c.revenue_range)
        );
    }
}

#[test]
fn long_tail() {
    let mut employees: Vec<i64> = (0..20_000).map(|i| company(SEED, i).employees).collect();
    employees.sort_unstable();
    assert!(employees[employees.len() / 2] < 200, "median {}", employees[employees.len() / 2]);
    let big = employees.iter().filter(|&&e| e > 10_000).count();
    let huge = employees.iter().filter(|&&e| e > 50_000).count();
    assert!(big >= 10, "{big}");
    assert!(huge < big / 4 + 1, "{huge} of {big}");
}

#[test]
fn country_weights() {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for i in 0..20_000 {
        *counts.entry(company(SEED, i).country).or_default() += 1;
    }
    let us = counts["US"];
    assert!(counts.iter().all(|(c, n)| *c == "US" || *n < us), "{counts:?}");
    assert!(counts["GB"] > counts["FI"]);
    let codes: Vec<&str> = COUNTRY_DATA.iter().map(|c| c.code).collect();
    assert_eq!(codes, countries());
    assert!(COUNTRY_DATA.windows(2).all(|w| w[0].weight >= w[1].weight));
    for c in &COUNTRY_DATA {
        assert_eq!(c.cities.len(), c.regions.len(), "{}", c.code);
        assert!(!c.small.is_empty() && !c.large.is_empty() && !c.tlds.is_empty());
    }
    assert!(cities("XX").is_empty());
    assert!(cities("de").contains(&"Berlin"));
}

#[test]
fn industries_sorted_and_unique() {
    assert!(INDUSTRIES.windows(2).all(|w| w[0] < w[1]));
    assert!(INDUSTRIES.windows(2).all(|w| w[0].to_lowercase() < w[1].to_lowercase()));
    let names: Vec<&str> = INDUSTRY_DATA.iter().map(|d| d.name).collect();
    assert_eq!(names, INDUSTRIES);
    for d in &INDUSTRY_DATA {
        assert!(d.techs.iter().all(|t| TECHNOLOGIES.contains(t)), "{}", d.name);
        assert!(!d.does.is_empty() && !d.offers.is_empty() && !d.serves.is_empty());
    }
    let mut seen = HashSet::new();
    for i in 0..20_000 {
        seen.insert(company(SEED, i).industry);
    }
    assert_eq!(seen.len(), INDUSTRIES.len());
}

#[test]
fn keywords_are_searchable() {
    let companies: Vec<GeneratedCompany> = (0..20_000).map(|i| company(SEED, i)).collect();
    for word in ["analytics", "security", "cloud", "health", "robotics", "payments", "logistics", "energy"] {
        let hits =
            companies.iter().filter(|c| format!("{} {}", c.name, c.description).to_lowercase().contains(word)).count();
        assert!(hits >= 100, "{word}: {hits}");
    }
}

#[test]
fn legal_suffix_fits_country() {
    for i in 0..5_000 {
        let c = company(SEED, i);
        let data = COUNTRY_DATA.iter().find(|d| d.code == c.country).unwrap();
        assert!(
            data.small.iter().chain(data.large).any(|s| c.legal_name.ends_with(&format!(" {s}"))),
            "{}: {}",
            c.country,
            c.legal_name
        );
    }
}

#[test]
#[ignore = "timing; run with --release -- --ignored --nocapture"]
fn generates_a_million_quickly() {
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    for i in 0..1_000_000 {
        bytes += company(SEED, i).description.len();
    }
    let elapsed = start.elapsed();
    println!("1,000,000 companies in {elapsed:?} ({bytes} description bytes)");
    assert!(elapsed.as_secs() < 10);
}
