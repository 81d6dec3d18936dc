//! AWS SDK settings for tests: dummy credentials for endpoints on loopback (moto takes any, and a
//! peer that never answers needs none), and the local platform's own test keys for SigV4.

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use platform_local::defaults;

fn sdk_config(region: &str, credentials: Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(b2b_mcp::outbound::Outbound::new(None).expect("system roots").aws())
        .build()
}

/// Dummy credentials, us-east-1: for moto, and for clients whose endpoint is not AWS.
pub fn test_sdk_config() -> SdkConfig {
    sdk_config("us-east-1", Credentials::new("testing", "testing", None, None, "test"))
}

/// The local platform's SigV4 keys and region (`platform_local::defaults`).
pub fn platform_sdk() -> SdkConfig {
    let creds = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "platform");
    sdk_config(defaults::REGION, creds)
}
