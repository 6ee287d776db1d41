//! Nested executions: a Task on `arn:aws:states:::states:startExecution` starts an execution
//! of another state machine. Plain, it succeeds once the child has started; `.sync` and
//! `.sync:2` wait for the child to end (a durable point, as a task token is) and give its
//! `DescribeExecution` shape, with the child's input and output as JSON text (`.sync`) or
//! as JSON (`.sync:2`); `.waitForTaskToken` waits for the child (or anyone) to send the
//! token back.
//!
//! Who starts the child is a [`StartExecution`]: a [`crate::Durable`] starts the state
//! machines registered with [`crate::Durable::register_state_machine`], and `workflow serve`
//! those its API created. A handler registered for the resource itself (a mock) takes
//! precedence, as for any Task.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::Failure;
use crate::executor::Status;
use crate::states::recovery::Completion;
use crate::store::ExecutionRecord;

/// The integration's resource, without its suffix.
pub const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// How a `states:startExecution` task waits for its child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wait {
    /// Not at all (the plain resource), or for a task token (`.waitForTaskToken`).
    Started,
    /// `.sync`: for its end; input and output as JSON text.
    Sync,
    /// `.sync:2`: for its end; input and output as JSON.
    Sync2,
}

/// The wait of a `states:startExecution` resource; `None` for any other resource.
pub fn wait_of(resource: &str) -> Option<Wait> {
    match resource.strip_prefix(START_EXECUTION)? {
        "" | ".waitForTaskToken" => Some(Wait::Started),
        ".sync" => Some(Wait::Sync),
        ".sync:2" => Some(Wait::Sync2),
        _ => None,
    }
}

/// An execution a task asks to start.
#[derive(Debug, Clone)]
pub struct ChildExecution {
    /// `StateMachineArn`: a state machine, one of its versions, or an alias.
    pub state_machine_arn: String,
    /// `Name`; when absent, a name derived from the task's idempotency key, so that a task
    /// repeated after a crash finds the child it started instead of starting another.
    pub name: String,
    /// `Input`: a JSON value, or JSON text (AWS takes both; `null` or none is `{}`).
    pub input: Value,
    /// The execution whose task starts it.
    pub parent: String,
}

/// Starts child executions. Answers with the child as stored once its start is committed,
/// or with the failure the task records (`StepFunctions.StateMachineDoesNotExistException`,
/// say).
pub trait StartExecution: Send + Sync {
    /// Starts `child` (or finds it, when one with its name exists already with the same input).
    fn start_execution(
        &self,
        child: ChildExecution,
    ) -> Pin<Box<dyn Future<Output = Result<ExecutionRecord, Failure>> + Send + '_>>;
}

/// What the child waited for by a `.sync` task is, kept in the parked attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildWait {
    /// The child's ARN.
    pub arn: String,
    /// `.sync:2`: input and output as JSON rather than JSON text.
    pub json: bool,
}

impl ChildExecution {
    /// The child of a task's `Parameters` (or `Arguments`), named by `key` when they give no
    /// name; `None` when `StateMachineArn` is missing.
    pub fn from_parameters(parameters: &Value, parent: &str, key: &str) -> Option<Self> {
        let state_machine_arn = parameters.get("StateMachineArn")?.as_str()?.to_owned();
        let name = match parameters.get("Name").and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => derived_name(key),
        };
        let input = match parameters.get("Input") {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(text)) => {
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
            }
            Some(input) => input.clone(),
        };
        Some(ChildExecution {
            state_machine_arn,
            name,
            input,
            parent: parent.to_owned(),
        })
    }
}

