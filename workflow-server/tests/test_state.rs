//! The TestState operation: mocks, stateName, the context object, the state configuration,
//! and the inspection data AWS returns for each inspection level.

mod common;
use common::{error, ok, service};

use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";

/// A member of the response that holds JSON text, parsed.
fn parsed(response: &Value, member: &str) -> Value {
    serde_json::from_str(response[member].as_str().unwrap_or("null")).expect("JSON text")
}

fn lambda_task(extra: Value) -> String {
    let mut task = json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": { "FunctionName": "f", "Payload.$": "$" },
        "End": true
    });
    if let (Some(task), Some(extra)) = (task.as_object_mut(), extra.as_object()) {
        task.extend(extra.clone());
    }
    task.to_string()
}

#[tokio::test]
async fn a_mocked_result_is_the_tasks_result_at_each_inspection_level() {
    let service = service().await;
    let request = |level: &str| {
        json!({
            "definition": lambda_task(json!({ "ResultSelector": { "p.$": "$.Payload" } })),
            "input": "{\"a\": 1}",
            "inspectionLevel": level,
            "mock": { "result": "{\"StatusCode\": 200, \"Payload\": {\"b\": 2}}",
                      "fieldValidationMode": "NONE" }
        })
    };
    let info = ok(&service, "TestState", request("INFO")).await;
    assert_eq!(
        info,
        json!({ "output": "{\"p\":{\"b\":2}}", "status": "SUCCEEDED" })
    );
    for level in ["DEBUG", "TRACE"] {
        let debug = ok(&service, "TestState", request(level)).await;
        let data = &debug["inspectionData"];
        let members: Vec<&str> = data
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            members,
            [
                "input",
                "afterInputPath",
                "afterParameters",
                "result",
                "afterResultSelector",
                "afterResultPath"
            ]
        );
        assert_eq!(
            parsed(data, "afterParameters"),
            json!({ "FunctionName": "f", "Payload": { "a": 1 } })
        );
        assert_eq!(
            parsed(data, "result"),
            json!({ "StatusCode": 200, "Payload": { "b": 2 } })
        );
    }
    // A mock makes the role unnecessary; without one, a Task needs it.
    let (code, message) = error(
        &service,
        "TestState",
        json!({ "definition": lambda_task(json!({})) }),
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "RoleArn must be specified when testing a Task state"
        )
    );
}

