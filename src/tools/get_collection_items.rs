//! get_collection_items: the companies in one of the caller's collections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::{self, PageInfo};
use super::company::{Company, CompanySummary, count};
use super::{ToolContext, ToolDef, ToolKind, ToolOutput};
use crate::backend::operations::GET_COLLECTION_ITEMS;
use crate::error::ToolError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Id of one of your collections (from list_collections).
    pub collection_id: String,
    /// Items per page: default 20; values above 100 are capped at 100.
    pub limit: Option<i64>,
    /// next_cursor from a previous answer, to get the next page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Variables<'a> {
    owner_id: &'a str,
    collection_id: String,
    limit: u32,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    get_collection_items: Option<Connection>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    items: Vec<ItemNode>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemNode {
    company: Company,
    added_at: String,
}

/// A company in a collection.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Item {
    pub company: CompanySummary,
    /// ISO 8601 time the company was added.
    pub added_at: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub collection_id: String,
    pub items: Vec<Item>,
    #[serde(flatten)]
    pub page: PageInfo,
}

impl ToolOutput for Output {
    fn summary(&self) -> String {
        let mut out =
            format!("Collection {}: {}", self.collection_id, count(self.items.len() as u64, "company", "companies"));
        for (i, item) in self.items.iter().enumerate() {
            out.push_str(&format!("\n{}. {} (added {})", i + 1, item.company.line(), item.added_at));
        }
        out + &self.page.hint()
    }
    fn result_count(&self) -> usize {
        self.items.len()
    }
}

pub struct GetCollectionItems;

#[async_trait::async_trait]
impl ToolDef for GetCollectionItems {
    const NAME: &'static str = "get_collection_items";
    const TITLE: &'static str = "Get collection items";
    const DESCRIPTION: &'static str = "List the companies in one of your collections, with the time each was added.";
    const KIND: ToolKind = ToolKind::Read;
    const NEEDS_OWNER: bool = true;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
        let collection_id = args::id("collection_id", &params.collection_id)?;
        let page = args::page(params.limit, params.cursor)?;
        ctx.audit_value("collection_id", &collection_id);
        ctx.audit_value("limit", page.limit.applied);
        let owner_id = ctx.owner()?;
        let vars = Variables {
            owner_id,
            collection_id: collection_id.clone(),
            limit: page.limit.applied,
            next_token: page.cursor,
        };
        let data: Data = ctx.call(&GET_COLLECTION_ITEMS, &vars).await?;
        let Some(conn) = data.get_collection_items else {
            return Err(ToolError::NotFound(format!(
                "you have no collection with id {collection_id}; list_collections shows your collections"
            )));
        };
        Ok(Output {
            collection_id,
            items: conn
                .items
                .into_iter()
                .map(|i| Item { company: CompanySummary::from(i.company), added_at: i.added_at })
                .collect(),
            page: PageInfo::new(page.limit, conn.next_token),
        })
    }
}
