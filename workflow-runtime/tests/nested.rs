//! Nested executions (`states:startExecution`) between state machines registered with a
//! durable runner.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{request, types, until_ended, virtual_clock};
use serde_json::{Value, json};
use workflow_runtime::store::{MemoryStore, Store};
use workflow_runtime::{Durable, Resources, Status};

const CHILD: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:child";
const SLOW: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:slow";
const FAILING: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:failing";

fn parent(resource: &str, target: &str) -> String {
    parent_of(resource, target, "kid")
}

fn parent_of(resource: &str, target: &str, child: &str) -> String {
    json!({
        "StartAt": "Start",
        "States": { "Start": { "Type": "Task", "Resource": resource, "End": true,
            "Parameters": { "StateMachineArn": target, "Name": child,
                "Input": { "n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" } } } }
    })
    .to_string()
}

fn runner() -> (Arc<MemoryStore>, Arc<Durable>) {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    durable.register_state_machine(
        CHILD,
        json!({ "StartAt": "Double", "States": { "Double": { "Type": "Pass", "End": true,
            "Parameters": { "n.$": "States.MathAdd($.n, $.n)" } } } })
        .to_string(),
    );
    durable.register_state_machine(
        SLOW,
        json!({ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 3600, "End": true } } })
            .to_string(),
    );
    durable.register_state_machine(
        FAILING,
        json!({ "StartAt": "F", "States": { "F": { "Type": "Fail", "Error": "Kid.Broke", "Cause": "on purpose" } } })
            .to_string(),
    );
    (store, durable)
}

fn output(record: &workflow_runtime::store::ExecutionRecord) -> Value {
    serde_json::from_str(record.output.as_deref().expect("an output")).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_sync_task_gives_the_childs_description_with_its_output() {
    let (store, durable) = runner();
    for (resource, json_output) in [
        ("arn:aws:states:::states:startExecution.sync", false),
        ("arn:aws:states:::states:startExecution.sync:2", true),
    ] {
        let name = if json_output { "p2" } else { "p1" };
        let definition = parent_of(resource, CHILD, &format!("kid-of-{name}"));
        let (record, _) = durable
            .start(request(name, definition, json!({ "n": 4 })))
            .await
            .unwrap();
        let ended = until_ended(store.as_ref(), &record.arn).await;
        assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
        let described = output(&ended);
        let child_output = json!({ "n": 8 });
        if json_output {
            assert_eq!(described["Output"], child_output);
            assert_eq!(described["Input"]["n"], 4);
        } else {
            assert_eq!(described["Output"], json!(child_output.to_string()));
            assert!(described["Input"].is_string());
        }
        assert_eq!(described["Status"], "SUCCEEDED");
        assert_eq!(described["StateMachineArn"], CHILD);
        assert_eq!(described["Name"], format!("kid-of-{name}"));
        assert!(described["StartDate"].is_i64() && described["StopDate"].is_i64());
        assert_eq!(
            types(store.as_ref(), &record.arn),
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskSubmitted",
                "TaskSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded"
            ]
        );
        // The child knows who started it.
        let child = store
            .execution(described["ExecutionArn"].as_str().unwrap())
            .unwrap()
            .unwrap();
        let input: Value = serde_json::from_str(&child.input).unwrap();
        assert_eq!(
            input["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"],
            json!(record.arn)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_child_fails_the_sync_task_with_its_description() {
    let (store, durable) = runner();
    let (record, _) = durable
        .start(request(
            "p",
            parent("arn:aws:states:::states:startExecution.sync:2", FAILING),
            json!({ "n": 1 }),
        ))
        .await
        .unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Failed);
    assert_eq!(ended.error.as_deref(), Some("States.TaskFailed"));
    let cause: Value = serde_json::from_str(ended.cause.as_deref().unwrap()).unwrap();
    assert_eq!(cause["Status"], "FAILED");
    assert_eq!(cause["Error"], "Kid.Broke");
    assert_eq!(cause["Cause"], "on purpose");
    assert!(cause.get("Output").is_none());
}

#[tokio::test(start_paused = true)]
async fn fire_and_forget_succeeds_at_the_start_and_unknown_machines_fail() {
    let (store, durable) = runner();
    let (record, _) = durable
        .start(request(
            "p",
            parent("arn:aws:states:::states:startExecution", SLOW),
            json!({ "n": 1 }),
        ))
        .await
        .unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    let started = output(&ended);
    let child = started["ExecutionArn"].as_str().unwrap();
    assert_eq!(
        child,
        "arn:aws:states:us-east-1:123456789012:execution:slow:kid"
    );
    assert_eq!(started["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        store.execution(child).unwrap().unwrap().status,
        Status::Running
    );

    let (missing, _) = durable
        .start(request(
            "q",
            parent(
                "arn:aws:states:::states:startExecution",
                "arn:aws:states:us-east-1:123456789012:stateMachine:none",
            ),
            json!({ "n": 1 }),
        ))
        .await
        .unwrap();
    let ended = until_ended(store.as_ref(), &missing.arn).await;
    assert_eq!(
        ended.error.as_deref(),
        Some("StepFunctions.StateMachineDoesNotExistException")
    );
}

#[tokio::test(start_paused = true)]
async fn stopping_a_parent_stops_the_child_its_sync_task_waits_for() {
    let (store, durable) = runner();
    let (record, _) = durable
        .start(request(
            "p",
            parent("arn:aws:states:::states:startExecution.sync", SLOW),
            json!({ "n": 1 }),
        ))
        .await
        .unwrap();
    let child = "arn:aws:states:us-east-1:123456789012:execution:slow:kid";
    for _ in 0..100 {
        if store.execution(child).unwrap().is_some() && durable.is_running(child) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Let the parent park on its child.
    tokio::time::sleep(Duration::from_millis(50)).await;
    durable.stop(&record.arn, None, None).await.unwrap();
    assert_eq!(
        store.execution(&record.arn).unwrap().unwrap().status,
        Status::Aborted
    );
    assert_eq!(
        until_ended(store.as_ref(), child).await.status,
        Status::Aborted
    );
}

#[tokio::test(start_paused = true)]
async fn sync_children_run_from_map_iterations() {
    let (store, durable) = runner();
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "End": true,
            "ItemProcessor": { "StartAt": "Start", "States": { "Start": { "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true,
                "OutputPath": "$.Output",
                "Parameters": { "StateMachineArn": CHILD, "Input": { "n.$": "$" } } } } } } }
    })
    .to_string();
    let (record, _) = durable
        .start(request("fan", definition, json!([1, 2, 3])))
        .await
        .unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(output(&ended), json!([{ "n": 2 }, { "n": 4 }, { "n": 6 }]));
}
