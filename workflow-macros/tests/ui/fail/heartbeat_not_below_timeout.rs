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
            Charge: Task { resource: charge, timeout_seconds: 60, heartbeat_seconds: 60, end: true },
        }
    }
}

fn main() {}
