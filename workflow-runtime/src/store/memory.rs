//! The in-memory store: what a process without durability uses, and the reference for the
//! trait's meaning (the SQLite store's tests run the same checks).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::Value;

use super::{
    Commit, ExecutionRecord, NewExecution, Redrive, Started, Store, StoreError, StoreFuture,
};
use crate::executor::{Checkpoint, Status, lock};
use crate::history::HistoryEvent;

/// Keeps everything in memory: lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
}

#[derive(Debug, Default)]
struct Data {
    /// Executions in the order they started.
    executions: Vec<Stored>,
    by_arn: HashMap<String, usize>,
    definitions: HashMap<String, String>,
    /// Resources by kind, in the order they were first put.
    resources: HashMap<String, Vec<(String, Value)>>,
    /// Map progress by execution, then key, then item.
    progress: HashMap<String, HashMap<String, BTreeMap<u64, String>>>,
}

#[derive(Debug)]
struct Stored {
    record: ExecutionRecord,
    events: Vec<HistoryEvent>,
    checkpoint: Option<Checkpoint>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Data {
    fn start(&mut self, start: NewExecution) -> Started {
        if let Some(&i) = self.by_arn.get(&start.record.arn) {
            return Started::Existing(Box::new(self.executions[i].record.clone()));
        }
        self.definitions
            .entry(start.record.definition_hash.clone())
            .or_insert(start.definition);
        self.by_arn
            .insert(start.record.arn.clone(), self.executions.len());
        self.executions.push(Stored {
            record: start.record,
            events: vec![start.started],
            checkpoint: Some(start.checkpoint),
        });
        Started::New
    }

    fn commit(&mut self, arn: &str, commit: Commit) -> Result<(), StoreError> {
        let stored = self
            .by_arn
            .get(arn)
            .map(|&i| &mut self.executions[i])
            .ok_or_else(|| StoreError::Conflict(format!("no execution {arn}")))?;
        check_commit(&stored.record, stored.events.len() as u64, &commit)?;
        stored.events.extend(commit.events);
        if commit.checkpoint.is_some() {
            stored.checkpoint = commit.checkpoint;
        }
        let record = &mut stored.record;
        record.status = commit.status;
        record.output = commit.output;
        record.error = commit.error;
        record.cause = commit.cause;
        record.stop_date = commit.stop_date;
        if record.status == Status::Succeeded {
            self.progress.remove(arn);
        }
        Ok(())
    }

    fn redrive(&mut self, arn: &str, redrive: Redrive) -> Result<(), StoreError> {
        let stored = self
            .by_arn
            .get(arn)
            .map(|&i| &mut self.executions[i])
            .ok_or_else(|| StoreError::Conflict(format!("no execution {arn}")))?;
        check_redrive(&stored.record, stored.events.len() as u64, &redrive)?;
        stored.events.push(redrive.event);
        stored.checkpoint = Some(redrive.checkpoint);
        reopen(&mut stored.record, redrive.date);
        Ok(())
    }
}

/// The checks every store makes before it reopens an execution for a redrive: it ended
/// in a way that can be redriven, and the event follows the stored ones.
pub(super) fn check_redrive(
    record: &ExecutionRecord,
    stored_events: u64,
    redrive: &Redrive,
) -> Result<(), StoreError> {
    if !matches!(
        record.status,
        Status::Failed | Status::TimedOut | Status::Aborted
    ) {
        return Err(StoreError::Conflict(format!(
            "execution {} is {} and cannot be redriven",
            record.arn,
            record.status.as_str()
        )));
    }
    if redrive.event.id != stored_events + 1 {
        return Err(StoreError::Conflict(format!(
            "event {} of execution {} does not follow event {stored_events}",
            redrive.event.id, record.arn
        )));
    }
    Ok(())
}

/// An ended execution's record, running again after a redrive at `date`.
pub(super) fn reopen(record: &mut ExecutionRecord, date: i64) {
    record.status = Status::Running;
    record.output = None;
    record.error = None;
    record.cause = None;
    record.stop_date = None;
    record.redrive_count += 1;
    record.redrive_date = Some(date);
}

/// The checks every store makes before it writes a commit: the execution is still running,
/// and the new events continue the stored ones without a gap.
pub(super) fn check_commit(
    record: &ExecutionRecord,
    stored_events: u64,
    commit: &Commit,
) -> Result<(), StoreError> {
    if record.status != Status::Running {
        return Err(StoreError::Conflict(format!(
            "execution {} has ended ({})",
            record.arn,
            record.status.as_str()
        )));
    }
    for (i, event) in commit.events.iter().enumerate() {
        if event.id != stored_events + 1 + i as u64 {
            return Err(StoreError::Conflict(format!(
                "event {} of execution {} does not follow event {}",
                event.id,
                record.arn,
                stored_events + i as u64
            )));
        }
    }
    Ok(())
}

impl Store for MemoryStore {
    fn start(&self, start: NewExecution) -> StoreFuture<'_, Started> {
        let started = lock(&self.data).start(start);
        Box::pin(async move { Ok(started) })
    }

