//! list_collections: the caller's own collections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{self, PageInfo};
use super::company::count;
use super::{ToolContext, ToolDef, ToolKind, ToolOutput};
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
    #[serde(flatten)]
    pub page: PageInfo,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let mut out = format!("Your collections: {}", self.collections.len());
        for c in &self.collections {
            out.push_str(&format!(
                "\n- {} ({}) [id {}]",
                c.name,
                count(c.item_count.unsigned_abs(), "company", "companies"),
                c.id
            ));
        }
        out + &self.page.hint()
    }
    fn result_count(&self) -> usize {
        self.collections.len()
    }
}

pub struct ListCollections;

#[async_trait::async_trait]
impl ToolDef for ListCollections {
    const NAME: &'static str = "list_collections";
    const TITLE: &'static str = "List my collections";
    const DESCRIPTION: &'static str = "List your own company collections (id, name, description, item count).";
    const KIND: ToolKind = ToolKind::Read;
    const NEEDS_OWNER: bool = true;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let page = args::page(params.limit, params.cursor)?;
        ctx.audit_value("limit", page.limit.applied);
        let owner_id = ctx.owner()?;
        let vars = Variables { owner_id, limit: page.limit.applied, next_token: page.cursor };
        let data: Data = ctx.call(&LIST_COLLECTIONS, &vars).await?;
        Ok(Output {
            collections: data.list_collections.items.into_iter().map(Collection::from).collect(),
            page: PageInfo::new(page.limit, data.list_collections.next_token),
        })
    }
}
