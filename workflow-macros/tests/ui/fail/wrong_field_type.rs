use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pause,
        states: {
            Pause: Wait { seconds: "three", next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
