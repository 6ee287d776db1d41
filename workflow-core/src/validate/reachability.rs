use super::Transitions;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::StateMachine;

/// Every state must be reachable from `StartAt` (AWS rejects unreachable states when the
/// state machine is created, ValidateStateMachineDefinition reports them the same way).
///
/// While any reference in the machine dangles, this rule stays quiet: the misspelt `Next`
/// most likely meant one of the states that now look unreachable, and the targets rule has
/// already said so with a suggestion. The same holds for a transition the parser could not
/// read (no usable `Next` or `End`, an unknown state type): it may have led anywhere.
pub fn check_reachable(
    machine: &StateMachine,
    graph: &Transitions<'_>,
    at: &Pointer,
    cx: &Diagnostics,
) {
    let Some(start) = machine.index_of(&machine.start_at) else {
        return;
    };
    if graph.dangles() {
        return;
    }
    let mut reached = vec![false; machine.states.len()];
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        stack.extend(graph.of_state(i).iter().filter_map(|(_, j, _)| *j));
        let misplaced = machine.states[i].kind.common().misplaced_next.as_deref();
        if let Some(j) = misplaced.and_then(|target| super::target_index(machine, target)) {
            stack.push(j);
        }
    }
    for (state, reached) in machine.states.iter().zip(reached) {
        if !reached {
            cx.push(
                Diagnostic::new(
                    Code::UnreachableState,
                    at.key("States").key(&state.name),
                    format!(
                        "state `{}` is unreachable from `{}`",
                        state.name, machine.start_at
                    ),
                )
                .at_key()
                .with_help(format!(
                    "remove it, or name it in a {}, a {} or a catcher",
                    field("Next"),
                    field("Default")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    #[test]
    fn unreachable_states_are_reported_at_their_name() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Pass", "Next": "B" },
                "B": { "Type": "Succeed" },
                "Orphan": { "Type": "Pass", "Next": "B" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::UnreachableState, "/States/Orphan".to_owned())]
        );
    }

    #[test]
    fn catchers_and_defaults_make_states_reachable() {
        let found = diagnose(json!({
            "StartAt": "T",
            "States": {
                "T": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "C",
                       "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Failed" }] },
                "C": { "Type": "Choice", "Choices": [{ "Variable": "$.a", "IsPresent": true, "Next": "Done" }],
                       "Default": "Other" },
                "Other": { "Type": "Succeed" },
                "Done": { "Type": "Succeed" },
                "Failed": { "Type": "Fail" }
            }
        }));
        assert_eq!(found, vec![]);
    }
}
