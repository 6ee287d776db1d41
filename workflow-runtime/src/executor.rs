//! The one interpreter loop. `workflow!` workflows and ASL loaded at run time both run here.
//!
//! An [`Execution`] runs one top-level state per [`Execution::step`], or all of them with
//! [`Execution::run`]. Each state type lives in `states/<type>.rs`, as methods of
//! [`Interpreter`]; this file holds what they share: [`Interpreter::run_state`] (one state,
//! with its entered and exited events), [`Interpreter::run_machine`] (a whole machine: a
//! Parallel branch, a Map iteration, a distributed Map's child execution), the history,
//! the execution-level timeout and the end states. `Executor::test_state` (in
//! `test_state.rs`) runs one state through the same [`Interpreter::run_state`].
//!
//! Variables (`Assign`, `$name`) follow one rule, documented in `data_flow/variables.rs`: each run of
//! a machine has its own scope over the scope of the state that runs it; a state's
//! assignments are evaluated by the state and written here, by whoever runs the machine,
//! once the state has ended.
//!
//! Parallel branches and Map iterations run concurrently on the execution's task, so the
//! mutable per-execution data they all touch (the history and the random source) sits in
//! the [`Interpreter`] behind `std::sync::Mutex`es. A lock is only ever held for one push or
//! one draw, never across an `.await`, so it cannot deadlock and never blocks for long.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::Poll;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_core::StateMachine;
use workflow_core::model::{QueryLanguage, State, StateKind};
use workflow_core::timestamp::Timestamp;

use crate::clock::{Clock, SystemClock};
use crate::context::{ExecutionConfig, LazyContext};
use crate::data_flow::{Assigned, Variables, compact, output_is_input};
use crate::durable::Durable;
use crate::error::Failure;
use crate::execution_input::SharedInput;
use crate::handlers::Resources;
use crate::history::{Details, EventType, History, Text};
use crate::limits;
use crate::map_runs::MapRuns;
use crate::nested::StartExecution;
use crate::state_run::TestRun;
pub(crate) use crate::state_run::{StateRun, lock};
use crate::states::recovery::{Awaiting, Completion, Dispatch, Recovered, RetryPoint};

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
    /// Stopped from outside (`StopExecution`).
    Aborted,
}

impl Status {
    /// The status as AWS spells it: `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }

    /// The status named `text`, as AWS spells it.
    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Running,
            Status::Succeeded,
            Status::Failed,
            Status::TimedOut,
            Status::Aborted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
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

/// What an advance of an execution returns of the state it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    /// Its name and input: a [`Step`].
    Step,
    /// Its name only, the step's input `null`: for a caller that does not read it
    /// ([`Execution::run`]), so that a state's input is not copied for it.
    Quiet,
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
    /// Shared by the executions it starts, unless one is given its own.
    pub(crate) config: Arc<ExecutionConfig>,
    /// `config`'s execution ARN, made once: every task attempt hands it to its handler.
    pub(crate) execution_arn: Arc<str>,
    seed: Option<u64>,
    /// Who starts the executions `states:startExecution` tasks ask for.
    pub(crate) executions: Option<Arc<dyn StartExecution>>,
    /// The Distributed Map runs of its executions.
    pub(crate) map_runs: MapRuns,
    /// The durable runner driving its executions, which hands out the task tokens of
    /// tasks that wait in a Parallel branch or a Map iteration.
    pub(crate) runner: Option<Weak<Durable>>,
    /// Where distributed Maps' `ItemReader` and `ResultWriter` read and write (S3 on AWS).
    pub(crate) object_store: Option<Arc<dyn crate::s3::ObjectStore>>,
}

impl Executor {
    /// An executor calling `resources`, on the system clock.
    pub fn new(resources: Resources) -> Self {
        let config = ExecutionConfig::default();
        Executor {
            resources: Arc::new(resources),
            clock: Arc::new(SystemClock),
            execution_arn: config.execution_arn().into(),
            config: Arc::new(config),
            seed: None,
            executions: None,
            map_runs: MapRuns::default(),
            runner: None,
            object_store: None,
        }
    }

    /// The durable runner driving its executions, if any.
    pub(crate) fn runner(&self) -> Option<Arc<Durable>> {
        self.runner.as_ref()?.upgrade()
    }

    /// The Distributed Map runs of its executions (`ListMapRuns`, `DescribeMapRun`,
    /// `UpdateMapRun`).
    pub fn map_runs(&self) -> &MapRuns {
        &self.map_runs
    }

    /// Has `starter` start the executions `states:startExecution` tasks ask for (see
    /// [`crate::nested`]). A [`crate::Durable`] sets itself when none is set.
    pub fn with_executions(mut self, starter: Arc<dyn StartExecution>) -> Self {
        self.executions = Some(starter);
        self
    }

    /// Has distributed Maps read their `ItemReader`'s objects from `store` and write their
    /// `ResultWriter`'s results to it, in place of Amazon S3 (see [`crate::s3::LocalS3`]).
    /// Without one, such a Map fails with `States.ItemReaderFailed` or
    /// `States.ResultWriterFailed`.
    pub fn with_object_store(mut self, store: Arc<dyn crate::s3::ObjectStore>) -> Self {
        self.object_store = Some(store);
        self
    }

    /// Calls `resources` instead of the handlers it was made with.
    pub fn with_resources(mut self, resources: Arc<Resources>) -> Self {
        self.resources = resources;
        self
    }

    /// Uses `clock` for every timestamp and wait (see [`crate::VirtualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the names and place the context object shows.
    pub fn with_config(mut self, config: ExecutionConfig) -> Self {
        self.execution_arn = config.execution_arn().into();
        self.config = Arc::new(config);
        self
    }

    /// Seeds the retry jitter, for reproducible runs.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts an execution of `machine` on `input`: a [`Value`], or an
    /// [`crate::ExecutionInput`] read from the text as sent, which AWS's payload quota
    /// measures.
    pub fn start(
        &self,
        machine: Arc<StateMachine>,
        input: impl Into<crate::ExecutionInput>,
    ) -> Result<Execution, StartError> {
        let input = input.into();
        if input.size() > limits::MAX_PAYLOAD_BYTES {
            return Err(StartError::InputTooLarge(input.size()));
        }
        let (input, text) = input.into_parts();
        let (started, history, input_text) = self.started(&input, text);
        let shared = SharedInput::new(&input, input_text.clone());
        let deadline = machine
            .timeout_seconds
            .map(|s| Timestamp::from_unix_millis(started.unix_millis() + s as i64 * 1000));
        let rng = self.rng();
        Ok(Execution {
            next: Some((machine.start_at.as_str().into(), input)),
            next_text: Some(input_text),
            machine,
            executor: self.clone(),
            history,
            input: shared,
            started,
            deadline,
            outcome: None,
            rng,
            variables: Variables::default(),
            paused: None,
            attached: None,
            at: None,
        })
    }

