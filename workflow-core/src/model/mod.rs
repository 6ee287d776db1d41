//! The ASL document as Rust types.
//!
//! Field order in each struct is the order the AWS documentation writes the fields, and the
//! order [`crate::render`] emits them. Every field is documented with its ASL name.

mod choice;
mod common;
mod fail;
mod map;
mod parallel;
mod parsed;
mod pass;
mod retry;
mod task;
mod wait;

use std::sync::Arc;

pub use choice::{Choice, ChoiceRule, Comparison, ComparisonOperator, Condition, Operand, Test};
pub use common::{Common, IntOrExpr, Nullable, QueryLanguage, Transition};
pub use fail::Fail;
pub use map::{ItemProcessor, Map};
pub use parallel::Parallel;
pub use parsed::Parsed;
pub use pass::Pass;
pub use retry::{Catcher, JitterStrategy, Retrier};
pub use task::{Task, is_activity_arn};
pub use wait::{Wait, WaitFor};

use serde::Serialize;

/// A state machine: the whole document, a Parallel branch, or a Map item processor.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateMachine {
    /// `Comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `QueryLanguage`: the default for every state in this machine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_language: Option<QueryLanguage>,
    /// `ProcessorConfig` (Map item processors only), kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_config: Option<serde_json::Value>,
    /// `StartAt`: the name of the first state.
    pub start_at: String,
    /// `TimeoutSeconds` (top level only): the execution times out after this long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// `Version` (top level only), `"1.0"` by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `States`, in source order.
    #[serde(serialize_with = "serialize_states")]
    pub states: Vec<State>,
    /// Each state's index in `states` by name, resolved when the definition loads, so that
    /// following a `Next`, a `Default`, a catcher or `StartAt` is one hash lookup, not a
    /// scan of the states (a chain of n states would cost O(n^2)). Not part of the document.
    #[serde(skip)]
    pub(crate) index: StateIndex,
    /// For each state, the names its transitions give (`Next`, choice rules, `Default`,
    /// catchers) with the index of the state each names, resolved when the definition
    /// loads: following a transition compares a few shared names by pointer instead of
    /// hashing one. Not part of the document.
    #[serde(skip)]
    pub(crate) targets: Targets,
}

impl StateMachine {
    /// The state named `name` in this machine (not in nested ones).
    pub fn state(&self, name: &str) -> Option<&State> {
        self.index_of(name).map(|i| &self.states[i])
    }

    /// The index of the state named `name` in [`StateMachine::states`].
    pub fn index_of(&self, name: &str) -> Option<usize> {
        // `states` is public: a machine edited after it was loaded may have outgrown its
        // index, which is then only a hint, checked against the state it points at. A name
        // it does not hold is looked for in full: only a definition naming a missing state
        // (which does not validate) pays for that.
        if let Some(&i) = self.index.0.get(name)
            && self.states.get(i).is_some_and(|s| *s.name == *name)
        {
            return Some(i);
        }
        self.states.iter().position(|s| *s.name == *name)
    }

    /// The index of the state that state `from`'s transition to `next` leads to (`next`
    /// shared with the model, as the runtime passes it on). Resolved when the definition
    /// loaded; like the name index, the resolution is checked against the state it points
    /// at, and a name `from` does not give is looked up by name.
    pub fn target(&self, from: usize, next: &Arc<str>) -> Option<usize> {
        self.targets
            .0
            .get(from)
            .and_then(|targets| targets.iter().find(|(name, _)| Arc::ptr_eq(name, next)))
            .map(|&(_, i)| i)
            .filter(|&i| self.states.get(i).is_some_and(|s| s.name == *next))
            .or_else(|| self.index_of(next))
    }

    /// Resolves every state name to its index, and every transition to the state it
    /// names (done by the parser once all states are read).
    pub(crate) fn resolve_names(&mut self) {
        self.index.0 = self
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        self.targets.0 = self
            .states
            .iter()
            .map(|state| {
                state
                    .kind
                    .transition_names()
                    .filter_map(|name| Some((name.clone(), self.index_of(name)?)))
                    .collect()
            })
            .collect();
    }
}

/// The resolved transitions of [`StateMachine`]; derived from `states`, so it is left out
/// of `Debug` output.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct Targets(Vec<Box<[Target]>>);

/// A name a state's transition gives, and the index of the state it names.
type Target = (Arc<str>, usize);

impl std::fmt::Debug for Targets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Targets({} states)", self.0.len())
    }
}

/// The name-to-index map of [`StateMachine`]; derived from `states`, so it is left out of
/// `Debug` output.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct StateIndex(std::collections::HashMap<std::sync::Arc<str>, usize>);

impl std::fmt::Debug for StateIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateIndex({} names)", self.0.len())
    }
}

fn serialize_states<S: serde::Serializer>(states: &[State], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(states.len()))?;
    for state in states {
        map.serialize_entry(&*state.name, &state.kind)?;
    }
    map.end()
}

/// One named state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The state's name, its key in `States`. Shared: every history event of the state
    /// names it.
    pub name: std::sync::Arc<str>,
    /// What the state does.
    pub kind: StateKind,
    /// Its paths, intrinsic calls and JSONata expressions, parsed when it was loaded.
    pub parsed: Parsed,
}

