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
        },
        states: {
            Greet: Task {
                resource: send_message,
                retry: [{ error_equals: [States.TaskFailed], backoff_rate: 0.5 }],
                next: Pause,
            },
            Pause: Wait { seconds: 3, timestamp: "2030-01-01T00:00:00Z", next: Chek },
            Check: Choice {
                choices: [{ variable: "$.id", string_equals: "x", nxet: Done }],
                default: Done,
            },
            Done: Succeed,
        }
    }
}

fn main() {}