    fn commit(&self, arn: String, commit: Commit) -> StoreFuture<'_, ()> {
        let result = lock(&self.data).commit(&arn, commit);
        Box::pin(async move { result })
    }

    fn redrive(&self, arn: String, redrive: Redrive) -> StoreFuture<'_, ()> {
        let result = lock(&self.data).redrive(&arn, redrive);
        Box::pin(async move { result })
    }

    fn checkpoint(&self, arn: &str) -> Result<Option<Checkpoint>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .by_arn
            .get(arn)
            .and_then(|&i| data.executions[i].checkpoint.clone()))
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .by_arn
            .get(arn)
            .map(|&i| data.executions[i].record.clone()))
    }

    fn executions(
        &self,
        state_machine_arn: Option<&str>,
    ) -> Result<Vec<ExecutionRecord>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .executions
            .iter()
            .rev()
            .filter(|e| state_machine_arn.is_none_or(|arn| e.record.state_machine_arn == arn))
            .map(|e| e.record.clone())
            .collect())
    }

    fn history(&self, arn: &str) -> Result<Vec<HistoryEvent>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .by_arn
            .get(arn)
            .map(|&i| data.executions[i].events.clone())
            .unwrap_or_default())
    }

    fn event_count(&self, arn: &str) -> Result<u64, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .by_arn
            .get(arn)
            .map_or(0, |&i| data.executions[i].events.len() as u64))
    }

    fn definition(&self, hash: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.data).definitions.get(hash).cloned())
    }

    fn running(&self) -> Result<Vec<(ExecutionRecord, Checkpoint)>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .executions
            .iter()
            .filter(|e| e.record.status == Status::Running)
            .filter_map(|e| Some((e.record.clone(), e.checkpoint.clone()?)))
            .collect())
    }

    fn record_progress(
        &self,
        arn: String,
        key: String,
        index: u64,
        output: String,
    ) -> StoreFuture<'_, ()> {
        let mut data = lock(&self.data);
        // As the SQLite store: kept unless the execution succeeded.
        let wanted = data
            .by_arn
            .get(&arn)
            .is_some_and(|&i| data.executions[i].record.status != Status::Succeeded);
        if wanted {
            data.progress
                .entry(arn)
                .or_default()
                .entry(key)
                .or_default()
                .insert(index, output);
        }
        Box::pin(async { Ok(()) })
    }

    fn progress(&self, arn: &str, key: &str) -> Result<Vec<(u64, String)>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .progress
            .get(arn)
            .and_then(|keys| keys.get(key))
            .map(|items| items.iter().map(|(i, o)| (*i, o.clone())).collect())
            .unwrap_or_default())
    }

    fn put_resource(&self, kind: &str, arn: String, body: Value) -> StoreFuture<'_, ()> {
        let mut data = lock(&self.data);
        let list = data.resources.entry(kind.to_owned()).or_default();
        match list.iter_mut().find(|(a, _)| *a == arn) {
            Some(entry) => entry.1 = body,
            None => list.push((arn, body)),
        }
        Box::pin(async { Ok(()) })
    }

    fn delete_resource(&self, kind: &str, arn: String) -> StoreFuture<'_, bool> {
        let mut data = lock(&self.data);
        let list = data.resources.entry(kind.to_owned()).or_default();
        let before = list.len();
        list.retain(|(a, _)| *a != arn);
        let deleted = list.len() != before;
        Box::pin(async move { Ok(deleted) })
    }

    fn resource(&self, kind: &str, arn: &str) -> Result<Option<Value>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .resources
            .get(kind)
            .and_then(|list| list.iter().find(|(a, _)| a == arn))
            .map(|(_, body)| body.clone()))
    }

    fn resources(&self, kind: &str) -> Result<Vec<Value>, StoreError> {
        let data = lock(&self.data);
        Ok(data
            .resources
            .get(kind)
            .map(|list| list.iter().map(|(_, body)| body.clone()).collect())
            .unwrap_or_default())
    }
}
