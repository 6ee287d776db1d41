//! Durable executions through the public API: start, resume after a crash, stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod common;

use common::{request, types, until_ended, virtual_clock};
use serde_json::{Value, json};
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::store::{MemoryStore, Started, Store};
use workflow_runtime::{
    Durable, EventType, Executor, HistoryEvent, Resources, Status, VirtualClock,
};

fn definition(wait_seconds: u64) -> String {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": { "Type": "Pass", "Parameters": { "n.$": "States.MathAdd($.n, 1)" }, "Next": "Pause" },
            "Pause": { "Type": "Wait", "Seconds": wait_seconds, "Next": "Work" },
            "Work": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "Next": "Done" },
            "Done": { "Type": "Succeed" }
        }
    })
    .to_string()
}

/// Resources whose `work` handler doubles `n` and counts its calls.
fn counting(calls: Arc<AtomicUsize>) -> Resources {
    Resources::new().register("work", move |input: Value| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(json!({ "n": input["n"].as_i64().unwrap_or_default() * 2 }))
        }
    })
}

/// A runtime standing for one process: dropping it is the process dying, every task
/// stopping where it is.
#[cfg(feature = "sqlite")]
fn process() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A new directory for a test's store, and the store's path in it.
#[cfg(feature = "sqlite")]
fn fresh_store(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("workflow-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    (dir, path)
}

/// Ids 1..N without a gap, each linked to the one before (but where AWS links none), one
/// start and one end.
fn assert_well_formed(events: &[HistoryEvent]) {
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1);
        let unlinked = i < 2 || event.event_type == EventType::ExecutionAborted;
        let previous = if unlinked { 0 } else { i as u64 };
        assert_eq!(event.previous_event_id, previous, "{event:?}");
    }
    let starts = events
        .iter()
        .filter(|e| e.event_type == EventType::ExecutionStarted)
        .count();
    assert_eq!(starts, 1);
    let ends = events
        .iter()
        .filter(|e| {
            matches!(
                e.event_type,
                EventType::ExecutionSucceeded
                    | EventType::ExecutionFailed
                    | EventType::ExecutionTimedOut
                    | EventType::ExecutionAborted
            )
        })
        .count();
    assert_eq!(ends, 1, "{events:#?}");
}

fn millis(event: &HistoryEvent) -> i64 {
    event.timestamp.unix_millis()
}

