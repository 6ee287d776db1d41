//! `Retry` and `Catch`, as the states that have them (Task, Parallel, Map) share them.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_core::model::{Catcher, Retrier, Transition};

use crate::data_flow::{Assigned, Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Exit, Interpreter, StateRun, TokenMessage, next_of};
use crate::history::EventType;
use crate::retry::{delay, matching_retrier, max_attempts};

/// The retriers of one state run: how many retries each has spent, and how many there were
/// in all (`$$.State.RetryCount`).
struct Retrying<'a> {
    retriers: &'a [Retrier],
    spent: Vec<u64>,
    count: u32,
}

impl<'a> Retrying<'a> {
    pub fn new(retriers: &'a [Retrier]) -> Self {
        Retrying {
            retriers,
            spent: vec![0; retriers.len()],
            count: 0,
        }
    }

    /// The retriers as a [`RetryPoint`] left them.
    fn resumed(retriers: &'a [Retrier], point: &RetryPoint) -> Self {
        let mut spent = point.spent.clone();
        // A definition's retriers cannot change under an execution (it keeps the definition
        // it started with); still, never index out of bounds.
        spent.resize(retriers.len(), 0);
        Retrying {
            retriers,
            spent,
            count: point.count,
        }
    }

    /// How many retries there were so far.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Where the retries of `run` stand, as a pause that goes on at `until`.
    fn point(
        &self,
        run: &StateRun<'_>,
        until: i64,
        dispatch: Option<Dispatch>,
        awaiting: Option<Awaiting>,
    ) -> RetryPoint {
        RetryPoint {
            entered: run.entered,
            entered_at: run.entered_at.unix_millis(),
            spent: self.spent.clone(),
            count: self.count,
            until,
            dispatch,
            awaiting: awaiting.map(Box::new),
        }
    }

    /// After a failed attempt: how long to wait before the next one, or `None` when no
    /// retrier takes the error or the one that does has no attempts left. `random` (a number
    /// in `[0, 1)` for the jitter) is only drawn when there is a retry, so that a seeded
    /// execution draws the same numbers whatever its retriers.
    pub fn next_delay(
        &mut self,
        failure: &Failure,
        random: impl FnOnce() -> f64,
    ) -> Option<Duration> {
        let i = matching_retrier(self.retriers, failure)?;
        let retrier = &self.retriers[i];
        if self.spent[i] >= max_attempts(retrier) {
            return None;
        }
        let wait = delay(retrier, self.spent[i] as u32, random());
        self.spent[i] += 1;
        self.count += 1;
        Some(wait)
    }
}

/// Where a top-level state's `Retry` stands while it waits out a backoff: a durable point of
/// the execution, as a Wait's sleep is. The execution keeps it in its checkpoint, so that
/// after a restart the state goes on with the next attempt at the recorded time, with the
/// retries it has spent, instead of starting over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RetryPoint {
    /// The id of the state's entered event, and when it was entered.
    pub entered: u64,
    pub entered_at: i64,
    /// Retries spent, per retrier and in all.
    pub spent: Vec<u64>,
    pub count: u32,
    /// When the next attempt starts, in milliseconds since the epoch.
    pub until: i64,
    /// For an at-most-once task, set before each attempt: the attempt is committed before
    /// its handler is called.
    pub dispatch: Option<Dispatch>,
    /// For a task whose attempt waits for a worker (an activity): the attempt, parked.
    pub awaiting: Option<Box<Awaiting>>,
}

/// An attempt parked until a worker completes its task token: an activity task, from
/// `ActivityScheduled` to its end, or a `.waitForTaskToken` callback, from `TaskSubmitted`. A durable point, kept in the execution's checkpoint, so
/// that its token survives a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Awaiting {
    /// The task token a worker completes it with.
    pub token: String,
    /// The activity's ARN; empty for a `.waitForTaskToken` callback, whose integration
    /// handed the token out itself.
    pub activity: String,
    /// The task's input, as the worker gets it (JSON text).
    pub input: String,
    /// The worker that took it (`ActivityStarted`), if one has.
    pub worker: Option<String>,
    /// When it times out (`TimeoutSeconds`, from when it was scheduled), in milliseconds
    /// since the epoch.
    pub timeout_at: i64,
    /// `HeartbeatSeconds`, and when the next heartbeat is due (from the start, then from
    /// each heartbeat).
    pub heartbeat_seconds: Option<u64>,
    pub heartbeat_at: Option<i64>,
    /// How it ended, once it has: what the parked attempt returns when it goes on.
    pub completion: Option<Completion>,
    /// For a `.sync` nested execution, the child it waits for: its end completes the task.
    #[serde(default)]
    pub child: Option<crate::nested::ChildWait>,
}

