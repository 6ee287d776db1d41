use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice {
                choices: [{ variable: "$.n", next: Zero }],
                default: Done,
            },
            Zero: Succeed,
            Done: Succeed,
        }
    }
}

fn main() {}
