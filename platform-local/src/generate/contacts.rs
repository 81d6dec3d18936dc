//! The contacts a completed e-mail discovery returns: deterministic per (request, company), at
//! the company's own domain (`first.last@domain`), and plainly synthetic. Every surname is a word
//! that says so ("Example", "Placeholder", ...), so neither a name nor an address can be taken for
//! a real person's. Titles are ordinary ones of the contact's department; the request's
//! department is honoured (ANY spreads the contacts over all of them). Confidence is 0.50 to 0.99,
//! highest first.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The departments a contact can be in (the schema's `Department` without ANY).
pub const CONTACT_DEPARTMENTS: [&str; 7] =
    ["EXECUTIVE", "SALES", "MARKETING", "ENGINEERING", "FINANCE", "HR", "OPERATIONS"];

/// 26 first names: more than the 25 contacts a request may ask for, so each contact of a request
/// has its own first name and so its own address.
const FIRST_NAMES: [&str; 26] = [
    "Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kim", "Leo", "Mia", "Noah", "Ola",
    "Paul", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wes", "Xena", "Yuri", "Zoe",
];

/// Surnames that say the person is made up.
const SURNAMES: [&str; 8] =
    ["Example", "Sample", "Placeholder", "Fictional", "Synthetic", "Testperson", "Madeup", "Dummy"];

/// Titles by department, in the order of [`CONTACT_DEPARTMENTS`].
const TITLES: [[&str; 4]; 7] = [
    ["Chief Executive Officer", "Chief Operating Officer", "Managing Director", "Chief Technology Officer"],
    ["Head of Sales", "Sales Director", "Account Executive", "Business Development Manager"],
    ["Head of Marketing", "Marketing Manager", "Growth Lead", "Content Strategist"],
    ["VP Engineering", "Engineering Manager", "Staff Engineer", "Head of Platform"],
    ["Chief Financial Officer", "Finance Manager", "Controller", "Head of Accounting"],
    ["Head of People", "HR Business Partner", "Talent Acquisition Lead", "People Operations Manager"],
    ["Head of Operations", "Operations Manager", "Supply Chain Lead", "Office Manager"],
];

/// One contact found at a company.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub name: String,
    pub title: String,
    /// One of [`CONTACT_DEPARTMENTS`].
    pub department: &'static str,
    pub email: String,
    pub confidence: f64,
}

/// `items[i % len]`: every index names an item.
fn nth<T: Copy>(items: &[T], i: usize, fallback: T) -> T {
    items.get(i % items.len().max(1)).copied().unwrap_or(fallback)
}

/// FNV-1a over the parts (each followed by a 0 byte): a seed that is the same on every platform.
fn seed_of(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The contacts of request `request_id` for company `company_id` at `domain`: at most
/// `max_contacts` (and at least one when it is at least one), in `department` (`ANY` for all).
pub fn contacts(
    request_id: &str,
    company_id: &str,
    domain: &str,
    department: &str,
    max_contacts: usize,
) -> Vec<Contact> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed_of(&[request_id, company_id]));
    // A company has 3 to 12 people the platform can find; the request asks for at most so many.
    let found = rng.random_range(3..=12usize).min(max_contacts).min(FIRST_NAMES.len());
    let start = rng.random_range(0..FIRST_NAMES.len());
    let fixed = CONTACT_DEPARTMENTS.iter().position(|d| *d == department);
    let mut out: Vec<Contact> = (0..found)
        .map(|i| {
            let first = nth(&FIRST_NAMES, start + i, "Ada");
            let surname = nth(&SURNAMES, rng.random_range(0..SURNAMES.len()), "Example");
            let d = fixed.unwrap_or_else(|| rng.random_range(0..CONTACT_DEPARTMENTS.len()));
            let titles = nth(&TITLES, d, TITLES[0]);
            Contact {
                name: format!("{first} {surname}"),
                title: nth(&titles, rng.random_range(0..titles.len()), "Manager").to_owned(),
                department: nth(&CONTACT_DEPARTMENTS, d, "EXECUTIVE"),
                email: format!("{}.{}@{domain}", first.to_ascii_lowercase(), surname.to_ascii_lowercase()),
                confidence: f64::from(rng.random_range(50..=99u32)) / 100.0,
            }
        })
        .collect();
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_same_request_always_finds_the_same_contacts() {
        let a = contacts("disc_000001", "c_0000001", "acme.de", "ANY", 25);
        assert_eq!(a, contacts("disc_000001", "c_0000001", "acme.de", "ANY", 25));
        assert_ne!(a, contacts("disc_000002", "c_0000001", "acme.de", "ANY", 25), "another request, other contacts");
        assert!((3..=12).contains(&a.len()), "{}", a.len());
    }

    #[test]
    fn contacts_are_synthetic_at_the_company_domain_within_the_request() {
        for (i, department) in ["ANY", "SALES", "HR"].into_iter().enumerate() {
            for max in [1, 2, 5, 25] {
                let found = contacts(&format!("disc_{i}{max}"), "c_1", "nordlicht.io", department, max);
                assert!(!found.is_empty() && found.len() <= max, "{department} {max}: {}", found.len());
                let mut emails: Vec<&str> = found.iter().map(|c| c.email.as_str()).collect();
                emails.sort_unstable();
                emails.dedup();
                assert_eq!(emails.len(), found.len(), "one address per contact");
                for c in &found {
                    let (local, domain) = c.email.split_once('@').unwrap();
                    assert_eq!(domain, "nordlicht.io");
                    assert_eq!(local, c.name.to_ascii_lowercase().replace(' ', "."));
                    assert!(SURNAMES.iter().any(|s| c.name.ends_with(s)), "{} says it is made up", c.name);
                    assert!((0.5..=0.99).contains(&c.confidence), "{}", c.confidence);
                    assert!(department == "ANY" || c.department == department, "{department}: {c:?}");
                    assert!(CONTACT_DEPARTMENTS.contains(&c.department));
                }
                assert!(found.windows(2).all(|w| w[0].confidence >= w[1].confidence), "highest first");
            }
        }
        assert!(contacts("r", "c", "d.io", "ANY", 0).is_empty());
    }
}
