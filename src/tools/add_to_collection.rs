//! add_to_collection (mutation): add companies to one of the caller's collections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::ADD_TO_COLLECTION;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Id of one of your collections (from list_collections or create_collection).
    pub collection_id: String,
    /// Platform company ids to add, 1 to 50 after duplicates are removed.
    pub company_ids: Vec<String>,
    /// Optional key of your own for this change. A repeat of the same call (same arguments) within
    /// 24 hours returns the first result and changes nothing; give a new key to do it again on purpose.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Input<'a> {
    owner_id: &'a str,
    collection_id: String,
    company_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    add_to_collection: Option<Answer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    added: Vec<String>,
    already_present: Vec<String>,
    not_found: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub collection_id: String,
    /// Ids added by this call.
    pub added: Vec<String>,
    /// Ids that were already in the collection (unchanged).
    pub already_present: Vec<String>,
    /// Ids the platform does not know (nothing added for them).
    pub not_found: Vec<String>,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        format!(
            "Collection {}: {} added, {} already present, {} not found{}",
            self.collection_id,
            self.added.len(),
            self.already_present.len(),
            self.not_found.len(),
            if self.not_found.is_empty() { String::new() } else { format!(" ({})", self.not_found.join(", ")) }
        )
    }
    fn result_count(&self) -> usize {
        self.added.len()
    }
}

pub struct AddToCollection;

#[async_trait::async_trait]
impl ToolDef for AddToCollection {
    const NAME: &'static str = "add_to_collection";
    const TITLE: &'static str = "Add to collection";
    const DESCRIPTION: &'static str = "Add up to 50 companies to one of your collections. \
        Reports which were added, which were already there and which ids are unknown. Safe to repeat.";
    const KIND: ToolKind = ToolKind::Mutation;
    const IDEMPOTENT: bool = true;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        ctx.require_mutations()?;
        let collection_id = args::id("collection_id", &params.collection_id)?;
        let company_ids = args::id_list("company_ids", &params.company_ids, args::MAX_IDS_PER_CALL)?;
        let key = args::idempotency_key("idempotency_key", params.idempotency_key.as_deref())?;
        ctx.audit_value("collection_id", &collection_id);
        ctx.audit_value("company_ids", &company_ids);
        let owner_id = ctx.owner()?;
        let input = Input { owner_id, collection_id: collection_id.clone(), company_ids };
        let data: Data = ctx.mutate(&ADD_TO_COLLECTION, &input, key.as_deref()).await?;
        let Some(a) = data.add_to_collection else {
            return Err(ToolError::NotFound(format!(
                "you have no collection with id {collection_id}; list_collections shows your collections, create_collection makes one"
            )));
        };
        Ok(Output { collection_id, added: a.added, already_present: a.already_present, not_found: a.not_found })
    }
}
