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

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

const TECHNOLOGIES: &[&str] = &[
    "AWS",
    "Azure",
    "GCP",
    "Kubernetes",
    "Docker",
    "Terraform",
    "Linux",
    "Salesforce",
    "HubSpot",
    "Marketo",
    "Snowflake",
    "Databricks",
    "BigQuery",
    "Tableau",
    "Looker",
    "React",
    "Angular",
    "Vue.js",
    "Node.js",
    "TypeScript",
    "Python",
    "Go",
    "Rust",
    "Java",
    "Kotlin",
    "Swift",
    "C++",
    ".NET",
    "Ruby on Rails",
    "PHP",
    "PostgreSQL",
    "MySQL",
    "MongoDB",
    "Redis",
    "Elasticsearch",
    "Kafka",
    "Apache Spark",
    "TensorFlow",
    "PyTorch",
    "Shopify",
    "Stripe",
    "Zendesk",
    "Workday",
    "SAP",
    "Oracle",
    "Datadog",
    "Cloudflare",
    "Twilio",
    "Unity",
    "MATLAB",
];

struct IndustryData {
    name: &'static str,
    /// How a sentence calls the field: "a {kind} company".
    kind: &'static str,
    /// Second words of company names.
    words: &'static [&'static str],
    /// Verb phrases, third person: "{name} {does}".
    does: &'static [&'static str],
    /// Noun phrases: "provides {offer}".
    offers: &'static [&'static str],
    /// Customers: "for {serves}".
    serves: &'static [&'static str],
    /// Technologies typical for the industry (all in TECHNOLOGIES).
    techs: &'static [&'static str],
    /// Revenue per employee, thousands of USD.
    revenue_per_employee_k: u64,
    /// A top-level domain the industry likes besides the usual ones.
    tld: Option<&'static str>,
}

