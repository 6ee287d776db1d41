//! The one interpreter loop. `workflow!` workflows and ASL loaded at run time both run here.
//!
//! An [`Execution`] runs one state per [`Execution::step`], or all of them with
//! [`Execution::run`]. Each state type lives in `states/<type>.rs`; this file holds what
//! they share: the loop, the history, the execution-level timeout and the end states.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_core::StateMachine;
use workflow_core::model::{State, StateKind};
use workflow_core::timestamp::Timestamp;

use crate::clock::{Clock, SystemClock};
use crate::context::ExecutionConfig;
use crate::error::Failure;
use crate::handlers::Resources;
use crate::history::{EventType, History};
use crate::io::compact;
use crate::limits;

/// How an execution ended, named as AWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Still running.
    Running,
    /// Reached a Succeed state or an `End`.
    Succeeded,
    /// Failed with an error.
    Failed,
    /// Ran past the state machine's `TimeoutSeconds`.
    TimedOut,
}

/// The end of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `SUCCEEDED`, `FAILED` or `TIMED_OUT`.
    pub status: Status,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// The error name, when it failed (AWS allows none).
    pub error: Option<String>,
    /// The cause, when it failed.
    pub cause: Option<String>,
    /// Every event.
    pub history: History,
}

/// What one [`Execution::step`] did: the state it entered, with the input it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The state's name.
    pub state: String,
    /// The state's raw input.
    pub input: Value,
}

/// Why an execution could not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    /// The input is larger than AWS accepts.
    #[error("the execution input is {0} bytes; AWS accepts at most {max}", max = limits::MAX_PAYLOAD_BYTES)]
    InputTooLarge(usize),
    /// The definition does not validate.
    #[error("{0}")]
    InvalidDefinition(String),
}

/// Starts executions: the handlers, the clock and the names they run with.
#[derive(Clone)]
pub struct Executor {
    pub(crate) resources: Arc<Resources>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: ExecutionConfig,
    seed: Option<u64>,
}

impl Executor {
    /// An executor calling `resources`, on the system clock.
    pub fn new(resources: Resources) -> Self {
        Executor {
            resources: Arc::new(resources),
            clock: Arc::new(SystemClock),
            config: ExecutionConfig::default(),
            seed: None,
        }
    }

    /// Uses `clock` for every timestamp and wait (see [`crate::VirtualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the names and place the context object shows.
    pub fn with_config(mut self, config: ExecutionConfig) -> Self {
        self.config = config;
        self
    }

    /// Seeds the retry jitter, for reproducible runs.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts an execution of `machine` on `input`.
    pub fn start(&self, machine: Arc<StateMachine>, input: Value) -> Result<Execution, StartError> {
        let size = limits::payload_size(&input);
        if size > limits::MAX_PAYLOAD_BYTES {
            return Err(StartError::InputTooLarge(size));
        }
        let started = self.clock.now();
        let mut history = History::default();
        history.push(
            EventType::ExecutionStarted,
            started,
            json!({ "input": compact(&input), "roleArn": self.config.role_arn }),
        );
        let deadline = machine
            .timeout_seconds
            .map(|s| Timestamp::from_unix_millis(started.unix_millis() + s as i64 * 1000));
        let rng = match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Ok(Execution {
            next: Some((machine.start_at.clone(), input.clone())),
            machine,
            executor: self.clone(),
            history,
            input,
            started,
            deadline,
            outcome: None,
            rng,
        })
    }
}

/// One run of a state machine.
pub struct Execution {
    pub(crate) machine: Arc<StateMachine>,
    pub(crate) executor: Executor,
    pub(crate) history: History,
    pub(crate) input: Value,
    pub(crate) started: Timestamp,
    pub(crate) rng: fastrand::Rng,
    deadline: Option<Timestamp>,
    next: Option<(String, Value)>,
    outcome: Option<(Status, Option<Value>, Option<Failure>)>,
}

/// Where a state sends the execution.
pub(crate) enum Flow {
    /// To the named state, with this input.
    Next(String, Value),
    /// To its end, with this output.
    End(Value),
}

impl Execution {
    /// Runs the next state (including its retries and waits). Returns `None` once the
    /// execution has ended.
    pub async fn step(&mut self) -> Option<Step> {
        let (name, input) = self.next.take()?;
        let machine = self.machine.clone();
        let Some(state) = machine.state(&name) else {
            // A validated machine names only its own states; still, never panic.
            self.end_failed(Failure::new(
                crate::error::names::RUNTIME,
                format!("no state named '{name}'"),
            ));
            return Some(Step { state: name, input });
        };
        let result = match self.deadline {
            None => Some(self.run_state(state, input.clone()).await),
            Some(deadline) => {
                let left = deadline.unix_millis() - self.now().unix_millis();
                let timer = self
                    .executor
                    .clock
                    .sleep(Duration::from_millis(left.max(0) as u64));
                tokio::select! {
                    result = self.run_state(state, input.clone()) => Some(result),
                    () = timer => None,
                }
            }
        };
        match result {
            Some(Ok(Flow::Next(next, output))) => self.next = Some((next, output)),
            Some(Ok(Flow::End(output))) => self.end_succeeded(output),
            Some(Err(failure)) => self.end_failed(failure),
            None => self.end_timed_out(),
        }
        if self.next.is_some() && self.history.len() >= limits::MAX_HISTORY_EVENTS {
            self.next = None;
            self.end_failed(Failure::new(
                crate::error::names::RUNTIME,
                format!(
                    "The execution history reached its limit of {} events.",
                    limits::MAX_HISTORY_EVENTS
                ),
            ));
        }
        Some(Step { state: name, input })
    }

