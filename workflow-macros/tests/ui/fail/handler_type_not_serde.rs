use workflow_runtime::workflow;

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

fn main() {}