static INDUSTRY_DATA: [IndustryData; 30] = [
    IndustryData {
        name: "Aerospace",
        kind: "aerospace",
        words: &[
            "Aerospace",
            "Aviation",
            "Aero",
            "Orbital",
            "Space",
            "Avionics",
            "Propulsion",
            "Systems",
            "Technologies",
        ],
        does: &[
            "designs avionics and flight control systems for commercial aircraft",
            "builds small satellites and ground station software",
            "manufactures precision components for aircraft engines",
            "develops electric propulsion for the next generation of aviation",
        ],
        offers: &[
            "a satellite data platform",
            "certified avionics hardware",
            "an aircraft maintenance analytics suite",
        ],
        serves: &["airlines and aircraft manufacturers", "space agencies and satellite operators", "defense suppliers"],
        techs: &["MATLAB", "C++", "Python", "SAP", "Azure", "Linux", "Oracle"],
        revenue_per_employee_k: 320,
        tld: None,
    },
    IndustryData {
        name: "Agriculture",
        kind: "agriculture technology",
        words: &["Agri", "Farms", "Harvest", "Agronomics", "Crop", "Seeds", "Growers", "Robotics", "Technologies"],
        does: &[
            "helps farmers monitor soil health and crop yields with satellite imagery",
            "builds precision irrigation systems for large farms",
            "develops autonomous robotics for harvesting and weeding",
            "supplies climate-resilient seeds to growers",
        ],
        offers: &["a farm management platform", "a crop analytics dashboard", "sensor-based irrigation controllers"],
        serves: &[
            "family farms and agricultural cooperatives",
            "food producers and commodity traders",
            "greenhouse growers",
        ],
        techs: &["Python", "AWS", "PostgreSQL", "React", "Azure", "TensorFlow", "SAP"],
        revenue_per_employee_k: 180,
        tld: None,
    },
    IndustryData {
        name: "Artificial Intelligence",
        kind: "artificial intelligence",
        words: &["AI", "Intelligence", "Robotics", "Cognitive", "Neural", "Machines", "Vision", "Labs", "Technologies"],
        does: &[
            "builds machine learning models that automate document processing",
            "develops computer vision software for quality inspection",
            "trains large language models for enterprise search and support",
            "provides an AI platform for forecasting and decision automation",
            "builds robotics software that lets machines learn new tasks",
        ],
        offers: &[
            "an AI assistant for customer support teams",
            "a machine learning operations platform",
            "a computer vision API",
        ],
        serves: &[
            "enterprise operations teams",
            "banks, insurers and retailers",
            "manufacturers and logistics companies",
        ],
        techs: &["Python", "PyTorch", "TensorFlow", "Kubernetes", "GCP", "AWS", "Rust", "Databricks"],
        revenue_per_employee_k: 210,
        tld: Some("ai"),
    },
    IndustryData {
        name: "Automotive",
        kind: "automotive",
        words: &["Motors", "Mobility", "Automotive", "EV", "Drive", "Robotics", "Systems", "Technologies"],
        does: &[
            "develops battery management systems for electric vehicles",
            "builds driver assistance software and sensors",
            "manufactures lightweight components for vehicle makers",
            "operates a network of EV charging stations",
        ],
        offers: &["an EV charging platform", "a fleet telematics system", "automotive-grade sensor modules"],
        serves: &[
            "car manufacturers and tier-one suppliers",
            "fleet operators",
            "dealer groups and mobility providers",
        ],
        techs: &["C++", "MATLAB", "Python", "SAP", "Azure", "Linux", "Kafka"],
        revenue_per_employee_k: 300,
        tld: None,
    },
    IndustryData {
        name: "Biotechnology",
        kind: "biotechnology",
        words: &["Bio", "Biosciences", "Therapeutics", "Genomics", "Biologics", "Pharma", "Labs"],
        does: &[
            "discovers antibody therapies for autoimmune diseases",
            "develops gene editing tools for rare disease research",
            "runs a genomics platform that speeds up drug discovery",
            "engineers microbes that produce sustainable materials",
        ],
        offers: &["a drug discovery platform", "a genomic sequencing service", "a pipeline of biologic therapies"],
        serves: &["pharmaceutical companies", "hospitals and research institutes", "clinical research organizations"],
        techs: &["Python", "AWS", "PostgreSQL", "Databricks", "Snowflake", "Java"],
        revenue_per_employee_k: 260,
        tld: None,
    },
    IndustryData {
        name: "Construction",
        kind: "construction",
        words: &["Construction", "Builders", "Build", "Structures", "Engineering", "Civil", "Group", "Solutions"],
        does: &[
            "delivers commercial and residential building projects",
            "builds modular housing with prefabricated timber frames",
            "provides civil engineering for roads, bridges and rail",
            "develops project management software for construction sites",
        ],
        offers: &[
            "a construction project management app",
            "prefabricated building modules",
            "design-and-build services",
        ],
        serves: &["property developers", "municipalities and public agencies", "general contractors"],
        techs: &["SAP", "Oracle", "Azure", ".NET", "Salesforce", "Java"],
        revenue_per_employee_k: 200,
        tld: None,
    },
    IndustryData {
        name: "Consulting",
        kind: "consulting",
        words: &["Consulting", "Advisory", "Partners", "Strategy", "Associates", "Group", "Solutions", "Global"],
        does: &[
            "advises companies on digital transformation and cloud migration",
            "helps private equity firms with commercial due diligence",
            "supports mid-market firms with strategy and operations",
            "delivers data and analytics projects for enterprise clients",
        ],
        offers: &["operations and strategy consulting", "a cloud migration practice", "interim management services"],
        serves: &["mid-market companies", "private equity investors", "public sector organizations"],
        techs: &["Salesforce", "Azure", "SAP", "Tableau", "HubSpot", "AWS", "Snowflake"],
        revenue_per_employee_k: 170,
        tld: None,
    },
    IndustryData {
        name: "Cybersecurity",
        kind: "cybersecurity",
        words: &["Security", "Secure", "Cyber", "Defense", "Shield", "Identity", "Guard", "Labs", "Systems"],
        does: &[
            "protects cloud workloads with real-time threat detection and response",
            "provides identity and access security for distributed teams",
            "runs a managed security operations center for mid-sized companies",
            "builds email security and phishing protection software",
            "helps companies find security vulnerabilities before attackers do",
        ],
        offers: &[
            "a zero-trust network access platform",
            "a cloud security posture tool",
            "managed detection and response",
        ],
        serves: &[
            "banks and insurers",
            "mid-sized companies",
            "government agencies and critical infrastructure operators",
        ],
        techs: &["Go", "Rust", "Kubernetes", "AWS", "Elasticsearch", "Kafka", "Python", "Cloudflare"],
        revenue_per_employee_k: 230,
        tld: Some("io"),
    },
    IndustryData {
        name: "Data & Analytics",
        kind: "data and analytics",
        words: &["Analytics", "Data", "Insights", "Metrics", "Intelligence", "Labs", "Technologies"],
        does: &[
            "helps companies turn raw data into dashboards and forecasts",
            "builds a cloud data warehouse and analytics platform",
            "provides customer analytics for subscription businesses",
            "offers data integration pipelines for modern analytics teams",
        ],
        offers: &[
            "a self-service analytics platform",
            "a data quality monitoring tool",
            "real-time business dashboards",
        ],
        serves: &["data teams at growing companies", "retailers and consumer brands", "finance and operations teams"],
        techs: &["Snowflake", "Databricks", "BigQuery", "Python", "Apache Spark", "Kafka", "Tableau", "Looker"],
        revenue_per_employee_k: 210,
        tld: Some("io"),
    },
    IndustryData {
        name: "E-commerce",
        kind: "e-commerce",
        words: &["Commerce", "Shop", "Market", "Store", "Goods", "Direct", "Digital"],
        does: &[
            "runs an online marketplace for independent brands",
            "builds checkout and storefront software for online retailers",
            "sells home and lifestyle products direct to consumers online",
            "helps brands manage online orders, returns and fulfillment",
        ],
        offers: &["a headless commerce platform", "an online marketplace", "a subscription box service"],
        serves: &["online retailers", "consumer brands", "independent sellers"],
        techs: &["Shopify", "Stripe", "React", "Node.js", "AWS", "PostgreSQL", "Redis", "Zendesk"],
        revenue_per_employee_k: 280,
        tld: None,
    },
    IndustryData {
        name: "Education",
        kind: "education technology",
        words: &["Learning", "Education", "Academy", "Edu", "Tutor", "Campus", "Labs"],
        does: &[
            "builds online learning software for schools and universities",
            "offers live online tutoring in math and science",
            "provides coding bootcamps and professional training",
            "helps companies upskill employees with short online courses",
        ],
        offers: &["a learning management system", "an online course marketplace", "adaptive learning software"],
        serves: &["schools and universities", "corporate learning teams", "students and parents"],
        techs: &["React", "Python", "AWS", "Ruby on Rails", "PostgreSQL", "Zendesk", "HubSpot"],
        revenue_per_employee_k: 120,
        tld: None,
    },
    IndustryData {
        name: "Energy",
        kind: "energy",
        words: &["Energy", "Power", "Solar", "Renewables", "Grid", "Hydrogen", "Systems", "Technologies", "Solutions"],
        does: &[
            "develops and operates solar and wind farms",
            "builds battery storage systems for the power grid",
            "provides energy management software for commercial buildings",
            "produces green hydrogen for heavy industry",
        ],
        offers: &[
            "a grid-scale battery storage system",
            "an energy monitoring platform",
            "rooftop solar installations",
        ],
        serves: &["utilities and grid operators", "industrial companies", "homeowners and property managers"],
        techs: &["Python", "Azure", "SAP", "AWS", "Kafka", "Oracle", "MATLAB"],
        revenue_per_employee_k: 450,
        tld: None,
    },
    IndustryData {
        name: "Fintech",
        kind: "fintech",
        words: &["Pay", "Payments", "Capital", "Finance", "Ledger", "Wallet", "Lending", "Labs", "Technologies"],
        does: &[
            "provides payment processing and fraud prevention for online merchants",
            "builds banking software for small businesses",
            "offers instant lending to small and medium-sized businesses",
            "automates invoicing, expense management and payments for finance teams",
        ],
        offers: &["a payments API", "a business current account", "an expense management app"],
        serves: &["online merchants", "small businesses and freelancers", "banks and credit unions"],
        techs: &["Java", "Kotlin", "Go", "PostgreSQL", "Kafka", "AWS", "Stripe", "Kubernetes"],
        revenue_per_employee_k: 260,
        tld: Some("io"),
    },
    IndustryData {
        name: "Food & Beverage",
        kind: "food and beverage",
        words: &["Foods", "Kitchen", "Brewing", "Beverages", "Organics", "Provisions", "Bakery", "Group"],
        does: &[
            "produces organic snacks and plant-based foods",
            "brews craft beer and alcohol-free drinks",
            "supplies fresh ingredients to restaurants and caterers",
            "makes ready-to-eat meals for supermarkets",
        ],
        offers: &["a range of plant-based foods", "craft beverages", "a meal kit subscription"],
        serves: &["supermarkets and grocery chains", "restaurants and caterers", "health-conscious consumers"],
        techs: &["SAP", "Shopify", "Salesforce", "Oracle", "HubSpot", "Azure"],
        revenue_per_employee_k: 190,
        tld: None,
    },
    IndustryData {
        name: "Gaming",
        kind: "gaming",
        words: &["Games", "Studios", "Interactive", "Play", "Entertainment", "Gaming", "Labs"],
        does: &[
            "develops free-to-play mobile games",
            "builds multiplayer game backends and matchmaking services",
            "publishes story-driven games for PC and consoles",
            "creates casual puzzle games played by millions",
        ],
        offers: &["a multiplayer game engine plugin", "a portfolio of mobile games", "a game analytics platform"],
        serves: &["players worldwide", "independent game studios", "console and PC players"],
        techs: &["Unity", "C++", "Go", "AWS", "Redis", "Kubernetes", "Rust", "GCP"],
        revenue_per_employee_k: 220,
        tld: Some("io"),
    },
    IndustryData {
        name: "Healthcare",
        kind: "healthcare",
        words: &["Health", "Care", "Medical", "Clinics", "Diagnostics", "Healthcare", "Systems", "Technologies"],
        does: &[
            "connects patients with doctors through video consultations",
            "builds clinical software that helps hospitals manage patient care",
            "runs a network of outpatient health clinics",
            "develops AI-assisted diagnostics for radiology",
            "helps employers improve the health of their staff",
        ],
        offers: &["a telehealth platform", "an electronic health record system", "remote patient monitoring"],
        serves: &["hospitals and clinics", "patients and caregivers", "health insurers"],
        techs: &[".NET", "Java", "Azure", "AWS", "PostgreSQL", "Salesforce", "Python", "Twilio"],
        revenue_per_employee_k: 150,
        tld: None,
    },
    IndustryData {
        name: "Hospitality",
        kind: "hospitality",
        words: &["Hotels", "Hospitality", "Resorts", "Stays", "Inns", "Dining", "Group"],
        does: &[
            "operates boutique hotels in city centers",
            "runs serviced apartments for business travelers",
            "builds booking and guest management software for hotels",
            "manages restaurants and event venues",
        ],
        offers: &["a hotel property management system", "a portfolio of boutique hotels", "a restaurant booking app"],
        serves: &["business and leisure travelers", "independent hotels", "event organizers"],
        techs: &["Oracle", "Salesforce", "Stripe", "Azure", "PHP", "MySQL", "Twilio"],
        revenue_per_employee_k: 70,
        tld: None,
    },
    IndustryData {
        name: "Human Resources",
        kind: "human resources",
        words: &["HR", "Talent", "People", "Workforce", "Recruiting", "Staffing", "Payroll", "Solutions", "Partners"],
        does: &[
            "automates payroll and benefits for small companies",
            "helps employers hire faster with skills-based recruiting",
            "provides temporary staffing for logistics and retail",
            "builds employee engagement and performance software",
        ],
        offers: &["an applicant tracking system", "a payroll and HR platform", "recruitment process outsourcing"],
        serves: &["growing companies", "HR and people teams", "staffing agencies"],
        techs: &["Workday", "Salesforce", "React", "Ruby on Rails", "AWS", "PostgreSQL", "HubSpot"],
        revenue_per_employee_k: 110,
        tld: None,
    },
    IndustryData {
        name: "Insurance",
        kind: "insurance",
        words: &["Insurance", "Assurance", "Underwriting", "Mutual", "Cover", "Risk", "Group", "Solutions"],
        does: &[
            "sells simple online insurance for renters and homeowners",
            "provides cyber insurance for small businesses",
            "builds claims automation software for insurers",
            "offers usage-based car insurance",
        ],
        offers: &["a digital insurance platform", "embedded insurance APIs", "a claims management system"],
        serves: &["insurers and brokers", "small businesses", "households"],
        techs: &["Java", ".NET", "Salesforce", "Azure", "Snowflake", "Python", "Oracle"],
        revenue_per_employee_k: 420,
        tld: None,
    },
    IndustryData {
        name: "Legal Services",
        kind: "legal services",
        words: &["Legal", "Law", "Counsel", "Advocates", "Associates", "Partners", "Compliance", "Solutions"],
        does: &[
            "advises technology companies on contracts, IP and regulation",
            "builds contract review software for in-house legal teams",
            "provides employment law and compliance services",
            "helps startups with corporate law and financing rounds",
        ],
        offers: &["a contract lifecycle management platform", "fixed-fee legal advice", "an e-discovery service"],
        serves: &["in-house legal teams", "startups and scale-ups", "law firms"],
        techs: &[".NET", "Azure", "Salesforce", "Python", "React", "PostgreSQL"],
        revenue_per_employee_k: 190,
        tld: None,
    },
    IndustryData {
        name: "Logistics",
        kind: "logistics",
        words: &[
            "Logistics",
            "Freight",
            "Shipping",
            "Cargo",
            "Transport",
            "Express",
            "Fleet",
            "Group",
            "Global",
            "Systems",
        ],
        does: &[
            "runs a digital freight forwarding service for shippers",
            "provides last-mile delivery for online retailers",
            "builds warehouse management and shipping software",
            "operates cold-chain logistics for food and pharma",
        ],
        offers: &["a freight marketplace", "a warehouse management system", "same-day delivery"],
        serves: &["shippers and carriers", "online retailers", "manufacturers and distributors"],
        techs: &["SAP", "Java", "Oracle", "AWS", "Kafka", "Python", "PostgreSQL"],
        revenue_per_employee_k: 160,
        tld: None,
    },
    IndustryData {
        name: "Manufacturing",
        kind: "manufacturing",
        words: &[
            "Manufacturing",
            "Industries",
            "Robotics",
            "Works",
            "Industrial",
            "Components",
            "Fabrication",
            "Group",
            "Systems",
            "Technologies",
        ],
        does: &[
            "produces precision metal parts for industrial machinery",
            "builds industrial robotics for assembly lines",
            "manufactures packaging for consumer goods",
            "develops factory automation and machine monitoring systems",
        ],
        offers: &["contract manufacturing", "collaborative robots", "a smart factory platform"],
        serves: &["industrial equipment makers", "automotive and aerospace suppliers", "consumer goods brands"],
        techs: &["SAP", "MATLAB", "C++", "Azure", "Oracle", "Python", "Kafka"],
        revenue_per_employee_k: 230,
        tld: None,
    },
    IndustryData {
        name: "Marketing",
        kind: "marketing",
        words: &["Marketing", "Media", "Creative", "Digital", "Growth", "Brands", "Agency", "Labs", "Partners"],
        does: &[
            "runs performance marketing campaigns for consumer brands",
            "builds marketing automation software for B2B teams",
            "creates video and social media content for brands",
            "helps companies grow through search and content marketing",
        ],
        offers: &[
            "a marketing automation platform",
            "an influencer marketing network",
            "a full-service digital agency",
        ],
        serves: &["B2B marketing teams", "consumer brands", "e-commerce companies"],
        techs: &["HubSpot", "Marketo", "Salesforce", "React", "GCP", "BigQuery", "Looker"],
        revenue_per_employee_k: 140,
        tld: None,
    },
    IndustryData {
        name: "Media",
        kind: "media",
        words: &["Media", "News", "Studios", "Publishing", "Broadcast", "Press", "Pictures", "Digital", "Group"],
        does: &[
            "publishes independent news and analysis online",
            "produces documentaries and streaming series",
            "runs a network of podcasts and newsletters",
            "builds video streaming technology for broadcasters",
        ],
        offers: &["a subscription news service", "a streaming platform", "branded content production"],
        serves: &["readers and subscribers", "broadcasters and publishers", "advertisers"],
        techs: &["React", "Node.js", "AWS", "GCP", "Cloudflare", "PHP", "Elasticsearch"],
        revenue_per_employee_k: 180,
        tld: None,
    },
    IndustryData {
        name: "Real Estate",
        kind: "real estate",
        words: &["Properties", "Realty", "Estates", "Living", "Homes", "Spaces", "Developments", "Group", "Partners"],
        does: &[
            "develops and manages residential apartment buildings",
            "operates flexible office spaces",
            "builds property management software for landlords",
            "helps buyers find and finance homes online",
        ],
        offers: &["a property management platform", "flexible office space", "an online home buying service"],
        serves: &["landlords and property managers", "home buyers and renters", "real estate investors"],
        techs: &["Salesforce", "React", "PostgreSQL", "AWS", "HubSpot", "Azure", "Ruby on Rails"],
        revenue_per_employee_k: 330,
        tld: None,
    },
    IndustryData {
        name: "Retail",
        kind: "retail",
        words: &["Retail", "Outfitters", "Stores", "Supply", "Trading", "Brands", "Goods", "Digital", "Group"],
        does: &[
            "operates a chain of outdoor and sports stores",
            "sells fashion and accessories in stores and online",
            "builds point-of-sale and inventory software for retailers",
            "runs neighborhood convenience stores",
        ],
        offers: &["an omnichannel point-of-sale system", "a network of retail stores", "private-label products"],
        serves: &["shoppers", "independent retailers", "retail chains"],
        techs: &["Shopify", "SAP", "Salesforce", "Oracle", "Azure", "Stripe", "Zendesk"],
        revenue_per_employee_k: 130,
        tld: None,
    },
    IndustryData {
        name: "SaaS",
        kind: "SaaS",
        words: &[
            "Cloud",
            "Software",
            "Systems",
            "Apps",
            "Stack",
            "Platforms",
            "Labs",
            "Technologies",
            "Works",
            "Digital",
            "Solutions",
        ],
        does: &[
            "builds cloud software that automates back-office workflows",
            "offers a collaboration platform for remote teams",
            "provides customer support software with built-in automation",
            "develops cloud-based scheduling and resource planning tools",
            "sells subscription software for managing field service operations",
        ],
        offers: &[
            "a cloud workflow automation platform",
            "a customer support help desk",
            "an API-first billing system",
        ],
        serves: &["small and medium-sized businesses", "enterprise IT teams", "operations and finance teams"],
        techs: &["AWS", "Kubernetes", "React", "TypeScript", "Go", "PostgreSQL", "Redis", "Node.js", "Datadog"],
        revenue_per_employee_k: 200,
        tld: Some("io"),
    },
    IndustryData {
        name: "Semiconductors",
        kind: "semiconductor",
        words: &[
            "Semiconductor",
            "Microsystems",
            "Silicon",
            "Photonics",
            "Chips",
            "Devices",
            "Technologies",
            "Systems",
        ],
        does: &[
            "designs low-power chips for connected devices",
            "develops photonic chips for data center networking",
            "builds chip design and verification software",
            "manufactures power semiconductors for electric vehicles",
        ],
        offers: &["a family of AI accelerator chips", "RF chipsets", "semiconductor test equipment"],
        serves: &["device makers", "data center operators", "automotive suppliers"],
        techs: &["C++", "Python", "Linux", "MATLAB", "Rust", "AWS", "SAP"],
        revenue_per_employee_k: 400,
        tld: None,
    },
    IndustryData {
        name: "Telecommunications",
        kind: "telecommunications",
        words: &[
            "Telecom",
            "Networks",
            "Communications",
            "Connect",
            "Wireless",
            "Fiber",
            "Mobile",
            "Systems",
            "Solutions",
            "Technologies",
        ],
        does: &[
            "builds fiber broadband networks in underserved regions",
            "provides private 5G networks for factories and ports",
            "offers cloud communications APIs for voice and messaging",
            "operates a mobile network for business customers",
        ],
        offers: &["a cloud phone system", "fiber broadband", "IoT connectivity"],
        serves: &["businesses and households", "mobile operators", "enterprises with remote sites"],
        techs: &["Java", "Go", "Kubernetes", "Linux", "Twilio", "Oracle", "Kafka"],
        revenue_per_employee_k: 350,
        tld: None,
    },
    IndustryData {
        name: "Travel",
        kind: "travel",
        words: &["Travel", "Trips", "Journeys", "Tours", "Voyages", "Holidays", "Expeditions", "Group", "Global"],
        does: &[
            "organizes small-group adventure tours",
            "builds travel booking software for agencies",
            "manages corporate travel and expenses",
            "offers tailor-made holidays and city breaks",
        ],
        offers: &["a corporate travel platform", "guided tours", "a booking engine for tour operators"],
        serves: &["business travelers", "travel agencies and tour operators", "holidaymakers"],
        techs: &["React", "Java", "AWS", "Stripe", "Salesforce", "Elasticsearch", "Python"],
        revenue_per_employee_k: 160,
        tld: None,
    },
];

