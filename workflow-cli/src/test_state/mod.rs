//! `workflow test-state FILE STATE --input JSON`: runs one state, like AWS's TestState API,
//! and prints TestState's response on standard output:
//!
//! ```json
//! {
//!   "output": "{\"user\":\"ada\",\"sent\":true}",
//!   "inspectionData": { "input": "...", "afterInputPath": "...", "afterParameters": "...",
//!                       "result": "...", "afterResultSelector": "...", "afterResultPath": "..." },
//!   "nextState": "Wait1",
//!   "status": "SUCCEEDED"
//! }
//! ```
//!
//! As in AWS's response, `output` and the inspection data are JSON texts. `error` and
//! `cause` appear when the state failed; `nextState` when it moves on; `inspectionData`
//! with `--inspection-level DEBUG`. `status` is `SUCCEEDED`, `FAILED`, `RETRIABLE` (a
//! retrier matched the error: like TestState, the retry is not made) or `CAUGHT_ERROR` (a
//! catcher took the error; `output` is what it passes on, `nextState` where it goes).
//!
//! The state runs on the runtime itself: it is put alone in a state machine, with a
//! `Succeed` stub for each state it can go to, and run on the virtual clock (a Wait takes
//! no time). A Task calls the handler of the mocks file (`--mocks`), or the one response of
//! `--mock`, which takes TestState's `mock` shape (`{"result": "<JSON text>"}` or
//! `{"errorOutput": {"error": "...", "cause": "..."}}`) or a mocks-file response.
//!
//! Exit codes: 0 when the state succeeded or caught its error, 1 when it failed or would be
//! retried, 2 when the inputs cannot be used.

mod inspect;
mod probe;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Map, Value};
use workflow_core::suggest::did_you_mean;
use workflow_runtime::{Clock, SystemClock};

use crate::mocks::{self, Mocks};
use crate::run::{current_thread, parse_start_time, unusable};
use crate::source::{self, InputError};
use crate::validate::{self, Color};
use inspect::TestStatus;
use probe::Gate;

/// Arguments of `workflow test-state`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// An ASL definition (JSON or YAML) or a CloudFormation/SAM template.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The state to run, by name (in a Parallel branch or a Map too).
    #[arg(value_name = "STATE")]
    pub state: String,
    /// The state input: JSON, `@file`, or `@-` for standard input.
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    pub input: String,
    /// What the Task answers: `{"result": "<JSON text>"}`, `{"errorOutput": {"error": ...,
    /// "cause": ...}}`, or a mocks-file response (`{"Return": ...}`, `{"Throw": ...}`).
    #[arg(long, value_name = "JSON|@FILE")]
    pub mock: Option<String>,
    /// A mocks file, as `workflow run` takes.
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<PathBuf>,
    /// `INFO` (the result) or `DEBUG` (also the input and output processing steps).
    #[arg(long, value_enum, default_value_t = InspectionLevel::Info, ignore_case = true)]
    pub inspection_level: InspectionLevel,
    /// The state machine, by logical id, when a template has several.
    #[arg(long, value_name = "LOGICAL_ID")]
    pub state_machine: Option<String>,
    /// Where the virtual clock starts (`$$` times), such as 2024-01-01T00:00:00Z.
    #[arg(long, value_name = "TIMESTAMP")]
    pub start_time: Option<String>,
    /// Colour diagnostics of an invalid definition: auto, always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// TestState's `inspectionLevel`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectionLevel {
    /// The output, error, next state and status.
    #[value(name = "INFO")]
    Info,
    /// Also the input and output processing steps.
    #[value(name = "DEBUG")]
    Debug,
}

/// Runs `workflow test-state`.
pub fn main(args: Args) -> ExitCode {
    match test(&args) {
        Ok((response, status)) => {
            match serde_json::to_string_pretty(&response) {
                Ok(text) => println!("{text}"),
                Err(e) => return unusable(InputError(format!("cannot print the response: {e}"))),
            }
            ExitCode::from(match status {
                TestStatus::Succeeded | TestStatus::CaughtError => 0,
                TestStatus::Failed | TestStatus::Retriable => 1,
            })
        }
        Err(e) => unusable(e),
    }
}

