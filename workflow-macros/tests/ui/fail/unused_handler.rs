use serde::{Deserialize, Serialize};
use workflow_runtime::workflow;

#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

workflow! {
    pub Flow {
        start_at: Greet,
        handlers: {
            send_message(User) -> User,
            fetch_activity_count(User) -> User,
        },
        states: {
            Greet: Task { resource: send_message, end: true },
        }
    }
}

fn main() {}
