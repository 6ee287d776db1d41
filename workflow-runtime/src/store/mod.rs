//! Durable executions: where an execution's history and [`Checkpoint`]s are kept, so that it
//! survives the process that runs it.
//!
//! The one rule every [`Store`] keeps: **one transition is one atomic commit**. A
//! [`Commit`] holds the events a transition added and the checkpoint after it (or the
//! execution's end), and a store writes all of it or none of it. A runner
//! ([`crate::Durable`]) commits after each [`crate::Execution::advance`] and only then moves
//! on, and acknowledges a start only once its commit is done; after a crash, it resumes
//! every `RUNNING` execution from its last commit: at the recorded state with the recorded
//! input, in the recorded Wait (which wakes at its recorded time), or in the recorded retry
//! backoff of a Task, Parallel or Map state (which goes on with the next attempt at its
//! recorded time, with the retries it has spent). A state whose work was under way when
//! the process died (a handler call, a Parallel's branches, a Map's iterations) runs again
//! from its start or its last backoff, so a handler is called at least once per attempt,
//! and may be called again: [`crate::Invocation::idempotency_key`] tells the repeat.
//!
//! The trait is about meaning, not SQL, so that a store on a database server can be added
//! without touching the executor. Two stores come with the runtime: [`MemoryStore`] (the
//! default, for tests and library users who need no durability) and, with the `sqlite`
//! feature, [`SqliteStore`].
//!
//! Besides executions, a store keeps the service's own resources (state machines, and
//! whatever else a server defines) as JSON documents by kind and ARN, so that one file
//! holds everything a server knows.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::executor::{Checkpoint, Status};
use crate::history::HistoryEvent;

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// A store's asynchronous answer: writes wait for their commit (a store may group the
/// commits of many executions into one write to disk).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where durable executions and a service's resources are kept. See the module docs.
pub trait Store: Send + Sync + 'static {
    /// Records a new execution with its first event (`ExecutionStarted`) and checkpoint, and
    /// the definition it runs (kept by its hash, so that updating a state machine never
    /// changes an execution already running). An execution with the same ARN that already
    /// exists is returned instead, and nothing is written.
    fn start(&self, start: NewExecution) -> StoreFuture<'_, Started>;

    /// Writes one transition of a running execution, atomically. A commit that ends the
    /// execution leaves its last checkpoint in place (where a redrive starts from).
    fn commit(&self, arn: String, commit: Commit) -> StoreFuture<'_, ()>;

    /// Reopens an execution that ended `FAILED`, `TIMED_OUT` or `ABORTED`, as
    /// `RedriveExecution` does, atomically: appends its `ExecutionRedriven` event, makes it
    /// `RUNNING` at `checkpoint`, and counts the redrive. Its progress (the Map items and
    /// Parallel branches that finished) is kept, so that they do not run again.
    fn redrive(&self, arn: String, redrive: Redrive) -> StoreFuture<'_, ()>;

    /// The last checkpoint of an execution: where a running one goes on, or where an ended
    /// one was when it ended.
    fn checkpoint(&self, arn: &str) -> Result<Option<Checkpoint>, StoreError>;

    /// The execution with this ARN.
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError>;

    /// The executions, of one state machine or of all, newest first.
    fn executions(
        &self,
        state_machine_arn: Option<&str>,
    ) -> Result<Vec<ExecutionRecord>, StoreError>;

    /// An execution's events, in order.
    fn history(&self, arn: &str) -> Result<Vec<HistoryEvent>, StoreError>;

    /// How many events an execution has (0 for an unknown one), without reading them.
    fn event_count(&self, arn: &str) -> Result<u64, StoreError>;

    /// The definition text with this hash.
    fn definition(&self, hash: &str) -> Result<Option<String>, StoreError>;

    /// Every `RUNNING` execution, with its last checkpoint: what to resume after a restart.
    fn running(&self) -> Result<Vec<(ExecutionRecord, Checkpoint)>, StoreError>;

    /// Records that item `index` of a running Map, or branch `index` of a running Parallel
    /// (`key` names the state's run: its entered event and attempt), ended with `output`
    /// (JSON text), so that a resumed execution does not run it again. Progress is a hint,
    /// not a transition: a record lost in a crash only means the item runs again. An
    /// execution's progress is dropped when it succeeds (a failed one keeps it for a redrive).
    fn record_progress(
        &self,
        arn: String,
        key: String,
        index: u64,
        output: String,
    ) -> StoreFuture<'_, ()>;

    /// The items recorded for `key` of a running execution, with their outputs.
    fn progress(&self, arn: &str, key: &str) -> Result<Vec<(u64, String)>, StoreError>;

    /// Creates or replaces a resource document (a state machine, say) of `kind`.
    fn put_resource(&self, kind: &str, arn: String, body: Value) -> StoreFuture<'_, ()>;

    /// Deletes a resource; whether it existed.
    fn delete_resource(&self, kind: &str, arn: String) -> StoreFuture<'_, bool>;

    /// The resource of `kind` with this ARN.
    fn resource(&self, kind: &str, arn: &str) -> Result<Option<Value>, StoreError>;

    /// The resources of `kind`, oldest first.
    fn resources(&self, kind: &str) -> Result<Vec<Value>, StoreError>;
}

