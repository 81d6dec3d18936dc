//! Names and domains. A company's name is a brand (a stem such as "Cobalt", or a compound such as
//! "Brightpath") and, usually, a word tied to its industry. Every (brand, word, spelling) triple
//! is one slot; the index, shuffled by a fixed bijection, picks the slot, so within one
//! generation of `space` indices no two companies share a domain label, and later generations add
//! `-2`, `-3`, ...

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::tables::{INDUSTRY_DATA, IndustryData};

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

pub(super) struct Brand {
    pub(super) text: String,
    pub(super) lower: String,
}

pub(super) struct Word {
    pub(super) text: &'static str,
    pub(super) lower: String,
    pub(super) industries: Vec<&'static IndustryData>,
}

pub(super) struct Tables {
    pub(super) brands: Vec<Brand>,
    pub(super) words: Vec<Word>,
    /// Indices per generation: brands × words × 2 spellings.
    pub(super) space: u64,
    /// Multiplier of the index shuffle, coprime with `space`.
    pub(super) mult: u64,
}

pub(super) fn tables() -> &'static Tables {
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

pub(super) fn gcd(mut a: u64, mut b: u64) -> u64 {
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
pub(super) struct Slot {
    pub(super) brand: usize,
    pub(super) word: usize,
    pub(super) joined: bool,
    pub(super) generation: u64,
}

impl Slot {
    /// The one slot per brand whose label is the bare brand ("nordwind").
    pub(super) fn bare(self, t: &Tables) -> bool {
        self.joined && self.word == (self.brand.wrapping_mul(31).wrapping_add(7)) % t.words.len().max(1)
    }
}

pub(super) fn slot(t: &Tables, seed: u64, index: u64) -> Slot {
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
pub(super) fn write_label(t: &Tables, s: Slot, out: &mut String) {
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
