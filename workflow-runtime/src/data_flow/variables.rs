//! Workflow variables: what `Assign` writes and `$name` paths read ("Passing data between
//! states with variables", AWS Step Functions developer guide).
//!
//! # Scoping
//!
//! Every run of a machine has one [`Variables`] of its own: the execution's top-level states
//! share one, and each Parallel branch and each inline Map iteration gets a fresh one layered
//! over the scope of the state that runs it. The one rule:
//!
//! - a read looks in the run's own variables, then in the enclosing scopes, innermost first;
//! - an `Assign` writes into the run's own variables only.
//!
//! So a branch or iteration reads the values the outer states assigned, what it assigns stays
//! in it (its scope is dropped when it ends, and the outer states never see it), and an outer
//! variable is never changed from inside. Branches that run at once each hold a shared borrow
//! of the same outer scope and write only to their own map: there is no shared mutable state,
//! hence no lock. The outer scope cannot change under them either, because the Parallel or Map
//! state that runs them is still running, and variables are written only when a state ends.
//!
//! A distributed Map's child executions start from an empty scope: AWS documents that they
//! cannot reference variables of outer scopes.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::data_flow::compact;

/// The variables one machine run can see: its own, over those of the enclosing runs.
#[derive(Debug, Default)]
pub(crate) struct Variables<'o> {
    /// Boxed, and made by the first assignment: most runs assign nothing, and an
    /// execution holds its top-level scope while it waits.
    own: Option<Box<Map<String, Value>>>,
    outer: Option<&'o Variables<'o>>,
}

impl<'o> Variables<'o> {
    /// The scope of a run nested in `outer` (a Parallel branch, a Map iteration); `None` for
    /// the execution's top level and a distributed Map's child executions.
    pub fn nested(outer: Option<&'o Variables<'o>>) -> Self {
        Variables { own: None, outer }
    }

    /// The value of `$name`, from the innermost scope that has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.own
            .as_ref()
            .and_then(|own| own.get(name))
            .or_else(|| self.outer.and_then(|outer| outer.get(name)))
    }

    /// This run's own variables (what a checkpoint of the top level keeps).
    pub fn own(&self) -> Map<String, Value> {
        self.own.as_deref().cloned().unwrap_or_default()
    }

    /// Writes what one state assigned into this run's own variables.
    pub fn assign(&mut self, assigned: Assigned) {
        if !assigned.0.is_empty() {
            self.own.get_or_insert_default().extend(assigned.0);
        }
    }
}

/// The variables one `Assign` sets, evaluated but not yet written: a state's assignments are
/// all evaluated against the values the state was entered with, and written only when the
/// state ends. Sorted by name, as AWS lists them in the state's exited event.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Assigned(BTreeMap<String, Value>);

impl Assigned {
    /// Assignments of every variable in `map`.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Assigned(map.into_iter().collect())
    }

    /// Adds the assignments of `other`, which win over these on a name both assign (a Choice
    /// rule's `Assign` over the state's).
    pub fn extend(&mut self, other: Assigned) {
        self.0.extend(other.0);
    }

    pub fn insert(&mut self, name: String, value: Value) {
        self.0.insert(name, value);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The variables as one JSON object, by name (TestState's `variables`).
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }

    /// The `assignedVariables` of a state's exited event: each value as compact JSON text,
    /// as the history API shows them (`"x": "42"`, `"s": "\"text\""`).
    pub fn history_details(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(compact(value))))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn assigned(pairs: &[(&str, Value)]) -> Assigned {
        let mut assigned = Assigned::default();
        for (name, value) in pairs {
            assigned.insert((*name).to_owned(), value.clone());
        }
        assigned
    }

    #[test]
    fn inner_scopes_read_outer_values_and_write_their_own() {
        let mut top = Variables::default();
        top.assign(assigned(&[("x", json!(1)), ("y", json!("outer"))]));
        let mut inner = Variables::nested(Some(&top));
        assert_eq!(inner.get("x"), Some(&json!(1)));
        inner.assign(assigned(&[("y", json!("inner")), ("z", json!(true))]));
        assert_eq!(inner.get("y"), Some(&json!("inner")));
        assert_eq!(inner.get("z"), Some(&json!(true)));
        drop(inner);
        // The outer scope is untouched: it never sees `z`, and `y` keeps its value.
        assert_eq!(top.get("y"), Some(&json!("outer")));
        assert_eq!(top.get("z"), None);
    }

    #[test]
    fn a_distributed_child_starts_empty() {
        let mut top = Variables::default();
        top.assign(assigned(&[("x", json!(1))]));
        assert_eq!(Variables::nested(None).get("x"), None);
    }

    #[test]
    fn history_shows_sorted_json_text() {
        let a = assigned(&[("b", json!("s")), ("a", json!({ "k": [1, null] }))]);
        assert_eq!(
            a.history_details().to_string(),
            r#"{"a":"{\"k\":[1,null]}","b":"\"s\""}"#
        );
    }
}
