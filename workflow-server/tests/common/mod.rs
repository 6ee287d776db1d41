//! What the server's in-process tests share: a service on a memory store, and API calls
//! through its router (no network).

// Each test file is its own crate and uses some of these.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use workflow_runtime::Resources;
use workflow_runtime::store::MemoryStore;
use workflow_server::{ServerConfig, Service, router};

/// A service on an empty memory store, with no Task handlers.
pub async fn service() -> Arc<Service> {
    Service::open(
        ServerConfig::default(),
        Arc::new(MemoryStore::new()),
        Resources::new(),
    )
    .await
    .expect("opens")
}

/// Sends raw bytes as operation `op`; the status and the JSON answer.
pub async fn raw(service: &Arc<Service>, op: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::post("/")
        .header("X-Amz-Target", format!("AWSStepFunctions.{op}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let response = router(service.clone())
        .oneshot(request)
        .await
        .expect("answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&bytes).expect("JSON answer"))
}

/// Operation `op` on `body`.
pub async fn call(service: &Arc<Service>, op: &str, body: Value) -> (StatusCode, Value) {
    raw(service, op, &body.to_string()).await
}

/// Operation `op`, which must succeed; its answer.
pub async fn ok(service: &Arc<Service>, op: &str, body: Value) -> Value {
    let (status, answer) = call(service, op, body).await;
    assert_eq!(status, StatusCode::OK, "{op}: {answer}");
    answer
}

/// Operation `op`, which must fail: the error code as botocore reads it (what follows the
/// `#` of `__type`) and the message.
pub async fn error(service: &Arc<Service>, op: &str, body: Value) -> (String, String) {
    let (status, answer) = call(service, op, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{op}: {answer}");
    (
        answer["__type"]
            .as_str()
            .and_then(|t| t.rsplit('#').next())
            .unwrap_or_default()
            .to_owned(),
        answer["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// DescribeExecution once the execution has ended (within 10 s).
pub async fn finished(service: &Arc<Service>, arn: &str) -> Value {
    for _ in 0..1000 {
        let described = ok(service, "DescribeExecution", json!({ "executionArn": arn })).await;
        if described["status"] != "RUNNING" {
            return described;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not finish");
}
