use workflow_runtime::workflow;

// Reported at the state's `query_language`, the field that conflicts.
workflow! {
    pub Flow {
        query_language: "JSONata",
        start_at: Start,
        states: {
            Start: Pass { query_language: "JSONPath", end: true },
        }
    }
}

fn main() {}
