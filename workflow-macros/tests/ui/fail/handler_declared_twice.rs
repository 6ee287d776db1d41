use workflow_runtime::workflow;

// The second declaration is the error; the first one is used, so nothing is "not used".
workflow! {
    pub Flow {
        start_at: Greet,
        handlers: {
            greet(String) -> String,
            greet(String) -> String,
        },
        states: {
            Greet: Task { resource: greet, end: true },
        }
    }
}

fn main() {}
