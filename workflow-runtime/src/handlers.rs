//! Task handlers: what a Task's `Resource` runs.
//!
//! [`Resources`] maps a resource to a [`Handler`]. Three kinds of `Resource` are routed:
//!
//! - `arn:aws:states:::lambda:invoke`: the function named by the `FunctionName` parameter
//!   (a name or an ARN) runs on the `Payload` parameter, and the result is AWS's envelope
//!   (`{ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}`);
//! - `arn:aws:lambda:<region>:<account>:function:<name>`: the function runs on the state's
//!   effective input and its result is the task result;
//! - anything else (a `workflow!` handler placeholder such as `${SendMessageFunctionArn}`, an
//!   ARN of another service): the handler registered under exactly that string.
//!
//! A Lambda function is registered under its name or its full ARN.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::TaskError;

/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send>>;

/// Runs one task invocation.
pub trait Handler: Send + Sync + 'static {
    /// Runs the task on `input`.
    fn call(&self, input: Value) -> HandlerFuture;

    /// Runs the task on `input` for `invocation`: what the executor calls. The default
    /// ignores who calls; a handler that deduplicates by
    /// [`Invocation::idempotency_key`], or a mock that answers by state, overrides it.
    fn invoke(&self, input: Value, invocation: &Invocation) -> HandlerFuture {
        let _ = invocation;
        self.call(input)
    }

    /// Whether what this handler returns for `invocation` is the service's whole response,
    /// to be the task's result as it is (a `MockConfigFile` response mocks the Lambda Invoke
    /// API's `{StatusCode, Payload, ...}` itself), rather than a Lambda function's payload,
    /// which the runtime wraps in the `lambda:invoke` envelope.
    fn returns_service_response(&self, invocation: &Invocation) -> bool {
        let _ = invocation;
        false
    }
}

/// Who is calling a handler: the execution, the state, which visit of it and which attempt.
///
/// Task invocation is at least once: a state whose handler was running when the process
/// died runs again when the execution resumes. The same attempt of the same visit of a
/// top-level state gets the same [`Invocation::idempotency_key`] then, so a handler can
/// tell a repeat from a new call. (States in a Parallel branch or a Map iteration are
/// numbered in the order they run, which can differ after a restart.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The execution's ARN.
    pub execution_arn: String,
    /// The state's name.
    pub state: String,
    /// The id of the state's entered event: which visit of the state this is.
    pub entered_event_id: u64,
    /// 0 for the first attempt, then 1, 2, ... for its retries.
    pub attempt: u32,
    /// The Task's `Resource`.
    pub resource: String,
    /// The Lambda function called, by name or ARN as the definition gives it: the
    /// `Resource` of a Lambda ARN Task, the `FunctionName` of a `lambda:invoke` one.
    pub function: Option<String>,
}

impl Invocation {
    /// `<execution ARN>/<state>/<entered event id>/<attempt>`.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.execution_arn, self.state, self.entered_event_id, self.attempt
        )
    }
}

impl<F, Fut> Handler for F
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, TaskError>> + Send + 'static,
{
    fn call(&self, input: Value) -> HandlerFuture {
        Box::pin(self(input))
    }
}

/// The handlers an execution can call, by resource.
#[derive(Clone, Default)]
pub struct Resources {
    handlers: HashMap<String, Arc<dyn Handler>>,
    aliases: HashMap<String, String>,
    /// What answers a resource no handler is registered for.
    fallback: Option<Arc<dyn Handler>>,
    /// The `Resource`s whose tasks run at most once per attempt in a durable execution.
    at_most_once: HashSet<String>,
}

/// How a Task's `Resource` was resolved.
pub(crate) enum Route {
    /// `arn:aws:states:::lambda:invoke`.
    LambdaInvoke,
    /// A Lambda function ARN.
    LambdaFunction,
    /// An activity ARN: a worker polling `GetActivityTask` does the work.
    Activity,
    /// Any other resource.
    Other,
}

impl Resources {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for `resource`: a Lambda function name or ARN, a `workflow!`
    /// handler name, or any `Resource` string.
    pub fn register(mut self, resource: impl Into<String>, handler: impl Handler) -> Self {
        self.handlers.insert(resource.into(), Arc::new(handler));
        self
    }

