use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { next: Done },
            Orphan: Pass { next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
