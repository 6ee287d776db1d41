use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass {
                parameters: { "greeting.$": "States.Fromat('hello {}', $.name)" },
                end: true,
            },
        }
    }
}

fn main() {}
