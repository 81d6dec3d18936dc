//! The description: two or three sentences (80 to 400 characters) built from the industry's
//! phrases, the city, the market, the founding year, the team size and the technologies, so the
//! text agrees with the rest of the profile and its keywords are searchable.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::draws::pick;
use super::tables::{CountryData, IndustryData};

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

/// What a description may mention.
pub(super) struct Profile<'a> {
    pub(super) name: &'a str,
    pub(super) industry: &'static IndustryData,
    pub(super) country: &'static CountryData,
    pub(super) city: &'static str,
    pub(super) region: &'static str,
    pub(super) founded_year: i32,
    pub(super) employees: i64,
    pub(super) technologies: &'a [&'static str],
}

pub(super) fn describe(rng: &mut ChaCha8Rng, p: &Profile<'_>) -> String {
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
