//! Reading one JSON object's fields, each type error reported at its field.

use std::cell::RefCell;

use serde_json::{Map as JsonMap, Value};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::{IntOrExpr, Nullable, QueryLanguage};
use crate::suggest::did_you_mean;

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a found value is called in a message: a scalar as written (`found -1`,
/// `found "three"`), an array or object by its type (`found an array`).
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Number(_) | Value::String(_) | Value::Bool(_) => value.to_string(),
        other => type_name(other).to_owned(),
    }
}

/// Reads the fields of one JSON object, reporting type errors at each field.
pub(super) struct Fields<'v, 'c> {
    pub(super) cx: &'c Diagnostics,
    pub(super) at: Pointer,
    pub(super) map: &'v JsonMap<String, Value>,
    /// The fields [`Fields::deny_unknown`] suggested for a misspelt key (`Nxet` -> `Next`):
    /// their absence is that typo, already reported, so it is not reported again.
    pub(super) suggested: RefCell<Vec<String>>,
}

impl<'v, 'c> Fields<'v, 'c> {
    pub(super) fn new(
        cx: &'c Diagnostics,
        value: &'v Value,
        at: Pointer,
        what: &str,
    ) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Fields {
                cx,
                at,
                map,
                suggested: RefCell::default(),
            }),
            other => {
                cx.schema(
                    &at,
                    format!("{what} must be an object, found {}", type_name(other)),
                );
                None
            }
        }
    }

    pub(super) fn ptr(&self, key: &str) -> Pointer {
        self.at.key(key)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(super) fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    pub(super) fn wrong_type(&self, key: &str, expected: &str, found: &Value) {
        self.cx.schema(
            &self.ptr(key),
            format!(
                "{} must be {expected}, found {}",
                field(key),
                describe(found)
            ),
        );
    }

    /// Whether `key` is absent because a misspelling of it was reported as unknown.
    pub(super) fn misspelt(&self, key: &str) -> bool {
        self.suggested.borrow().iter().any(|s| s == key)
    }

    pub(super) fn string(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    pub(super) fn nullable_string(&self, key: &str) -> Option<Nullable<String>> {
        match self.get(key)? {
            Value::Null => Some(Nullable::Null),
            Value::String(s) => Some(Nullable::Value(s.clone())),
            other => {
                self.wrong_type(key, "a string or null", other);
                None
            }
        }
    }

    pub(super) fn uint(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 0.0) => {
                n.as_f64().map(|f| f as u64)
            }
            other => {
                self.wrong_type(key, "a non-negative integer", other);
                None
            }
        }
    }

    pub(super) fn float(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Number(n) => n.as_f64(),
            other => {
                self.wrong_type(key, "a number", other);
                None
            }
        }
    }

    pub(super) fn boolean(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(key, "a boolean", other);
                None
            }
        }
    }

    pub(super) fn json(&self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }

    pub(super) fn object(&self, key: &str) -> Option<Value> {
        match self.get(key)? {
            v @ Value::Object(_) => Some(v.clone()),
            other => {
                self.wrong_type(key, "an object", other);
                None
            }
        }
    }

    /// A whole number, or a `{% %}` JSONata expression string.
    pub(super) fn int_or_expr(&self, key: &str) -> Option<IntOrExpr> {
        match self.get(key)? {
            Value::String(s) if is_jsonata(s) => Some(IntOrExpr::Expr(s.clone())),
            Value::Number(_) => self.uint(key).map(IntOrExpr::Int),
            other => {
                self.wrong_type(key, "a non-negative integer", other);
                None
            }
        }
    }

    pub(super) fn array(&self, key: &str) -> Option<&'v Vec<Value>> {
        match self.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                self.wrong_type(key, "an array", other);
                None
            }
        }
    }

    pub(super) fn query_language(&self) -> Option<QueryLanguage> {
        match self.string("QueryLanguage")?.as_str() {
            "JSONPath" => Some(QueryLanguage::JsonPath),
            "JSONata" => Some(QueryLanguage::Jsonata),
            other => {
                self.cx.schema(
                    &self.ptr("QueryLanguage"),
                    format!(
                        "{} must be \"JSONPath\" or \"JSONata\", found \"{other}\"",
                        field("QueryLanguage")
                    ),
                );
                None
            }
        }
    }

    /// Reports every field in `required` that is missing, in one diagnostic as AWS does.
    pub(super) fn require(&self, required: &[&str]) -> bool {
        let missing: Vec<String> = required
            .iter()
            .filter(|k| !self.has(k) && !self.misspelt(k))
            .map(|k| field(k))
            .collect();
        let misspelt = required.iter().any(|k| self.misspelt(k));
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            self.cx.schema(
                &self.at,
                format!("missing required {noun} {}", missing.join(", ")),
            );
        }
        missing.is_empty() && !misspelt
    }

    /// Reports every field not in `allowed`, suggesting the nearest allowed one.
    pub(super) fn deny_unknown(&self, allowed: &[&str], context: &str, help: Option<&str>) {
        for key in self.map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::SchemaValidationFailed,
                self.ptr(key),
                format!("unknown field {} in {context}", field(key)),
            )
            .at_key();
            if let Some(near) = did_you_mean(key, allowed.iter().copied()) {
                self.suggested.borrow_mut().push(near.to_owned());
                d = d.with_help(format!("did you mean {}?", field(near)));
            } else if let Some(help) = help {
                d = d.with_help(help);
            }
            self.cx.push(d);
        }
    }
}

/// Whether a string is a JSONata expression, `{% ... %}`.
pub(crate) fn is_jsonata(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("{%") && t.ends_with("%}") && t.len() >= 4
}
