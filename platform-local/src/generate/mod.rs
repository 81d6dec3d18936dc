//! Deterministic, realistic company profiles.
//!
//! [`company`]`(seed, index)` always returns the same company for the same pair, whatever was
//! generated before it: every company draws from its own ChaCha8 stream (key from `seed`, stream
//! number `index`), so any index can be generated alone or in parallel.
//!
//! Domains are unique by construction. A company's name is a brand (a stem such as "Cobalt", or a
//! compound such as "Brightpath") and, usually, a word tied to its industry ("Analytics",
//! "Security", "Pay"). The index, shuffled by a fixed bijection, picks the (brand, word, spelling)
//! triple, so within one "generation" of `space` indices no two companies share a domain label;
//! later generations add `-2`, `-3`, ... (the only digits a label can hold). The industry follows
//! from the word, so names, domains and descriptions agree on what the company does.
//!
//! Only integer and basic floating-point arithmetic is used (no `exp`/`ln`), so the output does
//! not depend on the platform's maths library.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

mod tables;
use tables::{COUNTRY_CODES, COUNTRY_DATA, CountryData, INDUSTRY_DATA, IndustryData, TECHNOLOGIES};

/// The industry taxonomy (one list; every generated company uses one of these exact strings).
pub const INDUSTRIES: &[&str] = &[
    "Aerospace",
    "Agriculture",
    "Artificial Intelligence",
    "Automotive",
    "Biotechnology",
    "Construction",
    "Consulting",
    "Cybersecurity",
    "Data & Analytics",
    "E-commerce",
    "Education",
    "Energy",
    "Fintech",
    "Food & Beverage",
    "Gaming",
    "Healthcare",
    "Hospitality",
    "Human Resources",
    "Insurance",
    "Legal Services",
    "Logistics",
    "Manufacturing",
    "Marketing",
    "Media",
    "Real Estate",
    "Retail",
    "SaaS",
    "Semiconductors",
    "Telecommunications",
    "Travel",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedCompany {
    pub id: String,
    pub name: String,
    pub legal_name: String,
    pub domain: String,
    pub website: String,
    pub description: String,
    pub country: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub industry: &'static str,
    pub employees: i64,
    pub employee_range: &'static str,
    pub revenue_range: &'static str,
    pub founded_year: i32,
    pub technologies: Vec<&'static str>,
    pub linkedin_url: String,
    pub updated_at: String,
}

/// Cities known for a country (for tests and the platform's own AI interpretation), empty if unknown.
pub fn cities(country: &str) -> &'static [&'static str] {
    COUNTRY_DATA.iter().find(|c| c.code.eq_ignore_ascii_case(country)).map_or(&[], |c| c.cities)
}

/// The countries used, alpha-2, in weight order.
pub fn countries() -> &'static [&'static str] {
    COUNTRY_CODES
}

/// Brands that stand alone.
const STANDALONE: &[&str] = &[
    "Quanta", "Vireo", "Cobalt", "Helix", "Lumen", "Fjord", "Kite", "Solstice", "Tessel", "Arbor", "Cinder", "Delta",
    "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Larch", "Meridian", "Nimbus", "Onyx",
    "Pioneer", "Quarry", "Raven", "Sable", "Tundra", "Umber", "Vantage", "Willow", "Xenon", "Yarrow", "Zephyr",
    "Aurora", "Beacon", "Cascade", "Dune", "Echo", "Flint", "Glacier", "Halcyon", "Indigo", "Jasper", "Lattice",
    "Magnet", "Nexus", "Orbit", "Prism", "Quill", "Summit", "Talon", "Vertex", "Wren", "Axiom", "Borealis", "Canopy",
    "Fable", "Heron", "Jade", "Lark", "Mosaic", "Opal", "Pylon", "Relay", "Sierra", "Vela", "Atlas", "Cirrus", "Lynx",
    "Osprey", "Polaris", "Tangent", "Verdant", "Zenith", "Alder", "Bramble", "Corvid", "Aster", "Marlin",
];

/// First halves of compound brands ("Nord" + "wind").
const PREFIXES: &[&str] = &[
    "Nord", "Bright", "Blue", "Clear", "Silver", "Red", "Green", "North", "True", "Swift", "High", "Deep", "Open",
    "Sun", "Star", "Storm", "Iron", "Stone", "Oak", "Pine", "Cedar", "Aqua", "Terra", "Nova", "Alp", "Fair", "Gold",
    "Wild", "Ever", "Sky", "Moon", "Frost", "West", "East", "Lumi", "Zen", "Arc", "Bold", "Core", "Fern", "Glen",
    "Mist", "Pearl", "Rock", "Sage", "Tide", "Velo", "Amber", "Birch", "Copper", "Ash", "Elm", "Hazel", "Kin", "Lake",
    "Noble", "Peak", "Quest", "Rain", "Salt",
];

