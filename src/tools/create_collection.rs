//! create_collection (mutation): a new, empty collection owned by the caller.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::list_collections::{Collection, CollectionNode};
use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::CREATE_COLLECTION;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Collection name, 1 to 100 characters.
    pub name: String,
    /// What the collection is for, at most 500 characters.
    pub description: Option<String>,
    /// Optional key of your own for this change. A repeat of the same call (same arguments) within
    /// 24 hours returns the first result and changes nothing; give a new key to do it again on purpose.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Input<'a> {
    owner_id: &'a str,
    name: String,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    create_collection: CollectionNode,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub collection: Collection,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        format!("Created collection \"{}\" [id {}]", self.collection.name, self.collection.id)
    }
    fn result_count(&self) -> usize {
        1
    }
}

pub struct CreateCollection;

#[async_trait::async_trait]
impl ToolDef for CreateCollection {
    const NAME: &'static str = "create_collection";
    const TITLE: &'static str = "Create collection";
    const DESCRIPTION: &'static str = "Create a new, empty collection of companies owned by you. \
        Returns its id for add_to_collection. Repeating the same call within 24 hours returns the \
        same collection instead of a second one.";
    const KIND: ToolKind = ToolKind::Mutation;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        ctx.require_mutations()?;
        let name = args::required_text("name", &params.name, 1, 100)?;
        let description = args::text("description", params.description.as_deref(), 500)?;
        let key = args::idempotency_key("idempotency_key", params.idempotency_key.as_deref())?;
        let owner_id = ctx.owner()?;
        let data: Data = ctx.mutate(&CREATE_COLLECTION, &Input { owner_id, name, description }, key.as_deref()).await?;
        Ok(Output { collection: Collection::from(data.create_collection) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::backend::memory::MemoryBackend;
    use crate::tools::ActingFor;

    /// The registry already withholds mutations; the tool refuses on its own too.
    #[tokio::test]
    async fn refuses_when_the_stage_disallows_mutations_even_if_dispatched() {
        let backend = Arc::new(MemoryBackend::recording());
        let alice = ActingFor { owner: Some("local:alice".into()), rate_key: "local:alice".into() };
        let ctx = ToolContext::new(backend.clone(), alice, false);
        let params = Params { name: "Targets".into(), description: None, idempotency_key: None };
        let err = CreateCollection::run(&ctx, params).await.unwrap_err();
        assert!(matches!(err, ToolError::MutationsDisabled));
        assert!(backend.calls().is_empty());
    }
}
