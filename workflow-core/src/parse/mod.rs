//! JSON -> model. Checks the shape of the document: required and unknown fields, field
//! types, and the either/or fields (`Next`/`End`, the four Wait fields, one comparison
//! operator per choice rule). Everything else is `validate`'s.
//!
//! Parsing never stops at the first problem: a bad field is reported and skipped, and a
//! missing one gets a placeholder, so the user sees every problem at once and validation
//! still runs on the rest.

mod choice;
mod fields;
mod json_text;
mod retry;
mod states;

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::*;
use crate::suggest::did_you_mean;
use fields::Fields;
pub(crate) use fields::is_jsonata;
pub use json_text::duplicate_key;
pub(crate) use json_text::parse_json_text;
use states::{fail, map, parallel, pass, succeed, task, wait};

/// Parses an ASL document. Returns `None` only when the document is not an object at all;
/// every problem is pushed into `cx`.
pub fn parse(document: &Value, cx: &Diagnostics) -> Option<StateMachine> {
    if !document.is_object() {
        cx.schema(&Pointer::root(), "definition must be a valid JSON object");
        return None;
    }
    Some(machine(cx, document, Pointer::root(), Scope::Root))
}

/// Where a state machine sits: the fields allowed at its top differ.
#[derive(Clone, Copy, PartialEq)]
enum Scope {
    Root,
    Branch,
    ItemProcessor,
}

fn machine(cx: &Diagnostics, value: &Value, at: Pointer, scope: Scope) -> StateMachine {
    let what = match scope {
        Scope::Root => "the definition",
        Scope::Branch => "a branch",
        Scope::ItemProcessor => "an item processor",
    };
    let Some(f) = Fields::new(cx, value, at, what) else {
        return StateMachine::default();
    };
    let allowed: &[&str] = match scope {
        Scope::Root => &[
            "Comment",
            "StartAt",
            "States",
            "TimeoutSeconds",
            "Version",
            "QueryLanguage",
        ],
        Scope::Branch => &["Comment", "StartAt", "States", "QueryLanguage"],
        Scope::ItemProcessor => &[
            "Comment",
            "StartAt",
            "States",
            "ProcessorConfig",
            "QueryLanguage",
        ],
    };
    f.deny_unknown(allowed, what, None);
    // AWS lists `States` before `StartAt` when both are missing.
    f.require(&["States", "StartAt"]);
    let states = match f.get("States") {
        // Its own error, at the empty braces: the rules about `StartAt` and reachability
        // have nothing to say about a machine without states.
        Some(Value::Object(map)) if map.is_empty() => {
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.ptr("States"),
                    format!(
                        "{} is empty: {what} needs at least one state",
                        field("States")
                    ),
                )
                .with_help(format!(
                    "add the state {} names, such as a Pass or a Succeed",
                    field("StartAt")
                )),
            );
            Vec::new()
        }
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, v)| state(cx, name, v, f.ptr("States").key(name)))
            .collect(),
        Some(other) => {
            f.wrong_type("States", "an object", other);
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut machine = StateMachine {
        comment: f.string("Comment"),
        query_language: f.query_language(),
        processor_config: f.object("ProcessorConfig"),
        start_at: f.string("StartAt").unwrap_or_default(),
        timeout_seconds: f.uint("TimeoutSeconds"),
        version: f.string("Version"),
        states,
        ..StateMachine::default()
    };
    machine.resolve_names();
    machine
}

const STATE_TYPES: &[&str] = &[
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// Stands in for a state whose type is unknown: it goes to an unknown state, so the rules
/// that follow transitions (reachability, liveness) stay quiet about its neighbours rather
/// than report what its real type and `Next` would have settled.
fn unknown_state() -> StateKind {
    StateKind::Pass(Pass {
        common: Common::default(),
        parameters: None,
        result: None,
        result_path: None,
        transition: Transition::Next("".into()),
    })
}

fn state(cx: &Diagnostics, name: &str, value: &Value, at: Pointer) -> State {
    let fallback = |kind| State {
        name: name.into(),
        kind,
        parsed: Parsed::of_state(value),
    };
    let Some(f) = Fields::new(cx, value, at.clone(), "a state") else {
        return fallback(unknown_state());
    };
    let Some(type_name) = f.string("Type") else {
        if !f.has("Type") {
            f.require(&["Type"]);
        }
        return fallback(unknown_state());
    };
    let kind = match type_name.as_str() {
        "Pass" => StateKind::Pass(pass(&f)),
        "Task" => StateKind::Task(task(&f)),
        "Choice" => StateKind::Choice(choice::choice(&f)),
        "Wait" => StateKind::Wait(wait(&f)),
        "Succeed" => StateKind::Succeed(succeed(&f)),
        "Fail" => StateKind::Fail(fail(&f)),
        "Parallel" => StateKind::Parallel(parallel(&f)),
        "Map" => StateKind::Map(map(&f)),
        other => {
            let mut d = Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr("Type"),
                format!("unknown state type `{other}`"),
            );
            if let Some(near) = did_you_mean(other, STATE_TYPES.iter().copied()) {
                d = d.with_help(format!("did you mean `{near}`?"));
            } else {
                d = d.with_help(format!("expected one of {}", STATE_TYPES.join(", ")));
            }
            cx.push(d);
            unknown_state()
        }
    };
    fallback(kind)
}

