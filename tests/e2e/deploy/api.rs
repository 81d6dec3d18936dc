//! The HTTP API in front of the function: which routes exist and who authenticates each, its
//! throttling, its JSON access logs, and the URLs the stack outputs.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::cfn::{REGION, scalar};
use super::{STAGES, deployed, function, samconfig_overrides};

#[test]
fn routes_authenticate_llm_clients_by_jwt_and_integrations_by_iam() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let overrides = samconfig_overrides(stage);
        let api = stack.resource("HttpApi");
        assert_eq!(api["Type"], "AWS::Serverless::HttpApi");
        let props = &api["Properties"];
        assert!(props.get("CorsConfiguration").is_none(), "{stage}: CORS must stay off");
        assert_eq!(props["StageName"], "$default", "the well-known metadata URI must sit at the host root");
        assert_eq!(props["Auth"]["EnableIamAuthorizer"], true);
        let rate = scalar(&props["DefaultRouteSettings"]["ThrottlingRateLimit"]).parse::<f64>().expect("rate");
        let burst = scalar(&props["DefaultRouteSettings"]["ThrottlingBurstLimit"]).parse::<f64>().expect("burst");
        assert!(rate > 0.0 && burst >= rate, "{stage}: throttling {rate}/s burst {burst}");

        let routes: BTreeMap<String, String> = function(&stack)["Events"]
            .as_object()
            .expect("Events")
            .values()
            .map(|event| {
                assert_eq!(event["Type"], "HttpApi");
                assert_eq!(event["Properties"]["ApiId"], "httpapi", "{stage}: every route on this stack's API");
                let p = &event["Properties"];
                (format!("{} {}", scalar(&p["Method"]), scalar(&p["Path"])), scalar(&p["Auth"]["Authorizer"]))
            })
            .collect();
        let jwt = routes.get("POST /mcp").unwrap_or_else(|| panic!("{stage}: no POST /mcp route in {routes:?}"));
        let authorizer = &props["Auth"]["Authorizers"][jwt.as_str()];
        assert_eq!(authorizer["JwtConfiguration"]["issuer"], overrides["OidcIssuer"].as_str(), "{stage}");
        assert_eq!(authorizer["JwtConfiguration"]["audience"], json!([overrides["OidcAudience"]]), "{stage}");
        assert_eq!(authorizer["IdentitySource"], "$request.header.Authorization");
        assert_eq!(props["Auth"]["DefaultAuthorizer"], jwt.as_str(), "{stage}: routes default to the JWT authorizer");
        let expected: BTreeMap<String, String> = [
            ("POST /mcp", jwt.as_str()),
            ("GET /mcp", jwt.as_str()),
            ("POST /internal/mcp", "AWS_IAM"),
            ("GET /.well-known/oauth-protected-resource", "NONE"),
            ("GET /.well-known/oauth-protected-resource/mcp", "NONE"),
        ]
        .into_iter()
        .map(|(route, auth)| (route.to_owned(), auth.to_owned()))
        .collect();
        assert_eq!(routes, expected, "{stage}");
    }
}

/// Finding 10: the HTTP API logs every request as JSON, with who the caller was, into a group of
/// its own kept as long as the stage keeps its logs.
#[test]
fn the_http_api_writes_json_access_logs_kept_as_the_stage_says() {
    // Variables HTTP APIs offer for access logs (API Gateway developer guide, "Customize HTTP API
    // access logs"); a misspelt one would log "-" forever.
    const HTTP_API_VARIABLES: [&str; 12] = [
        "$context.requestId",
        "$context.requestTimeEpoch",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationLatency",
        "$context.integration.requestId",
        "$context.identity.sourceIp",
        "$context.identity.userArn",
        "$context.identity.cognitoIdentityId",
        "$context.authorizer.principalId",
        "$context.authorizer.claims.",
    ];
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let settings = &stack.resource("HttpApi")["Properties"]["AccessLogSettings"];
        assert_eq!(settings["DestinationArn"], "AccessLogGroup.Arn", "{stage}: the access log group's ARN");
        let format: Value = serde_json::from_str(settings["Format"].as_str().expect("Format"))
            .unwrap_or_else(|e| panic!("{stage}: the access log format is not JSON: {e}"));
        let fields = format.as_object().expect("one JSON object per request");
        for (field, variable) in [
            ("request_id", "$context.requestId"),
            ("route_key", "$context.routeKey"),
            ("status", "$context.status"),
            ("latency_ms", "$context.responseLatency"),
            ("source_ip", "$context.identity.sourceIp"),
            ("jwt_sub", "$context.authorizer.claims.sub"),
            ("iam_user_arn", "$context.identity.userArn"),
            ("authorizer_principal_id", "$context.authorizer.principalId"),
        ] {
            assert_eq!(fields.get(field).and_then(Value::as_str), Some(variable), "{stage}: {field}");
        }
        for (field, value) in fields {
            let variable = value.as_str().unwrap_or_else(|| panic!("{field} is not a quoted string: {value}"));
            let known =
                HTTP_API_VARIABLES.iter().any(|v| variable == *v || (v.ends_with('.') && variable.starts_with(v)));
            assert!(known, "{stage}: {field} logs {variable}, not an HTTP API access log variable");
        }

        let group = stack.resource("AccessLogGroup");
        assert_eq!(group["Type"], "AWS::Logs::LogGroup");
        assert_eq!(group["DeletionPolicy"], "Retain", "{stage}: part of the audit trail");
        let retention = scalar(&group["Properties"]["RetentionInDays"]);
        assert_eq!(retention, scalar(&stack.mapping("StageConfig", stage, "LogRetentionDays")), "{stage}");
        assert_eq!(stack.output("AccessLogGroupName"), format!("/aws/apigateway/b2b-mcp-{stage}-access"));
    }
}

#[test]
fn outputs_give_each_stage_its_urls() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        // $default stage: no stage in the path, so the well-known metadata sits at the host root.
        let base = format!("https://httpapi.execute-api.{REGION}.amazonaws.com");
        assert_eq!(stack.output("McpUrl"), format!("{base}/mcp"));
        assert_eq!(stack.output("InternalMcpUrl"), format!("{base}/internal/mcp"));
        assert_eq!(
            stack.output("ProtectedResourceMetadataUrl"),
            format!("{base}/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(stack.output("FunctionName"), format!("b2b-mcp-{stage}"));
        assert_eq!(stack.output("LogGroupName"), format!("/aws/lambda/b2b-mcp-{stage}"));
    }
}