fn test(args: &Args) -> Result<(Value, TestStatus), InputError> {
    let definition = source::select(
        source::load(&args.file)?,
        &args.file,
        args.state_machine.as_deref(),
    )?;
    definition.check_size()?;
    if let Err(invalid) = definition.check() {
        validate::report(&definition, &invalid, args.color.style());
        return Err(InputError(format!(
            "`{}` cannot be tested until it is valid",
            definition.origin
        )));
    }
    let document = definition.json().unwrap_or(Value::Null);
    let found = find_state(&document, &args.state)?;
    let input = source::json_argument("--input", &args.input)?;
    let mut mocks = match &args.mocks {
        Some(path) => Mocks::load(path)?,
        None => Mocks::new(),
    };
    let one_mock = match &args.mock {
        Some(text) => Some(
            mocks::test_state_mock(&source::json_argument("--mock", text)?)
                .map_err(|e| InputError(format!("--mock: {e}")))?,
        ),
        None => None,
    };
    let start = args
        .start_time
        .as_deref()
        .map(parse_start_time)
        .transpose()?;
    let runtime =
        current_thread(true).map_err(|e| InputError(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let start = start.unwrap_or_else(|| SystemClock.now());
        let machine_json = probe::machine_around(&args.state, found.state, found.query_language);
        let machine = workflow_core::check(&machine_json)
            .map_err(|e| InputError(format!("state `{}` cannot run alone: {e}", args.state)))?;
        if let Some(response) = one_mock {
            for resource in resources_called(&args.state, found.state, &input, start).await {
                mocks.insert(resource, vec![response.clone()]);
            }
        }
        let state_type = found
            .state
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let gate = Gate::default();
        // Only a Task's calls are its attempts; a Parallel or Map calls handlers many times.
        let resources = if state_type == "Task" {
            mocks.resources_with(|h| gate.wrap(h))
        } else {
            mocks.resources()
        };
        let run = probe::run_first_state(Arc::new(machine), input.clone(), resources, start)
            .await
            .map_err(InputError)?;
        let verdict = inspect::verdict(&run, &args.state, state_type);
        let mut response = Map::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                response.insert(key.to_owned(), Value::String(value));
            }
        };
        put("output", verdict.output.clone());
        put("error", verdict.error.clone());
        put("cause", verdict.cause.clone());
        if args.inspection_level == InspectionLevel::Debug {
            let data =
                inspect::inspection_data(&run, &args.state, found.state, &input, &verdict, start)
                    .await;
            response.insert("inspectionData".to_owned(), Value::Object(data));
        }
        if let Some(next) = &verdict.next_state {
            response.insert("nextState".to_owned(), Value::String(next.clone()));
        }
        response.insert(
            "status".to_owned(),
            Value::String(verdict.status.as_str().to_owned()),
        );
        Ok((Value::Object(response), verdict.status))
    })
}

/// A state found in a definition, with the query language of its scope.
#[derive(Debug)]
struct Found<'a> {
    state: &'a Value,
    query_language: Option<&'a Value>,
}

/// The state named `name`: at the top level, or in a Parallel branch or a Map's item
/// processor (the first found, depth first).
fn find_state<'a>(document: &'a Value, name: &str) -> Result<Found<'a>, InputError> {
    let mut names = Vec::new();
    if let Some(found) = search(document, name, document.get("QueryLanguage"), &mut names) {
        return Ok(found);
    }
    let hint = did_you_mean(name, names.iter().map(String::as_str))
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(InputError(format!("there is no state `{name}`{hint}")))
}

fn search<'a>(
    machine: &'a Value,
    name: &str,
    inherited: Option<&'a Value>,
    names: &mut Vec<String>,
) -> Option<Found<'a>> {
    let query_language = machine.get("QueryLanguage").or(inherited);
    let states = machine.get("States").and_then(Value::as_object)?;
    if let Some(state) = states.get(name) {
        return Some(Found {
            state,
            query_language,
        });
    }
    names.extend(states.keys().cloned());
    states.values().find_map(|state| {
        let branches = state.get("Branches").and_then(Value::as_array);
        let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
        branches
            .into_iter()
            .flatten()
            .chain(processor)
            .find_map(|child| search(child, name, query_language, names))
    })
}

/// The resources a Task state calls: its `Resource`, and for `lambda:invoke` the function
/// its `Parameters` name (computed, since `FunctionName.$` may read the input).
async fn resources_called(
    name: &str,
    state: &Value,
    input: &Value,
    start: workflow_core::timestamp::Timestamp,
) -> Vec<String> {
    let Some(resource) = state.get("Resource").and_then(Value::as_str) else {
        return Vec::new();
    };
    let mut called = vec![resource.to_owned()];
    if resource.starts_with("arn:aws:states:::lambda:invoke") {
        let mut pass = Map::new();
        pass.insert("Type".to_owned(), Value::from("Pass"));
        for field in ["InputPath", "Parameters"] {
            if let Some(value) = state.get(field) {
                pass.insert(field.to_owned(), value.clone());
            }
        }
        pass.insert("End".to_owned(), Value::Bool(true));
        let parameters = probe::pass_output(name, Value::Object(pass), input.clone(), start).await;
        if let Some(function) = parameters
            .as_ref()
            .and_then(|p| p.get("FunctionName"))
            .and_then(Value::as_str)
        {
            called.push(function.to_owned());
        }
    }
    called
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_are_found_in_nested_scopes_with_their_query_language() {
        let document = json!({
            "QueryLanguage": "JSONPath",
            "StartAt": "P",
            "States": {
                "P": { "Type": "Parallel", "Branches": [
                    { "StartAt": "Inner", "QueryLanguage": "JSONata", "States": { "Inner": { "Type": "Succeed" } } }
                ], "End": true }
            }
        });
        let found = find_state(&document, "Inner").unwrap();
        assert_eq!(found.state, &json!({ "Type": "Succeed" }));
        assert_eq!(found.query_language, Some(&json!("JSONata")));
        let err = find_state(&document, "Innr").unwrap_err();
        assert!(err.0.contains("did you mean `Inner`?"), "{err}");
    }
}
