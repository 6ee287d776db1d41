//! AWS's TestState API: one state, run once, through the interpreter executions use.
//!
//! [`Executor::test_state_with`] finds the state (at the top level, or in a Parallel branch
//! or a Map item processor) and runs it through `Interpreter::run_state`, as an execution
//! would run it, with a [`TestRun`] that changes a few things, and only for that state (the
//! states nested in a tested Parallel or Map run as in any execution):
//!
//! - the state records its inspection data as it processes its input and output: each state
//!   file calls `run.inspect(|i| i.after_input_path = Some(..))` right after the step, so
//!   the data is what the processing computed, not a second computation of it; what AWS
//!   shows of it for each state type is chosen at the end ([`InspectionData::as_aws_shows`]);
//! - no retry is made: when a retrier takes the error, the run stops there and the status
//!   is `RETRIABLE`; a catcher that takes it gives `CAUGHT_ERROR`, with the catcher's output
//!   and `Next`. `errorDetails` says which retrier or catcher, and the backoff;
//! - a [`TestMock`] answers in place of the state's work: a Task's service call, or a
//!   Parallel's branches and a Map's iterations (which then do not run);
//! - `$$` is the request's context object when it gives one, else one like AWS's TestState
//!   makes (an express execution, no `RedriveCount`).
//!
//! The recorder is a `std::sync::Mutex`, locked for one assignment at a time and never
//! across an `.await`, as the interpreter's history is.

mod context;
mod mock;
mod shapes;

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use workflow_core::StateMachine;
use workflow_core::model::{QueryLanguage, State, StateKind};
use workflow_core::suggest::did_you_mean;
use workflow_core::timestamp::Timestamp;

use crate::context::ExecutionConfig;
use crate::data_flow::{Assigned, Variables, compact};
use crate::error::Failure;
use crate::execution_input::SharedInput;
use crate::executor::{Entry, Executor, Exit, Flow, Interpreter};
use crate::limits;
use crate::state_run::{Handled, Recorded, StateRun, TestNames, TestRun};

pub use mock::{FieldValidationMode, TestMock};

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

/// How much of the run TestState shows (AWS's `InspectionLevel`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InspectionLevel {
    /// The output, error, next state and status.
    #[default]
    Info,
    /// Also the inspection data: the input and output processing steps.
    Debug,
    /// As `DEBUG`; AWS adds an HTTP Task's raw request and response, which this runtime
    /// does not make (it has no HTTP Task).
    Trace,
}

impl InspectionLevel {
    /// `INFO`, `DEBUG` or `TRACE`, as AWS spells them.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "INFO" => Some(InspectionLevel::Info),
            "DEBUG" => Some(InspectionLevel::Debug),
            "TRACE" => Some(InspectionLevel::Trace),
            _ => None,
        }
    }
}

/// The data of each step of a tested state's input and output processing (AWS's
/// `InspectionData`), in processing order. A step the state has not reached (it failed
/// before), or does not have (a Choice has no `result`), is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InspectionData {
    /// The raw state input.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub input: Option<Value>,
    /// JSONata: the Task's `Arguments`, evaluated (what the service is called with).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_arguments: Option<Value>,
    /// The effective input after `InputPath`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_input_path: Option<Value>,
    /// The effective input after `Parameters` (Pass, Task): for a Task, what the handler is
    /// called with.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_parameters: Option<Value>,
    /// Map: the items, after `ItemsPath`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_items_path: Option<Value>,
    /// Map: the input of each iteration, after `ItemSelector` (or the legacy `Parameters`),
    /// when the state has one.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_item_selector: Option<Value>,
    /// Map: the batches `ItemBatcher` makes of the iterations' inputs, each
    /// `{"BatchInput": ..., "Items": [...]}`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_item_batcher: Option<Value>,
    /// The state's raw result: a Pass's `Result`, a Task's service result as the state
    /// receives it (for `lambda:invoke`, AWS's envelope around the function's payload).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub result: Option<Value>,
    /// The result after `ResultSelector` (Pass, Task, Parallel, Map).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_result_selector: Option<Value>,
    /// The result placed in the raw input by `ResultPath`: the state's, or the catcher's
    /// when one took the error.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub after_result_path: Option<Value>,
    /// The variables after the state, as an object by name: those the request set, with
    /// those the state's `Assign` set over them.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_text")]
    pub variables: Option<Value>,
    /// Which retrier or catcher took the state's error, and the retry's backoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_details: Option<ErrorDetails>,
    /// Map: `MaxConcurrency` as the state asks for it (0: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u64>,
    /// Map: `ToleratedFailureCount`, when the state sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count: Option<u64>,
    /// Map: `ToleratedFailurePercentage`, when the state sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<f64>,
}

