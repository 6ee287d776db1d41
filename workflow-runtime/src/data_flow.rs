//! Input and output processing, in AWS's order: `InputPath` -> `Parameters` -> (the task)
//! -> `ResultSelector` -> `Assign` (evaluated) -> `ResultPath` -> `OutputPath`; the
//! variables `Assign` sets are written when the state ends (see [`variables`]).

mod jsonata;
mod variables;

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Mutex;

use serde_json::{Map, Value};
use workflow_core::intrinsics::{self, Call};
use workflow_core::model::{Nullable, Parsed, StateKind};
use workflow_core::path::{Path, ReferencePath, Root, WriteError};
use workflow_eval::intrinsics::{Entropy, Evaluate as _, SystemEntropy};

use crate::context::LazyContext;
use crate::error::{Failure, names};
use crate::limits;
use crate::state_run::{StateRun, lock};

pub(crate) use jsonata::{States, expression_text};
pub(crate) use variables::{Assigned, Variables};

/// What paths read: the state's raw input (`$`), the context object (`$$`) and the
/// variables in scope (`$name`), plus what an error message needs to say where it happened.
pub(crate) struct Scope<'a> {
    pub state: &'a str,
    pub entered: u64,
    pub context: &'a LazyContext<'a>,
    pub variables: &'a Variables<'a>,
    /// Whether the state's query language is JSONata (for `Assign`, the one field both query
    /// languages share).
    pub jsonata: bool,
    /// When the state was entered, in milliseconds since the epoch: JSONata's `$now()`.
    pub now_millis: i64,
    /// The state's paths, intrinsic calls and expressions, parsed when it was loaded.
    pub parsed: &'a Parsed,
    /// The execution's random source, which `States.UUID`, `States.MathRandom`, `$random`,
    /// `$uuid` and `$shuffle` draw from, so that a seeded execution is reproducible; `None`
    /// outside an execution (fresh randomness).
    pub random: Option<&'a Mutex<fastrand::Rng>>,
}

impl<'a> Scope<'a> {
    /// The scope of the running state.
    pub fn new(
        run: &'a StateRun<'a>,
        context: &'a LazyContext<'a>,
        variables: &'a Variables<'a>,
    ) -> Self {
        Scope {
            state: run.name,
            entered: run.entered,
            context,
            variables,
            jsonata: run.jsonata,
            now_millis: run.entered_at.unix_millis(),
            parsed: run.parsed,
            random: Some(run.random),
        }
    }

    /// Runs `f` with the source of random bits of this scope.
    pub fn with_entropy<T>(&self, f: impl FnOnce(&mut dyn Entropy) -> T) -> T {
        match self.random {
            Some(random) => f(&mut || lock(random).u64(..)),
            None => f(&mut SystemEntropy::new()),
        }
    }

    /// `States.Runtime` in this state, quoting its entered event.
    pub fn runtime(&self, detail: impl std::fmt::Display) -> Failure {
        Failure::runtime(self.state, self.entered, detail)
    }

