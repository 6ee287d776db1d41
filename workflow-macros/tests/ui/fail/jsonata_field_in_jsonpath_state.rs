use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { output: { "greeting": "hello" }, end: true },
        }
    }
}

fn main() {}
