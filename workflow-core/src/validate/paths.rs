use serde_json::Value;

use super::StateAt;
use super::fields::each_comparison;
use crate::diagnostic::{Diagnostics, Pointer, field};
use crate::intrinsics::{self, Call};
use crate::model::{Nullable, Parsed, StateKind, WaitFor};
use crate::path::{Path, ReferencePath};

/// Paths must parse before a state can run (AWS rejects the definition at creation):
/// `InputPath`/`OutputPath` and choice variables are JSONPath; `ResultPath` is a reference
/// path (it names one place to write); the `*Path` fields name one value; `.$` fields and
/// `ErrorPath`/`CausePath` hold a path or an intrinsic function call. JSONata states have
/// none of these (the query-language rule reports them).
pub fn check_paths(s: &StateAt, cx: &Diagnostics) {
    if s.is_jsonata() {
        return;
    }
    // What the loader parsed need not be parsed again; only a text it could not parse is,
    // for the message.
    let parsed = &s.state.parsed;
    let common = s.state.kind.common();
    check_nullable(
        parsed,
        &common.input_path,
        || s.field("InputPath"),
        "InputPath",
        Kind::Path,
        cx,
    );
    check_nullable(
        parsed,
        &common.output_path,
        || s.field("OutputPath"),
        "OutputPath",
        Kind::Path,
        cx,
    );
    if let Some(assign) = &common.assign {
        check_template(parsed, assign, &s.field("Assign"), cx);
    }
    for (i, catcher) in s.state.kind.catchers().iter().enumerate() {
        let at = || s.field("Catch").index(i).key("ResultPath");
        check_nullable(
            parsed,
            &catcher.result_path,
            at,
            "ResultPath",
            Kind::Reference,
            cx,
        );
    }
    match &s.state.kind {
        StateKind::Pass(p) => {
            check_nullable(
                parsed,
                &p.result_path,
                || s.field("ResultPath"),
                "ResultPath",
                Kind::Reference,
                cx,
            );
            if let Some(parameters) = &p.parameters {
                check_template(parsed, parameters, &s.field("Parameters"), cx);
            }
        }
        StateKind::Task(t) => {
            check_nullable(
                parsed,
                &t.result_path,
                || s.field("ResultPath"),
                "ResultPath",
                Kind::Reference,
                cx,
            );
            for (key, template) in [
                ("Parameters", &t.parameters),
                ("ResultSelector", &t.result_selector),
                ("Credentials", &t.credentials),
            ] {
                if let Some(template) = template {
                    check_template(parsed, template, &s.field(key), cx);
                }
            }
            for (key, path) in [
                ("TimeoutSecondsPath", &t.timeout_seconds_path),
                ("HeartbeatSecondsPath", &t.heartbeat_seconds_path),
            ] {
                if let Some(path) = path {
                    check_path(parsed, path, s.field(key), key, Kind::Definite, cx);
                }
            }
        }
        StateKind::Choice(choice) => {
            for (i, rule) in choice.choices.iter().enumerate() {
                each_comparison(
                    &rule.condition,
                    s.field("Choices").index(i),
                    &mut |c, at| {
                        check_path(
                            parsed,
                            &c.variable,
                            at.key("Variable"),
                            "Variable",
                            Kind::Path,
                            cx,
                        );
                        if c.operator.path
                            && let Some(operand) = c.operand.as_str()
                        {
                            let name = c.operator.name();
                            check_path(parsed, operand, at.key(&name), &name, Kind::Path, cx);
                        }
                    },
                );
            }
        }
        StateKind::Wait(wait) => match &wait.wait_for {
            WaitFor::SecondsPath(p) => check_path(
                parsed,
                p,
                s.field("SecondsPath"),
                "SecondsPath",
                Kind::Definite,
                cx,
            ),
            WaitFor::TimestampPath(p) => check_path(
                parsed,
                p,
                s.field("TimestampPath"),
                "TimestampPath",
                Kind::Definite,
                cx,
            ),
            _ => {}
        },
        StateKind::Fail(fail) => {
            for (key, path) in [
                ("ErrorPath", &fail.error_path),
                ("CausePath", &fail.cause_path),
            ] {
                if let Some(path) = path {
                    check_dynamic(parsed, path, s.field(key), key, cx);
                }
            }
        }
        StateKind::Parallel(p) => {
            check_nullable(
                parsed,
                &p.result_path,
                || s.field("ResultPath"),
                "ResultPath",
                Kind::Reference,
                cx,
            );
            for (key, template) in [
                ("Parameters", &p.parameters),
                ("ResultSelector", &p.result_selector),
            ] {
                if let Some(template) = template {
                    check_template(parsed, template, &s.field(key), cx);
                }
            }
        }
        StateKind::Map(m) => {
            check_nullable(
                parsed,
                &m.result_path,
                || s.field("ResultPath"),
                "ResultPath",
                Kind::Reference,
                cx,
            );
            for (key, template) in [
                ("ItemSelector", &m.item_selector),
                ("Parameters", &m.parameters),
                ("ResultSelector", &m.result_selector),
            ] {
                if let Some(template) = template {
                    check_template(parsed, template, &s.field(key), cx);
                }
            }
            for (key, path) in [
                ("ItemsPath", &m.items_path),
                ("MaxConcurrencyPath", &m.max_concurrency_path),
                ("ToleratedFailureCountPath", &m.tolerated_failure_count_path),
                (
                    "ToleratedFailurePercentagePath",
                    &m.tolerated_failure_percentage_path,
                ),
            ] {
                if let Some(path) = path {
                    check_path(parsed, path, s.field(key), key, Kind::Definite, cx);
                }
            }
        }
        StateKind::Succeed(_) => {}
    }
}

