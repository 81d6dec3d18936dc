//! Latency the DynamoDB state store adds to a call, against a local endpoint (moto's server):
//! 500 sequential rate checks of a tool limited in one window (one conditional UpdateItem each),
//! 500 of a tool limited per minute and per day (two, as every tool is by default), and 300
//! claim + record pairs (two PutItems), each reported as p50/p90/p99. moto is Python, so these bound the client's share
//! from above; in a Lambda the table's own latency (single-digit ms in-region) takes its place.
//!
//! `cargo bench --bench state_latency`, after `make tools` (`B2B_TOOLS_VENV` points elsewhere).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use b2b_mcp::store::dynamo::DynamoState;
use b2b_mcp::store::{IdempotencyStore, RateDecision, RateLimiter, RateLimits, Window};
use platform_local::testing::{free_port, wait_for_listener_blocking};

const TABLE: &str = "b2b-mcp-state";
const CHECKS: usize = 500;
const PAIRS: usize = 300;
const WARM_UP: usize = 20;

/// moto's server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> anyhow::Result<Moto> {
        let venv = std::env::var_os("B2B_TOOLS_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/venv"));
        let bin = venv.join("bin/moto_server");
        let port = free_port()?;
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {} (run `make tools` first)", bin.display()))?;
        let mut moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        let exited = || moto.child.try_wait().ok().flatten().map(|status| format!("moto_server exited ({status})"));
        wait_for_listener_blocking(port, Duration::from_secs(30), exited).context("moto did not start")?;
        Ok(moto)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sdk_config() -> anyhow::Result<aws_config::SdkConfig> {
    Ok(aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .http_client(b2b_mcp::outbound::Outbound::new(None)?.aws())
        .build())
}

async fn create_table(url: &str) -> anyhow::Result<()> {
    let conf = aws_sdk_dynamodb::config::Builder::from(&sdk_config()?).endpoint_url(url).build();
    aws_sdk_dynamodb::Client::from_conf(conf)
        .create_table()
        .table_name(TABLE)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build()?,
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build()?)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    Ok(())
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len().saturating_sub(1)) as f64 * p).round() as usize;
        samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{name:<28} n={:<4} p50={:>6.2} ms  p90={:>6.2} ms  p99={:>6.2} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let moto = Moto::start()?;
    create_table(&moto.url).await?;
    // ai_search in one window (one UpdateItem a check), get_company in both (two).
    let limits = RateLimits::none()
        .with("ai_search", Window::Minute, u32::MAX)
        .with("get_company", Window::Minute, u32::MAX)
        .with("get_company", Window::Day, u32::MAX);
    let store = DynamoState::new(&sdk_config()?, Some(&moto.url), TABLE, limits, Duration::from_secs(3600));

    for i in 0..WARM_UP {
        store.check(&format!("warm-{i}"), "ai_search").await?;
    }
    let mut checks = Vec::with_capacity(CHECKS);
    let mut both = Vec::with_capacity(CHECKS);
    for (tool, samples) in [("ai_search", &mut checks), ("get_company", &mut both)] {
        for _ in 0..CHECKS {
            let started = Instant::now();
            let decision = store.check("bench-caller", tool).await?;
            samples.push(started.elapsed());
            if decision != RateDecision::Allowed {
                bail!("a limit of u32::MAX refused a call: {decision:?}");
            }
        }
    }

    let (mut begins, mut completes, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
    let result = serde_json::json!({"collectionId": "col_1", "added": ["c_1", "c_2"]});
    for i in 0..PAIRS {
        let key = format!("bench-key-{i}");
        let started = Instant::now();
        store.begin(&key, Duration::from_secs(30)).await?;
        let claimed = Instant::now();
        store.complete(&key, &result).await?;
        begins.push(claimed - started);
        completes.push(claimed.elapsed());
        pairs.push(started.elapsed());
    }

    report("check, 1 window (UpdateItem)", checks);
    report("check, minute + day (2)", both);
    report("begin (PutItem, condition)", begins);
    report("complete (PutItem)", completes);
    report("begin + complete", pairs);
    drop(moto);
    Ok(())
}
