//! The `Query` root: company search (explicit filters or an `aiSearch` sentence), lookups by id,
//! domain or batch, an owner's collections and their items, an owner's e-mail discovery request,
//! and the industry taxonomy.

use async_graphql::{Context, ID, Object};

use super::discovery;
use super::resolve::{appsync_error, blocking, page_size};
use super::types::{
    AiSearchFilters, AiSearchResult, AwsDateTime, Collection, CollectionConnection, CollectionItem,
    CollectionItemConnection, Company, CompanyConnection, CompanySearchFilter, EmailDiscovery, companies,
};
use crate::db::{self, Db};
use crate::discovery::DiscoverySchedule;
use crate::interpret;

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
        let understood = AiSearchFilters::from(interpret::interpret(&query));
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

    /// Null when `owner_id` has no request `id`: another owner's request is not found either.
    async fn get_email_discovery(
        &self,
        ctx: &Context<'_>,
        owner_id: ID,
        id: ID,
    ) -> async_graphql::Result<Option<EmailDiscovery>> {
        let db = ctx.data::<Db>()?.clone();
        let schedule = *ctx.data::<DiscoverySchedule>()?;
        let stored = blocking(move || db.email_discovery(&owner_id, &id)).await?;
        Ok(stored.map(|s| discovery::read(s, &schedule, time::OffsetDateTime::now_utc())))
    }

    async fn industries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(ctx.data::<Db>()?.industries())
    }
}