    /// Runs to the end.
    pub async fn run(mut self) -> Outcome {
        while self.step().await.is_some() {}
        self.into_outcome()
    }

    /// The status so far.
    pub fn status(&self) -> Status {
        self.outcome.as_ref().map_or(Status::Running, |(s, ..)| *s)
    }

    /// The history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The outcome; `Running` if the execution has not ended.
    pub fn into_outcome(self) -> Outcome {
        let (status, output, failure) = self.outcome.unwrap_or((Status::Running, None, None));
        // AWS reports an empty cause (a timeout's) as none.
        let (error, cause) = failure.map_or((None, None), |f| {
            (f.error, f.cause.filter(|c| !c.is_empty()))
        });
        Outcome {
            status,
            output,
            error,
            cause,
            history: self.history,
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.executor.clock.now()
    }

    pub(crate) fn event(&mut self, event_type: EventType, details: Value) -> u64 {
        let now = self.now();
        self.history.push(event_type, now, details)
    }

    fn end_succeeded(&mut self, output: Value) {
        self.event(
            EventType::ExecutionSucceeded,
            json!({ "output": compact(&output) }),
        );
        self.outcome = Some((Status::Succeeded, Some(output), None));
    }

    fn end_failed(&mut self, failure: Failure) {
        let mut details = serde_json::Map::new();
        if let Some(error) = &failure.error {
            details.insert("error".into(), json!(error));
        }
        if let Some(cause) = &failure.cause {
            details.insert("cause".into(), json!(cause));
        }
        self.event(EventType::ExecutionFailed, Value::Object(details));
        self.outcome = Some((Status::Failed, None, Some(failure)));
    }

    fn end_timed_out(&mut self) {
        self.event(EventType::ExecutionTimedOut, json!({}));
        self.outcome = Some((Status::TimedOut, None, None));
    }

    /// Runs one state: the entered event, the state's work, the exited event.
    async fn run_state(&mut self, state: &State, input: Value) -> Result<Flow, Failure> {
        let (entered_type, exited_type) = EventType::state_events(state.kind.type_name());
        let entered = self.event(
            entered_type,
            json!({ "name": state.name, "input": compact(&input) }),
        );
        let entered_at = self.now();
        let run = StateRun {
            name: &state.name,
            entered,
            entered_at,
        };
        let (output, next) = match &state.kind {
            StateKind::Pass(pass) => self.run_pass(&run, pass, input)?,
            StateKind::Task(task) => self.run_task(&run, task, input).await?,
            StateKind::Choice(choice) => self.run_choice(&run, choice, input)?,
            StateKind::Wait(wait) => self.run_wait(&run, wait, input).await?,
            StateKind::Succeed(succeed) => (self.run_succeed(&run, succeed, input)?, None),
            StateKind::Fail(fail) => return Err(self.run_fail(&run, fail, input)),
            StateKind::Parallel(_) | StateKind::Map(_) => {
                return Err(Failure::runtime(
                    &state.name,
                    entered,
                    format!(
                        "{} states are not supported by this runtime yet",
                        state.kind.type_name()
                    ),
                ));
            }
        };
        let size = limits::payload_size(&output);
        if size > limits::MAX_PAYLOAD_BYTES {
            return Err(Failure::data_limit(&state.name));
        }
        if let Some(exited_type) = exited_type {
            self.event(
                exited_type,
                json!({ "name": state.name, "output": compact(&output) }),
            );
        }
        Ok(match next {
            Some(next) => Flow::Next(next, output),
            None => Flow::End(output),
        })
    }

    /// The context object for the running state; `retry_count` for the states that retry.
    pub(crate) fn context(&self, run: &StateRun, retry_count: Option<u32>) -> Value {
        self.executor.config.context(
            &self.input,
            self.started,
            run.name,
            run.entered_at,
            retry_count,
        )
    }
}

/// The state being run: its name, and when it was entered.
pub(crate) struct StateRun<'a> {
    pub name: &'a str,
    /// The id of its entered event, which `States.Runtime` causes quote.
    pub entered: u64,
    pub entered_at: Timestamp,
}

/// The `Next` of a state that moves on, `None` for `End`.
pub(crate) fn next_of(transition: &workflow_core::model::Transition) -> Option<String> {
    match transition {
        workflow_core::model::Transition::Next(next) => Some(next.clone()),
        workflow_core::model::Transition::End => None,
    }
}