/// The eight state types. Serialized with `Type` first, as AWS writes it.
// A Map state is larger than the others; states are parsed once and only read, so boxing
// it would buy nothing but noise in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "Type")]
pub enum StateKind {
    /// `"Type": "Pass"`.
    Pass(Pass),
    /// `"Type": "Task"`.
    Task(Task),
    /// `"Type": "Choice"`.
    Choice(Choice),
    /// `"Type": "Wait"`.
    Wait(Wait),
    /// `"Type": "Succeed"`.
    Succeed(Succeed),
    /// `"Type": "Fail"`.
    Fail(Fail),
    /// `"Type": "Parallel"`.
    Parallel(Parallel),
    /// `"Type": "Map"`.
    Map(Map),
}

impl StateKind {
    /// The ASL `Type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed(_) => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }

    /// The fields every state has.
    pub fn common(&self) -> &Common {
        match self {
            StateKind::Pass(s) => &s.common,
            StateKind::Task(s) => &s.common,
            StateKind::Choice(s) => &s.common,
            StateKind::Wait(s) => &s.common,
            StateKind::Succeed(s) => &s.common,
            StateKind::Fail(s) => &s.common,
            StateKind::Parallel(s) => &s.common,
            StateKind::Map(s) => &s.common,
        }
    }

    /// `Next` or `End`, for the states that have one.
    pub fn transition(&self) -> Option<&Transition> {
        match self {
            StateKind::Pass(s) => Some(&s.transition),
            StateKind::Task(s) => Some(&s.transition),
            StateKind::Wait(s) => Some(&s.transition),
            StateKind::Parallel(s) => Some(&s.transition),
            StateKind::Map(s) => Some(&s.transition),
            StateKind::Choice(_) | StateKind::Succeed(_) | StateKind::Fail(_) => None,
        }
    }

    /// The names this state's transitions give: `Next`, each choice rule's `Next`,
    /// `Default`, each catcher's `Next`.
    pub fn transition_names(&self) -> impl Iterator<Item = &Arc<str>> {
        let next = match self.transition() {
            Some(Transition::Next(next)) => Some(next),
            _ => None,
        };
        let (rules, default) = match self {
            StateKind::Choice(choice) => (&choice.choices[..], choice.default.as_ref()),
            _ => (&[][..], None),
        };
        next.into_iter()
            .chain(rules.iter().map(|rule| &rule.next))
            .chain(default)
            .chain(self.catchers().iter().map(|catcher| &catcher.next))
    }

    /// `Catch`, for the states that have one.
    pub fn catchers(&self) -> &[Catcher] {
        match self {
            StateKind::Task(s) => &s.catch,
            StateKind::Parallel(s) => &s.catch,
            StateKind::Map(s) => &s.catch,
            _ => &[],
        }
    }

    /// `Retry`, for the states that have one.
    pub fn retriers(&self) -> &[Retrier] {
        match self {
            StateKind::Task(s) => &s.retry,
            StateKind::Parallel(s) => &s.retry,
            StateKind::Map(s) => &s.retry,
            _ => &[],
        }
    }

    /// Whether the execution (or branch) can end in this state: Succeed, Fail, or `End`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, StateKind::Succeed(_) | StateKind::Fail(_))
            || matches!(self.transition(), Some(Transition::End))
    }

    /// The nested state machines: Parallel branches, a Map's item processor.
    pub fn children(&self) -> Vec<&StateMachine> {
        match self {
            StateKind::Parallel(p) => p.branches.iter().collect(),
            StateKind::Map(m) => vec![&m.item_processor.machine],
            _ => Vec::new(),
        }
    }
}

/// `"Type": "Succeed"`: ends the execution (or branch) successfully.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Succeed {
    /// `Comment`, `QueryLanguage`, `InputPath`, `OutputPath`, `Output`.
    #[serde(flatten)]
    pub common: Common,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_are_resolved_to_the_states_they_name() {
        let machine = StateMachine::from_json_str(
            r#"{"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "T"}],
                      "Default": "S"},
                "S": {"Type": "Succeed"},
                "F": {"Type": "Fail"}
            }}"#,
        )
        .expect("valid");
        let index = |name: &str| machine.index_of(name).unwrap();
        let names = |state: &str| -> Vec<Arc<str>> {
            machine.states[index(state)]
                .kind
                .transition_names()
                .cloned()
                .collect()
        };
        // The model's own names resolve through the table, in the order a state gives them.
        let from_task = names("T");
        assert_eq!(
            from_task.iter().map(|n| &**n).collect::<Vec<_>>(),
            ["C", "F"]
        );
        for name in &from_task {
            assert_eq!(machine.target(index("T"), name), Some(index(name)));
        }
        for name in &names("C") {
            assert_eq!(machine.target(index("C"), name), Some(index(name)));
        }
        // A name the state does not give (or a copy of one) is looked up by name.
        assert_eq!(
            machine.target(index("T"), &Arc::from("S")),
            Some(index("S"))
        );
        assert_eq!(machine.target(index("S"), &Arc::from("nope")), None);
        // A machine edited after it loaded: the resolution is checked, not trusted.
        let mut edited = machine.clone();
        edited.states.swap(0, 1);
        let c = edited.index_of("C").unwrap();
        assert_eq!(
            edited.target(edited.index_of("T").unwrap(), &from_task[0]),
            Some(c)
        );
    }
}
