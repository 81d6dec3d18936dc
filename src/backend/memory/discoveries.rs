//! The sample stage's e-mail discoveries: each owner's requests, kept in memory and bounded. A
//! sample request is done at once: the mutation answers QUEUED, as the platform does for any new
//! request, and every read of it answers COMPLETED (updated ten seconds after it was created),
//! with up to three contacts at the company's own domain, or FAILED for a company the sample does
//! not hold. The contacts are plainly synthetic: their surnames ("Example", "Sample",
//! "Placeholder") say they are made up, as the local platform's do.

use serde_json::{Value, json};

use crate::backend::BackendError;

/// Bound for a long-running `serve` on the sample.
const MAX_DISCOVERIES: usize = 1_000;
const CREATED_AT: &str = "2026-11-24T12:00:00Z";
const DONE_AT: &str = "2026-11-24T12:00:10Z";

/// (name, e-mail local part, confidence) of the sample's contacts, best first.
const PEOPLE: [(&str, &str, f64); 3] = [
    ("Ada Example", "ada.example", 0.95),
    ("Ben Sample", "ben.sample", 0.85),
    ("Cleo Placeholder", "cleo.placeholder", 0.75),
];

/// The departments of a request for ANY, one per contact, and each department's title.
const ANY_DEPARTMENTS: [&str; 3] = ["EXECUTIVE", "SALES", "MARKETING"];

fn title(department: &str) -> &'static str {
    match department {
        "EXECUTIVE" => "Managing Director",
        "SALES" => "Head of Sales",
        "MARKETING" => "Head of Marketing",
        "ENGINEERING" => "VP Engineering",
        "FINANCE" => "Chief Financial Officer",
        "HR" => "Head of People",
        _ => "Head of Operations",
    }
}

struct Request {
    owner: String,
    id: String,
    company_id: String,
    department: String,
    max_contacts: i64,
}

#[derive(Default)]
pub(super) struct Discoveries {
    requests: Vec<Request>,
}

impl Discoveries {
    /// Store a new request from the mutation's `input`; its answer, QUEUED.
    pub(super) fn request(&mut self, input: &Value) -> Result<Value, BackendError> {
        if self.requests.len() >= MAX_DISCOVERIES {
            return Err(BackendError::Graphql("sample stage holds at most 1000 e-mail discoveries".into()));
        }
        let text = |key: &str| input.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let request = Request {
            owner: text("ownerId"),
            id: format!("disc_{:04}", self.requests.len() + 1),
            company_id: text("companyId"),
            department: text("department"),
            max_contacts: input.get("maxContacts").and_then(Value::as_i64).unwrap_or(0),
        };
        let answer = json!({"requestEmailDiscovery": {"id": request.id, "companyId": request.company_id,
            "department": request.department, "maxContacts": request.max_contacts, "status": "QUEUED",
            "createdAt": CREATED_AT}});
        self.requests.push(request);
        Ok(answer)
    }

    /// `getEmailDiscovery`: the owner's request `id` as it stands (done), or null. `domain_of`
    /// gives a sample company's domain.
    pub(super) fn read(&self, owner: &str, id: &str, domain_of: impl Fn(&str) -> Option<String>) -> Value {
        let Some(r) = self.requests.iter().find(|r| r.owner == owner && r.id == id) else {
            return json!({"getEmailDiscovery": null});
        };
        let (status, contacts) = match domain_of(&r.company_id) {
            Some(domain) => ("COMPLETED", contacts(&domain, &r.department, r.max_contacts)),
            None => ("FAILED", Vec::new()),
        };
        json!({"getEmailDiscovery": {"id": r.id, "companyId": r.company_id, "department": r.department,
            "maxContacts": r.max_contacts, "status": status, "createdAt": CREATED_AT, "updatedAt": DONE_AT,
            "contacts": contacts}})
    }
}

fn contacts(domain: &str, department: &str, max_contacts: i64) -> Vec<Value> {
    let count = usize::try_from(max_contacts).unwrap_or(0);
    PEOPLE
        .iter()
        .zip(ANY_DEPARTMENTS)
        .take(count)
        .map(|((name, local, confidence), any)| {
            let department = if department == "ANY" { any } else { department };
            json!({"name": name, "title": title(department), "department": department,
                "email": format!("{local}@{domain}"), "confidence": confidence})
        })
        .collect()
}
