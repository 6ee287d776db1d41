use super::Transitions;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::StateMachine;
use crate::suggest::did_you_mean;

/// `StartAt`, every `Next`, `Default` and catcher `Next` must name a state of the same
/// machine: a branch or item processor cannot jump out of its scope, nor into another.
pub fn check_targets(
    machine: &StateMachine,
    graph: &Transitions<'_>,
    at: &Pointer,
    cx: &Diagnostics,
) {
    let names = || machine.states.iter().map(|s| &*s.name);
    let report = |target: &str, pointer: Pointer, what: &str| {
        let mut d = Diagnostic::new(
            Code::MissingTransitionTarget,
            pointer,
            format!("{what} names `{target}`, which is not a state in this scope"),
        );
        if let Some(near) = did_you_mean(target, names()) {
            d = d.with_help(format!("did you mean `{near}`?"));
        } else if at.as_str().is_empty() {
            d = d.with_help(format!("add the state to {}", field("States")));
        } else {
            d = d.with_help("a nested state machine can only move between its own states");
        }
        cx.push(d);
    };
    // A missing `StartAt` was reported by the parser; do not report it twice.
    // Nor when there are no states: the parser reported the empty `States`.
    if !machine.start_at.is_empty()
        && !machine.states.is_empty()
        && machine.state(&machine.start_at).is_none()
    {
        report(&machine.start_at, at.key("StartAt"), &field("StartAt"));
    }
    for (i, state) in machine.states.iter().enumerate() {
        for &(target, index, edge) in graph.of_state(i) {
            if !target.is_empty() && index.is_none() {
                let pointer = edge.pointer(&at.key("States").key(&state.name));
                let what = pointer.tokens().last().unwrap_or_default();
                report(target, pointer, &field(&what));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Spelling};
    use crate::validate::test_support::{diagnose, diagnostics};
    use serde_json::json;

    #[test]
    fn every_reference_must_name_a_state() {
        let found = diagnose(json!({
            "StartAt": "Start",
            "States": {
                "Start": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                           "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Handler" }],
                           "Next": "Wiat1" },
                "Wait1": { "Type": "Wait", "Seconds": 1, "Next": "Pick" },
                "Pick": { "Type": "Choice",
                          "Choices": [{ "Variable": "$.x", "NumericEquals": 0, "Next": "Nowhere" }],
                          "Default": "Done" },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![
                (
                    Code::MissingTransitionTarget,
                    "/States/Start/Next".to_owned()
                ),
                (
                    Code::MissingTransitionTarget,
                    "/States/Start/Catch/0/Next".to_owned()
                ),
                (
                    Code::MissingTransitionTarget,
                    "/States/Pick/Choices/0/Next".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        let found = diagnostics(json!({
            "StartAt": "Wait1",
            "States": { "Wait1": { "Type": "Wait", "Seconds": 1, "Next": "Dnoe" }, "Done": { "Type": "Succeed" } }
        }));
        assert_eq!(
            found[0].help(Spelling::Asl).as_deref(),
            Some("did you mean `Done`?")
        );
    }

    #[test]
    fn branches_cannot_jump_out() {
        let found = diagnose(json!({
            "StartAt": "P",
            "States": {
                "P": { "Type": "Parallel", "End": true, "Branches": [
                    { "StartAt": "A", "States": { "A": { "Type": "Pass", "Next": "Outside" } } }
                ] },
                "Outside": { "Type": "Succeed" }
            }
        }));
        assert!(found.contains(&(
            Code::MissingTransitionTarget,
            "/States/P/Branches/0/States/A/Next".to_owned()
        )));
    }

    #[test]
    fn start_at_must_name_a_state() {
        let found =
            diagnose(json!({ "StartAt": "Nope", "States": { "A": { "Type": "Succeed" } } }));
        assert!(found.contains(&(Code::MissingTransitionTarget, "/StartAt".to_owned())));
    }
}
