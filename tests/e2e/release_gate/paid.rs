//! The paid tool under the person's control, with the official Python SDK (tests/clients/
//! confirm.py) against `b2b-mcp serve` and the local platform, callers authenticated by tokens:
//! a 2026-07-28 client is asked and its yes queues the job, its no queues nothing, a replayed
//! answer is refused; a 2025-era client is refused or served as CONFIRM_FALLBACK says; a
//! task-capable client polls the job to completed and reads its contacts, another caller cannot
//! read that task, and the tenth tool shows the same job to a client without tasks.

use std::time::Duration;

use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::discovery::DiscoverySchedule;
use platform_local::testing::TempPlatform;
use tokio::process::Command;

use super::{ROOT, run, text};
use crate::common::served::Served;
use crate::tools::venv_bin;

const COMPANY: &str = "c_0000007";

/// confirm.py's `flow` as `token`'s caller, with `extra` arguments; its output, which must end
/// in success unless `fails`.
async fn flow(url: &str, token: &str, flow: &str, extra: &[&str]) -> String {
    let mut command = Command::new(venv_bin("python"));
    command.arg(format!("{ROOT}/tests/clients/confirm.py")).args([url, flow, "--token", token, "--company", COMPANY]);
    command.args(extra);
    let output = run(&mut command, Duration::from_secs(120)).await;
    let report = text(&output);
    assert!(output.status.success(), "{flow}:\n{report}");
    report
}

fn line<'a>(report: &'a str, prefix: &str) -> &'a str {
    report.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} line:\n{report}"))
}

#[tokio::test]
async fn the_python_sdk_confirms_declines_replays_and_follows_a_paid_discovery() {
    let schedule = DiscoverySchedule::new(Duration::from_millis(300), Duration::from_secs(2)).unwrap();
    let platform = TempPlatform::start_with_schedule(&[PlatformMode::Iam], schedule).await.expect("platform");
    let domain = platform.db.company_by_id(COMPANY).unwrap().expect("company").domain.expect("domain");
    let issuer = format!("http://{}", platform.addr);
    let mint = |sub: &str| {
        let now = platform_local::auth::now_seconds();
        let claims = serde_json::json!({"iss": issuer, "aud": defaults::MCP_AUDIENCE, "sub": sub,
            "scope": "mcp:read mcp:write", "iat": now, "exp": now + 600});
        platform_local::auth::mint_token(&claims, Some(platform_local::auth::KID)).expect("mint")
    };
    let owner = |sub: &str| format!("jwt:{issuer}:{sub}");
    let stage = |fallback: &'static str| {
        [
            ("INBOUND_AUTH", "jwt"),
            ("OIDC_ISSUER", issuer.as_str()),
            ("OIDC_AUDIENCE", defaults::MCP_AUDIENCE),
            ("ALLOW_MUTATIONS", "true"),
            ("CONFIRM_TOOLS", "request_email_discovery"),
            ("CONFIRM_FALLBACK", fallback),
        ]
    };
    let server = Served::start(&platform, "paid", &stage("refuse")).await;
    let (alice, bob, carol) = (mint("alice"), mint("bob"), mint("carol"));
    let domain_arg = ["--domain", domain.as_str()];

    // No: nothing at the platform.
    let declined = flow(&server.url, &bob, "decline", &[]).await;
    assert!(declined.contains(&domain) && declined.contains("bills"), "the question names it: {declined}");
    assert!(declined.contains("DECLINED"), "{declined}");
    assert_eq!(platform.db.discovery_count(&owner("bob")).unwrap(), 0, "a no queues nothing");

    // Yes: queued once; the same answer again is refused and queues nothing more.
    let accepted = flow(&server.url, &alice, "accept", &[]).await;
    let request_id = line(&accepted, "CONFIRMED request_id=").trim_start_matches("CONFIRMED request_id=").to_owned();
    assert_eq!(platform.db.discovery_count(&owner("alice")).unwrap(), 1);
    let replayed = flow(&server.url, &carol, "replay", &[]).await;
    assert!(replayed.contains("REPLAY REFUSED"), "{replayed}");
    assert_eq!(
        platform.db.discovery_count(&owner("carol")).unwrap(),
        1,
        "one queued by the answer, none by the replay"
    );

    // A 2025-era client cannot be asked: refused here.
    let legacy = flow(&server.url, &bob, "legacy", &[]).await;
    assert!(legacy.contains("LEGACY REFUSED") && legacy.contains("cannot ask"), "{legacy}");
    assert_eq!(platform.db.discovery_count(&owner("bob")).unwrap(), 0);

    // Tasks: confirmed, then polled to completed, contacts at the company's domain.
    let tasked = flow(&server.url, &alice, "task", &domain_arg).await;
    let task = line(&tasked, "TASK ").split_whitespace().nth(1).expect("a task id").to_owned();
    assert!(tasked.contains("COMPLETED contacts="), "{tasked}");
    assert!(tasked.contains("working") && tasked.contains("completed"), "the task was seen working first: {tasked}");
    // Another caller cannot read it; the owner's client without tasks reads the same job.
    let other = flow(&server.url, &bob, "other-task", &["--task-id", &task]).await;
    assert!(other.contains("OTHER TASK REFUSED"), "{other}");
    let followed =
        flow(&server.url, &alice, "follow-up", &[&["--request-id", &request_id][..], &domain_arg].concat()).await;
    assert!(followed.contains("FOLLOW-UP COMPLETED contacts="), "{followed}");

    // What was written where: contacts never in the server's log; no token either.
    let log = server.log();
    assert!(!log.contains(&format!("@{domain}")), "a contact's address in the log:\n{log}");
    for token in [&alice, &bob, &carol] {
        assert!(!log.contains(token.as_str()), "a token in the log");
    }

    // CONFIRM_FALLBACK=allow (a dev stage): the 2025-era client is served unasked.
    let allowing = Served::start(&platform, "paid-allow", &stage("allow")).await;
    let allowed = flow(&allowing.url, &bob, "legacy", &[]).await;
    assert!(allowed.contains("LEGACY ALLOWED"), "{allowed}");
    assert_eq!(platform.db.discovery_count(&owner("bob")).unwrap(), 1);
}

