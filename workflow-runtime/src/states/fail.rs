use serde_json::Value;
use workflow_core::model::Fail;

use crate::data_flow::{Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Interpreter, StateRun};

impl Interpreter<'_> {
    /// Fail: the error and cause are literal, or read by `ErrorPath`/`CausePath` (a path or
    /// an intrinsic function) from the raw input, the context object or a variable.
    pub(crate) fn run_fail(
        &self,
        run: &StateRun<'_>,
        fail: &Fail,
        input: Value,
        variables: &Variables<'_>,
    ) -> Failure {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        if run.jsonata {
            // `Error` and `Cause` may be expressions; a non-string result is shown as JSON.
            let states = States::input(&input);
            let field = |name: &str, value: &Option<String>| -> Result<Option<String>, Failure> {
                let Some(text) = value else { return Ok(None) };
                Ok(Some(
                    match scope.evaluate(name, &Value::String(text.clone()), states)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                ))
            };
            return match (field("Error", &fail.error), field("Cause", &fail.cause)) {
                (Ok(error), Ok(cause)) => Failure { error, cause },
                (Err(failure), _) | (_, Err(failure)) => failure,
            };
        }
        let read = |literal: &Option<String>,
                    path: &Option<String>,
                    field: &str|
         -> Result<Option<String>, Failure> {
            match (literal, path) {
                (Some(text), _) => Ok(Some(text.clone())),
                (None, Some(path)) => match scope.dynamic(field, path, &input)? {
                    Value::String(s) => Ok(Some(s)),
                    other => Ok(Some(other.to_string())),
                },
                (None, None) => Ok(None),
            }
        };
        let error = match read(&fail.error, &fail.error_path, "ErrorPath") {
            Ok(error) => error,
            Err(failure) => return failure,
        };
        match read(&fail.cause, &fail.cause_path, "CausePath") {
            Ok(cause) => Failure { error, cause },
            Err(failure) => failure,
        }
    }
}
