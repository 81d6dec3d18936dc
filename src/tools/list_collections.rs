//! list_collections: the caller's own collections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolContext, ToolDef, ToolKind, ToolOutput, args};
use crate::backend::operations::LIST_COLLECTIONS;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Collections per page: default 20; values above 100 are capped at 100.
    pub limit: Option<i64>,
    /// next_cursor from a previous answer, to get the next page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Variables<'a> {
    owner_id: &'a str,
    limit: u32,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    list_collections: Connection,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    items: Vec<CollectionNode>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CollectionNode {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub item_count: i64,
    pub created_at: String,
}

/// One collection of companies.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Collection {
    /// Collection id; pass it to get_collection_items or add_to_collection.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub item_count: i64,
    /// ISO 8601 creation time.
    pub created_at: String,
}

impl From<CollectionNode> for Collection {
    fn from(c: CollectionNode) -> Self {
        Collection {
            id: c.id,
            name: c.name,
            description: c.description,
            item_count: c.item_count,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub collections: Vec<Collection>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    pub limit_applied: u32,
    pub limit_capped: bool,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let mut out = format!("Your collections: {}", self.collections.len());
        for c in &self.collections {
            out.push_str(&format!("\n- {} ({} companies) [id {}]", c.name, c.item_count, c.id));
        }
        if let Some(cursor) = &self.next_cursor {
            out.push_str(&format!("\nMore: pass cursor \"{cursor}\"."));
        }
        out
    }
    fn result_count(&self) -> usize {
        self.collections.len()
    }
}

pub struct ListCollections;

impl ToolDef for ListCollections {
    const NAME: &'static str = "list_collections";
    const TITLE: &'static str = "List my collections";
    const DESCRIPTION: &'static str = "List your own company collections (id, name, description, item count).";
    const KIND: ToolKind = ToolKind::Read;
    const SAFE_ARGS: &'static [&'static str] = &["limit"];
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let limit = args::limit(params.limit)?;
        let next_token = args::cursor(params.cursor)?;
        let owner_id = ctx.owner()?;
        let data: Data = ctx.call(&LIST_COLLECTIONS, &Variables { owner_id, limit: limit.applied, next_token }).await?;
        Ok(Output {
            collections: data.list_collections.items.into_iter().map(Collection::from).collect(),
            next_cursor: data.list_collections.next_token,
            limit_applied: limit.applied,
            limit_capped: limit.capped,
        })
    }
}
