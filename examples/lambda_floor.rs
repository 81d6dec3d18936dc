//! The cold-start floor for `benches/cold_start.rs`: the least a function can do to answer the
//! first `tools/call search_companies`, namely one authenticated HTTPS POST of the same GraphQL
//! search to the same platform, with the same HTTP and TLS stack as `b2b-mcp` (reqwest, rustls on
//! aws-lc-rs, `b2b_mcp::outbound`'s roots and `LOCAL_CA_FILE`), answered as the event's reply.
//!
//! - `APPSYNC_AUTH=iam` (default): SigV4 with the credentials Lambda puts in the environment.
//! - `APPSYNC_AUTH=api_key`: first fetch `APPSYNC_SECRET_ARN` from Secrets Manager with the AWS
//!   SDK (`SECRETS_ENDPOINT_URL` in the bench), then send it as `x-api-key`: the api_key mode's floor.
//!
//! No configuration checks, no MCP, no audit, no caches: whatever b2b-mcp spends beyond this is
//! its own overhead. Built with the same release profile.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use b2b_mcp::backend::operations::SEARCH_COMPANIES;
use b2b_mcp::outbound::Outbound;
use lambda_http::{Body, Error, Request, Response, run, service_fn};

struct Floor {
    http: reqwest::Client,
    url: reqwest::Url,
    region: String,
    outbound: Outbound,
}

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| Error::from(format!("{name} is not set")))
}

impl Floor {
    /// The same variables `search_companies` sends for the bench's event.
    fn body() -> Vec<u8> {
        let variables = serde_json::json!({"filter": {"country": "DE", "industry": "SaaS"}, "limit": 100});
        let body = serde_json::json!({
            "query": SEARCH_COMPANIES.document, "operationName": SEARCH_COMPANIES.name, "variables": variables,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }

    async fn sigv4(&self, body: &[u8]) -> Result<Vec<(String, String)>, Error> {
        let credentials = Credentials::new(
            env("AWS_ACCESS_KEY_ID")?,
            env("AWS_SECRET_ACCESS_KEY")?,
            std::env::var("AWS_SESSION_TOKEN").ok(),
            None,
            "environment",
        );
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("appsync")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let host = match (self.url.host_str(), self.url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (host, _) => host.unwrap_or_default().to_owned(),
        };
        let headers = [("host", host.as_str()), ("content-type", "application/json")];
        let signable = SignableRequest::new("POST", self.url.as_str(), headers.into_iter(), SignableBody::Bytes(body))?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let (signed, _) = instructions.into_parts();
        Ok(signed.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect())
    }

    async fn api_key(&self) -> Result<Vec<(String, String)>, Error> {
        let sdk =
            aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(self.outbound.aws()).load().await;
        let mut config = aws_sdk_secretsmanager::config::Builder::from(&sdk);
        if let Ok(url) = std::env::var("SECRETS_ENDPOINT_URL") {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_secretsmanager::Client::from_conf(config.build());
        let secret = client.get_secret_value().secret_id(env("APPSYNC_SECRET_ARN")?).send().await?;
        let key = secret.secret_string().unwrap_or_default().to_owned();
        Ok(vec![("x-api-key".to_owned(), key)])
    }

    async fn call(&self, _event: Request) -> Result<Response<Body>, Error> {
        let body = Floor::body();
        let headers = match std::env::var("APPSYNC_AUTH").as_deref() {
            Ok("api_key") => self.api_key().await?,
            _ => self.sigv4(&body).await?,
        };
        let mut request = self.http.post(self.url.clone()).header("content-type", "application/json").body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let answer = request.send().await?.error_for_status()?.bytes().await?;
        Ok(Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(answer.to_vec()))?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let outbound = Outbound::new(std::env::var_os("LOCAL_CA_FILE").as_deref().map(std::path::Path::new))?;
    let http = outbound.http().build()?;
    let url = reqwest::Url::parse(&env("APPSYNC_URL")?)?;
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let floor = &Floor { http, url, region, outbound };
    run(service_fn(move |event| floor.call(event))).await
}
