use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Check,
        states: {
            Check: Choice {
                choices: [{ variable: "$.ready", boolean_equals: true, next: Done }],
                default: Poll,
            },
            Poll: Wait { seconds: 5, next: Refresh },
            Refresh: Pass { next: Poll },
            Done: Succeed,
        }
    }
}

fn main() {}
