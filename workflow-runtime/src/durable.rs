//! Durable executions: the executor, driven through a [`Store`].
//!
//! [`Durable::start`] records an execution (its `ExecutionStarted` event and first
//! checkpoint) and answers only once that commit is done; a task of its own then runs it,
//! one [`Execution::advance`] at a time, committing the events and checkpoint of each
//! before the next. [`Durable::resume`] picks up every `RUNNING` execution of the store
//! after a restart. [`Durable::stop`] aborts one, as `StopExecution` does.
//!
//! What this guarantees, and what it does not, is in the [`crate::store`] module docs.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;
use workflow_core::StateMachine;

use crate::context::ExecutionConfig;
use crate::data_flow::compact;
use crate::error::Failure;
use crate::executor::{
    Execution, Executor, Progress, StartError, Status, TokenMessage, failure_details, lock,
};
use crate::handlers::Resources;
use crate::history::{EventType, History, HistoryEvent};
use crate::limits;
use crate::nested::{self, ChildExecution, ChildWait, StartExecution};
use crate::states::recovery::Awaiting;
use crate::store::{
    Commit, ExecutionRecord, NewExecution, Redrive, Started, Store, StoreError, definition_hash,
};
use crate::task_tokens::{TaskTokenError, TaskTokens};

/// Runs executions durably: an [`Executor`] (handlers, clock) and a [`Store`].
pub struct Durable {
    executor: Executor,
    store: Arc<dyn Store>,
    /// The executions this process is driving, and how to stop each.
    running: Mutex<HashMap<String, oneshot::Sender<Stop>>>,
    /// Parsed definitions, by hash: every execution of a definition shares one.
    machines: Mutex<HashMap<String, Arc<StateMachine>>>,
    /// Told when the last running execution ends.
    idle: tokio::sync::Notify,
    /// The handlers of one execution, when they are not the executor's.
    resources_for: Option<ResourcesFor>,
    /// The parked tasks workers take and complete.
    pub(crate) tokens: TaskTokens,
    /// The state machines `states:startExecution` tasks can start, by ARN: their names and
    /// definitions (see [`Durable::register_state_machine`]).
    state_machines: Mutex<HashMap<String, String>>,
    /// The children `.sync` tasks wait for, by the child's ARN: the parent, the parked
    /// task's token and how it reads the child.
    children: Mutex<HashMap<String, WaitingParent>>,
    /// The events of running executions not committed yet (those of a state still running:
    /// a Map's iterations, a Task's attempts), shown by [`Durable::history`].
    live: Arc<Mutex<HashMap<String, Vec<HistoryEvent>>>>,
    /// The ARN of each execution whose history or status changed: once its commit is done,
    /// and at each event of a state still running ([`Durable::history`] shows those). What
    /// a live view (the server's console) waits on instead of polling the store.
    changes: tokio::sync::broadcast::Sender<String>,
}

/// A parent's `.sync` task waiting for a child execution.
struct WaitingParent {
    parent: String,
    token: String,
    wait: ChildWait,
}

/// How many changes a slow watcher may fall behind before it misses some (it is told, and
/// reads the store again).
const CHANGES: usize = 1024;

/// Chooses an execution's handlers from its record (a server's `MockConfigFile` test case,
/// say); `None` keeps the executor's. Asked when the execution starts and when it resumes.
pub type ResourcesFor = Box<dyn Fn(&ExecutionRecord) -> Option<Arc<Resources>> + Send + Sync>;

