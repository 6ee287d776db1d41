use workflow_runtime::workflow;

// A missing comma between two states is reported, and both states are still parsed: the
// dangling `next` and the unused handler after it are reported in the same build.
workflow! {
    pub Flow {
        start_at: Greet,
        handlers: { greet, forgotten },
        states: {
            Greet: Task { resource: greet, next: Pause }
            Pause: Wait { seconds: 3, next: Dnoe },
            Done: Succeed,
        }
    }
}

fn main() {}
