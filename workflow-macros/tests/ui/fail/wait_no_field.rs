use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pause,
        states: {
            Pause: Wait { next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
