//! One file per state type, each an `impl Interpreter` block with that state's work. They
//! return the state's output and its `Next` (`None` for `End`); `Interpreter::run_state` in
//! `executor.rs` records the entered and exited events around them. Parallel branches and
//! Map iterations go back through `Interpreter::run_machine`, so every state of every
//! nested machine runs through the same code. `recovery.rs` holds the `Retry`/`Catch`
//! handling that Task, Parallel and Map share, and `fan_out.rs` the concurrency of
//! branches and iterations.
//!
//! Each state records the data of its input and output steps as it computes them
//! (`run.inspect(|i| ...)`), which only the state a TestState run tests keeps (see
//! `test_state.rs`).

mod choice;
mod fail;
mod fan_out;
mod item_batcher;
mod item_reader;
mod map;
mod parallel;
mod pass;
pub(crate) mod recovery;
mod result;
mod result_writer;
mod succeed;
mod task;
mod wait;

pub use choice::test_condition;

/// What the state tests share: running a JSON definition to its end on the virtual clock.
#[cfg(test)]
pub(crate) mod test_support {
    use std::sync::Arc;

    use serde_json::Value;
    use workflow_core::StateMachine;
    use workflow_core::timestamp::Timestamp;

    use crate::{Executor, Outcome, Resources, VirtualClock};

    /// Runs `definition` on `input` with `resources`, from 2024-01-01T00:00:00Z.
    pub async fn run_with(resources: Resources, definition: Value, input: Value) -> Outcome {
        let machine = StateMachine::from_json_str(&definition.to_string()).expect("valid");
        let start = Timestamp::parse("2024-01-01T00:00:00Z").expect("timestamp");
        Executor::new(resources)
            .with_clock(VirtualClock::new(start))
            .start(Arc::new(machine), input)
            .expect("starts")
            .run()
            .await
    }

    /// Runs `definition` on `input`, with no handlers.
    pub async fn run(definition: Value, input: Value) -> Outcome {
        run_with(Resources::new(), definition, input).await
    }

    /// The `assignedVariables` of every state exited event, in history order, with the
    /// state's name.
    pub fn assigned(outcome: &Outcome) -> Vec<(String, Value)> {
        outcome
            .history
            .events()
            .iter()
            .filter_map(|e| {
                let assigned = e.detail("assignedVariables")?.clone();
                let name = e.detail("name")?.as_str()?.to_owned();
                Some((name, assigned))
            })
            .collect()
    }
}
