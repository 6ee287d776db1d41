//! The run of one state, as the state files see it ([`StateRun`]), and what a TestState
//! run records of it ([`TestRun`]). A leaf of the interpreter: the executor makes a
//! `StateRun`, input and output processing reads it, the state files record into it, and
//! `test_state` reads the record. It uses none of their code, only the data types they
//! exchange (TestState's options and inspection data, a Task's retry point), so none of
//! them needs another through it.

use std::sync::{Mutex, MutexGuard, PoisonError};

use workflow_core::model::{Parsed, QueryLanguage};
use workflow_core::timestamp::Timestamp;

use crate::error::Failure;
use crate::history::Text;
use crate::states::recovery::{Awaiting, RetryPoint};
use crate::test_state::{InspectionData, TestConfiguration, TestMock, TestOptions};

/// The state being run: its name, when it was entered, and its query language.
pub(crate) struct StateRun<'a> {
    pub name: &'a str,
    /// The state's paths, intrinsic calls and expressions, parsed when it was loaded.
    pub parsed: &'a Parsed,
    /// The JSON text of the state's input, as its entered event shows it.
    pub input_text: Text,
    /// The id of its entered event, which `States.Runtime` causes quote.
    pub entered: u64,
    pub entered_at: Timestamp,
    /// Whether the state's query language is JSONata.
    pub jsonata: bool,
    /// The default query language of the state's machine, which the machines nested in the
    /// state (Parallel branches, Map item processors) inherit.
    pub inherited: QueryLanguage,
    /// The TestState run this state is the subject of, if any: what the state records its
    /// inspection data in (`StateRun::inspect`, below). `None` in executions,
    /// and for the states nested in a tested Parallel or Map.
    pub test: Option<&'a TestRun>,
    /// Whether a retry backoff pauses the state instead of being slept in place: a
    /// top-level state of an execution (`Entry::Top`).
    pub durable: bool,
    /// Whether each attempt pauses before it runs: a durable Task on an at-most-once
    /// resource (`Resources::at_most_once`).
    pub at_most_once: bool,
    /// The retry backoff the state goes on from, taken by its first `recover`.
    pub resume: Mutex<Option<RetryPoint>>,
    /// An attempt parked until a worker completes its task, or going on after it has.
    /// Boxed: it is rare, and large.
    pub parked: Mutex<Option<Box<Awaiting>>>,
    /// The execution's random source, which the state's intrinsics and JSONata draw from.
    pub random: &'a Mutex<fastrand::Rng>,
}

impl StateRun<'_> {
    /// The retry backoff this run goes on from, once.
    pub fn resumed_retry(&self) -> Option<RetryPoint> {
        lock(&self.resume).take()
    }

    /// Parks the running attempt until a worker completes its task (see `Awaiting`); or,
    /// going on, hands the parked attempt how its task ended.
    pub fn park(&self, awaiting: Awaiting) {
        *lock(&self.parked) = Some(Box::new(awaiting));
    }

    /// The parked attempt, if any.
    pub fn take_parked(&self) -> Option<Awaiting> {
        lock(&self.parked).take().map(|awaiting| *awaiting)
    }
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

    /// The mock that answers for the tested state's work.
    pub fn mock(&self) -> Option<&TestMock> {
        self.test.and_then(|test| test.options.mock.as_ref())
    }

    /// The tested state's configuration (`stateConfiguration`).
    pub fn test_configuration(&self) -> Option<&TestConfiguration> {
        self.test.map(|test| &test.options.configuration)
    }

    /// Records that a retrier took the tested state's error.
    pub fn retriable(&self) {
        if let Some(test) = self.test {
            lock(&test.recorded).handled = Some(Handled::Retriable);
        }
    }

    /// Records that the retrier at `index` matched the error, and the backoff before the
    /// retry it makes (`None`: it has no retries left).
    pub fn retried_by(&self, index: usize, backoff: Option<std::time::Duration>) {
        self.inspect(|i| {
            let details = i.error_details_mut();
            details.retry_index = Some(index);
            details.retry_backoff_interval_seconds = backoff.map(|b| b.as_secs());
        });
    }

    /// Records that the catcher at `index` took `failure`.
    pub fn caught(&self, index: usize, failure: &Failure) {
        if let Some(test) = self.test {
            let mut recorded = lock(&test.recorded);
            recorded.handled = Some(Handled::Caught(failure.clone()));
            recorded.inspection_data.error_details_mut().catch_index = Some(index);
        }
    }
}

/// The run of the state [`Executor::test_state`] tests: what it records, and what the
/// request set.
pub(crate) struct TestRun {
    pub recorded: Mutex<Recorded>,
    pub options: TestOptions,
    pub names: TestNames,
}

/// The names AWS's TestState gives the execution it runs the state in: a fresh express
/// execution of a fresh state machine, each time.
pub(crate) struct TestNames {
    pub execution: String,
    pub state_machine: String,
}

/// What the tested state recorded as it ran.
#[derive(Default)]
pub(crate) struct Recorded {
    pub inspection_data: InspectionData,
    pub handled: Option<Handled>,
}

/// Which of `Retry` and `Catch` took the state's error.
pub(crate) enum Handled {
    /// A retrier: the run stopped instead of retrying.
    Retriable,
    /// A catcher, which took this failure.
    Caught(Failure),
}

/// Locks a mutex of the interpreter. A panic while it was held (there is no code that can
/// panic there) would leave the data intact, so a poisoned lock is used as it is.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