    /// Continues an execution of `machine` from `checkpoint` (with the names it was started
    /// with) and the history committed with it: at the recorded state with the recorded
    /// input, or where a state paused (a Wait, which wakes at its recorded time, at once if
    /// that has passed; a retry backoff, which goes on with the next attempt). ASL needs no
    /// replay of code.
    pub fn resume(
        &self,
        machine: Arc<StateMachine>,
        checkpoint: Checkpoint,
        history: History,
    ) -> Execution {
        let mut variables = Variables::default();
        variables.assign(Assigned::from_map(checkpoint.variables));
        Execution {
            machine,
            executor: self.clone().with_config(checkpoint.config),
            history,
            input: SharedInput::from_value(checkpoint.input),
            started: Timestamp::from_unix_millis(checkpoint.started),
            rng: fastrand::Rng::with_seed(checkpoint.rng_seed),
            deadline: checkpoint.deadline.map(Timestamp::from_unix_millis),
            next: checkpoint.next,
            next_text: None,
            outcome: None,
            variables,
            paused: checkpoint.paused.map(|p| Box::new(p.after_restart())),
            attached: checkpoint.carried_progress.map(|carried| {
                Box::new(Attached {
                    carried_progress: Some(carried),
                    ..Attached::default()
                })
            }),
            at: None,
        }
    }

    /// The start of a run on `input`: now, a history holding its ExecutionStarted event
    /// (so that the first state is entered at event #2, as AWS numbers it), and the input's
    /// text that event shows, which the first state's entered event shows too.
    /// `text` is the input's compact JSON text, if it was made already.
    pub(crate) fn started(
        &self,
        input: &Value,
        text: Option<String>,
    ) -> (Timestamp, History, Text) {
        let started = self.clock.now();
        let mut history = History::default();
        let text = Text::from(text.unwrap_or_else(|| compact(input)));
        history.record(
            EventType::ExecutionStarted,
            started,
            Details::Started {
                input: text.clone(),
                config: self.config.clone(),
            },
        );
        (started, history, text)
    }

    /// A random source for a run: seeded when the executor is.
    pub(crate) fn rng(&self) -> fastrand::Rng {
        match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        }
    }
}

/// One run of a state machine.
///
/// Its state is plain data (the next state and its input, the history so far, the random
/// source); an [`Interpreter`] borrows it for the length of one step.
pub struct Execution {
    machine: Arc<StateMachine>,
    executor: Executor,
    history: History,
    /// `$$.Execution.Input`.
    input: SharedInput,
    started: Timestamp,
    rng: fastrand::Rng,
    deadline: Option<Timestamp>,
    next: Option<(Arc<str>, Value)>,
    /// The JSON text of `next`'s input, when the state that made it (or the start) has
    /// made it already: the next state's entered event shows the same text.
    next_text: Option<Text>,
    /// Boxed: set once, at the end, it would otherwise take room in every running execution.
    outcome: Option<Box<Ended>>,
    /// The variables of the top-level states.
    variables: Variables<'static>,
    /// A top-level state paused at a durable point: a Wait asleep, or a state waiting out a
    /// retry backoff. Boxed: an execution that is not paused carries a pointer only.
    paused: Option<Box<Paused>>,
    /// What a durable runner attaches; `None` for a plain run.
    attached: Option<Box<Attached>>,
    /// The index of the top-level state that ran last, whose transitions (resolved when
    /// the definition loaded) find the next one; `None` before the first, and after a
    /// resume, when the next is found by name.
    at: Option<usize>,
}

/// What a durable runner attaches to an execution it drives. Boxed in [`Execution`], so
/// that a plain run (and every execution's future) does not carry room for it.
#[derive(Default)]
struct Attached {
    /// Where its top-level Maps record their finished items.
    progress: Option<Arc<dyn Progress>>,
    /// After a redrive, the progress key of the failed run of the state it goes on from:
    /// its Map items and Parallel branches that succeeded do not run again.
    carried_progress: Option<String>,
    /// What workers say about its parked task (through a durable runner).
    messages: Option<tokio::sync::mpsc::UnboundedReceiver<TokenMessage>>,
}

/// How an execution ended: its status, and its output or its failure.
type Ended = (Status, Option<Value>, Option<Failure>);

/// What a parked attempt heard while it waited.
enum Heard {
    Message(TokenMessage),
    /// The channel closed: no runner speaks for the workers any more.
    Closed,
    /// Its `TimeoutSeconds` or `HeartbeatSeconds` ran out.
    Due,
}

/// What a worker says, through a durable runner, about the task token of a parked attempt.
#[derive(Debug)]
pub(crate) enum TokenMessage {
    /// `GetActivityTask` handed the task to `worker`.
    Started { token: String, worker: String },
    /// `SendTaskHeartbeat`.
    Heartbeat { token: String },
    /// `SendTaskSuccess` or `SendTaskFailure`.
    Completed {
        token: String,
        completion: Completion,
    },
}

/// Where a top-level state is paused between two advances of its execution: what a
/// checkpoint keeps so that a resumed execution goes on at the recorded time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Paused {
    /// A Wait state, asleep.
    Wait(Waiting),
    /// A Task, Parallel or Map state waiting out a retry backoff.
    Retry {
        state: Arc<str>,
        input: Value,
        point: RetryPoint,
    },
}

impl Paused {
    /// The pause as a new process finds it: an at-most-once attempt committed before the
    /// restart may have run, so it is interrupted.
    fn after_restart(self) -> Self {
        match self {
            Paused::Retry {
                state,
                input,
                mut point,
            } => {
                if point.dispatch.is_some() {
                    point.dispatch = Some(Dispatch::Interrupted);
                }
                Paused::Retry {
                    state,
                    input,
                    point,
                }
            }
            wait => wait,
        }
    }
}

/// A top-level Wait state between its entered and exited events: a durable point of an
/// execution, so that a resumed execution wakes at the recorded time instead of waiting
/// the whole `Seconds` again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Waiting {
    state: Arc<str>,
    /// Its input; `None` where that is its output (`exit.output`), kept once. Boxed: the
    /// rare case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<Box<Value>>,
    /// When it wakes, in milliseconds since the epoch.
    until: i64,
    /// What the state does when it wakes: its output, `Next` and assignments, all computed
    /// when it was entered (they depend on nothing that changes while it waits).
    exit: Exit,
}

/// Everything an execution needs to continue, besides its definition and history: what a
/// store writes with each transition. Opaque on purpose: only [`Executor::resume`] reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    config: ExecutionConfig,
    input: Value,
    started: i64,
    deadline: Option<i64>,
    next: Option<(Arc<str>, Value)>,
    paused: Option<Paused>,
    variables: serde_json::Map<String, Value>,
    rng_seed: u64,
    /// How many events the history held when it was taken.
    #[serde(default)]
    events: u64,
    /// See [`Execution`]'s field of that name.
    #[serde(default)]
    carried_progress: Option<String>,
}

impl Checkpoint {
    /// Where a redrive of the execution that ended after this checkpoint goes on, at `now`:
    /// the state it ended in, entered again with the same input (a Wait waits again in full;
    /// a state in a retry backoff starts over with its retriers reset), with the
    /// progress of the run that failed carried over, a redrive counted in the context object
    /// (`$$.Execution.RedriveCount`), and the execution's `TimeoutSeconds` counted afresh
    /// (AWS applies the state machine's timeout to each redrive attempt; without that,
    /// a TIMED_OUT execution would time out again at once).
    pub(crate) fn for_redrive(mut self, now: Timestamp, timeout_seconds: Option<u64>) -> Self {
        let (next, carried) = match self.paused.take() {
            Some(Paused::Retry {
                state,
                input,
                point,
            }) => (
                Some((state, input)),
                Some(format!("{}/{}", point.entered, point.count)),
            ),
            Some(Paused::Wait(waiting)) => {
                let input = waiting.input.map_or(waiting.exit.output, |input| *input);
                (Some((waiting.state, input)), None)
            }
            None => {
                let key = (self.events > 0).then(|| format!("{}/0", self.events + 1));
                (self.next.take(), key)
            }
        };
        self.next = next;
        self.carried_progress = carried;
        self.config.redrive_count += 1;
        self.deadline = timeout_seconds.map(|s| now.unix_millis() + s as i64 * 1000);
        self
    }