    /// A path of the state, as parsed when the definition loaded. A state built without a
    /// document has none: its paths are parsed here. Definitions are validated before they
    /// run, so a path that does not parse is a bug in the validator; it still fails the
    /// state rather than panic.
    pub fn path(&self, text: &str) -> Result<Cow<'a, Path>, Failure> {
        match self.parsed.path(text) {
            Some(path) => Ok(Cow::Borrowed(path)),
            None => Path::parse(text)
                .map(Cow::Owned)
                .map_err(|e| self.runtime(format!("Invalid path '{text}': {e}"))),
        }
    }

    /// The document a path starts from: `input` for `$`, the context object for `$$`, the
    /// variable's value for `$name`. A variable that no scope holds fails the state with
    /// `States.Runtime` (AWS's wording for this is not in the recorded cases).
    pub fn document<'v>(&'v self, path: &Path, input: &'v Value) -> Result<&'v Value, Failure> {
        self.root(path, input)
            .map_err(|detail| self.runtime(detail))
    }

    /// [`Scope::document`], failing with the detail of the `States.Runtime` cause only.
    pub fn root<'v>(&'v self, path: &Path, input: &'v Value) -> Result<&'v Value, String> {
        match path.root() {
            Root::Input => Ok(input),
            Root::Context => Ok(self.context.get()),
            Root::Variable(name) => self
                .variables
                .get(name)
                .ok_or_else(|| undefined(name, path.as_str())),
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

    /// `InputPath`: the effective input, recorded as TestState's `afterInputPath`.
    pub fn input_path(
        &self,
        run: &StateRun<'_>,
        path: &Option<Nullable<String>>,
        input: Value,
    ) -> Result<Value, Failure> {
        let effective = self.select(path, input)?;
        run.inspect(|i| i.after_input_path = Some(effective.clone()));
        Ok(effective)
    }

    /// The value at a path (`ItemsPath`, `MaxConcurrencyPath`, `SecondsPath`, ...) in `input`,
    /// the context object or a variable; a missing one is `States.Runtime`, worded as for
    /// `InputPath`.
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
            return self.intrinsic(expr, input);
        }
        let path = self.path(expr)?;
        let document = self.document(&path, input)?;
        path.read(document).ok_or_else(|| {
            // AWS quotes the state input (recorded); for a variable, whose value is where the
            // path was looked for, that value is quoted instead (no recorded wording).
            let searched = match path.root() {
                Root::Variable(name) => {
                    format!("the value of the variable '${name}' '{}'", compact(document))
                }
                _ => format!("the input '{}'", compact(input)),
            };
            self.runtime(format!(
                "The JSONPath '{expr}' specified for the field '{field}' could not be found in {searched}"
            ))
        })
    }

    /// An intrinsic function call. Its path arguments read `$`, `$$` and variables like any
    /// path; a variable no scope holds fails the state with `States.Runtime`, as it does in
    /// any other field, rather than as an intrinsic's own failure.
    fn intrinsic(&self, expr: &str, input: &Value) -> Result<Value, Failure> {
        let call = match self.parsed.call(expr) {
            Some(call) => Cow::Borrowed(call),
            None => Cow::Owned(
                Call::parse(expr)
                    .map_err(|e| Failure::new(names::INTRINSIC_FAILURE, e.to_string()))?,
            ),
        };
        // The evaluator's callback can only return an intrinsic error: an undefined variable
        // is kept here and reported instead of the error it stops the call with.
        let undefined_variable = RefCell::new(None);
        let resolve = |path: &Path| -> Result<Value, intrinsics::IntrinsicError> {
            let document = match self.document(path, input) {
                Ok(document) => document,
                Err(failure) => {
                    let message = failure.cause.clone().unwrap_or_default();
                    undefined_variable.replace(Some(failure));
                    return Err(intrinsics::IntrinsicError::new(message));
                }
            };
            path.read(document).ok_or_else(|| {
                intrinsics::IntrinsicError::new(format!(
                    "The JSONPath '{}' could not be found in the input '{}'",
                    path.as_str(),
                    compact(document)
                ))
            })
        };
        let result = self.with_entropy(|entropy| call.evaluate_with(&resolve, entropy));
        if let Some(failure) = undefined_variable.into_inner() {
            return Err(failure);
        }
        result.map_err(|e| Failure::new(names::INTRINSIC_FAILURE, e.to_string()))
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
                let path = match self.parsed.reference_path(text) {
                    Some(path) => Cow::Borrowed(path),
                    None => Cow::Owned(
                        ReferencePath::parse(text)
                            .map_err(|e| self.runtime(format!("Invalid path '{text}': {e}")))?,
                    ),
                };
                // Checked first, so that the error can show the input, which the write
                // consumes, without making its text on every write.
                let unable = |e: WriteError, input: &Value| {
                    self.runtime(format!(
                        "Unable to apply step \"{}\" to input {}",
                        e.step,
                        compact(input)
                    ))
                };
                path.check_write(&input).map_err(|e| unable(e, &input))?;
                path.write(input, result)
                    .map_err(|e| unable(e, &Value::Null))
            }
        }
    }

    /// `Assign` (of a state, a Choice rule or a catcher): the variables it sets, evaluated
    /// but not written. In JSONPath, each key names a variable, a `name.$` key takes the
    /// value of its path or intrinsic function, and nested values are templates as in
    /// `Parameters`; `$` is `document` (the state's result, or its effective input for Choice
    /// and Wait, or the error output in a catcher), `$$` the context object, and `$name` the
    /// variables as the state was entered: nothing is written before every value is known,
    /// so all the assignments of one `Assign` see the same values.
    ///
    /// AWS limits one variable, and one `Assign` in all, to 256 KiB; past that the state
    /// fails with `States.Runtime` (AWS's own wording was not found).
    pub fn assign(&self, assign: &Option<Value>, document: &Value) -> Result<Assigned, Failure> {
        self.assign_with(assign, document, States::input(document))
    }

    /// [`Scope::assign`], with the `$states` a JSONata `Assign` reads.
    pub fn assign_with(
        &self,
        assign: &Option<Value>,
        document: &Value,
        states: States<'_>,
    ) -> Result<Assigned, Failure> {
        let Some(Value::Object(fields)) = assign else {
            return Ok(Assigned::default());
        };
        let mut assigned = Assigned::default();
        let mut total = 0;
        for (key, value) in fields {
            let (name, value) = if self.jsonata {
                (
                    key.as_str(),
                    self.evaluate(&format!("Assign/{key}"), value, states)?,
                )
            } else {
                match (key.strip_suffix(".$"), value) {
                    (Some(name), Value::String(expr)) => (name, self.dynamic(key, expr, document)?),
                    _ => (key.as_str(), self.template(value, document)?),
                }
            };
            let size = limits::payload_size(&value);
            if size > limits::MAX_VARIABLE_BYTES {
                return Err(self.runtime(format!(
                    "The value assigned to the variable '${name}' is {size} bytes, more than the {} bytes a variable can hold.",
                    limits::MAX_VARIABLE_BYTES
                )));
            }
            total += size;
            assigned.insert(name.to_owned(), value);
        }
        if total > limits::MAX_ASSIGN_BYTES {
            return Err(self.runtime(format!(
                "The variables assigned by the field 'Assign' total {total} bytes, more than the {} bytes one Assign can set.",
                limits::MAX_ASSIGN_BYTES
            )));
        }
        Ok(assigned)
    }
}