/// The fields each state type allows, beyond `Type`.
fn allowed_fields(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Pass" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Result",
            "ResultPath",
            "Assign",
            "Output",
            "Next",
            "End",
        ],
        "Task" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Resource",
            "Credentials",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        "Choice" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Choices",
            "Default",
            "Assign",
            "Output",
        ],
        "Wait" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Assign",
            "Output",
            "Next",
            "End",
        ],
        "Succeed" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Output",
        ],
        "Fail" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Error",
            "ErrorPath",
            "Cause",
            "CausePath",
        ],
        "Parallel" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Branches",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        "Map" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemReader",
            "ItemSelector",
            "Parameters",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        _ => &[],
    }
}

fn deny_unknown_state_fields(f: &Fields, type_name: &str) {
    let help = match type_name {
        "Choice" => Some(format!(
            "a Choice state moves on through {} and {}",
            field("Choices"),
            field("Default")
        )),
        "Succeed" | "Fail" => Some(format!("a {type_name} state ends the execution")),
        _ => None,
    };
    f.deny_unknown(
        allowed_fields(type_name),
        &format!("a {type_name} state"),
        help.as_deref(),
    );
}

/// [`common`] for a state that cannot have a `Next`: a `Next` written anyway is kept aside.
fn common_without_next(f: &Fields) -> Common {
    Common {
        misplaced_next: f.get("Next").and_then(Value::as_str).map(str::to_owned),
        ..common(f)
    }
}

fn common(f: &Fields) -> Common {
    Common {
        comment: f.string("Comment"),
        query_language: f.query_language(),
        input_path: f.nullable_string("InputPath"),
        output_path: f.nullable_string("OutputPath"),
        output: f.json("Output"),
        assign: f.object("Assign"),
        misplaced_next: None,
    }
}

/// `Next` or `End`: exactly one, on the states that move on. When neither is usable the
/// state goes to an unknown state (an empty `Next`, which no rule reports): whether it was
/// meant to end or to move on, the rules that follow transitions cannot tell.
fn transition(f: &Fields) -> Transition {
    let next = f.string("Next");
    let end = f.boolean("End").unwrap_or(false);
    match (next, end) {
        (Some(next), false) => Transition::Next(next.into()),
        (None, true) => Transition::End,
        (Some(next), true) => {
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.ptr("End"),
                    format!(
                        "a state cannot have both {} and {}",
                        field("Next"),
                        field("End")
                    ),
                )
                .at_key(),
            );
            Transition::Next(next.into())
        }
        (None, false) => {
            // A `Next` or `End` of the wrong type, or a misspelt one, was reported already.
            let reported = f.has("Next")
                || f.get("End").is_some_and(|end| !end.is_boolean())
                || f.misspelt("Next")
                || f.misspelt("End");
            if !reported {
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.at.clone(),
                        format!("state has neither {} nor {}", field("Next"), field("End")),
                    )
                    .at_key()
                    .with_help(format!(
                        "add {} to name the next state, or {} to end here",
                        field("Next"),
                        field("End")
                    )),
                );
            }
            Transition::Next("".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::{diagnose, diagnostics};
    use serde_json::json;

    #[test]
    fn a_misspelt_next_is_reported_once() {
        let found = diagnose(json!({
            "StartAt": "W",
            "States": {
                "W": { "Type": "Wait", "Seconds": 1, "Nxet": "Done" },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/W/Nxet".to_owned())]
        );
    }

    #[test]
    fn a_misspelt_next_in_a_choice_rule_is_not_also_missing() {
        let found = diagnose(json!({
            "StartAt": "C",
            "States": {
                "C": { "Type": "Choice", "Default": "Done",
                       "Choices": [{ "Variable": "$.x", "IsNull": true, "Nxet": "Done" }] },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/C/Choices/0/Nxet".to_owned()
            )]
        );
    }

    #[test]
    fn a_state_without_transition_does_not_strand_its_successors() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Pass" },
                "B": { "Type": "Pass", "Next": "A" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A".to_owned())]
        );
    }

    #[test]
    fn an_unknown_state_type_does_not_strand_its_successors() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Pas", "Next": "B" },
                "B": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/Type".to_owned())]
        );
    }

    #[test]
    fn an_end_of_the_wrong_type_is_reported_once() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "End": "yes" } }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/End".to_owned())]
        );
    }

    #[test]
    fn a_wrong_number_is_quoted() {
        let found = diagnostics(json!({
            "StartAt": "T",
            "States": { "T": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                               "Retry": [{ "ErrorEquals": ["States.ALL"], "MaxAttempts": -1 }],
                               "End": true } }
        }));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message(crate::Spelling::Asl),
            "`MaxAttempts` must be a non-negative integer, found -1"
        );
    }
}
