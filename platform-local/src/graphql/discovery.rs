//! The read of one e-mail discovery request as it stands now: its status and `updatedAt` follow
//! from its age on the platform's [`DiscoverySchedule`]; once done it is COMPLETED with the
//! synthetic contacts of `generate::contacts` at the company's domain, or FAILED when the platform
//! knows no domain for the company (an id it does not know, say).

use async_graphql::ID;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::types::{AwsDateTime, AwsEmail, Department, DiscoveredContact, DiscoveryStatus, EmailDiscovery};
use crate::db::StoredDiscovery;
use crate::discovery::{DiscoverySchedule, Phase};
use crate::generate;

/// `stored` as it stands at `now`.
pub(super) fn read(stored: StoredDiscovery, schedule: &DiscoverySchedule, now: OffsetDateTime) -> EmailDiscovery {
    let r = stored.request;
    let created = OffsetDateTime::parse(&r.created_at, &Rfc3339).unwrap_or(now);
    // A clock set back reads as "just created", never as an error.
    let age = std::time::Duration::try_from(now - created).unwrap_or_default();
    let phase = schedule.phase(age);
    let updated_at = match phase {
        Phase::Queued => r.created_at.clone(),
        _ => (created + schedule.entered(phase)).format(&Rfc3339).unwrap_or_else(|_| r.created_at.clone()),
    };
    let max_contacts = usize::try_from(r.max_contacts).unwrap_or(0);
    let domain = stored.domain.filter(|d| !d.is_empty());
    let (status, contacts) = match (phase, domain) {
        (Phase::Queued, _) => (DiscoveryStatus::Queued, Vec::new()),
        (Phase::Running, _) => (DiscoveryStatus::Running, Vec::new()),
        (Phase::Done, None) => (DiscoveryStatus::Failed, Vec::new()),
        (Phase::Done, Some(domain)) => {
            let found = generate::contacts(&r.id, &r.company_id, &domain, &r.department, max_contacts);
            let contacts = found
                .into_iter()
                .map(|c| DiscoveredContact {
                    name: c.name,
                    title: c.title,
                    department: Department::from_stored(c.department),
                    email: AwsEmail(c.email),
                    confidence: c.confidence,
                })
                .collect();
            (DiscoveryStatus::Completed, contacts)
        }
    };
    EmailDiscovery {
        id: ID(r.id),
        company_id: ID(r.company_id),
        department: Department::from_stored(&r.department),
        max_contacts: i32::try_from(r.max_contacts).unwrap_or(25),
        status,
        created_at: AwsDateTime(r.created_at),
        updated_at: AwsDateTime(updated_at),
        contacts,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::DiscoveryRow;

    const CREATED: &str = "2026-11-24T12:00:00Z";

    fn stored(domain: Option<&str>, department: &str) -> StoredDiscovery {
        StoredDiscovery {
            request: DiscoveryRow {
                id: "disc_000001".into(),
                company_id: "c_0000001".into(),
                department: department.into(),
                max_contacts: 4,
                status: "QUEUED".into(),
                created_at: CREATED.into(),
            },
            domain: domain.map(str::to_owned),
        }
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::parse(CREATED, &Rfc3339).unwrap() + time::Duration::seconds(seconds)
    }

    #[test]
    fn status_and_updated_at_follow_the_schedule() {
        let schedule = DiscoverySchedule::new(Duration::from_secs(2), Duration::from_secs(10)).unwrap();
        let read_at = |s| read(stored(Some("acme.de"), "SALES"), &schedule, at(s));
        let queued = read_at(1);
        assert_eq!((queued.status, queued.updated_at.0.as_str()), (DiscoveryStatus::Queued, CREATED));
        let running = read_at(5);
        assert_eq!((running.status, running.updated_at.0.as_str()), (DiscoveryStatus::Running, "2026-11-24T12:00:02Z"));
        assert!(queued.contacts.is_empty() && running.contacts.is_empty());
        let done = read_at(3600);
        assert_eq!((done.status, done.updated_at.0.as_str()), (DiscoveryStatus::Completed, "2026-11-24T12:00:10Z"));
        assert!(!done.contacts.is_empty() && done.contacts.len() <= 4, "{:?}", done.contacts);
        for c in &done.contacts {
            assert!(c.email.0.ends_with("@acme.de"), "{c:?}");
            assert_eq!(c.department, Department::Sales);
        }
        assert_eq!(read_at(-60).status, DiscoveryStatus::Queued, "a clock set back");
    }

    #[test]
    fn a_company_without_a_domain_fails_when_done() {
        let schedule = DiscoverySchedule::default();
        let failed = read(stored(None, "ANY"), &schedule, at(60));
        assert_eq!((failed.status, failed.department), (DiscoveryStatus::Failed, Department::Any));
        assert!(failed.contacts.is_empty());
        assert_eq!(read(stored(Some(""), "ANY"), &schedule, at(60)).status, DiscoveryStatus::Failed);
        assert_eq!(read(stored(None, "ANY"), &schedule, at(5)).status, DiscoveryStatus::Running);
    }
}
