//! JSONata fields ("Transforming data with JSONata in Step Functions"): in a state whose
//! query language is JSONata, a string `{% expression %}` anywhere in a field's value is
//! replaced by the expression's value; every other value is taken as it is.
//!
//! Expressions see `$states` (`input`, `context`, and `result` after a task or
//! `errorOutput` in a catcher) and the workflow variables as `$name`. A failure is
//! `States.QueryEvaluationError`, worded as AWS words it (recorded causes): the expression
//! threw an error, returned nothing, or returned a value the field cannot take.

use serde_json::{Map, Value};
use workflow_core::jsonata::Expression;
use workflow_core::path::type_name;
use workflow_eval::jsonata::{Evaluate as _, Evaluated};

use super::Scope;
use crate::error::{Failure, names};

/// The `$states` of one evaluation.
#[derive(Default, Clone, Copy)]
pub(crate) struct States<'v> {
    pub input: Option<&'v Value>,
    pub result: Option<&'v Value>,
    pub error_output: Option<&'v Value>,
}

impl<'v> States<'v> {
    /// `$states.input` only.
    pub fn input(input: &'v Value) -> Self {
        States {
            input: Some(input),
            ..States::default()
        }
    }

    /// `$states.input` and `$states.result`.
    pub fn result(input: &'v Value, result: &'v Value) -> Self {
        States {
            input: Some(input),
            result: Some(result),
            error_output: None,
        }
    }

    /// `$states.input` and `$states.errorOutput`.
    pub fn error(input: &'v Value, error_output: &'v Value) -> Self {
        States {
            input: Some(input),
            result: None,
            error_output: Some(error_output),
        }
    }
}

/// The expression of a `{% ... %}` string, if it is one.
pub(crate) fn expression_of(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(inner.trim())
}

/// The expression of a `{% %}` string for a cause, or the text itself.
pub(crate) fn expression_text(text: &str) -> &str {
    expression_of(text).unwrap_or(text)
}

impl Scope<'_> {
    /// `States.QueryEvaluationError` in this state.
    pub fn query_error(&self, detail: impl std::fmt::Display) -> Failure {
        Failure::new(
            names::QUERY_EVALUATION_ERROR,
            format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). {detail}",
                self.state, self.entered
            ),
        )
    }

    /// A JSONata field's value: every `{% %}` string in `value` evaluated, the rest copied.
    /// `field` names it in causes (`Output`, `Assign/result`, `Items`).
    pub fn evaluate(
        &self,
        field: &str,
        value: &Value,
        states: States<'_>,
    ) -> Result<Value, Failure> {
        self.evaluate_at(&Place::Field(field), value, states)
    }

    fn evaluate_at(
        &self,
        place: &Place<'_>,
        value: &Value,
        states: States<'_>,
    ) -> Result<Value, Failure> {
        match value {
            Value::String(text) => match expression_of(text) {
                Some(expr) => self.expression_at(place, expr, states),
                None => Ok(value.clone()),
            },
            Value::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, v) in fields {
                    out.insert(
                        key.clone(),
                        self.evaluate_at(&Place::Key(place, key), v, states)?,
                    );
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.evaluate_at(&Place::Index(place, i), v, states))
                .collect(),
            other => Ok(other.clone()),
        }
    }

    /// A JSONata state's `Output`: the field evaluated, or else `default` (the state's input,
    /// or its result).
    pub fn output(
        &self,
        output: &Option<Value>,
        default: &Value,
        states: States<'_>,
    ) -> Result<Value, Failure> {
        match output {
            Some(value) => self.evaluate("Output", value, states),
            None => Ok(default.clone()),
        }
    }

    /// One expression's value, at `place` in its field; nothing and functions fail the
    /// state.
    fn expression_at(
        &self,
        place: &Place<'_>,
        expr: &str,
        states: States<'_>,
    ) -> Result<Value, Failure> {
        let quoted = |what: &str| {
            self.query_error(format!(
                "The JSONata expression '{expr}' specified for the field '{place}' {what}"
            ))
        };
        let lookup = |name: &str| self.jsonata_variable(name, states);
        let evaluate = |parsed: &Expression| {
            self.with_entropy(|entropy| {
                parsed.evaluate_with(&Value::Null, &lookup, self.now_millis, entropy)
            })
        };
        let evaluated = match self.parsed.expression(expr) {
            Some(parsed) => evaluate(parsed),
            // A state built without a document: its expressions are parsed here.
            None => Expression::parse(expr).and_then(|parsed| evaluate(&parsed)),
        };
        match evaluated {
            Ok(Evaluated::Value(v)) => Ok(v),
            Ok(Evaluated::Undefined) => Err(quoted("returned nothing (undefined).")),
            Ok(Evaluated::Function) => Err(quoted("returned an unsupported result type.")),
            Err(e) => Err(quoted(&format!("threw an error during evaluation. {e}"))),
        }
    }

    /// A field that must hold a value of one JSON type (`Items` an array, `Seconds` a
    /// number): its value, with AWS's wording when the type is wrong.
    pub fn evaluate_typed(
        &self,
        field: &str,
        value: &Value,
        states: States<'_>,
        expected: &str,
    ) -> Result<Value, Failure> {
        let result = self.evaluate(field, value, states)?;
        let actual = type_name(&result);
        if actual == expected || (expected == "integer" && result.is_number()) {
            return Ok(result);
        }
        let shown = match value {
            Value::String(text) => expression_of(text).unwrap_or(text).to_owned(),
            other => super::compact(other),
        };
        Err(self.query_error(format!(
            "The JSONata expression '{shown}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{actual}' for value: {}",
            super::compact(&result)
        )))
    }

    fn jsonata_variable(&self, name: &str, states: States<'_>) -> Option<Value> {
        if name == "states" {
            let mut map = Map::new();
            if let Some(input) = states.input {
                map.insert("input".into(), input.clone());
            }
            map.insert("context".into(), self.context.get().clone());
            if let Some(result) = states.result {
                map.insert("result".into(), result.clone());
            }
            if let Some(error) = states.error_output {
                map.insert("errorOutput".into(), error.clone());
            }
            return Some(Value::Object(map));
        }
        self.variables.get(name).cloned()
    }
}

