use workflow_runtime::workflow;

workflow! {
    pub Flow {
        start_at: "Send the welcome mail to the user who signed up a minute ago, then wait a whole day",
        states: {
            "Send the welcome mail to the user who signed up a minute ago, then wait a whole day": Pass {
                end: true,
            },
        }
    }
}

fn main() {}
