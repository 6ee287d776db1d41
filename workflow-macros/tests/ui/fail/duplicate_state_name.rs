use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { next: Done },
            Done: Succeed,
            Start: Pass { next: Done },
        }
    }
}

fn main() {}
