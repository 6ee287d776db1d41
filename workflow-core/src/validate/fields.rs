use super::StateAt;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::{Condition, Operand, QueryLanguage, StateKind, WaitFor};
use crate::parse::is_jsonata;
use crate::timestamp::Timestamp;

/// Fields that exist only in JSONPath states. AWS replaces them in JSONata states by
/// `Arguments`, `Output` and `Items` ("Transforming data with JSONata", AWS docs).
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ItemsPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "ErrorPath",
    "CausePath",
];

/// Fields that exist only in JSONata states.
const JSONATA_ONLY: &[&str] = &["Output", "Arguments", "Items"];

/// A state's fields must belong to its query language, and a state cannot go back to
/// JSONPath when the whole state machine is JSONata (AWS: "'QueryLanguage' can not be
/// 'JSONPath' if set to 'JSONata' for whole state machine").
pub fn check_query_language(s: &StateAt, top: QueryLanguage, cx: &Diagnostics) {
    let common = s.state.kind.common();
    if top == QueryLanguage::Jsonata && common.query_language == Some(QueryLanguage::JsonPath) {
        // AWS reports it at the state; a front end with spans shows the field at fault.
        cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                s.at.clone(),
                format!(
                    "{} cannot be \"JSONPath\" when the state machine's is \"JSONata\"",
                    field("QueryLanguage")
                ),
            )
            .at_field("QueryLanguage"),
        );
    }
    // Looking at every field as written takes serializing the state: only worth it for a
    // state that may have a field of the other language. A JSONPath state has none without
    // a `{% %}` string or a JSONata-only field, which the model tells cheaply.
    let may_have_foreign_fields =
        s.is_jsonata() || s.state.parsed.has_jsonata_text() || has_jsonata_field(&s.state.kind);
    let document = if may_have_foreign_fields {
        serde_json::to_value(&s.state.kind).unwrap_or_default()
    } else {
        serde_json::Value::Object(serde_json::Map::new())
    };
    let Some(fields) = document.as_object() else {
        return;
    };
    let (foreign, this, other) = if s.is_jsonata() {
        (JSONPATH_ONLY, "JSONata", "JSONPath")
    } else {
        (JSONATA_ONLY, "JSONPath", "JSONata")
    };
    for key in fields.keys().filter(|k| foreign.contains(&k.as_str())) {
        foreign_field(cx, s.field(key), key, this, other);
    }
    for (i, catcher) in s.state.kind.catchers().iter().enumerate() {
        let at = s.field("Catch").index(i);
        if s.is_jsonata() && catcher.result_path.is_some() {
            foreign_field(cx, at.key("ResultPath"), "ResultPath", this, other);
        }
        if !s.is_jsonata() && catcher.output.is_some() {
            foreign_field(cx, at.key("Output"), "Output", this, other);
        }
    }
    if let StateKind::Choice(choice) = &s.state.kind {
        for (i, rule) in choice.choices.iter().enumerate() {
            let at = s.field("Choices").index(i);
            match (&rule.condition, s.is_jsonata()) {
                (Condition::Jsonata(_), false) => {
                    foreign_field(cx, at.key("Condition"), "Condition", this, other)
                }
                (Condition::Jsonata(_), true) => {}
                (_, true) => cx.push(Diagnostic::new(
                    Code::SchemaValidationFailed,
                    at,
                    format!(
                        "a choice rule of a JSONata state is a {}",
                        field("Condition")
                    ),
                )),
                (_, false) => {}
            }
        }
    }
    // `{% %}` expressions in numeric fields only mean something in JSONata states.
    if !s.is_jsonata() {
        for (key, value) in fields {
            let reported = foreign.contains(&key.as_str()) || key == "Timestamp";
            if !reported && value.as_str().is_some_and(is_jsonata) {
                cx.schema(
                    &s.field(key),
                    format!(
                        "{} is a JSONata expression, but this state uses JSONPath",
                        field(key)
                    ),
                );
            }
        }
    }
}

