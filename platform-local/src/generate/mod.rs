//! Deterministic, realistic company profiles, and the synthetic contacts of e-mail discoveries.
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
//!
//! # Layout
//! - `tables`: the data (technologies, industries with their words and phrases, countries).
//! - `names`: brands, name words and the index shuffle that makes domain labels unique.
//! - `draws`: the weighted draws (industry, country, age, size, technologies, TLD, dates).
//! - `describe`: the description text.
//! - `contacts`: the synthetic contacts a completed e-mail discovery returns ([`contacts()`]).
//! - this file: the taxonomy, [`GeneratedCompany`] and [`company`], which puts one together.

mod contacts;
mod describe;
mod draws;
mod names;
mod tables;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use contacts::{CONTACT_DEPARTMENTS, Contact, contacts};
use describe::{Profile, describe};
use draws::{
    employee_range, pick_age, pick_country, pick_early, pick_employees, pick_industry, pick_technologies, pick_tld,
    revenue_range, write_updated_at,
};
use names::{slot, tables, write_label};
use tables::{COUNTRY_CODES, COUNTRY_DATA, INDUSTRY_DATA};

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

/// The latest founding year: a company's age counts back from it.
const LATEST_YEAR: i32 = 2025;

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
mod tests;
