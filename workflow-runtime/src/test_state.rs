//! AWS's TestState API: one state, run once, through the interpreter executions use.
//!
//! [`Executor::test_state`] finds the state (at the top level, or in a Parallel branch or a
//! Map item processor) and runs it through `Interpreter::run_state`, as an execution would
//! run it, with a [`TestRun`] that changes two things, and only for that state (the states
//! nested in a tested Parallel or Map run as in any execution):
//!
//! - the state records its inspection data as it processes its input and output: each state
//!   file calls `run.inspect(|i| i.after_input_path = Some(..))` right after the step, so
//!   the data is what the processing computed, not a second computation of it;
//! - no retry is made: when a retrier takes the error, the run stops there and the status
//!   is `RETRIABLE`; a catcher that takes it gives `CAUGHT_ERROR`, with the catcher's output
//!   and `Next`.
//!
//! The recorder is a `std::sync::Mutex`, locked for one assignment at a time and never
//! across an `.await`, as the interpreter's history is.

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use workflow_core::StateMachine;
use workflow_core::model::{QueryLanguage, State, StateKind};
use workflow_core::suggest::did_you_mean;

use crate::error::Failure;
use crate::executor::{Entry, Executor, Exit, Flow, Interpreter, StateRun, lock};
use crate::handlers::Handler;
use crate::io::{Variables, compact};
use crate::limits;

/// What TestState answers: how the state ended, its output or error, where it goes next,
/// and the data at each step of its input and output processing.
///
/// Serializes as AWS's `TestState` response does: `output` and the inspection data are JSON
/// texts, and absent fields are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestStateOutput {
    /// The state's output: when it succeeded, or the catcher's output when one took its
    /// error.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub output: Option<Value>,
    /// The error name, when the state failed (also when a catcher or a retrier took it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The cause, when the state failed and has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The input, and what each processing step made of it.
    pub inspection_data: InspectionData,
    /// The state the execution would go to: the state's `Next`, the Choice rule's (or
    /// `Default`), or the catcher's. `None` for an end, and when the state failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_state: Option<String>,
    /// How the state ended.
    pub status: TestStatus,
}

/// How a tested state ended (AWS's `TestExecutionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TestStatus {
    /// The state finished and moved on (or ended).
    Succeeded,
    /// The state failed, and neither a retrier nor a catcher takes the error.
    Failed,
    /// The state failed and a retrier takes the error: an execution would try again (the
    /// retry is not made).
    Retriable,
    /// The state failed and a catcher took the error: the output is the catcher's, and the
    /// next state its `Next`.
    CaughtError,
}

impl TestStatus {
    /// As AWS spells it: `SUCCEEDED`, `FAILED`, `RETRIABLE`, `CAUGHT_ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// The data of each step of a tested state's input and output processing (AWS's
/// `InspectionData`), in processing order. A step the state has not reached (it failed
/// before), or does not have (a Choice has no `result`), is `None`.
///
/// The JSONPath steps (`after_input_path` to `after_result_path`, and Map's
/// `after_items_path`) are left out for a JSONata state, as AWS leaves them out; this
/// runtime has no JSONata evaluator, so there is no `afterArguments` either.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InspectionData {
    /// The raw state input.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub input: Option<Value>,
    /// The effective input after `InputPath`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_input_path: Option<Value>,
    /// The effective input after `Parameters` (Pass, Task, Parallel): for a Task, what the
    /// handler is called with.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_parameters: Option<Value>,
    /// Map: the items, after `ItemsPath`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_items_path: Option<Value>,
    /// Map: the input of each iteration, after `ItemSelector` (or the legacy `Parameters`),
    /// when the state has one.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_item_selector: Option<Value>,
    /// The state's raw result: a Pass's `Result` (or its effective input), a Task handler's
    /// result as the state receives it (for `lambda:invoke`, AWS's envelope around the
    /// function's payload), the array of a Parallel's branch outputs or of a Map's
    /// iteration outputs.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub result: Option<Value>,
    /// The result after `ResultSelector` (Task, Parallel, Map).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_result_selector: Option<Value>,
    /// The result placed in the raw input by `ResultPath`: the state's, or the catcher's
    /// when one took the error.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_result_path: Option<Value>,
    /// The variables after the state, as an object by name, when it assigned any (the
    /// test starts with no variables, so these are the ones its `Assign` set).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub variables: Option<Value>,
}

