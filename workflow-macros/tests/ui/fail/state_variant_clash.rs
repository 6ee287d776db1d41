use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: "Send mail",
        states: {
            "Send mail": Pass { next: "send-mail" },
            "send-mail": Pass { end: true },
        }
    }
}

fn main() {}
