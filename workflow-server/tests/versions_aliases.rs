//! State machine versions and aliases end to end through the router, in process.

mod common;
use common::{error, finished, ok, service};

use std::sync::Arc;

use serde_json::{Value, json};
use workflow_server::Service;

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";
const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

/// A machine whose output names its revision.
fn returns(label: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"v": label}, "End": true}}})
        .to_string()
}

async fn update(service: &Arc<Service>, machine: &str, label: &str, publish: bool) -> Value {
    ok(
        service,
        "UpdateStateMachine",
        json!({"stateMachineArn": machine, "definition": returns(label), "publish": publish}),
    )
    .await
}

async fn start(service: &Arc<Service>, arn: &str, name: &str) -> String {
    let started = ok(
        service,
        "StartExecution",
        json!({"stateMachineArn": arn, "name": name}),
    )
    .await;
    started["executionArn"].as_str().expect("arn").to_owned()
}

fn version_arns(listed: &Value) -> Vec<String> {
    listed["stateMachineVersions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["stateMachineVersionArn"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn versions_are_published_once_per_revision_and_numbers_are_never_reused() {
    let service = service().await;
    let created = ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("r0"), "roleArn": ROLE,
               "publish": true, "versionDescription": "first"}),
    )
    .await;
    let machine = format!("{SM}flow");
    assert_eq!(created["stateMachineArn"], machine.as_str());
    assert_eq!(created["stateMachineVersionArn"], format!("{machine}:1"));

    // Nothing changed since version 1: publishing answers with it.
    let again = ok(
        &service,
        "PublishStateMachineVersion",
        json!({"stateMachineArn": machine, "description": "ignored"}),
    )
    .await;
    assert_eq!(again["stateMachineVersionArn"], format!("{machine}:1"));
    assert!(again["creationDate"].is_f64());

    let updated = update(&service, &machine, "r1", false).await;
    assert!(updated.get("stateMachineVersionArn").is_none());
    let revision = updated["revisionId"].as_str().unwrap().to_owned();
    let published = ok(
        &service,
        "PublishStateMachineVersion",
        json!({"stateMachineArn": machine, "revisionId": revision, "description": "second"}),
    )
    .await;
    assert_eq!(published["stateMachineVersionArn"], format!("{machine}:2"));

    // A version is the machine as it was: description, revision, definition.
    let v1 = ok(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": format!("{machine}:1")}),
    )
    .await;
    assert_eq!(v1["stateMachineArn"], format!("{machine}:1"));
    assert_eq!(v1["definition"], returns("r0").as_str());
    assert_eq!(v1["description"], "first");
    assert_eq!(v1["status"], "ACTIVE");
    assert!(v1.get("revisionId").is_none());
    let v2 = ok(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": format!("{machine}:2")}),
    )
    .await;
    assert_eq!(v2["definition"], returns("r1").as_str());
    assert_eq!(v2["revisionId"], revision.as_str());
    assert_eq!(v2["description"], "second");
    let base = ok(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert!(base.get("description").is_none());

    // A stale revisionId is a conflict that names both revisions.
    let newer = update(&service, &machine, "r2", false).await;
    let (code, message) = error(
        &service,
        "PublishStateMachineVersion",
        json!({"stateMachineArn": machine, "revisionId": revision}),
    )
    .await;
    assert_eq!(code, "ConflictException");
    assert_eq!(
        message,
        format!(
            "Failed to publish the State Machine version for revision {revision}. The current State Machine revision is {}.",
            newer["revisionId"].as_str().unwrap()
        )
    );

    // Publishing through UpdateStateMachine; deleting 3 does not free its number.
    let third = update(&service, &machine, "r3", true).await;
    assert_eq!(third["stateMachineVersionArn"], format!("{machine}:3"));
    let same = update(&service, &machine, "r3", true).await;
    assert_eq!(same["stateMachineVersionArn"], format!("{machine}:3"));
    ok(
        &service,
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": format!("{machine}:3")}),
    )
    .await;
    let listed = ok(
        &service,
        "ListStateMachineVersions",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(
        version_arns(&listed),
        vec![format!("{machine}:2"), format!("{machine}:1")]
    );
    let fourth = ok(
        &service,
        "PublishStateMachineVersion",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(fourth["stateMachineVersionArn"], format!("{machine}:4"));
    // Deleting a version that is gone already succeeds.
    ok(
        &service,
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": format!("{machine}:3")}),
    )
    .await;
    let (code, _) = error(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": format!("{machine}:3")}),
    )
    .await;
    assert_eq!(code, "StateMachineDoesNotExist");
}

#[tokio::test]
async fn versions_list_newest_first_in_pages() {
    let service = service().await;
    let machine = ok(
        &service,
        "CreateStateMachine",
        json!({"name": "paged", "definition": returns("0"), "roleArn": ROLE, "publish": true}),
    )
    .await["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 1..5 {
        update(&service, &machine, &i.to_string(), true).await;
    }
    let first = ok(
        &service,
        "ListStateMachineVersions",
        json!({"stateMachineArn": machine, "maxResults": 3}),
    )
    .await;
    assert_eq!(
        version_arns(&first),
        vec![
            format!("{machine}:5"),
            format!("{machine}:4"),
            format!("{machine}:3")
        ]
    );
    let token = first["nextToken"].as_str().expect("more to come");
    let rest = ok(
        &service,
        "ListStateMachineVersions",
        json!({"stateMachineArn": machine, "maxResults": 3, "nextToken": token}),
    )
    .await;
    assert_eq!(
        version_arns(&rest),
        vec![format!("{machine}:2"), format!("{machine}:1")]
    );
    assert!(rest.get("nextToken").is_none());
    let (code, message) = error(
        &service,
        "CreateStateMachine",
        json!({"name": "nope", "definition": returns("0"), "roleArn": ROLE,
               "versionDescription": "d"}),
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "Version description can only be set when publish is true"
        )
    );
}

#[tokio::test]
async fn executions_run_the_version_they_are_started_with() {
    let service = service().await;
    ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("v1"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let machine = format!("{SM}flow");
    update(&service, &machine, "current", false).await;

    let by_version = start(&service, &format!("{machine}:1"), "by-version").await;
    assert_eq!(
        by_version,
        "arn:aws:states:us-east-1:123456789012:execution:flow:by-version"
    );
    let by_machine = start(&service, &machine, "by-machine").await;
    let described = finished(&service, &by_version).await;
    assert_eq!(described["output"], "{\"v\":\"v1\"}");
    assert_eq!(described["stateMachineArn"], machine.as_str());
    assert_eq!(described["stateMachineVersionArn"], format!("{machine}:1"));
    assert!(described.get("stateMachineAliasArn").is_none());
    let plain = finished(&service, &by_machine).await;
    assert_eq!(plain["output"], "{\"v\":\"current\"}");
    assert!(plain.get("stateMachineVersionArn").is_none());

    let snapshot = ok(
        &service,
        "DescribeStateMachineForExecution",
        json!({"executionArn": by_version}),
    )
    .await;
    assert_eq!(snapshot["stateMachineArn"], machine.as_str());
    assert_eq!(snapshot["definition"], returns("v1").as_str());

    // The machine lists both; the version only its own.
    let all = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(all["executions"].as_array().unwrap().len(), 2);
    let of_version = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": format!("{machine}:1")}),
    )
    .await;
    let items = of_version["executions"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["executionArn"], by_version.as_str());
    assert_eq!(items[0]["stateMachineArn"], machine.as_str());
    assert_eq!(items[0]["stateMachineVersionArn"], format!("{machine}:1"));

    let (code, message) = error(
        &service,
        "StartExecution",
        json!({"stateMachineArn": format!("{machine}:7")}),
    )
    .await;
    assert_eq!(code, "StateMachineDoesNotExist");
    assert_eq!(
        message,
        format!("State Machine Does Not Exist: '{machine}:7'")
    );
}

#[tokio::test]
async fn aliases_route_executions_and_protect_their_versions() {
    let service = service().await;
    ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("v1"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let machine = format!("{SM}flow");
    let v1 = format!("{machine}:1");
    let v2 = update(&service, &machine, "v2", true).await["stateMachineVersionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = json!({"name": "prod", "description": "live",
        "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]});
    let created = ok(&service, "CreateStateMachineAlias", request.clone()).await;
    let alias = format!("{machine}:prod");
    assert_eq!(created["stateMachineAliasArn"], alias.as_str());
    // The same request again is the same alias; another one is a conflict.
    let again = ok(&service, "CreateStateMachineAlias", request).await;
    assert_eq!(again["creationDate"], created["creationDate"]);
    let (code, message) = error(
        &service,
        "CreateStateMachineAlias",
        json!({"name": "prod", "description": "other",
            "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]}),
    )
    .await;
    assert_eq!(code, "ConflictException");
    assert_eq!(
        message,
        "Failed to create alias because an alias with the same name and a different routing configuration already exists."
    );

    let execution = start(&service, &alias, "through-alias").await;
    assert_eq!(
        execution,
        "arn:aws:states:us-east-1:123456789012:execution:flow:through-alias"
    );
    let described = finished(&service, &execution).await;
    assert_eq!(described["output"], "{\"v\":\"v1\"}");
    assert_eq!(described["stateMachineAliasArn"], alias.as_str());
    assert_eq!(described["stateMachineVersionArn"], v1.as_str());
    let history = ok(
        &service,
        "GetExecutionHistory",
        json!({"executionArn": execution}),
    )
    .await;
    let started = &history["events"][0]["executionStartedEventDetails"];
    assert_eq!(started["stateMachineAliasArn"], alias.as_str());
    assert_eq!(started["stateMachineVersionArn"], v1.as_str());
    let of_alias = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": alias}),
    )
    .await;
    assert_eq!(
        of_alias["executions"][0]["executionArn"],
        execution.as_str()
    );
    assert_eq!(
        of_alias["executions"][0]["stateMachineAliasArn"],
        alias.as_str()
    );

    // Version 1 is routed to: it stays.
    let (code, message) = error(
        &service,
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": v1}),
    )
    .await;
    assert_eq!(code, "ConflictException");
    assert_eq!(
        message,
        "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [prod]"
    );

    // All to version 2, then an even split.
    ok(
        &service,
        "UpdateStateMachineAlias",
        json!({"stateMachineAliasArn": alias,
            "routingConfiguration": [{"stateMachineVersionArn": v2, "weight": 100}]}),
    )
    .await;
    let execution = start(&service, &alias, "after-update").await;
    assert_eq!(
        finished(&service, &execution).await["output"],
        "{\"v\":\"v2\"}"
    );
    ok(
        &service,
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": v1}),
    )
    .await;
    let v3 = update(&service, &machine, "v3", true).await["stateMachineVersionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &service,
        "UpdateStateMachineAlias",
        json!({"stateMachineAliasArn": alias, "description": "canary",
            "routingConfiguration": [{"stateMachineVersionArn": v2, "weight": 50},
                                     {"stateMachineVersionArn": v3, "weight": 50}]}),
    )
    .await;
    let described = ok(
        &service,
        "DescribeStateMachineAlias",
        json!({"stateMachineAliasArn": alias}),
    )
    .await;
    assert_eq!(described["name"], "prod");
    assert_eq!(described["description"], "canary");
    assert_eq!(
        described["routingConfiguration"],
        json!([{"stateMachineVersionArn": v2, "weight": 50},
               {"stateMachineVersionArn": v3, "weight": 50}])
    );
    let mut outputs = std::collections::BTreeSet::new();
    for i in 0..40 {
        let execution = start(&service, &alias, &format!("split-{i}")).await;
        let described = finished(&service, &execution).await;
        assert_eq!(
            described["output"],
            format!(
                "{{\"v\":\"{}\"}}",
                if described["stateMachineVersionArn"] == v2 {
                    "v2"
                } else {
                    "v3"
                }
            )
        );
        outputs.insert(described["output"].as_str().unwrap().to_owned());
    }
    assert_eq!(outputs.len(), 2, "a 50/50 split runs both versions");

    let listed = ok(
        &service,
        "ListStateMachineAliases",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(
        listed["stateMachineAliases"][0]["stateMachineAliasArn"],
        alias.as_str()
    );
    ok(
        &service,
        "DeleteStateMachineAlias",
        json!({"stateMachineAliasArn": alias}),
    )
    .await;
    let (code, message) = error(
        &service,
        "DescribeStateMachineAlias",
        json!({"stateMachineAliasArn": alias}),
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFound",
            "Request references a resource that does not exist."
        )
    );
    let (code, _) = error(
        &service,
        "StartExecution",
        json!({"stateMachineArn": alias}),
    )
    .await;
    assert_eq!(code, "StateMachineDoesNotExist");
}

#[tokio::test]
async fn routing_configurations_are_validated_with_aws_messages() {
    let service = service().await;
    ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("v1"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let machine = format!("{SM}flow");
    let v1 = format!("{machine}:1");
    let v2 = update(&service, &machine, "v2", true).await["stateMachineVersionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = |routes: Value| {
        let service = service.clone();
        async move {
            error(
                &service,
                "CreateStateMachineAlias",
                json!({"name": "a", "routingConfiguration": routes}),
            )
            .await
            .1
        }
    };
    assert_eq!(
        refused(json!([{"stateMachineVersionArn": v1, "weight": 101}])).await,
        "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"
    );
    assert_eq!(
        refused(json!([{"stateMachineVersionArn": v1, "weight": 50},
                       {"stateMachineVersionArn": v1, "weight": 50}]))
        .await,
        format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: [{v1}, {v1}]"
        )
    );
    assert_eq!(
        refused(json!([{"stateMachineVersionArn": machine, "weight": 70},
                       {"stateMachineVersionArn": v2, "weight": 30}]))
        .await,
        format!(
            "Routing configuration must contain state machine version ARNs. Received: [{machine}, {v2}]"
        )
    );
    assert_eq!(
        refused(json!([{"stateMachineVersionArn": v1, "weight": 70},
                       {"stateMachineVersionArn": v2, "weight": 29}]))
        .await,
        "Sum of routing configuration weights must equal 100. Received: [70, 29]"
    );
    assert_eq!(
        refused(json!([{"stateMachineVersionArn": v1, "weight": 50},
                       {"stateMachineVersionArn": v2, "weight": 30},
                       {"stateMachineVersionArn": format!("{machine}:3"), "weight": 20}]))
        .await,
        format!(
            "1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn={v1}, weight=50), RoutingConfigurationListItem(stateMachineVersionArn={v2}, weight=30), RoutingConfigurationListItem(stateMachineVersionArn={machine}:3, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"
        )
    );
    let (code, _) = error(
        &service,
        "CreateStateMachineAlias",
        json!({"name": "123", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]}),
    )
    .await;
    assert_eq!(
        code, "ValidationException",
        "an all-digit name reads as a version"
    );
}

#[tokio::test]
async fn deleting_a_state_machine_deletes_its_versions_and_aliases() {
    let service = service().await;
    ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("v1"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let machine = format!("{SM}flow");
    ok(
        &service,
        "CreateStateMachineAlias",
        json!({"name": "prod",
            "routingConfiguration": [{"stateMachineVersionArn": format!("{machine}:1"), "weight": 100}]}),
    )
    .await;
    ok(
        &service,
        "DeleteStateMachine",
        json!({"stateMachineArn": machine}),
    )
    .await;
    for arn in [format!("{machine}:1"), format!("{machine}:prod")] {
        let (code, _) = error(&service, "StartExecution", json!({"stateMachineArn": arn})).await;
        assert_eq!(code, "StateMachineDoesNotExist", "{arn}");
    }
    let (code, _) = error(
        &service,
        "DescribeStateMachineAlias",
        json!({"stateMachineAliasArn": format!("{machine}:prod")}),
    )
    .await;
    assert_eq!(code, "ResourceNotFound");

    // A machine made again under the same name starts from version 1, with no aliases.
    let created = ok(
        &service,
        "CreateStateMachine",
        json!({"name": "flow", "definition": returns("new"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    assert_eq!(created["stateMachineVersionArn"], format!("{machine}:1"));
    let described = ok(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": format!("{machine}:1")}),
    )
    .await;
    assert_eq!(described["definition"], returns("new").as_str());
    let aliases = ok(
        &service,
        "ListStateMachineAliases",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(aliases["stateMachineAliases"], json!([]));
}