/// Why a state could not be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestStateError {
    /// No state of the machine (nested ones included) has this name.
    #[error("there is no state `{name}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownState {
        /// The name asked for.
        name: String,
        /// The closest state name, when one is close enough to be a likely misspelling.
        suggestion: Option<String>,
    },
    /// The input is larger than AWS accepts.
    #[error("the state input is {0} bytes; AWS accepts at most {max}", max = limits::MAX_PAYLOAD_BYTES)]
    InputTooLarge(usize),
}

impl Executor {
    /// Runs the state named `state` of `machine` once on `input`, as AWS's TestState API
    /// does, and reports how it ended (see [`TestStateOutput`]).
    ///
    /// The state may be at the top level or nested in a Parallel branch or a Map item
    /// processor (the first found: the top level, then depth first). It runs through the
    /// interpreter executions use, on this executor's handlers, clock (a Wait waits on it:
    /// with a [`crate::VirtualClock`] it takes no time) and names, starting with no
    /// variables; `$$.Execution.Input` is `input`, and the state is entered at event #2, as
    /// an execution's first state is (`States.Runtime` causes quote it). No retry is made: a
    /// failure a retrier takes is [`TestStatus::Retriable`]. The states nested in a tested
    /// Parallel or Map run as they would in an execution, retries included.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use serde_json::json;
    /// # use workflow_runtime::{Executor, Resources, TestStatus, asl::StateMachine};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let machine = StateMachine::from_json_str(r#"{"StartAt": "Greet", "States": {
    ///     "Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.name"}, "End": true}}}"#)
    ///     .expect("valid");
    /// let tested = Executor::new(Resources::new())
    ///     .test_state(Arc::new(machine), "Greet", json!({ "name": "ada" }))
    ///     .await
    ///     .expect("the state exists");
    /// assert_eq!(tested.status, TestStatus::Succeeded);
    /// assert_eq!(tested.output, Some(json!({ "hello": "ada" })));
    /// assert_eq!(tested.inspection_data.after_parameters, tested.output);
    /// # });
    /// ```
    pub async fn test_state(
        &self,
        machine: Arc<StateMachine>,
        state: &str,
        input: Value,
    ) -> Result<TestStateOutput, TestStateError> {
        self.test(&machine, state, input, None).await
    }

    /// [`Executor::test_state`], with the tested Task answered by `mock` instead of the
    /// handler its resource names (TestState's `mock`). For `lambda:invoke`, the mock is the
    /// function: it gets the `Payload` and its result is wrapped in AWS's envelope, as a
    /// registered handler's would be. Other states ignore the mock.
    pub async fn test_state_with_mock(
        &self,
        machine: Arc<StateMachine>,
        state: &str,
        input: Value,
        mock: Arc<dyn Handler>,
    ) -> Result<TestStateOutput, TestStateError> {
        self.test(&machine, state, input, Some(mock)).await
    }

