use workflow_runtime::workflow;

// One error with a suggestion, not also "no comparison operator".
workflow! {
    pub Flow {
        start_at: Pick,
        states: {
            Pick: Choice {
                choices: [{ variable: "$.kind", string_equalz: "a", next: A }],
                default: A,
            },
            A: Succeed,
        }
    }
}

fn main() {}
