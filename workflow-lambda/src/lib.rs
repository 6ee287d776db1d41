//! Run a `workflow!` task handler as an AWS Lambda function, so the handler code that runs
//! locally under the executor runs unchanged on AWS Step Functions.
//!
//! A handler is what a method of the generated `<Name>Handlers` trait is: an async function
//! from a serde input to `Result<Output, TaskError>`. [`run`] serves one as the function's
//! handler, through the [`lambda_runtime`] crate:
//!
//! - the event is the Task's input, deserialized into the handler's input type;
//! - `Ok(output)` is the function's result, the Task's result;
//! - `Err(TaskError { error, cause })` is a function error whose `errorType` is `error` and
//!   whose `errorMessage` is `cause`. Step Functions names a Lambda task failure after its
//!   `errorType`, so a `Retry` or `Catch` on `error` matches on AWS as it does locally.
//!
//! What differs on AWS is the failure's *cause*: locally it is `cause`; Step Functions makes
//! it the Lambda error payload as JSON text (`{"errorType": ..., "errorMessage": cause}`).
//! An input that does not match the handler's type fails the task with
//! `States.TaskFailed`, as the local executor does.
//!
//! One binary per handler, each deployed as its own function (`workflow export
//! cloudformation` writes the template), built for Lambda's `provided.al2023` runtime:
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use workflow_runtime::{TaskError, workflow};
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct User {
//!     pub user_id: String,
//! }
//!
//! workflow! {
//!     pub Greeting {
//!         start_at: Greet,
//!         handlers: { greet(User) -> User },
//!         states: { Greet: Task { resource: greet, end: true } }
//!     }
//! }
//!
//! pub struct Handlers;
//!
//! impl GreetingHandlers for Handlers {
//!     async fn greet(&self, user: User) -> Result<User, TaskError> {
//!         if user.user_id.is_empty() {
//!             return Err(TaskError::new("NoUser", "the user id is empty"));
//!         }
//!         Ok(user)
//!     }
//! }
//!
//! // src/bin/greet.rs: the `greet` function's `bootstrap`. Lambda runs one invocation at a
//! // time per instance, so a current-thread runtime is enough.
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), workflow_lambda::Error> {
//!     let handlers = Handlers;
//!     workflow_lambda::run(|user| handlers.greet(user)).await
//! }
//! ```
//!
//! [`service`] is the same handler as the [`Service`](lambda_runtime::Service) that
//! `lambda_runtime` calls for each event; a test can call it with a [`LambdaEvent`], with no
//! AWS account and no Runtime API.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use workflow_runtime::{TaskError, names};

pub use lambda_runtime::{Context, Diagnostic, Error, LambdaEvent};

/// Serves `handler` as this Lambda function's handler, one event at a time, until the
/// Lambda service stops the function.
///
/// Call it from `main` of the function's `bootstrap` binary. It needs the Lambda
/// environment (`AWS_LAMBDA_RUNTIME_API` and the other variables Lambda sets), and panics
/// without it, as [`lambda_runtime::run`] does.
///
/// A failure is also written to standard error (CloudWatch Logs on AWS), since the Lambda
/// service does not log an error response by itself.
pub async fn run<In, Out, F, Fut>(handler: F) -> Result<(), Error>
where
    In: DeserializeOwned,
    Out: Serialize,
    F: Fn(In) -> Fut,
    Fut: Future<Output = Result<Out, TaskError>>,
{
    let logged = move |input: In| {
        let output = handler(input);
        async move {
            let result = output.await;
            if let Err(e) = &result {
                eprintln!("task failed: {}: {}", e.error, e.cause);
            }
            result
        }
    };
    lambda_runtime::run(service(logged)).await
}

/// `handler` as the service `lambda_runtime` calls for each event: a JSON event in, the JSON
/// result or the [`Diagnostic`] of a failure out. What [`run`] serves.
///
/// ```
/// use lambda_runtime::{Context, LambdaEvent, Service};
/// use serde_json::{Value, json};
/// use workflow_runtime::TaskError;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut function = workflow_lambda::service(|name: String| async move {
///     match name.as_str() {
///         "" => Err(TaskError::new("NoName", "the name is empty")),
///         _ => Ok(format!("Hello, {name}!")),
///     }
/// });
/// let event = LambdaEvent::new(json!("Ada"), Context::default());
/// assert_eq!(function.call(event).await, Ok(json!("Hello, Ada!")));
///
/// let failure = function.call(LambdaEvent::new(json!(""), Context::default())).await;
/// assert_eq!(failure.unwrap_err().error_type, "NoName");
/// # });
/// ```
pub fn service<In, Out, F, Fut>(
    handler: F,
) -> impl lambda_runtime::Service<
    LambdaEvent<Value>,
    Response = Value,
    Error = Diagnostic,
    Future = impl Future<Output = Result<Value, Diagnostic>>,
>
where
    In: DeserializeOwned,
    Out: Serialize,
    F: Fn(In) -> Fut,
    Fut: Future<Output = Result<Out, TaskError>>,
{
    // Each event's future owns a handle on the handler: a service's future cannot borrow
    // the service.
    let handler = Arc::new(handler);
    lambda_runtime::service_fn(move |event: LambdaEvent<Value>| {
        let handler = Arc::clone(&handler);
        async move { invoke(&*handler, event.payload).await }
    })
}

/// Runs `handler` on one event: what the function does with each invocation.
async fn invoke<In, Out, F, Fut>(handler: &F, payload: Value) -> Result<Value, Diagnostic>
where
    In: DeserializeOwned,
    Out: Serialize,
    F: Fn(In) -> Fut,
    Fut: Future<Output = Result<Out, TaskError>>,
{
    // The event is deserialized here rather than by lambda_runtime, whose failure would be
    // named after a Rust type instead of an error a Step Functions retrier can match.
    let input: In = serde_json::from_value(payload).map_err(|e| {
        diagnostic(&TaskError::new(
            names::TASK_FAILED,
            format!("the input does not match the handler's type: {e}"),
        ))
    })?;
    let output = handler(input).await.map_err(|e| diagnostic(&e))?;
    serde_json::to_value(output).map_err(|e| {
        diagnostic(&TaskError::new(
            names::TASK_FAILED,
            format!("the handler's output is not JSON: {e}"),
        ))
    })
}

/// The Lambda error response for a task failure: `errorType` is the error name, which
/// Step Functions uses as the task's error, and `errorMessage` is the cause.
pub fn diagnostic(error: &TaskError) -> Diagnostic {
    Diagnostic {
        error_type: error.error.clone(),
        error_message: error.cause.clone(),
    }
}
