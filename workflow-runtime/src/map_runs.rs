//! Map runs: a Distributed Map's run of child executions, as `ListMapRuns`, `DescribeMapRun`
//! and `UpdateMapRun` show and change it.
//!
//! An executor keeps a registry of the runs its executions start ([`MapRuns`]): the Map
//! updates a run's item counts as its children start and end, and reads its
//! `MaxConcurrency` and failure tolerance from it before starting each child, so that an
//! `UpdateMapRun` applies to the run in progress. A durable runner keeps each run in its
//! store as well (when it starts, when its settings change and when it ends), so that a
//! run is still listed after a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::executor::lock;
use crate::store::Store;

/// The store resource kind map runs are kept under.
pub const KIND: &str = "mapRun";

/// A map run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

impl MapRunStatus {
    /// As the API spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }
}

/// How many of a run's items (each a child execution) are where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCounts {
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
    pub total: u64,
}

/// One map run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRun {
    pub arn: String,
    /// The execution whose Map state it is.
    pub execution_arn: String,
    /// `arn:aws:states:<region>:<account>:stateMachine:<state machine>/<label>`.
    pub state_machine_arn: String,
    pub status: MapRunStatus,
    /// Milliseconds since the epoch.
    pub start_date: i64,
    pub stop_date: Option<i64>,
    /// 0 is no limit (the mode's own).
    pub max_concurrency: u64,
    /// As set (the API shows an unset one as 0).
    pub tolerated_failure_percentage: Option<f64>,
    pub tolerated_failure_count: Option<u64>,
    pub items: ItemCounts,
}

/// What `UpdateMapRun` changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapRunUpdate {
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub tolerated_failure_count: Option<u64>,
}

/// The map runs of an executor's executions (shared by its clones).
#[derive(Clone, Default)]
pub struct MapRuns {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The runs this process has seen, by ARN.
    runs: Mutex<HashMap<String, MapRun>>,
    /// Where runs are kept beyond the process (a durable runner's store).
    store: Mutex<Option<Arc<dyn Store>>>,
}

impl MapRuns {
    /// Keeps runs in `store` too.
    pub(crate) fn persist_to(&self, store: Arc<dyn Store>) {
        *lock(&self.inner.store) = Some(store);
    }

    /// The run with this ARN: live, or as stored.
    pub fn get(&self, arn: &str) -> Option<MapRun> {
        if let Some(run) = lock(&self.inner.runs).get(arn) {
            return Some(run.clone());
        }
        let store = lock(&self.inner.store).clone()?;
        let body = store.resource(KIND, arn).ok()??;
        serde_json::from_value(body).ok()
    }

    /// The runs of an execution, oldest first.
    pub fn of_execution(&self, execution_arn: &str) -> Vec<MapRun> {
        let mut runs: HashMap<String, MapRun> = HashMap::new();
        if let Some(store) = lock(&self.inner.store).clone() {
            for body in store.resources(KIND).unwrap_or_default() {
                if let Ok(run) = serde_json::from_value::<MapRun>(body)
                    && run.execution_arn == execution_arn
                {
                    runs.insert(run.arn.clone(), run);
                }
            }
        }
        for run in lock(&self.inner.runs).values() {
            if run.execution_arn == execution_arn {
                runs.insert(run.arn.clone(), run.clone());
            }
        }
        let mut runs: Vec<MapRun> = runs.into_values().collect();
        runs.sort_by(|a, b| (a.start_date, &a.arn).cmp(&(b.start_date, &b.arn)));
        runs
    }

    /// `UpdateMapRun`: changes a running run's settings; `false` when there is no such run.
    pub fn update(&self, arn: &str, update: &MapRunUpdate) -> bool {
        let run = {
            let mut runs = lock(&self.inner.runs);
            let Some(run) = runs.get_mut(arn) else {
                return false;
            };
            if let Some(n) = update.max_concurrency {
                run.max_concurrency = n;
            }
            if update.tolerated_failure_percentage.is_some() {
                run.tolerated_failure_percentage = update.tolerated_failure_percentage;
            }
            if update.tolerated_failure_count.is_some() {
                run.tolerated_failure_count = update.tolerated_failure_count;
            }
            run.clone()
        };
        self.persist(&run);
        true
    }

    /// Records a run that starts (again, after a restart: its counts start over).
    pub(crate) fn start(&self, run: MapRun) {
        lock(&self.inner.runs).insert(run.arn.clone(), run.clone());
        self.persist(&run);
    }

    /// Changes a live run's counts.
    pub(crate) fn count(&self, arn: &str, change: impl FnOnce(&mut ItemCounts)) {
        if let Some(run) = lock(&self.inner.runs).get_mut(arn) {
            change(&mut run.items);
        }
    }

    /// A live run's settings: `MaxConcurrency`, and the tolerated failure count and
    /// percentage (each as set, or as `UpdateMapRun` changed it).
    pub(crate) fn settings(&self, arn: &str) -> Option<(u64, Option<u64>, Option<f64>)> {
        lock(&self.inner.runs).get(arn).map(|run| {
            (
                run.max_concurrency,
                run.tolerated_failure_count,
                run.tolerated_failure_percentage,
            )
        })
    }

    /// Ends a run: the children still running or pending are aborted. With a store, the
    /// ended run lives on there only once written, so that memory holds the live runs.
    pub(crate) fn end(&self, arn: &str, status: MapRunStatus, at: i64) {
        let run = {
            let mut runs = lock(&self.inner.runs);
            let Some(run) = runs.get_mut(arn) else {
                return;
            };
            if run.status != MapRunStatus::Running {
                return;
            }
            run.status = status;
            run.stop_date = Some(at);
            let items = &mut run.items;
            items.aborted += items.running + items.pending;
            items.running = 0;
            items.pending = 0;
            run.clone()
        };
        self.persist(&run);
    }

    fn persist(&self, run: &MapRun) {
        let Some(store) = lock(&self.inner.store).clone() else {
            return;
        };
        let body = serde_json::to_value(run).unwrap_or(Value::Null);
        let arn = run.arn.clone();
        let ended = run.status != MapRunStatus::Running;
        let inner = self.inner.clone();
        // Not awaited by the Map: the store writes it with the next group of commits.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let written = store.put_resource(KIND, arn.clone(), body).await.is_ok();
                if ended && written {
                    lock(&inner.runs).remove(&arn);
                }
            });
        }
    }
}

/// Ends a run as aborted if the Map stops driving it before it ends (its execution was
/// stopped or timed out: the Map's future is dropped).
pub(crate) struct RunGuard<'a> {
    pub runs: &'a MapRuns,
    pub arn: String,
    pub clock: &'a dyn crate::clock::Clock,
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        // A run that ended already is left as it is.
        let now = self.clock.now().unix_millis();
        self.runs.end(&self.arn, MapRunStatus::Aborted, now);
    }
}
