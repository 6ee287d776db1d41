use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { result: { "mode": web }, end: true },
        }
    }
}

fn main() {}
