//! An in-process backend over a small fixed sample of companies. It answers every operation in
//! `operations` the way the platform does and records each call (operation name and exact
//! variables), so tests can assert what a tool sent. Faults can be injected for one call.
//! Also what a laptop runs against when no platform URL is configured. E-mail discoveries are in
//! `discoveries` (done at once, with synthetic contacts).

// serde_json's `value["key"]` yields Null for a missing key or a non-object; it never panics.
#![allow(clippy::indexing_slicing)]

mod discoveries;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::{BackendError, GraphqlBackend, Operation};

const SAMPLE: &str = include_str!("sample_companies.json");
const INDUSTRIES: &[&str] = &[
    "Biotechnology",
    "Cybersecurity",
    "Education",
    "Energy",
    "Fintech",
    "Healthcare",
    "Logistics",
    "Manufacturing",
    "Marketing",
    "SaaS",
];

/// One recorded call.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecordedCall {
    pub operation: &'static str,
    pub variables: Value,
}

#[derive(Default)]
struct State {
    calls: Vec<RecordedCall>,
    /// owner -> collections (JSON objects with an `items` list of [company id, added_at]).
    collections: HashMap<String, Vec<Value>>,
    discoveries: discoveries::Discoveries,
    fail_next: Option<BackendError>,
    panic_next: bool,
}

pub struct MemoryBackend {
    companies: Vec<Value>,
    state: Mutex<State>,
    /// Keep every call's variables (tests); off when serving, so memory stays flat.
    recording: bool,
}