/// A UUID-shaped name from an idempotency key.
fn derived_name(key: &str) -> String {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(key.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The `StartExecution` response a task records (`TaskSucceeded` for the plain resource,
/// `TaskSubmitted` for the others), with the SDK's HTTP metadata as AWS records it.
pub fn started_output(child: &ExecutionRecord, date: &str, request_id: &str) -> Value {
    // The length of the API's JSON answer, whose `startDate` AWS writes as Java prints a
    // double (`1.691851539123E9`).
    let body_length = format!(
        r#"{{"executionArn":"{}","startDate":{}}}"#,
        child.arn,
        java_seconds(child.start_date)
    )
    .len()
    .to_string();
    json!({
        "ExecutionArn": child.arn,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "x-amzn-RequestId": [request_id],
                "connection": ["keep-alive"],
                "Content-Length": [body_length],
                "Date": [date],
                "Content-Type": ["application/x-amz-json-1.0"]
            },
            "HttpHeaders": {
                "connection": "keep-alive",
                "Content-Length": body_length,
                "Content-Type": "application/x-amz-json-1.0",
                "Date": date,
                "x-amzn-RequestId": request_id
            },
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StartDate": child.start_date
    })
}

/// Epoch milliseconds as seconds in Java's `Double.toString` form: `1.691851539123E9`.
fn java_seconds(millis: i64) -> String {
    let digits = millis.max(0).to_string();
    if digits.len() < 4 {
        return format!("{}", millis as f64 / 1000.0);
    }
    let (first, rest) = digits.split_at(1);
    let fraction = rest.trim_end_matches('0');
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    format!("{first}.{fraction}E{}", digits.len() - 4)
}

/// How a `.sync` task ends when its child has ended: with the child's `DescribeExecution`
/// shape; a child that did not succeed fails the task with `States.TaskFailed` and that
/// shape, as JSON text, as the cause.
pub fn completion(child: &ExecutionRecord, wait: &ChildWait) -> Completion {
    let value = |text: &str| -> Value {
        if wait.json {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        } else {
            Value::String(text.to_owned())
        }
    };
    let mut shape = Map::new();
    shape.insert("ExecutionArn".into(), json!(child.arn));
    shape.insert("Input".into(), value(&child.input));
    shape.insert("InputDetails".into(), json!({ "Included": true }));
    shape.insert("Name".into(), json!(child.name));
    if child.status == Status::Succeeded {
        let output = child.output.as_deref().unwrap_or("null");
        shape.insert("Output".into(), value(output));
        shape.insert("OutputDetails".into(), json!({ "Included": true }));
    }
    shape.insert("StartDate".into(), json!(child.start_date));
    shape.insert("StateMachineArn".into(), json!(child.state_machine_arn));
    shape.insert("Status".into(), json!(child.status.as_str()));
    if let Some(stop) = child.stop_date {
        shape.insert("StopDate".into(), json!(stop));
    }
    if child.status == Status::Succeeded {
        return Completion::Succeeded(Value::Object(shape));
    }
    if let Some(error) = &child.error {
        shape.insert("Error".into(), json!(error));
    }
    if let Some(cause) = &child.cause {
        shape.insert("Cause".into(), json!(cause));
    }
    Completion::Failed {
        error: Some(crate::error::names::TASK_FAILED.to_owned()),
        cause: Some(Value::Object(shape).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_dates_read_as_aws_writes_them() {
        assert_eq!(wait_of(START_EXECUTION), Some(Wait::Started));
        assert_eq!(
            wait_of("arn:aws:states:::states:startExecution.sync:2"),
            Some(Wait::Sync2)
        );
        assert_eq!(wait_of("arn:aws:states:::states:startExecution.x"), None);
        assert_eq!(wait_of("arn:aws:states:::lambda:invoke"), None);
        assert_eq!(java_seconds(1_691_851_539_123), "1.691851539123E9");
        assert_eq!(java_seconds(1_691_851_539_100), "1.6918515391E9");
        assert_eq!(java_seconds(1_000_000_000_000), "1.0E9");
    }

    #[test]
    fn a_child_without_name_or_input_gets_a_stable_name_and_an_empty_object() {
        let parameters = json!({ "StateMachineArn": "arn:sm", "Input": null });
        let a = ChildExecution::from_parameters(&parameters, "arn:parent", "k").unwrap();
        let b = ChildExecution::from_parameters(&parameters, "arn:parent", "k").unwrap();
        assert_eq!(a.name, b.name);
        assert_eq!(a.name.len(), 36);
        assert_eq!(a.input, json!({}));
        let text = json!({ "StateMachineArn": "arn:sm", "Input": "{\"a\":1}", "Name": "n" });
        let c = ChildExecution::from_parameters(&text, "arn:parent", "k").unwrap();
        assert_eq!((c.name.as_str(), c.input), ("n", json!({ "a": 1 })));
        assert!(ChildExecution::from_parameters(&json!({}), "p", "k").is_none());
    }
}