/// Whether the state has `Output`, `Arguments` or `Items` ([`JSONATA_ONLY`]); a catcher's
/// `Output` and a rule's `Condition` are checked on their own.
fn has_jsonata_field(kind: &StateKind) -> bool {
    kind.common().output.is_some()
        || match kind {
            StateKind::Task(t) => t.arguments.is_some(),
            StateKind::Parallel(p) => p.arguments.is_some(),
            StateKind::Map(m) => m.items.is_some(),
            _ => false,
        }
}

fn foreign_field(cx: &Diagnostics, at: Pointer, key: &str, this: &str, other: &str) {
    cx.push(
        Diagnostic::new(
            Code::SchemaValidationFailed,
            at,
            format!(
                "{} is a {other} field, but this state uses {this}",
                field(key)
            ),
        )
        .at_key()
        .with_help(format!(
            "set {} to \"{other}\" on the state",
            field("QueryLanguage")
        )),
    );
}

/// Literal timestamps (Wait `Timestamp`, the `Timestamp*` operators) must be RFC 3339 as
/// AWS reads it; AWS rejects the definition otherwise (`wait_timestamp_invalid_*` records).
pub fn check_timestamps(s: &StateAt, cx: &Diagnostics) {
    // AWS says "String does not match RFC3339 timestamp"; this also shows what was written.
    let bad = |at: Pointer, name: &str, found: &str| {
        cx.schema(
            &at,
            format!(
                "{} must be an RFC 3339 timestamp such as \"2030-01-01T00:00:00Z\", found \"{found}\"",
                field(name)
            ),
        )
    };
    match &s.state.kind {
        StateKind::Wait(wait) => {
            if let WaitFor::Timestamp(t) = &wait.wait_for
                && !(s.is_jsonata() && is_jsonata(t))
                && Timestamp::parse(t).is_none()
            {
                bad(s.field("Timestamp"), "Timestamp", t);
            }
        }
        StateKind::Choice(choice) => {
            for (i, rule) in choice.choices.iter().enumerate() {
                each_comparison(
                    &rule.condition,
                    s.field("Choices").index(i),
                    &mut |c, at| {
                        if !c.operator.path
                            && c.operator.operand() == Operand::Timestamp
                            && let Some(t) = c.operand.as_str()
                            && Timestamp::parse(t).is_none()
                        {
                            let name = c.operator.name();
                            bad(at.key(&name), &name, t);
                        }
                    },
                );
            }
        }
        _ => {}
    }
}

/// Calls `f` on every comparison of a condition, with the pointer of the rule holding it.
pub(crate) fn each_comparison(
    condition: &Condition,
    at: Pointer,
    f: &mut dyn FnMut(&crate::model::Comparison, &Pointer),
) {
    match condition {
        Condition::And(rules) | Condition::Or(rules) => {
            let key = if matches!(condition, Condition::And(_)) {
                "And"
            } else {
                "Or"
            };
            for (i, rule) in rules.iter().enumerate() {
                each_comparison(rule, at.key(key).index(i), f);
            }
        }
        Condition::Not(inner) => each_comparison(inner, at.key("Not"), f),
        Condition::Comparison(c) => f(c, &at),
        Condition::Jsonata(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    #[test]
    fn jsonpath_fields_are_rejected_in_jsonata_states() {
        let found = diagnose(json!({
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "InputPath": "$.x", "End": true } }
        }));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/A/InputPath".to_owned()
            )]
        );
    }

    #[test]
    fn jsonata_fields_are_rejected_in_jsonpath_states() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "Output": "{% $states.input %}", "End": true } }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/Output".to_owned())]
        );
    }

    #[test]
    fn choice_timestamps_are_checked() {
        let found = diagnose(json!({
            "StartAt": "C",
            "States": {
                "C": { "Type": "Choice", "Default": "D", "Choices": [
                    { "And": [ { "Variable": "$.t", "TimestampEquals": "2016-13-01T00:00:00Z" } ], "Next": "D" }
                ] },
                "D": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/C/Choices/0/And/0/TimestampEquals".to_owned()
            )]
        );
    }
}
