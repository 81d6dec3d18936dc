//! The platform's GraphQL API, code-first with async-graphql, mirroring `schema.graphql` type for
//! type and field for field (a test in the server's suite compares the two). Resolvers read and
//! write the SQLite database; errors carry AppSync's `errorType`.

use async_graphql::{Context, EmptySubscription, Enum, ErrorExtensions, ID, InputObject, Object, Schema, SimpleObject};

use crate::db::{self, Db, DbError};
use crate::interpret;

pub type PlatformSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn schema(db: Db) -> PlatformSchema {
    crate::with_faults(Schema::build(Query, Mutation, EmptySubscription)).data(db).finish()
}

/// The SDL this server implements (compared with `schema.graphql` in tests).
pub fn sdl() -> String {
    Schema::build(Query, Mutation, EmptySubscription).finish().sdl()
}

/// An error the way AppSync reports it: `errorType` plus a message.
pub fn appsync_error(error_type: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("errorType", error_type))
}

fn db_error(e: DbError) -> async_graphql::Error {
    match e {
        DbError::BadToken => appsync_error("BadRequestException", "Invalid nextToken"),
        DbError::TooManyTerms => appsync_error("BadRequestException", "query has more than 64 words"),
        DbError::Sqlite(e) => {
            tracing::error!(error = %e, "database error");
            appsync_error("InternalFailure", "internal error")
        }
    }
}

/// AppSync caps page sizes; so do we (the MCP server never asks for more than 100).
fn page_size(limit: i32) -> async_graphql::Result<usize> {
    if (1..=1000).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(appsync_error("BadRequestException", "limit must be between 1 and 1000"))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> async_graphql::Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(db_error),
        Err(_) => Err(appsync_error("InternalFailure", "internal error")),
    }
}

async_graphql::scalar!(AwsDateTime, "AWSDateTime");
async_graphql::scalar!(AwsUrl, "AWSURL");

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct AwsDateTime(pub String);
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct AwsUrl(pub String);

#[derive(SimpleObject)]
pub struct Company {
    id: ID,
    name: String,
    legal_name: Option<String>,
    domain: Option<String>,
    website: Option<AwsUrl>,
    description: Option<String>,
    country: Option<String>,
    city: Option<String>,
    region: Option<String>,
    industry: Option<String>,
    employees: Option<i32>,
    employee_range: Option<String>,
    revenue_range: Option<String>,
    founded_year: Option<i32>,
    technologies: Option<Vec<String>>,
    linkedin_url: Option<AwsUrl>,
    updated_at: Option<AwsDateTime>,
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
    items: Vec<Company>,
    next_token: Option<String>,
}

#[derive(SimpleObject, Default, Clone, Debug, PartialEq)]
pub struct AiSearchFilters {
    pub query: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employees_min: Option<i32>,
    pub employees_max: Option<i32>,
}

