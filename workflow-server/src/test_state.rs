//! TestState: one state, run once by the runtime's [`workflow_runtime::Executor::test_state`].
//!
//! The definition is a whole machine (with `stateName`, else its `StartAt`) or a single
//! state; a single state is placed in a machine of its own, its transition targets stubbed
//! with Succeed states so that the machine validates and `nextState` names them.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use workflow_runtime::asl::{MachineType, StateMachine};
use workflow_runtime::{Handler, Mock, TaskError, TestStateError};

use crate::Service;
use crate::protocol::{ApiError, Request};
use crate::validate;

/// The name a single tested state gets inside its machine.
const SINGLE: &str = "TestState";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("ValidationException", message)
}

/// The states a single state can move to.
fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |v: &Value| {
        if let Some(name) = v.as_str() {
            names.push(name.to_owned());
        }
    };
    for key in ["Next", "Default"] {
        if let Some(v) = state.get(key) {
            add(v);
        }
    }
    for list in ["Choices", "Catch"] {
        for item in state
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(v) = item.get("Next") {
                add(v);
            }
        }
    }
    names
}

/// The machine to test, and the name of the state in it.
fn machine(document: Map<String, Value>, state_name: Option<&str>) -> (Value, String) {
    if document.contains_key("States") {
        let name = state_name
            .map(str::to_owned)
            .or_else(|| {
                document
                    .get("StartAt")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        return (Value::Object(document), name);
    }
    let mut states = Map::new();
    for target in targets(&document) {
        if target != SINGLE {
            states.insert(target, json!({ "Type": "Succeed" }));
        }
    }
    states.insert(SINGLE.to_owned(), Value::Object(document));
    (
        json!({ "StartAt": SINGLE, "States": states }),
        SINGLE.to_owned(),
    )
}

/// The tested state's definition, wherever it is nested.
fn find_state<'d>(machine: &'d Value, name: &str) -> Option<&'d Map<String, Value>> {
    let states = machine.get("States")?.as_object()?;
    if let Some(state) = states.get(name).and_then(Value::as_object) {
        return Some(state);
    }
    states.values().find_map(|state| {
        let nested = ["ItemProcessor", "Iterator"]
            .iter()
            .filter_map(|k| state.get(*k))
            .chain(
                state
                    .get("Branches")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        nested.into_iter().find_map(|m| find_state(m, name))
    })
}

fn mock(given: &Map<String, Value>) -> Result<Arc<dyn Handler>, ApiError> {
    let result = given.get("result").filter(|v| !v.is_null());
    let error = given.get("errorOutput").filter(|v| !v.is_null());
    match (result, error) {
        (Some(_), Some(_)) => Err(invalid(
            "A test mock should have only one of the following fields: [result, errorOutput].",
        )),
        (Some(result), None) => {
            let text = result.as_str().unwrap_or_default();
            let value = serde_json::from_str(text)
                .map_err(|e| invalid(format!("Mocked result must be valid JSON: {e}")))?;
            Ok(Arc::new(Mock::new().returns(value)))
        }
        (None, Some(error)) => {
            let text = |k: &str| {
                error
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Ok(Arc::new(
                Mock::new().fail(TaskError::new(text("error"), text("cause"))),
            ))
        }
        (None, None) => Err(invalid(
            "A test mock should have one of the following fields: [result, errorOutput].",
        )),
    }
}

pub async fn operation(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let text = request.str("definition")?;
    let inspection = match request.str_opt("inspectionLevel")? {
        None | Some("INFO") => false,
        Some("DEBUG") | Some("TRACE") => true,
        Some(other) => {
            return Err(ApiError::constraint(
                "inspectionLevel",
                other,
                "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
            ));
        }
    };
    let input_text = request.str_opt("input")?.unwrap_or("{}");
    let input: Value =
        serde_json::from_str(input_text).map_err(|e| invalid(format!("Invalid input: {e}")))?;
    let document = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(document)) => document,
        _ => {
            // Not an object: the validator says why, in AWS's words.
            validate::require_valid(text, MachineType::Standard)?;
            return Err(invalid("The definition must be a JSON object"));
        }
    };
    let (machine_json, name) = machine(document, request.str_opt("stateName")?);
    let Some(state) = find_state(&machine_json, &name) else {
        return Err(invalid("State not found in definition"));
    };
    let state_type = state
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let given_mock = request.object_opt("mock")?;
    if let Some(given) = given_mock {
        if ["Pass", "Fail", "Succeed", "Choice", "Wait"].contains(&state_type) {
            return Err(invalid(format!(
                "State type '{state_type}' is not supported when a mock is specified"
            )));
        }
        if request.bool_opt("revealSecrets")? == Some(true) {
            return Err(invalid(
                "TestState does not support RevealSecrets when a mock is specified.",
            ));
        }
        mock(given)?;
    } else {
        if ["Map", "Parallel"].contains(&state_type) {
            return Err(ApiError::new(
                "InvalidDefinition",
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
            ));
        }
        if state_type == "Task" && request.str_opt("roleArn")?.is_none() {
            return Err(invalid(
                "RoleArn must be specified when testing a Task state",
            ));
        }
    }
    let machine_text = machine_json.to_string();
    validate::require_valid(&machine_text, MachineType::Standard)?;
    let parsed = StateMachine::from_json_str(&machine_text)
        .map_err(|e| ApiError::new("InvalidDefinition", e.to_string()))?;
    // The system clock: a virtual one would need tokio's paused time, which a server cannot
    // pause, and a clock whose sleeps end at once would time every Task out.
    let executor = service.durable.executor().clone();
    let tested = match given_mock {
        Some(given) => {
            executor
                .test_state_with_mock(Arc::new(parsed), &name, input, mock(given)?)
                .await
        }
        None => executor.test_state(Arc::new(parsed), &name, input).await,
    };
    match tested {
        Ok(output) => Ok(output.to_response(inspection)),
        Err(TestStateError::UnknownState { .. }) => Err(invalid("State not found in definition")),
        Err(e) => Err(invalid(e.to_string())),
    }
}
