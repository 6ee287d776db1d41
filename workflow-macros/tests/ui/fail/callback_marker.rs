use workflow_runtime::workflow;

workflow! {
    pub Review {
        start_at: Ask,
        handlers: {
            ask(String, Token) -> bool,
        },
        states: {
            Ask: Task { resource: ask, end: true },
        }
    }
}

fn main() {}
