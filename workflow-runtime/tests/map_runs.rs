//! A Distributed Map's run: its counts as children start and end, UpdateMapRun applied to
//! the run in progress, and the run kept in the store once it has ended.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{request, until_ended, virtual_clock};
use serde_json::json;
use workflow_runtime::map_runs::{MapRunStatus, MapRunUpdate};
use workflow_runtime::store::{MemoryStore, Store};
use workflow_runtime::{Durable, Resources, Status};

#[tokio::test(start_paused = true)]
async fn a_map_run_counts_its_children_and_takes_a_new_max_concurrency() {
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Work", "States": { "Work": { "Type": "Wait", "Seconds": 10, "End": true } } } } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request("mapped", definition, json!([1, 2, 3, 4, 5, 6])))
        .await
        .unwrap();
    let runs = durable.executor().map_runs().clone();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let listed = runs.of_execution(&record.arn);
    assert_eq!(listed.len(), 1);
    let arn = listed[0].arn.clone();
    assert!(
        arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:flow/Each:"),
        "{arn}"
    );
    let run = runs.get(&arn).unwrap();
    assert_eq!(run.status, MapRunStatus::Running);
    assert_eq!(run.max_concurrency, 1);
    assert_eq!(
        (run.items.running, run.items.pending, run.items.total),
        (1, 5, 6)
    );

    // Three at a time from now on.
    let update = MapRunUpdate {
        max_concurrency: Some(3),
        ..MapRunUpdate::default()
    };
    assert!(runs.update(&arn, &update));
    tokio::time::sleep(Duration::from_secs(10)).await;
    let run = runs.get(&arn).unwrap();
    assert_eq!(run.max_concurrency, 3);
    assert_eq!((run.items.succeeded, run.items.running), (1, 3), "{run:?}");

    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    // Ended: in the store, with its final counts; no longer updatable.
    for _ in 0..100 {
        if store
            .resource("mapRun", &arn)
            .unwrap()
            .is_some_and(|r| r["status"] == "SUCCEEDED")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let run = runs.get(&arn).unwrap();
    assert_eq!(run.status, MapRunStatus::Succeeded);
    assert_eq!((run.items.succeeded, run.items.total), (6, 6));
    assert!(run.stop_date.is_some());
    assert!(!runs.update(&arn, &update));
}

#[tokio::test(start_paused = true)]
async fn a_stopped_execution_aborts_its_map_run() {
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "End": true,
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Work", "States": { "Work": { "Type": "Wait", "Seconds": 60, "End": true } } } } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request("stopped", definition, json!([1, 2])))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    durable.stop(&record.arn, None, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let runs = durable.executor().map_runs();
    let run = runs.of_execution(&record.arn).pop().unwrap();
    assert_eq!(run.status, MapRunStatus::Aborted);
    assert_eq!(run.items.aborted, 2);
}
