//! Helpers shared by the durable-execution tests.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::store::{ExecutionRecord, Store};
use workflow_runtime::{ExecutionConfig, Executor, Resources, StartRequest, Status, VirtualClock};

/// A start of `definition` on `input`, as execution `name` of the state machine `flow`.
pub fn request(name: &str, definition: String, input: Value) -> StartRequest {
    let config = ExecutionConfig {
        name: name.to_owned(),
        state_machine_name: "flow".to_owned(),
        ..ExecutionConfig::default()
    };
    StartRequest {
        state_machine_arn: config.state_machine_arn(),
        config,
        definition,
        input: input.into(),
        attributes: json!({}),
    }
}

/// Polls the store until the execution has ended.
pub async fn until_ended(store: &dyn Store, arn: &str) -> ExecutionRecord {
    for _ in 0..5_000 {
        let record = store.execution(arn).unwrap().expect("stored");
        if record.status != Status::Running {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{arn} did not end");
}

/// An executor on a virtual clock at the epoch.
pub fn virtual_clock(resources: Resources) -> Executor {
    Executor::new(resources).with_clock(VirtualClock::new(Timestamp::from_unix_millis(0)))
}

/// The execution's event types, in order.
pub fn types(store: &dyn Store, arn: &str) -> Vec<String> {
    store
        .history(arn)
        .unwrap()
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect()
}
