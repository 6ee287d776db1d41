//! A handler declared without types takes and returns `serde_json::Value`.

#[path = "../export.rs"]
mod export;

use serde_json::{Value, json};
use workflow_runtime::{TaskError, Workflow, WorkflowState, workflow};

workflow! {
    pub Echo {
        start_at: Call,
        handlers: { echo },
        states: {
            Call: Task { resource: echo, end: true },
        }
    }
}

struct Handlers;

impl EchoHandlers for Handlers {
    async fn echo(&self, input: Value) -> Result<Value, TaskError> {
        Ok(json!({ "echo": input }))
    }
}

fn main() {
    export::asl("ui-untyped_handler.json", Echo::ASL);
    let asl: Value = serde_json::from_str(Echo::ASL).unwrap();
    assert_eq!(
        asl,
        json!({
            "StartAt": "Call",
            "States": { "Call": { "Type": "Task", "Resource": "${EchoFunctionArn}", "End": true } }
        })
    );
    assert_eq!(
        <Echo as Workflow>::RESOURCES,
        &[("${EchoFunctionArn}", "echo")]
    );
    assert_eq!(EchoState::ALL, &[EchoState::Call]);
    assert_eq!(EchoState::from_name("Call"), Some(EchoState::Call));
    // The method's future is Send, so handlers run on a multi-threaded executor.
    fn send<T: Send>(_: T) {}
    send(Handlers.echo(json!(1)));
}
