//! The weighted draws from a company's own random stream: industry (among those its name word
//! fits), country, age, size band, technologies, top-level domain and the `updated_at` date.
//! Integer and basic floating-point arithmetic only, so every platform draws the same.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::tables::{COUNTRY_DATA, CountryData, INDUSTRY_DATA, IndustryData, TECHNOLOGIES};

pub(super) const EMPLOYEE_BANDS: &[(i64, i64, u32, &str)] = &[
    // (lowest, highest, weight per 10,000, label)
    (1, 10, 3000, "1-10"),
    (11, 50, 3000, "11-50"),
    (51, 200, 2000, "51-200"),
    (201, 500, 900, "201-500"),
    (501, 1000, 500, "501-1000"),
    (1001, 5000, 450, "1001-5000"),
    (5001, 10_000, 100, "5001-10000"),
    (10_001, 50_000, 45, "10001+"),
    (50_001, 400_000, 5, "10001+"),
];

const AGE_BANDS: &[(i32, i32, u32)] = &[(0, 4, 24), (5, 9, 22), (10, 19, 24), (20, 39, 16), (40, 69, 8), (70, 125, 6)];

const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Days from 2025-01-01 (inclusive) to 2026-11-01 (exclusive).
const UPDATE_WINDOW_DAYS: u32 = 365 + 304;

pub(super) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    if items.is_empty() {
        return fallback;
    }
    items.get(rng.random_range(0..items.len())).copied().unwrap_or(fallback)
}

/// Like [`pick`], but earlier entries are more likely (the smaller of two draws).
pub(super) fn pick_early<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    if items.is_empty() {
        return fallback;
    }
    let i = rng.random_range(0..items.len()).min(rng.random_range(0..items.len()));
    items.get(i).copied().unwrap_or(fallback)
}

/// How much more common an industry is than the least common ones, among the industries a name
/// word fits ("Systems" is SaaS more often than Aerospace).
fn industry_weight(name: &str) -> u32 {
    match name {
        "SaaS" => 6,
        "Fintech"
        | "Cybersecurity"
        | "Artificial Intelligence"
        | "Data & Analytics"
        | "Healthcare"
        | "E-commerce"
        | "Marketing"
        | "Consulting" => 2,
        _ => 1,
    }
}

pub(super) fn pick_industry(rng: &mut ChaCha8Rng, industries: &[&'static IndustryData]) -> &'static IndustryData {
    let total: u32 = industries.iter().map(|d| industry_weight(d.name)).sum();
    let mut r = rng.random_range(0..total.max(1));
    for d in industries {
        let w = industry_weight(d.name);
        if r < w {
            return d;
        }
        r -= w;
    }
    &INDUSTRY_DATA[26]
}

pub(super) fn pick_country(rng: &mut ChaCha8Rng) -> &'static CountryData {
    let total: u32 = COUNTRY_DATA.iter().map(|c| c.weight).sum();
    let mut r = rng.random_range(0..total.max(1));
    for c in &COUNTRY_DATA {
        if r < c.weight {
            return c;
        }
        r -= c.weight;
    }
    &COUNTRY_DATA[0]
}

pub(super) fn pick_age(rng: &mut ChaCha8Rng) -> i32 {
    let total: u32 = AGE_BANDS.iter().map(|b| b.2).sum();
    let mut r = rng.random_range(0..total.max(1));
    for &(lo, hi, w) in AGE_BANDS {
        if r < w {
            return rng.random_range(lo..=hi);
        }
        r -= w;
    }
    0
}

/// Employees by size band (young companies stay small), skewed towards the low end of each band.
pub(super) fn pick_employees(rng: &mut ChaCha8Rng, age: i32) -> i64 {
    let max_band = match age {
        0..=2 => 3,
        3..=7 => 5,
        _ => EMPLOYEE_BANDS.len() - 1,
    };
    let mut r = rng.random_range(0..10_000u32);
    let mut band = (1, 10);
    for (i, &(lo, hi, w, _)) in EMPLOYEE_BANDS.iter().enumerate() {
        if r < w || i == EMPLOYEE_BANDS.len() - 1 {
            band = EMPLOYEE_BANDS.get(i.min(max_band)).map_or((1, 10), |b| (b.0, b.1));
            let _ = (lo, hi);
            break;
        }
        r -= w;
    }
    let (lo, hi) = band;
    let u: f64 = rng.random();
    let skew = if lo > 50_000 { u * u * u } else { u * u };
    (lo + ((hi - lo + 1) as f64 * skew) as i64).clamp(lo, hi)
}

pub(super) fn employee_range(employees: i64) -> &'static str {
    EMPLOYEE_BANDS.iter().find(|b| employees <= b.1).map_or("10001+", |b| b.3)
}

pub(super) fn revenue_range(revenue_k: u64) -> &'static str {
    match revenue_k {
        0..1_000 => "<$1M",
        1_000..10_000 => "$1M-$10M",
        10_000..50_000 => "$10M-$50M",
        50_000..100_000 => "$50M-$100M",
        100_000..500_000 => "$100M-$500M",
        500_000..1_000_000 => "$500M-$1B",
        _ => "$1B+",
    }
}

pub(super) fn pick_technologies(rng: &mut ChaCha8Rng, industry: &IndustryData, employees: i64) -> Vec<&'static str> {
    let mut count = 2 + rng.random_range(0..=2usize);
    if employees > 200 {
        count += rng.random_range(0..=2usize);
    }
    let count = count.min(6);
    let mut out: Vec<&'static str> = Vec::with_capacity(6);
    for _ in 0..32 {
        if out.len() >= count {
            break;
        }
        let tech = if rng.random_bool(0.7) { pick(rng, industry.techs, "AWS") } else { pick(rng, TECHNOLOGIES, "AWS") };
        if !out.contains(&tech) {
            out.push(tech);
        }
    }
    for tech in TECHNOLOGIES {
        if out.len() >= count {
            break;
        }
        if !out.contains(tech) {
            out.push(tech);
        }
    }
    out
}

pub(super) fn pick_tld(rng: &mut ChaCha8Rng, country: &CountryData, industry: &IndustryData) -> &'static str {
    let r = rng.random_range(0..100u32);
    if let Some(tld) = industry.tld
        && r < 20
    {
        return tld;
    }
    if country.code == "US" {
        return if r < 95 { "com" } else { "co" };
    }
    match r {
        0..60 => pick_early(rng, country.tlds, "com"),
        60..95 => "com",
        _ => "io",
    }
}

pub(super) fn write_updated_at(rng: &mut ChaCha8Rng) -> String {
    let mut day = rng.random_range(0..UPDATE_WINDOW_DAYS);
    let mut year = 2025;
    if day >= 365 {
        day -= 365;
        year = 2026;
    }
    let (mut month, mut dom) = (12, 31);
    for (m, len) in MONTH_DAYS.iter().enumerate() {
        if day < *len {
            (month, dom) = (m + 1, day + 1);
            break;
        }
        day -= len;
    }
    let (h, min, s) = (rng.random_range(0..24u32), rng.random_range(0..60u32), rng.random_range(0..60u32));
    format!("{year:04}-{month:02}-{dom:02}T{h:02}:{min:02}:{s:02}Z")
}