/// Bounds for the sample stage: a long-running `serve` must not grow without limit.
const MAX_COLLECTIONS: usize = 1_000;
const MAX_ITEMS_PER_COLLECTION: usize = 1_000;

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBackend {
    pub fn new() -> MemoryBackend {
        // The sample is compiled in and checked by a test; an unreadable one is simply empty.
        let companies = serde_json::from_str(SAMPLE).unwrap_or_default();
        MemoryBackend { companies, state: Mutex::new(State::default()), recording: false }
    }

    /// A backend that records every call, for tests to assert on.
    pub fn recording() -> MemoryBackend {
        MemoryBackend { recording: true, ..MemoryBackend::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state().calls.clone()
    }

    /// Make the next call fail with `error` (after recording it).
    pub fn fail_next(&self, error: BackendError) {
        self.state().fail_next = Some(error);
    }

    /// Make the next call panic, as a bug in a backend or tool would (tests of panic safety).
    pub fn panic_next(&self) {
        self.state().panic_next = true;
    }

    fn company(&self, id: &str) -> Option<&Value> {
        self.companies.iter().find(|c| c["id"] == id)
    }

    fn search(&self, filter: &Value, limit: usize, token: Option<&str>) -> (Vec<Value>, Option<String>) {
        let text = |v: &Value| v.as_str().map(str::to_lowercase);
        let (query, industry) = (text(&filter["query"]), text(&filter["industry"]));
        // Only the page is copied, and the text a query is matched against is built only when
        // there is a query: `serve` without a platform answers from here at full speed
        // (benches/throughput.rs measures the MCP layer over it).
        let matches: Vec<&Value> = self
            .companies
            .iter()
            .filter(|c| {
                query.as_ref().is_none_or(|q| {
                    let hay = format!("{} {} {}", c["name"], c["domain"], c["description"]).to_lowercase();
                    q.split(' ').all(|w| hay.contains(w))
                }) && filter["country"].as_str().is_none_or(|x| c["country"] == x)
                    && industry.as_ref().is_none_or(|x| text(&c["industry"]).as_ref() == Some(x))
                    && filter["employeesMin"].as_i64().is_none_or(|m| c["employees"].as_i64() >= Some(m))
                    && filter["employeesMax"].as_i64().is_none_or(|m| c["employees"].as_i64() <= Some(m))
            })
            .collect();
        let start: usize = token.and_then(|t| t.strip_prefix("o")).and_then(|n| n.parse().ok()).unwrap_or(0);
        let end = start.saturating_add(limit).min(matches.len());
        let next = (end < matches.len()).then(|| format!("o{end}"));
        let page = matches.get(start..end).unwrap_or_default();
        (page.iter().map(|c| (*c).clone()).collect(), next)
    }

    /// The deterministic reading of a sentence the platform's aiSearch does, in miniature.
    fn interpret(&self, query: &str) -> Value {
        let q = query.to_lowercase();
        let industry = INDUSTRIES.iter().find(|i| q.contains(&i.to_lowercase()));
        let country = [("germany", "DE"), ("france", "FR"), ("uk", "GB"), ("united states", "US"), ("japan", "JP")]
            .iter()
            .find(|(name, _)| q.contains(name))
            .map(|(_, code)| *code);
        let numbers: Vec<i64> = q.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
        let (min, max) = match numbers.as_slice() {
            [a, b, ..] => (Some(*a.min(b)), Some(*a.max(b))),
            _ => (None, None),
        };
        json!({"query": null, "country": country, "industry": industry, "employeesMin": min, "employeesMax": max})
    }

    fn answer(&self, op: &str, v: &Value) -> Result<Value, BackendError> {
        let limit = v["limit"].as_u64().unwrap_or(20) as usize;
        let token = v["nextToken"].as_str();
        Ok(match op {
            "SearchCompanies" => {
                let (items, next) = self.search(&v["filter"], limit, token);
                field("searchCompanies", page(items, next))
            }
            "GetCompany" => {
                let found = match (v["id"].as_str(), v["domain"].as_str()) {
                    (Some(id), _) => self.company(id).cloned(),
                    (_, Some(d)) => self.companies.iter().find(|c| c["domain"] == d).cloned(),
                    _ => None,
                };
                json!({"getCompany": found})
            }
            "GetCompaniesBatch" => {
                let ids = v["ids"].as_array().cloned().unwrap_or_default();
                let found: Vec<Value> =
                    ids.iter().filter_map(|id| id.as_str().and_then(|id| self.company(id)).cloned()).collect();
                json!({"getCompaniesBatch": found})
            }
            "AiSearch" => {
                let filters = self.interpret(v["query"].as_str().unwrap_or_default());
                let (items, next) = self.search(&filters, limit, token);
                let mut answer = page(items, next);
                if let Value::Object(fields) = &mut answer {
                    fields.insert("interpretedFilters".into(), filters);
                }
                field("aiSearch", answer)
            }
            "Industries" => json!({"industries": INDUSTRIES}),
            "ListCollections" => {
                let owner = v["ownerId"].as_str().unwrap_or_default();
                let items: Vec<Value> =
                    self.state().collections.get(owner).cloned().unwrap_or_default().into_iter().take(limit).collect();
                let items: Vec<Value> = items
                    .iter()
                    .map(|c| {
                        json!({"id": c["id"], "name": c["name"], "description": c["description"],
                           "itemCount": c["items"].as_array().map_or(0, Vec::len), "createdAt": c["createdAt"]})
                    })
                    .collect();
                json!({"listCollections": {"items": items, "nextToken": null}})
            }
            "GetCollectionItems" => {
                let state = self.state();
                let coll = state
                    .collections
                    .get(v["ownerId"].as_str().unwrap_or_default())
                    .and_then(|cs| cs.iter().find(|c| c["id"] == v["collectionId"]));
                let conn = coll.map(|c| {
                    let items: Vec<Value> = c["items"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .take(limit)
                        .filter_map(|i| self.company(i[0].as_str()?).map(|co| json!({"company": co, "addedAt": i[1]})))
                        .collect();
                    json!({"items": items, "nextToken": null})
                });
                json!({"getCollectionItems": conn})
            }
            "CreateCollection" => {
                let input = &v["input"];
                let mut state = self.state();
                let owner = input["ownerId"].as_str().unwrap_or_default().to_owned();
                let n = state.collections.values().map(Vec::len).sum::<usize>() + 1;
                if n > MAX_COLLECTIONS {
                    return Err(BackendError::Graphql("sample stage holds at most 1000 collections".into()));
                }
                let coll = json!({"id": format!("col_{n:04}"), "ownerId": owner, "name": input["name"],
                    "description": input["description"], "createdAt": "2026-11-24T12:00:00Z", "items": []});
                state.collections.entry(owner).or_default().push(coll.clone());
                json!({"createCollection": {"id": coll["id"], "ownerId": coll["ownerId"], "name": coll["name"],
                    "description": coll["description"], "itemCount": 0, "createdAt": coll["createdAt"]}})
            }
            "AddToCollection" => {
                let input = &v["input"];
                let ids: Vec<String> = input["companyIds"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect();
                let known: Vec<bool> = ids.iter().map(|id| self.company(id).is_some()).collect();
                let mut state = self.state();
                let coll = state
                    .collections
                    .get_mut(input["ownerId"].as_str().unwrap_or_default())
                    .and_then(|cs| cs.iter_mut().find(|c| c["id"] == input["collectionId"]));
                let Some(coll) = coll else {
                    return Ok(json!({"addToCollection": null}));
                };
                // All or nothing: refuse before writing anything.
                if coll["items"].as_array().map_or(0, Vec::len) + ids.len() > MAX_ITEMS_PER_COLLECTION {
                    return Err(BackendError::Graphql("sample collections hold at most 1000 companies".into()));
                }
                let (mut added, mut present, mut missing) = (vec![], vec![], vec![]);
                for (id, known) in ids.into_iter().zip(known) {
                    let items = coll["items"].as_array_mut();
                    let Some(items) = items else { break };
                    if !known {
                        missing.push(id);
                    } else if items.iter().any(|i| i[0] == id.as_str()) {
                        present.push(id);
                    } else {
                        items.push(json!([id.clone(), "2026-11-24T12:00:00Z"]));
                        added.push(id);
                    }
                }
                json!({"addToCollection": {"added": added, "alreadyPresent": present, "notFound": missing}})
            }
            "RequestEmailDiscovery" => self.state().discoveries.request(&v["input"])?,
            "GetEmailDiscovery" => {
                let (owner, id) = (v["ownerId"].as_str().unwrap_or_default(), v["id"].as_str().unwrap_or_default());
                let domain_of =
                    |company: &str| self.company(company).and_then(|c| c["domain"].as_str()).map(str::to_owned);
                self.state().discoveries.read(owner, id, domain_of)
            }
            other => return Err(BackendError::Graphql(format!("unknown operation {other}"))),
        })
    }
}

/// A page of a connection, `{"items": [...], "nextToken": ...}`, made of the companies
/// themselves: `json!` would copy each of them once more (it serialises what it is given).
fn page(items: Vec<Value>, next: Option<String>) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("items".into(), Value::Array(items));
    fields.insert("nextToken".into(), next.map_or(Value::Null, Value::String));
    Value::Object(fields)
}

/// `{name: value}`, without copying `value`.
fn field(name: &str, value: Value) -> Value {
    Value::Object(serde_json::Map::from_iter([(name.to_owned(), value)]))
}

#[async_trait]
impl GraphqlBackend for MemoryBackend {
    async fn execute(&self, operation: &Operation, variables: Value) -> Result<Value, BackendError> {
        let (injected, panic) = {
            let mut state = self.state();
            if self.recording {
                state.calls.push(RecordedCall { operation: operation.name, variables: variables.clone() });
            }
            (state.fail_next.take(), std::mem::take(&mut state.panic_next))
        };
        #[allow(clippy::panic)]
        if panic {
            panic!("injected panic");
        }
        if let Some(error) = injected {
            return Err(error);
        }
        self.answer(operation.name, &variables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_data_loads() {
        let b = MemoryBackend::new();
        assert_eq!(b.companies.len(), 12);
        assert!(b.companies.iter().all(|c| c["id"].is_string() && c["name"].is_string()));
    }

    #[test]
    fn interpretation_reads_country_industry_and_range() {
        let f = MemoryBackend::new().interpret("SaaS companies in Germany with 50-200 employees");
        assert_eq!(
            f,
            json!({"query": null, "country": "DE", "industry": "SaaS", "employeesMin": 50, "employeesMax": 200})
        );
    }
}
