use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice { choices: [], default: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