    /// The state it goes on at (`None` once nothing is left to run).
    pub(crate) fn next_state(&self) -> Option<&str> {
        match &self.paused {
            Some(Paused::Retry { state, .. }) => Some(state),
            Some(Paused::Wait(waiting)) => Some(&waiting.state),
            None => self.next.as_ref().map(|(state, _)| &**state),
        }
    }
}

/// Where a state sends the execution.
pub(crate) enum Flow {
    /// To the named state, with this input (and its JSON text, as the exited event shows
    /// it).
    Next(Arc<str>, Value, Text),
    /// To its end, with this output (and its text).
    End(Value, Text),
    /// A Wait state sleeps until this instant (milliseconds since the epoch), then exits as
    /// [`Interpreter::finish`] says. The caller sleeps: a top-level Wait is a durable point
    /// of the execution (see [`Waiting`]). With its input, where that is not its output.
    Sleep(i64, Exit, Option<Value>),
    /// A top-level state waits out a retry backoff: run it again with this point
    /// ([`Entry::Top`]) and its input to go on.
    Retry(RetryPoint, Value),
}

/// How [`Interpreter::run_state`] runs a state.
pub(crate) enum Entry<'t> {
    /// In a Parallel branch or a Map iteration: retry backoffs are slept in place.
    Nested,
    /// The state a TestState run tests (see `test_state.rs`).
    Test(&'t TestRun),
    /// A top-level state of an execution: a retry backoff pauses it ([`Flow::Retry`]), a
    /// durable point; `Some` goes on from one, without entering the state again.
    Top(Option<RetryPoint>),
}

impl Execution {
    /// Runs the next state (including its retries and waits, and the whole of a Parallel or
    /// Map state). Returns `None` once the execution has ended.
    ///
    /// Dropping the returned future before it completes leaves the execution unusable.
    pub async fn step(&mut self) -> Option<Step> {
        let step = self.advance().await?;
        while self.paused.is_some() {
            self.advance_to(Report::Quiet).await;
        }
        Some(step)
    }

    /// Runs to the next durable point: the end of the next state, a top-level Wait state
    /// entered (and then, on the next call, its end), or a retry backoff begun (and then, on
    /// the next call, the attempts after it). A durable runner commits a [`Checkpoint`]
    /// after each. Returns the state it ran in, or `None` once the execution has ended.
    ///
    /// Dropping the returned future before it completes leaves the execution unusable.
    pub fn advance(&mut self) -> impl Future<Output = Option<Step>> {
        self.advance_to(Report::Step)
    }

    /// [`Execution::advance`]; with [`Report::Quiet`], the step it returns has no input
    /// (`null`), which then need not be copied.
    ///
    /// Not an `async fn`, as [`Interpreter::run_state`] is not.
    fn advance_to(&mut self, report: Report) -> impl Future<Output = Option<Step>> {
        use tracing::Instrument;
        let span = self.span();
        self.advance_in_span(report).instrument(span)
    }

    async fn advance_in_span(&mut self, report: Report) -> Option<Step> {
        // A Wait waking is what a waiting execution does next: that future is the one kept
        // small, as it is what every waiting execution holds; the rest runs boxed.
        if let Some(step) = self.wake(report).await {
            return Some(step);
        }
        Box::pin(self.advance_state(report)).await
    }

    async fn advance_state(&mut self, report: Report) -> Option<Step> {
        let (name, input, resume) = match self.paused.take().map(|p| *p) {
            Some(wait @ Paused::Wait(_)) => {
                // Not reached: `advance_in_span` wakes a Wait first.
                self.paused = Some(Box::new(wait));
                return Box::pin(self.wake(report)).await;
            }
            Some(Paused::Retry {
                state,
                input,
                point,
            }) if point
                .awaiting
                .as_ref()
                .is_some_and(|a| a.completion.is_none()) =>
            {
                // Boxed: rare, and large.
                return Some(Box::pin(self.await_token(state, input, point)).await);
            }
            Some(Paused::Retry {
                state,
                input,
                point,
            }) => (state, input, Some(point)),
            None => {
                let (name, input) = self.next.take()?;
                (name, input, None)
            }
        };
        let input_text = self.next_text.take();
        let machine = self.machine.clone();
        let state = match find_next(&machine, self.at, &name) {
            Ok((index, state)) => {
                self.at = Some(index);
                state
            }
            Err(failure) => {
                self.end_failed(failure);
                return Some(Step {
                    state: name.to_string(),
                    input,
                });
            }
        };
        let mut interpreter = Interpreter::new(
            &self.executor,
            &self.input,
            self.started,
            std::mem::take(&mut self.history),
            self.rng.clone(),
        );
        if let Some(attached) = self.attached.as_deref_mut() {
            interpreter.progress = attached.progress.clone();
            // Only the first run after a redrive continues the failed one.
            interpreter.carried_progress = attached.carried_progress.take();
        }
        let language = machine.query_language.unwrap_or(QueryLanguage::JsonPath);
        let variables = &self.variables;
        let entry = Entry::Top(resume);
        let reported = match report {
            Report::Step => input.clone(),
            Report::Quiet => Value::Null,
        };
        let result = {
            let run = std::pin::pin!(
                interpreter.run_state(state, input, input_text, variables, language, entry)
            );
            within(&self.executor, self.deadline, run).await
        };
        (self.history, self.rng) = interpreter.into_parts();
        self.after_state(&name, result);
        Some(Step {
            state: name.to_string(),
            input: reported,
        })
    }

    /// Runs the next state in place when it never waits (see
    /// [`Interpreter::run_state_inline`]): what [`Execution::advance`] does for it, without
    /// its futures. `false` if it ran nothing: the execution has paused or ended, or its
    /// next state is one to await.
    fn advance_inline(&mut self) -> bool {
        let Some((name, _)) = self.next.as_ref().filter(|_| self.paused.is_none()) else {
            return false;
        };
        let machine = self.machine.clone();
        let Ok((index, state)) = find_next(&machine, self.at, name) else {
            return false;
        };
        let clock = &self.executor.clock;
        // As `within` checks before a state runs: past the deadline, `advance` ends it.
        if self.deadline.is_some_and(|d| clock.now() >= d)
            || !transition_inline(&self.executor, state)
        {
            return false;
        }
        let Some((name, input)) = self.next.take() else {
            return false;
        };
        self.at = Some(index);
        let _span = spans_wanted().then(|| self.span().entered());
        let input_text = self.next_text.take();
        // Only the first run after a redrive continues the failed one; a state that never
        // waits has no progress to continue.
        if let Some(attached) = self.attached.as_deref_mut() {
            attached.carried_progress = None;
        }
        let interpreter = Interpreter::new(
            &self.executor,
            &self.input,
            self.started,
            std::mem::take(&mut self.history),
            self.rng.clone(),
        );
        let language = machine.query_language.unwrap_or(QueryLanguage::JsonPath);
        let result =
            interpreter.run_state_inline(state, input, input_text, &self.variables, language, true);
        (self.history, self.rng) = interpreter.into_parts();
        // As `within` checks after: a state that computed past the deadline timed out.
        let result = self
            .deadline
            .is_none_or(|d| clock.now() <= d)
            .then_some(result);
        self.after_state(&name, result);
        true
    }

