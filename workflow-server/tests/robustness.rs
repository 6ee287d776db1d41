//! Bad input never takes the server down: every malformed request gets AWS's error, a body
//! too large is cut off while it streams, and a thousand concurrent clients on a real
//! socket leave the server answering.

mod common;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use common::service;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use workflow_runtime::Resources;
use workflow_runtime::store::SqliteStore;
use workflow_server::protocol::MAX_BODY_BYTES;
use workflow_server::{ServerConfig, Service, router};

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";
const PASS: &str = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;

/// Sends `body` with the given `X-Amz-Target` (none when `None`); the status and the answer.
async fn send(service: &Arc<Service>, target: Option<&str>, body: Body) -> (StatusCode, Value) {
    let mut request = Request::post("/");
    if let Some(target) = target {
        request = request.header("X-Amz-Target", target);
    }
    let request = request.body(body).expect("request");
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
    let answer = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("JSON answer: {}", String::from_utf8_lossy(&bytes)));
    (status, answer)
}

async fn call(service: &Arc<Service>, op: &str, body: &str) -> (StatusCode, Value) {
    send(
        service,
        Some(&format!("AWSStepFunctions.{op}")),
        Body::from(body.to_owned()),
    )
    .await
}

/// The error's code (after `#`) and message, asserting HTTP 400.
async fn refused(service: &Arc<Service>, op: &str, body: &str) -> (String, String) {
    let (status, answer) = call(service, op, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{op} {body}: {answer}");
    let code = answer["__type"].as_str().expect("__type");
    let code = code
        .strip_prefix("com.amazonaws.states#")
        .unwrap_or_else(|| panic!("namespace of {code}"));
    (
        code.to_owned(),
        answer["message"].as_str().expect("message").to_owned(),
    )
}

async fn create_pass(service: &Arc<Service>, name: &str) -> String {
    let body = json!({"name": name, "definition": PASS, "roleArn": ROLE}).to_string();
    let (status, answer) = call(service, "CreateStateMachine", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["stateMachineArn"].as_str().expect("arn").to_owned()
}

#[tokio::test]
async fn malformed_bodies_are_serialization_errors() {
    let service = service().await;
    for body in [
        "{not json",
        "{\"name\": ",
        "\u{feff}{}",
        "{}{}",
        "{\"a\":1}x",
    ] {
        let (code, message) = refused(&service, "ListStateMachines", body).await;
        assert_eq!(code, "SerializationException", "{body}");
        assert!(message.starts_with("Malformed request body: "), "{message}");
    }
    for body in ["[]", "[1,2]", "\"text\"", "42", "true", "null"] {
        let (code, message) = refused(&service, "ListStateMachines", body).await;
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "SerializationException",
                "Start of structure or map found where not expected."
            ),
            "{body}"
        );
    }
    // Not UTF-8 at all.
    let (status, answer) = send(
        &service,
        Some("AWSStepFunctions.ListStateMachines"),
        Body::from(vec![0xff, 0xfe, 0x00, 0x7b]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["__type"],
        "com.amazonaws.states#SerializationException"
    );
    // Deep nesting is refused by the parser's recursion limit, not by the stack.
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let (code, _) = refused(&service, "ListStateMachines", &deep).await;
    assert_eq!(code, "SerializationException");
}

#[tokio::test]
async fn an_unknown_or_missing_operation_is_unknown() {
    let service = service().await;
    let (code, message) = refused(&service, "FlyToTheMoon", "{}").await;
    assert_eq!(code, "UnknownOperationException");
    assert_eq!(message, "Unknown operation: 'FlyToTheMoon'");

    for target in [
        None,
        Some(""),
        Some("AWSStepFunctions."),
        Some("DynamoDB.ListTables"),
    ] {
        let (status, answer) = send(&service, target, Body::from("{}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{target:?}");
        assert_eq!(
            answer["__type"], "com.amazonaws.states#UnknownOperationException",
            "{target:?}"
        );
    }
}

#[tokio::test]
async fn missing_and_mistyped_members_get_aws_errors() {
    let service = service().await;
    let (code, message) = refused(&service, "StartExecution", "{}").await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"
    );
    let (code, message) = refused(&service, "CreateStateMachine", r#"{"name": 5}"#).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("SerializationException", "Member 'name' must be a string")
    );
    let (code, message) = refused(&service, "ListStateMachines", r#"{"maxResults": "ten"}"#).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "SerializationException",
            "Member 'maxResults' must be a integer"
        )
    );
    let (code, _) = refused(&service, "ListStateMachines", r#"{"maxResults": 1.5}"#).await;
    assert_eq!(code, "SerializationException");
    let (code, _) = refused(
        &service,
        "ListStateMachines",
        r#"{"maxResults": 99999999999999999999999}"#,
    )
    .await;
    assert_eq!(code, "SerializationException");
    let (code, _) = refused(&service, "ListStateMachines", r#"{"maxResults": -1}"#).await;
    assert_eq!(code, "ValidationException");
    let (code, message) = refused(&service, "ListStateMachines", r#"{"nextToken": "zz"}"#).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidToken", "Invalid Token: 'zz'")
    );
}

#[tokio::test]
async fn oversized_definitions_and_inputs_are_refused() {
    let service = service().await;
    // A valid definition just over 1 MiB: a Pass state with a long Comment.
    let comment = "x".repeat(1024 * 1024);
    let definition = format!(
        r#"{{"Comment":"{comment}","StartAt":"P","States":{{"P":{{"Type":"Pass","End":true}}}}}}"#
    );
    let body = json!({"name": "big", "definition": definition, "roleArn": ROLE}).to_string();
    let (code, message) = refused(&service, "CreateStateMachine", &body).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576"
    );

    let machine = create_pass(&service, "small").await;
    let input = json!({ "data": "y".repeat(256 * 1024) }).to_string();
    let body = json!({"stateMachineArn": machine, "input": input}).to_string();
    let (code, message) = refused(&service, "StartExecution", &body).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"
    );
    let (code, _) = refused(
        &service,
        "StartExecution",
        &json!({"stateMachineArn": machine, "input": "{not json"}).to_string(),
    )
    .await;
    assert_eq!(code, "InvalidExecutionInput");
}