    async fn test(
        &self,
        machine: &StateMachine,
        name: &str,
        input: Value,
        mock: Option<Arc<dyn Handler>>,
    ) -> Result<TestStateOutput, TestStateError> {
        let (state, language) = locate(machine, name)?;
        let size = limits::payload_size(&input);
        if size > limits::MAX_PAYLOAD_BYTES {
            return Err(TestStateError::InputTooLarge(size));
        }
        let (started, history) = self.started(&input);
        let interpreter = Interpreter::new(self, &input, started, history, self.rng());
        let test = TestRun {
            recorded: Mutex::default(),
            mock,
        };
        let variables = Variables::default();
        let result = interpreter
            .run_state_to_end(
                state,
                input.clone(),
                &variables,
                language,
                Entry::Test(&test),
            )
            .await;
        let Recorded {
            mut inspection_data,
            handled,
        } = test
            .recorded
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if state.kind.common().query_language.unwrap_or(language) == QueryLanguage::Jsonata {
            inspection_data.without_jsonpath_steps();
        }
        let (status, output, next_state, failure) = match result {
            Ok((flow, assigned)) => {
                if !assigned.is_empty() {
                    inspection_data.variables = Some(assigned.to_value());
                }
                let (next, output) = match flow {
                    Flow::Next(next, output) => (Some(next), output),
                    Flow::End(output) | Flow::Sleep(_, Exit { output, .. }) => (None, output),
                    // TestState makes no retry: it never pauses for one.
                    Flow::Retry(_) => (None, Value::Null),
                };
                match handled {
                    Some(Handled::Caught(failure)) => {
                        (TestStatus::CaughtError, Some(output), next, Some(failure))
                    }
                    _ => (TestStatus::Succeeded, Some(output), next, None),
                }
            }
            Err(failure) => {
                let status = match handled {
                    Some(Handled::Retriable) => TestStatus::Retriable,
                    _ => TestStatus::Failed,
                };
                (status, None, None, Some(failure))
            }
        };
        // AWS reports an empty cause (a timeout's) as none, as an execution's outcome does.
        let (error, cause) = failure.map_or((None, None), |f| {
            (f.error, f.cause.filter(|c| !c.is_empty()))
        });
        Ok(TestStateOutput {
            output,
            error,
            cause,
            inspection_data,
            next_state,
            status,
        })
    }
}

impl InspectionData {
    /// Drops the steps AWS shows for JSONPath states only.
    fn without_jsonpath_steps(&mut self) {
        self.after_input_path = None;
        self.after_parameters = None;
        self.after_items_path = None;
        self.after_result_selector = None;
        self.after_result_path = None;
    }
}

/// The state named `name`, with the default query language of the machine it is in.
fn locate<'m>(
    machine: &'m StateMachine,
    name: &str,
) -> Result<(&'m State, QueryLanguage), TestStateError> {
    let language = machine.query_language.unwrap_or(QueryLanguage::JsonPath);
    if let Some(found) = search(machine, name, language) {
        return Ok(found);
    }
    let mut names = Vec::new();
    collect_names(machine, &mut names);
    Err(TestStateError::UnknownState {
        name: name.to_owned(),
        suggestion: did_you_mean(name, names).map(str::to_owned),
    })
}

/// `name` in `machine` (whose states default to `language`), else in the machines nested in
/// its states, depth first; each inherits the default of the machine it is nested in, as
/// `Interpreter::run_machine` runs it.
fn search<'m>(
    machine: &'m StateMachine,
    name: &str,
    language: QueryLanguage,
) -> Option<(&'m State, QueryLanguage)> {
    if let Some(state) = machine.state(name) {
        return Some((state, language));
    }
    machine.states.iter().find_map(|state| {
        nested(state)
            .iter()
            .find_map(|inner| search(inner, name, inner.query_language.unwrap_or(language)))
    })
}

/// Every state name of `machine` and of the machines nested in it.
fn collect_names<'m>(machine: &'m StateMachine, names: &mut Vec<&'m str>) {
    for state in &machine.states {
        names.push(&state.name);
        for inner in nested(state) {
            collect_names(inner, names);
        }
    }
}

/// The machines a state runs: a Parallel's branches, a Map's item processor.
fn nested(state: &State) -> &[StateMachine] {
    match &state.kind {
        StateKind::Parallel(parallel) => &parallel.branches,
        StateKind::Map(map) => std::slice::from_ref(&map.item_processor.machine),
        _ => &[],
    }
}

