//! AWS Step Functions' service quotas that the runtime enforces, with AWS's values.

/// The largest state input, output or task result: 256 KiB of UTF-8 JSON ("Quotas related
/// to state machine executions").
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// The most events one execution's history may hold (a hard quota of Standard workflows).
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// The most seconds a Task's `TimeoutSeconds` and `HeartbeatSeconds` (or the paths and
/// expressions that give them) may say ("Task workflow state": from 1 to 99999999).
pub const MAX_TASK_SECONDS: u64 = 99_999_999;

/// A Task's `TimeoutSeconds` when it sets none.
pub const DEFAULT_TASK_TIMEOUT_SECONDS: u64 = workflow_core::model::Task::DEFAULT_TIMEOUT_SECONDS;

/// The deepest a payload's arrays and objects may nest. A loop whose `ResultPath` puts each
/// result inside the last one nests a level per turn; writing such a value out (the JSON
/// text of every history event) recurses once per level, and a few thousand levels
/// overflow a thread's stack. 100 leaves room for what wraps a payload (history events,
/// checkpoints) under the 128 levels `serde_json` reads back. AWS documents no such
/// limit (its JSON parser stops at 1,000 levels); a payload past it counts as over the
/// payload size limit, `States.DataLimitExceeded`.
pub const MAX_PAYLOAD_DEPTH: usize = 100;

/// The size of a payload as AWS counts it: its JSON text in UTF-8; `usize::MAX` (over any
/// limit) for a payload nested deeper than [`MAX_PAYLOAD_DEPTH`], which is not written out.
pub fn payload_size(value: &serde_json::Value) -> usize {
    if too_deep(value) {
        return usize::MAX;
    }
    serde_json::to_string(value)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
}

/// Whether `value` nests deeper than [`MAX_PAYLOAD_DEPTH`]. Walked with a stack of its
/// own, so that the check itself cannot overflow the thread's.
pub fn too_deep(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    let mut pending = vec![(value, 0usize)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth >= MAX_PAYLOAD_DEPTH {
            return true;
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    false
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
