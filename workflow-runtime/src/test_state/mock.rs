//! TestState's `mock`: a result or an error that answers for the tested state's work, and
//! the checks AWS makes of it before the state runs.

use serde_json::Value;
use workflow_core::model::{State, StateKind};

use super::{TestOptions, TestStateError, shapes};
use crate::error::Failure;

/// What answers for the tested state's work (AWS's `MockInput`): a Task's service call, a
/// Parallel's branches, a Map's iterations.
#[derive(Debug, Clone, PartialEq)]
pub enum TestMock {
    /// The result: the service API's response for a Task (as it is: a `lambda:invoke`
    /// result is the Invoke API's `{StatusCode, Payload, ...}`), the array of the branch
    /// outputs for a Parallel, of the iteration outputs for a Map.
    Result {
        /// The mocked result.
        value: Value,
        /// How strictly a Task's result must fit the service API's output shape.
        validation: FieldValidationMode,
    },
    /// The error the work fails with (`errorOutput`).
    Error {
        /// The error name.
        error: String,
        /// The cause, if any.
        cause: Option<String>,
    },
}

/// How strictly a mocked Task result must fit the output shape of the API it stands for
/// (AWS's `MockResponseValidationMode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldValidationMode {
    /// Every required field present, every present field of the right type and range.
    #[default]
    Strict,
    /// Every present field of the right type and range.
    Present,
    /// No check.
    None,
}

impl FieldValidationMode {
    /// `STRICT`, `PRESENT` or `NONE`, as AWS spells them.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "STRICT" => Some(FieldValidationMode::Strict),
            "PRESENT" => Some(FieldValidationMode::Present),
            "NONE" => Some(FieldValidationMode::None),
            _ => None,
        }
    }
}

impl TestMock {
    /// A mock from TestState's `mock` member: `{"result": "<JSON text>",
    /// "fieldValidationMode": ...}` or `{"errorOutput": {"error": ..., "cause": ...}}`.
    pub fn from_aws(mock: &Value) -> Result<TestMock, TestStateError> {
        let invalid = |message: &str| Err(TestStateError::Invalid(message.to_owned()));
        let Value::Object(mock) = mock else {
            return invalid("The mock must be a JSON object.");
        };
        let result = mock.get("result").filter(|v| !v.is_null());
        let error = mock.get("errorOutput").filter(|v| !v.is_null());
        match (result, error) {
            (Some(_), Some(_)) => invalid(
                "A test mock should have only one of the following fields: [result, errorOutput].",
            ),
            (None, None) => invalid(
                "A test mock should have one of the following fields: [result, errorOutput].",
            ),
            (Some(result), None) => {
                let Some(text) = result.as_str() else {
                    return invalid("Mocked result must be a JSON string.");
                };
                let value = serde_json::from_str(text).map_err(|_| {
                    TestStateError::Invalid("Mocked result must be valid JSON".to_owned())
                })?;
                let validation = match mock.get("fieldValidationMode").and_then(Value::as_str) {
                    None => FieldValidationMode::default(),
                    Some(mode) => FieldValidationMode::parse(mode).ok_or_else(|| {
                        TestStateError::Invalid(format!(
                            "1 validation error detected: Value '{mode}' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"
                        ))
                    })?,
                };
                Ok(TestMock::Result { value, validation })
            }
            (None, Some(error)) => {
                let text = |k: &str| error.get(k).and_then(Value::as_str).map(str::to_owned);
                let Some(name) = text("error") else {
                    return invalid("A mocked errorOutput must have an error.");
                };
                Ok(TestMock::Error {
                    error: name,
                    cause: text("cause"),
                })
            }
        }
    }

    /// What the work the mock stands in for gives: the result, or the failure.
    pub(crate) fn outcome(&self) -> Result<Value, Failure> {
        match self {
            TestMock::Result { value, .. } => Ok(value.clone()),
            TestMock::Error { error, cause } => Err(Failure {
                error: Some(error.clone()),
                cause: cause.clone(),
            }),
        }
    }
}

/// AWS's checks of a request's mock and configuration against the state, before it runs,
/// in the order AWS makes them (the configuration before the state type).
pub(crate) fn check(state: &State, options: &TestOptions) -> Result<(), TestStateError> {
    let invalid = |message: String| Err(TestStateError::Invalid(message));
    let configuration = &options.configuration;
    let Some(mock) = &options.mock else {
        if configuration.map_iteration_failure_count.is_some() {
            return invalid(
                "TestState does not support MapIterationFailureCount when a mock is not specified."
                    .to_owned(),
            );
        }
        if options.context.is_some() {
            return invalid(
                "TestState does not support Context when a mock is not specified.".to_owned(),
            );
        }
        if matches!(state.kind, StateKind::Map(_) | StateKind::Parallel(_))
            && !options.run_unmocked_fan_out
        {
            return Err(TestStateError::NeedsMock);
        }
        return Ok(());
    };
    let type_name = state.kind.type_name();
    let value = match (&state.kind, mock) {
        (StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_), _) => match mock {
            TestMock::Result { value, .. } => value,
            TestMock::Error { .. } => return Ok(()),
        },
        _ => {
            return invalid(format!(
                "State type '{type_name}' is not supported when a mock is specified"
            ));
        }
    };
    match &state.kind {
        StateKind::Task(task) => {
            let TestMock::Result { validation, .. } = mock else {
                return Ok(());
            };
            shapes::validate(&task.resource, value, *validation)
                .or_else(|message| invalid(format!("Mock result schema validation error: {message}")))
        }
        StateKind::Parallel(parallel) => match value {
            Value::Array(items) if items.len() == parallel.branches.len() => Ok(()),
            Value::Array(_) => invalid(
                "Mocked result must contain the same number of items as number of Parallel branches."
                    .to_owned(),
            ),
            _ => invalid("Mocked result must be an array.".to_owned()),
        },
        // With a ResultWriter, a Map's result is the writer's description of what it wrote.
        StateKind::Map(map) if map.result_writer.is_some() => match value {
            Value::Object(_) => Ok(()),
            _ => invalid("Mocked result must be a JSON object.".to_owned()),
        },
        StateKind::Map(_) => match value {
            Value::Array(items) => {
                let failed = configuration.map_iteration_failure_count.unwrap_or(0);
                if failed > items.len() as u64 {
                    return invalid(
                        "Map iteration failure count must be less than or equal to the number of Map iterations"
                            .to_owned(),
                    );
                }
                Ok(())
            }
            _ => invalid("Mocked result must be an array.".to_owned()),
        },
        _ => Ok(()),
    }
}