/// The run of the state [`Executor::test_state`] tests: what it records, and the mock that
/// answers its Task.
pub(crate) struct TestRun {
    recorded: Mutex<Recorded>,
    mock: Option<Arc<dyn Handler>>,
}

/// What the tested state recorded as it ran.
#[derive(Default)]
struct Recorded {
    inspection_data: InspectionData,
    handled: Option<Handled>,
}

/// Which of `Retry` and `Catch` took the state's error.
enum Handled {
    /// A retrier: the run stopped instead of retrying.
    Retriable,
    /// A catcher, which took this failure.
    Caught(Failure),
}

/// What the state files call while they run; each does nothing outside a TestState run.
impl StateRun<'_> {
    /// Records one step of the tested state's processing. `record` runs only in a TestState
    /// run, so the values it clones are not cloned otherwise.
    pub fn inspect(&self, record: impl FnOnce(&mut InspectionData)) {
        if let Some(test) = self.test {
            record(&mut lock(&test.recorded).inspection_data);
        }
    }

    /// Whether this is the state a TestState run tests: it makes one attempt, no retry.
    pub fn is_tested(&self) -> bool {
        self.test.is_some()
    }

    /// The handler that answers the tested Task instead of the one its resource names.
    pub fn mock(&self) -> Option<Arc<dyn Handler>> {
        self.test.and_then(|test| test.mock.clone())
    }

    /// Records that a retrier took the tested state's error.
    pub fn retriable(&self) {
        if let Some(test) = self.test {
            lock(&test.recorded).handled = Some(Handled::Retriable);
        }
    }

    /// Records that a catcher took `failure`.
    pub fn caught(&self, failure: &Failure) {
        if let Some(test) = self.test {
            lock(&test.recorded).handled = Some(Handled::Caught(failure.clone()));
        }
    }
}

/// An optional JSON value as AWS's TestState response shows it: compact JSON text.
fn json_text<S: Serializer>(value: &Option<Value>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_str(&compact(value)),
        None => serializer.serialize_none(),
    }
}

