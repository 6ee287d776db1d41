//! A state named in snake_case gets an UpperCamelCase variant; the ASL keeps the name.
#![deny(non_camel_case_types)]

use workflow_runtime::{Workflow, WorkflowState, workflow};

workflow! {
    pub Flow {
        start_at: first_step,
        states: {
            /// Waits a little.
            first_step: Wait { seconds: 1, next: Done },
            Done: Succeed,
        }
    }
}

fn main() {
    assert_eq!(FlowState::FirstStep.name(), "first_step");
    assert_eq!(FlowState::from_name("first_step"), Some(FlowState::FirstStep));
    assert!(<Flow as Workflow>::ASL.contains("\"first_step\""));
}
