//! The schema's types: objects (companies, collections, e-mail discovery requests with their
//! contacts, and the connections), enums and inputs, with their conversions from the database's rows and into its
//! search [`db::Filter`].

use async_graphql::{Enum, ID, InputObject, SimpleObject};

use crate::db;
use crate::interpret::Interpretation;

async_graphql::scalar!(AwsDateTime, "AWSDateTime");
async_graphql::scalar!(AwsUrl, "AWSURL");
async_graphql::scalar!(AwsEmail, "AWSEmail");

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct AwsDateTime(pub String);
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct AwsUrl(pub String);
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct AwsEmail(pub String);

#[derive(SimpleObject)]
pub struct Company {
    pub(super) id: ID,
    pub(super) name: String,
    pub(super) legal_name: Option<String>,
    pub(super) domain: Option<String>,
    pub(super) website: Option<AwsUrl>,
    pub(super) description: Option<String>,
    pub(super) country: Option<String>,
    pub(super) city: Option<String>,
    pub(super) region: Option<String>,
    pub(super) industry: Option<String>,
    pub(super) employees: Option<i32>,
    pub(super) employee_range: Option<String>,
    pub(super) revenue_range: Option<String>,
    pub(super) founded_year: Option<i32>,
    pub(super) technologies: Option<Vec<String>>,
    pub(super) linkedin_url: Option<AwsUrl>,
    pub(super) updated_at: Option<AwsDateTime>,
}

impl From<db::CompanyRow> for Company {
    fn from(c: db::CompanyRow) -> Self {
        Company {
            id: ID(c.id),
            name: c.name,
            legal_name: c.legal_name,
            domain: c.domain,
            website: c.website.map(AwsUrl),
            description: c.description,
            country: c.country,
            city: c.city,
            region: c.region,
            industry: c.industry,
            employees: c.employees.and_then(|n| i32::try_from(n).ok()),
            employee_range: c.employee_range,
            revenue_range: c.revenue_range,
            founded_year: c.founded_year,
            technologies: Some(c.technologies),
            linkedin_url: c.linkedin_url.map(AwsUrl),
            updated_at: c.updated_at.map(AwsDateTime),
        }
    }
}

#[derive(SimpleObject)]
pub struct CompanyConnection {
    pub(super) items: Vec<Company>,
    pub(super) next_token: Option<String>,
}

#[derive(SimpleObject, Default, Clone, Debug, PartialEq)]
pub struct AiSearchFilters {
    pub query: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employees_min: Option<i32>,
    pub employees_max: Option<i32>,
}

/// What `aiSearch` understood, as the schema reports it.
impl From<Interpretation> for AiSearchFilters {
    fn from(i: Interpretation) -> Self {
        AiSearchFilters {
            query: i.query,
            country: i.country,
            industry: i.industry,
            employees_min: i.employees_min,
            employees_max: i.employees_max,
        }
    }
}

#[derive(SimpleObject)]
pub struct AiSearchResult {
    pub(super) interpreted_filters: AiSearchFilters,
    pub(super) items: Vec<Company>,
    pub(super) next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct Collection {
    pub(super) id: ID,
    pub(super) owner_id: ID,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) item_count: i32,
    pub(super) created_at: AwsDateTime,
}

impl From<db::CollectionRow> for Collection {
    fn from(c: db::CollectionRow) -> Self {
        Collection {
            id: ID(c.id),
            owner_id: ID(c.owner_id),
            name: c.name,
            description: c.description,
            item_count: i32::try_from(c.item_count).unwrap_or(i32::MAX),
            created_at: AwsDateTime(c.created_at),
        }
    }
}

#[derive(SimpleObject)]
pub struct CollectionConnection {
    pub(super) items: Vec<Collection>,
    pub(super) next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct CollectionItem {
    pub(super) company: Company,
    pub(super) added_at: AwsDateTime,
}

#[derive(SimpleObject)]
pub struct CollectionItemConnection {
    pub(super) items: Vec<CollectionItem>,
    pub(super) next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddToCollectionResult {
    pub(super) added: Vec<ID>,
    pub(super) already_present: Vec<ID>,
    pub(super) not_found: Vec<ID>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Department {
    Any,
    Executive,
    Sales,
    Marketing,
    Engineering,
    Finance,
    Hr,
    Operations,
}

impl Department {
    /// The enum value's name, as the database stores it (`SALES`).
    pub fn stored(self) -> String {
        format!("{self:?}").to_uppercase()
    }

    /// The department a stored name stands for (`ANY` for one this schema does not know).
    pub fn from_stored(name: &str) -> Department {
        use Department::*;
        [Executive, Sales, Marketing, Engineering, Finance, Hr, Operations]
            .into_iter()
            .find(|d| d.stored() == name)
            .unwrap_or(Any)
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DiscoveryStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

#[derive(SimpleObject)]
pub struct EmailDiscoveryRequest {
    pub(super) id: ID,
    pub(super) company_id: ID,
    pub(super) department: Department,
    pub(super) max_contacts: i32,
    pub(super) status: DiscoveryStatus,
    pub(super) created_at: AwsDateTime,
}

#[derive(SimpleObject)]
pub struct EmailDiscovery {
    pub(super) id: ID,
    pub(super) company_id: ID,
    pub(super) department: Department,
    pub(super) max_contacts: i32,
    pub(super) status: DiscoveryStatus,
    pub(super) created_at: AwsDateTime,
    pub(super) updated_at: AwsDateTime,
    pub(super) contacts: Vec<DiscoveredContact>,
}

#[derive(SimpleObject, Debug)]
pub struct DiscoveredContact {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) department: Department,
    pub(super) email: AwsEmail,
    pub(super) confidence: f64,
}

#[derive(InputObject)]
pub struct CompanySearchFilter {
    pub(super) query: Option<String>,
    pub(super) country: Option<String>,
    pub(super) industry: Option<String>,
    pub(super) employees_min: Option<i32>,
    pub(super) employees_max: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateCollectionInput {
    pub(super) owner_id: ID,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddToCollectionInput {
    pub(super) owner_id: ID,
    pub(super) collection_id: ID,
    pub(super) company_ids: Vec<ID>,
    pub(super) idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct EmailDiscoveryInput {
    pub(super) owner_id: ID,
    pub(super) company_id: ID,
    pub(super) department: Department,
    pub(super) max_contacts: i32,
    pub(super) idempotency_key: Option<String>,
}

impl From<CompanySearchFilter> for db::Filter {
    fn from(f: CompanySearchFilter) -> Self {
        db::Filter {
            query: f.query,
            country: f.country,
            industry: f.industry,
            employees_min: f.employees_min.map(i64::from),
            employees_max: f.employees_max.map(i64::from),
        }
    }
}

/// What aiSearch understood is searched exactly like an explicit filter.
impl From<AiSearchFilters> for db::Filter {
    fn from(f: AiSearchFilters) -> Self {
        db::Filter::from(CompanySearchFilter {
            query: f.query,
            country: f.country,
            industry: f.industry,
            employees_min: f.employees_min,
            employees_max: f.employees_max,
        })
    }
}

pub(super) fn companies(rows: Vec<db::CompanyRow>) -> Vec<Company> {
    rows.into_iter().map(Company::from).collect()
}
