use workflow_runtime::workflow;

workflow! {
    pub Flow {
        StartAt: Start,
        states: {
            Start: Pass { end: true },
        }
    }
}

fn main() {}
