use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { result: { "ok": true }, result_path: "$.items[*].done", end: true },
        }
    }
}

fn main() {}
