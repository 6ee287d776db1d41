//! The context object a TestState request gives (`context`): what `$$` may hold.

use serde_json::Value;
use workflow_core::model::{State, StateKind};

use super::TestStateError;

/// The fields of each part of the context object ("Context object", AWS docs), and the
/// JSON type each must have (`None`: any).
const FIELDS: &[(&str, &[Field])] = &[
    (
        "Execution",
        &[
            ("Id", Some(Kind::String)),
            ("Input", None),
            ("Name", Some(Kind::String)),
            ("RoleArn", Some(Kind::String)),
            ("StartTime", Some(Kind::String)),
            ("RedriveCount", Some(Kind::Integer)),
            ("RedriveTime", Some(Kind::String)),
        ],
    ),
    (
        "State",
        &[
            ("EnteredTime", Some(Kind::String)),
            ("Name", Some(Kind::String)),
            ("RetryCount", Some(Kind::Integer)),
        ],
    ),
    (
        "StateMachine",
        &[("Id", Some(Kind::String)), ("Name", Some(Kind::String))],
    ),
    ("Task", &[("Token", Some(Kind::String))]),
];

/// A field's name, and the JSON type its value must have (`None`: any).
type Field = (&'static str, Option<Kind>);

#[derive(Clone, Copy)]
enum Kind {
    String,
    Integer,
}

/// AWS's checks of a given context object: an object of the parts `$$` has, each with the
/// fields it has, of their types; `Task` only for a Task that hands out a task token or
/// waits for a job (an activity, `.sync`, `.waitForTaskToken`), the only ones whose `$$`
/// has it.
pub(crate) fn check(state: &State, context: &Value) -> Result<(), TestStateError> {
    let invalid = |detail: String| {
        Err(TestStateError::Invalid(format!(
            "Invalid Context object provided: {detail}"
        )))
    };
    let Value::Object(parts) = context else {
        return invalid("Context object must be a JSON object".to_owned());
    };
    for (part, value) in parts {
        // `$$.Map` is the running iteration's, which a tested state never is in.
        if part == "Map" {
            return invalid(
                "'Map' field is not supported when mocking a Context object".to_owned(),
            );
        }
        let Some((_, fields)) = FIELDS.iter().find(|(name, _)| name == part) else {
            return invalid(format!("Field '{part}' is not allowed"));
        };
        if part == "Task" && !waits(state) {
            return invalid(
                "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"
                    .to_owned(),
            );
        }
        let Value::Object(values) = value else {
            return invalid(format!("{part} must be an object"));
        };
        for (field, value) in values {
            let Some((_, kind)) = fields.iter().find(|(name, _)| name == field) else {
                return invalid(format!("Field '{field}' is not allowed"));
            };
            match kind {
                Some(Kind::String) if !value.is_string() => {
                    return invalid(format!("{part}.{field} must be a string"));
                }
                Some(Kind::Integer) if !(value.is_u64() || value.is_i64()) => {
                    return invalid(format!("{part}.{field} must be an integer"));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Whether the state is a Task whose `$$` has `Task.Token`: a callback or a job it waits
/// for.
fn waits(state: &State) -> bool {
    match &state.kind {
        StateKind::Task(task) => {
            task.resource.contains(":activity:")
                || task.resource.ends_with(".waitForTaskToken")
                || task.resource.ends_with(".sync")
                || task.resource.contains(".sync:")
        }
        _ => false,
    }
}
