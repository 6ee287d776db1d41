//! The executor through its public API, on ASL loaded at run time.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::{Executor, Mock, Outcome, Resources, Status, TaskError, VirtualClock};

fn machine(definition: Value) -> Arc<StateMachine> {
    Arc::new(StateMachine::from_json_str(&definition.to_string()).expect("valid definition"))
}

fn start() -> Timestamp {
    Timestamp::parse("2024-01-01T00:00:00Z").unwrap()
}

fn one_task(retry: Value) -> Arc<StateMachine> {
    machine(json!({
        "StartAt": "Work",
        "States": {
            "Work": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                      "Retry": retry, "End": true }
        }
    }))
}

/// Runs `machine` on `input` to its end, with `resources`, on the virtual clock.
async fn run_virtual(resources: Resources, machine: Arc<StateMachine>, input: Value) -> Outcome {
    Executor::new(resources)
        .with_clock(VirtualClock::new(start()))
        .start(machine, input)
        .unwrap()
        .run()
        .await
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_is_a_task_failure_not_a_crash() {
    let resources = Resources::new().register("work", |_input: Value| async move {
        if true {
            panic!("boom");
        }
        Ok(json!(null))
    });
    let outcome = run_virtual(resources, one_task(json!([])), json!({})).await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(outcome.cause.as_deref(), Some("the handler panicked: boom"));
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_panics_after_waiting_is_a_task_failure() {
    // Pending at its first poll, so the panic comes while it races its timeout.
    let resources = Resources::new().register("work", |_input: Value| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if true {
            panic!("late");
        }
        Ok(json!(null))
    });
    let outcome = run_virtual(resources, one_task(json!([])), json!({})).await;
    assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(outcome.cause.as_deref(), Some("the handler panicked: late"));
}

/// A handler's future is polled on its execution's task, not spawned on a task of its own.
#[tokio::test(start_paused = true)]
async fn a_handler_runs_on_its_executions_task() {
    let resources = Resources::new().register("work", |_input: Value| async move {
        Ok(json!(tokio::task::id().to_string()))
    });
    let execution = Executor::new(resources)
        .with_clock(VirtualClock::new(start()))
        .start(one_task(json!([])), json!({}))
        .unwrap();
    let task = tokio::spawn(execution.run());
    let id = task.id().to_string();
    let outcome = task.await.unwrap();
    assert_eq!(outcome.output, Some(json!(id)));
}

/// An execution's future stays small (Task, Parallel and Map run boxed), so that many
/// executions can wait in a Wait state at little cost.
#[test]
fn an_executions_future_is_small() {
    let waits = machine(json!({
        "StartAt": "Wait",
        "States": { "Wait": { "Type": "Wait", "Seconds": 10, "End": true } }
    }));
    let execution = Executor::new(Resources::new())
        .start(waits, json!({}))
        .unwrap();
    let size = std::mem::size_of_val(&execution.run());
    // It was about 10 KB, sized by a Task's handler call and a Map's iterations.
    assert!(size < 2048, "{size} bytes");
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_panics_before_its_future_exists_is_a_task_failure() {
    // The closure panics while it builds its future, before any `.await`.
    fn early(_input: Value) -> std::future::Ready<Result<Value, TaskError>> {
        panic!("too early")
    }
    let resources = Resources::new().register("work", early);
    let executor = Executor::new(resources).with_clock(VirtualClock::new(start()));
    let outcome = executor
        .start(one_task(json!([])), json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(
        outcome.cause.as_deref(),
        Some("the handler panicked: too early")
    );
    // The executor carries on with other executions.
    let again = executor
        .start(one_task(json!([])), json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(again.error.as_deref(), Some("States.TaskFailed"));
}

#[tokio::test(start_paused = true)]
async fn retries_wait_as_the_retrier_says_on_the_virtual_clock() {
    let mock = Mock::new()
        .fail(TaskError::new("States.TaskFailed", "busy"))
        .fail(TaskError::new("States.TaskFailed", "busy"))
        .fail(TaskError::new("States.TaskFailed", "busy"))
        .returns(json!({ "ok": true }));
    let retry = json!([{ "ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 16, "BackoffRate": 2.0 }]);
    let wall = std::time::Instant::now();
    let outcome = Executor::new(Resources::new().register("work", mock.clone()))
        .with_clock(VirtualClock::new(start()))
        .start(one_task(retry), json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(outcome.status, Status::Succeeded);
    assert_eq!(outcome.output, Some(json!({ "ok": true })));
    assert_eq!(mock.calls().len(), 4);
    // 2 + 4 + 8 seconds of backoff, in virtual time only, after the millisecond the
    // transition into the state takes.
    let last = outcome.history.events().last().unwrap();
    assert_eq!(last.timestamp.to_string(), "2024-01-01T00:00:14.001Z");
    assert!(wall.elapsed() < Duration::from_secs(5));
    let scheduled = outcome
        .history
        .types()
        .iter()
        .filter(|t| *t == "LambdaFunctionScheduled")
        .count();
    assert_eq!(scheduled, 4);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_exhausted_goes_to_the_catcher() {
    let definition = machine(json!({
        "StartAt": "Work",
        "States": {
            "Work": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                      "Retry": [{ "ErrorEquals": ["Flaky"], "MaxAttempts": 2, "IntervalSeconds": 1 }],
                      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover" }],
                      "End": true },
            "Recover": { "Type": "Pass", "End": true }
        }
    }));
    let mock = Mock::new().fail(TaskError::new("Flaky", "try again"));
    let outcome = Executor::new(Resources::new().register("work", mock.clone()))
        .with_clock(VirtualClock::new(start()))
        .start(definition, json!({ "id": 1 }))
        .unwrap()
        .run()
        .await;
    assert_eq!(mock.calls().len(), 3);
    assert_eq!(
        outcome.output,
        Some(json!({ "id": 1, "error": { "Error": "Flaky", "Cause": "try again" } }))
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_timeout_races_a_slow_handler() {
    let definition = machine(json!({
        "StartAt": "Slow",
        "States": {
            "Slow": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
                      "TimeoutSeconds": 5, "End": true }
        }
    }));
    let resources = Resources::new().register("slow", |input: Value| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(input)
    });
    let outcome = run_virtual(resources, definition, json!({})).await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.Timeout"));
    // Five seconds after the task started, a millisecond (the transition) after the start.
    assert_eq!(
        outcome
            .history
            .events()
            .last()
            .unwrap()
            .timestamp
            .to_string(),
        "2024-01-01T00:00:05.001Z"
    );
}

#[tokio::test(start_paused = true)]
async fn the_state_machine_timeout_ends_the_execution() {
    let definition = machine(json!({
        "TimeoutSeconds": 5,
        "StartAt": "Long",
        "States": { "Long": { "Type": "Wait", "Seconds": 60, "End": true } }
    }));
    let outcome = Executor::new(Resources::new())
        .with_clock(VirtualClock::new(start()))
        .start(definition, json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(outcome.status, Status::TimedOut);
    assert_eq!(
        outcome.history.types(),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    );
}

#[tokio::test(start_paused = true)]
async fn step_returns_each_state_with_its_input() {
    let definition = machine(json!({
        "StartAt": "A",
        "States": {
            "A": { "Type": "Pass", "Result": { "n": 1 }, "Next": "B" },
            "B": { "Type": "Wait", "Seconds": 3, "Next": "C" },
            "C": { "Type": "Succeed" }
        }
    }));
    let mut execution = Executor::new(Resources::new())
        .with_clock(VirtualClock::new(start()))
        .start(definition, json!({ "n": 0 }))
        .unwrap();
    let mut seen = Vec::new();
    while let Some(step) = execution.step().await {
        seen.push((step.state, step.input));
    }
    assert_eq!(
        seen,
        [
            ("A".to_owned(), json!({ "n": 0 })),
            ("B".to_owned(), json!({ "n": 1 })),
            ("C".to_owned(), json!({ "n": 1 }))
        ]
    );
    assert_eq!(execution.status(), Status::Succeeded);
}

#[tokio::test(start_paused = true)]
async fn many_executions_run_at_once_on_one_runtime() {
    let definition = machine(json!({
        "StartAt": "Wait",
        "States": {
            "Wait": { "Type": "Wait", "SecondsPath": "$.delay", "Next": "Echo" },
            "Echo": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": true }
        }
    }));
    let executor =
        Executor::new(Resources::new().register("echo", |input: Value| async move { Ok(input) }))
            .with_clock(VirtualClock::new(start()));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200u64 {
        let execution = executor
            .start(definition.clone(), json!({ "delay": n % 7, "n": n }))
            .unwrap();
        tasks.spawn(execution.run());
    }
    let mut outputs = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        let outcome = outcome.expect("no execution panics");
        assert_eq!(outcome.status, Status::Succeeded);
        outputs.push(outcome.output.unwrap()["n"].as_u64().unwrap());
    }
    outputs.sort_unstable();
    assert_eq!(outputs, (0..200).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn an_oversized_result_is_data_limit_exceeded() {
    let resources = Resources::new().register("work", |_: Value| async move {
        Ok(Value::String("a".repeat(300 * 1024)))
    });
    let outcome = run_virtual(resources, one_task(json!([])), json!({})).await;
    assert_eq!(outcome.error.as_deref(), Some("States.DataLimitExceeded"));
}

#[test]
fn an_oversized_input_is_refused_at_start() {
    let input = json!({ "big": "a".repeat(300 * 1024) });
    let refused = Executor::new(Resources::new()).start(one_task(json!([])), input);
    assert!(matches!(
        refused,
        Err(workflow_runtime::StartError::InputTooLarge(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn an_endless_loop_stops_at_the_history_limit() {
    // The exit exists (so the graph is valid) but is never taken.
    let definition = machine(json!({
        "StartAt": "Spin",
        "States": {
            "Spin": { "Type": "Pass", "Next": "Again" },
            "Again": { "Type": "Choice",
                       "Choices": [{ "Variable": "$.stop", "IsPresent": true, "Next": "Done" }],
                       "Default": "Spin" },
            "Done": { "Type": "Succeed" }
        }
    }));
    let outcome = Executor::new(Resources::new())
        .with_clock(VirtualClock::new(start()))
        .start(definition, json!({}))
        .unwrap()
        .run()
        .await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    // The limit is checked between states, so the last state's events may pass it by a few.
    let events = outcome.history.len();
    let limit = workflow_runtime::limits::MAX_HISTORY_EVENTS;
    assert!((limit..limit + 8).contains(&events), "{events} events");
    assert_eq!(
        outcome.history.types().last().map(String::as_str),
        Some("ExecutionFailed")
    );
}

/// The history limit applies to every source of events, not only to state transitions:
/// the execution ends at the limit with `States.Runtime`, past it only by the events that
/// close what was running (at most one aborted event per running Map iteration).
fn assert_stopped_at_the_limit(outcome: &workflow_runtime::Outcome) {
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    let events = outcome.history.len();
    let limit = workflow_runtime::limits::MAX_HISTORY_EVENTS;
    let closing = workflow_runtime::limits::INLINE_MAP_MAX_CONCURRENCY + 8;
    assert!(
        (limit..limit + closing).contains(&events),
        "{events} events"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_storm_in_one_task_stops_at_the_history_limit() {
    let failing = Resources::new().register("work", |_input: Value| async move {
        Err::<Value, _>(TaskError::new("Flaky", "again"))
    });
    let retry = json!([{ "ErrorEquals": ["States.ALL"], "MaxAttempts": 99999999,
        "IntervalSeconds": 1, "BackoffRate": 1.0 }]);
    // At the top level (each backoff a durable point) and in a Parallel branch (retried in
    // place).
    let nested = machine(json!({
        "StartAt": "Both",
        "States": { "Both": { "Type": "Parallel", "End": true, "Branches": [
            { "StartAt": "Work", "States": { "Work": { "Type": "Task", "End": true,
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                "Retry": retry.clone() } } } ] } }
    }));
    for definition in [one_task(retry), nested] {
        let outcome = Executor::new(failing.clone())
            .with_clock(VirtualClock::new(start()))
            .start(definition, json!({}))
            .unwrap()
            .run()
            .await;
        assert_stopped_at_the_limit(&outcome);
    }
}

#[tokio::test(start_paused = true)]
async fn an_inline_map_of_100000_items_stops_at_the_history_limit() {
    let definition = machine(json!({
        "StartAt": "Each",
        "States": { "Each": { "Type": "Map", "End": true,
            "ItemProcessor": { "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } } } }
    }));
    // 100,000 items within the 256 KiB input limit.
    let items = vec![0; 100_000];
    let outcome = Executor::new(Resources::new())
        .with_clock(VirtualClock::new(start()))
        .start(definition, json!(items))
        .unwrap()
        .run()
        .await;
    assert_stopped_at_the_limit(&outcome);
}

/// One seeded random source per execution: `States.UUID`, `States.MathRandom`, JSONata's
/// `$random`, `$uuid` and `$shuffle`, retry jitter and the ids the runtime generates all
/// draw from it, so a seed makes the whole history reproducible (`workflow run --seed`).
#[tokio::test(start_paused = true)]
async fn a_seed_makes_every_random_draw_of_a_run_reproducible() {
    let definition = machine(json!({
        "StartAt": "Intrinsics",
        "States": {
            "Intrinsics": { "Type": "Pass", "Next": "Jsonata", "Parameters": {
                "uuid.$": "States.UUID()",
                "number.$": "States.MathRandom(1, 1000000000)"
            } },
            "Jsonata": { "Type": "Pass", "QueryLanguage": "JSONata", "Next": "Work", "Output": {
                "previous": "{% $states.input %}",
                "random": "{% $random() %}",
                "uuid": "{% $uuid() %}",
                "shuffled": "{% $shuffle([1..20]) %}"
            } },
            "Work": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                      "Retry": [{ "ErrorEquals": ["States.ALL"], "IntervalSeconds": 100,
                                  "MaxAttempts": 3, "JitterStrategy": "FULL" }],
                      "End": true }
        }
    }));
    let run = |seed: u64| {
        let definition = definition.clone();
        async move {
            let mock = Mock::new()
                .fail(TaskError::new("States.TaskFailed", "busy"))
                .fail(TaskError::new("States.TaskFailed", "busy"))
                .returns(json!({ "ok": true }));
            let outcome = Executor::new(Resources::new().register("work", mock))
                .with_clock(VirtualClock::new(start()))
                .with_seed(seed)
                .start(definition, json!({}))
                .unwrap()
                .run()
                .await;
            assert_eq!(outcome.status, Status::Succeeded);
            serde_json::to_string(&outcome.history).unwrap()
        }
    };
    let first = run(7).await;
    assert_eq!(first, run(7).await);
    let other = run(8).await;
    // Every source differs with another seed: the values, and the jittered retry times.
    let fields = |history: &str| -> Vec<Value> {
        let history: Value = serde_json::from_str(history).unwrap();
        let output = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "PassStateExited")
            .flat_map(|e| e.as_object().unwrap().values())
            .find(|details| details["name"] == "Jsonata")
            .map(|details| serde_json::from_str(details["output"].as_str().unwrap()).unwrap())
            .unwrap_or(Value::Null);
        let last = history["events"].as_array().unwrap().last().unwrap()["timestamp"].clone();
        vec![
            output["previous"]["uuid"].clone(),
            output["previous"]["number"].clone(),
            output["random"].clone(),
            output["uuid"].clone(),
            output["shuffled"].clone(),
            last,
        ]
    };
    let (a, b) = (fields(&first), fields(&other));
    assert!(a.iter().all(|v| !v.is_null()), "{first}");
    for (x, y) in a.iter().zip(&b) {
        assert_ne!(x, y);
    }
}
