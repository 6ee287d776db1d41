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
                retry: [
                    { error_equals: [States.ALL], max_attempts: 2 },
                    { error_equals: [States.Timeout], max_attempts: 5 },
                ],
                end: true,
            },
        }
    }
}

fn main() {}
