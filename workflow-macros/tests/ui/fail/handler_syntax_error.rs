use serde::{Deserialize, Serialize};
use workflow_runtime::workflow;

#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

// The Task naming the broken handler is not reported as naming an undeclared one.
workflow! {
    pub Flow {
        start_at: Greet,
        handlers: {
            send_message(User) ->,
        },
        states: {
            Greet: Task { resource: send_message, end: true },
        }
    }
}

fn main() {}