#[tokio::test]
async fn invalid_arns_and_names_are_refused() {
    let service = service().await;
    for arn in [
        "",
        "nope",
        "arn:",
        "arn:aws:states",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:states:us-east-1:123456789012:stateMachine:",
        "arn:aws:states:us-east-1:123456789012:activity:a",
    ] {
        let body = json!({ "stateMachineArn": arn }).to_string();
        let (code, message) = refused(&service, "DescribeStateMachine", &body).await;
        assert_eq!(code, "InvalidArn", "{arn}");
        assert!(message.starts_with("Invalid Arn: '"), "{message}");
    }
    let (code, message) = refused(
        &service,
        "DescribeExecution",
        r#"{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e"}"#,
    )
    .await;
    assert_eq!(code, "ExecutionDoesNotExist");
    assert!(message.contains("execution:m:e"), "{message}");

    for name in [
        "",
        "a b",
        "a/b",
        "tab\there",
        "new\nline",
        "a*b",
        &"n".repeat(81),
    ] {
        let body = json!({"name": name, "definition": PASS, "roleArn": ROLE}).to_string();
        let (code, message) = refused(&service, "CreateStateMachine", &body).await;
        assert_eq!(code, "InvalidName", "{name:?}");
        assert_eq!(message, format!("Invalid Name: '{name}'"));
    }
    let machine = create_pass(&service, "named").await;
    let body = json!({"stateMachineArn": machine, "name": "x?y"}).to_string();
    assert_eq!(
        refused(&service, "StartExecution", &body).await.0,
        "InvalidName"
    );
}

#[tokio::test]
async fn an_endless_body_is_cut_off_at_the_limit() {
    let service = service().await;
    // A body that never ends: the server must stop reading it, not buffer it all.
    let chunk = Bytes::from(vec![b' '; 64 * 1024]);
    let (status, answer) = send(
        &service,
        Some("AWSStepFunctions.ListStateMachines"),
        Body::new(Endless(chunk)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["__type"], "com.amazonaws.states#ValidationException");
    assert_eq!(
        answer["message"],
        format!("Request body is larger than {MAX_BODY_BYTES} bytes")
    );
    // Just under the limit is read (and here parsed: whitespace is an empty object).
    let (status, answer) = call(&service, "ListStateMachines", &" ".repeat(MAX_BODY_BYTES)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// A request body that never ends.
struct Endless(Bytes);

impl http_body::Body for Endless {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(self.0.clone()))))
    }
}

