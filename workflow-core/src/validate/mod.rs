//! The one validator. Every rule is a `check_*` function that pushes diagnostics into one
//! collector; none stops at the first problem. The rules run in this order:
//!
//! 1. [`names::check_state_names`]: length and characters of state names.
//! 2. [`targets::check_targets`]: `StartAt`, `Next`, `Default` and catcher `Next` name a
//!    state in the same scope.
//! 3. [`reachability::check_reachable`]: every state is reachable from `StartAt`.
//! 4. [`liveness::check_liveness`]: a terminal state exists and every state can reach one.
//! 5. [`fields::check_query_language`]: fields fit the state's query language.
//! 6. [`fields::check_timestamps`]: timestamps are RFC 3339 as AWS reads them.
//! 7. [`numbers::check_numbers`]: numbers are in AWS's ranges.
//! 8. [`errors::check_error_names`]: `ErrorEquals` lists are well formed.
//! 9. [`paths::check_paths`]: paths, reference paths and intrinsic calls parse.
//! 10. [`resources::check_resources`]: Task resources are ARNs or handler placeholders, and
//!     fit the state machine type.
//!
//! Rules walk the model and rebuild each node's JSON pointer as they go, so a diagnostic
//! points at the same place whichever front end produced the model.

mod errors;
mod fields;
mod liveness;
mod names;
mod numbers;
mod paths;
mod reachability;
mod resources;
mod targets;

use std::sync::Arc;

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{QueryLanguage, State, StateKind, StateMachine};

/// The kind of state machine being validated: some integrations are Standard-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    /// `STANDARD`, the default.
    #[default]
    Standard,
    /// `EXPRESS`.
    Express,
}

/// Runs every rule on a parsed Standard state machine.
pub fn validate(machine: &StateMachine, cx: &Diagnostics) {
    validate_as(machine, MachineType::Standard, cx);
}

/// Runs every rule on a parsed state machine of the given type.
pub fn validate_as(machine: &StateMachine, machine_type: MachineType, cx: &Diagnostics) {
    let top = machine.query_language.unwrap_or(QueryLanguage::JsonPath);
    for_each_machine(machine, &Pointer::root(), &mut |m, at| {
        names::check_state_names(m, at, cx);
        let graph = Transitions::of(m);
        targets::check_targets(m, &graph, at, cx);
        reachability::check_reachable(m, &graph, at, cx);
        liveness::check_liveness(m, &graph, at, cx);
    });
    for_each_state(machine, &Pointer::root(), top, &mut |s| {
        fields::check_query_language(s, top, cx);
        fields::check_timestamps(s, cx);
        numbers::check_numbers(s, cx);
        errors::check_error_names(s, cx);
        paths::check_paths(s, cx);
        resources::check_resources(s, machine_type, cx);
    });
    if let Some(timeout) = machine.timeout_seconds {
        numbers::check_machine_timeout(timeout, cx);
    }
}

/// A state seen by a per-state rule: the state, its pointer, and its query language.
pub(crate) struct StateAt<'a> {
    pub state: &'a State,
    pub at: Pointer,
    pub query_language: QueryLanguage,
}

impl StateAt<'_> {
    pub fn field(&self, name: &str) -> Pointer {
        self.at.key(name)
    }
    pub fn is_jsonata(&self) -> bool {
        self.query_language == QueryLanguage::Jsonata
    }
}

/// Calls `f` on `machine` and on every nested machine (Parallel branches, Map item
/// processors), with each one's pointer.
fn for_each_machine(
    machine: &StateMachine,
    at: &Pointer,
    f: &mut dyn FnMut(&StateMachine, &Pointer),
) {
    f(machine, at);
    for state in &machine.states {
        let state_at = || at.key("States").key(&state.name);
        match &state.kind {
            StateKind::Parallel(p) => {
                for (i, branch) in p.branches.iter().enumerate() {
                    for_each_machine(branch, &state_at().key("Branches").index(i), f);
                }
            }
            StateKind::Map(m) => {
                let key = if m.item_processor.legacy_iterator {
                    "Iterator"
                } else {
                    "ItemProcessor"
                };
                for_each_machine(&m.item_processor.machine, &state_at().key(key), f);
            }
            _ => {}
        }
    }
}

/// Calls `f` on every state, nested ones included. A state's query language is its own
/// `QueryLanguage`, else its machine's, else the top level's.
fn for_each_state(
    machine: &StateMachine,
    at: &Pointer,
    inherited: QueryLanguage,
    f: &mut dyn FnMut(&StateAt),
) {
    let default = machine.query_language.unwrap_or(inherited);
    for_each_machine_states(machine, at, default, f);
}

fn for_each_machine_states(
    machine: &StateMachine,
    at: &Pointer,
    default: QueryLanguage,
    f: &mut dyn FnMut(&StateAt),
) {
    let states_at = at.key("States");
    for state in &machine.states {
        let query_language = state.kind.common().query_language.unwrap_or(default);
        let s = StateAt {
            state,
            at: states_at.key(&state.name),
            query_language,
        };
        f(&s);
        let state_at = s.at;
        match &state.kind {
            StateKind::Parallel(p) => {
                for (i, branch) in p.branches.iter().enumerate() {
                    for_each_state(branch, &state_at.key("Branches").index(i), default, f);
                }
            }
            StateKind::Map(m) => {
                let key = if m.item_processor.legacy_iterator {
                    "Iterator"
                } else {
                    "ItemProcessor"
                };
                for_each_state(&m.item_processor.machine, &state_at.key(key), default, f);
            }
            _ => {}
        }
    }
}

