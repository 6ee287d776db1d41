use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::StateMachine;

/// A state machine needs a terminal state (Succeed, Fail, or `End`), and every state must
/// be able to reach one: otherwise a loop has no way out and the execution can only end by
/// timing out. Edges to missing states count as a way out, so a dangling `Next` is
/// reported once (by the targets rule), not again here.
pub fn check_liveness(machine: &StateMachine, at: &Pointer, cx: &Diagnostics) {
    if machine.states.is_empty() {
        return;
    }
    // A transition to a missing state (reported by the targets rule) or an unreadable one
    // (reported by the parser) may have been meant for a terminal state: the machine is not
    // known to lack one.
    let unknown_transition = machine.states.iter().any(|s| {
        super::successors(s, &Pointer::root())
            .iter()
            .any(|(target, _)| super::target_index(machine, target).is_none())
    });
    if !unknown_transition && !machine.states.iter().any(|s| s.kind.is_terminal()) {
        cx.push(
            Diagnostic::new(
                Code::MissingEndState,
                at.key("States"),
                "no terminal state: the state machine can never finish",
            )
            .at_key()
            .with_help(format!(
                "add a Succeed or Fail state, or {} on the last state",
                field("End")
            )),
        );
        return;
    }
    let successors: Vec<Vec<Option<usize>>> = machine
        .states
        .iter()
        .map(|s| {
            super::successors(s, &Pointer::root())
                .into_iter()
                .map(|(target, _)| super::target_index(machine, target))
                .collect()
        })
        .collect();
    // Fixed point: a state is live if it is terminal or any successor is live (or missing).
    let mut live: Vec<bool> = machine
        .states
        .iter()
        .map(|s| s.kind.is_terminal())
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..live.len() {
            if !live[i] && successors[i].iter().any(|t| t.is_none_or(|j| live[j])) {
                live[i] = true;
                changed = true;
            }
        }
    }
    // Report each group of dead states once, at a state on its cycle: follow successors
    // from the first dead state until one repeats (every dead state has a dead successor).
    let mut reported = vec![false; live.len()];
    for first in 0..live.len() {
        if live[first] || reported[first] {
            continue;
        }
        let mut seen = Vec::new();
        let mut current = first;
        while !seen.contains(&current) {
            seen.push(current);
            match successors[current].iter().flatten().find(|j| !live[**j]) {
                Some(next) => current = *next,
                None => break,
            }
        }
        let cycle_start = seen.iter().position(|s| *s == current).unwrap_or(0);
        let cycle: Vec<usize> = seen[cycle_start..].to_vec();
        // Mark everything that drains into this cycle as reported with it.
        for i in 0..live.len() {
            if !live[i] && reaches(&successors, &live, i, &cycle) {
                reported[i] = true;
            }
        }
        let shown = cycle.iter().copied().min().unwrap_or(first);
        let names: Vec<String> = cycle
            .iter()
            .map(|i| format!("`{}`", machine.states[*i].name))
            .collect();
        let name = &machine.states[shown].name;
        cx.push(
            Diagnostic::new(
                Code::NoTerminalPath,
                at.key("States").key(name),
                format!(
                    "state `{name}` is on a cycle with no way out ({}): no path from it reaches a terminal state",
                    names.join(" -> ")
                ),
            )
            .at_key()
            .with_help(format!(
                "give one state of the cycle a way to a Succeed or Fail state or {}, for example through a Choice",
                field("End")
            )),
        );
    }
}

fn reaches(successors: &[Vec<Option<usize>>], live: &[bool], from: usize, cycle: &[usize]) -> bool {
    let mut seen = vec![false; live.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        if cycle.contains(&i) {
            return true;
        }
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(successors[i].iter().flatten().filter(|j| !live[**j]));
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    #[test]
    fn a_cycle_without_exit_is_reported_once_at_a_cycle_state() {
        let found = diagnose(json!({
            "StartAt": "Entry",
            "States": {
                "Entry": { "Type": "Choice",
                           "Choices": [{ "Variable": "$.go", "BooleanEquals": true, "Next": "Done" }],
                           "Default": "Lead" },
                "Lead": { "Type": "Pass", "Next": "Loop1" },
                "Loop1": { "Type": "Wait", "Seconds": 1, "Next": "Loop2" },
                "Loop2": { "Type": "Pass", "Next": "Loop1" },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::NoTerminalPath, "/States/Loop1".to_owned())]
        );
    }

    #[test]
    fn a_machine_without_terminal_state_is_missing_its_end() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "Next": "A" } }
        }));
        assert_eq!(found, vec![(Code::MissingEndState, "/States".to_owned())]);
    }

    #[test]
    fn a_dangling_next_is_not_also_a_missing_end() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "Next": "Dnoe" } }
        }));
        assert_eq!(
            found,
            vec![(Code::MissingTransitionTarget, "/States/A/Next".to_owned())]
        );
    }

    #[test]
    fn a_loop_with_a_choice_exit_is_fine() {
        let found = diagnose(json!({
            "StartAt": "Check",
            "States": {
                "Check": { "Type": "Choice",
                           "Choices": [{ "Variable": "$.n", "NumericEquals": 0, "Next": "Done" }],
                           "Default": "Again" },
                "Again": { "Type": "Wait", "Seconds": 1, "Next": "Check" },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(found, vec![]);
    }

    #[test]
    fn a_catcher_is_a_way_out() {
        let found = diagnose(json!({
            "StartAt": "Poll",
            "States": {
                "Poll": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "Poll",
                          "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Failed" }] },
                "Failed": { "Type": "Fail" }
            }
        }));
        assert_eq!(found, vec![]);
    }
}
