use serde::{Deserialize, Serialize};
use workflow_runtime::workflow;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

workflow! {
    pub Flow {
        start_at: Charge,
        handlers: {
            charge(Order) -> Order,
        },
        states: {
            Charge: Task {
                resource: charge,
                retry: [{ error_equals: [States.TaskFailled], max_attempts: 2 }],
                end: true,
            },
        }
    }
}

fn main() {}