#[tokio::test(start_paused = true)]
async fn a_durable_execution_commits_every_transition_and_ends() {
    let store = Arc::new(MemoryStore::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let executor = Executor::new(counting(calls.clone()))
        .with_clock(VirtualClock::new(Timestamp::from_unix_millis(0)));
    let durable = Durable::new(executor, store.clone());
    let (record, started) = durable
        .start(request("one", definition(30), json!({ "n": 1 })))
        .await
        .unwrap();
    assert_eq!(started, Started::New);
    assert_eq!(record.status, Status::Running);
    // Acknowledged only after the commit: the start is there already.
    assert_eq!(store.history(&record.arn).unwrap().len(), 1);

    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    assert_eq!(ended.output.as_deref(), Some(r#"{"n":4}"#));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let events = store.history(&record.arn).unwrap();
    assert_well_formed(&events);
    let types: Vec<String> = events
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(millis(&events[4]) - millis(&events[3]), 30_000);
}

#[tokio::test(start_paused = true)]
async fn starting_the_same_name_again_returns_the_stored_execution() {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(Executor::new(counting(Arc::default())), store.clone());
    let (first, _) = durable
        .start(request("same", definition(5), json!({ "n": 1 })))
        .await
        .unwrap();
    let (second, started) = durable
        .start(request("same", definition(5), json!({ "n": 2 })))
        .await
        .unwrap();
    assert_eq!(second.arn, first.arn);
    // The caller compares inputs to tell AWS's idempotent start from ExecutionAlreadyExists.
    assert!(matches!(started, Started::Existing(ref r) if r.input == r#"{"n":1}"#));
    assert_eq!(store.executions(None).unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn stopping_a_waiting_execution_aborts_it_after_its_committed_events() {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(Executor::new(counting(Arc::default())), store.clone());
    let (record, _) = durable
        .start(request("stopped", definition(3600), json!({ "n": 1 })))
        .await
        .unwrap();
    // Let it reach the Wait.
    while store.history(&record.arn).unwrap().len() < 4 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let stopped = durable
        .stop(
            &record.arn,
            Some("Cancelled".into()),
            Some("by the test".into()),
        )
        .await
        .unwrap()
        .expect("known");
    assert_eq!(stopped.status, Status::Aborted);
    assert_eq!(stopped.error.as_deref(), Some("Cancelled"));
    let events = store.history(&record.arn).unwrap();
    assert_well_formed(&events);
    let last = events.last().unwrap();
    assert_eq!(last.event_type, EventType::ExecutionAborted);
    assert_eq!(
        serde_json::to_value(last).unwrap()["executionAbortedEventDetails"],
        json!({ "error": "Cancelled", "cause": "by the test" })
    );
    assert_eq!(
        events[events.len() - 2].event_type,
        EventType::WaitStateEntered
    );
    assert!(!durable.is_running(&record.arn));
    // Stopping it again changes nothing.
    let again = durable
        .stop(&record.arn, None, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, stopped);
    assert_eq!(store.history(&record.arn).unwrap().len(), events.len());
}

/// A process "crashes" (its runtime is dropped mid-Wait, so nothing after the last commit
/// happens), stays down for a while, and a new one resumes from the SQLite file: the Wait
/// wakes at its recorded time, not a whole wait after the restart, and the history stays
/// whole.
#[cfg(feature = "sqlite")]
#[test]
fn an_execution_resumes_from_sqlite_after_a_crash_and_wakes_on_time() {
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("durable");
    let calls = Arc::new(AtomicUsize::new(0));

    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(Executor::new(counting(calls.clone())), store.clone());
        let first = process();
        let arn = first.block_on(async {
            let (record, _) = durable
                .start(request("survivor", definition(2), json!({ "n": 1 })))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            record.arn
        });
        // The crash: every task of the process stops where it is.
        drop(first);
        drop(durable);
        let events = store.history(&arn).unwrap();
        assert_eq!(
            events.last().unwrap().event_type,
            EventType::WaitStateEntered
        );
        arn
    };
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    std::thread::sleep(Duration::from_millis(1000));

    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(Executor::new(counting(calls.clone())), store.clone());
    let restarted = std::time::Instant::now();
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some(r#"{"n":4}"#));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // 2 s after it entered the Wait, which is well under 2 s after the restart.
    assert!(restarted.elapsed() < Duration::from_millis(1800));
    let events = store.history(&arn).unwrap();
    assert_well_formed(&events);
    let entered = events
        .iter()
        .find(|e| e.event_type == EventType::WaitStateEntered)
        .unwrap();
    let exited = events
        .iter()
        .find(|e| e.event_type == EventType::WaitStateExited)
        .unwrap();
    let waited = millis(exited) - millis(entered);
    assert!((2_000..2_300).contains(&waited), "waited {waited} ms");
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// Records each invocation's idempotency key, and fails the first two attempts.
struct Flaky {
    keys: Arc<std::sync::Mutex<Vec<String>>>,
}

impl workflow_runtime::Handler for Flaky {
    fn call(&self, _input: Value) -> workflow_runtime::HandlerFuture {
        Box::pin(async { Err(workflow_runtime::TaskError::new("NoInvocation", "")) })
    }

    fn invoke(
        &self,
        input: Value,
        invocation: &workflow_runtime::Invocation,
    ) -> workflow_runtime::HandlerFuture {
        self.keys.lock().unwrap().push(invocation.idempotency_key());
        let attempt = invocation.attempt;
        Box::pin(async move {
            if attempt < 2 {
                Err(workflow_runtime::TaskError::new("Busy", "try again"))
            } else {
                Ok(input)
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn each_execution_gets_its_own_handlers_and_each_attempt_a_stable_key() {
    let definition = json!({
        "StartAt": "Work",
        "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 1 }], "End": true } }
    })
    .to_string();
    let keys = Arc::new(std::sync::Mutex::new(Vec::new()));
    let flaky = Arc::new(Resources::new().fallback(Flaky { keys: keys.clone() }));
    let store = Arc::new(MemoryStore::new());
    // Executions marked "flaky" get the flaky handler; the others the executor's (none).
    let durable = Durable::with_resources_for(
        Executor::new(Resources::new()),
        store.clone(),
        Box::new(move |record| (record.attributes["case"] == "flaky").then(|| flaky.clone())),
    );
    let mut flaky_request = request("flaky", definition.clone(), json!({ "n": 1 }));
    flaky_request.attributes = json!({ "case": "flaky" });
    let (flaky_run, _) = durable.start(flaky_request).await.unwrap();
    let (plain_run, _) = durable
        .start(request("plain", definition, json!({ "n": 1 })))
        .await
        .unwrap();
    durable.idle().await;

    let flaky_run = store.execution(&flaky_run.arn).unwrap().unwrap();
    assert_eq!(flaky_run.status, Status::Succeeded);
    let arn = &flaky_run.arn;
    // Entered as event 2; attempts 0, 1 and 2.
    assert_eq!(
        *keys.lock().unwrap(),
        [
            format!("{arn}/Work/2/0"),
            format!("{arn}/Work/2/1"),
            format!("{arn}/Work/2/2")
        ]
    );
    let plain_run = store.execution(&plain_run.arn).unwrap().unwrap();
    assert_eq!(plain_run.status, Status::Failed);
    assert_eq!(plain_run.error.as_deref(), Some("States.TaskFailed"));
}

/// A Task in a retry backoff when the process dies goes on after the restart with the
/// next attempt, at its recorded time, with the retries it had spent: not from its first
/// attempt.
#[cfg(feature = "sqlite")]
#[test]
fn a_retry_backoff_survives_a_crash_with_its_counters() {
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("retry");
    let definition = json!({
        "StartAt": "Work",
        "States": { "Work": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": { "retries.$": "$$.State.RetryCount" },
            "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 2, "MaxAttempts": 3,
                        "BackoffRate": 1.0 }],
            "End": true } }
    })
    .to_string();
    // Fails every attempt, recording the attempt number and `$$.State.RetryCount`.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let handlers = |seen: Arc<std::sync::Mutex<Vec<(u32, Value)>>>| {
        struct Busy(Arc<std::sync::Mutex<Vec<(u32, Value)>>>);
        impl workflow_runtime::Handler for Busy {
            fn call(&self, _input: Value) -> workflow_runtime::HandlerFuture {
                Box::pin(async { Err(workflow_runtime::TaskError::new("Busy", "")) })
            }
            fn invoke(
                &self,
                input: Value,
                invocation: &workflow_runtime::Invocation,
            ) -> workflow_runtime::HandlerFuture {
                self.0
                    .lock()
                    .unwrap()
                    .push((invocation.attempt, input["retries"].clone()));
                Box::pin(async { Err(workflow_runtime::TaskError::new("Busy", "still busy")) })
            }
        }
        Resources::new().fallback(Busy(seen))
    };

    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(Executor::new(handlers(seen.clone())), store.clone());
        let first = process();
        let arn = first.block_on(async {
            let (record, _) = durable
                .start(request("retrying", definition.clone(), json!({})))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            record.arn
        });
        drop(first);
        drop(durable);
        arn
    };
    // Only the first attempt ran before the crash.
    assert_eq!(seen.lock().unwrap().len(), 1);
    std::thread::sleep(Duration::from_millis(500));

    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(Executor::new(handlers(seen.clone())), store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Failed);
    assert_eq!(record.error.as_deref(), Some("Busy"));
    // Four attempts in all, numbered on across the restart, as `$$.State.RetryCount` is.
    assert_eq!(
        *seen.lock().unwrap(),
        [(0, json!(0)), (1, json!(1)), (2, json!(2)), (3, json!(3))]
    );
    let events = store.history(&arn).unwrap();
    assert_well_formed(&events);
    let count = |t: EventType| events.iter().filter(|e| e.event_type == t).count();
    assert_eq!(count(EventType::TaskStateEntered), 1);
    assert_eq!(count(EventType::TaskFailed), 4);
    // Attempts 2 s apart by the clock, the restart in the first backoff notwithstanding.
    let scheduled: Vec<i64> = events
        .iter()
        .filter(|e| e.event_type == EventType::TaskScheduled)
        .map(millis)
        .collect();
    for pair in scheduled.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((2_000..2_300).contains(&gap), "attempts {gap} ms apart");
    }
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// A Map that dies part way keeps the items it finished: after the restart only the others
/// run (and those that were running when it died, again).
#[cfg(feature = "sqlite")]
#[test]
fn a_map_keeps_its_finished_items_across_a_crash() {
    use std::collections::HashMap;
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("map");
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "MaxConcurrency": 4, "End": true,
            "ItemProcessor": { "StartAt": "Square", "States": {
                "Square": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:square",
                            "End": true } } } } }
    })
    .to_string();
    let calls: Arc<std::sync::Mutex<HashMap<i64, usize>>> = Arc::default();
    let handlers = |calls: Arc<std::sync::Mutex<HashMap<i64, usize>>>| {
        Resources::new().register("square", move |input: Value| {
            let calls = calls.clone();
            async move {
                let n = input.as_i64().unwrap_or_default();
                *calls.lock().unwrap().entry(n).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(json!(n * n))
            }
        })
    };
    let items: Vec<i64> = (0..40).collect();

    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(Executor::new(handlers(calls.clone())), store.clone());
        let first = process();
        let arn = first.block_on(async {
            let (record, _) = durable
                .start(request("mapping", definition.clone(), json!(items)))
                .await
                .unwrap();
            // About half of the 40 items, 4 at a time, 50 ms each.
            tokio::time::sleep(Duration::from_millis(260)).await;
            record.arn
        });
        drop(first);
        drop(durable);
        arn
    };
    let before: usize = calls.lock().unwrap().values().sum();
    assert!((8..40).contains(&before), "{before} calls before the crash");

    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(Executor::new(handlers(calls.clone())), store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Succeeded, "{record:?}");
    let output: Value = serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
        json!(items.iter().map(|n| n * n).collect::<Vec<_>>())
    );
    // Every item ran; only those still running at the crash (at most MaxConcurrency) twice.
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 40);
    let twice = calls.values().filter(|&&c| c == 2).count();
    assert!(twice <= 4 && calls.values().all(|&c| c <= 2), "{calls:?}");
    let events = store.history(&arn).unwrap();
    assert_well_formed(&events);
    let started = events
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationStarted)
        .count();
    assert_eq!(started, 40);
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// An at-most-once task's attempt is committed before its handler runs; an attempt the
/// process died in is not run again after the restart: it fails with
/// `Workflow.TaskInterrupted`, which the definition catches.
#[cfg(feature = "sqlite")]
#[test]
fn an_at_most_once_task_is_not_run_again_after_a_crash() {
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("once");
    let payment = "arn:aws:states:::http:invoke";
    let definition = json!({
        "StartAt": "Pay",
        "States": {
            "Pay": { "Type": "Task", "Resource": payment, "Next": "Paid",
                "Catch": [{ "ErrorEquals": ["Workflow.TaskInterrupted"], "ResultPath": "$.error",
                            "Next": "CheckByHand" }] },
            "Paid": { "Type": "Succeed" },
            "CheckByHand": { "Type": "Pass", "End": true }
        }
    })
    .to_string();
    let calls = Arc::new(AtomicUsize::new(0));
    let handlers = |calls: Arc<AtomicUsize>| {
        Resources::new()
            .register(payment, move |input: Value| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    Ok(input)
                }
            })
            .at_most_once(payment)
    };

    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(Executor::new(handlers(calls.clone())), store.clone());
        let first = process();
        let arn = first.block_on(async {
            let (record, _) = durable
                .start(request(
                    "paying",
                    definition.clone(),
                    json!({ "amount": 5 }),
                ))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            record.arn
        });
        // Dies while the payment runs.
        drop(first);
        drop(durable);
        arn
    };
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(Executor::new(handlers(calls.clone())), store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        until_ended(store.as_ref(), &arn).await
    });
    // Not paid twice: the interrupted attempt was caught.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(record.status, Status::Succeeded);
    let output: Value = serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["error"]["Error"], "Workflow.TaskInterrupted");
    let events = store.history(&arn).unwrap();
    assert_well_formed(&events);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == EventType::TaskStateEntered)
            .count(),
        1
    );
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(start_paused = true)]
async fn an_at_most_once_task_without_a_crash_runs_as_any_other() {
    let resource = "arn:aws:states:::http:invoke";
    let definition = json!({
        "StartAt": "Pay",
        "States": { "Pay": { "Type": "Task", "Resource": resource, "End": true,
            "Retry": [{ "ErrorEquals": ["Declined"], "IntervalSeconds": 1 }] } }
    })
    .to_string();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let resources = Resources::new()
        .register(resource, move |input: Value| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(workflow_runtime::TaskError::new("Declined", "once"))
                } else {
                    Ok(input)
                }
            }
        })
        .at_most_once(resource);
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(Executor::new(resources), store.clone());
    let (record, _) = durable
        .start(request("paying", definition, json!({ "amount": 5 })))
        .await
        .unwrap();
    durable.idle().await;
    let record = store.execution(&record.arn).unwrap().unwrap();
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some(r#"{"amount":5}"#));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let types: Vec<String> = store
        .history(&record.arn)
        .unwrap()
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:review";

fn activity_definition(timeout: u64, heartbeat: u64) -> String {
    json!({
        "StartAt": "Review",
        "States": { "Review": { "Type": "Task", "Resource": ACTIVITY,
            "TimeoutSeconds": timeout, "HeartbeatSeconds": heartbeat, "End": true } }
    })
    .to_string()
}

#[tokio::test(start_paused = true)]
async fn a_worker_takes_an_activity_task_and_completes_it() {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request(
            "reviewed",
            activity_definition(60, 10),
            json!({ "doc": 1 }),
        ))
        .await
        .unwrap();
    let (token, input) = durable
        .get_activity_task(ACTIVITY, "reviewer-1", Duration::from_secs(60))
        .await
        .expect("a task");
    assert_eq!(input, r#"{"doc":1}"#);
    // Nothing else is queued: a second worker waits, then gets nothing.
    assert_eq!(
        durable
            .get_activity_task(ACTIVITY, "reviewer-2", Duration::from_secs(1))
            .await,
        None
    );
    tokio::time::sleep(Duration::from_secs(8)).await;
    durable.send_task_heartbeat(&token).unwrap();
    tokio::time::sleep(Duration::from_secs(8)).await;
    durable
        .send_task_success(&token, json!({ "approved": true }))
        .unwrap();
    // Completed once: a second answer finds the task ended.
    assert_eq!(
        durable.send_task_success(&token, json!({})),
        Err(workflow_runtime::TaskTokenError::TaskTimedOut)
    );
    durable.idle().await;
    let ended = store.execution(&record.arn).unwrap().unwrap();
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(ended.output.as_deref(), Some(r#"{"approved":true}"#));
    assert_eq!(
        types(store.as_ref(), &record.arn),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = store.history(&record.arn).unwrap();
    assert_well_formed(&events);
    let scheduled = serde_json::to_value(&events[2]).unwrap();
    assert_eq!(
        scheduled["activityScheduledEventDetails"],
        json!({ "resource": ACTIVITY, "input": "{\"doc\":1}", "timeoutInSeconds": 60,
                "heartbeatInSeconds": 10 })
    );
    let started = serde_json::to_value(&events[3]).unwrap();
    assert_eq!(
        started["activityStartedEventDetails"],
        json!({ "workerName": "reviewer-1" })
    );
}

#[tokio::test(start_paused = true)]
async fn activity_tasks_fail_time_out_and_miss_heartbeats_as_aws_says() {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());

    // The worker fails it.
    let (failed, _) = durable
        .start(request("failed", activity_definition(60, 10), json!({})))
        .await
        .unwrap();
    let (token, _) = durable
        .get_activity_task(ACTIVITY, "w", Duration::from_secs(60))
        .await
        .unwrap();
    durable
        .send_task_failure(&token, Some("Rejected".into()), Some("not good".into()))
        .unwrap();
    // No worker takes it: TimeoutSeconds.
    let (unclaimed, _) = durable
        .start(request("unclaimed", activity_definition(5, 2), json!({})))
        .await
        .unwrap();
    durable.idle().await;
    let record = store.execution(&failed.arn).unwrap().unwrap();
    assert_eq!(
        (
            record.status,
            record.error.as_deref(),
            record.cause.as_deref()
        ),
        (Status::Failed, Some("Rejected"), Some("not good"))
    );
    assert_eq!(types(store.as_ref(), &failed.arn)[4], "ActivityFailed");
    let record = store.execution(&unclaimed.arn).unwrap().unwrap();
    assert_eq!(
        (record.status, record.error.as_deref()),
        (Status::Failed, Some("States.Timeout"))
    );
    assert_eq!(
        types(store.as_ref(), &unclaimed.arn),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityTimedOut",
            "ExecutionFailed"
        ]
    );

    // A worker takes it and goes silent: HeartbeatSeconds.
    let (silent, _) = durable
        .start(request("silent", activity_definition(60, 3), json!({})))
        .await
        .unwrap();
    let (token, _) = durable
        .get_activity_task(ACTIVITY, "w", Duration::from_secs(60))
        .await
        .unwrap();
    durable.idle().await;
    let record = store.execution(&silent.arn).unwrap().unwrap();
    assert_eq!(record.error.as_deref(), Some("States.HeartbeatTimeout"));
    // The task timed out: its token is answered as AWS answers it.
    assert_eq!(
        durable.send_task_success(&token, json!({})),
        Err(workflow_runtime::TaskTokenError::TaskTimedOut)
    );
    assert_eq!(
        durable.send_task_success(&"0".repeat(64), json!({})),
        Err(workflow_runtime::TaskTokenError::TaskDoesNotExist)
    );
}

/// The token a worker holds survives a restart of the process running the execution.
#[cfg(feature = "sqlite")]
#[test]
fn an_activity_token_survives_a_crash() {
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("token");
    let (arn, token) = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(Executor::new(Resources::new()), store.clone());
        let first = process();
        let taken = first.block_on(async {
            let (record, _) = durable
                .start(request(
                    "held",
                    activity_definition(60, 30),
                    json!({ "k": 1 }),
                ))
                .await
                .unwrap();
            let (token, _) = durable
                .get_activity_task(ACTIVITY, "w", Duration::from_secs(5))
                .await
                .unwrap();
            // Let the runner commit ActivityStarted.
            tokio::time::sleep(Duration::from_millis(200)).await;
            (record.arn, token)
        });
        drop(first);
        drop(durable);
        taken
    };
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(Executor::new(Resources::new()), store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        durable
            .send_task_success(&token, json!({ "done": true }))
            .unwrap();
        until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some(r#"{"done":true}"#));
    let events = store.history(&arn).unwrap();
    assert_well_formed(&events);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == EventType::ActivityStarted)
            .count(),
        1
    );
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(start_paused = true)]
async fn a_callback_task_waits_for_its_token() {
    let sqs = "arn:aws:states:::sqs:sendMessage";
    let definition = json!({
        "StartAt": "Ask",
        "States": {
            "Ask": { "Type": "Task", "Resource": format!("{sqs}.waitForTaskToken"),
                "Parameters": { "token.$": "$$.Task.Token", "question.$": "$.q" },
                "ResultPath": "$.answer", "Next": "Slow" },
            "Slow": { "Type": "Task", "Resource": format!("{sqs}.waitForTaskToken"),
                "HeartbeatSeconds": 2, "TimeoutSeconds": 10,
                "Parameters": { "token.$": "$$.Task.Token" }, "End": true }
        }
    })
    .to_string();
    // The "queue": the integration hands out each token it gets.
    let tokens: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let sent = tokens.clone();
    let resources = Resources::new().register(sqs, move |input: Value| {
        sent.lock()
            .unwrap()
            .push(input["token"].as_str().unwrap_or_default().to_owned());
        async move { Ok(json!({ "MessageId": "m-1" })) }
    });
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(resources), store.clone());
    let (record, _) = durable
        .start(request("asking", definition, json!({ "q": "ok?" })))
        .await
        .unwrap();
    while tokens.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let token = tokens.lock().unwrap()[0].clone();
    assert_eq!(token.len(), 64);
    // Answered from elsewhere in the program.
    durable
        .send_task_success(&token, json!({ "yes": true }))
        .unwrap();
    durable.idle().await;
    let ended = store.execution(&record.arn).unwrap().unwrap();
    // The second callback gets no heartbeat within 2 s.
    assert_eq!(ended.status, Status::Failed, "{ended:?}");
    assert_eq!(ended.error.as_deref(), Some("States.HeartbeatTimeout"));
    let events = store.history(&record.arn).unwrap();
    assert_well_formed(&events);
    let types: Vec<String> = events
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    let exited = serde_json::to_value(&events[6]).unwrap();
    assert_eq!(
        exited["stateExitedEventDetails"]["output"],
        json!({ "q": "ok?", "answer": { "yes": true } }).to_string()
    );
    // The two tokens differ: one per attempt.
    let tokens = tokens.lock().unwrap().clone();
    assert_ne!(tokens[0], tokens[1]);
}

