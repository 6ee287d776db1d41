//! One file per state type, each an `impl Execution` block with that state's work. They
//! return the state's output and its `Next` (`None` for `End`); the loop in `executor.rs`
//! records the entered and exited events around them.

mod choice;
mod fail;
mod pass;
mod succeed;
mod task;
mod wait;

pub use choice::test_condition;