    /// After a top-level state has run (`None`: past the execution's deadline): pauses the
    /// execution where the state paused, or moves it on.
    fn after_state(&mut self, name: &Arc<str>, result: Option<Result<(Flow, Assigned), Failure>>) {
        match result {
            Some(Ok((Flow::Sleep(until, exit, input), _))) => {
                self.history.shrink_to_fit();
                self.paused = Some(Box::new(Paused::Wait(Waiting {
                    state: name.clone(),
                    input: input.map(Box::new),
                    until,
                    exit,
                })));
            }
            Some(Ok((Flow::Retry(point, input), _))) => {
                self.paused = Some(Box::new(Paused::Retry {
                    state: name.clone(),
                    input,
                    point,
                }));
            }
            result => self.settle(result),
        }
    }

    /// The span of one advance of the execution, for the program's own subscriber
    /// (`workflow run -v` prints them).
    fn span(&self) -> tracing::Span {
        if !spans_wanted() {
            return tracing::Span::none();
        }
        tracing::info_span!("execution", arn = %self.executor.execution_arn)
    }

    /// Waits, parked, for what a worker says about the task (or for its timeout), and records
    /// it: each is a durable point. The state goes on at the next advance once the task has
    /// ended.
    async fn await_token(&mut self, state: Arc<str>, input: Value, mut point: RetryPoint) -> Step {
        let Some(awaiting) = point.awaiting.as_mut() else {
            return Step {
                state: state.to_string(),
                input,
            };
        };
        let clock = self.executor.clock.clone();
        let deadline = awaiting.deadline();
        let mut messages = self
            .attached
            .as_deref_mut()
            .and_then(|attached| attached.messages.as_mut());
        let wait = async {
            loop {
                let left = deadline - clock.now().unix_millis();
                if left <= 0 {
                    return Heard::Due;
                }
                let timer = clock.sleep(Duration::from_millis(left as u64));
                match messages.as_mut() {
                    Some(messages) => tokio::select! {
                        message = messages.recv() => {
                            return message.map_or(Heard::Closed, Heard::Message);
                        }
                        () = timer => {}
                    },
                    None => timer.await,
                }
            }
        };
        let Some(heard) = within(&self.executor, self.deadline, std::pin::pin!(wait)).await else {
            self.end_timed_out();
            return Step {
                state: state.to_string(),
                input,
            };
        };
        let now = clock.now().unix_millis();
        match heard {
            Heard::Message(message) => {
                if let Some(started) = awaiting.hear(message, now) {
                    self.event(EventType::ActivityStarted, started);
                }
            }
            Heard::Due => awaiting.completion = Some(awaiting.timed_out()),
            // The runner dropped its end of the channel: only the clock is left.
            Heard::Closed => {
                if let Some(attached) = self.attached.as_deref_mut() {
                    attached.messages = None;
                }
            }
        }
        self.paused = Some(Box::new(Paused::Retry {
            state: state.clone(),
            input: input.clone(),
            point,
        }));
        Step {
            state: state.to_string(),
            input,
        }
    }

    /// The parked task waiting for a worker, if the execution is parked on one.
    pub(crate) fn awaiting(&self) -> Option<&Awaiting> {
        match self.paused.as_deref() {
            Some(Paused::Retry { point, .. }) => {
                point.awaiting.as_deref().filter(|a| a.completion.is_none())
            }
            _ => None,
        }
    }

    /// Hears what workers say about its parked tasks on `messages`.
    pub(crate) fn with_messages(
        mut self,
        messages: tokio::sync::mpsc::UnboundedReceiver<TokenMessage>,
    ) -> Self {
        self.attached.get_or_insert_default().messages = Some(messages);
        self
    }

    /// Sleeps until the top-level Wait the execution is paused in wakes, then ends it; `None`
    /// if it is not paused in a Wait. What it holds while it sleeps is most of what a waiting
    /// execution costs: the interpreter is made once it has woken.
    async fn wake(&mut self, report: Report) -> Option<Step> {
        // Read in place; the Wait is taken out once it has woken, so that the future does
        // not hold it while it sleeps.
        let until = match self.paused.as_deref() {
            Some(Paused::Wait(waiting)) => waiting.until,
            _ => return None,
        };
        let clock = self.executor.clock.clone();
        let sleep = async move {
            let left = until - clock.now().unix_millis();
            if left > 0 {
                clock.sleep(Duration::from_millis(left as u64)).await;
            }
        };
        let slept = within(&self.executor, self.deadline, std::pin::pin!(sleep)).await;
        let Some(Paused::Wait(waiting)) = self.paused.take().map(|p| *p) else {
            return None;
        };
        let Waiting {
            state: name,
            input,
            exit,
            ..
        } = waiting;
        let reported = match report {
            Report::Step => input.map_or_else(|| exit.output.clone(), |input| *input),
            Report::Quiet => Value::Null,
        };
        let result = match slept {
            Some(()) => {
                let machine = self.machine.clone();
                let interpreter = Interpreter::new(
                    &self.executor,
                    &self.input,
                    self.started,
                    std::mem::take(&mut self.history),
                    self.rng.clone(),
                );
                let finished = find_state(&machine, &name)
                    .and_then(|(_, state)| interpreter.finish(state, exit, None));
                (self.history, self.rng) = interpreter.into_parts();
                Some(finished)
            }
            None => None,
        };
        self.settle(result);
        Some(Step {
            state: name.to_string(),
            input: reported,
        })
    }

    /// Moves on after a state: to its `Next`, or to the execution's end.
    fn settle(&mut self, result: Option<Result<(Flow, Assigned), Failure>>) {
        match result {
            Some(Ok((flow, assigned))) => {
                // The state has ended: what it assigned is what the next state reads.
                self.variables.assign(assigned);
                match flow {
                    Flow::Next(next, output, text) => {
                        self.next = Some((next, output));
                        self.next_text = Some(text);
                    }
                    Flow::End(output, text) => self.end_succeeded(output, text),
                    // Only `advance` sees a pause; `finish` never returns one.
                    Flow::Sleep(..) | Flow::Retry(..) => self.end_failed(unwoken_wait()),
                }
            }
            Some(Err(failure)) => self.end_failed(failure),
            None => self.end_timed_out(),
        }
        if self.next.is_some() && self.history.len() >= limits::MAX_HISTORY_EVENTS {
            self.next = None;
            self.end_failed(history_limit_failure());
        }
    }

    /// Tells `observer` of each event of this execution as it is appended (the CLI prints
    /// them; a durable runner shows the ones not committed yet): before the state that
    /// records it has ended, unlike [`Execution::history`] between steps.
    pub fn observe(&mut self, observer: crate::history::Observe) {
        self.history.observe(observer);
    }

