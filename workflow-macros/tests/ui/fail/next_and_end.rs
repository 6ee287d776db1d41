use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { next: Done, end: true },
            Done: Succeed,
        }
    }
}

fn main() {}
