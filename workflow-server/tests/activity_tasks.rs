//! Activity workers through the API: GetActivityTask, SendTaskSuccess, SendTaskFailure,
//! SendTaskHeartbeat, in process through the router.

mod common;
use common::{error, finished, ok};

use std::sync::Arc;

use serde_json::json;
use workflow_runtime::Resources;
use workflow_runtime::store::MemoryStore;
use workflow_server::{ServerConfig, Service};

#[tokio::test]
async fn a_worker_polls_and_completes_activity_tasks() {
    let service = Service::open(
        ServerConfig::default(),
        Arc::new(MemoryStore::new()),
        Resources::new(),
    )
    .await
    .unwrap();
    let activity = ok(&service, "CreateActivity", json!({ "name": "review" })).await;
    let activity = activity["activityArn"].as_str().unwrap().to_owned();
    let definition = json!({ "StartAt": "Review", "States": { "Review": {
        "Type": "Task", "Resource": activity, "HeartbeatSeconds": 30, "End": true } } });
    let machine = ok(
        &service,
        "CreateStateMachine",
        json!({ "name": "reviews", "definition": definition.to_string(),
                "roleArn": "arn:aws:iam::123456789012:role/r" }),
    )
    .await;
    let machine = machine["stateMachineArn"].as_str().unwrap();

    for (name, verdict) in [("good", "success"), ("bad", "failure")] {
        let started = ok(
            &service,
            "StartExecution",
            json!({ "stateMachineArn": machine, "name": name, "input": "{\"doc\":7}" }),
        )
        .await;
        let task = ok(
            &service,
            "GetActivityTask",
            json!({ "activityArn": activity, "workerName": "w-1" }),
        )
        .await;
        assert_eq!(task["input"], "{\"doc\":7}");
        let token = task["taskToken"].as_str().unwrap().to_owned();
        ok(&service, "SendTaskHeartbeat", json!({ "taskToken": token })).await;
        if verdict == "success" {
            ok(
                &service,
                "SendTaskSuccess",
                json!({ "taskToken": token, "output": "{\"ok\":true}" }),
            )
            .await;
        } else {
            ok(
                &service,
                "SendTaskFailure",
                json!({ "taskToken": token, "error": "Rejected", "cause": "typos" }),
            )
            .await;
        }
        // One answer per token: a second gets AWS's answer for a task that has ended.
        assert_eq!(
            error(
                &service,
                "SendTaskSuccess",
                json!({ "taskToken": token, "output": "{}" })
            )
            .await,
            (
                "TaskTimedOut".to_owned(),
                "Task Timed Out: 'Provided task does not exist anymore'".to_owned()
            )
        );
        let arn = started["executionArn"].as_str().unwrap();
        let described = finished(&service, arn).await;
        let history = ok(
            &service,
            "GetExecutionHistory",
            json!({ "executionArn": arn }),
        )
        .await;
        let types: Vec<&str> = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        if verdict == "success" {
            assert_eq!(described["status"], "SUCCEEDED");
            assert_eq!(described["output"], "{\"ok\":true}");
            assert_eq!(
                types[2..5],
                ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
            );
            assert_eq!(
                history["events"][3]["activityStartedEventDetails"],
                json!({ "workerName": "w-1" })
            );
        } else {
            assert_eq!(described["status"], "FAILED");
            assert_eq!(
                (&described["error"], &described["cause"]),
                (&json!("Rejected"), &json!("typos"))
            );
            assert_eq!(types[4], "ActivityFailed");
        }
    }

    // What AWS refuses.
    let malformed = json!({ "taskToken": "not-a-token", "output": "{}" });
    assert_eq!(
        error(&service, "SendTaskSuccess", malformed).await.0,
        "InvalidToken"
    );
    let unknown = json!({ "taskToken": "ab".repeat(32), "output": "{}" });
    assert_eq!(
        error(&service, "SendTaskSuccess", unknown).await.0,
        "TaskDoesNotExist"
    );
    let bad_output = json!({ "taskToken": "ab".repeat(32), "output": "{nope" });
    assert_eq!(
        error(&service, "SendTaskSuccess", bad_output).await.0,
        "InvalidOutput"
    );
    let missing = json!({ "activityArn": "arn:aws:states:us-east-1:123456789012:activity:none" });
    assert_eq!(
        error(&service, "GetActivityTask", missing).await.0,
        "ActivityDoesNotExist"
    );
    assert_eq!(
        error(
            &service,
            "GetActivityTask",
            json!({ "activityArn": "nope" })
        )
        .await
        .0,
        "InvalidArn"
    );
}