/// The index of the state a transition names. An empty name is the parser's stand-in for a
/// transition it could not read (already reported), and names no state, even one called "".
pub(crate) fn target_index(machine: &StateMachine, target: &str) -> Option<usize> {
    if target.is_empty() {
        None
    } else {
        machine.index_of(target)
    }
}

/// Where a transition is written in its state: the pointer of a reference is only built
/// when a rule reports it, so walking a large graph allocates nothing per edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// `Next`.
    Next,
    /// `Choices[i].Next`.
    Choice(usize),
    /// `Default`.
    Default,
    /// `Catch[i].Next`.
    Catch(usize),
}

impl Edge {
    /// The pointer of this reference in the state at `state_at`.
    pub fn pointer(self, state_at: &Pointer) -> Pointer {
        match self {
            Edge::Next => state_at.key("Next"),
            Edge::Choice(i) => state_at.key("Choices").index(i).key("Next"),
            Edge::Default => state_at.key("Default"),
            Edge::Catch(i) => state_at.key("Catch").index(i).key("Next"),
        }
    }
}

/// One transition of a state: the name it gives, the index of the state of that name
/// (`None` for none, see [`target_index`]), and where it is written.
pub(crate) type Transition<'a> = (&'a str, Option<usize>, Edge);

/// Every state's transitions in one machine, each name looked up once for the rules that
/// walk the graph (targets, reachability, liveness).
pub(crate) struct Transitions<'a>(Vec<Vec<Transition<'a>>>);

impl<'a> Transitions<'a> {
    fn of(machine: &'a StateMachine) -> Self {
        Transitions(
            machine
                .states
                .iter()
                .enumerate()
                .map(|(i, state)| {
                    successors(state)
                        .into_iter()
                        .map(|(target, edge)| {
                            // Resolved when the definition loaded: no name is hashed again.
                            let index = (!target.is_empty())
                                .then(|| machine.target(i, target))
                                .flatten();
                            (&**target, index, edge)
                        })
                        .collect()
                })
                .collect(),
        )
    }

    /// The transitions of state `i`.
    pub fn of_state(&self, i: usize) -> &[Transition<'a>] {
        &self.0[i]
    }

    /// Whether any transition names no state.
    pub fn dangles(&self) -> bool {
        self.0.iter().flatten().any(|(_, index, _)| index.is_none())
    }
}

/// The states `state` can move to, with where each reference is written: `Next`, choice
/// rule `Next`s, `Default`, catcher `Next`s.
pub(crate) fn successors(state: &State) -> Vec<(&Arc<str>, Edge)> {
    use crate::model::Transition;
    let mut out = Vec::new();
    if let Some(Transition::Next(next)) = state.kind.transition() {
        out.push((next, Edge::Next));
    }
    if let StateKind::Choice(choice) = &state.kind {
        for (i, rule) in choice.choices.iter().enumerate() {
            out.push((&rule.next, Edge::Choice(i)));
        }
        if let Some(default) = &choice.default {
            out.push((default, Edge::Default));
        }
    }
    for (i, catcher) in state.kind.catchers().iter().enumerate() {
        out.push((&catcher.next, Edge::Catch(i)));
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::diagnostic::{Code, Diagnostic};

    /// Parses and validates a JSON literal; returns each diagnostic's code and pointer.
    pub fn diagnose(document: serde_json::Value) -> Vec<(Code, String)> {
        diagnostics(document)
            .into_iter()
            .map(|d| (d.code, d.pointer.as_str().to_owned()))
            .collect()
    }

    pub fn diagnostics(document: serde_json::Value) -> Vec<Diagnostic> {
        match crate::check(&document) {
            Ok(_) => Vec::new(),
            Err(e) => e.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{diagnose, diagnostics};
    use crate::diagnostic::{Code, Target};
    use serde_json::json;

    #[test]
    fn empty_states_are_one_error_at_the_states() {
        let found = diagnose(json!({ "StartAt": "A", "States": {} }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States".to_owned())]
        );
    }

    #[test]
    fn a_next_on_a_terminal_state_is_one_error() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Fail", "Next": "B" },
                "B": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/Next".to_owned())]
        );
    }

    #[test]
    fn a_misspelt_operator_is_one_error() {
        let found = diagnostics(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Choice", "Default": "B",
                       "Choices": [{ "Variable": "$.x", "StringEqualz": "a", "Next": "B" }] },
                "B": { "Type": "Succeed" }
            }
        }));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .to_string()
                .contains("did you mean `StringEquals`?")
        );
    }

    #[test]
    fn a_result_selector_is_an_object() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                               "ResultSelector": "$.x", "End": true } }
        }));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/A/ResultSelector".to_owned()
            )]
        );
    }

    #[test]
    fn a_query_language_downgrade_is_at_the_state_and_names_its_field() {
        let found = diagnostics(json!({
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "QueryLanguage": "JSONPath", "End": true } }
        }));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer.as_str(), "/States/A");
        assert_eq!(found[0].target, Target::Field("QueryLanguage"));
    }
}
