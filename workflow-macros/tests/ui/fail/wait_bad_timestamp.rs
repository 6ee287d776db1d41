use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pause,
        states: {
            Pause: Wait { timestamp: "2030-13-01T00:00:00Z", next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
