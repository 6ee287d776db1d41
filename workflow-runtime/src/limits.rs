//! AWS Step Functions' service quotas that the runtime enforces, with AWS's values.

/// The largest state input, output or task result: 256 KiB of UTF-8 JSON ("Quotas related
/// to state machine executions").
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// The most events one execution's history may hold (a hard quota of Standard workflows).
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// A Task's `TimeoutSeconds` when it sets none.
pub const DEFAULT_TASK_TIMEOUT_SECONDS: u64 = workflow_core::model::Task::DEFAULT_TIMEOUT_SECONDS;

/// The size of a payload as AWS counts it: its JSON text in UTF-8.
pub fn payload_size(value: &serde_json::Value) -> usize {
    serde_json::to_string(value)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
}

/// How many iterations of an inline Map run at once at most, whatever its `MaxConcurrency`
/// says ("Map state processing modes": Inline mode "supports up to 40 concurrent
/// iterations").
pub const INLINE_MAP_MAX_CONCURRENCY: usize = 40;

/// How many child executions of a distributed Map run at once at most ("Map state processing
/// modes": "up to 10,000 parallel child workflow executions").
pub const DISTRIBUTED_MAP_MAX_CONCURRENCY: usize = 10_000;

/// The largest value one variable may hold, and the most one `Assign` may write in all:
/// 256 KiB each, counted like a payload ("Passing data between states with variables",
/// AWS docs: a variable holds up to 256 KiB, and one `Assign` field sets up to 256 KiB).
pub const MAX_VARIABLE_BYTES: usize = 256 * 1024;

/// The most one `Assign` field may write, all its variables together (see
/// [`MAX_VARIABLE_BYTES`]).
pub const MAX_ASSIGN_BYTES: usize = 256 * 1024;

/// The most items a distributed Map's `ItemReader` may read: its `ReaderConfig.MaxItems`
/// goes up to 100,000,000 ("ItemReader (Map)", AWS docs).
pub const ITEM_READER_MAX_ITEMS: u64 = 100_000_000;

/// The largest header row of a CSV object an `ItemReader` reads: "Step Functions supports
/// CSV headers of up to 10 KiB" ("ItemReader (Map)", AWS docs).
pub const ITEM_READER_MAX_CSV_HEADER_BYTES: usize = 10 * 1024;
