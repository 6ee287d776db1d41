use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { result: { "greeting": "hello" } },
            Done: Succeed,
        }
    }
}

fn main() {}
