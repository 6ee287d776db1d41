use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Wait1,
        states: {
            Wait1: Wait { seconds: 3, next: Dnoe },
            Done: Succeed,
        }
    }
}

fn main() {}
