//! A state's paths, intrinsic calls and JSONata expressions, parsed once when the definition
//! loads, so that no state parses a string when it runs.
//!
//! The model keeps each field as written (the document renders back byte for byte); this
//! table maps each such text to its parsed form. It is filled from the state's JSON, not
//! field by field, so that a field added to the model cannot be forgotten here: every
//! `{% %}` string, every `.$` value, every `*Path` field and every choice `Variable` is
//! parsed. Texts that do not parse are left out: the validator reports them, and a
//! definition with errors does not run.

use std::sync::Arc;

use serde_json::Value;

use crate::intrinsics::{self, Call};
use crate::jsonata::Expression;
use crate::path::{Path, ReferencePath};

/// The parsed texts of one state (not of the states nested in it, which have their own).
#[derive(Clone, Default)]
pub struct Parsed {
    entries: Option<Arc<[Entry]>>,
    /// Whether any string in the state looks like a `{% %}` expression, parsed or not: the
    /// validator's query-language rule only has to look closer at a state with one.
    jsonata_text: bool,
}

/// One parsed text. A state holds a handful, so they are kept sorted in one slice, not in
/// hash maps: loading a large definition then costs one allocation per state.
struct Entry {
    text: String,
    parsed: Text,
}

/// A text parsed as what its field says it is (one text may be both a `ResultPath` and an
/// `InputPath`, so the kind is part of the key).
enum Text {
    Path(Path),
    ReferencePath(ReferencePath),
    Call(Call),
    Expression(Expression),
}

impl Text {
    fn rank(&self) -> u8 {
        match self {
            Text::Path(_) => 0,
            Text::ReferencePath(_) => 1,
            Text::Call(_) => 2,
            Text::Expression(_) => 3,
        }
    }
}

impl Parsed {
    /// Parses what `state` (a state's JSON object) holds.
    pub(crate) fn of_state(state: &Value) -> Parsed {
        let mut entries = Vec::new();
        let mut jsonata_text = false;
        if let Value::Object(fields) = state {
            for (key, value) in fields {
                // Nested state machines: their states have tables of their own.
                if !matches!(key.as_str(), "Branches" | "ItemProcessor" | "Iterator") {
                    collect(key, value, &mut entries, &mut jsonata_text);
                }
            }
        }
        if entries.is_empty() {
            return Parsed {
                entries: None,
                jsonata_text,
            };
        }
        entries.sort_by(|a, b| {
            (a.text.as_str(), a.parsed.rank()).cmp(&(b.text.as_str(), b.parsed.rank()))
        });
        entries.dedup_by(|a, b| a.text == b.text && a.parsed.rank() == b.parsed.rank());
        Parsed {
            entries: Some(entries.into()),
            jsonata_text,
        }
    }

    /// A table with nothing in it, for a state built without a document.
    pub fn empty() -> &'static Parsed {
        static EMPTY: Parsed = Parsed {
            entries: None,
            jsonata_text: false,
        };
        &EMPTY
    }

    fn find(&self, text: &str) -> impl Iterator<Item = &Text> {
        let entries: &[Entry] = self.entries.as_deref().unwrap_or_default();
        let first = entries.partition_point(|e| e.text.as_str() < text);
        entries[first..]
            .iter()
            .take_while(move |e| e.text == text)
            .map(|e| &e.parsed)
    }

    /// The JSONPath `text`, if it was parsed.
    pub fn path(&self, text: &str) -> Option<&Path> {
        self.find(text).find_map(|t| match t {
            Text::Path(path) => Some(path),
            _ => None,
        })
    }

    /// The reference path (`ResultPath`) `text`, if it was parsed.
    pub fn reference_path(&self, text: &str) -> Option<&ReferencePath> {
        self.find(text).find_map(|t| match t {
            Text::ReferencePath(path) => Some(path),
            _ => None,
        })
    }

    /// The intrinsic function call `text`, if it was parsed.
    pub fn call(&self, text: &str) -> Option<&Call> {
        self.find(text).find_map(|t| match t {
            Text::Call(call) => Some(call),
            _ => None,
        })
    }

    /// The JSONata expression `text` (what is inside `{% %}`, trimmed), if it was parsed.
    pub fn expression(&self, text: &str) -> Option<&Expression> {
        self.find(text).find_map(|t| match t {
            Text::Expression(expr) => Some(expr),
            _ => None,
        })
    }

    /// How many texts were parsed.
    pub fn len(&self) -> usize {
        self.entries.as_deref().map_or(0, <[Entry]>::len)
    }

    /// Whether a string of the state (at any depth) looks like a JSONata expression.
    pub(crate) fn has_jsonata_text(&self) -> bool {
        self.jsonata_text
    }

    /// Whether nothing was parsed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses `value`, the value of the field `key`, and what it nests.