    /// Makes its top-level Maps record their finished items in `progress`.
    pub(crate) fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.attached.get_or_insert_default().progress = Some(progress);
        self
    }

    /// What a store needs to continue this execution after its last committed event.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            config: (*self.executor.config).clone(),
            input: self.input.value().clone(),
            started: self.started.unix_millis(),
            deadline: self.deadline.map(|d| d.unix_millis()),
            next: self.next.clone(),
            paused: self.paused.as_deref().cloned(),
            variables: self.variables.own(),
            rng_seed: self.rng.get_seed(),
            events: self.history.len() as u64,
            carried_progress: self
                .attached
                .as_deref()
                .and_then(|attached| attached.carried_progress.clone()),
        }
    }

    /// Runs to the end.
    // Not an `async fn`: its future would hold the execution twice (as its argument, and
    // moved into its body).
    #[allow(clippy::manual_async_fn)]
    pub fn run(mut self) -> impl Future<Output = Outcome> + Send {
        async move {
            loop {
                while self.advance_inline() {}
                if self.advance_to(Report::Quiet).await.is_none() {
                    break;
                }
            }
            self.into_outcome()
        }
    }

    /// Whether it has ended.
    pub fn is_done(&self) -> bool {
        self.outcome.is_some()
    }

    /// How it ended, with its output or its failure (`None` while it runs).
    pub fn result(&self) -> Option<(Status, Option<&Value>, Option<&Failure>)> {
        self.outcome
            .as_deref()
            .map(|(status, output, failure)| (*status, output.as_ref(), failure.as_ref()))
    }

    /// The status so far.
    pub fn status(&self) -> Status {
        self.outcome
            .as_deref()
            .map_or(Status::Running, |(s, ..)| *s)
    }

    /// The history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The outcome; `Running` if the execution has not ended.
    pub fn into_outcome(self) -> Outcome {
        let (status, output, failure) = self
            .outcome
            .map_or((Status::Running, None, None), |outcome| *outcome);
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

    fn event(&mut self, event_type: EventType, details: Value) -> u64 {
        self.record(event_type, Details::json(details))
    }

    fn record(&mut self, event_type: EventType, details: Details) -> u64 {
        let now = self.executor.clock.now();
        self.history.record(event_type, now, details)
    }

    /// Ends the execution with `output`, whose `text` the last state's exited event shows.
    fn end_succeeded(&mut self, output: Value, text: Text) {
        self.record(EventType::ExecutionSucceeded, Details::Output(text));
        self.outcome = Some(Box::new((Status::Succeeded, Some(output), None)));
    }

    fn end_failed(&mut self, failure: Failure) {
        self.event(EventType::ExecutionFailed, failure_details(&failure));
        self.outcome = Some(Box::new((Status::Failed, None, Some(failure))));
    }

    fn end_timed_out(&mut self) {
        self.event(EventType::ExecutionTimedOut, json!({}));
        self.outcome = Some(Box::new((Status::TimedOut, None, None)));
    }
}

/// The future of a nested machine's run, boxed because a machine's states may hold machines.
pub(crate) type MachineRun<'a> = Pin<Box<dyn Future<Output = Result<Value, Failure>> + Send + 'a>>;

/// Runs states: the one interpreter. It borrows the execution (or a distributed Map's child
/// execution) it runs in, and shares itself between the Parallel branches and Map iterations
/// that run at once: every state method takes `&self`, and the history and random source sit
/// behind mutexes that are locked for one push or one draw at a time.
pub(crate) struct Interpreter<'a> {
    /// The handlers, the clock and the names the execution runs with.
    pub executor: &'a Executor,
    /// The execution's input, `$$.Execution.Input`.
    pub input: &'a SharedInput,
    /// When the execution started, `$$.Execution.StartTime`.
    pub started: Timestamp,
    history: Mutex<History>,
    rng: Mutex<fastrand::Rng>,
    /// Where a top-level Map records its finished items (a durable execution's).
    pub progress: Option<Arc<dyn Progress>>,
    /// The key of a failed run whose finished items the state it runs continues (after a
    /// redrive).
    pub carried_progress: Option<String>,
}

/// Where a top-level Map state records the items it has finished while it runs (and a
/// Parallel its branches), and finds them when it runs again after a restart, so that a
/// Map of 1,000 items that dies after 600 runs the other 400 only. A durable runner gives
/// its executions one ([`crate::Durable`]); `key` names one run of one state: its entered
/// event and attempt.
pub(crate) trait Progress: Send + Sync {
    /// The outputs of the items of `key` recorded before, by index.
    fn done(&self, key: &str) -> HashMap<usize, Value>;
    /// Records that item `index` of `key` ended with `output`.
    fn record(&self, key: &str, index: usize, output: &Value);
}

/// One run of a top-level Map or Parallel in a [`Progress`] log: its key (the state's
/// entered event and attempt), and the items or branches it recorded before a restart.
pub(crate) struct RunProgress {
    log: Arc<dyn Progress>,
    key: String,
    done: HashMap<usize, Value>,
}

impl RunProgress {
    /// The output of item or branch `index`, if it finished before a restart.
    pub fn done(&self, index: usize) -> Option<Value> {
        self.done.get(&index).cloned()
    }

    /// Records that item or branch `index` finished with `output`.
    pub fn record(&self, index: usize, output: &Value) {
        self.log.record(&self.key, index, output);
    }
}

impl<'a> Interpreter<'a> {
    /// The progress of an attempt of a top-level Map or Parallel state in a durable
    /// execution; `None` elsewhere.
    pub fn run_progress(&self, run: &StateRun<'_>, retry_count: u32) -> Option<RunProgress> {
        let log = self.progress.clone().filter(|_| run.durable)?;
        let key = format!("{}/{retry_count}", run.entered);
        let mut done = log.done(&key);
        // A redriven state's first attempt runs only what its failed run did not finish;
        // what that run finished is recorded for this one too, in case of a restart.
        if retry_count == 0
            && let Some(carried) = &self.carried_progress
        {
            for (index, output) in log.done(carried) {
                if let std::collections::hash_map::Entry::Vacant(entry) = done.entry(index) {
                    log.record(&key, index, &output);
                    entry.insert(output);
                }
            }
        }
        Some(RunProgress { log, key, done })
    }

    /// An interpreter appending to `history` and drawing from `rng`.
    pub fn new(
        executor: &'a Executor,
        input: &'a SharedInput,
        started: Timestamp,
        history: History,
        rng: fastrand::Rng,
    ) -> Self {
        Interpreter {
            executor,
            input,
            started,
            history: Mutex::new(history),
            rng: Mutex::new(rng),
            progress: None,
            carried_progress: None,
        }
    }

