use workflow_runtime::{WorkflowState, workflow};

// The state with the stray token keeps its variant: `main` compiles against it.
workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { next: Done } Done,
            Done: Succeed,
        }
    }
}

fn main() {
    assert_eq!(FlowState::Start.name(), "Start");
}
