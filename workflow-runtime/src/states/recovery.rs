//! `Retry` and `Catch`, as the states that have them (Task, Parallel, Map) share them.

use std::time::Duration;

use serde_json::Value;
use workflow_core::model::{Catcher, Retrier, Transition};

use crate::error::Failure;
use crate::executor::{Interpreter, StateRun, next_of};
use crate::history::EventType;
use crate::io::Scope;
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

    /// How many retries there were so far.
    pub fn count(&self) -> u32 {
        self.count
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

/// What one attempt of a state with retriers gave: `Ok(Err(_))` is a failure `Retry` and
/// `Catch` handle; `Err(_)` fails the state at once (a path that does not resolve, say).
pub(crate) type Attempted = Result<Result<Value, Failure>, Failure>;

impl Interpreter<'_> {
    /// Runs `attempt` until it succeeds, retrying as `retriers` say (sleeping the backoff
    /// between attempts; the attempt gets the retry count for `$$.State.RetryCount`), and
    /// hands a failure that outlives them to the catchers. `gave_up` is the event AWS
    /// records once when the state gives up (`MapStateFailed`, `ParallelStateFailed`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn recover<Fut>(
        &self,
        run: &StateRun<'_>,
        retriers: &[Retrier],
        catchers: &[Catcher],
        transition: &Transition,
        gave_up: Option<EventType>,
        input: &Value,
        mut attempt: impl FnMut(u32) -> Fut,
    ) -> Result<(Value, Option<String>), Failure>
    where
        Fut: Future<Output = Attempted>,
    {
        let mut retrying = Retrying::new(retriers);
        loop {
            let failure = match attempt(retrying.count()).await? {
                Ok(output) => return Ok((output, next_of(transition))),
                Err(failure) => failure,
            };
            match retrying.next_delay(&failure, || self.random()) {
                Some(wait) => self.sleep(wait).await,
                None => {
                    if let Some(event) = gave_up {
                        self.event(event, Value::Null);
                    }
                    let count = retrying.count();
                    return self.catch(run, catchers, failure, input.clone(), count);
                }
            }
        }
    }

    /// The first catcher matching `failure` (`States.Runtime` is never caught): its
    /// `ResultPath` places `{Error, Cause}` in the raw input, and the execution goes on at its
    /// `Next`. Without one, the state fails.
    fn catch(
        &self,
        run: &StateRun<'_>,
        catchers: &[Catcher],
        failure: Failure,
        input: Value,
        retry_count: u32,
    ) -> Result<(Value, Option<String>), Failure> {
        let catcher = failure
            .is_caught_by_all()
            .then(|| catchers.iter().find(|c| failure.matches(&c.error_equals)))
            .flatten();
        let Some(catcher) = catcher else {
            return Err(failure);
        };
        let context = self.context(run, Some(retry_count));
        let scope = Scope {
            state: run.name,
            entered: run.entered,
            context: &context,
        };
        let output = scope.merge(&catcher.result_path, input, failure.to_error_output())?;
        Ok((output, Some(catcher.next.clone())))
    }
}