    /// The history and the random source, handed back to the execution.
    pub fn into_parts(self) -> (History, fastrand::Rng) {
        (
            self.history
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
            self.rng
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// The current instant, by the executor's clock.
    pub fn now(&self) -> Timestamp {
        self.executor.clock.now()
    }

    /// Appends an event; returns its id.
    pub fn event(&self, event_type: EventType, details: Value) -> u64 {
        self.record(event_type, Details::json(details))
    }

    /// Appends an event with typed details; returns its id.
    pub fn record(&self, event_type: EventType, details: Details) -> u64 {
        self.record_at(event_type, details).0
    }

    /// Appends an event with typed details; returns its id and its timestamp.
    pub fn record_at(&self, event_type: EventType, details: Details) -> (u64, Timestamp) {
        let now = self.now();
        let id = lock(&self.history).record(event_type, now, details);
        tracing::debug!(id, event = ?event_type, "history event");
        (id, now)
    }

    /// How many events the history holds.
    pub fn history_len(&self) -> usize {
        lock(&self.history).len()
    }

    /// A number in `[0, 1)` from the execution's random source.
    pub fn random(&self) -> f64 {
        lock(&self.rng).f64()
    }

    /// A seed for a child's random source, so that a seeded execution stays reproducible.
    pub fn random_seed(&self) -> u64 {
        lock(&self.rng).u64(..)
    }

    /// A UUID (version 4, as AWS's request ids are) from the execution's random source.
    pub fn uuid(&self) -> String {
        let (a, b) = {
            let mut rng = lock(&self.rng);
            (rng.u64(..), rng.u64(..))
        };
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// Sleeps on the executor's clock.
    pub async fn sleep(&self, duration: Duration) {
        self.executor.clock.sleep(duration).await;
    }

    /// The time a state transition takes, before the state is entered. On a clock whose
    /// transitions take time (the virtual clock) it sleeps that long, which moves the
    /// execution towards its `TimeoutSeconds` even in a loop with no wait. On the system
    /// clock it yields to the scheduler every [`TRANSITIONS_PER_YIELD`] transitions, so
    /// that a loop that never waits still lets the execution's timeout timer, the other
    /// executions on the thread and a caller that drops the execution (to cancel it) in.
    async fn transition(&self) {
        let time = self.executor.clock.transition_time();
        if !time.is_zero() {
            self.sleep(time).await;
            return;
        }
        let due = TRANSITIONS.with(|count| {
            let next = count.get() + 1;
            count.set(next % TRANSITIONS_PER_YIELD);
            next == TRANSITIONS_PER_YIELD
        });
        if due {
            tokio::task::yield_now().await;
        }
    }

    /// The context object for the running state, made when a path first reads it;
    /// `retry_count` for the states that retry.
    pub fn context<'r>(
        &'r self,
        run: &'r StateRun<'_>,
        retry_count: Option<u32>,
    ) -> LazyContext<'r> {
        LazyContext::new(move || match run.test {
            Some(test) => test.context(
                &self.executor.config,
                self.input.value(),
                self.started,
                run,
                retry_count,
                None,
            ),
            None => self.executor.config.context(
                self.input.value(),
                self.started,
                run.name,
                run.entered_at,
                retry_count,
            ),
        })
    }

    /// The context object of a Task attempt that waits for a task token: with
    /// `$$.Task.Token`.
    pub fn context_with_token<'r>(
        &'r self,
        run: &'r StateRun<'_>,
        retry_count: u32,
        token: String,
    ) -> LazyContext<'r> {
        LazyContext::new(move || {
            if let Some(test) = run.test {
                return test.context(
                    &self.executor.config,
                    self.input.value(),
                    self.started,
                    run,
                    Some(retry_count),
                    Some(token.clone()),
                );
            }
            let mut context = self.executor.config.context(
                self.input.value(),
                self.started,
                run.name,
                run.entered_at,
                Some(retry_count),
            );
            context["Task"] = json!({ "Token": token });
            context
        })
    }

    /// The task token of an attempt: derived from its idempotency key (execution, state,
    /// entered event, attempt), so an attempt run again after a crash hands out the same
    /// token, which the resumed execution then waits for.
    pub fn task_token(&self, run: &StateRun<'_>, retry_count: u32) -> String {
        use sha2::Digest;
        let key = format!(
            "{}/{}/{}/{retry_count}",
            self.executor.execution_arn, run.name, run.entered
        );
        sha2::Sha256::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Runs a whole machine (a Parallel branch, a Map iteration, a child execution) from its
    /// `StartAt` to its end, through [`Interpreter::run_state`]; returns its output.
    ///
    /// The run has a variable scope of its own over `outer` (the scope of the Parallel or Map
    /// state that runs it; `None` for a distributed Map's child execution), dropped at its
    /// end. `inherited` is the query language of the machine the running state is in, the
    /// default of this one's states unless it sets its own.
    pub fn run_machine<'s>(
        &'s self,
        machine: &'s StateMachine,
        input: Value,
        outer: Option<&'s Variables<'s>>,
        inherited: QueryLanguage,
    ) -> MachineRun<'s> {
        Box::pin(async move {
            let language = machine.query_language.unwrap_or(inherited);
            let mut variables = Variables::nested(outer);
            let (mut at, mut state) = find_state(machine, &machine.start_at)?;
            let mut input = input;
            let mut input_text = None;
            loop {
                // As `run_state_to_end`, with the states that never wait run in place.
                let ran = if transition_inline(self.executor, state) {
                    self.run_state_inline(state, input, input_text, &variables, language, false)?
                } else {
                    self.run_state(
                        state,
                        input,
                        input_text,
                        &variables,
                        language,
                        Entry::Nested,
                    )
                    .await?
                };
                let (flow, assigned) = match ran {
                    (Flow::Sleep(until, exit, _), _) => {
                        self.sleep_until(until).await;
                        self.finish(state, exit, None)?
                    }
                    done => done,
                };
                variables.assign(assigned);
                match flow {
                    Flow::End(output, _) => return Ok(output),
                    Flow::Next(next, output, text) => {
                        (at, state) = find_next(machine, Some(at), &next)?;
                        input = output;
                        input_text = Some(text);
                    }
                    Flow::Sleep(..) | Flow::Retry(..) => return Err(unwoken_wait()),
                }
                // A loop inside a branch would otherwise never come back to `step`'s check.
                if self.history_len() >= limits::MAX_HISTORY_EVENTS {
                    return Err(history_limit_failure());
                }
            }
        })
    }

    /// Runs one state: the entered event, the state's work, the exited event (with the
    /// variables the state assigns, which the caller writes into the scope it runs in).
    /// `variables` is that scope, as the state is entered; `language` is the default query
    /// language of the state's machine.
    ///
    /// `entry` says how: [`Entry::Test`] only for the state [`Executor::test_state`] runs
    /// (never for the states nested in it), which records its inspection data as it
    /// processes its input and output, and makes no retry (see `test_state.rs`);
    /// [`Entry::Top`] for a top-level state of an execution, whose retry backoffs are
    /// durable points.
    ///
    /// `input_text` is the input's JSON text when the state before made it (it showed it as
    /// its output); it is made here otherwise.
    ///
    /// Not an `async fn`: its future would hold its arguments beside the future it awaits,
    /// which holds them too.
    pub fn run_state(
        &self,
        state: &State,
        input: Value,
        input_text: Option<Text>,
        variables: &Variables<'_>,
        language: QueryLanguage,
        entry: Entry<'_>,
    ) -> impl Future<Output = Result<(Flow, Assigned), Failure>> {
        use tracing::Instrument;
        self.run_state_in_span(state, input, input_text, variables, language, entry)
            .instrument(state_span(state))
    }

    async fn run_state_in_span(
        &self,
        state: &State,
        input: Value,
        input_text: Option<Text>,
        variables: &Variables<'_>,
        language: QueryLanguage,
        entry: Entry<'_>,
    ) -> Result<(Flow, Assigned), Failure> {
        let (test, durable, resume) = match entry {
            Entry::Nested => (None, false, None),
            Entry::Test(test) => (Some(test), false, None),
            Entry::Top(resume) => (None, true, resume),
        };
        // TestState runs one state, with no transition into it; a state going on from a
        // retry backoff was entered before the pause.
        if test.is_none() && resume.is_none() {
            self.transition().await;
        }
        let run = self.enter(state, &input, input_text, language, (test, durable, resume));
        // Task, Parallel and Map run boxed: their futures (retries, handler calls, nested
        // machines) are kilobytes, and inline they would size every execution's future, also
        // while it only waits in a Wait state.
        let recovered = match self.run_work(&run, state, input, variables) {
            Work::Done(done) => return done,
            Work::Task(task, input) => Box::pin(self.run_task(&run, task, input, variables)).await,
            Work::Parallel(parallel, input) => {
                Box::pin(self.run_parallel(&run, parallel, input, variables)).await
            }
            Work::Map(map, input) => Box::pin(self.run_map(&run, map, input, variables)).await,
        };
        match recovered? {
            Recovered::Exit(exit) => self.finish(state, exit, None),
            Recovered::Retrying(point, input) => {
                Ok((Flow::Retry(point, input), Assigned::default()))
            }
        }
    }

    /// Runs a state that never waits (Pass, Choice, Wait, Succeed, Fail: a Wait only says
    /// when it wakes) as [`Interpreter::run_state`] does, once [`transition_inline`] has
    /// counted its transition: the same steps, without the futures of a state that waits,
    /// whose making and moving were most of a quick state's cost. `durable` for a top-level
    /// state of an execution ([`Entry::Top`]).
    pub fn run_state_inline(
        &self,
        state: &State,
        input: Value,
        input_text: Option<Text>,
        variables: &Variables<'_>,
        language: QueryLanguage,
        durable: bool,
    ) -> Result<(Flow, Assigned), Failure> {
        let _span = spans_wanted().then(|| state_span(state).entered());
        let run = self.enter(state, &input, input_text, language, (None, durable, None));
        match self.run_work(&run, state, input, variables) {
            Work::Done(done) => done,
            // A caller that did not ask `transition_inline` first.
            Work::Task(..) | Work::Parallel(..) | Work::Map(..) => Err(Failure::new(
                crate::error::names::RUNTIME,
                format!("the state '{}' cannot run without waiting", state.name),
            )),
        }
    }

    /// Enters a state: its entered event (unless it goes on from a retry backoff, entered
    /// before the pause), and the [`StateRun`] its work reads.
    fn enter<'s>(
        &'s self,
        state: &'s State,
        input: &Value,
        input_text: Option<Text>,
        language: QueryLanguage,
        (test, durable, resume): (Option<&'s TestRun>, bool, Option<RetryPoint>),
    ) -> StateRun<'s> {
        let input_text = input_text.unwrap_or_else(|| Text::from(compact(input)));
        let (entered, entered_at) = match &resume {
            Some(point) => (point.entered, Timestamp::from_unix_millis(point.entered_at)),
            None => {
                let (entered_type, _) = EventType::state_events(state.kind.type_name());
                self.record_at(
                    entered_type,
                    Details::Entered {
                        name: state.name.clone(),
                        input: input_text.clone(),
                    },
                )
            }
        };
        let at_most_once = durable
            && matches!(&state.kind, StateKind::Task(task)
                if self.executor.resources.is_at_most_once(&task.resource));
        let run = StateRun {
            name: &state.name,
            parsed: &state.parsed,
            input_text,
            entered,
            entered_at,
            at_most_once,
            jsonata: state.kind.common().query_language.unwrap_or(language)
                == QueryLanguage::Jsonata,
            inherited: language,
            test,
            durable,
            resume: Mutex::new(resume),
            parked: Mutex::new(None),
            random: &self.rng,
        };
        run.inspect(|i| i.input = Some(input.clone()));
        run
    }

    /// A state's work, after its entered event: done in place for the states that never
    /// wait, through its end (the exited event, or a Wait's wake-up time); the others'
    /// work is handed back, to be awaited.
    fn run_work<'s>(
        &self,
        run: &StateRun<'_>,
        state: &'s State,
        input: Value,
        variables: &Variables<'_>,
    ) -> Work<'s> {
        // States with no nested machines: a failed JSONata expression is recorded here.
        // (Task, Parallel and Map record their own in `recover`.)
        let own = |result: Result<Exit, Failure>| {
            result.inspect_err(|failure| self.evaluation_failed(run, failure))
        };
        let same = output_is_input(&state.kind, run.jsonata);
        let exit = match &state.kind {
            StateKind::Task(task) => return Work::Task(task, input),
            StateKind::Parallel(parallel) => return Work::Parallel(parallel, input),
            StateKind::Map(map) => return Work::Map(map, input),
            StateKind::Pass(pass) => own(self.run_pass(run, pass, input, variables)),
            StateKind::Choice(choice) => own(self.run_choice(run, choice, input, variables)),
            StateKind::Wait(wait) => {
                // What a pause keeps of the input: nothing where the output is the input.
                let kept = (!same).then(|| input.clone());
                match self.run_wait(run, wait, input, variables) {
                    Ok((exit, Some(until))) => {
                        let sleep = Flow::Sleep(until, exit, kept);
                        return Work::Done(Ok((sleep, Assigned::default())));
                    }
                    Ok((exit, None)) => Ok(exit),
                    Err(failure) => own(Err(failure)),
                }
            }
            StateKind::Succeed(succeed) => own(self
                .run_succeed(run, succeed, input, variables)
                .map(|output| Exit {
                    output,
                    next: None,
                    assigned: Assigned::default(),
                })),
            StateKind::Fail(fail) => own(Err(self.run_fail(run, fail, input, variables))),
        };
        let text = same.then(|| run.input_text.clone());
        Work::Done(exit.and_then(|exit| self.finish(state, exit, text)))
    }

    /// Runs one state as [`Interpreter::run_state`] does, sleeping through a Wait in place:
    /// for TestState (`run_machine` does the same for the states nested in a Parallel or
    /// Map).
    pub async fn run_state_to_end(
        &self,
        state: &State,
        input: Value,
        input_text: Option<Text>,
        variables: &Variables<'_>,
        language: QueryLanguage,
        entry: Entry<'_>,
    ) -> Result<(Flow, Assigned), Failure> {
        match self
            .run_state(state, input, input_text, variables, language, entry)
            .await?
        {
            (Flow::Sleep(until, exit, _), _) => {
                self.sleep_until(until).await;
                self.finish(state, exit, None)
            }
            done => Ok(done),
        }
    }

    /// Sleeps until `until`, in milliseconds since the epoch, by the executor's clock.
    pub async fn sleep_until(&self, until: i64) {
        let left = until - self.now().unix_millis();
        if left > 0 {
            self.sleep(Duration::from_millis(left as u64)).await;
        }
    }

    /// Ends a state whose work is done: the payload limit on its output, its exited event
    /// (with the variables it assigned, which the caller writes into the scope it runs in),
    /// and where it goes next. `known` is the output's JSON text when it is known already
    /// (a state whose output is its input shows its entered event's text).
    pub fn finish(
        &self,
        state: &State,
        exit: Exit,
        known: Option<Text>,
    ) -> Result<(Flow, Assigned), Failure> {
        let (_, exited_type) = EventType::state_events(state.kind.type_name());
        let Exit {
            output,
            next,
            assigned,
        } = exit;
        // The output's JSON text is both what the payload limit measures and what the exited
        // event (and the next state's entered event) records: make it once.
        let output_text = match known {
            Some(text) if text.len() <= limits::MAX_PAYLOAD_BYTES && !limits::too_deep(&output) => {
                text
            }
            Some(_) => return Err(Failure::data_limit(&state.name)),
            None => match limits::payload_text(&output) {
                Some(text) if text.len() <= limits::MAX_PAYLOAD_BYTES => Text::from(text),
                _ => return Err(Failure::data_limit(&state.name)),
            },
        };
        if let Some(exited_type) = exited_type {
            // AWS's StateExitedEventDetails: the variables the state assigned, each as JSON
            // text, and whether they were truncated (never, in the history API).
            let assigned = (!assigned.is_empty()).then(|| Box::new(assigned.history_details()));
            self.record(
                exited_type,
                Details::Exited {
                    name: state.name.clone(),
                    output: output_text.clone(),
                    assigned,
                },
            );
        }
        let flow = match next {
            Some(next) => Flow::Next(next, output, output_text),
            None => Flow::End(output, output_text),
        };
        Ok((flow, assigned))
    }
}

