//! One file per state type, each an `impl Interpreter` block with that state's work. They
//! return the state's output and its `Next` (`None` for `End`); `Interpreter::run_state` in
//! `executor.rs` records the entered and exited events around them. Parallel branches and
//! Map iterations go back through `Interpreter::run_machine`, so every state of every
//! nested machine runs through the same code. `recovery.rs` holds the `Retry`/`Catch`
//! handling that Task, Parallel and Map share, and `fan_out.rs` the concurrency of
//! branches and iterations.

mod choice;
mod fail;
mod fan_out;
mod map;
mod parallel;
mod pass;
mod recovery;
mod succeed;
mod task;
mod wait;

pub use choice::test_condition;
