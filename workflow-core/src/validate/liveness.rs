use super::{Edge, Transitions};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::StateMachine;

/// A state machine needs a terminal state (Succeed, Fail, or `End`), and every state must
/// be able to reach one: otherwise a loop has no way out and the execution can only end by
/// timing out. Edges to missing states count as a way out, so a dangling `Next` is
/// reported once (by the targets rule), not again here.
///
/// A dead cycle is reported at the transition that closes it (the culprit the user edits),
/// whether or not a terminal state exists elsewhere; only the code says which case it is.
pub fn check_liveness(
    machine: &StateMachine,
    graph: &Transitions<'_>,
    at: &Pointer,
    cx: &Diagnostics,
) {
    if machine.states.is_empty() {
        return;
    }
    let n = machine.states.len();
    // Each state's transitions: the index of the state each names (`None` when it names no
    // state: reported elsewhere, and maybe meant for a terminal one), with where it is written.
    let successors: Vec<Vec<(Option<usize>, Edge)>> = (0..n)
        .map(|i| {
            graph
                .of_state(i)
                .iter()
                .map(|&(_, index, edge)| (index, edge))
                .collect()
        })
        .collect();
    let unknown_transition = successors.iter().flatten().any(|(t, _)| t.is_none());
    let no_terminal = !unknown_transition && !machine.states.iter().any(|s| s.kind.is_terminal());
    // A state is live if it is terminal, names a missing state, or has a live successor:
    // one walk backwards from those, over the reversed edges (linear, where a fixed point
    // over the states would be quadratic on a chain).
    let predecessors = reverse(&successors, |_| true);
    let mut live = vec![false; n];
    let mut stack: Vec<usize> = (0..n)
        .filter(|&i| {
            machine.states[i].kind.is_terminal() || successors[i].iter().any(|(t, _)| t.is_none())
        })
        .collect();
    for &i in &stack {
        live[i] = true;
    }
    while let Some(j) = stack.pop() {
        for &i in &predecessors[j] {
            if !std::mem::replace(&mut live[i], true) {
                stack.push(i);
            }
        }
    }
    if live.iter().all(|l| *l) {
        return;
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
    let dead_predecessors = reverse(&successors, |j| !live[j]);
    // Report each group of dead states once, at the edge closing its cycle: follow dead
    // successors from the first dead state until one repeats (every dead state has one).
    let mut reported = vec![false; n];
    // Where each state is on the current walk (`usize::MAX`: not on it).
    let mut position = vec![usize::MAX; n];
    for first in 0..n {
        if live[first] || reported[first] {
            continue;
        }
        let mut seen = Vec::new();
        let mut current = first;
        while position[current] == usize::MAX {
            position[current] = seen.len();
            seen.push(current);
            match dead[current].first() {
                Some(next) => current = *next,
                None => break,
            }
        }
        let cycle_start = position[current];
        for &i in &seen {
            position[i] = usize::MAX;
        }
        let cycle: Vec<usize> = seen[cycle_start..].to_vec();
        // Mark everything that drains into this cycle as reported with it: a walk back from
        // the cycle over the dead edges. A state reported before drains into an earlier
        // cycle, and so does everything that drains into it: the walk need not go past it.
        let mut stack = cycle.clone();
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut reported[j], true) {
                continue;
            }
            stack.extend(
                dead_predecessors[j]
                    .iter()
                    .filter(|&&i| !live[i] && !reported[i]),
            );
        }
        let last = seen[seen.len() - 1];
        let closing = successors[last]
            .iter()
            .find(|(t, _)| *t == Some(current))
            .map(|(_, edge)| edge.pointer(&at.key("States").key(&machine.states[last].name)));
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

/// The predecessors of each state, over the edges to the states `keep` accepts.
fn reverse(
    successors: &[Vec<(Option<usize>, Edge)>],
    keep: impl Fn(usize) -> bool,
) -> Vec<Vec<usize>> {
    let mut predecessors = vec![Vec::new(); successors.len()];
    for (i, edges) in successors.iter().enumerate() {
        for j in edges.iter().filter_map(|(t, _)| *t).filter(|j| keep(*j)) {
            predecessors[j].push(i);
        }
    }
    predecessors
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

    #[test]
    fn a_definition_of_ten_thousand_states_validates() {
        // A chain with a way back at every step: each state reaches the end only through
        // all the states after it, the case a fixed point over the states made quadratic.
        const STATES: usize = 10_000;
        let mut states = serde_json::Map::new();
        for i in 0..STATES {
            let name = format!("S{i}");
            let state = if i + 1 == STATES {
                json!({ "Type": "Succeed" })
            } else {
                json!({ "Type": "Choice",
                        "Choices": [{ "Variable": "$.back", "IsPresent": true, "Next": "S0" }],
                        "Default": format!("S{}", i + 1) })
            };
            states.insert(name, state);
        }
        let found = diagnose(json!({ "StartAt": "S0", "States": states }));
        assert_eq!(found, vec![]);
        // The same chain with its end cut off is one dead cycle, reported once.
        let last = format!("S{}", STATES - 1);
        states.insert(last, json!({ "Type": "Pass", "Next": "S0" }));
        let found = diagnose(json!({ "StartAt": "S0", "States": states }));
        assert_eq!(
            found,
            vec![(
                Code::MissingEndState,
                "/States/S0/Choices/0/Next".to_owned()
            )]
        );
    }
}