    /// Registers a shared handler.
    pub fn register_arc(mut self, resource: impl Into<String>, handler: Arc<dyn Handler>) -> Self {
        self.handlers.insert(resource.into(), handler);
        self
    }

    /// Makes `resource` call the handler registered as `handler`: how a `workflow!`
    /// placeholder such as `${SendMessageFunctionArn}` finds `send_message`.
    pub fn alias(mut self, resource: impl Into<String>, handler: impl Into<String>) -> Self {
        self.aliases.insert(resource.into(), handler.into());
        self
    }

    /// Whether `resource` is an alias of `handler`.
    pub(crate) fn has_alias(&self, resource: &str, handler: &str) -> bool {
        self.aliases.get(resource).is_some_and(|h| h == handler)
    }

    /// Makes the Tasks whose `Resource` is `resource` run at most once per attempt in a
    /// durable execution ([`crate::Durable`]), where they would otherwise run at least once:
    /// each attempt is committed before its handler is called, and an attempt the process
    /// died in is not called again after the restart but fails with
    /// [`crate::names::TASK_INTERRUPTED`], which `Retry` and `Catch` handle as any error.
    /// For a task that must not be repeated and has no idempotency key to check (a payment
    /// provider without one, say). It costs one more commit per attempt.
    pub fn at_most_once(mut self, resource: impl Into<String>) -> Self {
        self.at_most_once.insert(resource.into());
        self
    }

    /// Whether Tasks on `resource` run at most once per attempt.
    pub fn is_at_most_once(&self, resource: &str) -> bool {
        self.at_most_once.contains(resource)
    }

    /// The resources whose Tasks run at most once per attempt.
    pub fn at_most_once_resources(&self) -> impl Iterator<Item = &str> {
        self.at_most_once.iter().map(String::as_str)
    }

    /// Makes `handler` answer every resource that has no handler of its own (a mock of a
    /// whole test case, or a proxy to a Lambda endpoint).
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.fallback = Some(Arc::new(handler));
        self
    }

    /// Adds every handler and alias of `other`, and its fallback if it has one.
    pub fn merge(mut self, other: Resources) -> Self {
        self.handlers.extend(other.handlers);
        self.aliases.extend(other.aliases);
        if other.fallback.is_some() {
            self.fallback = other.fallback;
        }
        self.at_most_once.extend(other.at_most_once);
        self
    }

    pub(crate) fn route(resource: &str) -> Route {
        if resource.starts_with("arn:aws:states:::lambda:invoke") {
            Route::LambdaInvoke
        } else if lambda_function_name(resource).is_some() {
            Route::LambdaFunction
        } else if workflow_core::model::is_activity_arn(resource) {
            Route::Activity
        } else {
            Route::Other
        }
    }

    /// The handler for a resource: registered under the resource itself, under the handler
    /// an alias names, or (for a Lambda function given by name or ARN) under the other form;
    /// else the fallback.
    pub fn find(&self, resource: &str) -> Option<Arc<dyn Handler>> {
        self.find_registered(resource)
            .or_else(|| self.fallback.clone())
    }

    pub(crate) fn find_registered(&self, resource: &str) -> Option<Arc<dyn Handler>> {
        if let Some(h) = self.handlers.get(resource) {
            return Some(h.clone());
        }
        if let Some(h) = self
            .aliases
            .get(resource)
            .and_then(|name| self.handlers.get(name))
        {
            return Some(h.clone());
        }
        let name = lambda_function_name(resource).unwrap_or(resource);
        // A function registered under its plain name: one lookup, not a scan.
        if let Some(h) = self.handlers.get(name) {
            return Some(h.clone());
        }
        self.handlers
            .iter()
            .find(|(k, _)| lambda_function_name(k).unwrap_or(k) == name)
            .map(|(_, h)| h.clone())
    }
}

