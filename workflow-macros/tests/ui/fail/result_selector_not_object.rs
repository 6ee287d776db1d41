use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Call,
        states: {
            Call: Task {
                resource: "arn:aws:states:::lambda:invoke",
                result_selector: "$.Payload",
                end: true,
            },
        }
    }
}

fn main() {}
