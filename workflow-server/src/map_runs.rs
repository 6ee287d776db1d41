//! Map runs: ListMapRuns, DescribeMapRun and UpdateMapRun, over the runtime's registry of
//! Distributed Map runs ([`workflow_runtime::map_runs`]), which keeps them in the store.

use serde_json::{Value, json};
use workflow_runtime::map_runs::{ItemCounts, MapRun, MapRunUpdate};

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, seconds};
use crate::{Service, empty, executions, members};

/// The map run a request names.
fn find(service: &Service, request: &Request) -> Result<(String, MapRun), ApiError> {
    let arn = request.str("mapRunArn")?;
    Arn::parse_as(arn, &["mapRun"])?;
    let run = service
        .durable
        .executor()
        .map_runs()
        .get(arn)
        .ok_or_else(|| ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'")))?;
    Ok((arn.to_owned(), run))
}

/// `itemCounts` (and `executionCounts`: each item is one child execution).
fn counts(items: &ItemCounts) -> Value {
    json!({
        "pending": items.pending,
        "running": items.running,
        "succeeded": items.succeeded,
        "failed": items.failed,
        "timedOut": items.timed_out,
        "aborted": items.aborted,
        "total": items.total,
        // Results go to a ResultWriter; without one, none are written.
        "resultsWritten": 0,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0
    })
}

pub fn describe(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let (_, run) = find(service, request)?;
    Ok(members(vec![
        ("mapRunArn", Some(json!(run.arn))),
        ("executionArn", Some(json!(run.execution_arn))),
        ("status", Some(json!(run.status.as_str()))),
        ("startDate", Some(seconds(run.start_date))),
        ("stopDate", run.stop_date.map(seconds)),
        ("maxConcurrency", Some(json!(run.max_concurrency))),
        (
            "toleratedFailurePercentage",
            Some(json!(run.tolerated_failure_percentage.unwrap_or(0.0))),
        ),
        (
            "toleratedFailureCount",
            Some(json!(run.tolerated_failure_count.unwrap_or(0))),
        ),
        ("itemCounts", Some(counts(&run.items))),
        ("executionCounts", Some(counts(&run.items))),
        ("redriveCount", Some(json!(0))),
    ]))
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let execution = executions::find(service, request.str("executionArn")?)?;
    let page = Page::read(request, 1024, &format!("ListMapRuns {}", execution.arn))?;
    let items = service
        .durable
        .executor()
        .map_runs()
        .of_execution(&execution.arn)
        .into_iter()
        .map(|run| {
            members(vec![
                ("executionArn", Some(json!(run.execution_arn))),
                ("mapRunArn", Some(json!(run.arn))),
                ("stateMachineArn", Some(json!(run.state_machine_arn))),
                ("startDate", Some(seconds(run.start_date))),
                ("stopDate", run.stop_date.map(seconds)),
            ])
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(members(vec![
        ("mapRuns", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}

pub fn update(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let (arn, _) = find(service, request)?;
    let max_concurrency = match request.int_opt("maxConcurrency")? {
        Some(n) if n < 0 => {
            return Err(ApiError::constraint(
                "maxConcurrency",
                &n.to_string(),
                "Member must have value greater than or equal to 0",
            ));
        }
        other => other.map(|n| n as u64),
    };
    let tolerated_failure_count = match request.int_opt("toleratedFailureCount")? {
        Some(n) if n < 0 => {
            return Err(ApiError::constraint(
                "toleratedFailureCount",
                &n.to_string(),
                "Member must have value greater than or equal to 0",
            ));
        }
        other => other.map(|n| n as u64),
    };
    let tolerated_failure_percentage = match request.0.get("toleratedFailurePercentage") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_f64() {
            Some(p) if (0.0..=100.0).contains(&p) => Some(p),
            Some(p) => {
                return Err(ApiError::constraint(
                    "toleratedFailurePercentage",
                    &p.to_string(),
                    "Member must have value between 0 and 100",
                ));
            }
            None => {
                return Err(ApiError::new(
                    "SerializationException",
                    "Member 'toleratedFailurePercentage' must be a float",
                ));
            }
        },
    };
    let update = MapRunUpdate {
        max_concurrency,
        tolerated_failure_percentage,
        tolerated_failure_count,
    };
    if update == MapRunUpdate::default() {
        return Err(ApiError::new(
            "ValidationException",
            "Must provide at least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount",
        ));
    }
    // Only a run in progress changes; an ended one keeps what it ran with.
    if !service.durable.executor().map_runs().update(&arn, &update) {
        return Err(ApiError::new(
            "ValidationException",
            format!("Map Run is not running: '{arn}'"),
        ));
    }
    Ok(empty())
}
