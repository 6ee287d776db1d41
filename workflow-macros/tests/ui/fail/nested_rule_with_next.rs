use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice {
                choices: [{
                    and: [
                        { variable: "$.n", numeric_greater_than: 0 },
                        { variable: "$.n", numeric_less_than: 10, next: Small },
                    ],
                    next: Small,
                }],
                default: Done,
            },
            Small: Succeed,
            Done: Succeed,
        }
    }
}

fn main() {}