impl Interpreter<'_> {
    /// Records AWS's `EvaluationFailed` event when a state's own JSONata expression failed
    /// (`States.QueryEvaluationError`); other failures record nothing here.
    pub(crate) fn evaluation_failed(&self, run: &StateRun<'_>, failure: &Failure) {
        if failure.error.as_deref() == Some(crate::error::names::QUERY_EVALUATION_ERROR) {
            let mut details = failure_details(failure);
            details["state"] = json!(run.name);
            self.event(EventType::EvaluationFailed, details);
        }
    }
}

/// `{error, cause}` details of a failure event, without the absent ones.
pub(crate) fn failure_details(failure: &Failure) -> Value {
    let mut details = serde_json::Map::new();
    if let Some(error) = &failure.error {
        details.insert("error".into(), json!(error));
    }
    if let Some(cause) = &failure.cause {
        details.insert("cause".into(), json!(cause));
    }
    Value::Object(details)
}

/// The state named `name`. A validated machine names only its own states; still, never panic.
fn find_state<'m>(machine: &'m StateMachine, name: &str) -> Result<(usize, &'m State), Failure> {
    state_at(machine, name, machine.index_of(name))
}

/// The state a transition to `name` leads to from the state at index `from` (or, with
/// none, the state of that name), with its index: through the transitions resolved when
/// the definition loaded, `name` being the model's own, shared.
fn find_next<'m>(
    machine: &'m StateMachine,
    from: Option<usize>,
    name: &Arc<str>,
) -> Result<(usize, &'m State), Failure> {
    match from {
        Some(from) => state_at(machine, name, machine.target(from, name)),
        None => find_state(machine, name),
    }
}