#[tokio::test]
async fn field_validation_modes_check_the_mock_against_the_apis_output() {
    let service = service().await;
    let definition = json!({
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
        "Parameters": { "StateMachineArn": "arn" }, "End": true
    })
    .to_string();
    let request = |result: &str, mode: Option<&str>| {
        let mut mock = json!({ "result": result });
        if let Some(mode) = mode {
            mock["fieldValidationMode"] = json!(mode);
        }
        json!({ "definition": definition, "mock": mock })
    };
    let (code, message) = error(&service, "TestState", request("{}", None)).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Mock result schema validation error: Required field 'ExecutionArn' is missing"
    );
    ok(&service, "TestState", request("{}", Some("PRESENT"))).await;
    let (_, message) = error(
        &service,
        "TestState",
        request("{\"StartDate\": 1}", Some("PRESENT")),
    )
    .await;
    assert_eq!(
        message,
        "Mock result schema validation error: Field 'StartDate' must be a string"
    );
    let out = ok(
        &service,
        "TestState",
        request("{\"StartDate\": 1}", Some("NONE")),
    )
    .await;
    assert_eq!(out["output"], json!("{\"StartDate\":1}"));
    let (code, _) = error(&service, "TestState", request("{}", Some("LOOSE"))).await;
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn a_mocked_error_shows_the_retrier_or_catcher_that_takes_it() {
    let service = service().await;
    let definition = json!({
        "QueryLanguage": "JSONata", "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": { "FunctionName": "f", "Payload": "{% $states.input.v %}" },
        "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 3, "MaxAttempts": 2 }],
        "Catch": [
            { "ErrorEquals": ["Other"], "Next": "A" },
            { "ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "B" }
        ],
        "End": true
    })
    .to_string();
    let request = |error: &str, configuration: Value| {
        json!({
            "definition": definition, "input": "{\"v\": 7}", "inspectionLevel": "DEBUG",
            "mock": { "errorOutput": { "error": error, "cause": "why" } },
            "stateConfiguration": configuration
        })
    };
    let retried = ok(&service, "TestState", request("Busy", json!({}))).await;
    assert_eq!(retried["status"], "RETRIABLE");
    assert_eq!(
        retried["inspectionData"]["errorDetails"],
        json!({ "retryIndex": 0, "retryBackoffIntervalSeconds": 3 })
    );
    assert_eq!(
        parsed(&retried["inspectionData"], "afterArguments"),
        json!({ "FunctionName": "f", "Payload": 7 })
    );
    // Its two retries spent, the retrier lets the catcher take the error.
    let caught = ok(
        &service,
        "TestState",
        request("Busy", json!({ "retrierRetryCount": 2 })),
    )
    .await;
    assert_eq!(caught["status"], "CAUGHT_ERROR");
    assert_eq!(caught["nextState"], "B");
    assert_eq!(
        caught["inspectionData"]["errorDetails"],
        json!({ "catchIndex": 1, "retryIndex": 0 })
    );
    assert_eq!(
        parsed(&caught, "output"),
        json!({ "Error": "Busy", "Cause": "why" })
    );
}

#[tokio::test]
async fn map_and_parallel_run_only_with_a_mock() {
    let service = service().await;
    let parallel = json!({ "Type": "Parallel", "End": true, "Branches": [
        { "StartAt": "B1", "States": { "B1": { "Type": "Pass", "End": true } } },
        { "StartAt": "B2", "States": { "B2": { "Type": "Pass", "End": true } } }
    ] })
    .to_string();
    let (code, _) = error(&service, "TestState", json!({ "definition": parallel })).await;
    assert_eq!(code, "InvalidDefinition");
    let out = ok(
        &service,
        "TestState",
        json!({ "definition": parallel, "inspectionLevel": "DEBUG",
                "mock": { "result": "[1, 2]" } }),
    )
    .await;
    assert_eq!(parsed(&out, "output"), json!([1, 2]));
    let (_, message) = error(
        &service,
        "TestState",
        json!({ "definition": parallel, "mock": { "result": "[1]" } }),
    )
    .await;
    assert_eq!(
        message,
        "Mocked result must contain the same number of items as number of Parallel branches."
    );
    let map = json!({
        "Type": "Map", "ItemsPath": "$.xs", "End": true, "MaxConcurrency": 2,
        "ToleratedFailurePercentage": 50,
        "ItemProcessor": {
            "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
            "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } }
    })
    .to_string();
    let request = |failed: u64| {
        json!({ "definition": map, "input": "{\"xs\": [1, 2]}", "inspectionLevel": "DEBUG",
                "mock": { "result": "[\"a\", \"b\"]" },
                "stateConfiguration": { "mapIterationFailureCount": failed } })
    };
    let out = ok(&service, "TestState", request(1)).await;
    assert_eq!(out["status"], "SUCCEEDED");
    let data = &out["inspectionData"];
    assert_eq!(parsed(data, "afterItemsPath"), json!([1, 2]));
    assert_eq!(data["maxConcurrency"], json!(2));
    assert_eq!(data["toleratedFailurePercentage"], json!(50.0));
    let out = ok(&service, "TestState", request(2)).await;
    assert_eq!(
        (&out["status"], &out["error"]),
        (
            &json!("FAILED"),
            &json!("States.ExceedToleratedFailureThreshold")
        )
    );
    let (_, message) = error(&service, "TestState", request(3)).await;
    assert_eq!(
        message,
        "Map iteration failure count must be less than or equal to the number of Map iterations"
    );
}

#[tokio::test]
async fn state_name_tests_one_state_of_a_whole_machine() {
    let service = service().await;
    let definition = json!({ "StartAt": "A", "States": {
        "A": { "Type": "Pass", "Result": 1, "Next": "B" },
        "B": { "Type": "Fail", "Error": "E", "Cause": "C" }
    } })
    .to_string();
    let a = ok(
        &service,
        "TestState",
        json!({ "definition": definition, "stateName": "A", "inspectionLevel": "DEBUG" }),
    )
    .await;
    assert_eq!(a["nextState"], "B");
    let members: Vec<&String> = a["inspectionData"]
        .as_object()
        .expect("data")
        .keys()
        .collect();
    assert_eq!(
        members,
        ["input", "result", "afterResultSelector", "afterResultPath"]
    );
    let b = ok(
        &service,
        "TestState",
        json!({ "definition": definition, "stateName": "B" }),
    )
    .await;
    assert_eq!(b, json!({ "error": "E", "cause": "C", "status": "FAILED" }));
    let (code, message) = error(
        &service,
        "TestState",
        json!({ "definition": definition, "stateName": "C" }),
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ValidationException", "State not found in definition")
    );
}

#[tokio::test]
async fn the_context_object_is_the_given_one_or_awss() {
    let service = service().await;
    let definition = lambda_task(json!({ "ResultSelector": { "ctx.$": "$$" } }));
    let given = json!({ "Execution": { "Name": "mine" }, "State": { "RetryCount": 3 } });
    let out = ok(
        &service,
        "TestState",
        json!({ "definition": definition, "mock": { "result": "{}" },
                "context": given.to_string() }),
    )
    .await;
    assert_eq!(parsed(&out, "output"), json!({ "ctx": given }));
    // Without one: an express execution with the request's role and no RedriveCount.
    let out = ok(
        &service,
        "TestState",
        json!({ "definition": definition, "mock": { "result": "{}" }, "roleArn": ROLE }),
    )
    .await;
    let ctx = &parsed(&out, "output")["ctx"];
    assert_eq!(ctx["Execution"]["RoleArn"], ROLE);
    assert!(ctx["Execution"].get("RedriveCount").is_none());
    assert!(
        ctx["Execution"]["Id"]
            .as_str()
            .is_some_and(|id| id.contains(":express:"))
    );
    assert_eq!(ctx["State"]["Name"], "StateName");
    for (context, expected) in [
        (
            json!({ "Pokedex": {} }),
            "Invalid Context object provided: Field 'Pokedex' is not allowed",
        ),
        (
            json!({ "Map": {} }),
            "Invalid Context object provided: 'Map' field is not supported when mocking a Context object",
        ),
        (
            json!({ "Execution": { "Id": 1 } }),
            "Invalid Context object provided: Execution.Id must be a string",
        ),
        (
            json!({ "Task": { "Token": "t" } }),
            "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
        ),
    ] {
        let (code, message) = error(
            &service,
            "TestState",
            json!({ "definition": definition, "mock": { "result": "{}" },
                    "context": context.to_string() }),
        )
        .await;
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("ValidationException", expected)
        );
    }
}

#[tokio::test]
async fn mocks_are_refused_where_aws_refuses_them() {
    let service = service().await;
    let (_, message) = error(
        &service,
        "TestState",
        json!({ "definition": "{\"Type\": \"Succeed\"}", "mock": { "result": "{}" } }),
    )
    .await;
    assert_eq!(
        message,
        "State type 'Succeed' is not supported when a mock is specified"
    );
    let definition = lambda_task(json!({}));
    let (_, message) = error(
        &service,
        "TestState",
        json!({ "definition": definition,
                "mock": { "result": "{}", "errorOutput": { "error": "E" } } }),
    )
    .await;
    assert_eq!(
        message,
        "A test mock should have only one of the following fields: [result, errorOutput]."
    );
    let (_, message) = error(
        &service,
        "TestState",
        json!({ "definition": definition, "mock": { "result": "{}" }, "revealSecrets": true }),
    )
    .await;
    assert_eq!(
        message,
        "TestState does not support RevealSecrets when a mock is specified."
    );
}
