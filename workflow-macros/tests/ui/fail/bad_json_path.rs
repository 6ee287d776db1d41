use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { input_path: "$.order[", end: true },
        }
    }
}

fn main() {}