/// What [`Store::start`] records.
#[derive(Debug, Clone)]
pub struct NewExecution {
    /// The execution, `RUNNING`.
    pub record: ExecutionRecord,
    /// The definition it runs; its hash is `record.definition_hash`.
    pub definition: String,
    /// Its first event, `ExecutionStarted`.
    pub started: HistoryEvent,
    /// Where it starts.
    pub checkpoint: Checkpoint,
}

/// What [`Store::start`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    /// Recorded it.
    New,
    /// An execution with that ARN existed already; here it is.
    Existing(Box<ExecutionRecord>),
}

/// One transition of an execution: the events it added, and where the execution is now.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The new events, continuing the stored ones without a gap.
    pub events: Vec<HistoryEvent>,
    /// How to continue; `None` once it has ended.
    pub checkpoint: Option<Checkpoint>,
    /// `RUNNING`, or how it ended, with the output, error, cause and stop date.
    pub status: Status,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub stop_date: Option<i64>,
}

/// What [`Store::redrive`] records.
#[derive(Debug, Clone)]
pub struct Redrive {
    /// The `ExecutionRedriven` event, after the stored ones.
    pub event: HistoryEvent,
    /// Where the execution goes on.
    pub checkpoint: Checkpoint,
    /// When, in milliseconds since the epoch.
    pub date: i64,
}

/// What a store knows of an execution, besides its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub status: Status,
    /// When it started and stopped, in milliseconds since the epoch.
    pub start_date: i64,
    pub stop_date: Option<i64>,
    /// Its input, and its output when it succeeded, as JSON text.
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The hash of the definition it runs ([`definition_hash`]).
    pub definition_hash: String,
    /// Whatever else the service records with it (role, version, trace header, ...).
    pub attributes: Value,
    /// How many times it was redriven, and when last (milliseconds since the epoch).
    #[serde(default)]
    pub redrive_count: u32,
    #[serde(default)]
    pub redrive_date: Option<i64>,
}

/// The hash a store keeps a definition under: SHA-256, in hex.
pub fn definition_hash(definition: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(definition.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a store could not do what was asked. A store never resets or repairs data on its
/// own: a file it cannot use is an error that says why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a database, or its data does not read back.
    #[error("the store at {path} is corrupt: {detail}")]
    Corrupt { path: String, detail: String },
    /// Another process has the file open.
    #[error("the store at {0} is in use by another process (only one process may drive a store)")]
    Locked(String),
    /// The file cannot be written.
    #[error("the store at {0} is read-only")]
    ReadOnly(String),
    /// Written by a newer version of this program.
    #[error(
        "the store at {path} has schema version {found}; this program reads versions up to {supported}"
    )]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    /// A commit for an execution that is not running, or whose events would leave a gap.
    #[error("{0}")]
    Conflict(String),
    /// Any other failure of the underlying storage.
    #[error("store error: {0}")]
    Io(String),
    /// The store has shut down.
    #[error("the store is closed")]
    Closed,
}

#[cfg(test)]
pub(crate) mod tests;
