//! The console's actions: each a POSTed form turned into one API operation through
//! [`Service::call`], so that the console changes nothing the API could not; then a redirect
//! (303) back to the page, with what happened in its `notice` or `error` parameter.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::{execution_url, query_value, same_origin};
use crate::Service;
use crate::protocol::{ApiError, Request};

type Fields = HashMap<String, String>;

/// The field `name`, trimmed; `None` when missing or blank.
fn field<'f>(fields: &'f Fields, name: &str) -> Option<&'f str> {
    fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Runs `operation` with `members` (the absent ones left out), after the same-origin check.
async fn call(
    service: &Service,
    headers: &HeaderMap,
    operation: &str,
    members: Vec<(&str, Option<&str>)>,
) -> Result<Result<Value, ApiError>, Response> {
    if !same_origin(headers) {
        return Err((
            StatusCode::FORBIDDEN,
            "Refused: the request does not come from this server's console (Origin or Referer).\n",
        )
            .into_response());
    }
    let mut request = Map::new();
    for (key, value) in members {
        if let Some(value) = value {
            request.insert(key.to_owned(), json!(value));
        }
    }
    Ok(service.call(operation, Request(request)).await)
}

/// Runs `operation` and goes back to `page`, saying `done` or the error.
async fn act(
    service: &Service,
    headers: &HeaderMap,
    operation: &str,
    members: Vec<(&str, Option<&str>)>,
    page: &str,
    done: &str,
) -> Response {
    match call(service, headers, operation, members).await {
        Err(refused) => refused,
        Ok(outcome) => back(page, outcome.map(|_| done.to_owned())),
    }
}

/// Back to `page`, saying what happened.
fn back(page: &str, outcome: Result<String, ApiError>) -> Response {
    let (key, text) = match outcome {
        Ok(notice) => ("notice", notice),
        Err(error) => ("error", format!("{}: {}", error.code, error.message)),
    };
    let separator = if page.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{page}{separator}{key}={}", query_value(&text))).into_response()
}

/// StartExecution: to the new execution's page, or back to the state machine's.
pub async fn start(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let machine = field(&fields, "stateMachineArn").unwrap_or_default();
    let members = vec![
        ("stateMachineArn", Some(machine)),
        ("name", field(&fields, "name")),
        ("input", Some(field(&fields, "input").unwrap_or("{}"))),
    ];
    match call(&service, &headers, "StartExecution", members).await {
        Err(refused) => refused,
        Ok(Ok(started)) => {
            let arn = started["executionArn"].as_str().unwrap_or_default();
            back(&execution_url(arn), Ok("Execution started".to_owned()))
        }
        Ok(Err(error)) => back(&super::state_machine_url(machine), Err(error)),
    }
}

/// StopExecution.
pub async fn stop(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let arn = field(&fields, "executionArn").unwrap_or_default();
    let members = vec![
        ("executionArn", Some(arn)),
        ("error", field(&fields, "error")),
        ("cause", field(&fields, "cause")),
    ];
    let page = execution_url(arn);
    act(
        &service,
        &headers,
        "StopExecution",
        members,
        &page,
        "Execution stopped",
    )
    .await
}

/// RedriveExecution: the execution runs again from the state it ended in.
pub async fn redrive(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let arn = field(&fields, "executionArn").unwrap_or_default();
    let members = vec![("executionArn", Some(arn))];
    let page = execution_url(arn);
    act(
        &service,
        &headers,
        "RedriveExecution",
        members,
        &page,
        "Execution redriven",
    )
    .await
}

/// SendTaskSuccess, for the task a callback or activity waits on.
pub async fn send_task_success(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let arn = field(&fields, "executionArn").unwrap_or_default();
    let members = vec![
        ("taskToken", field(&fields, "taskToken")),
        ("output", Some(field(&fields, "output").unwrap_or("{}"))),
    ];
    let page = execution_url(arn);
    act(
        &service,
        &headers,
        "SendTaskSuccess",
        members,
        &page,
        "Task success sent",
    )
    .await
}

/// SendTaskFailure.
pub async fn send_task_failure(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let arn = field(&fields, "executionArn").unwrap_or_default();
    let members = vec![
        ("taskToken", field(&fields, "taskToken")),
        ("error", field(&fields, "error")),
        ("cause", field(&fields, "cause")),
    ];
    let page = execution_url(arn);
    act(
        &service,
        &headers,
        "SendTaskFailure",
        members,
        &page,
        "Task failure sent",
    )
    .await
}
