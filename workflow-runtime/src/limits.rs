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
    let mut counter = ByteCounter(0);
    match write_payload(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// A payload's JSON text, as the history shows it and as [`payload_size`] measures it;
/// `None` for a payload nested deeper than [`MAX_PAYLOAD_DEPTH`]. One pass: the depth is
/// checked as the text is written, so the check needs no walk of its own and the writer
/// never recurses past the limit.
pub fn payload_text(value: &serde_json::Value) -> Option<String> {
    let mut text = Vec::with_capacity(128);
    write_payload(&mut text, value).ok()?;
    // serde_json writes UTF-8 only.
    String::from_utf8(text).ok()
}

/// Whether `value` nests deeper than [`MAX_PAYLOAD_DEPTH`]. Stops at that depth, so that
/// the check itself cannot overflow the thread's stack.
pub fn too_deep(value: &serde_json::Value) -> bool {
    fn deeper(value: &serde_json::Value, depth: usize) -> bool {
        use serde_json::Value;
        match value {
            Value::Array(items) => {
                depth >= MAX_PAYLOAD_DEPTH || items.iter().any(|v| deeper(v, depth + 1))
            }
            Value::Object(fields) => {
                depth >= MAX_PAYLOAD_DEPTH || fields.values().any(|v| deeper(v, depth + 1))
            }
            _ => false,
        }
    }
    deeper(value, 0)
}

/// Writes `value` as compact JSON, failing at an array or object nested deeper than
/// [`MAX_PAYLOAD_DEPTH`].
fn write_payload(out: &mut impl std::io::Write, value: &serde_json::Value) -> std::io::Result<()> {
    use serde::Serialize;
    let mut serializer = serde_json::Serializer::with_formatter(out, DepthLimited(0));
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)
}

/// serde_json's compact formatter, counting the open arrays and objects: the one hook
/// where a serializer can stop before it recurses further.
struct DepthLimited(usize);

impl DepthLimited {
    fn open(&mut self) -> std::io::Result<()> {
        if self.0 >= MAX_PAYLOAD_DEPTH {
            return Err(std::io::Error::other("the payload nests too deep"));
        }
        self.0 += 1;
        Ok(())
    }
}

impl serde_json::ser::Formatter for DepthLimited {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open()?;
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0 -= 1;
        writer.write_all(b"]")
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open()?;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0 -= 1;
        writer.write_all(b"}")
    }
}

/// Counts the bytes written to it.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!(1), |inner, _| json!([inner]))
    }

    #[test]
    fn payload_text_is_the_compact_json_and_stops_past_the_depth_limit() {
        let value = json!({ "a": [1, "x\"y", null], "b": { "c": true } });
        assert_eq!(
            payload_text(&value).as_deref(),
            Some(value.to_string().as_str())
        );
        assert_eq!(payload_size(&value), value.to_string().len());
        let deepest = nested(MAX_PAYLOAD_DEPTH);
        assert_eq!(payload_text(&deepest), Some(deepest.to_string()));
        assert!(!too_deep(&deepest));
        let deeper = nested(MAX_PAYLOAD_DEPTH + 1);
        assert_eq!(payload_text(&deeper), None);
        assert_eq!(payload_size(&deeper), usize::MAX);
        assert!(too_deep(&deeper));
        // Empty arrays and objects count as levels too: `[[], {}]` is two.
        let empties = |wraps| (0..wraps).fold(json!([[], {}]), |inner, _| json!([inner]));
        let at_limit = empties(MAX_PAYLOAD_DEPTH - 2);
        assert_eq!(payload_text(&at_limit), Some(at_limit.to_string()));
        assert!(!too_deep(&at_limit));
        let past_limit = empties(MAX_PAYLOAD_DEPTH - 1);
        assert_eq!(payload_text(&past_limit), None);
        assert!(too_deep(&past_limit));
    }
}