fn state_at<'m>(
    machine: &'m StateMachine,
    name: &str,
    index: Option<usize>,
) -> Result<(usize, &'m State), Failure> {
    index
        .and_then(|i| Some((i, machine.states.get(i)?)))
        .ok_or_else(|| {
            Failure::new(
                crate::error::names::RUNTIME,
                format!("no state named '{name}'"),
            )
        })
}

/// Runs `run` unless the execution's `TimeoutSeconds` deadline passes first (`None`).
///
/// The deadline wins whenever it comes first, whether `run` waits (the timer fires while it
/// sleeps or yields) or computes (a state that ran past the deadline without an `.await`,
/// a slow expression, has its result dropped). The clock is read on both sides because a
/// timer alone never fires while the task computes: the timer driver only runs between
/// polls.
///
/// `run` comes pinned by the caller: moved in, it would take room twice in this future
/// (as the argument and as the pinned local), and it is the largest thing an execution's
/// step holds.
async fn within<T>(
    executor: &Executor,
    deadline: Option<Timestamp>,
    mut run: Pin<&mut impl Future<Output = T>>,
) -> Option<T> {
    let clock = &executor.clock;
    let mut timer = match deadline {
        Some(deadline) => {
            let left = deadline.unix_millis() - clock.now().unix_millis();
            if left <= 0 {
                return None;
            }
            Some(clock.sleep(Duration::from_millis(left as u64)))
        }
        None => None,
    };
    // One poll function for both cases, rather than `run.await` or a `select!`: each would
    // keep a slot of its own for `run`.
    let result = std::future::poll_fn(|cx| {
        if let Poll::Ready(result) = run.as_mut().poll(cx) {
            return Poll::Ready(Some(result));
        }
        match timer.as_mut().map(|timer| timer.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await?;
    deadline
        .is_none_or(|deadline| clock.now().unix_millis() <= deadline.unix_millis())
        .then_some(result)
}

/// How many state transitions run between two yields to the scheduler on a clock whose
/// transitions take no time of their own (see [`Interpreter::transition`]).
const TRANSITIONS_PER_YIELD: u32 = 64;

thread_local! {
    /// The transitions run on this thread since it last yielded.
    static TRANSITIONS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A sleep where a state's end was expected: `finish` never returns one, so this cannot
/// happen; it is an error rather than a panic all the same.
fn unwoken_wait() -> Failure {
    Failure::new(
        crate::error::names::RUNTIME,
        "a Wait state ended without waking",
    )
}

pub(crate) fn history_limit_failure() -> Failure {
    Failure::new(
        crate::error::names::RUNTIME,
        format!(
            "The execution history reached its limit of {} events.",
            limits::MAX_HISTORY_EVENTS
        ),
    )
}

/// What a state's own work gives: its output, its `Next` (`None` for `End`), and the
/// variables its `Assign` (or its Choice rule's, or its catcher's) sets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Exit {
    pub output: Value,
    pub next: Option<Arc<str>>,
    pub assigned: Assigned,
}

/// A state's work as [`Interpreter::run_work`] leaves it: done, or still to be awaited.
enum Work<'s> {
    /// Done: where the state goes and what it assigned, or how it failed.
    Done(Result<(Flow, Assigned), Failure>),
    Task(&'s workflow_core::model::Task, Value),
    Parallel(&'s workflow_core::model::Parallel, Value),
    Map(&'s workflow_core::model::Map, Value),
}

/// Counts the transition into `state` and says whether [`Interpreter::run_state_inline`]
/// may run it: a state that never waits (all but Task, Parallel and Map), on a clock whose
/// transitions take no time (the virtual clock sleeps through each), when the thread is
/// not due to yield (then [`Interpreter::run_state`] runs it, and yields first, see
/// [`Interpreter::transition`]). It counts nothing when it says no.
fn transition_inline(executor: &Executor, state: &State) -> bool {
    !matches!(
        state.kind,
        StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
    ) && executor.clock.transition_time().is_zero()
        && TRANSITIONS.with(|count| {
            let next = count.get() + 1;
            let inline = next < TRANSITIONS_PER_YIELD;
            if inline {
                count.set(next);
            }
            inline
        })
}

/// Whether a subscriber may want the executor's spans: with none (or none at that level),
/// making a disabled span per state was a tenth of a quick state's cost; this is one load
/// of tracing's global level filter.
fn spans_wanted() -> bool {
    tracing::level_filters::LevelFilter::current() >= tracing::Level::INFO
}

/// The span of one state run, nested in its execution's (and its Parallel's or Map's).
fn state_span(state: &State) -> tracing::Span {
    if !spans_wanted() {
        return tracing::Span::none();
    }
    tracing::info_span!("state", name = %state.name, r#type = state.kind.type_name())
}

/// The `Next` of a state that moves on, `None` for `End`.
pub(crate) fn next_of(transition: &workflow_core::model::Transition) -> Option<Arc<str>> {
    match transition {
        workflow_core::model::Transition::Next(next) => Some(next.clone()),
        workflow_core::model::Transition::End => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executions_with_nested_machines_can_be_spawned() {
        fn is_send<T: Send>(_: &T) {}
        let definition = json!({
            "StartAt": "P",
            "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "M", "States": { "M": { "Type": "Map", "End": true,
                    "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } } } }
            ] } }
        });
        let machine = StateMachine::from_json_str(&definition.to_string()).expect("valid");
        let execution = Executor::new(Resources::new())
            .start(Arc::new(machine), json!([]))
            .expect("starts");
        // The recursion through boxed branch futures keeps `run` spawnable on tokio.
        is_send(&execution.run());
    }
}
