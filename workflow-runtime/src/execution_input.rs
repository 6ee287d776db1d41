//! An execution's input as StartExecution receives it.
//!
//! AWS's 256 KiB quota on an execution's input is measured on the string the caller sent,
//! in UTF-8 bytes ("StartExecution": `input`, "Length constraints apply to the payload
//! size, and are expressed as bytes in UTF-8 encoding", at most 262144). Parsing and
//! writing it out again changes its length (whitespace goes, `\u00e9` becomes `é`, `1e2`
//! becomes `100.0`), so the size is taken from the text before it is parsed.

use serde_json::Value;

/// An execution's input: its JSON value and the size AWS's payload quota measures.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionInput {
    value: Value,
    size: usize,
}

impl ExecutionInput {
    /// The input sent as `text`, measured as sent.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        Ok(ExecutionInput {
            value: serde_json::from_str(text)?,
            size: text.len(),
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
}

/// A value with no text of its own is measured as its compact JSON text, the form a
/// client would send it in.
impl From<Value> for ExecutionInput {
    fn from(value: Value) -> Self {
        let size = crate::limits::payload_size(&value);
        ExecutionInput { value, size }
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
}