/// `arn:aws:lambda:us-east-1:111111111111:function:name[:qualifier]` -> `name`.
pub fn lambda_function_name(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("lambda:")?;
    let (_region, rest) = rest.split_once(':')?;
    let (_account, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("function:")?;
    let name = rest.split_once(':').map_or(rest, |(name, _qualifier)| name);
    (!name.is_empty()).then_some(name)
}

/// The result envelope of `arn:aws:states:::lambda:invoke`, as AWS returns it. With
/// `log_tail` (the `LogType: Tail` parameter), the base64 tail of the invocation's log is
/// added as `LogResult` and the `X-Amz-Log-Result` header.
pub(crate) fn lambda_invoke_envelope(
    payload: Value,
    date: &str,
    request_id: &str,
    log_tail: bool,
) -> Value {
    let length = serde_json::to_string(&payload)
        .map(|s| s.len())
        .unwrap_or(0)
        .to_string();
    let trace_id = format!("Root=1-{request_id}");
    let mut envelope = json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [length],
                "Date": [date],
                "X-Amzn-Trace-Id": [trace_id],
                "Content-Type": ["application/json"]
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": length,
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": trace_id
            },
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200
    });
    if log_tail {
        // A local handler's output is not captured: the tail holds the lines the Lambda
        // platform writes around every invocation.
        use base64::Engine;
        let log = format!(
            "START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n"
        );
        let tail = base64::engine::general_purpose::STANDARD.encode(log);
        envelope["LogResult"] = json!(tail);
        envelope["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Log-Result"] = json!([tail]);
        envelope["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Log-Result"] = json!(tail);
    }
    envelope
}

/// A scripted handler for tests: one outcome per call, the last repeated, as Step Functions
/// Local's `MockConfigFile` scripts responses per invocation.
///
/// ```
/// # use workflow_runtime::{Mock, TaskError};
/// # use serde_json::json;
/// let flaky = Mock::new()
///     .fail(TaskError::new("States.TaskFailed", "mail server busy"))
///     .returns(json!({ "activities": 0 }));
/// ```
#[derive(Clone, Default)]
pub struct Mock {
    outcomes: Arc<Vec<Result<Value, TaskError>>>,
    calls: Arc<Mutex<Vec<Value>>>,
}

impl Mock {
    /// A mock with no outcomes yet (it fails every call until given some).
    pub fn new() -> Self {
        Self::default()
    }

    /// The next call returns `value`.
    pub fn returns(mut self, value: Value) -> Self {
        Arc::make_mut(&mut self.outcomes).push(Ok(value));
        self
    }

    /// The next call fails with `error`.
    pub fn fail(mut self, error: TaskError) -> Self {
        Arc::make_mut(&mut self.outcomes).push(Err(error));
        self
    }

    /// The inputs of every call so far.
    pub fn calls(&self) -> Vec<Value> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Handler for Mock {
    fn call(&self, input: Value) -> HandlerFuture {
        let n = match self.calls.lock() {
            Ok(mut calls) => {
                calls.push(input);
                calls.len()
            }
            Err(_) => 1,
        };
        let outcome = self
            .outcomes
            .get(n - 1)
            .or_else(|| self.outcomes.last())
            .cloned()
            .unwrap_or_else(|| {
                Err(TaskError::new(
                    "States.TaskFailed",
                    "the mock has no outcome scripted",
                ))
            });
        Box::pin(async move { outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_arns_name_their_function() {
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:111111111111:function:id_function"),
            Some("id_function")
        );
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:1:function:f:$LATEST"),
            Some("f")
        );
        assert_eq!(lambda_function_name("arn:aws:states:::lambda:invoke"), None);
        assert_eq!(lambda_function_name("${SendMessageFunctionArn}"), None);
        assert_eq!(
            lambda_function_name("arn:aws-cn:lambda:cn-north-1:1:function:g"),
            Some("g")
        );
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:1:function:"),
            None
        );
        assert_eq!(
            lambda_function_name("arn:aws:lambda:us-east-1:1:layer:l"),
            None
        );
        assert_eq!(lambda_function_name("arn:aws:lambda:us-east-1"), None);
    }

    #[tokio::test]
    async fn mocks_script_one_outcome_per_call() {
        let mock = Mock::new()
            .fail(TaskError::new("States.TaskFailed", "busy"))
            .returns(json!({ "activities": 0 }));
        let resources = Resources::new().register("f", mock.clone());
        let handler = resources
            .find("arn:aws:lambda:us-east-1:1:function:f")
            .unwrap();
        assert!(handler.call(json!(1)).await.is_err());
        assert_eq!(
            handler.call(json!(2)).await.unwrap(),
            json!({ "activities": 0 })
        );
        assert_eq!(
            handler.call(json!(3)).await.unwrap(),
            json!({ "activities": 0 })
        );
        assert_eq!(mock.calls(), vec![json!(1), json!(2), json!(3)]);
    }
}