struct CountryData {
    code: &'static str,
    weight: u32,
    /// Legal forms, most common first; `large` for companies with 1,000+ employees.
    small: &'static [&'static str],
    large: &'static [&'static str],
    /// Country top-level domains, most common first.
    tlds: &'static [&'static str],
    cities: &'static [&'static str],
    /// The region of each city, same order.
    regions: &'static [&'static str],
    /// Where its customers are, for descriptions.
    market: &'static str,
}

const COUNTRY_CODES: &[&str] = &[
    "US", "GB", "DE", "FR", "IN", "CA", "NL", "AU", "ES", "JP", "IT", "BR", "SE", "CH", "IL", "SG", "IE", "PL", "DK",
    "BE", "NO", "FI", "AT", "PT", "MX",
];

static COUNTRY_DATA: [CountryData; 25] = [
    CountryData {
        code: "US",
        weight: 300,
        small: &["Inc.", "LLC", "Corp."],
        large: &["Inc.", "Corp."],
        tlds: &["com"],
        cities: &[
            "New York",
            "San Francisco",
            "Austin",
            "Boston",
            "Seattle",
            "Chicago",
            "Los Angeles",
            "Denver",
            "Atlanta",
            "Miami",
        ],
        regions: &[
            "New York",
            "California",
            "Texas",
            "Massachusetts",
            "Washington",
            "Illinois",
            "California",
            "Colorado",
            "Georgia",
            "Florida",
        ],
        market: "North America",
    },
    CountryData {
        code: "GB",
        weight: 90,
        small: &["Ltd"],
        large: &["PLC", "Ltd"],
        tlds: &["co.uk"],
        cities: &[
            "London",
            "Manchester",
            "Edinburgh",
            "Bristol",
            "Cambridge",
            "Leeds",
            "Glasgow",
            "Cardiff",
            "Belfast",
        ],
        regions: &[
            "England",
            "England",
            "Scotland",
            "England",
            "England",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
        ],
        market: "the UK and Europe",
    },
    CountryData {
        code: "DE",
        weight: 80,
        small: &["GmbH"],
        large: &["AG", "GmbH"],
        tlds: &["de"],
        cities: &["Berlin", "Munich", "Hamburg", "Frankfurt", "Cologne", "Stuttgart", "Düsseldorf", "Leipzig"],
        regions: &[
            "Berlin",
            "Bavaria",
            "Hamburg",
            "Hesse",
            "North Rhine-Westphalia",
            "Baden-Württemberg",
            "North Rhine-Westphalia",
            "Saxony",
        ],
        market: "the DACH region",
    },
    CountryData {
        code: "FR",
        weight: 55,
        small: &["SAS"],
        large: &["SA", "SAS"],
        tlds: &["fr"],
        cities: &["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Nice"],
        regions: &[
            "Île-de-France",
            "Auvergne-Rhône-Alpes",
            "Provence-Alpes-Côte d'Azur",
            "Occitanie",
            "Nouvelle-Aquitaine",
            "Hauts-de-France",
            "Pays de la Loire",
            "Provence-Alpes-Côte d'Azur",
        ],
        market: "France and Europe",
    },
    CountryData {
        code: "IN",
        weight: 45,
        small: &["Pvt Ltd"],
        large: &["Ltd", "Pvt Ltd"],
        tlds: &["in", "co.in"],
        cities: &["Bengaluru", "Mumbai", "New Delhi", "Hyderabad", "Pune", "Chennai", "Gurugram"],
        regions: &["Karnataka", "Maharashtra", "Delhi", "Telangana", "Maharashtra", "Tamil Nadu", "Haryana"],
        market: "India and Southeast Asia",
    },
    CountryData {
        code: "CA",
        weight: 45,
        small: &["Inc."],
        large: &["Inc.", "Corp."],
        tlds: &["ca"],
        cities: &["Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa", "Waterloo", "Edmonton"],
        regions: &["Ontario", "British Columbia", "Quebec", "Alberta", "Ontario", "Ontario", "Alberta"],
        market: "North America",
    },
    CountryData {
        code: "NL",
        weight: 35,
        small: &["B.V."],
        large: &["N.V.", "B.V."],
        tlds: &["nl"],
        cities: &["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "The Hague", "Groningen"],
        regions: &["North Holland", "South Holland", "Utrecht", "North Brabant", "South Holland", "Groningen"],
        market: "the Benelux and Europe",
    },
    CountryData {
        code: "AU",
        weight: 30,
        small: &["Pty Ltd"],
        large: &["Ltd", "Pty Ltd"],
        tlds: &["com.au"],
        cities: &["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Canberra"],
        regions: &[
            "New South Wales",
            "Victoria",
            "Queensland",
            "Western Australia",
            "South Australia",
            "Australian Capital Territory",
        ],
        market: "Australia and New Zealand",
    },
    CountryData {
        code: "ES",
        weight: 30,
        small: &["S.L."],
        large: &["S.A.", "S.L."],
        tlds: &["es"],
        cities: &["Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Málaga"],
        regions: &[
            "Community of Madrid",
            "Catalonia",
            "Valencian Community",
            "Andalusia",
            "Basque Country",
            "Andalusia",
        ],
        market: "Spain and Latin America",
    },
    CountryData {
        code: "JP",
        weight: 28,
        small: &["K.K."],
        large: &["K.K."],
        tlds: &["co.jp", "jp"],
        cities: &["Tokyo", "Osaka", "Yokohama", "Kyoto", "Fukuoka", "Nagoya", "Sapporo"],
        regions: &["Tokyo", "Osaka", "Kanagawa", "Kyoto", "Fukuoka", "Aichi", "Hokkaido"],
        market: "Japan and the Asia-Pacific region",
    },
    CountryData {
        code: "IT",
        weight: 27,
        small: &["S.r.l."],
        large: &["S.p.A.", "S.r.l."],
        tlds: &["it"],
        cities: &["Milan", "Rome", "Turin", "Bologna", "Florence", "Naples"],
        regions: &["Lombardy", "Lazio", "Piedmont", "Emilia-Romagna", "Tuscany", "Campania"],
        market: "Italy and Southern Europe",
    },
    CountryData {
        code: "BR",
        weight: 25,
        small: &["Ltda."],
        large: &["S.A.", "Ltda."],
        tlds: &["com.br"],
        cities: &["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Florianópolis"],
        regions: &["São Paulo", "Rio de Janeiro", "Minas Gerais", "Paraná", "Rio Grande do Sul", "Santa Catarina"],
        market: "Latin America",
    },
    CountryData {
        code: "SE",
        weight: 22,
        small: &["AB"],
        large: &["AB"],
        tlds: &["se"],
        cities: &["Stockholm", "Gothenburg", "Malmö", "Uppsala", "Linköping"],
        regions: &["Stockholm County", "Västra Götaland", "Skåne", "Uppsala County", "Östergötland"],
        market: "the Nordics",
    },
    CountryData {
        code: "CH",
        weight: 20,
        small: &["AG", "GmbH"],
        large: &["AG"],
        tlds: &["ch"],
        cities: &["Zurich", "Geneva", "Basel", "Lausanne", "Bern", "Zug", "Lugano"],
        regions: &["Zurich", "Geneva", "Basel-Stadt", "Vaud", "Bern", "Zug", "Ticino"],
        market: "the DACH region",
    },
    CountryData {
        code: "IL",
        weight: 18,
        small: &["Ltd"],
        large: &["Ltd"],
        tlds: &["co.il"],
        cities: &["Tel Aviv", "Jerusalem", "Haifa", "Herzliya", "Petah Tikva", "Beersheba"],
        regions: &[
            "Tel Aviv District",
            "Jerusalem District",
            "Haifa District",
            "Tel Aviv District",
            "Central District",
            "Southern District",
        ],
        market: "Israel, Europe and North America",
    },
    CountryData {
        code: "SG",
        weight: 16,
        small: &["Pte. Ltd."],
        large: &["Pte. Ltd.", "Ltd"],
        tlds: &["com.sg", "sg"],
        cities: &["Singapore"],
        regions: &["Singapore"],
        market: "Southeast Asia",
    },
    CountryData {
        code: "IE",
        weight: 15,
        small: &["Ltd"],
        large: &["PLC", "Ltd"],
        tlds: &["ie"],
        cities: &["Dublin", "Cork", "Galway", "Limerick", "Waterford"],
        regions: &["Leinster", "Munster", "Connacht", "Munster", "Munster"],
        market: "Ireland and Europe",
    },
    CountryData {
        code: "PL",
        weight: 15,
        small: &["sp. z o.o."],
        large: &["S.A.", "sp. z o.o."],
        tlds: &["pl"],
        cities: &["Warsaw", "Kraków", "Wrocław", "Gdańsk", "Poznań", "Łódź"],
        regions: &["Masovia", "Lesser Poland", "Lower Silesia", "Pomerania", "Greater Poland", "Łódź"],
        market: "Central and Eastern Europe",
    },
    CountryData {
        code: "DK",
        weight: 12,
        small: &["ApS"],
        large: &["A/S", "ApS"],
        tlds: &["dk"],
        cities: &["Copenhagen", "Aarhus", "Odense", "Aalborg", "Esbjerg"],
        regions: &["Capital Region", "Central Denmark", "Southern Denmark", "North Denmark", "Southern Denmark"],
        market: "the Nordics",
    },
    CountryData {
        code: "BE",
        weight: 12,
        small: &["BV", "SA"],
        large: &["SA", "BV"],
        tlds: &["be"],
        cities: &["Brussels", "Antwerp", "Ghent", "Leuven", "Liège"],
        regions: &["Brussels-Capital", "Flanders", "Flanders", "Flanders", "Wallonia"],
        market: "the Benelux and Europe",
    },
    CountryData {
        code: "NO",
        weight: 11,
        small: &["AS"],
        large: &["ASA", "AS"],
        tlds: &["no"],
        cities: &["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø"],
        regions: &["Oslo", "Vestland", "Trøndelag", "Rogaland", "Troms"],
        market: "the Nordics",
    },
    CountryData {
        code: "FI",
        weight: 10,
        small: &["Oy"],
        large: &["Oyj", "Oy"],
        tlds: &["fi"],
        cities: &["Helsinki", "Espoo", "Tampere", "Turku", "Oulu"],
        regions: &["Uusimaa", "Uusimaa", "Pirkanmaa", "Southwest Finland", "North Ostrobothnia"],
        market: "the Nordics",
    },
    CountryData {
        code: "AT",
        weight: 10,
        small: &["GmbH"],
        large: &["AG", "GmbH"],
        tlds: &["at"],
        cities: &["Vienna", "Graz", "Linz", "Salzburg", "Innsbruck"],
        regions: &["Vienna", "Styria", "Upper Austria", "Salzburg", "Tyrol"],
        market: "the DACH region",
    },
    CountryData {
        code: "PT",
        weight: 9,
        small: &["Lda."],
        large: &["S.A.", "Lda."],
        tlds: &["pt"],
        cities: &["Lisbon", "Porto", "Braga", "Coimbra", "Faro"],
        regions: &["Lisbon", "Porto", "Braga", "Coimbra", "Faro"],
        market: "Portugal and Brazil",
    },
    CountryData {
        code: "MX",
        weight: 9,
        small: &["S.A. de C.V."],
        large: &["S.A.B. de C.V.", "S.A. de C.V."],
        tlds: &["com.mx", "mx"],
        cities: &["Mexico City", "Guadalajara", "Monterrey", "Querétaro", "Puebla"],
        regions: &["Mexico City", "Jalisco", "Nuevo León", "Querétaro", "Puebla"],
        market: "Mexico and Latin America",
    },
];

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
