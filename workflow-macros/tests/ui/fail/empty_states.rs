use workflow_runtime::workflow;

// An empty `states` is its own error, at its braces, with nothing about `start_at`.
workflow! {
    pub Flow {
        start_at: Start,
        states: {}
    }
}

workflow! {
    pub Nested {
        start_at: Fan,
        states: {
            Fan: Parallel {
                branches: [{ start_at: Left, states: {} }],
                next: Each,
            },
            Each: Map {
                item_processor: { start_at: Item, states: {} },
                end: true,
            },
        }
    }
}

fn main() {}
