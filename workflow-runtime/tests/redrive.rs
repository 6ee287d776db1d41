//! RedriveExecution through the runtime: an execution that failed goes on from the state it
//! failed in, keeping its history and what its Map and Parallel states finished.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{request, types, until_ended, virtual_clock};
use serde_json::{Value, json};
use workflow_runtime::store::{MemoryStore, Store};
use workflow_runtime::{
    Durable, EventType, NotRedrivable, RedriveError, Resources, Status, TaskError,
};

const FLAKY: &str = "arn:aws:lambda:us-east-1:123456789012:function:flaky";

/// Resources whose `flaky` handler fails until `fixed` is set.
fn flaky(fixed: Arc<AtomicBool>) -> Resources {
    Resources::new().register("flaky", move |input: Value| {
        let fixed = fixed.clone();
        async move {
            if fixed.load(Ordering::SeqCst) {
                Ok(json!({ "fixed": input }))
            } else {
                Err(TaskError::new("Broken", "not yet"))
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_failed_execution_goes_on_from_the_state_that_failed() {
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": { "Type": "Pass", "Assign": { "prepared": true }, "Next": "Call" },
            "Call": { "Type": "Task", "Resource": FLAKY, "Next": "Report",
                "Retry": [{ "ErrorEquals": ["Broken"], "MaxAttempts": 1, "IntervalSeconds": 1 }] },
            "Report": { "Type": "Pass", "End": true,
                "Parameters": { "redrives.$": "$$.Execution.RedriveCount", "prepared.$": "$prepared", "result.$": "$" } }
        }
    })
    .to_string();
    let fixed = Arc::new(AtomicBool::new(false));
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(flaky(fixed.clone())), store.clone());
    let (record, _) = durable
        .start(request("redriven", definition, json!({ "n": 1 })))
        .await
        .unwrap();
    let failed = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.error.as_deref(), Some("Broken"));
    let before = types(store.as_ref(), &record.arn);

    fixed.store(true, Ordering::SeqCst);
    let reopened = durable.redrive(&record.arn).await.unwrap();
    assert_eq!(reopened.status, Status::Running);
    assert_eq!(reopened.redrive_count, 1);
    assert!(reopened.redrive_date.is_some());
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    // The variables Prepare assigned survive; the redrive count is in the context object.
    let output: Value = serde_json::from_str(ended.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({ "redrives": 1, "prepared": true, "result": { "fixed": { "n": 1 } } })
    );
    assert_eq!(ended.error, None);
    // The history goes on after the failure: the redrive, then the failed state entered
    // again with its input (its retrier starting over), not Prepare.
    let after = types(store.as_ref(), &record.arn);
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(
        after[before.len()..],
        [
            "ExecutionRedriven",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = store.history(&record.arn).unwrap();
    let redriven = &events[before.len()];
    assert_eq!(redriven.previous_event_id, before.len() as u64);
    assert_eq!(
        redriven.details()["executionRedrivenEventDetails"],
        json!({ "redriveCount": 1 })
    );
    let entered = &events[before.len() + 1];
    assert_eq!(
        entered.details()["stateEnteredEventDetails"]["name"],
        json!("Call")
    );
    assert_eq!(
        entered.details()["stateEnteredEventDetails"]["input"],
        json!("{\"n\":1}")
    );

    // A succeeded execution cannot be redriven.
    let again = durable.redrive(&record.arn).await;
    assert!(
        matches!(
            again,
            Err(RedriveError::NotRedrivable(NotRedrivable::Status(
                "SUCCEEDED"
            )))
        ),
        "{again:?}"
    );
    assert_eq!(
        NotRedrivable::Status("SUCCEEDED").to_string(),
        "Execution is SUCCEEDED and cannot be redriven"
    );
}

#[tokio::test(start_paused = true)]
async fn a_redriven_map_runs_only_the_items_that_did_not_succeed() {
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "End": true,
            "ItemProcessor": { "StartAt": "Square", "States": {
                "Square": { "Type": "Task", "End": true,
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:square" } } } } }
    })
    .to_string();
    let fixed = Arc::new(AtomicBool::new(false));
    let calls: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
    let resources = {
        let (fixed, calls) = (fixed.clone(), calls.clone());
        Resources::new().register("square", move |input: Value| {
            let (fixed, calls) = (fixed.clone(), calls.clone());
            async move {
                let n = input.as_i64().unwrap_or_default();
                *calls.lock().unwrap().entry(n).or_default() += 1;
                if n == 3 && !fixed.load(Ordering::SeqCst) {
                    return Err(TaskError::new("Broken", "item 3"));
                }
                Ok(json!(n * n))
            }
        })
    };
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(resources), store.clone());
    let (record, _) = durable
        .start(request("mapped", definition, json!([1, 2, 3, 4, 5])))
        .await
        .unwrap();
    assert_eq!(
        until_ended(store.as_ref(), &record.arn).await.status,
        Status::Failed
    );
    // A Map fails at its first failed item and aborts the iterations still running; which
    // of the others succeeded first is in the history.
    let succeeded: Vec<i64> = store
        .history(&record.arn)
        .unwrap()
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationSucceeded)
        .map(|e| {
            e.details()["mapIterationSucceededEventDetails"]["index"]
                .as_i64()
                .unwrap()
                + 1
        })
        .collect();
    assert!(!succeeded.is_empty());
    let before = calls.lock().unwrap().clone();

    fixed.store(true, Ordering::SeqCst);
    durable.redrive(&record.arn).await.unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(ended.output.as_deref(), Some("[1,4,9,16,25]"));
    // An item whose iteration succeeded before the redrive did not run again; the failed
    // and the aborted ones (whose handlers may or may not have been called before the
    // abort) ran once more.
    let calls = calls.lock().unwrap().clone();
    for n in 1..=5 {
        let earlier = before.get(&n).copied().unwrap_or(0);
        let expected = if succeeded.contains(&n) {
            earlier
        } else {
            earlier + 1
        };
        assert_eq!(
            calls[&n], expected,
            "item {n}: {calls:?} (before the redrive {before:?}), succeeded {succeeded:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_aborted_wait_is_redriven_and_waits_again() {
    let definition = json!({
        "StartAt": "Pause",
        "States": { "Pause": { "Type": "Wait", "Seconds": 60, "End": true } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request("paused", definition, json!({})))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    durable.stop(&record.arn, None, None).await.unwrap();
    assert_eq!(
        store.execution(&record.arn).unwrap().unwrap().status,
        Status::Aborted
    );
    durable.redrive(&record.arn).await.unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    assert_eq!(
        types(store.as_ref(), &record.arn),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "ExecutionAborted",
            "ExecutionRedriven",
            "WaitStateEntered",
            "WaitStateExited",
            "ExecutionSucceeded"
        ]
    );
    // An unknown execution is not there to redrive.
    assert!(matches!(
        durable
            .redrive("arn:aws:states:us-east-1:123456789012:execution:flow:none")
            .await,
        Err(RedriveError::DoesNotExist(_))
    ));
}

/// A Wait whose output is not its input (an `InputPath`) is entered again, after a redrive,
/// with the input it was first entered with, and still outputs what its path selects.
#[tokio::test(start_paused = true)]
async fn a_redriven_wait_with_paths_is_entered_with_its_first_input() {
    let definition = json!({
        "StartAt": "Pause",
        "States": { "Pause": { "Type": "Wait", "Seconds": 60, "InputPath": "$.inner", "End": true } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let input = json!({ "inner": { "x": 1 }, "other": 2 });
    let (record, _) = durable
        .start(request("paths", definition, input.clone()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    durable.stop(&record.arn, None, None).await.unwrap();
    durable.redrive(&record.arn).await.unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    let history = store.history(&record.arn).unwrap();
    let entered: Vec<Value> = history
        .iter()
        .filter(|e| e.event_type.as_str() == "WaitStateEntered")
        .map(|e| serde_json::from_str(e.detail("input").unwrap().as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(entered, [input.clone(), input]);
    let exited = history
        .iter()
        .find(|e| e.event_type.as_str() == "WaitStateExited")
        .unwrap();
    assert_eq!(exited.detail("output").unwrap(), &json!(r#"{"x":1}"#));
}
