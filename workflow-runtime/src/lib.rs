//! Run `workflow!` state machines and ASL documents locally, with AWS Step Functions'
//! semantics.
//!
//! The [`workflow!`] macro defines a state machine in Rust source; the compiler rejects a
//! broken graph, and the macro generates:
//!
//! - a unit struct named after the workflow, implementing [`Workflow`], whose `ASL` constant
//!   is the Amazon States Language document AWS Step Functions accepts;
//! - `<Name>State`, an enum with one variant per top-level state, implementing
//!   [`WorkflowState`];
//! - `<Name>Handlers`, a trait with one async method per handler declared in `handlers`,
//!   taking and returning the declared serde types.

pub use workflow_core as asl;
pub use workflow_macros::workflow;

mod task_error;
mod workflow;

pub use task_error::TaskError;
pub use workflow::{Workflow, WorkflowState};

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
