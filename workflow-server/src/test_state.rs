//! TestState: one state, run once by the runtime's [`workflow_runtime::Executor::test_state_with`].
//!
//! The request's members become the runtime's [`workflow_runtime::TestOptions`]; the runtime
//! checks the mock, context and configuration against the state and AWS's errors come back.
//!
//! The definition is a whole machine (with `stateName`, else its `StartAt`) or a single
//! state; a single state is placed in a machine of its own, its transition targets stubbed
//! with Succeed states so that the machine validates and `nextState` names them.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use workflow_runtime::asl::{MachineType, StateMachine};
use workflow_runtime::{
    InspectionLevel, TESTED_STATE_NAME, TestConfiguration, TestMock, TestOptions, TestStateError,
};

use crate::Service;
use crate::protocol::{ApiError, Request};
use crate::validate;

/// The name a single tested state gets inside its machine.
/// (AWS's name for it: its definition errors point at `/States/StateName`.)
const SINGLE: &str = TESTED_STATE_NAME;

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

/// A member that holds JSON text (`input`, `context`, `variables`), parsed.
fn json_member(request: &Request, member: &str, what: &str) -> Result<Option<Value>, ApiError> {
    request
        .str_opt(member)?
        .map(|text| serde_json::from_str(text).map_err(|e| invalid(format!("Invalid {what}: {e}"))))
        .transpose()
}

pub async fn operation(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let text = request.str("definition")?;
    // AWS's constraints on the members come before anything else is looked at.
    let state_name = request.str_len("stateName", 80)?;
    if state_name == Some("") {
        return Err(ApiError::constraint(
            "stateName",
            "",
            "Member must have length greater than or equal to 1",
        ));
    }
    let level = match request.str_opt("inspectionLevel")? {
        None => InspectionLevel::Info,
        Some(given) => InspectionLevel::parse(given).ok_or_else(|| {
            ApiError::constraint(
                "inspectionLevel",
                given,
                "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
            )
        })?,
    };
    let input = json_member(request, "input", "input")?.unwrap_or_else(|| json!({}));
    let document = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(document)) => document,
        _ => {
            // Not an object: the validator says why, in AWS's words.
            validate::require_valid(text, MachineType::Standard)?;
            return Err(invalid("The definition must be a JSON object"));
        }
    };
    let (machine_json, name) = machine(document, state_name);
    let Some(state) = find_state(&machine_json, &name) else {
        return Err(invalid("State not found in definition"));
    };
    let state_type = state
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut options = TestOptions::default();
    if let Some(given) = request.object_opt("stateConfiguration")? {
        options.configuration =
            TestConfiguration::from_aws(&Value::Object(given.clone())).map_err(refused)?;
    }
    match request.object_opt("mock")? {
        Some(given) => {
            // A state type that takes no mock is refused for that first (by the runtime).
            if request.bool_opt("revealSecrets")? == Some(true)
                && !["Pass", "Fail", "Succeed", "Choice", "Wait"].contains(&state_type)
            {
                return Err(invalid(
                    "TestState does not support RevealSecrets when a mock is specified.",
                ));
            }
            options.mock =
                Some(TestMock::from_aws(&Value::Object(given.clone())).map_err(refused)?);
        }
        None => {
            if state_type == "Task" && request.str_opt("roleArn")?.is_none() {
                return Err(invalid(
                    "RoleArn must be specified when testing a Task state",
                ));
            }
        }
    }
    options.context = json_member(request, "context", "context")?;
    if let Some(variables) = json_member(request, "variables", "variables")? {
        let Value::Object(variables) = variables else {
            return Err(invalid("Variables must be a JSON object"));
        };
        options.variables = variables;
    }
    options.role_arn = request.str_opt("roleArn")?.map(str::to_owned);
    let machine_text = machine_json.to_string();
    validate::require_valid(&machine_text, MachineType::Standard)?;
    let parsed = StateMachine::from_json_str(&machine_text)
        .map_err(|e| ApiError::new("InvalidDefinition", e.to_string()))?;
    // The system clock: a virtual one would need tokio's paused time, which a server cannot
    // pause, and a clock whose sleeps end at once would time every Task out.
    let executor = service.durable.executor().clone();
    let tested = executor
        .test_state_with(Arc::new(parsed), &name, input, options)
        .await
        .map_err(refused)?;
    Ok(tested.to_response(level))
}

/// A test the runtime refused, as AWS's error.
fn refused(error: TestStateError) -> ApiError {
    match error {
        TestStateError::UnknownState { .. } => invalid("State not found in definition"),
        TestStateError::NeedsMock => ApiError::new("InvalidDefinition", error.to_string()),
        TestStateError::Invalid(message) => invalid(message),
        other => invalid(other.to_string()),
    }
}
