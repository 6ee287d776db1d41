//! The adapter as lambda_runtime calls it: a Lambda event in, the function's result or its
//! error response out. No AWS account, no Runtime API.

use lambda_runtime::{Context, LambdaEvent, Service};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_runtime::{Executor, Status, TaskError, workflow};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<bool>,
}

workflow! {
    /// Reserve stock; on `OutOfStock`, apologise.
    pub Orders {
        start_at: Reserve,
        handlers: {
            reserve(Order) -> Order,
        },
        states: {
            Reserve: Task {
                resource: reserve,
                catch: [{ error_equals: [OutOfStock], result_path: "$.error", next: Apologise }],
                end: true,
            },
            Apologise: Fail { error: "Apologised", cause: "out of stock" },
        }
    }
}

/// The handlers, written once: the executor calls them locally, Lambda on AWS.
pub struct Shop {
    pub stock: u32,
}

impl OrdersHandlers for Shop {
    async fn reserve(&self, mut order: Order) -> Result<Order, TaskError> {
        if order.quantity > self.stock {
            return Err(TaskError::new(
                "OutOfStock",
                format!("{} wanted, {} left", order.quantity, self.stock),
            ));
        }
        order.reserved = Some(true);
        Ok(order)
    }
}

fn event(payload: Value) -> LambdaEvent<Value> {
    LambdaEvent::new(payload, Context::default())
}

#[tokio::test]
async fn a_handler_method_returns_its_output_as_the_function_result() {
    let shop = Shop { stock: 5 };
    let mut function = workflow_lambda::service(|order| shop.reserve(order));
    let result = function
        .call(event(json!({ "id": "o-1", "quantity": 2 })))
        .await;
    assert_eq!(
        result,
        Ok(json!({ "id": "o-1", "quantity": 2, "reserved": true }))
    );
}

#[tokio::test]
async fn a_task_error_is_the_error_response_step_functions_names_the_failure_after() {
    let shop = Shop { stock: 1 };
    let mut function = workflow_lambda::service(|order| shop.reserve(order));
    let error = function
        .call(event(json!({ "id": "o-2", "quantity": 3 })))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "OutOfStock");
    assert_eq!(error.error_message, "3 wanted, 1 left");
    // The body lambda_runtime posts to the Runtime API's /error endpoint.
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({ "errorType": "OutOfStock", "errorMessage": "3 wanted, 1 left" })
    );
}

#[tokio::test]
async fn the_error_name_is_the_one_the_local_executor_matches_catchers_on() {
    // Locally: the same handler, the same input, caught by `OutOfStock`.
    let executor = Executor::new(Orders::resources(Shop { stock: 1 }));
    let mut execution = executor
        .start_workflow::<Orders>(json!({ "id": "o-3", "quantity": 3 }))
        .unwrap();
    while execution.step().await.is_some() {}
    let outcome = execution.into_outcome();
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(
        outcome.error.as_deref(),
        Some("Apologised"),
        "the catcher ran"
    );

    // On Lambda: the error type Step Functions would match that catcher against.
    let shop = Shop { stock: 1 };
    let mut function = workflow_lambda::service(|order| shop.reserve(order));
    let error = function
        .call(event(json!({ "id": "o-3", "quantity": 3 })))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "OutOfStock");
}

#[tokio::test]
async fn an_input_of_the_wrong_shape_fails_the_task_as_the_local_executor_does() {
    let shop = Shop { stock: 1 };
    let mut function = workflow_lambda::service(|order| shop.reserve(order));
    let error = function
        .call(event(json!({ "id": "o-4" })))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "States.TaskFailed");
    assert!(
        error.error_message.contains("missing field `quantity`"),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn an_untyped_handler_takes_and_returns_json() {
    let mut function = workflow_lambda::service(|input: Value| async move {
        Ok::<_, TaskError>(json!({ "echo": input }))
    });
    let result = function.call(event(json!([1, "two", null]))).await;
    assert_eq!(result, Ok(json!({ "echo": [1, "two", null] })));
}

#[test]
fn a_task_error_becomes_a_diagnostic_field_for_field() {
    let diagnostic = workflow_lambda::diagnostic(&TaskError::new("States.Timeout", "too slow"));
    assert_eq!(diagnostic.error_type, "States.Timeout");
    assert_eq!(diagnostic.error_message, "too slow");
}
