use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Pause,
        states: {
            Pause: Wait { seconds: 3, nxet: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
