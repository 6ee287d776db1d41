//! The API end to end through the router, in process (no network).

mod common;
use common::{error, finished, ok, raw, service};

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use workflow_server::Service;

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";
const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

fn pass_wait_succeed() -> String {
    json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"x": 1}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "S"},
        "S": {"Type": "Succeed"}}})
    .to_string()
}

fn waits(seconds: u32) -> String {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": true}}})
        .to_string()
}

async fn create(service: &Arc<Service>, name: &str, definition: &str) -> String {
    let answer = ok(
        service,
        "CreateStateMachine",
        json!({"name": name, "definition": definition, "roleArn": ROLE}),
    )
    .await;
    answer["stateMachineArn"].as_str().expect("arn").to_owned()
}

async fn describe_execution(service: &Arc<Service>, arn: &str) -> Value {
    ok(service, "DescribeExecution", json!({"executionArn": arn})).await
}

#[tokio::test]
async fn a_state_machine_is_created_described_listed_updated_and_deleted() {
    let service = service().await;
    let definition = pass_wait_succeed();
    let arn = create(&service, "flow", &definition).await;
    assert_eq!(arn, format!("{SM}flow"));

    let described = ok(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": arn}),
    )
    .await;
    assert_eq!(described["name"], "flow");
    assert_eq!(described["status"], "ACTIVE");
    assert_eq!(described["type"], "STANDARD");
    assert_eq!(described["definition"], definition.as_str());
    assert_eq!(described["roleArn"], ROLE);
    assert_eq!(
        described["loggingConfiguration"],
        json!({"level": "OFF", "includeExecutionData": false})
    );
    assert_eq!(described["tracingConfiguration"], json!({"enabled": false}));
    assert!(described["creationDate"].is_f64());
    assert!(described.get("revisionId").is_none());

    let listed = ok(&service, "ListStateMachines", json!({})).await;
    assert_eq!(listed["stateMachines"][0]["stateMachineArn"], arn.as_str());
    assert!(listed.get("nextToken").is_none());

    let updated = ok(
        &service,
        "UpdateStateMachine",
        json!({"stateMachineArn": arn, "roleArn": "arn:aws:iam::123456789012:role/other"}),
    )
    .await;
    let revision = updated["revisionId"].as_str().expect("a new revision");
    assert_eq!(revision.len(), 36);
    let again = ok(
        &service,
        "UpdateStateMachine",
        json!({"stateMachineArn": arn, "roleArn": "arn:aws:iam::123456789012:role/other"}),
    )
    .await;
    assert_eq!(again["revisionId"], revision, "no change, same revision");

    assert_eq!(
        ok(
            &service,
            "DeleteStateMachine",
            json!({"stateMachineArn": arn})
        )
        .await,
        json!({})
    );
    let (code, message) = error(
        &service,
        "DescribeStateMachine",
        json!({"stateMachineArn": arn}),
    )
    .await;
    assert_eq!(code, "StateMachineDoesNotExist");
    assert_eq!(message, format!("State Machine Does Not Exist: '{arn}'"));
}