/// A request to abort a running execution.
struct Stop {
    error: Option<String>,
    cause: Option<String>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// An execution to start durably.
#[derive(Debug, Clone)]
pub struct StartRequest {
    /// Its names (execution, state machine, account, region, role): its ARN is
    /// [`ExecutionConfig::execution_arn`].
    pub config: ExecutionConfig,
    /// The ARN of what was started (a state machine, or one of its versions).
    pub state_machine_arn: String,
    /// The definition it runs.
    pub definition: String,
    /// Its input, measured as sent (a [`Value`] converts with `.into()`).
    pub input: crate::ExecutionInput,
    /// What else the caller records with it ([`ExecutionRecord::attributes`]).
    pub attributes: Value,
}

/// Why an execution cannot be redriven: AWS's `redriveStatusReason` (and the message of
/// `RedriveExecution`'s `ExecutionNotRedrivable` error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotRedrivable {
    /// It is `RUNNING` or `SUCCEEDED`.
    #[error("Execution is {0} and cannot be redriven")]
    Status(&'static str),
    /// It holds (or a redrive would take it past) the 25,000-event history limit.
    #[error("Execution history event limit exceeded")]
    HistoryLimit,
    /// It was redriven 1,000 times.
    #[error("Execution has been redriven the maximum number of times")]
    RedriveLimit,
    /// It ended more than 14 days ago.
    #[error("Execution redrivable period exceeded")]
    PeriodExceeded,
    /// It ended before this program kept the checkpoint a redrive starts from.
    #[error("Execution was started before the launch of RedriveExecution.")]
    NoCheckpoint,
}

/// How long after its end AWS lets an execution be redriven: 14 days.
const REDRIVABLE_PERIOD_MILLIS: i64 = 14 * 24 * 3600 * 1000;

/// How many times AWS lets an execution be redriven.
const MAX_REDRIVES: u32 = 1000;

/// Whether an execution (as stored, with `events` events) can be redriven at `now`, and if
/// not, why. Only `Standard` executions can be: the caller checks the type.
pub fn redrivable(record: &ExecutionRecord, events: usize, now: i64) -> Result<(), NotRedrivable> {
    match record.status {
        Status::Failed | Status::TimedOut | Status::Aborted => {}
        status => return Err(NotRedrivable::Status(status.as_str())),
    }
    // The redrive adds an event, and the state it enters at least one more.
    if events + 2 > limits::MAX_HISTORY_EVENTS {
        return Err(NotRedrivable::HistoryLimit);
    }
    if record.redrive_count >= MAX_REDRIVES {
        return Err(NotRedrivable::RedriveLimit);
    }
    if record
        .stop_date
        .is_some_and(|stopped| now - stopped > REDRIVABLE_PERIOD_MILLIS)
    {
        return Err(NotRedrivable::PeriodExceeded);
    }
    Ok(())
}

/// Why a redrive did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// No execution has that ARN.
    #[error("Execution Does Not Exist: '{0}'")]
    DoesNotExist(String),
    /// The execution cannot be redriven.
    #[error(transparent)]
    NotRedrivable(#[from] NotRedrivable),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a durable execution could not start.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The executor refused it (input too large, invalid definition).
    #[error(transparent)]
    Start(#[from] StartError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Durable {
    /// Runs executions with `executor`'s handlers and clock, kept in `store`.
    pub fn new(executor: Executor, store: Arc<dyn Store>) -> Arc<Self> {
        Self::build(executor, store, None)
    }

    /// Like [`Durable::new`], with each execution's handlers chosen by `resources_for`.
    pub fn with_resources_for(
        executor: Executor,
        store: Arc<dyn Store>,
        resources_for: ResourcesFor,
    ) -> Arc<Self> {
        Self::build(executor, store, Some(resources_for))
    }

    fn build(
        executor: Executor,
        store: Arc<dyn Store>,
        resources_for: Option<ResourcesFor>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|durable| {
            // Unless told otherwise, nested executions start the registered state machines.
            let executor = match executor.executions {
                Some(_) => executor,
                None => {
                    executor.with_executions(Arc::new(RegisteredStateMachines(durable.clone())))
                }
            };
            // Map runs are kept in the store, to be listed after a restart.
            executor.map_runs.persist_to(store.clone());
            // Tasks that wait in a Parallel branch or a Map iteration get their tokens here.
            let mut executor = executor;
            executor.runner = Some(durable.clone());
            Durable {
                executor,
                store,
                running: Mutex::default(),
                machines: Mutex::default(),
                idle: tokio::sync::Notify::new(),
                resources_for,
                tokens: TaskTokens::default(),
                state_machines: Mutex::default(),
                children: Mutex::default(),
                live: Arc::default(),
                changes: tokio::sync::broadcast::channel(CHANGES).0,
            }
        })
    }

    /// Lets `states:startExecution` tasks start `definition` as the state machine `arn`
    /// (`arn:aws:states:<region>:<account>:stateMachine:<name>`), with this runner's
    /// handlers. A server with its own state machines gives its executor a
    /// [`StartExecution`] instead.
    pub fn register_state_machine(&self, arn: impl Into<String>, definition: impl Into<String>) {
        lock(&self.state_machines).insert(arn.into(), definition.into());
    }

    /// The ARNs of executions as they change (started, advanced, ended, stopped), each sent
    /// once its commit is in the store, so that what a receiver reads there is current; and
    /// at each event of a state still running, which [`Durable::history`] shows.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Tells the watchers that `arn` changed (nobody listening is fine).
    fn changed(&self, arn: &str) {
        let _ = self.changes.send(arn.to_owned());
    }

    /// The executor for one execution: its handlers, as `resources_for` chooses.
    fn executor_for(&self, record: &ExecutionRecord) -> Executor {
        match self.resources_for.as_ref().and_then(|f| f(record)) {
            Some(resources) => self.executor.clone().with_resources(resources),
            None => self.executor.clone(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The executor.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The parsed definition, shared by every execution of it.
    fn machine(&self, hash: &str, definition: &str) -> Result<Arc<StateMachine>, StartError> {
        if let Some(machine) = lock(&self.machines).get(hash) {
            return Ok(machine.clone());
        }
        let machine = StateMachine::from_json_str(definition)
            .map(Arc::new)
            .map_err(|invalid| StartError::InvalidDefinition(invalid.to_string()))?;
        lock(&self.machines).insert(hash.to_owned(), machine.clone());
        Ok(machine)
    }

    /// Records the execution and starts running it; answers once the start is committed.
    /// An execution with the same ARN that exists already is returned as
    /// [`Started::Existing`], and nothing starts.
    pub async fn start(
        self: &Arc<Self>,
        request: StartRequest,
    ) -> Result<(ExecutionRecord, Started), DurableError> {
        let hash = definition_hash(&request.definition);
        let machine = self.machine(&hash, &request.definition)?;
        let arn = request.config.execution_arn();
        let mut record = ExecutionRecord {
            arn: arn.clone(),
            name: request.config.name.clone(),
            state_machine_arn: request.state_machine_arn,
            status: Status::Running,
            start_date: 0,
            stop_date: None,
            input: compact(request.input.value()),
            output: None,
            error: None,
            cause: None,
            definition_hash: hash,
            attributes: request.attributes,
            redrive_count: 0,
            redrive_date: None,
        };
        let execution = self
            .executor_for(&record)
            .with_config(request.config)
            .start(machine, request.input)?;
        let started = execution.history().events()[0].clone();
        record.start_date = started.timestamp.unix_millis();
        let stored = self
            .store
            .start(NewExecution {
                record: record.clone(),
                definition: request.definition,
                started,
                checkpoint: execution.checkpoint(),
            })
            .await?;
        match stored {
            Started::New => {
                self.changed(&arn);
                self.spawn(arn, execution);
                Ok((record, Started::New))
            }
            Started::Existing(existing) => Ok(((*existing).clone(), Started::Existing(existing))),
        }
    }

    /// Resumes every `RUNNING` execution of the store that this process is not driving
    /// (after a restart, all of them); returns how many. One whose definition no longer
    /// parses fails with `States.Runtime` rather than being lost.
    pub async fn resume(self: &Arc<Self>) -> Result<usize, StoreError> {
        let mut resumed = 0;
        for (record, checkpoint) in self.store.running()? {
            if lock(&self.running).contains_key(&record.arn) {
                continue;
            }
            let definition = self
                .store
                .definition(&record.definition_hash)?
                .unwrap_or_default();
            let history = History::from_events(self.store.history(&record.arn)?);
            match self.machine(&record.definition_hash, &definition) {
                Ok(machine) => {
                    let execution = self
                        .executor_for(&record)
                        .resume(machine, checkpoint, history);
                    self.spawn(record.arn, execution);
                    resumed += 1;
                }
                Err(e) => {
                    let details = json!({
                        "error": crate::names::RUNTIME,
                        "cause": format!("The execution cannot resume: {e}"),
                    });
                    self.end(
                        &record.arn,
                        history.len(),
                        EventType::ExecutionFailed,
                        details,
                    )
                    .await?;
                }
            }
        }
        Ok(resumed)
    }

    /// Redrives an execution that ended `FAILED`, `TIMED_OUT` or `ABORTED`, as
    /// `RedriveExecution` does: an `ExecutionRedriven` event, then the state it ended in
    /// runs again with the same input (see [`crate::Checkpoint`]'s redrive rules), keeping
    /// its history, its variables, and the Map items and Parallel branches that had
    /// succeeded. Answers with the execution as stored once the redrive is committed.
    pub async fn redrive(self: &Arc<Self>, arn: &str) -> Result<ExecutionRecord, RedriveError> {
        let record = self
            .store
            .execution(arn)?
            .ok_or_else(|| RedriveError::DoesNotExist(arn.to_owned()))?;
        let now = self.executor.clock.now();
        let count = self.store.event_count(arn)? as usize;
        redrivable(&record, count, now.unix_millis())?;
        let mut events = self.store.history(arn)?;
        let definition = self
            .store
            .definition(&record.definition_hash)?
            .unwrap_or_default();
        let machine = self
            .machine(&record.definition_hash, &definition)
            .map_err(|_| NotRedrivable::NoCheckpoint)?;
        let checkpoint = self
            .store
            .checkpoint(arn)?
            .filter(|c| c.next_state().is_some())
            .ok_or(NotRedrivable::NoCheckpoint)?
            .for_redrive(now, machine.timeout_seconds);
        let event = HistoryEvent::new(
            events.len() as u64 + 1,
            EventType::ExecutionRedriven,
            now,
            json!({ "redriveCount": record.redrive_count + 1 }),
        );
        events.push(event.clone());
        self.store
            .redrive(
                arn.to_owned(),
                Redrive {
                    event,
                    checkpoint: checkpoint.clone(),
                    date: now.unix_millis(),
                },
            )
            .await?;
        self.changed(arn);
        let record = self
            .store
            .execution(arn)?
            .ok_or_else(|| RedriveError::DoesNotExist(arn.to_owned()))?;
        let execution =
            self.executor_for(&record)
                .resume(machine, checkpoint, History::from_events(events));
        self.spawn(arn.to_owned(), execution);
        Ok(record)
    }

    /// Aborts a running execution, as `StopExecution` does: its `ExecutionAborted` event (with
    /// `error` and `cause`, when given) and status `ABORTED`, committed before this returns.
    /// The state it was in stops where it is. Returns the execution as stored afterwards
    /// (unchanged when it had already ended); `None` for an unknown ARN.
    pub async fn stop(
        &self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<Option<ExecutionRecord>, StoreError> {
        let children = self.children_of(arn);
        let stopped = self.stop_one(arn, error, cause).await?;
        // Stopping a parent stops the children its `.sync` tasks wait for, as on AWS.
        for child in children {
            Box::pin(self.stop(&child, None, None)).await?;
        }
        Ok(stopped)
    }

    async fn stop_one(
        &self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<Option<ExecutionRecord>, StoreError> {
        // Taken out of the map: the runner forgets it when it has aborted it.
        let sender = lock(&self.running).remove(arn);
        let (done, answer) = oneshot::channel();
        let stop = Stop { error, cause, done };
        let undelivered = match sender {
            Some(sender) => sender.send(stop).err(),
            None => Some(stop),
        };
        match undelivered {
            // The runner aborts it between two commits.
            None => {
                // The runner ended first (the execution ended on its own): nothing to do.
                if let Ok(result) = answer.await {
                    result?;
                }
            }
            // Not driven here (its runner ended, or it never resumed): abort it in the store.
            Some(stop) => {
                if let Some(record) = self.store.execution(arn)?
                    && record.status == Status::Running
                {
                    let events = self.store.history(arn)?.len();
                    self.end(
                        arn,
                        events,
                        EventType::ExecutionAborted,
                        abort_details(&stop),
                    )
                    .await?;
                    self.child_ended(arn);
                }
            }
        }
        self.store.execution(arn)
    }

    /// An execution's events: the committed ones, then those of a running execution's
    /// current state that are not committed yet (a Map's iterations so far, a Task's
    /// attempts), which a crash would replace with those of the state's run after the
    /// restart.
    pub fn history(&self, arn: &str) -> Result<Vec<HistoryEvent>, StoreError> {
        let mut events = self.store.history(arn)?;
        if let Some(live) = lock(&self.live).get(arn) {
            let stored = events.len();
            events.extend(live.iter().filter(|e| e.id as usize > stored).cloned());
        }
        Ok(events)
    }

    /// Waits until this process drives no execution (every one has ended or been stopped).
    pub async fn idle(&self) {
        loop {
            // Created before the check, so an end between the two is not missed.
            let notified = self.idle.notified();
            if lock(&self.running).is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// Whether this process is driving the execution.
    pub fn is_running(&self, arn: &str) -> bool {
        lock(&self.running).contains_key(arn)
    }

    /// `GetActivityTask`: the oldest task of `activity` no worker has taken, for `worker`:
    /// its token and input (JSON text). Waits up to `wait` (AWS waits 60 s) for one.
    pub async fn get_activity_task(
        &self,
        activity: &str,
        worker: &str,
        wait: Duration,
    ) -> Option<(String, String)> {
        self.tokens.take(activity, worker, wait).await
    }

    /// `SendTaskSuccess`: the task with `token` succeeded with `output`. The execution goes
    /// on once it has recorded that.
    pub fn send_task_success(&self, token: &str, output: Value) -> Result<(), TaskTokenError> {
        self.tokens.succeed(token, output)
    }

    /// `SendTaskFailure`: the task with `token` failed.
    pub fn send_task_failure(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), TaskTokenError> {
        self.tokens.fail(token, error, cause)
    }

    /// The tokens of the task `execution` waits on (a `.waitForTaskToken` callback's, or an
    /// activity's), for a console to complete; empty when it waits on none.
    pub fn task_tokens(&self, execution: &str) -> Vec<String> {
        self.tokens.of(execution)
    }

    /// `SendTaskHeartbeat`: the task's worker is alive (resets `HeartbeatSeconds`).
    pub fn send_task_heartbeat(&self, token: &str) -> Result<(), TaskTokenError> {
        self.tokens.heartbeat(token)
    }

    fn spawn(self: &Arc<Self>, arn: String, mut execution: Execution) {
        let (runner, messages) = tokio::sync::mpsc::unbounded_channel();
        let (live, observed, changes) = (self.live.clone(), arn.clone(), self.changes.clone());
        execution.observe(Arc::new(move |event| {
            lock(&live)
                .entry(observed.clone())
                .or_default()
                .push(event.clone());
            // A live view shows a running state's events too (see `Durable::history`).
            let _ = changes.send(observed.clone());
        }));
        let execution = execution
            .with_progress(Arc::new(StoreProgress {
                store: self.store.clone(),
                arn: arn.clone(),
            }))
            .with_messages(messages);
        self.tokens.register(&arn, execution.awaiting(), &runner);
        self.watch_child(&arn, execution.awaiting());
        let (sender, receiver) = oneshot::channel();
        lock(&self.running).insert(arn.clone(), sender);
        let durable = self.clone();
        tokio::spawn(async move { durable.drive(arn, execution, receiver, runner).await });
    }

    /// Runs an execution to its end, committing after each advance; aborts it when asked.
    async fn drive(
        self: Arc<Self>,
        arn: String,
        mut execution: Execution,
        mut stop: oneshot::Receiver<Stop>,
        runner: tokio::sync::mpsc::UnboundedSender<TokenMessage>,
    ) {
        let mut committed = execution.history().len();
        loop {
            if execution.is_done() {
                break;
            }
            let advanced = tokio::select! {
                biased;
                Ok(stop) = &mut stop => {
                    let details = abort_details(&stop);
                    let result = self
                        .end(&arn, committed, EventType::ExecutionAborted, details)
                        .await;
                    let _ = stop.done.send(result);
                    self.forget(&arn);
                    return;
                }
                advanced = execution.advance() => advanced,
            };
            if advanced.is_none() {
                break;
            }
            let events = execution.history().events()[committed..].to_vec();
            committed = execution.history().len();
            let commit = self.commit_of(&execution, events);
            if let Err(e) = self.store.commit(arn.clone(), commit).await {
                // The execution stays RUNNING in the store, at its last commit, and resumes
                // when the store works again (at the next start).
                tracing::error!(execution = %arn, error = %e, "cannot commit a transition");
                break;
            }
            if let Some(live) = lock(&self.live).get_mut(&arn) {
                live.retain(|event| event.id as usize > committed);
            }
            self.changed(&arn);
            // Only once its task is committed may a worker take it.
            self.tokens.register(&arn, execution.awaiting(), &runner);
            self.watch_child(&arn, execution.awaiting());
        }
        self.forget(&arn);
    }

    /// When the parked task of `parent` is a `.sync` nested execution, watches its child,
    /// and completes the task at once if the child has ended already.
    pub(crate) fn watch_child(&self, parent: &str, awaiting: Option<&Awaiting>) {
        let Some((child, token)) = awaiting.and_then(|a| Some((a.child.clone()?, &a.token))) else {
            return;
        };
        let arn = child.arn.clone();
        lock(&self.children).insert(
            arn.clone(),
            WaitingParent {
                parent: parent.to_owned(),
                token: token.clone(),
                wait: child,
            },
        );
        // Looked at after watching, so that an end in between is not missed.
        if let Ok(Some(record)) = self.store.execution(&arn)
            && record.status != Status::Running
        {
            self.child_ended(&arn);
        }
    }

    /// Completes the `.sync` task waiting for `child`, which has ended.
    fn child_ended(&self, child: &str) {
        let Some(waiting) = lock(&self.children).remove(child) else {
            return;
        };
        if let Ok(Some(record)) = self.store.execution(child) {
            let completion = nested::completion(&record, &waiting.wait);
            // The parent may have moved on (stopped, timed out): then nothing waits.
            let _ = self.tokens.complete(&waiting.token, completion);
        }
    }

    /// The children the `.sync` tasks of `parent` wait for.
    fn children_of(&self, parent: &str) -> Vec<String> {
        lock(&self.children)
            .iter()
            .filter(|(_, waiting)| waiting.parent == parent)
            .map(|(child, _)| child.clone())
            .collect()
    }

    /// Drops a finished execution from the running ones, and its task tokens; a parent
    /// waiting for it hears of its end.
    fn forget(&self, arn: &str) {
        lock(&self.live).remove(arn);
        self.child_ended(arn);
        self.tokens.forget(arn);
        let mut running = lock(&self.running);
        running.remove(arn);
        if running.is_empty() {
            self.idle.notify_waiters();
        }
    }

    /// The commit of an execution's latest advance.
    fn commit_of(&self, execution: &Execution, events: Vec<HistoryEvent>) -> Commit {
        match execution.result() {
            None => Commit {
                events,
                checkpoint: Some(execution.checkpoint()),
                status: Status::Running,
                output: None,
                error: None,
                cause: None,
                stop_date: None,
            },
            Some((status, output, failure)) => Commit {
                events,
                checkpoint: None,
                status,
                output: output.map(compact),
                error: failure.and_then(|f| f.error.clone()),
                // AWS reports an empty cause (a timeout's) as none.
                cause: failure
                    .and_then(|f| f.cause.clone())
                    .filter(|c| !c.is_empty()),
                stop_date: Some(self.executor.clock.now().unix_millis()),
            },
        }
    }

    /// Ends an execution with one event after its `events` committed ones: aborted, or failed
    /// when it cannot resume.
    async fn end(
        &self,
        arn: &str,
        events: usize,
        event_type: EventType,
        details: Value,
    ) -> Result<(), StoreError> {
        let now = self.executor.clock.now();
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        let commit = Commit {
            status: if event_type == EventType::ExecutionAborted {
                Status::Aborted
            } else {
                Status::Failed
            },
            output: None,
            error: text("error"),
            cause: text("cause"),
            stop_date: Some(now.unix_millis()),
            checkpoint: None,
            events: vec![HistoryEvent::new(
                events as u64 + 1,
                event_type,
                now,
                details,
            )],
        };
        self.store.commit(arn.to_owned(), commit).await?;
        self.changed(arn);
        Ok(())
    }
}

/// The state machines registered with a [`Durable`], started by its nested executions.
struct RegisteredStateMachines(Weak<Durable>);

impl StartExecution for RegisteredStateMachines {
    fn start_execution(
        &self,
        child: ChildExecution,
    ) -> Pin<Box<dyn Future<Output = Result<ExecutionRecord, Failure>> + Send + '_>> {
        Box::pin(async move {
            let durable = self.0.upgrade().ok_or_else(|| {
                Failure::new(crate::names::TASK_FAILED, "the runner has shut down")
            })?;
            let definition = lock(&durable.state_machines)
                .get(&child.state_machine_arn)
                .cloned()
                .ok_or_else(|| {
                    Failure::new(
                        "StepFunctions.StateMachineDoesNotExistException",
                        format!(
                            "State Machine Does Not Exist: '{}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist)",
                            child.state_machine_arn
                        ),
                    )
                })?;
            let parent = &durable.executor.config;
            let config = ExecutionConfig {
                name: child.name.clone(),
                state_machine_name: child
                    .state_machine_arn
                    .rsplit(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                redrive_count: 0,
                ..(**parent).clone()
            };
            let request = StartRequest {
                config,
                state_machine_arn: child.state_machine_arn.clone(),
                definition,
                input: child.input.clone().into(),
                attributes: json!({ "parentExecutionArn": child.parent }),
            };
            match durable.start(request).await {
                Ok((record, Started::New)) => Ok(record),
                // The same child again (a task repeated after a crash): the one it started.
                Ok((record, Started::Existing(_)))
                    if serde_json::from_str::<Value>(&record.input).ok()
                        == Some(child.input.clone()) =>
                {
                    Ok(record)
                }
                Ok((record, Started::Existing(_))) => Err(Failure::new(
                    "StepFunctions.ExecutionAlreadyExistsException",
                    format!(
                        "Execution Already Exists: '{}' (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists)",
                        record.arn
                    ),
                )),
                Err(e) => Err(Failure::new(
                    "StepFunctions.InvalidExecutionInputException",
                    e.to_string(),
                )),
            }
        })
    }
}

/// A durable execution's Map progress, in its store.
struct StoreProgress {
    store: Arc<dyn Store>,
    arn: String,
}

impl Progress for StoreProgress {
    fn done(&self, key: &str) -> HashMap<usize, Value> {
        // Progress is a hint: what cannot be read back runs again.
        self.store
            .progress(&self.arn, key)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(index, output)| {
                Some((index as usize, serde_json::from_str(&output).ok()?))
            })
            .collect()
    }

    fn record(&self, key: &str, index: usize, output: &Value) {
        // Not awaited by the Map: the store writes it with the next group of commits.
        let write = self.store.clone();
        let (arn, key, output) = (self.arn.clone(), key.to_owned(), compact(output));
        tokio::spawn(async move {
            let _ = write.record_progress(arn, key, index as u64, output).await;
        });
    }
}

/// `executionAbortedEventDetails`: the error and cause given to `StopExecution`, if any.
fn abort_details(stop: &Stop) -> Value {
    failure_details(&crate::Failure {
        error: stop.error.clone(),
        cause: stop.cause.clone(),
    })
}
