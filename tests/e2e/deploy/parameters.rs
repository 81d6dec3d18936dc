//! The template's parameters that grant something: the secret's ARN and IAM_WRITERS refuse what
//! would grant too much (decided by a real regex engine, as CloudFormation matches them), and
//! what they accept reaches every stage's function.

use super::{SECRET, STAGES, deployed, environment, pattern_accepts};

/// Finding 10: the secret's ARN becomes the role's GetSecretValue resource, so a wildcard in it
/// would grant every matching secret in the account.
#[test]
fn the_secret_parameter_names_one_secret_and_refuses_wildcards() {
    let arn = |name: &str| format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}");
    let good = [SECRET.to_owned(), arn("prod/b2b-mcp/appsync_key+v2=a.b@c-AbCdEf"), String::new()];
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    assert_eq!(pattern_accepts("AppsyncSecretArn", &good), [true; 3], "{good:?}");
    let bad = [
        arn("*"),
        arn("b2b-mcp/*"),
        arn("b2b-mcp/appsync-??????"),
        arn("b2b*mcp"),
        arn("b2b-mcp/appsync-AbCdE?"),
        arn(""),
        "arn:aws:secretsmanager:*:123456789012:secret:b2b-mcp".to_owned(),
        "arn:aws:secretsmanager:eu-west-1:*:secret:b2b-mcp".to_owned(),
        "*".to_owned(),
    ];
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    assert_eq!(pattern_accepts("AppsyncSecretArn", &bad), [false; 9], "{bad:?}");
}

#[test]
fn iam_writers_are_role_or_user_arns_of_one_account() {
    let good = [
        "",
        "arn:aws:iam::123456789012:role/etl-writer",
        "arn:aws:iam::123456789012:role/integrations/etl-writer,arn:aws:iam::123456789012:user/ops",
        "arn:aws-us-gov:iam::123456789012:role/etl-*",
        "arn:aws:iam::123456789012:user/team/*",
    ];
    assert_eq!(pattern_accepts("IamWriters", &good), [true; 5], "{good:?}");
    // Whatever the template lets through, the server starts with (no stage that deploys and then
    // fails every cold start).
    for writers in good {
        let vars = [("SAMPLE_DATA", "true"), ("IAM_WRITERS", writers)];
        let config = b2b_mcp::configure(b2b_mcp::Mode::Lambda, |k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        });
        assert!(config.is_ok(), "{writers}: {:?}", config.err());
    }
    let bad = [
        "*",
        "arn:aws:iam::*:role/etl",
        "arn:aws:iam::123456789012:*",
        "arn:aws:sts::123456789012:assumed-role/etl/session-1",
        "arn:aws:iam::123456789012:role/etl, arn:aws:iam::123456789012:role/other",
        "arn:aws:iam::123456789012:role/e*l",
        "arn:aws:iam::123456789012:role/etl,",
        "arn:aws:iam::123456789012:role/integrations/etl-*",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::123456789012:user/*",
        "arn:aws:iam::123456789012:role/",
    ];
    assert_eq!(pattern_accepts("IamWriters", &bad), [false; 11], "{bad:?}");
}

#[test]
fn iam_writers_and_tool_scopes_reach_every_stage() {
    let writers = "arn:aws:iam::123456789012:role/etl-writer";
    let scopes = "request_email_discovery=mcp:email";
    for stage in STAGES {
        let env = environment(&deployed(stage, &[]));
        let empty = Some(&String::new());
        assert_eq!((env.get("IAM_WRITERS"), env.get("TOOL_SCOPES")), (empty, empty), "{stage}: IAM callers read only");
        let env = environment(&deployed(stage, &[("IamWriters", writers), ("ToolScopes", scopes)]));
        assert_eq!((env["IAM_WRITERS"].as_str(), env["TOOL_SCOPES"].as_str()), (writers, scopes), "{stage}");
    }
}