impl Awaiting {
    /// Takes in what a worker said about a task at `now` (milliseconds since the epoch):
    /// taken (the `ActivityStarted` details to record are returned), alive, or completed.
    /// A message about another task is ignored.
    pub(crate) fn hear(&mut self, message: TokenMessage, now: i64) -> Option<Value> {
        let heartbeat = |seconds: Option<u64>| seconds.map(|s| now + s as i64 * 1000);
        match message {
            TokenMessage::Started { token, worker } if token == self.token => {
                // A worker that gave no name is recorded without one.
                let details = if worker.is_empty() {
                    json!({})
                } else {
                    json!({ "workerName": worker })
                };
                self.worker = Some(worker);
                self.heartbeat_at = heartbeat(self.heartbeat_seconds);
                return Some(details);
            }
            TokenMessage::Heartbeat { token } if token == self.token => {
                self.heartbeat_at = heartbeat(self.heartbeat_seconds);
            }
            TokenMessage::Completed { token, completion } if token == self.token => {
                self.completion = Some(completion);
            }
            _ => {}
        }
        None
    }

    /// When it times out next, by `TimeoutSeconds` or `HeartbeatSeconds`.
    pub fn deadline(&self) -> i64 {
        self.heartbeat_at
            .map_or(self.timeout_at, |h| h.min(self.timeout_at))
    }

    /// The timeout it ends with at `deadline()`: `States.HeartbeatTimeout` when the
    /// heartbeat came first, else `States.Timeout`.
    pub fn timed_out(&self) -> Completion {
        let heartbeat = self.heartbeat_at.is_some_and(|h| h < self.timeout_at);
        Completion::TimedOut {
            error: if heartbeat {
                crate::error::names::HEARTBEAT_TIMEOUT
            } else {
                crate::error::names::TIMEOUT
            }
            .to_owned(),
        }
    }
}

/// How a worker (or the clock) completed a task token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Completion {
    /// `SendTaskSuccess`, with the output.
    Succeeded(Value),
    /// `SendTaskFailure`.
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// No answer in time (`States.Timeout`, `States.HeartbeatTimeout`).
    TimedOut { error: String },
}

/// Where an at-most-once attempt stands at its durable point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Dispatch {
    /// Committed; the same process goes on and calls the handler.
    Ready,
    /// Committed by a process that has since died, perhaps while the handler ran: the
    /// attempt fails with `Workflow.TaskInterrupted` instead of running again.
    Interrupted,
}

/// How a state with retriers ended its run: with its exit, or (at the top level of an
/// execution) paused before a retry.
pub(crate) enum Recovered {
    Exit(Exit),
    /// Paused at this point, with the state's input, which the pause keeps.
    Retrying(RetryPoint, Value),
}

/// What one attempt of a state with retriers gave. An attempt that cannot go on at all (a
/// path that does not resolve, say) is an `Err` beside it: it fails the state at once.
pub(crate) enum Attempted {
    /// Its output, and the variables its `Assign` sets.
    Succeeded(Value, Assigned),
    /// A failure that `Retry` and `Catch` handle.
    Failed(Failure),
}

impl From<(Value, Assigned)> for Attempted {
    fn from((output, assigned): (Value, Assigned)) -> Self {
        Attempted::Succeeded(output, assigned)
    }
}

/// The fields of a Task, Parallel or Map state that its retries and catches read.
pub(crate) struct Recovery<'a> {
    /// `Retry`.
    pub retriers: &'a [Retrier],
    /// `Catch`.
    pub catchers: &'a [Catcher],
    /// `Next` or `End`, where a successful attempt goes.
    pub transition: &'a Transition,
    /// The event AWS records once when the state gives up (`MapStateFailed`,
    /// `ParallelStateFailed`; none for a Task).
    pub gave_up: Option<EventType>,
}

