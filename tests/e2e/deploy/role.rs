//! The function's role: AppSync fields by name (mutations only where the stage allows them), the
//! state table and nothing else of DynamoDB, the given secret only, no wildcard resource.

use serde_json::json;

use super::cfn::scalar;
use super::{MUTATION_FIELDS, QUERY_FIELDS, SECRET, STAGES, as_list, deployed, field_arn, resources_for, statements};

#[test]
fn the_role_writes_only_where_the_stage_allows_mutations() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let appsync = resources_for(&stack, "appsync:GraphQL");
        for field in QUERY_FIELDS {
            assert!(appsync.contains(&field_arn(stage, "Query", field)), "{stage}: Query.{field} not granted");
        }
        let mutations: Vec<&String> = appsync.iter().filter(|arn| arn.contains("/types/Mutation/")).collect();
        if stage == "prod" {
            assert!(mutations.is_empty(), "prod allows no mutations but its role may call {mutations:?}");
        } else {
            let expected: Vec<String> = MUTATION_FIELDS.iter().map(|f| field_arn(stage, "Mutation", f)).collect();
            assert_eq!(mutations, expected.iter().collect::<Vec<_>>(), "{stage}");
        }
        assert_eq!(appsync.len(), QUERY_FIELDS.len() + mutations.len(), "{stage}: unexpected grants {appsync:?}");
    }
}

#[test]
fn the_state_table_expires_items_and_the_role_reaches_only_it() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let table = stack.resource("StateTable");
        assert_eq!(table["Type"], "AWS::DynamoDB::Table");
        let props = &table["Properties"];
        assert_eq!(props["BillingMode"], "PAY_PER_REQUEST", "{stage}: on demand");
        assert_eq!(props["KeySchema"], json!([{"AttributeName": "pk", "KeyType": "HASH"}]));
        assert_eq!(props["TimeToLiveSpecification"], json!({"AttributeName": "expires_at", "Enabled": true}));
        let recovery = &props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"];
        assert_eq!(scalar(recovery), (stage == "prod").to_string(), "{stage}: point-in-time recovery in prod only");
        for action in ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] {
            assert_eq!(resources_for(&stack, action), ["StateTable.Arn"], "{stage}: {action} on the table only");
        }
        let broad = statements(&stack)
            .into_iter()
            .flat_map(|s| as_list(&s["Action"]))
            .filter(|a| a.starts_with("dynamodb:") && (a.contains('*') || a.contains("Scan") || a.contains("Query")))
            .collect::<Vec<_>>();
        assert!(broad.is_empty(), "{stage}: {broad:?}");
    }
}

#[test]
fn the_role_names_every_resource_and_reads_only_the_given_secret() {
    for stage in STAGES {
        for secret in ["", SECRET] {
            let stack = deployed(stage, &[("AppsyncSecretArn", secret)]);
            for statement in statements(&stack) {
                let resources = as_list(&statement["Resource"]);
                assert!(!resources.is_empty(), "{stage}: statement without resources: {statement}");
                assert!(!resources.iter().any(|r| r.contains('*')), "{stage}: wildcard resource in {statement}");
                assert_eq!(statement["Effect"], "Allow");
            }
            let secrets = resources_for(&stack, "secretsmanager:GetSecretValue");
            let expected: Vec<String> = Some(secret).filter(|s| !s.is_empty()).map(str::to_owned).into_iter().collect();
            assert_eq!(secrets, expected, "{stage}: AppsyncSecretArn={secret:?}");
        }
    }
}