/// What a field's path may be.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Any JSONPath, `$` or `$$`.
    Path,
    /// A JSONPath that names at most one value.
    Definite,
    /// A reference path: `$` and names or indices only.
    Reference,
}

fn check_nullable(
    parsed: &Parsed,
    path: &Option<Nullable<String>>,
    at: impl FnOnce() -> Pointer,
    key: &str,
    kind: Kind,
    cx: &Diagnostics,
) {
    if let Some(Nullable::Value(path)) = path {
        check_path(parsed, path, at(), key, kind, cx);
    }
}

fn check_path(parsed: &Parsed, text: &str, at: Pointer, key: &str, kind: Kind, cx: &Diagnostics) {
    let problem = match kind {
        Kind::Reference if parsed.reference_path(text).is_some() => None,
        Kind::Reference => ReferencePath::parse(text).err().map(|e| e.message),
        Kind::Path if parsed.path(text).is_some() => None,
        Kind::Path | Kind::Definite => match Path::parse(text) {
            Err(e) => Some(e.message),
            Ok(p) if kind == Kind::Definite && !p.is_definite() => Some(
                "it must name a single value: no wildcards, filters, slices or `..`".to_owned(),
            ),
            Ok(_) => None,
        },
    };
    if let Some(problem) = problem {
        let what = if kind == Kind::Reference {
            "reference path"
        } else {
            "JSONPath"
        };
        cx.schema(
            &at,
            format!(
                "{} is not a valid {what}: \"{text}\": {problem}",
                field(key)
            ),
        );
    }
}

/// A `.$` field, `ErrorPath` or `CausePath`: a path or an intrinsic function call.
fn check_dynamic(parsed: &Parsed, text: &str, at: Pointer, key: &str, cx: &Diagnostics) {
    let problem = if intrinsics::is_intrinsic(text) {
        match parsed.call(text) {
            Some(_) => None,
            None => Call::parse(text).err().map(|e| e.to_string()),
        }
    } else {
        match parsed.path(text) {
            Some(_) => None,
            None => Path::parse(text).err().map(|e| e.message),
        }
    };
    if let Some(problem) = problem {
        // AWS's wording: "The value for the field 'x.$' must be a valid JSONPath or a valid
        // intrinsic function call".
        // A payload key is data, shown as written; `ErrorPath` is a field, spelt per front end.
        let name = if key.ends_with(".$") {
            format!("`{key}`")
        } else {
            field(key)
        };
        cx.schema(
            &at,
            format!("the value for the field {name} must be a valid JSONPath or a valid intrinsic function call: \"{text}\": {problem}"),
        );
    }
}

/// Every `.$` key of a payload template, at any depth.
fn check_template(parsed: &Parsed, template: &Value, at: &Pointer, cx: &Diagnostics) {
    match template {
        Value::Object(fields) => {
            for (key, value) in fields {
                let value_at = at.key(key);
                match (key.ends_with(".$"), value) {
                    (true, Value::String(text)) => check_dynamic(parsed, text, value_at, key, cx),
                    (true, other) => cx.schema(
                        &value_at,
                        format!("the value for the field `{key}` must be a string holding a JSONPath or an intrinsic function call, found {other}"),
                    ),
                    (false, value) => check_template(parsed, value, &value_at, cx),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_template(parsed, item, &at.index(i), cx);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    fn pass(fields: serde_json::Value) -> serde_json::Value {
        let mut state = json!({ "Type": "Pass", "End": true });
        state
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        json!({ "StartAt": "P", "States": { "P": state } })
    }

    #[test]
    fn malformed_paths_are_reported_where_they_are() {
        let found = diagnose(pass(json!({
            "InputPath": "$.a[",
            "ResultPath": "$.items[*]",
            "Parameters": { "ok.$": "$.x", "nested": { "bad.$": "not a path" }, "call.$": "States.Format('{}', $.x" }
        })));
        let pointers: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/States/P/InputPath",
                "/States/P/ResultPath",
                "/States/P/Parameters/nested/bad.$",
                "/States/P/Parameters/call.$"
            ]
        );
        assert!(
            found
                .iter()
                .all(|(c, _)| *c == Code::SchemaValidationFailed)
        );
    }

    #[test]
    fn valid_paths_and_calls_pass() {
        let found = diagnose(pass(json!({
            "InputPath": "$$.Execution.Input",
            "ResultPath": "$.result['a b'][0]",
            "OutputPath": "$.items[?(@.n > 1)]",
            "Parameters": { "greeting.$": "States.Format('Hello, {}!', $.name)", "all.$": "$" }
        })));
        assert_eq!(found, vec![]);
    }

    #[test]
    fn choice_variables_and_path_operands_are_checked() {
        let found = diagnose(json!({
            "StartAt": "C",
            "States": {
                "C": { "Type": "Choice", "Default": "D", "Choices": [
                    { "Variable": "$.a..", "NumericEqualsPath": "$.b[", "Next": "D" }
                ] },
                "D": { "Type": "Succeed" }
            }
        }));
        let pointers: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/States/C/Choices/0/Variable",
                "/States/C/Choices/0/NumericEqualsPath"
            ]
        );
    }
}
