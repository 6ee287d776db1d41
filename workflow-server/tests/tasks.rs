//! What Tasks call in the server: a MockConfigFile test case, a Lambda Invoke API endpoint.

mod common;
use common::{call, finished, ok};

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};
use workflow_runtime::mock_config::MockConfig;
use workflow_runtime::store::MemoryStore;
use workflow_server::{ServerConfig, Service, Tasks};

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";

async fn create(service: &Arc<Service>, name: &str, definition: Value) -> String {
    let created = ok(
        service,
        "CreateStateMachine",
        json!({ "name": name, "definition": definition.to_string(), "roleArn": ROLE }),
    )
    .await;
    created["stateMachineArn"].as_str().unwrap().to_owned()
}

async fn event_types(service: &Arc<Service>, arn: &str) -> Vec<String> {
    let history = ok(
        service,
        "GetExecutionHistory",
        json!({ "executionArn": arn }),
    )
    .await;
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

const MOCKS: &str = r#"{
  "StateMachines": { "Onboarding": { "TestCases": {
      "FlakyMail": { "SendMessage": "MailFailsTwice" } } } },
  "MockedResponses": {
    "MailFailsTwice": {
      "0-1": { "Throw": { "Error": "Lambda.TooManyRequestsException", "Cause": "slow down" } },
      "2": { "Return": { "StatusCode": 200, "Payload": { "sent": true } } } } } }"#;

#[tokio::test]
async fn a_test_case_answers_its_states_with_the_mocked_responses() {
    let tasks = Tasks {
        mock_config: Some(Arc::new(MockConfig::from_json_str(MOCKS).unwrap())),
        ..Tasks::default()
    };
    let service =
        Service::open_with_tasks(ServerConfig::default(), Arc::new(MemoryStore::new()), tasks)
            .await
            .unwrap();
    let machine = create(
        &service,
        "Onboarding",
        json!({ "StartAt": "SendMessage", "States": { "SendMessage": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": { "FunctionName": "send-message", "Payload.$": "$" },
            "Retry": [{ "ErrorEquals": ["Lambda.TooManyRequestsException"],
                        "IntervalSeconds": 1, "BackoffRate": 1.0 }],
            "End": true } } }),
    )
    .await;
    let started = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": format!("{machine}#FlakyMail"), "input": "{\"user\":1}" }),
    )
    .await;
    let arn = started["executionArn"].as_str().unwrap();
    // The execution belongs to the state machine, without the test case.
    assert!(arn.contains(":execution:Onboarding:"), "{arn}");
    let described = finished(&service, arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    // The mocked response is the whole Lambda Invoke response, as on AWS.
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({ "StatusCode": 200, "Payload": { "sent": true } })
    );
    let types = event_types(&service, arn).await;
    assert_eq!(
        types.iter().filter(|t| *t == "TaskFailed").count(),
        2,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| *t == "TaskSucceeded").count(),
        1,
        "{types:?}"
    );

    // Without a test case, the state calls its function, which nothing serves here: the
    // runtime answers as AWS does for a missing function.
    let plain = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": machine }),
    )
    .await;
    let described = finished(&service, plain["executionArn"].as_str().unwrap()).await;
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "Lambda.ResourceNotFoundException");

    // A test case the file does not have is refused.
    let (status, answer) = call(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": format!("{machine}#Nope") }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["__type"], "com.amazonaws.states#ValidationException");
}

/// A stand-in for `sam local start-lambda`: the Lambda Invoke API for two functions.
async fn lambda_endpoint() -> String {
    use axum::extract::Path;
    use axum::http::HeaderMap;
    use axum::routing::post;
    async fn invoke(Path(function): Path<String>, body: String) -> (HeaderMap, String) {
        let input: Value = serde_json::from_str(&body).unwrap_or_default();
        let mut headers = HeaderMap::new();
        if function.ends_with("double") {
            let n = input["n"].as_i64().unwrap_or_default();
            return (headers, json!({ "n": n * 2 }).to_string());
        }
        headers.insert("X-Amz-Function-Error", "Unhandled".parse().unwrap());
        (
            headers,
            json!({ "errorType": "Boom", "errorMessage": "it broke" }).to_string(),
        )
    }
    let app =
        axum::Router::new().route("/2015-03-31/functions/{function}/invocations", post(invoke));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn lambda_tasks_call_the_lambda_endpoint() {
    let tasks = Tasks {
        lambda_endpoint: Some(lambda_endpoint().await),
        ..Tasks::default()
    };
    let service =
        Service::open_with_tasks(ServerConfig::default(), Arc::new(MemoryStore::new()), tasks)
            .await
            .unwrap();
    let machine = create(
        &service,
        "Lambdas",
        json!({ "StartAt": "Double", "States": {
            "Double": { "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
                "Next": "Break" },
            "Break": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": { "FunctionName": "broken", "Payload.$": "$" },
                "Catch": [{ "ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Done" }],
                "End": true },
            "Done": { "Type": "Succeed" } } }),
    )
    .await;
    let started = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": machine, "input": "{\"n\":21}" }),
    )
    .await;
    let described = finished(&service, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["n"], 42);
    // The function's error: its errorType names the error; the cause is the error payload.
    assert_eq!(output["error"]["Error"], "Boom");
    let cause: Value = serde_json::from_str(output["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(
        cause,
        json!({ "errorType": "Boom", "errorMessage": "it broke" })
    );
}
