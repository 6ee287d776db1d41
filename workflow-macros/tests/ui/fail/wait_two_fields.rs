use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pause,
        states: {
            Pause: Wait { seconds: 10, timestamp: "2030-01-01T00:00:00Z", next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
