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

    /// Resolves every state name to its index (done by the parser once all states are read).
    pub(crate) fn resolve_names(&mut self) {
        self.index.0 = self
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
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
