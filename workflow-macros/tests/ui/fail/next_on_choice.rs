use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice {
                choices: [{ variable: "$.n", numeric_equals: 0, next: Zero }],
                default: Other,
                next: Other,
            },
            Zero: Succeed,
            Other: Succeed,
        }
    }
}

fn main() {}
