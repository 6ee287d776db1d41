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
                catch: [{ error_equals: [States.Timeout, States.ALL], next: Failed }],
                next: Done,
            },
            Failed: Fail { error: "ChargeFailed" },
            Done: Succeed,
        }
    }
}

fn main() {}