/// The stage's key from Secrets Manager (moto), as the template provides it: a question asked by
/// one instance is answered on another; an instance with a key of its own refuses the answer.
#[tokio::test]
async fn a_stage_key_in_secrets_manager_lets_any_instance_take_the_answer() {
    let moto = crate::moto::Moto::start();
    let key = "k3yOfTheStageGeneratedByTheStackSixtyFourCharactersLongAbCdEf0123";
    let arn = moto.create_secret("b2b-mcp-gate-confirm-key", key).await;
    let platform = TempPlatform::start(&[PlatformMode::Iam]).await.expect("platform");
    let stage = [
        ("ALLOW_MUTATIONS", "true"),
        ("CONFIRM_TOOLS", "request_email_discovery"),
        ("CONFIRM_KEY_SECRET_ARN", arn.as_str()),
        ("SECRETS_ENDPOINT_URL", moto.url.as_str()),
    ];
    let (one, two) = (Served::start(&platform, "stage", &stage).await, Served::start(&platform, "stage", &stage).await);
    let own_key = Served::start(&platform, "stage", &stage[..2]).await;

    let across = flow(&one.url, "", "across", &["--other-url", &two.url]).await;
    assert!(across.contains("ACROSS CONFIRMED"), "{across}\n{}\n{}", one.log(), two.log());
    assert_eq!(platform.db.discovery_count("local:stage").unwrap(), 1);
    let refused = flow(&one.url, "", "across", &["--other-url", &own_key.url]).await;
    assert!(refused.contains("ACROSS REFUSED") && refused.contains("not valid"), "{refused}");
    assert_eq!(platform.db.discovery_count("local:stage").unwrap(), 1);
    for served in [&one, &two] {
        assert!(!served.log().contains(key), "the key in a log");
        assert!(!served.log().contains("random key of this process"), "{}", served.log());
    }
    assert!(own_key.log().contains("random key of this process"), "said at start: {}", own_key.log());
}