/// Which of the state's `Retry` and `Catch` handled its error (AWS's
/// `InspectionErrorDetails`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetails {
    /// The index of the catcher that took the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catch_index: Option<usize>,
    /// The index of the retrier that matched the error (also when it had no retries left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_index: Option<usize>,
    /// The backoff before the retry the retrier would make, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_backoff_interval_seconds: Option<u64>,
}

/// What a TestState request sets besides the state and its input: AWS's `mock`, `context`,
/// `variables` and `stateConfiguration`, and the names its `$$` shows.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TestOptions {
    /// The answer of the state's work, instead of doing it (`mock`).
    pub mock: Option<TestMock>,
    /// `$$` as the tested state sees it (`context`); it is the whole context object, as
    /// given. `None`: a context object like AWS's (see [`TestOptions::role_arn`]).
    pub context: Option<Value>,
    /// The variables the state starts with (`variables`).
    pub variables: serde_json::Map<String, Value>,
    /// `stateConfiguration`.
    pub configuration: TestConfiguration,
    /// The execution role, which `$$.Execution.RoleArn` shows (`roleArn`).
    pub role_arn: Option<String>,
    /// Whether a Map's iterations and a Parallel's branches run when no mock stands in for
    /// them, on the executor's handlers. AWS's TestState refuses such a state
    /// ([`TestStateError::NeedsMock`]); `workflow test-state` runs it.
    pub run_unmocked_fan_out: bool,
}

/// AWS's `TestStateConfiguration`: where the tested state stands, for the parts of a run
/// a mock stands in for.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TestConfiguration {
    /// How many retries the retrier that takes the mocked error has made already
    /// (`retrierRetryCount`): whether it has one left, and its backoff.
    pub retrier_retry_count: Option<u32>,
    /// The state nested in a Map or Parallel whose error the mock's `errorOutput` is
    /// (`errorCausedByState`).
    pub error_caused_by_state: Option<String>,
    /// How many of a mocked Map's iterations failed (`mapIterationFailureCount`), which its
    /// tolerated failure threshold is checked against.
    pub map_iteration_failure_count: Option<u64>,
    /// The items a Map's `ItemReader` reads (`mapItemReaderData`), as JSON text.
    pub map_item_reader_data: Option<String>,
}

impl TestConfiguration {
    /// The configuration from TestState's `stateConfiguration` member, with AWS's
    /// constraints on its members.
    pub fn from_aws(given: &Value) -> Result<TestConfiguration, TestStateError> {
        let Value::Object(given) = given else {
            return Err(TestStateError::Invalid(
                "stateConfiguration must be a JSON object".to_owned(),
            ));
        };
        let count = |member: &str| {
            match given.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_u64().map(Some).ok_or_else(|| {
                TestStateError::Invalid(format!(
                    "1 validation error detected: Value '{value}' at 'stateConfiguration.{member}' failed to satisfy constraint: Member must have value greater than or equal to 0"
                ))
            }),
        }
        };
        let text = |member: &str| given.get(member).and_then(Value::as_str).map(str::to_owned);
        Ok(TestConfiguration {
            retrier_retry_count: count("retrierRetryCount")?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            error_caused_by_state: text("errorCausedByState"),
            map_iteration_failure_count: count("mapIterationFailureCount")?,
            map_item_reader_data: text("mapItemReaderData"),
        })
    }
}

