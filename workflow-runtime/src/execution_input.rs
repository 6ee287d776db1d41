//! An execution's input as StartExecution receives it.
//!
//! AWS's 256 KiB quota on an execution's input is measured on the string the caller sent,
//! in UTF-8 bytes ("StartExecution": `input`, "Length constraints apply to the payload
//! size, and are expressed as bytes in UTF-8 encoding", at most 262144). Parsing and
//! writing it out again changes its length (whitespace goes, `\u00e9` becomes `é`, `1e2`
//! becomes `100.0`), so the size is taken from the text before it is parsed.

use std::sync::OnceLock;

use serde_json::Value;

use crate::history::Text;

/// An execution's input: its JSON value and the size AWS's payload quota measures.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionInput {
    value: Value,
    size: usize,
    /// Its compact JSON text, when measuring it made it (the history shows that text).
    compact: Option<String>,
}

impl ExecutionInput {
    /// The input sent as `text`, measured as sent.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        Ok(ExecutionInput {
            value: serde_json::from_str(text)?,
            size: text.len(),
            compact: None,
        })
    }

    /// Its size in bytes, as AWS measures it.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Its value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Its value, taken.
    pub fn into_value(self) -> Value {
        self.value
    }

    /// Its value, and its compact JSON text if that was made.
    pub(crate) fn into_parts(self) -> (Value, Option<String>) {
        (self.value, self.compact)
    }
}

/// A value with no text of its own is measured as its compact JSON text, the form a
/// client would send it in.
impl From<Value> for ExecutionInput {
    fn from(value: Value) -> Self {
        let compact = crate::limits::payload_text(&value);
        let size = compact.as_ref().map_or(usize::MAX, String::len);
        ExecutionInput {
            value,
            size,
            compact,
        }
    }
}

/// An execution's input as its states read it (`$$.Execution.Input`): the JSON text its
/// `ExecutionStarted` event shows, read back into a value the first time a state reads the
/// context object. So a running execution holds no copy of its input beside that text, and
/// most never read it back (a waiting execution's input was a fifth of what it cost).
#[derive(Debug)]
pub(crate) struct SharedInput {
    text: Option<Text>,
    /// Boxed: it is rarely set, and a running execution holds this inline.
    value: OnceLock<Box<Value>>,
}

impl SharedInput {
    /// The input `value`, whose JSON text is `text`. A value nested deeper than a JSON
    /// reader reads back (serde_json stops at 128 levels; the payload limit is
    /// [`crate::limits::MAX_PAYLOAD_DEPTH`]) is kept as it is.
    pub fn new(value: &Value, text: Text) -> Self {
        if crate::limits::too_deep(value) {
            return Self::from_value(value.clone());
        }
        SharedInput {
            text: Some(text),
            value: OnceLock::new(),
        }
    }

    /// The input `value`, kept as it is.
    pub fn from_value(value: Value) -> Self {
        SharedInput {
            text: None,
            value: OnceLock::from(Box::new(value)),
        }
    }

    /// Its value.
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            // Text this runtime wrote, within the depth a reader reads (see `new`): it
            // reads back, and `null` is only a fallback.
            Box::new(
                self.text
                    .as_deref()
                    .and_then(|text| serde_json::from_str(text).ok())
                    .unwrap_or(Value::Null),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn measures_the_text_as_sent() {
        let sent = "{ \"name\" : \"\\u00e9\" }";
        let input = ExecutionInput::from_json(sent).unwrap();
        assert_eq!(input.size(), sent.len());
        assert_eq!(input.value(), &json!({ "name": "é" }));
        // Its compact form is shorter: what the quota must not measure.
        assert!(ExecutionInput::from(json!({ "name": "é" })).size() < sent.len());
    }

    #[test]
    fn a_shared_input_reads_back_from_its_text_or_keeps_a_deep_value() {
        let input = json!({ "name": "\u{e9}\"", "list": [1, 2.5, null] });
        let text = Text::from(input.to_string());
        assert_eq!(SharedInput::new(&input, text).value(), &input);
        // Deeper than serde_json reads back: kept as it is, not read as null.
        let deep = (0..200).fold(json!(1), |inner, _| json!([inner]));
        let text = Text::from(deep.to_string());
        assert_eq!(SharedInput::new(&deep, text).value(), &deep);
    }
}
