use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::StateMachine;

/// A state machine needs a terminal state (Succeed, Fail, or `End`), and every state must
/// be able to reach one: otherwise a loop has no way out and the execution can only end by
/// timing out. Edges to missing states count as a way out, so a dangling `Next` is
/// reported once (by the targets rule), not again here.
///
/// A dead cycle is reported at the transition that closes it (the culprit the user edits),
/// whether or not a terminal state exists elsewhere; only the code says which case it is.
pub fn check_liveness(machine: &StateMachine, at: &Pointer, cx: &Diagnostics) {
    if machine.states.is_empty() {
        return;
    }
    // Each state's transitions: the index of the state each names (`None` when it names no
    // state: reported elsewhere, and maybe meant for a terminal one), with its pointer.
    let successors: Vec<Vec<(Option<usize>, Pointer)>> = machine
        .states
        .iter()
        .map(|s| {
            let state_at = at.key("States").key(&s.name);
            super::successors(s, &state_at)
                .into_iter()
                .map(|(target, pointer)| (super::target_index(machine, target), pointer))
                .collect()
        })
        .collect();
    let unknown_transition = successors.iter().flatten().any(|(t, _)| t.is_none());
    let no_terminal = !unknown_transition && !machine.states.iter().any(|s| s.kind.is_terminal());
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
            if !live[i] && successors[i].iter().any(|(t, _)| t.is_none_or(|j| live[j])) {
                live[i] = true;
                changed = true;
            }
        }
    }
    let dead: Vec<Vec<usize>> = successors
        .iter()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|(t, _)| *t)
                .filter(|j| !live[*j])
                .collect()
        })
        .collect();
    // Report each group of dead states once, at the edge closing its cycle: follow dead
    // successors from the first dead state until one repeats (every dead state has one).
    let mut reported = vec![false; live.len()];
    for first in 0..live.len() {
        if live[first] || reported[first] {
            continue;
        }
        let mut seen = Vec::new();
        let mut current = first;
        while !seen.contains(&current) {
            seen.push(current);
            match dead[current].first() {
                Some(next) => current = *next,
                None => break,
            }
        }
        let cycle_start = seen.iter().position(|s| *s == current).unwrap_or(0);
        let cycle: Vec<usize> = seen[cycle_start..].to_vec();
        // Mark everything that drains into this cycle as reported with it.
        for i in 0..live.len() {
            if !live[i] && reaches(&dead, i, &cycle) {
                reported[i] = true;
            }
        }
        let last = seen[seen.len() - 1];
        let closing = successors[last]
            .iter()
            .find(|(t, _)| *t == Some(current))
            .map(|(_, pointer)| pointer.clone());
        let mut names: Vec<String> = cycle
            .iter()
            .map(|i| format!("`{}`", machine.states[*i].name))
            .collect();
        names.push(format!("`{}`", machine.states[current].name));
        let (code, what) = if no_terminal {
            (
                Code::MissingEndState,
                "the state machine has no terminal state",
            )
        } else {
            (
                Code::NoTerminalPath,
                "no state on it reaches a terminal state",
            )
        };
        let help = format!(
            "give one state of the cycle a way to a Succeed or Fail state or {}, for example through a Choice",
            field("End")
        );
        let d = match closing {
            Some(pointer) => {
                let key = pointer.tokens().last().unwrap_or_default();
                Diagnostic::new(
                    code,
                    pointer,
                    format!(
                        "this {} closes a cycle with no way out ({}): {what}",
                        field(&key),
                        names.join(" -> ")
                    ),
                )
            }
            None => {
                let name = &machine.states[last].name;
                Diagnostic::new(
                    code,
                    at.key("States").key(name),
                    format!("state `{name}` can never finish: {what}"),
                )
                .at_key()
            }
        };
        cx.push(d.with_help(help));
    }
}

fn reaches(dead: &[Vec<usize>], from: usize, cycle: &[usize]) -> bool {
    let mut seen = vec![false; dead.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        if cycle.contains(&i) {
            return true;
        }
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(dead[i].iter().copied());
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    #[test]
    fn a_cycle_without_exit_is_reported_once_at_the_next_that_closes_it() {
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
            vec![(Code::NoTerminalPath, "/States/Loop2/Next".to_owned())]
        );
    }

    #[test]
    fn a_machine_without_terminal_state_is_missing_its_end() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "Next": "A" } }
        }));
        assert_eq!(
            found,
            vec![(Code::MissingEndState, "/States/A/Next".to_owned())]
        );
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
