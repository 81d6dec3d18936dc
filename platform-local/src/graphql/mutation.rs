//! The `Mutation` root: create a collection, add companies to one, request an e-mail discovery.
//! Each takes an optional idempotency key (the database applies a keyed mutation at most once).

use async_graphql::{Context, ID, Object};

use super::resolve::{appsync_error, blocking};
use super::types::{
    AddToCollectionInput, AddToCollectionResult, AwsDateTime, Collection, CreateCollectionInput, DiscoveryStatus,
    EmailDiscoveryInput, EmailDiscoveryRequest,
};
use crate::db::Db;

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
        let name = department.stored();
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