fn collect(key: &str, value: &Value, entries: &mut Vec<Entry>, jsonata_text: &mut bool) {
    match value {
        Value::String(text) => {
            *jsonata_text |= crate::parse::is_jsonata(text);
            if let Some(parsed) = parse_text(key, text) {
                let text = jsonata_expression(text).unwrap_or(text).to_owned();
                entries.push(Entry { text, parsed });
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(key, item, entries, jsonata_text);
            }
        }
        Value::Object(fields) => {
            for (key, value) in fields {
                collect(key, value, entries, jsonata_text);
            }
        }
        _ => {}
    }
}

/// `text`, the value of the field `key`, parsed as what the field holds; `None` for a
/// literal, or for a text that does not parse.
fn parse_text(key: &str, text: &str) -> Option<Text> {
    if let Some(expr) = jsonata_expression(text) {
        return Expression::parse(expr).ok().map(Text::Expression);
    }
    // `.$` fields, `ErrorPath`/`CausePath` and the other `*Path` fields (choice operators
    // such as `NumericEqualsPath` included), and a choice rule's `Variable`.
    if !(key.ends_with(".$") || key.ends_with("Path") || key == "Variable") {
        return None;
    }
    if intrinsics::is_intrinsic(text) {
        Call::parse(text).ok().map(Text::Call)
    } else if key == "ResultPath" {
        ReferencePath::parse(text).ok().map(Text::ReferencePath)
    } else {
        Path::parse(text).ok().map(Text::Path)
    }
}

/// The expression of a `{% ... %}` string, trimmed.
fn jsonata_expression(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(inner.trim())
}

/// Derived from the document, so equal documents have equal tables.
impl PartialEq for Parsed {
    fn eq(&self, _: &Parsed) -> bool {
        true
    }
}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parsed({} texts)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_path_call_and_expression_of_a_state_is_parsed_once_at_load() {
        let parsed = Parsed::of_state(&json!({
            "Type": "Task",
            "InputPath": "$.in",
            "Parameters": { "a.$": "$.a", "n": { "b.$": "States.Format('{}', $.b)" }, "c": "$.literal" },
            "ResultPath": "$.out",
            "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "X" }],
            "Arguments": { "x": "{% $states.input.x %}" },
            "Choices": [{ "Not": { "Variable": "$.v", "NumericEqualsPath": "$.w" } }],
            "ItemProcessor": { "States": { "Inner": { "InputPath": "$.nested" } } }
        }));
        for path in ["$.in", "$.a", "$.v", "$.w"] {
            assert!(parsed.path(path).is_some(), "{path}");
        }
        assert!(parsed.call("States.Format('{}', $.b)").is_some());
        assert!(parsed.reference_path("$.out").is_some());
        assert!(parsed.reference_path("$.error").is_some());
        assert!(parsed.expression("$states.input.x").is_some());
        // A plain string is not a path, and nested machines parse their own.
        assert!(parsed.path("$.literal").is_none());
        assert!(parsed.path("$.nested").is_none());
        assert_eq!(parsed.len(), 8);
    }
}
