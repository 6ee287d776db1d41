//! Running one state through the real executor: the state is put alone in a state machine,
//! with a `Succeed` stub named after each state it can go to, so that its transition (a
//! `Next`, a Choice rule, a catcher) is taken as written and shows in the history.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value, json};
use workflow_core::StateMachine;
use workflow_core::timestamp::Timestamp;
use workflow_runtime::{
    Executor, Handler, HandlerFuture, History, Resources, Status, TaskError, VirtualClock,
};

/// The states a state can go to: `Next`, `Default`, each Choice rule's and catcher's `Next`.
pub fn targets(state: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(name) = v.and_then(Value::as_str)
            && !found.iter().any(|f| f == name)
        {
            found.push(name.to_owned());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for item in state
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(item.get("Next"));
        }
    }
    found
}

/// The one-state machine around `state`, in the query language of its scope.
pub fn machine_around(name: &str, state: &Value, query_language: Option<&Value>) -> Value {
    let mut states = Map::new();
    states.insert(name.to_owned(), state.clone());
    for target in targets(state) {
        // A state that loops to itself needs no stub: it is there.
        if target != name {
            states.insert(target, json!({ "Type": "Succeed" }));
        }
    }
    let mut machine = json!({ "StartAt": name, "States": states });
    if let Some(language) = query_language {
        machine["QueryLanguage"] = language.clone();
    }
    machine
}

/// What running the state left.
pub struct Run {
    pub history: History,
}

/// Runs the first state of `machine` on the virtual clock, and enters the next one (a
/// stub, or the state itself when it loops) so that the history names it. Retries are not
/// made: the gate fails a second attempt at once, as TestState reports `RETRIABLE` rather
/// than retry.
pub async fn run_first_state(
    machine: Arc<StateMachine>,
    input: Value,
    resources: Resources,
    start: Timestamp,
) -> Result<Run, String> {
    let executor = Executor::new(resources)
        .with_clock(VirtualClock::new(start))
        .with_seed(0);
    let mut execution = executor.start(machine, input).map_err(|e| e.to_string())?;
    execution.step().await;
    if execution.status() == Status::Running {
        execution.step().await;
    }
    Ok(Run {
        history: execution.history().clone(),
    })
}

/// Lets only the first call of a run through. A later call is a retry (or the state run
/// again after looping to itself): it fails with `States.Runtime`, which no retrier or
/// catcher matches, so the run ends there.
#[derive(Clone, Default)]
pub struct Gate {
    calls: Arc<AtomicUsize>,
}

impl Gate {
    /// `handler`, behind this gate.
    pub fn wrap(&self, handler: Arc<dyn Handler>) -> Arc<dyn Handler> {
        Arc::new(Gated {
            inner: handler,
            gate: self.clone(),
        })
    }
}

struct Gated {
    inner: Arc<dyn Handler>,
    gate: Gate,
}

impl Handler for Gated {
    fn call(&self, input: Value) -> HandlerFuture {
        if self.gate.calls.fetch_add(1, Ordering::SeqCst) > 0 {
            return Box::pin(async {
                Err(TaskError::new(
                    "States.Runtime",
                    "workflow test-state runs one attempt",
                ))
            });
        }
        self.inner.call(input)
    }
}

/// Runs a Pass state alone and returns its output: how the inspection data reuses the
/// runtime's own input and output processing for the steps the history does not record.
pub async fn pass_output(name: &str, pass: Value, input: Value, start: Timestamp) -> Option<Value> {
    let definition = machine_around(name, &pass, None);
    let machine = Arc::new(workflow_core::check(&definition).ok()?);
    let executor = Executor::new(Resources::new())
        .with_clock(VirtualClock::new(start))
        .with_seed(0);
    let outcome = executor.start(machine, input).ok()?.run().await;
    (outcome.status == Status::Succeeded)
        .then_some(outcome.output)
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_gets_a_stub() {
        let state = json!({
            "Type": "Choice",
            "Choices": [{ "Variable": "$.a", "IsPresent": true, "Next": "Yes" },
                        { "Variable": "$.b", "IsPresent": true, "Next": "Check" }],
            "Default": "No"
        });
        let machine = machine_around("Check", &state, Some(&json!("JSONPath")));
        assert_eq!(
            machine,
            json!({
                "StartAt": "Check",
                "States": { "Check": state, "Yes": { "Type": "Succeed" }, "No": { "Type": "Succeed" } },
                "QueryLanguage": "JSONPath"
            })
        );
    }
}