impl TestOptions {
    /// Options with this mock.
    pub fn with_mock(mut self, mock: TestMock) -> Self {
        self.mock = Some(mock);
        self
    }

    /// Options with this context object.
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// Options with these starting variables.
    pub fn with_variables(mut self, variables: serde_json::Map<String, Value>) -> Self {
        self.variables = variables;
        self
    }

    /// Options with this state configuration.
    pub fn with_configuration(mut self, configuration: TestConfiguration) -> Self {
        self.configuration = configuration;
        self
    }

    /// Options that run an unmocked Map's iterations and Parallel's branches.
    pub fn running_unmocked_fan_out(mut self) -> Self {
        self.run_unmocked_fan_out = true;
        self
    }

    /// Options with this execution role.
    pub fn with_role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }
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
    /// The request does not fit the state: a mock, context object or configuration AWS
    /// rejects, in AWS's words (its `ValidationException` message).
    #[error("{0}")]
    Invalid(String),
    /// The state is a Map or Parallel and no mock stands in for its iterations or branches:
    /// AWS's TestState runs those only with a mock (its `InvalidDefinition` message).
    #[error(
        "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"
    )]
    NeedsMock,
}

impl Executor {
    /// Runs the state named `state` of `machine` once on `input`, as AWS's TestState API
    /// does, and reports how it ended (see [`TestStateOutput`]).
    ///
    /// The state may be at the top level or nested in a Parallel branch or a Map item
    /// processor (the first found: the top level, then depth first). It runs through the
    /// interpreter executions use, on this executor's handlers, clock (a Wait waits on it:
    /// with a [`crate::VirtualClock`] it takes no time) and names, starting with no
    /// variables; `$$` is like the one AWS's TestState makes, and the state is entered at
    /// event #2, as an execution's first state is (a `States.Runtime` cause says what went
    /// wrong without pointing at that event, as AWS's TestState says it). No retry is made: a
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
        self.test_state_with(machine, state, input, TestOptions::default())
            .await
    }

    /// [`Executor::test_state`] with the rest of a TestState request: a mock that answers
    /// for the state's work (a Task's service call, with the service's response as it is;
    /// a Parallel's branches; a Map's iterations), the context object, starting variables
    /// and the state configuration. The request is checked first, as AWS checks it: a mock
    /// on a state type that takes none, a Map or Parallel without one, a mocked result that
    /// does not fit the state or (by its `fieldValidationMode`) the service API's output, or
    /// a context object with fields `$$` does not have, is [`TestStateError::Invalid`] (or
    /// [`TestStateError::NeedsMock`]).
    pub async fn test_state_with(
        &self,
        machine: Arc<StateMachine>,
        state: &str,
        input: Value,
        options: TestOptions,
    ) -> Result<TestStateOutput, TestStateError> {
        self.test(&machine, state, input, options).await
    }

    async fn test(
        &self,
        machine: &StateMachine,
        name: &str,
        input: Value,
        options: TestOptions,
    ) -> Result<TestStateOutput, TestStateError> {
        let (state, language) = locate(machine, name)?;
        let size = limits::payload_size(&input);
        if size > limits::MAX_PAYLOAD_BYTES {
            return Err(TestStateError::InputTooLarge(size));
        }
        mock::check(state, &options)?;
        if let Some(given) = &options.context {
            context::check(state, given)?;
        }
        let jsonata =
            state.kind.common().query_language.unwrap_or(language) == QueryLanguage::Jsonata;
        let (started, history, input_text) = self.started(&input, None);
        let shared = SharedInput::new(&input, input_text.clone());
        let interpreter = Interpreter::new(self, &shared, started, history, self.rng());
        let starting = Assigned::from_map(options.variables.clone());
        let test = TestRun {
            recorded: Mutex::default(),
            options,
            names: TestNames {
                execution: interpreter.uuid(),
                state_machine: interpreter.uuid(),
            },
        };
        let mut variables = Variables::default();
        variables.assign(starting.clone());
        let result = interpreter
            .run_state_to_end(
                state,
                input.clone(),
                Some(input_text),
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
        inspection_data.as_aws_shows(state, jsonata);
        let (status, output, next_state, failure) = match result {
            Ok((flow, assigned)) => {
                let mut all = starting;
                all.extend(assigned);
                if !all.is_empty() {
                    inspection_data.variables = Some(all.to_value());
                }
                let (next, output) = match flow {
                    Flow::Next(next, output, _) => (Some(next), output),
                    Flow::End(output, _) | Flow::Sleep(_, Exit { output, .. }, _) => (None, output),
                    // TestState makes no retry: it never pauses for one.
                    Flow::Retry(..) => (None, Value::Null),
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
        // A runtime error's cause does not point into a history, which TestState has not
        // (AWS's recorded TestState causes have no "An error occurred while executing the
        // state ..." before the error itself).
        let in_history = Failure::runtime(&state.name, ENTERED_EVENT, "").cause;
        let (error, cause) = failure.map_or((None, None), |f| {
            let cause = match (f.cause, in_history) {
                (Some(cause), Some(prefix)) => Some(
                    cause
                        .strip_prefix(&prefix)
                        .map(str::to_owned)
                        .unwrap_or(cause),
                ),
                (cause, _) => cause,
            };
            (f.error, cause.filter(|c| !c.is_empty()))
        });
        Ok(TestStateOutput {
            output,
            error,
            cause,
            inspection_data,
            next_state: next_state.map(|next| next.to_string()),
            status,
        })
    }
}

impl InspectionData {
    /// Keeps what AWS shows for a state of this type and query language: the JSONPath steps
    /// only in JSONPath, and of those, the ones AWS shows for the type (recorded TestState
    /// responses): a Pass shows `result` only when it has a `Result` (and then not the
    /// input steps it skips), and `afterResultSelector` as its result; a Fail shows its
    /// `afterInputPath` (its input as it is); a Parallel shows none of its input steps nor
    /// its raw result, a Map no raw result.
    fn as_aws_shows(&mut self, state: &State, jsonata: bool) {
        if jsonata {
            self.after_input_path = None;
            self.after_parameters = None;
            self.after_items_path = None;
            self.after_result_selector = None;
            self.after_result_path = None;
            if !matches!(state.kind, StateKind::Task(_)) {
                self.after_arguments = None;
                self.result = None;
            }
            return;
        }
        match &state.kind {
            StateKind::Pass(pass) => {
                self.after_result_selector = self.result.clone();
                if pass.result.is_some() {
                    self.after_input_path = None;
                    self.after_parameters = None;
                } else {
                    self.result = None;
                }
            }
            StateKind::Fail(_) => self.after_input_path = self.input.clone(),
            StateKind::Parallel(_) => {
                self.after_input_path = None;
                self.after_parameters = None;
                self.result = None;
            }
            StateKind::Map(_) => {
                self.after_parameters = None;
                self.result = None;
            }
            _ => {}
        }
    }

    /// The error details, made when first written.
    pub(crate) fn error_details_mut(&mut self) -> &mut ErrorDetails {
        self.error_details.get_or_insert_with(ErrorDetails::default)
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

/// The id of the tested state's entered event: the first after ExecutionStarted.
const ENTERED_EVENT: u64 = 2;

/// The state's name in the context object AWS's TestState makes (`$$.State.Name`), also
/// when `stateName` names another; the name AWS gives a single tested state.
pub const TESTED_STATE_NAME: &str = "StateName";

impl TestRun {
    /// `$$` of the tested state: the request's context object as it is, else one like
    /// AWS's TestState makes: an express execution (so no `RedriveCount`) with the
    /// request's role, the state named [`TESTED_STATE_NAME`] whatever its name in the
    /// definition, `Task.Token` for a callback.
    pub(crate) fn context(
        &self,
        config: &ExecutionConfig,
        input: &Value,
        started: Timestamp,
        run: &StateRun<'_>,
        retry_count: Option<u32>,
        token: Option<String>,
    ) -> Value {
        if let Some(given) = &self.options.context {
            return given.clone();
        }
        let TestNames {
            execution,
            state_machine,
        } = &self.names;
        // Without a role in the request, AWS's `RoleArn` is null.
        let role = self.options.role_arn.as_deref();
        let (region, account) = (&config.region, &config.account);
        let mut context = json!({
            "Execution": {
                "Id": format!("arn:aws:states:{region}:{account}:express:{state_machine}:{execution}"),
                "Input": input,
                "Name": execution,
                "RoleArn": role,
                "StartTime": started.to_string()
            },
            "StateMachine": {
                "Id": format!("arn:aws:states:{region}:{account}:stateMachine:{state_machine}"),
                "Name": state_machine
            },
            "State": {
                "EnteredTime": run.entered_at.to_string(),
                "Name": TESTED_STATE_NAME
            }
        });
        if let Some(count) = retry_count {
            context["State"]["RetryCount"] = json!(count);
        }
        if let Some(token) = token {
            context["Task"] = json!({ "Token": token });
        }
        context
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
    /// The response as AWS's TestState API returns it at this inspection level:
    /// `inspectionData` from `DEBUG` on.
    pub fn to_response(&self, level: InspectionLevel) -> Value {
        let mut response = serde_json::to_value(self).unwrap_or_else(|_| json!({}));
        if level == InspectionLevel::Info
            && let Some(fields) = response.as_object_mut()
        {
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

    async fn test_with(
        definition: Value,
        state: &str,
        input: Value,
        options: TestOptions,
    ) -> Result<TestStateOutput, TestStateError> {
        executor(Resources::new())
            .test_state_with(machine(definition), state, input, options)
            .await
    }

    fn result(value: Value) -> TestOptions {
        TestOptions::default().with_mock(TestMock::Result {
            value,
            validation: FieldValidationMode::Strict,
        })
    }

    fn error(name: &str, cause: &str) -> TestOptions {
        TestOptions::default().with_mock(TestMock::Error {
            error: name.to_owned(),
            cause: Some(cause.to_owned()),
        })
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
        // AWS's TestState names the tested state `StateName` in `$$`, whatever its name.
        let expected = json!({ "user": { "name": "ada" },
                               "greeting": { "name": "ada", "retry": "StateName" } });
        assert_eq!(out.output, Some(expected.clone()));
        let data = &out.inspection_data;
        assert_eq!(data.input, Some(input));
        assert_eq!(data.after_input_path, Some(json!({ "name": "ada" })));
        assert_eq!(
            data.after_parameters,
            Some(json!({ "name": "ada", "retry": "StateName" }))
        );
        // A Pass without `Result` shows no raw result; its effective input is what AWS
        // shows after the ResultSelector it does not have.
        assert_eq!(data.result, None);
        assert_eq!(data.after_result_selector, data.after_parameters);
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
            out.to_response(InspectionLevel::Info),
            json!({
                "output": "{\"email\":\"a@b\",\"result\":{\"sent\":true}}",
                "nextState": "After",
                "status": "SUCCEEDED"
            })
        );
        assert_eq!(
            out.to_response(InspectionLevel::Trace)["inspectionData"]["afterResultSelector"],
            json!("{\"sent\":true}")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mocked_result_is_the_services_response_as_it_is() {
        let definition = json!({ "StartAt": "T", "States": { "T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": { "FunctionName.$": "$.fn", "Payload": { "x": 1 } },
            "ResultSelector": { "got.$": "$.Payload" },
            "End": true
        } } });
        // A function's JSON payload, which the Invoke API's shape (a blob: text) does not
        // allow: unchecked.
        let mocked = json!({ "StatusCode": 200, "Payload": { "y": 2 } });
        let unchecked = TestOptions::default().with_mock(TestMock::Result {
            value: mocked.clone(),
            validation: FieldValidationMode::None,
        });
        let out = test_with(definition.clone(), "T", json!({ "fn": "f" }), unchecked)
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(out.inspection_data.result, Some(mocked));
        assert_eq!(out.output, Some(json!({ "got": { "y": 2 } })));
        // STRICT (the default) checks the result against lambda:Invoke's output.
        let wrong = test_with(
            definition,
            "T",
            json!({ "fn": "f" }),
            result(json!({ "StatusCode": "200" })),
        )
        .await
        .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "Mock result schema validation error: Field 'StatusCode' must be a number"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mocked_error_is_retried_by_the_retrier_the_configuration_says() {
        let definition = json!({ "QueryLanguage": "JSONata", "StartAt": "T", "States": { "T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": { "FunctionName": "f", "Payload": "{% $states.input.n %}" },
            "Retry": [
                { "ErrorEquals": ["Other"] },
                { "ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0 }
            ],
            "End": true
        } } });
        let configured = |count: u32| {
            let configuration = TestConfiguration {
                retrier_retry_count: Some(count),
                ..TestConfiguration::default()
            };
            error("Busy", "later").with_configuration(configuration)
        };
        let out = test_with(definition.clone(), "T", json!({ "n": 3 }), configured(4))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Retriable);
        let data = &out.inspection_data;
        assert_eq!(
            data.after_arguments,
            Some(json!({ "FunctionName": "f", "Payload": 3 }))
        );
        let details = data.error_details.clone().expect("details");
        assert_eq!(
            (details.retry_index, details.retry_backoff_interval_seconds),
            (Some(1), Some(16))
        );
        // Its attempts spent, the retrier no longer retries: the state fails.
        let out = test_with(definition, "T", json!({ "n": 3 }), configured(5))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Failed);
        let details = out.inspection_data.error_details.expect("details");
        assert_eq!(
            (details.retry_index, details.retry_backoff_interval_seconds),
            (Some(1), None)
        );
        assert_eq!(out.error.as_deref(), Some("Busy"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_caught_mocked_error_names_its_catcher() {
        let definition = json!({ "StartAt": "T", "States": {
            "T": { "Type": "Task", "Resource": LAMBDA, "End": true, "Catch": [
                { "ErrorEquals": ["A"], "Next": "Ca" },
                { "ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Cb" }] },
            "Ca": { "Type": "Succeed" }, "Cb": { "Type": "Succeed" }
        } });
        let out = test_with(definition, "T", json!({}), error("B", "why"))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::CaughtError);
        assert_eq!(out.next_state.as_deref(), Some("Cb"));
        assert_eq!(
            out.inspection_data
                .error_details
                .and_then(|d| d.catch_index),
            Some(1)
        );
        assert_eq!(
            out.output,
            Some(json!({ "e": { "Error": "B", "Cause": "why" } }))
        );
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
        // AWS tests a Parallel only with a mock standing in for its branches.
        let refused = executor(Resources::new())
            .test_state(machine(definition.clone()), "Fan", json!({}))
            .await
            .unwrap_err();
        assert_eq!(refused, TestStateError::NeedsMock);
        let mocked = test_with(definition.clone(), "Fan", json!({}), result(json!([1, 2])))
            .await
            .expect("runs");
        assert_eq!(mocked.output, Some(json!([1, 2])));
        let wrong = test_with(definition.clone(), "Fan", json!({}), result(json!([1])))
            .await
            .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "Mocked result must contain the same number of items as number of Parallel branches."
        );
        // Asked to, an unmocked Parallel's branches run as in an execution.
        let resources = Resources::new().register("send", Mock::new().returns(json!("sent")));
        let out = executor(resources)
            .test_state_with(
                machine(definition.clone()),
                "Fan",
                json!({ "k": 1 }),
                TestOptions::default().running_unmocked_fan_out(),
            )
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(
            out.inspection_data.after_result_selector,
            Some(json!([{ "k": 1 }, "never run"]))
        );
        // AWS shows neither a Parallel's input steps nor its raw result.
        assert_eq!(out.inspection_data.after_input_path, None);
        assert_eq!(out.inspection_data.result, None);
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
        let unmocked = TestOptions::default().running_unmocked_fan_out();
        let out = test_with(definition.clone(), "M", json!({ "xs": [1, 2] }), unmocked)
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        let data = &out.inspection_data;
        assert_eq!(data.after_items_path, Some(json!([1, 2])));
        assert_eq!(
            data.after_item_selector,
            Some(json!([{ "x": 1, "i": 0 }, { "x": 2, "i": 1 }]))
        );
        assert_eq!(data.result, None, "AWS shows no raw result of a Map");
        assert_eq!(data.after_result_selector, Some(json!({ "all": [2, 4] })));
        assert_eq!(out.output, Some(json!({ "all": [2, 4] })));
        // Mocked, the iterations do not run: the mock is their outputs. The items and their
        // inputs are still worked out, and the concurrency shown.
        let out = test_with(
            definition,
            "M",
            json!({ "xs": [1, 2] }),
            result(json!([{ "v": 7 }, { "v": 8 }])),
        )
        .await
        .expect("runs");
        assert_eq!(out.output, Some(json!({ "all": [7, 8] })));
        let data = &out.inspection_data;
        assert_eq!(
            data.after_item_selector,
            Some(json!([{ "x": 1, "i": 0 }, { "x": 2, "i": 1 }]))
        );
        assert_eq!(data.max_concurrency, Some(0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_mocked_map_shows_its_batches() {
        let definition = json!({ "StartAt": "M", "States": { "M": {
            "Type": "Map", "End": true, "ItemsPath": "$.xs",
            "ItemSelector": { "v.$": "$$.Map.Item.Value" },
            "ItemBatcher": { "MaxItemsPerBatch": 2, "BatchInput": { "k.$": "$.k" } },
            "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } }
        } } });
        let input = json!({ "xs": [1, 2, 3], "k": "key" });
        let out = test_with(definition, "M", input, result(json!([1, 2])))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Succeeded, "{:?}", out.cause);
        assert_eq!(
            out.inspection_data.after_item_batcher,
            Some(json!([
                { "BatchInput": { "k": "key" }, "Items": [{ "v": 1 }, { "v": 2 }] },
                { "BatchInput": { "k": "key" }, "Items": [{ "v": 3 }] }
            ]))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mocked_map_fails_when_its_failed_iterations_exceed_the_threshold() {
        let definition = json!({ "StartAt": "M", "States": { "M": {
            "Type": "Map", "End": true, "ToleratedFailureCount": 1, "MaxConcurrency": 2,
            "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } }
        } } });
        let failed = |count: u64| {
            let configuration = TestConfiguration {
                map_iteration_failure_count: Some(count),
                ..TestConfiguration::default()
            };
            result(json!([1, 2, 3])).with_configuration(configuration)
        };
        let out = test_with(definition.clone(), "M", json!([1, 2, 3]), failed(1))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Succeeded);
        assert_eq!(out.inspection_data.tolerated_failure_count, Some(1));
        assert_eq!(out.inspection_data.max_concurrency, Some(2));
        let out = test_with(definition.clone(), "M", json!([1, 2, 3]), failed(2))
            .await
            .expect("runs");
        assert_eq!(out.status, TestStatus::Failed);
        assert_eq!(
            out.error.as_deref(),
            Some("States.ExceedToleratedFailureThreshold")
        );
        let refused = test_with(definition.clone(), "M", json!([1, 2, 3]), failed(4))
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Map iteration failure count must be less than or equal to the number of Map iterations"
        );
        let refused = test_with(definition, "M", json!([]), result(json!({})))
            .await
            .unwrap_err();
        assert_eq!(refused.to_string(), "Mocked result must be an array.");
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
        // States.Runtime is never retried nor caught: FAILED, with the error itself as the
        // cause (no history to point into).
        let out = test(Resources::new(), definition, "T", json!({})).await;
        assert_eq!(out.status, TestStatus::Failed);
        assert_eq!(out.error.as_deref(), Some("States.Runtime"));
        assert!(
            out.cause
                .as_deref()
                .is_some_and(|c| c.starts_with("Invalid path '$.missing'")),
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