/// Every operation with every member set to each of a set of odd values answers 200 or 400
/// with a JSON error: nothing panics, nothing is a 500.
#[tokio::test]
async fn odd_values_in_every_member_never_fail_the_server() {
    let service = service().await;
    let machine = create_pass(&service, "target").await;
    let operations = [
        "CreateStateMachine",
        "DescribeStateMachine",
        "ListStateMachines",
        "UpdateStateMachine",
        "DeleteStateMachine",
        "ListStateMachineVersions",
        "ListStateMachineAliases",
        "ValidateStateMachineDefinition",
        "StartExecution",
        "StartSyncExecution",
        "DescribeExecution",
        "DescribeStateMachineForExecution",
        "ListExecutions",
        "StopExecution",
        "GetExecutionHistory",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "CreateActivity",
        "DescribeActivity",
        "DeleteActivity",
        "ListActivities",
        "TestState",
    ];
    let members = [
        "activityArn",
        "cause",
        "context",
        "definition",
        "encryptionConfiguration",
        "error",
        "executionArn",
        "includeExecutionData",
        "input",
        "inspectionLevel",
        "loggingConfiguration",
        "maxResults",
        "mock",
        "name",
        "nextToken",
        "publish",
        "resourceArn",
        "revealSecrets",
        "reverseOrder",
        "roleArn",
        "stateConfiguration",
        "stateMachineArn",
        "stateName",
        "statusFilter",
        "tagKeys",
        "tags",
        "traceHeader",
        "tracingConfiguration",
        "type",
        "variables",
        "versionDescription",
    ];
    let odd = [
        json!(null),
        json!(-1),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e308),
        json!(""),
        json!("\u{0}"),
        json!("é🦀"),
        json!("x".repeat(5000)),
        json!([]),
        json!([null, 1, "a", {}]),
        json!({}),
        json!({"Key": 1, "Value": []}),
        json!(true),
        json!("{\"StartAt\":\"X\",\"States\":{}}"),
        json!("arn:aws:states:us-east-1:123456789012:stateMachine:target:1:2"),
    ];
    let mut answered = 0;
    for op in operations {
        for member in members {
            for value in &odd {
                // The other members valid, so that the odd one is what is checked.
                let mut body = json!({
                    "name": "n", "definition": PASS, "roleArn": ROLE,
                    "stateMachineArn": machine, "resourceArn": machine,
                });
                body[member] = value.clone();
                let (status, answer) = call(&service, op, &body.to_string()).await;
                assert!(
                    status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                    "{op} {member}={value}: {status} {answer}"
                );
                if status == StatusCode::BAD_REQUEST {
                    assert!(answer["__type"].is_string(), "{op} {member}: {answer}");
                    assert!(answer["message"].is_string(), "{op} {member}: {answer}");
                }
                answered += 1;
            }
        }
    }
    assert_eq!(answered, operations.len() * members.len() * odd.len());
    // Still serving.
    let (status, _) = call(&service, "ListStateMachines", "{}").await;
    assert_eq!(status, StatusCode::OK);
}

/// A thousand clients at once on a real socket (SQLite store), starts, reads and garbage
/// mixed; afterwards the server answers and holds exactly the executions it acknowledged.
#[test]
fn a_thousand_concurrent_clients_leave_the_server_answering() {
    const CLIENTS: usize = 1000;
    let dir = std::env::temp_dir().join(format!("wf-robustness-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (address, machine) = runtime.block_on(async {
        let store = SqliteStore::open(dir.join("wf.db")).expect("store");
        let service = Service::open(ServerConfig::default(), Arc::new(store), Resources::new())
            .await
            .expect("opens");
        let machine = create_pass(&service, "busy").await;
        let listener = workflow_server::listen("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(workflow_server::serve(listener, service));
        (address, machine)
    });
    let url = format!("http://{address}/");
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (url, machine, barrier) = (url.clone(), machine.clone(), barrier.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let (op, body) = match i % 4 {
                        0 | 1 => (
                            "StartExecution",
                            json!({"stateMachineArn": machine, "name": format!("e{i}")})
                                .to_string(),
                        ),
                        2 => ("ListStateMachines", "{}".to_owned()),
                        _ => ("StartExecution", "{garbage".to_owned()),
                    };
                    barrier.wait();
                    post(&url, op, &body)
                })
                .expect("thread")
        })
        .collect();
    let mut started = 0;
    for (i, thread) in threads.into_iter().enumerate() {
        let (status, answer) = thread.join().expect("client thread");
        let expected = if i % 4 == 3 { 400 } else { 200 };
        assert_eq!(status, expected, "client {i}: {answer}");
        if i % 4 < 2 {
            started += 1;
        }
    }
    assert_eq!(started, CLIENTS / 2);
    let body = json!({"stateMachineArn": machine, "maxResults": 1000}).to_string();
    let (status, answer) = post(&url, "ListExecutions", &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["executions"].as_array().map(Vec::len),
        Some(CLIENTS / 2)
    );
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One blocking call: the HTTP status and the JSON answer.
fn post(url: &str, op: &str, body: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let mut response = agent
        .post(url)
        .header("X-Amz-Target", format!("AWSStepFunctions.{op}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .send(body)
        .unwrap_or_else(|e| panic!("{op}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).expect("JSON answer"))
}