impl TestStateOutput {
    /// The response as AWS's TestState API returns it, `inspectionData` included only when
    /// `inspection_data` is set (the `DEBUG` inspection level).
    pub fn to_response(&self, inspection_data: bool) -> Value {
        let mut response = serde_json::to_value(self).unwrap_or_else(|_| json!({}));
        if !inspection_data && let Some(fields) = response.as_object_mut() {
            fields.shift_remove("inspectionData");
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Mock, Resources, TaskError, VirtualClock};

    const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:send";

    fn machine(definition: Value) -> Arc<StateMachine> {
        Arc::new(StateMachine::from_json_str(&definition.to_string()).expect("valid"))
    }

    fn executor(resources: Resources) -> Executor {
        let start =
            workflow_core::timestamp::Timestamp::parse("2024-01-01T00:00:00Z").expect("timestamp");
        Executor::new(resources)
            .with_clock(VirtualClock::new(start))
            .with_seed(0)
    }

    async fn test(
        resources: Resources,
        definition: Value,
        state: &str,
        input: Value,
    ) -> TestStateOutput {
        executor(resources)
            .test_state(machine(definition), state, input)
            .await
            .expect("the state exists")
    }

    fn task(extra: Value) -> Value {
        let mut task = json!({ "Type": "Task", "Resource": LAMBDA, "Next": "After" });
        if let (Some(task), Some(extra)) = (task.as_object_mut(), extra.as_object()) {
            task.extend(extra.clone());
        }
        let mut definition = json!({ "StartAt": "T", "States": {
            "T": task, "After": { "Type": "Succeed" }
        } });
        if extra.get("Catch").is_some() {
            definition["States"]["Recover"] = json!({ "Type": "Succeed" });
        }
        definition
    }

    #[tokio::test(start_paused = true)]
    async fn a_pass_shows_each_step() {
        let definition = json!({ "StartAt": "P", "States": {
            "P": { "Type": "Pass", "InputPath": "$.user",
                   "Parameters": { "name.$": "$.name", "retry.$": "$$.State.Name" },
                   "ResultPath": "$.greeting", "Assign": { "who.$": "$.name" },
                   "Next": "Q" },
            "Q": { "Type": "Succeed" }
        } });
        let input = json!({ "user": { "name": "ada" } });
        let out = test(Resources::new(), definition, "P", input.clone()).await;
        assert_eq!(out.status, TestStatus::Succeeded);
        assert_eq!(out.next_state.as_deref(), Some("Q"));
        let expected =
            json!({ "user": { "name": "ada" }, "greeting": { "name": "ada", "retry": "P" } });
        assert_eq!(out.output, Some(expected.clone()));
        let data = &out.inspection_data;
        assert_eq!(data.input, Some(input));
        assert_eq!(data.after_input_path, Some(json!({ "name": "ada" })));
        assert_eq!(
            data.after_parameters,
            Some(json!({ "name": "ada", "retry": "P" }))
        );
        assert_eq!(data.result, data.after_parameters);
        assert_eq!(data.after_result_selector, None);
        assert_eq!(data.after_result_path, Some(expected));
        assert_eq!(data.variables, Some(json!({ "who": "ada" })));
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_shows_the_handlers_raw_result_and_the_selected_one() {
        let resources = Resources::new().register(
            "send",
            Mock::new().returns(json!({ "ok": true, "noise": 1 })),
        );
        let definition = task(json!({
            "Parameters": { "to.$": "$.email", "try.$": "$$.State.RetryCount" },
            "ResultSelector": { "sent.$": "$.ok" },
            "ResultPath": "$.result"
        }));
        let out = test(resources, definition, "T", json!({ "email": "a@b" })).await;
        assert_eq!(out.status, TestStatus::Succeeded);
        assert_eq!(out.next_state.as_deref(), Some("After"));
        let data = &out.inspection_data;
        assert_eq!(
            data.after_parameters,
            Some(json!({ "to": "a@b", "try": 0 }))
        );
        assert_eq!(data.result, Some(json!({ "ok": true, "noise": 1 })));
        assert_eq!(data.after_result_selector, Some(json!({ "sent": true })));
        assert_eq!(
            out.output,
            Some(json!({ "email": "a@b", "result": { "sent": true } }))
        );
        // The response is AWS's shape: JSON texts, and no inspection data at INFO.
        assert_eq!(
            out.to_response(false),
            json!({
                "output": "{\"email\":\"a@b\",\"result\":{\"sent\":true}}",
                "nextState": "After",
                "status": "SUCCEEDED"
            })
        );
        assert_eq!(
            out.to_response(true)["inspectionData"]["afterResultSelector"],
            json!("{\"sent\":true}")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mock_answers_the_task_and_lambda_invoke_gets_its_envelope() {
        let definition = json!({ "StartAt": "T", "States": { "T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": { "FunctionName.$": "$.fn", "Payload": { "x": 1 } },
            "End": true
        } } });
        let mock = Mock::new().returns(json!({ "y": 2 }));
        let out = executor(Resources::new())
            .test_state_with_mock(
                machine(definition),
                "T",
                json!({ "fn": "anything" }),
                Arc::new(mock.clone()),
            )
            .await
            .expect("found");
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(mock.calls(), [json!({ "x": 1 })]);
        let result = out.inspection_data.result.expect("a result");
        assert_eq!(result["Payload"], json!({ "y": 2 }));
        assert_eq!(result["StatusCode"], json!(200));
        assert_eq!(out.next_state, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_a_retrier_takes_is_retriable_and_not_retried() {
        let mock = Mock::new()
            .fail(TaskError::new("Busy", "try later"))
            .returns(json!(1));
        let resources = Resources::new().register("send", mock.clone());
        let definition = task(json!({
            "Parameters": { "n": 1 },
            "Retry": [{ "ErrorEquals": ["Busy"], "MaxAttempts": 3 }],
            "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Recover" }]
        }));
        let out = test(resources, definition, "T", json!({})).await;
        assert_eq!(out.status, TestStatus::Retriable);
        assert_eq!(out.error.as_deref(), Some("Busy"));
        assert_eq!(out.cause.as_deref(), Some("try later"));
        assert_eq!((out.output, out.next_state), (None, None));
        assert_eq!(mock.calls().len(), 1, "one attempt only");
        assert_eq!(
            out.inspection_data.after_parameters,
            Some(json!({ "n": 1 }))
        );
        assert_eq!(out.inspection_data.result, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_a_catcher_takes_is_a_caught_error_going_to_its_next() {
        let resources =
            Resources::new().register("send", Mock::new().fail(TaskError::new("Bounced", "")));
        let definition = task(json!({
            "Retry": [{ "ErrorEquals": ["Busy"] }],
            "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                        "Assign": { "failed.$": "$.Error" }, "Next": "Recover" }]
        }));
        let out = test(resources, definition, "T", json!({ "a": 1 })).await;
        assert_eq!(out.status, TestStatus::CaughtError);
        assert_eq!(out.next_state.as_deref(), Some("Recover"));
        assert_eq!(out.error.as_deref(), Some("Bounced"));
        assert_eq!(out.cause, None, "an empty cause is none");
        let caught = json!({ "a": 1, "error": { "Error": "Bounced", "Cause": "" } });
        assert_eq!(out.output, Some(caught.clone()));
        assert_eq!(out.inspection_data.after_result_path, Some(caught));
        assert_eq!(
            out.inspection_data.variables,
            Some(json!({ "failed": "Bounced" }))
        );
        // Without a catcher that matches, the state fails.
        let resources =
            Resources::new().register("send", Mock::new().fail(TaskError::new("Bounced", "no")));
        let out = test(resources, task(json!({})), "T", json!({})).await;
        assert_eq!(out.status, TestStatus::Failed);
        assert_eq!(
            (out.error.as_deref(), out.cause.as_deref()),
            (Some("Bounced"), Some("no"))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_choice_names_the_next_state() {
        let definition = json!({ "StartAt": "C", "States": {
            "C": { "Type": "Choice", "InputPath": "$.order",
                   "Choices": [{ "Variable": "$.total", "NumericGreaterThan": 100, "Next": "Big" }],
                   "Default": "Small" },
            "Big": { "Type": "Succeed" }, "Small": { "Type": "Succeed" }
        } });
        let out = test(
            Resources::new(),
            definition.clone(),
            "C",
            json!({ "order": { "total": 120 } }),
        )
        .await;
        assert_eq!(
            (out.status, out.next_state.as_deref()),
            (TestStatus::Succeeded, Some("Big"))
        );
        assert_eq!(out.output, Some(json!({ "total": 120 })));
        assert_eq!(
            out.inspection_data.after_input_path,
            Some(json!({ "total": 120 }))
        );
        assert_eq!(out.inspection_data.result, None);
        let out = test(
            Resources::new(),
            definition,
            "C",
            json!({ "order": { "total": 1 } }),
        )
        .await;
        assert_eq!(out.next_state.as_deref(), Some("Small"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_state_nested_in_a_parallel_branch_runs_alone() {
        let resources = Resources::new().register("send", Mock::new().returns(json!("sent")));
        let definition = json!({ "StartAt": "Fan", "States": { "Fan": {
            "Type": "Parallel", "End": true,
            "Branches": [
                { "StartAt": "Other", "States": { "Other": { "Type": "Pass", "End": true } } },
                { "StartAt": "Inner", "States": {
                    "Inner": { "Type": "Task", "Resource": LAMBDA, "ResultPath": "$.r", "Next": "Last" },
                    "Last": { "Type": "Pass", "Result": "never run", "End": true } } }
            ]
        } } });
        let out = test(resources, definition.clone(), "Inner", json!({ "k": 1 })).await;
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(out.output, Some(json!({ "k": 1, "r": "sent" })));
        assert_eq!(out.next_state.as_deref(), Some("Last"));
        // A tested Parallel records its own steps; its branches run as in an execution.
        let resources = Resources::new().register("send", Mock::new().returns(json!("sent")));
        let out = test(resources, definition.clone(), "Fan", json!({ "k": 1 })).await;
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(
            out.inspection_data.result,
            Some(json!([{ "k": 1 }, "never run"]))
        );
        assert_eq!(
            out.inspection_data.after_input_path,
            Some(json!({ "k": 1 }))
        );
        // An unknown name is an error that suggests the closest one.
        let err = executor(Resources::new())
            .test_state(machine(definition), "Iner", json!({}))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no state `Iner` (did you mean `Inner`?)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_map_shows_its_items_and_their_inputs() {
        let definition = json!({ "StartAt": "M", "States": { "M": {
            "Type": "Map", "ItemsPath": "$.xs", "End": true,
            "ItemSelector": { "x.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" },
            "ItemProcessor": { "StartAt": "Double", "States": {
                "Double": { "Type": "Pass", "Parameters": { "v.$": "States.MathAdd($.x, $.x)" }, "End": true } } },
            "ResultSelector": { "all.$": "$[*].v" }
        } } });
        let out = test(Resources::new(), definition, "M", json!({ "xs": [1, 2] })).await;
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        let data = &out.inspection_data;
        assert_eq!(data.after_items_path, Some(json!([1, 2])));
        assert_eq!(
            data.after_item_selector,
            Some(json!([{ "x": 1, "i": 0 }, { "x": 2, "i": 1 }]))
        );
        assert_eq!(data.result, Some(json!([{ "v": 2 }, { "v": 4 }])));
        assert_eq!(data.after_result_selector, Some(json!({ "all": [2, 4] })));
        assert_eq!(out.output, Some(json!({ "all": [2, 4] })));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fail_state_fails_and_a_runtime_error_is_failed() {
        let definition = json!({ "StartAt": "T", "States": {
            "T": { "Type": "Task", "Resource": LAMBDA, "InputPath": "$.missing",
                   "Retry": [{ "ErrorEquals": ["States.ALL"] }],
                   "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "F" }], "End": true },
            "F": { "Type": "Fail", "Error": "Oops", "Cause": "broken" }
        } });
        let out = test(Resources::new(), definition.clone(), "F", json!({})).await;
        assert_eq!(out.status, TestStatus::Failed);
        assert_eq!(
            (out.error.as_deref(), out.cause.as_deref()),
            (Some("Oops"), Some("broken"))
        );
        assert_eq!(out.inspection_data.input, Some(json!({})));
        // States.Runtime is never retried nor caught: FAILED, worded as in an execution.
        let out = test(Resources::new(), definition, "T", json!({})).await;
        assert_eq!(out.status, TestStatus::Failed);
        assert_eq!(out.error.as_deref(), Some("States.Runtime"));
        assert!(
            out.cause
                .as_deref()
                .is_some_and(|c| c.contains("'T' (entered at the event id #2)")),
            "{:?}",
            out.cause
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_jsonata_state_shows_no_jsonpath_steps() {
        let definition = json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": { "Type": "Pass", "Assign": { "x": 1 }, "End": true }
        } });
        let out = test(Resources::new(), definition, "P", json!({ "a": 1 })).await;
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        let data = &out.inspection_data;
        assert_eq!(data.input, Some(json!({ "a": 1 })));
        assert_eq!(
            (&data.after_input_path, &data.after_parameters),
            (&None, &None)
        );
        assert_eq!(data.after_result_path, None);
        assert_eq!(data.variables, Some(json!({ "x": 1 })));
    }

    #[test]
    fn a_test_can_be_spawned() {
        fn is_send<T: Send>(_: &T) {}
        let executor = Executor::new(Resources::new());
        let definition =
            json!({ "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } });
        is_send(&executor.test_state(machine(definition), "P", json!({})));
    }
}