/// A Parallel that dies with one branch done and one running runs only the running one
/// again after the restart.
#[cfg(feature = "sqlite")]
#[test]
fn a_parallel_keeps_its_finished_branches_across_a_crash() {
    use workflow_runtime::store::SqliteStore;

    let (dir, path) = fresh_store("parallel");
    let task = |name: &str| {
        json!({ "StartAt": name, "States": { name: { "Type": "Task",
            "Resource": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            "End": true } } })
    };
    let definition = json!({
        "StartAt": "Both",
        "States": { "Both": { "Type": "Parallel", "End": true,
            "Branches": [task("quick"), task("slow")] } }
    })
    .to_string();
    let quick = Arc::new(AtomicUsize::new(0));
    let slow = Arc::new(AtomicUsize::new(0));
    let handlers = |quick: Arc<AtomicUsize>, slow: Arc<AtomicUsize>| {
        Resources::new()
            .register("quick", move |_input: Value| {
                quick.fetch_add(1, Ordering::SeqCst);
                async { Ok(json!("q")) }
            })
            .register("slow", move |_input: Value| {
                let n = slow.fetch_add(1, Ordering::SeqCst);
                async move {
                    // The first call is the one the crash interrupts.
                    if n == 0 {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    Ok(json!("s"))
                }
            })
    };
    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let executor = Executor::new(handlers(quick.clone(), slow.clone()));
        let durable = Durable::new(executor, store.clone());
        let first = process();
        let arn = first.block_on(async {
            let (record, _) = durable
                .start(request("both", definition.clone(), json!({})))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            record.arn
        });
        drop(first);
        drop(durable);
        arn
    };
    assert_eq!(
        (quick.load(Ordering::SeqCst), slow.load(Ordering::SeqCst)),
        (1, 1)
    );
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let executor = Executor::new(handlers(quick.clone(), slow.clone()));
    let durable = Durable::new(executor, store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some(r#"["q","s"]"#));
    // The quick branch did not run again.
    assert_eq!(
        (quick.load(Ordering::SeqCst), slow.load(Ordering::SeqCst)),
        (1, 2)
    );
    assert_well_formed(&store.history(&arn).unwrap());
    drop(durable);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// A callback in a Map iteration waits there for its token, which the runner hands to
/// whoever completes it, as at the top level.
#[tokio::test(start_paused = true)]
async fn a_callback_in_a_map_iteration_waits_for_its_token() {
    let sqs = "arn:aws:states:::sqs:sendMessage";
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "End": true,
            "ItemProcessor": { "StartAt": "Ask", "States": { "Ask": { "Type": "Task",
                "Resource": format!("{sqs}.waitForTaskToken"), "TimeoutSeconds": 60,
                "Parameters": { "MessageBody": { "token.$": "$$.Task.Token", "n.$": "$" } },
                "End": true } } } } }
    })
    .to_string();
    let sent: Arc<std::sync::Mutex<Vec<(String, i64)>>> = Arc::default();
    let outbox = sent.clone();
    let resources = Resources::new().register(sqs, move |input: Value| {
        let message = &input["MessageBody"];
        let token = message["token"].as_str().unwrap_or_default().to_owned();
        outbox
            .lock()
            .unwrap()
            .push((token, message["n"].as_i64().unwrap_or_default()));
        async move { Ok(json!({ "MessageId": "m" })) }
    });
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(resources), store.clone());
    let (record, _) = durable
        .start(request("nested", definition, json!([2, 3])))
        .await
        .unwrap();
    while sent.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for (token, n) in sent.lock().unwrap().clone() {
        durable
            .send_task_success(&token, json!({ "square": n * n }))
            .unwrap();
    }
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(
        ended.output.as_deref(),
        Some(r#"[{"square":4},{"square":9}]"#)
    );
    // Answered once: a second answer finds the task ended.
    let (token, _) = sent.lock().unwrap()[0].clone();
    assert_eq!(
        durable.send_task_success(&token, json!({})),
        Err(workflow_runtime::TaskTokenError::TaskTimedOut)
    );
}

