//! Handler types are parsed as Rust types: generics with commas, paths, tuples.

use std::collections::HashMap;

use workflow_runtime::{TaskError, workflow};

pub mod model {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Order {
        pub id: String,
    }
}

workflow! {
    pub Flow {
        start_at: Score,
        handlers: {
            score(HashMap<String, f64>) -> Result<Vec<u8>, String>,
            order(crate::model::Order) -> (u32, std::string::String),
            pair((String, Vec<u8>)) -> Option<HashMap<String, Vec<(u8, u8)>>> = "arn:aws:lambda:us-east-1:123456789012:function:pair",
        },
        states: {
            Score: Task { resource: score, next: Order },
            Order: Task { resource: order, next: Pair },
            Pair: Task { resource: pair, end: true },
        }
    }
}

struct Handlers;

impl FlowHandlers for Handlers {
    async fn score(&self, input: HashMap<String, f64>) -> Result<Result<Vec<u8>, String>, TaskError> {
        Ok(Ok(vec![input.len() as u8]))
    }
    async fn order(&self, input: model::Order) -> Result<(u32, String), TaskError> {
        Ok((1, input.id))
    }
    async fn pair(
        &self,
        input: (String, Vec<u8>),
    ) -> Result<Option<HashMap<String, Vec<(u8, u8)>>>, TaskError> {
        Ok(Some(HashMap::from([(input.0, vec![(1, 2)])])))
    }
}

fn main() {
    let _ = Flow::resources(Handlers);
}
