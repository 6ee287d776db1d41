use workflow_runtime::workflow;

// Fields are named in messages as they are written in the macro.
workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { result_path: "$$.x[", next: Stop },
            Stop: Fail { error_path: "$.a[", cause: "no" },
        }
    }
}

fn main() {}