/// An activity in a Parallel branch is taken by a worker and times out as at the top level.
#[tokio::test(start_paused = true)]
async fn an_activity_in_a_parallel_branch_is_taken_and_times_out() {
    let definition = json!({
        "StartAt": "Both",
        "States": { "Both": { "Type": "Parallel", "End": true, "Branches": [
            { "StartAt": "Review", "States": { "Review": { "Type": "Task", "Resource": ACTIVITY,
                "HeartbeatSeconds": 5, "End": true } } },
            { "StartAt": "Other", "States": { "Other": { "Type": "Task", "Resource": ACTIVITY,
                "TimeoutSeconds": 30, "End": true,
                "Catch": [{ "ErrorEquals": ["States.Timeout"], "Next": "Late" }] },
                "Late": { "Type": "Pass", "Result": "late", "End": true } } } ] } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request("branches", definition, json!({ "doc": 1 })))
        .await
        .unwrap();
    let (token, input) = durable
        .get_activity_task(ACTIVITY, "w", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(input, r#"{"doc":1}"#);
    durable.send_task_heartbeat(&token).unwrap();
    durable
        .send_task_success(&token, json!({ "ok": true }))
        .unwrap();
    // The other branch's task is never taken: it times out after 30 s and is caught.
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(ended.output.as_deref(), Some(r#"[{"ok":true},"late"]"#));
    let history = types(store.as_ref(), &record.arn);
    for expected in [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "ActivityTimedOut",
    ] {
        assert!(history.iter().any(|t| t == expected), "{history:?}");
    }
}

/// Without a durable runner, no one can complete a token: a callback in a Parallel branch
/// fails plainly, before its integration hands out a token nothing would wait for.
#[tokio::test(start_paused = true)]
async fn a_callback_without_a_runner_fails_plainly_without_calling_its_integration() {
    let sqs = "arn:aws:states:::sqs:sendMessage";
    let definition = json!({
        "StartAt": "Both",
        "States": { "Both": { "Type": "Parallel", "End": true, "Branches": [
            { "StartAt": "Ask", "States": { "Ask": { "Type": "Task",
                "Resource": format!("{sqs}.waitForTaskToken"), "End": true } } } ] } }
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let resources = Resources::new().register(sqs, move |input: Value| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok(input) }
    });
    let machine =
        workflow_runtime::asl::StateMachine::from_json_str(&definition.to_string()).unwrap();
    let outcome = virtual_clock(resources)
        .start(Arc::new(machine), json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
    assert!(
        outcome
            .cause
            .as_deref()
            .unwrap_or_default()
            .contains("needs a durable execution"),
        "{outcome:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// The events of a state still running are shown (not yet committed): a Map's iterations
/// as they start, before the Map ends.
#[tokio::test(start_paused = true)]
async fn a_running_states_events_are_shown_before_they_are_committed() {
    let definition = json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": { "StartAt": "W", "States": {
                "W": { "Type": "Wait", "Seconds": 10, "End": true } } } } }
    })
    .to_string();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(virtual_clock(Resources::new()), store.clone());
    let (record, _) = durable
        .start(request("live", definition, json!([1, 2, 3])))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(15)).await;
    let shown: Vec<String> = durable
        .history(&record.arn)
        .unwrap()
        .iter()
        .map(|e| e.event_type.as_str().to_owned())
        .collect();
    assert_eq!(
        shown,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "WaitStateEntered"
        ]
    );
    // Only the start is committed so far.
    assert_eq!(store.history(&record.arn).unwrap().len(), 1);
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded);
    assert_eq!(
        durable.history(&record.arn).unwrap(),
        store.history(&record.arn).unwrap()
    );
}

