//! What the states that produce a result (Task, Parallel, Map) make of it.

use serde_json::Value;
use workflow_core::model::{Common, Nullable};

use crate::data_flow::{Assigned, Scope, States};
use crate::error::Failure;
use crate::executor::StateRun;

/// The result fields of a Task, Parallel or Map state.
pub(crate) struct ResultFields<'a> {
    pub common: &'a Common,
    pub result_selector: &'a Option<Value>,
    pub result_path: &'a Option<Nullable<String>>,
}

/// From a state's raw `input` and its `result` to its output and assignments: in JSONata,
/// `Assign` and `Output` over `$states.result`; in JSONPath, `ResultSelector` -> `Assign`
/// (which sees the selected result) -> `ResultPath` (into the raw input) -> `OutputPath`.
pub(crate) fn process_result(
    scope: &Scope<'_>,
    run: &StateRun<'_>,
    fields: ResultFields<'_>,
    input: &Value,
    result: Value,
) -> Result<(Value, Assigned), Failure> {
    run.inspect(|i| i.result = Some(result.clone()));
    if run.jsonata {
        let states = States::result(input, &result);
        let assigned = scope.assign_with(&fields.common.assign, &result, states)?;
        let output = scope.output(&fields.common.output, &result, states)?;
        return Ok((output, assigned));
    }
    let selected = match fields.result_selector {
        Some(template) => scope.template(template, &result)?,
        None => result,
    };
    run.inspect(|i| i.after_result_selector = Some(selected.clone()));
    let assigned = scope.assign(&fields.common.assign, &selected)?;
    let output = match fields.result_path {
        // `$`, the default: the result replaces the raw input, which need not be copied.
        None => selected,
        path => scope.merge(path, input.clone(), selected)?,
    };
    run.inspect(|i| i.after_result_path = Some(output.clone()));
    let output = scope.select(&fields.common.output_path, output)?;
    Ok((output, assigned))
}