#[derive(SimpleObject)]
pub struct AiSearchResult {
    interpreted_filters: AiSearchFilters,
    items: Vec<Company>,
    next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct Collection {
    id: ID,
    owner_id: ID,
    name: String,
    description: Option<String>,
    item_count: i32,
    created_at: AwsDateTime,
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
    items: Vec<Collection>,
    next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct CollectionItem {
    company: Company,
    added_at: AwsDateTime,
}

#[derive(SimpleObject)]
pub struct CollectionItemConnection {
    items: Vec<CollectionItem>,
    next_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddToCollectionResult {
    added: Vec<ID>,
    already_present: Vec<ID>,
    not_found: Vec<ID>,
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

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DiscoveryStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

#[derive(SimpleObject)]
pub struct EmailDiscoveryRequest {
    id: ID,
    company_id: ID,
    department: Department,
    max_contacts: i32,
    status: DiscoveryStatus,
    created_at: AwsDateTime,
}

#[derive(InputObject)]
pub struct CompanySearchFilter {
    query: Option<String>,
    country: Option<String>,
    industry: Option<String>,
    employees_min: Option<i32>,
    employees_max: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateCollectionInput {
    owner_id: ID,
    name: String,
    description: Option<String>,
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddToCollectionInput {
    owner_id: ID,
    collection_id: ID,
    company_ids: Vec<ID>,
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct EmailDiscoveryInput {
    owner_id: ID,
    company_id: ID,
    department: Department,
    max_contacts: i32,
    idempotency_key: Option<String>,
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

fn companies(rows: Vec<db::CompanyRow>) -> Vec<Company> {
    rows.into_iter().map(Company::from).collect()
}

pub struct Query;

#[Object]
impl Query {
    async fn search_companies(
        &self,
        ctx: &Context<'_>,
        filter: CompanySearchFilter,
        limit: i32,
        next_token: Option<String>,
    ) -> async_graphql::Result<CompanyConnection> {
        let db = ctx.data::<Db>()?.clone();
        let limit = page_size(limit)?;
        let filter = db::Filter::from(filter);
        let (rows, next_token) = blocking(move || db.search(&filter, limit, next_token.as_deref())).await?;
        Ok(CompanyConnection { items: companies(rows), next_token })
    }

    async fn get_company(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        domain: Option<String>,
    ) -> async_graphql::Result<Option<Company>> {
        let db = ctx.data::<Db>()?.clone();
        let row = match (id, domain) {
            (Some(id), None) => blocking(move || db.company_by_id(&id)).await?,
            (None, Some(domain)) => blocking(move || db.company_by_domain(&domain)).await?,
            _ => return Err(appsync_error("BadRequestException", "exactly one of id or domain is required")),
        };
        Ok(row.map(Company::from))
    }

    async fn get_companies_batch(&self, ctx: &Context<'_>, ids: Vec<ID>) -> async_graphql::Result<Vec<Company>> {
        if ids.len() > 50 {
            return Err(appsync_error("BadRequestException", "at most 50 ids"));
        }
        let db = ctx.data::<Db>()?.clone();
        let ids: Vec<String> = ids.into_iter().map(|id| id.0).collect();
        Ok(companies(blocking(move || db.companies_by_ids(&ids)).await?))
    }

    async fn ai_search(
        &self,
        ctx: &Context<'_>,
        query: String,
        limit: i32,
        next_token: Option<String>,
    ) -> async_graphql::Result<AiSearchResult> {
        let db = ctx.data::<Db>()?.clone();
        let limit = page_size(limit)?;
        let understood = interpret::interpret(&query);
        let filter = db::Filter::from(understood.clone());
        let (rows, next_token) = blocking(move || db.search(&filter, limit, next_token.as_deref())).await?;
        Ok(AiSearchResult { interpreted_filters: understood, items: companies(rows), next_token })
    }

    async fn list_collections(
        &self,
        ctx: &Context<'_>,
        owner_id: ID,
        limit: i32,
        next_token: Option<String>,
    ) -> async_graphql::Result<CollectionConnection> {
        let db = ctx.data::<Db>()?.clone();
        let limit = page_size(limit)?;
        let (rows, next_token) = blocking(move || db.list_collections(&owner_id, limit, next_token.as_deref())).await?;
        Ok(CollectionConnection { items: rows.into_iter().map(Collection::from).collect(), next_token })
    }

    async fn get_collection_items(
        &self,
        ctx: &Context<'_>,
        owner_id: ID,
        collection_id: ID,
        limit: i32,
        next_token: Option<String>,
    ) -> async_graphql::Result<Option<CollectionItemConnection>> {
        let db = ctx.data::<Db>()?.clone();
        let limit = page_size(limit)?;
        let page =
            blocking(move || db.collection_items(&owner_id, &collection_id, limit, next_token.as_deref())).await?;
        Ok(page.map(|(rows, next_token)| CollectionItemConnection {
            items: rows
                .into_iter()
                .map(|(company, added_at)| CollectionItem { company: company.into(), added_at: AwsDateTime(added_at) })
                .collect(),
            next_token,
        }))
    }

    async fn industries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(ctx.data::<Db>()?.industries())
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    async fn create_collection(
        &self,
        ctx: &Context<'_>,
        input: CreateCollectionInput,
    ) -> async_graphql::Result<Collection> {
        if input.name.trim().is_empty() || input.name.chars().count() > 100 {
            return Err(appsync_error("BadRequestException", "name must be 1 to 100 characters"));
        }
        let db = ctx.data::<Db>()?.clone();
        let row = blocking(move || {
            let key = input.idempotency_key.as_deref();
            db.create_collection(&input.owner_id, &input.name, input.description.as_deref(), key)
        })
        .await?;
        Ok(row.into())
    }

    async fn add_to_collection(
        &self,
        ctx: &Context<'_>,
        input: AddToCollectionInput,
    ) -> async_graphql::Result<Option<AddToCollectionResult>> {
        if input.company_ids.len() > 50 {
            return Err(appsync_error("BadRequestException", "at most 50 ids"));
        }
        let db = ctx.data::<Db>()?.clone();
        let ids: Vec<String> = input.company_ids.into_iter().map(|id| id.0).collect();
        let key = input.idempotency_key;
        let result =
            blocking(move || db.add_to_collection(&input.owner_id, &input.collection_id, &ids, key.as_deref())).await?;
        let ids = |v: Vec<String>| v.into_iter().map(ID).collect();
        Ok(result.map(|r| AddToCollectionResult {
            added: ids(r.added),
            already_present: ids(r.already_present),
            not_found: ids(r.not_found),
        }))
    }

    async fn request_email_discovery(
        &self,
        ctx: &Context<'_>,
        input: EmailDiscoveryInput,
    ) -> async_graphql::Result<EmailDiscoveryRequest> {
        if !(1..=25).contains(&input.max_contacts) {
            return Err(appsync_error("BadRequestException", "maxContacts must be between 1 and 25"));
        }
        let db = ctx.data::<Db>()?.clone();
        let department = input.department;
        let name = format!("{department:?}").to_uppercase();
        let row = blocking(move || {
            let key = input.idempotency_key.as_deref();
            db.request_email_discovery(&input.owner_id, &input.company_id, &name, i64::from(input.max_contacts), key)
        })
        .await?;
        Ok(EmailDiscoveryRequest {
            id: ID(row.id),
            company_id: ID(row.company_id),
            department,
            max_contacts: i32::try_from(row.max_contacts).unwrap_or(25),
            status: DiscoveryStatus::Queued,
            created_at: AwsDateTime(row.created_at),
        })
    }
}
