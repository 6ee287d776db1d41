//! `workflow test-state FILE [STATE] --input JSON`: runs one state, like AWS's TestState
//! API, and prints TestState's response on standard output:
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
//! with `--inspection-level DEBUG` or `TRACE`. `status` is `SUCCEEDED`, `FAILED`,
//! `RETRIABLE` (a retrier matched the error: like TestState, the retry is not made) or
//! `CAUGHT_ERROR` (a catcher took the error; `output` is what it passes on, `nextState`
//! where it goes).
//!
//! The state runs through the runtime's TestState, [`Executor::test_state_with`]: the
//! interpreter executions use, on the virtual clock (a Wait takes no time), recording the
//! inspection data as it processes the input and output. The request's other members are
//! flags: `--mock` (TestState's `mock` shape, or a mocks-file response), `--context`,
//! `--variables`, `--state-configuration`, `--role-arn`; the runtime checks them as AWS
//! does. Unlike AWS, an unmocked Task calls the handlers of the mocks file (`--mocks`), and
//! an unmocked Parallel or Map runs its branches or iterations.
//!
//! Exit codes: 0 when the state succeeded or caught its error, 1 when it failed or would be
//! retried, 2 when the inputs cannot be used.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use workflow_runtime::{
    Clock, Executor, SystemClock, TestConfiguration, TestOptions, TestStatus, VirtualClock,
};

use crate::mocks::{self, Mocks};
use crate::run::{current_thread, parse_start_time, unusable};
use crate::source::{self, InputError};
use crate::validate::{self, Color};

/// Arguments of `workflow test-state`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// An ASL definition (JSON or YAML) or a CloudFormation/SAM template.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The state to run, by name (in a Parallel branch or a Map too); by default the
    /// machine's `StartAt`.
    #[arg(value_name = "STATE")]
    pub state: Option<String>,
    /// The state to run, as TestState's `stateName` (the same as STATE).
    #[arg(long, value_name = "NAME", conflicts_with = "state")]
    pub state_name: Option<String>,
    /// The state input: JSON, `@file`, or `@-` for standard input.
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    pub input: String,
    /// What answers for the state's work, as TestState's `mock`: `{"result": "<JSON
    /// text>", "fieldValidationMode": "STRICT|PRESENT|NONE"}` or `{"errorOutput":
    /// {"error": ..., "cause": ...}}`; or a mocks-file response (`{"Return": ...}`,
    /// `{"Throw": ...}`).
    #[arg(long, value_name = "JSON|@FILE")]
    pub mock: Option<String>,
    /// A mocks file, as `workflow run` takes: the handlers of unmocked Tasks, and of the
    /// states in an unmocked Parallel or Map.
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<PathBuf>,
    /// `INFO` (the result), `DEBUG` or `TRACE` (also the input and output processing steps).
    #[arg(long, value_enum, default_value_t = InspectionLevel::Info, ignore_case = true)]
    pub inspection_level: InspectionLevel,
    /// The context object `$$` (TestState's `context`; with `--mock` only).
    #[arg(long, value_name = "JSON|@FILE")]
    pub context: Option<String>,
    /// The variables the state starts with, as a JSON object (TestState's `variables`).
    #[arg(long, value_name = "JSON|@FILE")]
    pub variables: Option<String>,
    /// TestState's `stateConfiguration`: `{"retrierRetryCount": N, "errorCausedByState":
    /// NAME, "mapIterationFailureCount": N, "mapItemReaderData": "<JSON text>"}`.
    #[arg(long, value_name = "JSON|@FILE")]
    pub state_configuration: Option<String>,
    /// The execution role `$$.Execution.RoleArn` shows.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
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
    /// As DEBUG (AWS adds an HTTP Task's request and response, which this runtime has not).
    #[value(name = "TRACE")]
    Trace,
}

impl From<InspectionLevel> for workflow_runtime::InspectionLevel {
    fn from(level: InspectionLevel) -> Self {
        match level {
            InspectionLevel::Info => workflow_runtime::InspectionLevel::Info,
            InspectionLevel::Debug => workflow_runtime::InspectionLevel::Debug,
            InspectionLevel::Trace => workflow_runtime::InspectionLevel::Trace,
        }
    }
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
    let machine = match definition.check() {
        Ok(machine) => Arc::new(machine),
        Err(invalid) => {
            validate::report(&definition, &invalid, args.color.style());
            return Err(InputError(format!(
                "`{}` cannot be tested until it is valid",
                definition.origin
            )));
        }
    };
    let state = args
        .state
        .clone()
        .or_else(|| args.state_name.clone())
        .unwrap_or_else(|| machine.start_at.clone());
    let input = source::json_argument("--input", &args.input)?;
    let resources = match &args.mocks {
        Some(path) => Mocks::load(path)?.resources(),
        None => Mocks::new().resources(),
    };
    let options = options(args)?;
    let start = args
        .start_time
        .as_deref()
        .map(parse_start_time)
        .transpose()?;
    let runtime =
        current_thread(true).map_err(|e| InputError(format!("cannot start the runtime: {e}")))?;
    let tested = runtime.block_on(async {
        let start = start.unwrap_or_else(|| SystemClock.now());
        let executor = Executor::new(resources)
            .with_clock(VirtualClock::new(start))
            .with_seed(0);
        executor
            .test_state_with(machine, &state, input, options)
            .await
    });
    let tested = tested.map_err(|e| InputError(e.to_string()))?;
    let response = tested.to_response(args.inspection_level.into());
    Ok((response, tested.status))
}

/// The TestState request's other members, from their flags. Unlike AWS's TestState, an
/// unmocked Parallel or Map runs its branches or iterations (on the `--mocks` handlers).
fn options(args: &Args) -> Result<TestOptions, InputError> {
    let mut options = TestOptions::default().running_unmocked_fan_out();
    if let Some(text) = &args.mock {
        let mock = mocks::test_state_mock(&source::json_argument("--mock", text)?)
            .map_err(|e| InputError(format!("--mock: {e}")))?;
        options = options.with_mock(mock);
    }
    if let Some(text) = &args.context {
        options = options.with_context(source::json_argument("--context", text)?);
    }
    if let Some(text) = &args.variables {
        match source::json_argument("--variables", text)? {
            Value::Object(variables) => options = options.with_variables(variables),
            _ => return Err(InputError("--variables: expected a JSON object".to_owned())),
        }
    }
    if let Some(text) = &args.state_configuration {
        let given = source::json_argument("--state-configuration", text)?;
        options = options.with_configuration(
            TestConfiguration::from_aws(&given)
                .map_err(|e| InputError(format!("--state-configuration: {e}")))?,
        );
    }
    if let Some(role) = &args.role_arn {
        options = options.with_role_arn(role.clone());
    }
    Ok(options)
}
