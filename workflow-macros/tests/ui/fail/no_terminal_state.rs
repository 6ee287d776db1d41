use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: Ping,
        states: {
            Ping: Pass { next: Pong },
            Pong: Pass { next: Ping },
        }
    }
}

fn main() {}
