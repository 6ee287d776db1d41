//! What a Task state calls in the server, in this order of lookup (as Step Functions Local
//! does it, with Rust handlers last for a program that embeds the server):
//!
//! 1. the execution's `MockConfigFile` test case, when it was started as
//!    `<state machine ARN>#<test case>` and the case mocks the state;
//! 2. for a Lambda function (a Lambda ARN resource, or `lambda:invoke`'s `FunctionName`),
//!    an HTTP endpoint speaking the Lambda Invoke API (`--lambda-endpoint`: `cargo lambda
//!    watch`, `sam local start-lambda`, ...);
//! 3. the Rust handlers the server was given ([`workflow_runtime::Resources`]).

use std::sync::Arc;

use serde_json::Value;
use workflow_runtime::mock_config::{MockCase, MockConfig};
use workflow_runtime::store::ExecutionRecord;
use workflow_runtime::{Handler, HandlerFuture, Invocation, ObjectStore, Resources, TaskError};

/// The execution attribute naming its test case.
pub const TEST_CASE: &str = "mockTestCase";

/// Where Tasks go: the mock configuration, the Lambda endpoint, the Rust handlers; and the
/// stand-in for S3 that distributed Maps use.
#[derive(Clone, Default)]
pub struct Tasks {
    /// A parsed `MockConfigFile`.
    pub mock_config: Option<Arc<MockConfig>>,
    /// The Lambda Invoke API endpoint, such as `http://127.0.0.1:9001`.
    pub lambda_endpoint: Option<String>,
    /// The handlers of a program that embeds the server.
    pub resources: Arc<Resources>,
    /// Where distributed Maps' `ItemReader` and `ResultWriter` read and write, standing in
    /// for S3 (`--s3-dir`: a [`workflow_runtime::LocalS3`]); without one, such Maps fail
    /// with `States.ItemReaderFailed` or `States.ResultWriterFailed`.
    pub object_store: Option<Arc<dyn ObjectStore>>,
}

impl Tasks {
    /// The handlers of one execution: its test case's mocks (if it runs one), then the
    /// Lambda endpoint, then the Rust handlers. `None` when neither a mock nor an endpoint
    /// applies, so that the Rust handlers answer as they do in the runtime.
    pub fn for_execution(&self, record: &ExecutionRecord) -> Option<Arc<Resources>> {
        self.for_test_case(
            record.attributes["stateMachine"]["name"]
                .as_str()
                .unwrap_or_default(),
            record.attributes[TEST_CASE].as_str(),
        )
    }

    /// The handlers of an execution of `state_machine` running `test_case`, as
    /// [`Tasks::for_execution`] says.
    pub fn for_test_case(
        &self,
        state_machine: &str,
        test_case: Option<&str>,
    ) -> Option<Arc<Resources>> {
        let mock = match (&self.mock_config, test_case) {
            (Some(config), Some(case)) => config.test_case(state_machine, case),
            _ => None,
        };
        if mock.is_none() && self.lambda_endpoint.is_none() {
            return None;
        }
        let route = Route {
            mock,
            lambda: self.lambda_endpoint.clone().map(LambdaEndpoint::new),
            resources: self.resources.clone(),
        };
        // The route answers every resource; which of them run at most once stays as given.
        let resources = self
            .resources
            .at_most_once_resources()
            .fold(Resources::new(), |r, resource| r.at_most_once(resource));
        Some(Arc::new(resources.fallback(route)))
    }
}

/// One execution's lookup, as a handler for every resource.
struct Route {
    mock: Option<MockCase>,
    lambda: Option<LambdaEndpoint>,
    resources: Arc<Resources>,
}

impl Handler for Route {
    fn call(&self, _input: Value) -> HandlerFuture {
        // The executor always calls `invoke`.
        Box::pin(async { Err(TaskError::new("States.TaskFailed", "no invocation")) })
    }

    fn invoke(&self, input: Value, invocation: &Invocation) -> HandlerFuture {
        if let Some(mock) = self.mock.as_ref().filter(|m| m.mocks(&invocation.state)) {
            let answer = mock.answer(invocation);
            return Box::pin(async move { answer });
        }
        if let (Some(lambda), Some(function)) = (&self.lambda, &invocation.function) {
            return lambda.invoke(function.clone(), input, invocation);
        }
        let key = invocation
            .function
            .as_deref()
            .unwrap_or(&invocation.resource);
        match self.resources.find(key) {
            Some(handler) => handler.invoke(input, invocation),
            None => {
                let resource = invocation.resource.clone();
                Box::pin(async move {
                    Err(TaskError::new(
                        "States.TaskFailed",
                        format!(
                            "no handler for '{resource}': the execution's test case does not mock the state, and no Lambda endpoint or Rust handler serves it"
                        ),
                    ))
                })
            }
        }
    }

    fn returns_service_response(&self, invocation: &Invocation) -> bool {
        self.mock
            .as_ref()
            .is_some_and(|m| m.mocks(&invocation.state))
    }
}

/// A client of the Lambda Invoke API
/// (`POST /2015-03-31/functions/<name>/invocations`).
struct LambdaEndpoint {
    base: String,
    client: reqwest::Client,
}

impl LambdaEndpoint {
    fn new(base: String) -> Self {
        LambdaEndpoint {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// Invokes `function` (a name or an ARN, as Lambda accepts either) on `payload`: the
    /// response body is the result; an `X-Amz-Function-Error` response fails the task with
    /// the body's `errorType` and, as AWS's cause, the body itself.
    ///
    /// The invocation's idempotency key travels in the Invoke API's client context
    /// (`X-Amz-Client-Context`, base64 JSON), as `custom.idempotencyKey`, which a function
    /// reads from its context to tell a repeat after a crash from a new call.
    fn invoke(&self, function: String, payload: Value, invocation: &Invocation) -> HandlerFuture {
        use base64::Engine;
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.base);
        let context =
            serde_json::json!({ "custom": { "idempotencyKey": invocation.idempotency_key() } });
        let request = self
            .client
            .post(url)
            .header(
                "X-Amz-Client-Context",
                base64::engine::general_purpose::STANDARD.encode(context.to_string()),
            )
            .body(payload.to_string());
        Box::pin(async move {
            let unreachable = |e: reqwest::Error| {
                TaskError::new(
                    "Lambda.ServiceException",
                    format!("the Lambda endpoint did not answer: {e}"),
                )
            };
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status();
            let function_error = response.headers().contains_key("x-amz-function-error");
            let body = response.text().await.map_err(unreachable)?;
            if function_error {
                let error_type = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|b| b["errorType"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "Lambda.Unknown".to_owned());
                return Err(TaskError::new(error_type, body));
            }
            if !status.is_success() {
                // The Invoke API's own errors: `{"Type": ..., "message": ...}` with the
                // exception name in `x-amzn-ErrorType`; Step Functions prefixes `Lambda.`.
                let name = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|b| {
                        b["Type"]
                            .as_str()
                            .or(b["__type"].as_str())
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| "ServiceException".to_owned());
                return Err(TaskError::new(format!("Lambda.{name}"), body));
            }
            if body.trim().is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(&body).map_err(|e| {
                TaskError::new(
                    "Lambda.ServiceException",
                    format!("the function's response is not JSON: {e}"),
                )
            })
        })
    }
}
