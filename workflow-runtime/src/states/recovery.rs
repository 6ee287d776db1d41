//! `Retry` and `Catch`, as the states that have them (Task, Parallel, Map) share them.

use std::time::Duration;

use serde_json::Value;
use workflow_core::model::{Catcher, Retrier};

use crate::error::Failure;
use crate::executor::{Interpreter, StateRun};
use crate::io::Scope;
use crate::retry::{delay, matching_retrier, max_attempts};

/// The retriers of one state run: how many retries each has spent, and how many there were
/// in all (`$$.State.RetryCount`).
pub(crate) struct Retrying<'a> {
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
    /// The first catcher matching `failure` (`States.Runtime` is never caught): its
    /// `ResultPath` places `{Error, Cause}` in the raw input, and the execution goes on at its
    /// `Next`. Without one, the state fails.
    pub(crate) fn catch(
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
