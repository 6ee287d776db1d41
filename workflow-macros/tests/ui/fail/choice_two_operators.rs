use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice {
                choices: [{
                    variable: "$.n",
                    numeric_equals: 0,
                    numeric_greater_than: 10,
                    next: Done,
                }],
                default: Done,
            },
            Done: Succeed,
        }
    }
}

fn main() {}
