//! Run `workflow!` state machines and ASL documents locally, with AWS Step Functions'
//! semantics.
//!
//! The [`workflow!`] macro defines a state machine in Rust source; the compiler rejects a
//! broken graph, and the macro generates:
//!
//! - a unit struct named after the workflow, implementing [`Workflow`], whose `ASL` constant
//!   is the Amazon States Language document AWS Step Functions accepts;
//! - `<Name>State`, an enum with one variant per top-level state, implementing
//!   [`WorkflowState`];
//! - `<Name>Handlers`, a trait with one async method per handler declared in `handlers`,
//!   taking and returning the declared serde types.
//!
//! The [`Executor`] runs both `workflow!` workflows and ASL loaded at run time: one
//! interpreter, with AWS's input/output processing, retries, catchers, error names and
//! history. [`Executor::test_state`] runs one state of a machine once, as AWS's TestState
//! API does, through the same interpreter, and reports its status and the data of each
//! input and output processing step ([`TestStateOutput`]). See `src/README.md` for a map of
//! the modules.

pub use workflow_core as asl;
/// The evaluators of JSONata expressions and intrinsic functions the executor runs.
pub use workflow_eval as eval;
pub use workflow_macros::workflow;

mod callback;
pub mod clock;
mod context;
mod data_flow;
mod durable;
mod error;
mod execution_input;
mod executor;
mod handlers;
pub mod history;
pub mod limits;
pub mod map_runs;
pub mod mock_config;
pub mod nested;
mod retry;
pub mod s3;
mod state_run;
mod states;
pub mod store;
mod task_error;
mod task_tokens;
mod test_state;
mod workflow;

pub use callback::TaskToken;
pub use clock::{Clock, SystemClock, VirtualClock};
pub use context::ExecutionConfig;
pub use durable::{
    Durable, DurableError, NotRedrivable, RedriveError, ResourcesFor, StartRequest, redrivable,
};
pub use error::{Failure, names};
pub use execution_input::ExecutionInput;
pub use executor::{Checkpoint, Execution, Executor, Outcome, StartError, Status, Step};
pub use handlers::{Handler, HandlerFuture, Invocation, Mock, Resources, lambda_function_name};
pub use history::{EventType, History, HistoryEvent};
pub use s3::{LocalS3, ObjectStore};
pub use states::test_condition;
pub use task_error::TaskError;
pub use task_tokens::TaskTokenError;
pub use test_state::{
    ErrorDetails, FieldValidationMode, InspectionData, InspectionLevel, TESTED_STATE_NAME,
    TestConfiguration, TestMock, TestOptions, TestStateError, TestStateOutput, TestStatus,
};
pub use workflow::{TypedExecution, Workflow, WorkflowState};

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    use crate::TaskError;

    /// A typed handler's input: a mismatch fails the task, naming the handler.
    pub fn callback_payload(
        handler: &str,
        payload: serde_json::Value,
    ) -> Result<(serde_json::Value, String), TaskError> {
        let serde_json::Value::Object(mut payload) = payload else {
            return Err(TaskError::new(
                crate::names::TASK_FAILED,
                format!("the callback handler `{handler}` expects {{\"input\", \"token\"}}"),
            ));
        };
        let token = payload.remove("token");
        match (payload.remove("input"), token) {
            (Some(input), Some(serde_json::Value::String(token))) => Ok((input, token)),
            _ => Err(TaskError::new(
                crate::names::TASK_FAILED,
                format!("the callback handler `{handler}` expects {{\"input\", \"token\"}}"),
            )),
        }
    }

    pub fn deserialize_handler_input<T: serde::de::DeserializeOwned>(
        handler: &str,
        input: serde_json::Value,
    ) -> Result<T, TaskError> {
        serde_json::from_value(input).map_err(|e| {
            TaskError::new(
                crate::names::TASK_FAILED,
                format!("the input of handler `{handler}` does not match its type: {e}"),
            )
        })
    }

    /// A typed handler's output: one that cannot be JSON fails the task.
    pub fn serialize_handler_output<T: serde::Serialize>(
        handler: &str,
        output: &T,
    ) -> Result<serde_json::Value, TaskError> {
        serde_json::to_value(output).map_err(|e| {
            TaskError::new(
                crate::names::TASK_FAILED,
                format!("the output of handler `{handler}` is not JSON: {e}"),
            )
        })
    }
}
