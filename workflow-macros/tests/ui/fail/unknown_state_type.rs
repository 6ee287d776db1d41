use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Start,
        states: {
            Start: Pas { next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