/// A live view learns of every commit: the start, each transition, the end, and a stop.
#[tokio::test(start_paused = true)]
async fn every_commit_is_announced_after_it_is_stored() {
    let store = Arc::new(MemoryStore::new());
    let executor = Executor::new(counting(Arc::new(AtomicUsize::new(0))))
        .with_clock(VirtualClock::new(Timestamp::from_unix_millis(0)));
    let durable = Durable::new(executor, store.clone());
    let mut changes = durable.changes();
    let (record, _) = durable
        .start(request("watched", definition(30), json!({ "n": 1 })))
        .await
        .unwrap();
    let mut seen = 0;
    loop {
        let arn = changes.recv().await.unwrap();
        assert_eq!(arn, record.arn);
        seen += 1;
        // Announced once stored: the store already shows what the change was.
        let stored = store.execution(&arn).unwrap().unwrap();
        if stored.status != Status::Running {
            break;
        }
    }
    assert!(seen >= 3, "{seen} changes");

    let (waiting, _) = durable
        .start(request("stopped", definition(3600), json!({ "n": 1 })))
        .await
        .unwrap();
    durable.stop(&waiting.arn, None, None).await.unwrap();
    let mut last = String::new();
    while let Ok(arn) = changes.try_recv() {
        last = arn;
    }
    assert_eq!(last, waiting.arn);
    assert_eq!(
        store.execution(&waiting.arn).unwrap().unwrap().status,
        Status::Aborted
    );
}
