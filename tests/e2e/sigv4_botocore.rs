//! Our SigV4 signer against an independent implementation: botocore's (from the tools venv),
//! for the same request, time and credentials, with and without a session token.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use b2b_mcp::backend::auth::sigv4_headers;

use crate::tools::venv_bin;

#[tokio::test]
async fn sigv4_matches_botocore() {
    let url = reqwest::Url::parse("https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql").unwrap();
    let body = br#"{"query":"query Q { industries }","operationName":"Q","variables":{}}"#;
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045); // 2026-01-02T03:04:05Z
    for token in [None, Some("FQoGZXIvYXdzEJr//////////session-token")] {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "t",
        );
        let ours = sigv4_headers(&url, body, &creds, "eu-west-1", time).expect("sign");
        let ours_auth =
            ours.iter().find(|(n, _)| *n == "authorization").map(|(_, v)| v.clone()).expect("authorization");
        let script = r#"
import sys, json
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, body, token = sys.argv[1], sys.argv[2].encode(), (sys.argv[3] or None)
req = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "appsync", "eu-west-1")
req.context["timestamp"] = "20260102T030405Z"
signer._modify_request_before_signing(req)
canonical = signer.canonical_request(req)
string_to_sign = signer.string_to_sign(req, canonical)
signature = signer.signature(string_to_sign, req)
print(json.dumps({"signed_headers": signer.signed_headers(signer.headers_to_sign(req)), "signature": signature}))
"#;
        let out = std::process::Command::new(venv_bin("python"))
            .args(["-c", script, url.as_str(), std::str::from_utf8(body).unwrap(), token.unwrap_or("")])
            .output()
            .expect("run botocore");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("botocore json");
        let expected = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/appsync/aws4_request, SignedHeaders={}, Signature={}",
            theirs["signed_headers"].as_str().unwrap(),
            theirs["signature"].as_str().unwrap()
        );
        assert_eq!(ours_auth, expected, "session token: {token:?}");
        let date = ours.iter().find(|(n, _)| *n == "x-amz-date").map(|(_, v)| v.as_str());
        assert_eq!(date, Some("20260102T030405Z"));
        let sent_token = ours.iter().find(|(n, _)| *n == "x-amz-security-token").map(|(_, v)| v.as_str());
        assert_eq!(sent_token, token);
    }
}
