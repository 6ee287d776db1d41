use workflow_runtime::workflow;

// One error each: the state named by the misplaced `next` is not also "unreachable".
workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pass { next: Stop },
            Stop: Fail { error: "Stopped", next: Cleanup },
            Cleanup: Succeed { next: Last },
            Last: Succeed,
        }
    }
}

fn main() {}
