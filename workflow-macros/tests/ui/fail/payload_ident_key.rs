use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { parameters: { foo: 1 }, end: true },
        }
    }
}

fn main() {}