/// Where a value sits in a JSONata field, as causes name it (`Output/items/0`): written
/// out only for a cause, not for every key an evaluation walks.
enum Place<'a> {
    Field(&'a str),
    Key(&'a Place<'a>, &'a str),
    Index(&'a Place<'a>, usize),
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Field(field) => f.write_str(field),
            Place::Key(outer, key) => write!(f, "{outer}/{key}"),
            Place::Index(outer, index) => write!(f, "{outer}/{index}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::context::LazyContext;
    use crate::data_flow::{Assigned, Variables};

    #[test]
    fn fields_evaluate_nested_expressions_with_states_and_variables() {
        let cx = LazyContext::ready(json!({ "State": { "Name": "S" } }));
        let mut vars = Variables::default();
        let mut assigned = Assigned::default();
        assigned.insert("x".into(), json!(2));
        vars.assign(assigned);
        let scope = Scope {
            state: "S",
            entered: 2,
            context: &cx,
            variables: &vars,
            jsonata: true,
            now_millis: 1_457_920_740_000,
            parsed: workflow_core::model::Parsed::empty(),
            random: None,
        };
        let input = json!({ "a": [1, 2, 3] });
        let value = json!({
            "sum": "{% $sum($states.input.a) * $x %}",
            "name": "{% $states.context.State.Name %}",
            "list": ["{% 1 + 1 %}", "plain"],
            "n": 5,
            "now": "{% $now() %}"
        });
        assert_eq!(
            scope
                .evaluate("Output", &value, States::input(&input))
                .unwrap(),
            json!({ "sum": 12, "name": "S", "list": [2, "plain"], "n": 5, "now": "2016-03-14T01:59:00.000Z" })
        );
        let undefined = scope
            .evaluate(
                "Output",
                &json!({ "r": "{% $nope %}" }),
                States::input(&input),
            )
            .unwrap_err();
        assert_eq!(
            undefined.error.as_deref(),
            Some("States.QueryEvaluationError")
        );
        assert_eq!(
            undefined.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output/r' returned nothing (undefined)."
            )
        );
        let typed = scope
            .evaluate_typed("Items", &json!("{% 1 %}"), States::input(&input), "array")
            .unwrap_err();
        assert!(
            typed
                .cause
                .unwrap()
                .ends_with("Expected 'array', but was 'number' for value: 1")
        );
    }
}
