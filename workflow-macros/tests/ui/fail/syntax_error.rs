use serde::{Deserialize, Serialize};
use workflow_runtime::workflow;

#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

// The broken entry is the start state, the only user of `send_message` and the only way to
// `Done`: none of that is reported, only the missing `:`.
workflow! {
    pub Flow {
        start_at: Greet,
        handlers: {
            send_message(User) -> User,
        },
        states: {
            Greet Task { resource: send_message, next: Done },
            Done: Succeed,
        }
    }
}

fn main() {}