/// The detail of the failure of a path that reads a variable no scope holds.
fn undefined(name: &str, path: &str) -> String {
    format!("The variable '${name}' referenced by the JSONPath '{path}' is not defined.")
}

/// JSON as AWS quotes it in causes: compact.
/// Whether an `InputPath` or `OutputPath` selects the whole document (absent, or `$`).
pub(crate) fn selects_all(path: &Option<Nullable<String>>) -> bool {
    match path {
        None => true,
        Some(Nullable::Value(path)) => path == "$",
        Some(Nullable::Null) => false,
    }
}

/// Whether a state's output is always its input as it is: it has no field that selects,
/// builds or places anything (Task, Parallel and Map have results; Fail has no output).
/// Its exited event then shows the text its entered event shows, and a pause there keeps
/// the input once.
pub(crate) fn output_is_input(kind: &StateKind, jsonata: bool) -> bool {
    let common = kind.common();
    let paths = if jsonata {
        common.output.is_none()
    } else {
        selects_all(&common.input_path) && selects_all(&common.output_path)
    };
    paths
        && match kind {
            StateKind::Pass(pass) => {
                jsonata
                    || (pass.parameters.is_none()
                        && pass.result.is_none()
                        && pass.result_path.is_none())
            }
            StateKind::Choice(choice) => {
                !jsonata || choice.choices.iter().all(|rule| rule.output.is_none())
            }
            StateKind::Wait(_) | StateKind::Succeed(_) => true,
            StateKind::Task(_)
            | StateKind::Parallel(_)
            | StateKind::Map(_)
            | StateKind::Fail(_) => false,
        }
}

pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope<'a>(context: &'a LazyContext<'a>, variables: &'a Variables<'a>) -> Scope<'a> {
        Scope {
            state: "S",
            entered: 2,
            context,
            variables,
            jsonata: false,
            now_millis: 0,
            parsed: Parsed::empty(),
            random: None,
        }
    }

    #[test]
    fn input_path_selects_or_discards() {
        let cx = LazyContext::ready(json!({}));
        let vars = Variables::default();
        let s = scope(&cx, &vars);
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
        let cx = LazyContext::ready(json!({ "Execution": { "Name": "run-1" } }));
        let vars = Variables::default();
        let s = scope(&cx, &vars);
        let template = json!({ "user.$": "$.user", "run.$": "$$.Execution.Name", "fixed": { "n": 1 }, "list": [{ "x.$": "$.user" }] });
        let out = s.template(&template, &json!({ "user": "ada" })).unwrap();
        assert_eq!(
            out,
            json!({ "user": "ada", "run": "run-1", "fixed": { "n": 1 }, "list": [{ "x": "ada" }] })
        );
    }

    #[test]
    fn missing_template_paths_quote_field_and_input() {
        let cx = LazyContext::ready(json!({}));
        let vars = Variables::default();
        let err = scope(&cx, &vars)
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
        let cx = LazyContext::ready(json!({}));
        let vars = Variables::default();
        let s = scope(&cx, &vars);
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

    #[test]
    fn variables_are_read_by_paths_templates_and_intrinsics() {
        let cx = LazyContext::ready(json!({}));
        let mut vars = Variables::default();
        let mut assigned = Assigned::default();
        assigned.insert("order".into(), json!({ "id": 7, "items": [1, 2] }));
        vars.assign(assigned);
        let s = scope(&cx, &vars);
        let input = json!({ "n": 1 });
        assert_eq!(s.read("$order.items[1]", &input).unwrap(), json!(2));
        let template = json!({
            "id.$": "$order.id",
            "count.$": "States.ArrayLength($order.items)",
            "n.$": "$.n"
        });
        assert_eq!(
            s.template(&template, &input).unwrap(),
            json!({ "id": 7, "count": 2, "n": 1 })
        );
        // An undefined variable is States.Runtime wherever it is read, intrinsics included.
        let prefix =
            "An error occurred while executing the state 'S' (entered at the event id #2).";
        for (expr, path) in [
            ("$nope", "$nope"),
            ("States.ArrayLength($nope.items)", "$nope.items"),
        ] {
            let failure = s.dynamic("x.$", expr, &input).unwrap_err();
            assert_eq!(failure.error.as_deref(), Some("States.Runtime"), "{expr}");
            let cause = format!(
                "{prefix} The variable '$nope' referenced by the JSONPath '{path}' is not defined."
            );
            assert_eq!(failure.cause, Some(cause), "{expr}");
        }
    }
}
