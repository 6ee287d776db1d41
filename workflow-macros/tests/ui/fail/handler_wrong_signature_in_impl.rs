use serde::{Deserialize, Serialize};
use workflow_runtime::{TaskError, workflow};

#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

workflow! {
    pub Flow {
        start_at: Greet,
        handlers: {
            send_message(User) -> User,
        },
        states: {
            Greet: Task { resource: send_message, end: true },
        }
    }
}

struct Handlers;

impl FlowHandlers for Handlers {
    async fn send_message(&self, user: String) -> Result<User, TaskError> {
        Ok(User { id: user })
    }
}

fn main() {}