/// Second halves of compound brands.
const ENDINGS: &[&str] = &[
    "wind", "path", "way", "line", "point", "field", "stone", "bridge", "gate", "light", "mark", "scale", "view",
    "ridge", "wise", "peak", "port", "stream", "leaf", "vale", "crest", "spring", "forge", "beam", "spark", "shift",
    "sight", "well", "lane", "haven", "bay", "brook", "wood", "hill", "shore", "fall", "glade", "mount", "works",
    "yard",
];

const EMPLOYEE_BANDS: &[(i64, i64, u32, &str)] = &[
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

const LATEST_YEAR: i32 = 2025;
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Days from 2025-01-01 (inclusive) to 2026-11-01 (exclusive).
const UPDATE_WINDOW_DAYS: u32 = 365 + 304;

// ---------------------------------------------------------------------------------------------
// Derived tables (built once)
// ---------------------------------------------------------------------------------------------

struct Brand {
    text: String,
    lower: String,
}

struct Word {
    text: &'static str,
    lower: String,
    industries: Vec<&'static IndustryData>,
}

struct Tables {
    brands: Vec<Brand>,
    words: Vec<Word>,
    /// Indices per generation: brands × words × 2 spellings.
    space: u64,
    /// Multiplier of the index shuffle, coprime with `space`.
    mult: u64,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> Tables {
    let mut brands: Vec<Brand> = Vec::with_capacity(STANDALONE.len() + PREFIXES.len() * ENDINGS.len());
    let mut seen = std::collections::HashSet::new();
    let mut add = |text: String, brands: &mut Vec<Brand>| {
        let lower = text.to_ascii_lowercase();
        if seen.insert(lower.clone()) {
            brands.push(Brand { text, lower });
        }
    };
    for s in STANDALONE {
        add((*s).to_owned(), &mut brands);
    }
    for p in PREFIXES {
        for e in ENDINGS {
            // "Highhill", "Fernnwood": skip doubled letters at the joint.
            let joint = p.as_bytes().last().map(u8::to_ascii_lowercase) == e.as_bytes().first().copied();
            if !joint && !p.eq_ignore_ascii_case(e) {
                add(format!("{p}{e}"), &mut brands);
            }
        }
    }
    let mut words: Vec<Word> = Vec::new();
    let mut position: HashMap<&'static str, usize> = HashMap::new();
    for industry in &INDUSTRY_DATA {
        for w in industry.words {
            match position.get(w) {
                Some(&i) => {
                    if let Some(word) = words.get_mut(i) {
                        word.industries.push(industry);
                    }
                }
                None => {
                    position.insert(w, words.len());
                    words.push(Word { text: w, lower: w.to_ascii_lowercase(), industries: vec![industry] });
                }
            }
        }
    }
    let space = (brands.len() as u64 * words.len() as u64 * 2).max(1);
    let mut mult = 0x9E37_79B9 % space;
    while gcd(mult, space) != 1 {
        mult += 1;
    }
    Tables { brands, words, space, mult }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// What the index alone decides: brand, word, spelling of the domain label, generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Slot {
    brand: usize,
    word: usize,
    joined: bool,
    generation: u64,
}

impl Slot {
    /// The one slot per brand whose label is the bare brand ("nordwind").
    fn bare(self, t: &Tables) -> bool {
        self.joined && self.word == (self.brand.wrapping_mul(31).wrapping_add(7)) % t.words.len().max(1)
    }
}

fn slot(t: &Tables, seed: u64, index: u64) -> Slot {
    let generation = index / t.space;
    let offset = splitmix64(seed ^ generation.wrapping_mul(0xD1B5_4A32_D192_ED03)) % t.space;
    // A bijection of [0, space): multiplier coprime with space, plus an offset.
    let k = ((u128::from(t.mult) * u128::from(index % t.space) + u128::from(offset)) % u128::from(t.space)) as u64;
    let words = t.words.len().max(1) as u64;
    let rest = k / 2;
    Slot { brand: (rest / words) as usize, word: (rest % words) as usize, joined: k % 2 == 1, generation }
}

/// The domain label (also the LinkedIn slug): lower-case ASCII letters, hyphens, and digits only
/// in the `-N` generation suffix.
fn write_label(t: &Tables, s: Slot, out: &mut String) {
    let brand = t.brands.get(s.brand).map_or("company", |b| b.lower.as_str());
    let word = t.words.get(s.word).map_or("group", |w| w.lower.as_str());
    out.push_str(brand);
    if !s.bare(t) {
        if !s.joined {
            out.push('-');
        }
        out.push_str(word);
    }
    if s.generation > 0 {
        let _ = write!(out, "-{}", s.generation + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    if items.is_empty() {
        return fallback;
    }
    items.get(rng.random_range(0..items.len())).copied().unwrap_or(fallback)
}

/// Like [`pick`], but earlier entries are more likely (the smaller of two draws).
fn pick_early<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
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

fn pick_industry(rng: &mut ChaCha8Rng, industries: &[&'static IndustryData]) -> &'static IndustryData {
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

fn pick_country(rng: &mut ChaCha8Rng) -> &'static CountryData {
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

fn pick_age(rng: &mut ChaCha8Rng) -> i32 {
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
fn pick_employees(rng: &mut ChaCha8Rng, age: i32) -> i64 {
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

fn employee_range(employees: i64) -> &'static str {
    EMPLOYEE_BANDS.iter().find(|b| employees <= b.1).map_or("10001+", |b| b.3)
}

fn revenue_range(revenue_k: u64) -> &'static str {
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

fn pick_technologies(rng: &mut ChaCha8Rng, industry: &IndustryData, employees: i64) -> Vec<&'static str> {
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

fn pick_tld(rng: &mut ChaCha8Rng, country: &CountryData, industry: &IndustryData) -> &'static str {
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

fn article(word: &str) -> &'static str {
    match word.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u' | b'A' | b'E' | b'I' | b'O' | b'U') => "an",
        _ => "a",
    }
}

fn write_thousands(out: &mut String, n: i64) {
    let digits = n.to_string();
    let len = digits.len();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
}

fn write_team(out: &mut String, employees: i64) {
    match employees {
        ..=1 => out.push_str("one person"),
        2..50 => {
            let _ = write!(out, "{employees} people");
        }
        50..1000 => {
            out.push_str("around ");
            write_thousands(out, (employees + 5) / 10 * 10);
            out.push_str(" people");
        }
        _ => {
            out.push_str("more than ");
            write_thousands(out, employees / 100 * 100);
            out.push_str(" people");
        }
    }
}

struct Profile<'a> {
    name: &'a str,
    industry: &'static IndustryData,
    country: &'static CountryData,
    city: &'static str,
    region: &'static str,
    founded_year: i32,
    employees: i64,
    technologies: &'a [&'static str],
}

fn describe(rng: &mut ChaCha8Rng, p: &Profile<'_>) -> String {
    const MIN: usize = 80;
    const MAX: usize = 400;
    let ind = p.industry;
    let kind = ind.kind;
    let (name, city) = (p.name, p.city);
    let mut out = String::with_capacity(320);
    let first = rng.random_range(0..5u32);
    let mut founded_said = first == 1;
    let does = pick(rng, ind.does, "serves its customers");
    let offer = pick(rng, ind.offers, "its own products");
    let serves_at = rng.random_range(0..ind.serves.len().max(1));
    let serves = ind.serves.get(serves_at).copied().unwrap_or("businesses");
    let a = article(kind);
    let _ = match first {
        0 => write!(out, "{name} is {a} {kind} company based in {city} that {does}."),
        1 => write!(out, "Founded in {}, {name} is {a} {city}-based {kind} company that {does}.", p.founded_year),
        2 => write!(out, "{name} is {a} {kind} company working with {serves}; it {does}."),
        3 => write!(out, "{name} {does}; the {kind} company is headquartered in {city}."),
        _ => write!(out, "{name} provides {offer} for {serves}, working in the {kind} sector from {city}."),
    };

    let len = |s: &String| s.chars().count();
    let second = rng.random_range(0..5u32);
    if second < 4 || len(&out) < MIN {
        let before = out.len();
        // Another customer group than the first sentence's, where there is one.
        let other = (serves_at + rng.random_range(1..ind.serves.len().max(2))) % ind.serves.len().max(1);
        let serves = ind.serves.get(other).copied().unwrap_or("businesses");
        let market = p.country.market;
        let _ = match second {
            0 => write!(out, " Its flagship offering is {offer}, used by {serves} across {market}."),
            2 if !founded_said => {
                founded_said = true;
                let _ = write!(out, " Founded in {}, the company today employs ", p.founded_year);
                write_team(&mut out, p.employees);
                write!(out, ".")
            }
            3 => {
                let _ = write!(out, " {name} serves {serves} and employs ");
                write_team(&mut out, p.employees);
                write!(out, ".")
            }
            _ => write!(out, " The company works with {serves} across {market}."),
        };
        if len(&out) > MAX {
            out.truncate(before);
        }
    }

    let third = rng.random_range(0..6u32);
    if third < 3 || len(&out) < MIN {
        let before = out.len();
        let _ = match (third, p.technologies) {
            (0, [t1, t2, ..]) => write!(out, " Its technology stack includes {t1} and {t2}."),
            (1, _) if !founded_said && p.region != city => {
                write!(out, " The company was founded in {} and is based in {city}, {}.", p.founded_year, p.region)
            }
            _ => {
                let reach = match p.employees {
                    ..50 => rng.random_range(2..=8),
                    50..1000 => rng.random_range(5..=30),
                    _ => rng.random_range(20..=120),
                };
                write!(out, " {name} has customers in more than {reach} countries.")
            }
        };
        if len(&out) > MAX {
            out.truncate(before);
        }
    }
    out
}

fn write_updated_at(rng: &mut ChaCha8Rng) -> String {
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

/// The company at `index` of the data set generated from `seed`; the same pair always gives the
/// same company, whatever else was generated.
pub fn company(seed: u64, index: u64) -> GeneratedCompany {
    let t = tables();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let s = slot(t, seed, index);
    let (brand, word) = (t.brands.get(s.brand), t.words.get(s.word));
    let industry = word.map_or(&INDUSTRY_DATA[26], |w| pick_industry(&mut rng, &w.industries));
    let country = pick_country(&mut rng);
    let city_index = rng.random_range(0..country.cities.len()).min(rng.random_range(0..country.cities.len()));
    let city = country.cities.get(city_index).copied().unwrap_or("");
    let region = country.regions.get(city_index).copied().unwrap_or(city);
    let age = pick_age(&mut rng);
    let founded_year = LATEST_YEAR - age;
    let employees = pick_employees(&mut rng, age);

    // Name: brand, usually with the word; the bare-label slot and some others use the brand alone.
    let brand_only = s.bare(t) || rng.random_range(0..100u32) < 12;
    let mut base = String::with_capacity(48);
    base.push_str(brand.map_or("Nova", |b| b.text.as_str()));
    if !brand_only {
        base.push(' ');
        base.push_str(word.map_or("Group", |w| w.text));
    }
    let suffix = if employees >= 1000 {
        pick_early(&mut rng, country.large, "Ltd")
    } else {
        pick_early(&mut rng, country.small, "Ltd")
    };
    let mut legal_name = String::with_capacity(base.len() + 1 + suffix.len());
    legal_name.push_str(&base);
    legal_name.push(' ');
    legal_name.push_str(suffix);
    let name_has_suffix = rng.random_range(0..100u32) < 40;

    let mut label = String::with_capacity(40);
    write_label(t, s, &mut label);
    let tld = pick_tld(&mut rng, country, industry);
    let mut domain = String::with_capacity(label.len() + 1 + tld.len());
    domain.push_str(&label);
    domain.push('.');
    domain.push_str(tld);

    let factor = rng.random_range(40..=200u64); // percent
    let mut revenue_k = employees.unsigned_abs() * industry.revenue_per_employee_k * factor / 100;
    if age <= 2 {
        revenue_k /= 3;
    }

    let technologies = pick_technologies(&mut rng, industry, employees);
    let profile =
        Profile { name: &base, industry, country, city, region, founded_year, employees, technologies: &technologies };
    let description = describe(&mut rng, &profile);
    let updated_at = write_updated_at(&mut rng);

    GeneratedCompany {
        id: format!("c_{index:07}"),
        name: if name_has_suffix { legal_name.clone() } else { base },
        legal_name,
        website: format!("https://www.{domain}"),
        domain,
        description,
        country: country.code,
        city,
        region,
        industry: industry.name,
        employees,
        employee_range: employee_range(employees),
        revenue_range: revenue_range(revenue_k),
        founded_year,
        technologies,
        linkedin_url: format!("https://www.linkedin.com/company/{label}"),
        updated_at,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
            let hits = companies
                .iter()
                .filter(|c| format!("{} {}", c.name, c.description).to_lowercase().contains(word))
                .count();
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
}