#[tokio::test]
async fn an_invalid_definition_is_refused_with_aws_wording() {
    let service = service().await;
    let (code, message) = error(
        &service,
        "CreateStateMachine",
        json!({"name": "bad", "definition": "{\"StartAt\": \"A\"}", "roleArn": ROLE}),
    )
    .await;
    assert_eq!(code, "InvalidDefinition");
    assert_eq!(
        message,
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_runs_to_success_with_its_history() {
    let service = service().await;
    let machine = create(&service, "flow", &pass_wait_succeed()).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "run-1", "input": "{\"a\":1}"}),
    )
    .await;
    let arn = started["executionArn"].as_str().expect("arn").to_owned();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:execution:flow:run-1"
    );
    let running = describe_execution(&service, &arn).await;
    assert_eq!(running["status"], "RUNNING");
    assert!(running.get("stopDate").is_none());

    let mut described = running;
    for _ in 0..50 {
        described = describe_execution(&service, &arn).await;
        if described["status"] != "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], "{\"x\":1}");
    assert_eq!(described["input"], "{\"a\":1}");
    assert_eq!(described["stateMachineArn"], machine.as_str());
    assert_eq!(described["redriveStatus"], "NOT_REDRIVABLE");
    assert!(described["stopDate"].is_f64());

    let history = ok(
        &service,
        "GetExecutionHistory",
        json!({"executionArn": arn}),
    )
    .await;
    let events = history["events"].as_array().expect("events");
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        events[0]["executionStartedEventDetails"]["input"],
        "{\"a\":1}"
    );
    assert_eq!(
        events[0]["executionStartedEventDetails"]["inputDetails"],
        json!({"truncated": false})
    );
    assert_eq!(events[1]["previousEventId"], 0);
    assert_eq!(events[2]["previousEventId"], 2);
    assert!(events[0]["timestamp"].is_f64());

    let reversed = ok(
        &service,
        "GetExecutionHistory",
        json!({"executionArn": arn, "reverseOrder": true, "maxResults": 2}),
    )
    .await;
    assert_eq!(reversed["events"][0]["type"], "ExecutionSucceeded");
    assert_eq!(reversed["events"].as_array().map(Vec::len), Some(2));
    let token = reversed["nextToken"].as_str().expect("more pages");
    let rest = ok(
        &service,
        "GetExecutionHistory",
        json!({"executionArn": arn, "reverseOrder": true, "nextToken": token}),
    )
    .await;
    assert_eq!(rest["events"].as_array().map(Vec::len), Some(6));
    assert_eq!(rest["events"][5]["type"], "ExecutionStarted");

    let listed = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": machine, "statusFilter": "SUCCEEDED"}),
    )
    .await;
    assert_eq!(listed["executions"][0]["executionArn"], arn.as_str());
    let none = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": machine, "statusFilter": "RUNNING"}),
    )
    .await;
    assert_eq!(none, json!({"executions": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_a_name_again_is_idempotent_only_with_the_same_input() {
    let service = service().await;
    let machine = create(&service, "slow", &waits(60)).await;
    let start = json!({"stateMachineArn": machine, "name": "once", "input": "{\"n\": 1}"});
    let first = ok(&service, "StartExecution", start.clone()).await;
    let second = ok(&service, "StartExecution", start).await;
    assert_eq!(first["executionArn"], second["executionArn"]);
    assert_eq!(first["startDate"], second["startDate"]);
    let (code, message) = error(
        &service,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "once", "input": "{\"n\": 2}"}),
    )
    .await;
    assert_eq!(code, "ExecutionAlreadyExists");
    assert_eq!(
        message,
        format!(
            "Execution Already Exists: '{}'",
            first["executionArn"].as_str().unwrap_or_default()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_execution_is_aborted() {
    let service = service().await;
    let machine = create(&service, "slow", &waits(60)).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": machine}),
    )
    .await;
    let arn = started["executionArn"].as_str().expect("arn").to_owned();
    assert_eq!(
        arn.rsplit(':').next().map(str::len),
        Some(36),
        "a UUID name"
    );
    let stopped = ok(
        &service,
        "StopExecution",
        json!({"executionArn": arn, "error": "Halt", "cause": "test"}),
    )
    .await;
    assert!(stopped["stopDate"].is_f64());
    let described = describe_execution(&service, &arn).await;
    assert_eq!(described["status"], "ABORTED");
    assert_eq!(described["error"], "Halt");
    assert_eq!(described["cause"], "test");
    assert_eq!(described["redriveStatus"], "REDRIVABLE");
    assert!(described.get("output").is_none());
    let history = ok(
        &service,
        "GetExecutionHistory",
        json!({"executionArn": arn}),
    )
    .await;
    let last = history["events"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["type"], "ExecutionAborted");
    assert_eq!(last["previousEventId"], 0);
    assert_eq!(
        last["executionAbortedEventDetails"],
        json!({"error": "Halt", "cause": "test"})
    );

    // RedriveExecution: it runs again from the Wait, counted, and listed as redriven.
    let redriven = ok(&service, "RedriveExecution", json!({"executionArn": arn})).await;
    assert!(redriven["redriveDate"].is_f64());
    let described = describe_execution(&service, &arn).await;
    assert_eq!(described["status"], "RUNNING");
    assert_eq!(described["redriveCount"], 1);
    assert_eq!(described["redriveDate"], redriven["redriveDate"]);
    assert_eq!(described["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(
        described["redriveStatusReason"],
        "Execution is RUNNING and cannot be redriven"
    );
    assert!(described.get("error").is_none());
    assert_eq!(
        error(&service, "RedriveExecution", json!({"executionArn": arn})).await,
        (
            "ExecutionNotRedrivable".to_owned(),
            "Execution is RUNNING and cannot be redriven".to_owned()
        )
    );
    // The redriven execution enters its Wait again (on its own task).
    let mut history = Value::Null;
    for _ in 0..200 {
        history = ok(
            &service,
            "GetExecutionHistory",
            json!({"executionArn": arn}),
        )
        .await;
        if history["events"]
            .as_array()
            .and_then(|e| e.last())
            .map(|e| &e["type"])
            == Some(&json!("WaitStateEntered"))
            && history["events"].as_array().unwrap().len() > 3
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let types: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    // (The stop may come before the Wait was entered.)
    assert_eq!(
        types[types.len() - 3..],
        ["ExecutionAborted", "ExecutionRedriven", "WaitStateEntered"]
    );
    assert_eq!(
        history["events"][types.len() - 2]["executionRedrivenEventDetails"],
        json!({"redriveCount": 1})
    );
    for (filter, count) in [("REDRIVEN", 1), ("NOT_REDRIVEN", 0)] {
        let listed = ok(
            &service,
            "ListExecutions",
            json!({"stateMachineArn": machine, "redriveFilter": filter}),
        )
        .await;
        assert_eq!(listed["executions"].as_array().unwrap().len(), count);
    }
    let unknown = format!("{arn}-none");
    assert_eq!(
        error(
            &service,
            "RedriveExecution",
            json!({"executionArn": unknown})
        )
        .await
        .0,
        "ExecutionDoesNotExist"
    );
}

#[tokio::test]
async fn bad_requests_get_aws_errors() {
    let service = service().await;
    let (status, answer) = raw(&service, "ListStateMachines", "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["__type"],
        "com.amazonaws.states#SerializationException"
    );

    let (code, message) = error(&service, "FlyToTheMoon", json!({})).await;
    assert_eq!(code, "UnknownOperationException");
    assert_eq!(message, "Unknown operation: 'FlyToTheMoon'");

    let (code, message) = error(
        &service,
        "DescribeExecution",
        json!({"executionArn": "nope"}),
    )
    .await;
    assert_eq!(code, "InvalidArn");
    assert_eq!(message, "Invalid Arn: 'Invalid ARN prefix: nope'");

    let (code, message) = error(
        &service,
        "CreateStateMachine",
        json!({"name": "x", "roleArn": ROLE}),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null"
    );

    let (code, message) = error(&service, "ListStateMachines", json!({"maxResults": 1001})).await;
    assert_eq!(code, "ValidationException");
    assert!(
        message.ends_with("Member must have value less than or equal to 1000"),
        "{message}"
    );

    let (code, _) = error(
        &service,
        "CreateStateMachine",
        json!({"name": "a b", "definition": waits(1), "roleArn": ROLE}),
    )
    .await;
    assert_eq!(code, "InvalidName");
}

#[tokio::test]
async fn tags_are_set_listed_and_removed() {
    let service = service().await;
    let machine = create(&service, "tagged", &waits(1)).await;
    ok(
        &service,
        "TagResource",
        json!({"resourceArn": machine, "tags": [{"key": "a", "value": "1"}, {"key": "a", "value": "1"}, {"key": "b", "value": ""}]}),
    )
    .await;
    let listed = ok(
        &service,
        "ListTagsForResource",
        json!({"resourceArn": machine}),
    )
    .await;
    assert_eq!(
        listed,
        json!({"tags": [{"key": "a", "value": "1"}, {"key": "b", "value": ""}]})
    );
    ok(
        &service,
        "UntagResource",
        json!({"resourceArn": machine, "tagKeys": ["a", "zzz"]}),
    )
    .await;
    let listed = ok(
        &service,
        "ListTagsForResource",
        json!({"resourceArn": machine}),
    )
    .await;
    assert_eq!(listed, json!({"tags": [{"key": "b", "value": ""}]}));
    let (code, message) = error(
        &service,
        "ListTagsForResource",
        json!({"resourceArn": format!("{machine}:1")}),
    )
    .await;
    assert_eq!(code, "ResourceNotFound");
    assert_eq!(message, format!("Resource not found: '{machine}:1'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_machine_starts_another_and_waits_for_it() {
    let service = service().await;
    let child = create(
        &service,
        "child",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true,
            "Parameters": {"got.$": "$.n"}}}})
        .to_string(),
    )
    .await;
    let slow = create(&service, "slow", &waits(60)).await;
    let parent = |target: &str, resource: &str| {
        json!({"StartAt": "Run", "States": {"Run": {"Type": "Task", "End": true,
            "Resource": format!("arn:aws:states:::states:startExecution{resource}"),
            "Parameters": {"StateMachineArn": target, "Input": {"n.$": "$.n"}}}}})
        .to_string()
    };
    let sync2 = create(&service, "parent", &parent(&child, ".sync:2")).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": sync2, "input": "{\"n\": 7}"}),
    )
    .await;
    let described = finished(&service, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["Output"], json!({"got": 7}));
    assert_eq!(output["Status"], "SUCCEEDED");
    // The child is an execution of its own state machine, listed there.
    let listed = ok(
        &service,
        "ListExecutions",
        json!({"stateMachineArn": child}),
    )
    .await;
    assert_eq!(
        listed["executions"][0]["executionArn"],
        output["ExecutionArn"]
    );

    // Stopping a parent stops the child its `.sync` task waits for.
    let waiting = create(&service, "waiting", &parent(&slow, ".sync")).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": waiting, "input": "{\"n\": 1}"}),
    )
    .await;
    let parent_arn = started["executionArn"].as_str().unwrap();
    let mut child_arn = None;
    for _ in 0..500 {
        let listed = ok(&service, "ListExecutions", json!({"stateMachineArn": slow})).await;
        let history = ok(
            &service,
            "GetExecutionHistory",
            json!({"executionArn": parent_arn}),
        )
        .await;
        let submitted = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "TaskSubmitted");
        if submitted && let Some(arn) = listed["executions"][0]["executionArn"].as_str() {
            child_arn = Some(arn.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let child_arn = child_arn.expect("the child started");
    ok(
        &service,
        "StopExecution",
        json!({"executionArn": parent_arn}),
    )
    .await;
    assert_eq!(finished(&service, &child_arn).await["status"], "ABORTED");
    // A child state machine that does not exist fails the task with AWS's error.
    let orphan = create(&service, "orphan", &parent(&format!("{SM}missing"), "")).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": orphan, "input": "{\"n\": 1}"}),
    )
    .await;
    let described = finished(&service, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(
        described["error"],
        "StepFunctions.StateMachineDoesNotExistException"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_express_state_machine_runs_asynchronously_with_its_own_context() {
    let service = service().await;
    let answer = ok(
        &service,
        "CreateStateMachine",
        json!({"name": "quick", "type": "EXPRESS", "roleArn": ROLE,
            "definition": json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true,
                "Parameters": {"execution.$": "$$.Execution"}}}}).to_string()}),
    )
    .await;
    let machine = answer["stateMachineArn"].as_str().unwrap().to_owned();
    let mut arns = Vec::new();
    // Names may repeat: each Express execution has an id of its own.
    for _ in 0..2 {
        let started = ok(
            &service,
            "StartExecution",
            json!({"stateMachineArn": machine, "name": "same"}),
        )
        .await;
        let arn = started["executionArn"].as_str().unwrap().to_owned();
        assert!(
            arn.starts_with("arn:aws:states:us-east-1:123456789012:express:quick:same:"),
            "{arn}"
        );
        arns.push(arn);
    }
    assert_ne!(arns[0], arns[1]);
    // Express executions are not described or listed, as on AWS; the store has run them.
    assert_eq!(
        error(
            &service,
            "DescribeExecution",
            json!({"executionArn": arns[0]})
        )
        .await
        .0,
        "ExecutionDoesNotExist"
    );
    let mut record = None;
    for _ in 0..500 {
        record = service.store().execution(&arns[0]).unwrap();
        if record
            .as_ref()
            .is_some_and(|r| r.status != workflow_runtime::Status::Running)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let record = record.expect("stored");
    let output: Value = serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["execution"]["Id"], json!(arns[0]));
    assert!(output["execution"].get("RedriveCount").is_none());
    // StartSyncExecution answers with the same kind of ARN and context.
    let synced = ok(
        &service,
        "StartSyncExecution",
        json!({"stateMachineArn": machine}),
    )
    .await;
    let output: Value = serde_json::from_str(synced["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["execution"]["Id"], synced["executionArn"]);
    assert!(output["execution"].get("RedriveCount").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distributed_map_run_is_listed_described_and_updated() {
    let service = service().await;
    let definition = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map",
        "Label": "Items", "MaxConcurrency": 2, "ToleratedFailureCount": 1, "End": true,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.wait", "End": true}}}}}})
    .to_string();
    let machine = create(&service, "mapper", &definition).await;
    let started = ok(
        &service,
        "StartExecution",
        json!({"stateMachineArn": machine,
            "input": json!([{"wait": 0}, {"wait": 0}, {"wait": 30}]).to_string()}),
    )
    .await;
    let execution = started["executionArn"].as_str().unwrap().to_owned();
    let mut listed = Value::Null;
    for _ in 0..500 {
        listed = ok(&service, "ListMapRuns", json!({"executionArn": execution})).await;
        if listed["mapRuns"]
            .as_array()
            .is_some_and(|runs| !runs.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let run = &listed["mapRuns"][0];
    assert_eq!(run["executionArn"], json!(execution));
    assert_eq!(run["stateMachineArn"], json!(format!("{machine}/Items")));
    let arn = run["mapRunArn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:mapper/Items:"));
    let described = ok(&service, "DescribeMapRun", json!({"mapRunArn": arn})).await;
    assert_eq!(described["status"], "RUNNING");
    assert_eq!(described["maxConcurrency"], 2);
    assert_eq!(described["toleratedFailureCount"], 1);
    assert_eq!(described["toleratedFailurePercentage"], 0.0);
    assert_eq!(described["itemCounts"]["total"], 3);
    ok(
        &service,
        "UpdateMapRun",
        json!({"mapRunArn": arn, "maxConcurrency": 5, "toleratedFailurePercentage": 50.0}),
    )
    .await;
    let described = ok(&service, "DescribeMapRun", json!({"mapRunArn": arn})).await;
    assert_eq!(described["maxConcurrency"], 5);
    assert_eq!(described["toleratedFailurePercentage"], 50.0);
    // What AWS refuses.
    assert_eq!(
        error(&service, "UpdateMapRun", json!({"mapRunArn": arn}))
            .await
            .0,
        "ValidationException"
    );
    assert_eq!(
        error(
            &service,
            "UpdateMapRun",
            json!({"mapRunArn": arn, "toleratedFailurePercentage": 101.0})
        )
        .await
        .0,
        "ValidationException"
    );
    let unknown = format!("{arn}x");
    assert_eq!(
        error(&service, "DescribeMapRun", json!({"mapRunArn": unknown}))
            .await
            .0,
        "ResourceNotFound"
    );
    assert_eq!(
        error(&service, "DescribeMapRun", json!({"mapRunArn": machine}))
            .await
            .0,
        "InvalidArn"
    );
    // Stopping the execution aborts the run and what it had running.
    ok(
        &service,
        "StopExecution",
        json!({"executionArn": execution}),
    )
    .await;
    let mut described = Value::Null;
    for _ in 0..500 {
        described = ok(&service, "DescribeMapRun", json!({"mapRunArn": arn})).await;
        if described["status"] != "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(described["status"], "ABORTED");
    assert_eq!(described["itemCounts"]["succeeded"], 2);
    assert_eq!(described["itemCounts"]["aborted"], 1);
    assert!(described["stopDate"].is_f64());
}