impl Interpreter<'_> {
    /// Runs `attempt` until it succeeds, retrying as the state's retriers say (sleeping the
    /// backoff between attempts; the attempt gets the retry count for
    /// `$$.State.RetryCount`), and hands a failure that outlives them to its catchers.
    /// `variables` is the scope the state runs in, which a catcher's `Assign` reads.
    ///
    /// The state a TestState run tests makes one attempt: a failure a retrier would retry
    /// fails it at once, recorded as retriable. A top-level state of an execution does not
    /// sleep a backoff here: it returns where its retries stand
    /// ([`Recovered::Retrying`]), and goes on from there when run again with that point.
    pub(crate) async fn recover<Fut>(
        &self,
        run: &StateRun<'_>,
        recovery: Recovery<'_>,
        input: &Value,
        variables: &Variables<'_>,
        mut attempt: impl FnMut(u32) -> Fut,
    ) -> Result<Recovered, Failure>
    where
        Fut: Future<Output = Result<Attempted, Failure>>,
    {
        let Recovery {
            retriers,
            catchers,
            transition,
            gave_up,
        } = recovery;
        let (mut retrying, mut dispatch) = match run.resumed_retry() {
            Some(point) => {
                self.sleep_until(point.until).await;
                let dispatch = match point.awaiting.clone() {
                    // A parked attempt goes on with how its task ended (see `Awaiting`); an
                    // at-most-once one is not interrupted: its worker answered.
                    Some(awaiting) => {
                        run.park(*awaiting);
                        Some(Dispatch::Ready)
                    }
                    None => point.dispatch,
                };
                (Retrying::resumed(retriers, &point), dispatch)
            }
            None => (Retrying::new(retriers), None),
        };
        loop {
            // Retries add events without ending the state: the history limit is checked
            // before each attempt, so that `MaxAttempts: 99999999` ends at the limit.
            if self.history_len() >= crate::limits::MAX_HISTORY_EVENTS {
                return Err(crate::executor::history_limit_failure());
            }
            let attempted = match dispatch.take() {
                Some(Dispatch::Interrupted) => {
                    Ok(Attempted::Failed(self.interrupted(run, retrying.count())))
                }
                Some(Dispatch::Ready) => attempt(retrying.count()).await,
                // An at-most-once attempt is committed before it runs: a durable point.
                None if run.at_most_once => {
                    let now = self.now().unix_millis();
                    let point = retrying.point(run, now, Some(Dispatch::Ready), None);
                    return Ok(Recovered::Retrying(point, input.clone()));
                }
                None => attempt(retrying.count()).await,
            };
            // The attempt parked itself until a worker completes its task: a durable point.
            if let Some(awaiting) = run.take_parked() {
                let now = self.now().unix_millis();
                let point = retrying.point(run, now, None, Some(awaiting));
                return Ok(Recovered::Retrying(point, input.clone()));
            }
            if let Err(failure) = &attempted {
                // The state's own JSONata failed: recorded, and (Map, Parallel) the state
                // gives up at once.
                if failure.error.as_deref() == Some(crate::error::names::QUERY_EVALUATION_ERROR) {
                    self.evaluation_failed(run, failure);
                    if let Some(event) = gave_up {
                        self.event(event, Value::Null);
                    }
                }
            }
            let failure = match attempted? {
                Attempted::Succeeded(output, assigned) => {
                    return Ok(Recovered::Exit(Exit {
                        output,
                        next: next_of(transition),
                        assigned,
                    }));
                }
                Attempted::Failed(failure) => failure,
            };
            if run.is_tested() {
                // TestState makes one attempt: that a retrier takes the error is the answer.
                if self.test_retry(run, retriers, &failure) {
                    return Err(failure);
                }
                let count = retrying.count();
                return self
                    .catch(run, catchers, failure, input.clone(), count, variables)
                    .map(Recovered::Exit);
            }
            match retrying.next_delay(&failure, || self.random()) {
                Some(wait) if run.durable && !wait.is_zero() => {
                    let until = self.now().unix_millis() + wait.as_millis() as i64;
                    let point = retrying.point(run, until, None, None);
                    return Ok(Recovered::Retrying(point, input.clone()));
                }
                Some(wait) => self.sleep(wait).await,
                None => {
                    if let Some(event) = gave_up {
                        self.event(event, Value::Null);
                    }
                    let count = retrying.count();
                    return self
                        .catch(run, catchers, failure, input.clone(), count, variables)
                        .map(Recovered::Exit);
                }
            }
        }
    }

    /// For the state a TestState run tests: whether a retrier takes `failure`, given the
    /// retries the request says it has made (`retrierRetryCount`, default none). The
    /// retrier that matches is recorded, and the backoff of its next retry when it has one
    /// left.
    fn test_retry(&self, run: &StateRun<'_>, retriers: &[Retrier], failure: &Failure) -> bool {
        let Some(index) = matching_retrier(retriers, failure) else {
            return false;
        };
        let retrier = &retriers[index];
        let spent = run
            .test_configuration()
            .and_then(|c| c.retrier_retry_count)
            .unwrap_or(0);
        if u64::from(spent) >= max_attempts(retrier) {
            run.retried_by(index, None);
            return false;
        }
        run.retried_by(index, Some(delay(retrier, spent, self.random())));
        run.retriable();
        true
    }

    /// The failure of an at-most-once attempt the process died in (see [`Dispatch`]),
    /// recorded as the attempt's failure.
    fn interrupted(&self, run: &StateRun<'_>, retry_count: u32) -> Failure {
        let failure = Failure::new(
            crate::error::names::TASK_INTERRUPTED,
            format!(
                "The process running this execution stopped during attempt {} of state {}, whose resource runs at most once: the attempt is not run again.",
                retry_count + 1,
                run.name
            ),
        );
        self.event(
            EventType::TaskFailed,
            serde_json::json!({ "error": failure.error, "cause": failure.cause }),
        );
        failure
    }

    /// The first catcher matching `failure` (`States.Runtime` is never caught): its
    /// `ResultPath` places `{Error, Cause}` in the raw input, its `Assign` (reading that error
    /// output as `$`) sets variables instead of the state's own `Assign` (the recorded
    /// `assign_in_catch_state`), and the execution goes on at its `Next`. Without one, the
    /// state fails.
    fn catch(
        &self,
        run: &StateRun<'_>,
        catchers: &[Catcher],
        failure: Failure,
        input: Value,
        retry_count: u32,
        variables: &Variables<'_>,
    ) -> Result<Exit, Failure> {
        let index = failure
            .is_caught_by_all()
            .then(|| {
                catchers
                    .iter()
                    .position(|c| failure.matches(&c.error_equals))
            })
            .flatten();
        let Some(index) = index else {
            return Err(failure);
        };
        let catcher = &catchers[index];
        let context = self.context(run, Some(retry_count));
        let scope = Scope::new(run, &context, variables);
        let error_output = failure.to_error_output();
        let (assigned, output) = if run.jsonata {
            // JSONata: `$states.errorOutput`; the output defaults to the error output. A
            // catcher's own expression that fails is recorded as the state's.
            let states = States::error(&input, &error_output);
            let evaluated = scope
                .assign_with(&catcher.assign, &error_output, states)
                .and_then(|assigned| {
                    Ok((
                        assigned,
                        scope.output(&catcher.output, &error_output, states)?,
                    ))
                });
            evaluated.inspect_err(|failure| self.evaluation_failed(run, failure))?
        } else {
            let assigned = scope.assign(&catcher.assign, &error_output)?;
            (
                assigned,
                scope.merge(&catcher.result_path, input, error_output)?,
            )
        };
        run.caught(index, &failure);
        run.inspect(|i| i.after_result_path = Some(output.clone()));
        Ok(Exit {
            output,
            next: Some(catcher.next.clone()),
            assigned,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::Status;
    use crate::states::test_support::{assigned, run};

    fn catching(catcher_assign: Value) -> Value {
        json!({
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [{ "StartAt": "Boom", "States": {
                        "Boom": { "Type": "Fail", "Error": "Custom.Error", "Cause": "it broke" } } }],
                    "Assign": { "ok": true },
                    "Retry": [{ "ErrorEquals": ["Custom.Error"], "MaxAttempts": 1, "IntervalSeconds": 1 }],
                    "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                        "Assign": catcher_assign, "Next": "After" }],
                    "End": true
                },
                "After": { "Type": "Pass", "End": true,
                    "Parameters": { "error.$": "$error", "retries.$": "$retries" } }
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_catchers_assign_reads_the_error_output_instead_of_the_states_assign() {
        let outcome = run(
            catching(json!({ "error.$": "$.Error", "retries.$": "$$.State.RetryCount" })),
            json!({}),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(
            outcome.output,
            Some(json!({ "error": "Custom.Error", "retries": 1 }))
        );
        // The state's own Assign (`ok`) is not applied when a catcher takes over.
        assert_eq!(
            assigned(&outcome)[0],
            (
                "P".to_owned(),
                json!({ "error": "\"Custom.Error\"", "retries": "1" })
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_catcher_assign_fails_the_state() {
        let outcome = run(catching(json!({ "error.$": "$.Nope" })), json!({})).await;
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(
            outcome.cause.as_deref().is_some_and(
                |c| c.contains("The JSONPath '$.Nope' specified for the field 'error.$'")
            ),
            "{:?}",
            outcome.cause
        );
    }
}
