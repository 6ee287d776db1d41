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
                    { error_equals: [States.Timeout], max_attempts: -1 },
                    { error_equals: [States.TaskFailed], backoff_rate: 0.5 },
                    { error_equals: [States.ALL], interval_seconds: 0 },
                ],
                end: true,
            },
        }
    }
}

fn main() {}
