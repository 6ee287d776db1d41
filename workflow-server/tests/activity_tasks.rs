//! Activity workers through the API: GetActivityTask, SendTaskSuccess, SendTaskFailure,
//! SendTaskHeartbeat, in process through the router.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use workflow_runtime::Resources;
use workflow_runtime::store::MemoryStore;
use workflow_server::{ServerConfig, Service, router};

async fn call(service: &Arc<Service>, op: &str, body: Value) -> (u16, Value) {
    let request = Request::post("/")
        .header("X-Amz-Target", format!("AWSStepFunctions.{op}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .expect("request");
    let response = router(service.clone())
        .oneshot(request)
        .await
        .expect("answers");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&bytes).expect("JSON answer"))
}

async fn ok(service: &Arc<Service>, op: &str, body: Value) -> Value {
    let (status, answer) = call(service, op, body).await;
    assert_eq!(status, 200, "{op}: {answer}");
    answer
}

async fn error_code(service: &Arc<Service>, op: &str, body: Value) -> String {
    let (status, answer) = call(service, op, body).await;
    assert_eq!(status, 400, "{op}: {answer}");
    answer["__type"]
        .as_str()
        .unwrap_or_default()
        .rsplit('#')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn finished(service: &Arc<Service>, arn: &str) -> Value {
    for _ in 0..500 {
        let described = ok(service, "DescribeExecution", json!({ "executionArn": arn })).await;
        if described["status"] != "RUNNING" {
            return described;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not finish");
}

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
        // One answer per token.
        assert_eq!(
            error_code(
                &service,
                "SendTaskSuccess",
                json!({ "taskToken": token, "output": "{}" })
            )
            .await,
            "TaskDoesNotExist"
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
        error_code(&service, "SendTaskSuccess", malformed).await,
        "InvalidToken"
    );
    let unknown = json!({ "taskToken": "ab".repeat(32), "output": "{}" });
    assert_eq!(
        error_code(&service, "SendTaskSuccess", unknown).await,
        "TaskDoesNotExist"
    );
    let bad_output = json!({ "taskToken": "ab".repeat(32), "output": "{nope" });
    assert_eq!(
        error_code(&service, "SendTaskSuccess", bad_output).await,
        "InvalidOutput"
    );
    let missing = json!({ "activityArn": "arn:aws:states:us-east-1:123456789012:activity:none" });
    assert_eq!(
        error_code(&service, "GetActivityTask", missing).await,
        "ActivityDoesNotExist"
    );
    assert_eq!(
        error_code(
            &service,
            "GetActivityTask",
            json!({ "activityArn": "nope" })
        )
        .await,
        "InvalidArn"
    );
}
