//! The e-mail discovery read through the executable schema: a request is its owner's alone, and
//! it goes from QUEUED to COMPLETED (contacts at the company's domain) or FAILED on the schedule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::discovery::DiscoverySchedule;

/// A schema over a database of its own (20 companies), removed when dropped.
struct Fixture {
    schema: PlatformSchema,
    db: Db,
    path: PathBuf,
}

impl Fixture {
    fn new(name: &str, schedule: DiscoverySchedule) -> Fixture {
        let path = std::env::temp_dir().join(format!("platform-graphql-{name}-{}.sqlite", std::process::id()));
        remove(&path);
        let db = Db::open(&path, 20, 3, false).expect("database");
        Fixture { schema: schema(db.clone(), schedule), db, path }
    }

    async fn run(&self, query: &str, variables: Value) -> Value {
        let request = async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables));
        let response = self.schema.execute(request).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.into_json().unwrap()
    }

    async fn request(&self, owner: &str, company: &str, department: &str, max: i32) -> String {
        let input = json!({"ownerId": owner, "companyId": company, "department": department, "maxContacts": max});
        let data = self
            .run(
                "mutation($i: EmailDiscoveryInput!) { requestEmailDiscovery(input: $i) { id status } }",
                json!({"i": input}),
            )
            .await;
        assert_eq!(data["requestEmailDiscovery"]["status"], "QUEUED");
        data["requestEmailDiscovery"]["id"].as_str().unwrap().to_owned()
    }

    async fn read(&self, owner: &str, id: &str) -> Value {
        let query = "query($o: ID!, $id: ID!) { getEmailDiscovery(ownerId: $o, id: $id) { id companyId department \
                     maxContacts status createdAt updatedAt contacts { name title department email confidence } } }";
        self.run(query, json!({"o": owner, "id": id})).await["getEmailDiscovery"].clone()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        remove(&self.path);
    }
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn immediate() -> DiscoverySchedule {
    DiscoverySchedule::new(Duration::ZERO, Duration::ZERO).unwrap()
}

#[tokio::test]
async fn a_discovery_is_its_owners_alone() {
    let f = Fixture::new("owner", immediate());
    let id = f.request("alice", "c_0000001", "SALES", 3).await;
    assert!(f.read("alice", &id).await.is_object());
    assert_eq!(f.read("bob", &id).await, Value::Null, "another owner's request is not found");
    assert_eq!(f.read("alice", "disc_999999").await, Value::Null);
}

#[tokio::test]
async fn a_completed_discovery_has_contacts_at_the_companys_domain() {
    let f = Fixture::new("completed", immediate());
    let id = f.request("alice", "c_0000002", "ENGINEERING", 3).await;
    let read = f.read("alice", &id).await;
    assert_eq!(read["status"], "COMPLETED", "{read}");
    assert_eq!((read["companyId"].as_str(), read["maxContacts"].as_i64()), (Some("c_0000002"), Some(3)));
    let domain = f.db.company_by_id("c_0000002").unwrap().unwrap().domain.unwrap();
    let contacts = read["contacts"].as_array().unwrap();
    assert!((1..=3).contains(&contacts.len()), "{read}");
    for c in contacts {
        assert!(c["email"].as_str().unwrap().ends_with(&format!("@{domain}")), "{c}");
        assert_eq!(c["department"], "ENGINEERING");
    }
    assert_eq!(f.read("alice", &id).await, read, "the same answer every time");
}

#[tokio::test]
async fn a_discovery_for_a_company_the_platform_does_not_know_fails() {
    let f = Fixture::new("failed", immediate());
    let id = f.request("alice", "c_9999999", "ANY", 5).await;
    let read = f.read("alice", &id).await;
    assert_eq!((read["status"].as_str(), read["contacts"].as_array().map(Vec::len)), (Some("FAILED"), Some(0)));
}

#[tokio::test]
async fn a_new_discovery_waits_for_its_schedule() {
    let f =
        Fixture::new("queued", DiscoverySchedule::new(Duration::from_secs(3600), Duration::from_secs(7200)).unwrap());
    let id = f.request("alice", "c_0000001", "ANY", 5).await;
    let read = f.read("alice", &id).await;
    assert_eq!(read["status"], "QUEUED");
    assert_eq!(read["updatedAt"], read["createdAt"]);
    assert_eq!(read["contacts"], json!([]));
}
