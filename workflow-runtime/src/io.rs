//! Input and output processing, in AWS's order: `InputPath` -> `Parameters` -> (the task)
//! -> `ResultSelector` -> `ResultPath` -> `OutputPath`.

use serde_json::{Map, Value};
use workflow_core::intrinsics::{self, Call};
use workflow_core::model::Nullable;
use workflow_core::path::{Path, ReferencePath, Root};

use crate::error::{Failure, names};

/// What paths read: the state's raw input (`$`) and the context object (`$$`), plus what
/// an error message needs to say where it happened.
pub(crate) struct Scope<'a> {
    pub state: &'a str,
    pub entered: u64,
    pub context: &'a Value,
}

impl Scope<'_> {
    /// `States.Runtime` in this state, quoting its entered event.
    pub fn runtime(&self, detail: impl std::fmt::Display) -> Failure {
        Failure::runtime(self.state, self.entered, detail)
    }

    /// Parses a path. Definitions are validated before they run, so a path that does not
    /// parse here is a bug in the validator; it still fails the state rather than panic.
    fn path(&self, text: &str) -> Result<Path, Failure> {
        Path::parse(text).map_err(|e| self.runtime(format!("Invalid path '{text}': {e}")))
    }

    fn document<'v>(&'v self, path: &Path, input: &'v Value) -> Result<&'v Value, Failure> {
        match path.root() {
            Root::Input => Ok(input),
            Root::Context => Ok(self.context),
            Root::Variable(name) => Err(self.runtime(format!(
                "The variable '${name}' is not supported by this runtime yet"
            ))),
        }
    }

    /// `InputPath` and `OutputPath`: a missing path is `States.Runtime`, worded as Jayway
    /// words it ("Invalid path '$.a' : Missing property in path $['a']").
    pub fn select(&self, path: &Option<Nullable<String>>, input: Value) -> Result<Value, Failure> {
        match path {
            None => Ok(input),
            Some(Nullable::Null) => Ok(Value::Object(Map::new())),
            Some(Nullable::Value(text)) => self.read(text, &input),
        }
    }

    /// The value at a path (`ItemsPath`, `MaxConcurrencyPath`, ...) in `input` or the context
    /// object; a missing one is `States.Runtime`, worded as for `InputPath`.
    pub fn read(&self, text: &str, input: &Value) -> Result<Value, Failure> {
        let path = self.path(text)?;
        let document = self.document(&path, input)?;
        path.try_read(document)
            .map_err(|e| self.runtime(format!("Invalid path '{text}' : {e}")))
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`): keys ending in
    /// `.$` take the value of their path or intrinsic function; the rest are copied.
    pub fn template(&self, template: &Value, input: &Value) -> Result<Value, Failure> {
        match template {
            Value::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, value) in fields {
                    match (key.strip_suffix(".$"), value) {
                        (Some(name), Value::String(expr)) => {
                            out.insert(name.to_owned(), self.dynamic(key, expr, input)?);
                        }
                        _ => {
                            out.insert(key.clone(), self.template(value, input)?);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items.iter().map(|v| self.template(v, input)).collect(),
            other => Ok(other.clone()),
        }
    }

    /// The value of a `.$` field, of `ErrorPath`/`CausePath`: a path or an intrinsic call.
    pub fn dynamic(&self, field: &str, expr: &str, input: &Value) -> Result<Value, Failure> {
        if intrinsics::is_intrinsic(expr) {
            let call = Call::parse(expr)
                .map_err(|e| Failure::new(names::INTRINSIC_FAILURE, e.to_string()))?;
            let resolve = |path: &Path| -> Result<Value, intrinsics::IntrinsicError> {
                let document = match path.root() {
                    Root::Context => self.context,
                    _ => input,
                };
                path.read(document).ok_or_else(|| {
                    intrinsics::IntrinsicError::new(format!(
                        "The JSONPath '{}' could not be found in the input '{}'",
                        path.as_str(),
                        compact(input)
                    ))
                })
            };
            return call
                .evaluate(&resolve)
                .map_err(|e| Failure::new(names::INTRINSIC_FAILURE, e.to_string()));
        }
        let path = self.path(expr)?;
        let document = self.document(&path, input)?;
        path.read(document).ok_or_else(|| {
            self.runtime(format!(
                "The JSONPath '{expr}' specified for the field '{field}' could not be found in the input '{}'",
                compact(input)
            ))
        })
    }

    /// `ResultPath`: where the result goes in the raw state input.
    pub fn merge(
        &self,
        path: &Option<Nullable<String>>,
        input: Value,
        result: Value,
    ) -> Result<Value, Failure> {
        match path {
            None => Ok(result),
            Some(Nullable::Null) => Ok(input),
            Some(Nullable::Value(text)) => {
                let path = ReferencePath::parse(text)
                    .map_err(|e| self.runtime(format!("Invalid path '{text}': {e}")))?;
                let shown = compact(&input);
                path.write(input, result).map_err(|e| {
                    self.runtime(format!(
                        "Unable to apply step \"{}\" to input {shown}",
                        e.step
                    ))
                })
            }
        }
    }
}

/// JSON as AWS quotes it in causes: compact.
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(context: &Value) -> Scope<'_> {
        Scope {
            state: "S",
            entered: 2,
            context,
        }
    }

    #[test]
    fn input_path_selects_or_discards() {
        let cx = json!({});
        let s = scope(&cx);
        let input = json!({ "a": { "b": 1 } });
        assert_eq!(
            s.select(&Some(Nullable::Value("$.a".into())), input.clone())
                .unwrap(),
            json!({ "b": 1 })
        );
        assert_eq!(
            s.select(&Some(Nullable::Null), input.clone()).unwrap(),
            json!({})
        );
        assert_eq!(s.select(&None, input.clone()).unwrap(), input);
        let missing = s
            .select(&Some(Nullable::Value("$.x.y".into())), input)
            .unwrap_err();
        assert_eq!(missing.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            missing.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.x.y' : Missing property in path $['x']"
            )
        );
    }

    #[test]
    fn templates_resolve_dollar_keys_from_input_and_context() {
        let cx = json!({ "Execution": { "Name": "run-1" } });
        let s = scope(&cx);
        let template = json!({ "user.$": "$.user", "run.$": "$$.Execution.Name", "fixed": { "n": 1 }, "list": [{ "x.$": "$.user" }] });
        let out = s.template(&template, &json!({ "user": "ada" })).unwrap();
        assert_eq!(
            out,
            json!({ "user": "ada", "run": "run-1", "fixed": { "n": 1 }, "list": [{ "x": "ada" }] })
        );
    }

    #[test]
    fn missing_template_paths_quote_field_and_input() {
        let cx = json!({});
        let err = scope(&cx)
            .template(&json!({ "value.$": "$.nope" }), &json!({ "a": 1 }))
            .unwrap_err();
        assert_eq!(
            err.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.nope' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"
            )
        );
    }

    #[test]
    fn result_path_writes_into_the_raw_input() {
        let cx = json!({});
        let s = scope(&cx);
        let input = json!({ "a": 1 });
        assert_eq!(
            s.merge(
                &Some(Nullable::Value("$.r".into())),
                input.clone(),
                json!(2)
            )
            .unwrap(),
            json!({ "a": 1, "r": 2 })
        );
        assert_eq!(
            s.merge(&Some(Nullable::Null), input.clone(), json!(2))
                .unwrap(),
            input
        );
        assert_eq!(s.merge(&None, input, json!(2)).unwrap(), json!(2));
    }
}
