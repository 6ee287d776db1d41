//! Random small definitions and inputs, through validation and a run: whatever they are,
//! nothing panics, and each either fails validation or ends with a terminal status. Each run
//! is bounded by the runtime's own limits: the execution's `TimeoutSeconds` on the virtual
//! clock (transitions take time there, so even a loop with no wait ends) and the history
//! limit, and its wall time is checked.

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::{Executor, Resources, Status, TaskError, VirtualClock};

const PATHS: &[&str] = &[
    "$",
    "$.a",
    "$.items",
    "$.missing",
    "$.items[0]",
    "$$.Execution.Name",
];

const INPUTS: &[&str] = &[
    "{}",
    r#"{"a": 1, "items": [1, 2, 3]}"#,
    r#"{"a": {"b": "c"}, "items": [], "fail": true}"#,
    r#"{"items": [{"fail": true}, {"a": 2}]}"#,
    r#"[1, 2]"#,
    r#""text""#,
    "null",
];

/// One state, as random numbers: its type, where it jumps (a Choice's rule, a catcher), the
/// path it reads, a number of seconds, and whether it retries and
/// catches.
type Shape = (usize, usize, usize, u64, bool);

/// State `index` of `count`. Each goes on to the next one, so that every state is
/// reachable (AWS refuses a definition with unreachable states); the random jumps make
/// loops. Succeed and Fail only end the chain.
fn state(index: usize, shape: Shape, count: usize) -> Value {
    let (kind, jump, path, seconds, recovers) = shape;
    let name = |i: usize| format!("S{}", i % count);
    let last = index + 1 == count;
    let path = PATHS[path % PATHS.len()];
    // A loop needs a way out (AWS refuses one without): jumps back come only from a
    // Choice's rule or a catcher, and the chain ends at the last state.
    let kind = match kind % 8 {
        3 | 4 if !last => 0,
        1 if last => 3,
        kind => kind,
    };
    let mut state = match kind {
        0 => json!({ "Type": "Pass", "InputPath": path }),
        1 => json!({ "Type": "Choice",
            "Choices": [{ "Variable": path, "IsPresent": true, "Next": name(jump) }],
            "Default": name(index + 1) }),
        2 => json!({ "Type": "Wait", "Seconds": seconds }),
        3 => json!({ "Type": "Succeed" }),
        4 => json!({ "Type": "Fail", "Error": "Random.Error", "Cause": "drawn" }),
        5 => json!({ "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
            "ResultPath": path, "TimeoutSeconds": seconds + 1 }),
        6 => json!({ "Type": "Map", "ItemsPath": path, "MaxConcurrency": seconds,
            "ItemProcessor": { "StartAt": "I", "States": {
                "I": { "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                    "End": true } } } }),
        _ => json!({ "Type": "Parallel", "Branches": [
            { "StartAt": "B", "States": { "B": { "Type": "Pass", "End": true } } },
            { "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": seconds, "End": true } } }
        ] }),
    };
    if !matches!(kind, 1 | 3 | 4) {
        if last {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(name(index + 1));
        }
    }
    if recovers && matches!(kind, 5..=7) {
        state["Retry"] = json!([{ "ErrorEquals": ["States.ALL"], "MaxAttempts": 3,
            "IntervalSeconds": 1, "BackoffRate": 2 }]);
        state["Catch"] = json!([{ "ErrorEquals": ["States.ALL"], "Next": name(jump) }]);
    }
    state
}

fn definition(shapes: &[Shape]) -> Value {
    let count = shapes.len();
    let states: serde_json::Map<String, Value> = shapes
        .iter()
        .enumerate()
        .map(|(i, shape)| (format!("S{i}"), state(i, *shape, count)))
        .collect();
    json!({ "StartAt": "S0", "TimeoutSeconds": 2, "States": states })
}

/// A task that fails on input with `fail` set and echoes anything else.
fn resources() -> Resources {
    Resources::new().register("work", |input: Value| async move {
        if input.get("fail").is_some() {
            Err(TaskError::new("Random.TaskError", "asked to fail"))
        } else {
            Ok(input)
        }
    })
}

fn shapes() -> impl Strategy<Value = Vec<Shape>> {
    prop::collection::vec(
        (0..8usize, 0..6usize, 0..PATHS.len(), 0..4u64, any::<bool>()),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_definitions_validate_or_end(shapes in shapes(), input in 0..INPUTS.len()) {
        let definition = definition(&shapes);
        // A definition AWS would refuse is an answer too: the validator's.
        let Ok(machine) = StateMachine::from_json_str(&definition.to_string()) else {
            return Ok(());
        };
        let input: Value = serde_json::from_str(INPUTS[input]).expect("JSON");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let wall = Instant::now();
        let outcome = runtime.block_on(async {
            let start = Timestamp::parse("2024-01-01T00:00:00Z").expect("timestamp");
            Executor::new(resources())
                .with_clock(VirtualClock::new(start))
                .with_seed(7)
                .start(Arc::new(machine), input)
                .expect("a small input starts")
                .run()
                .await
        });
        prop_assert_ne!(outcome.status, Status::Running, "{}", definition);
        prop_assert!(wall.elapsed() < Duration::from_secs(5), "{:?} for {}", wall.elapsed(), definition);
    }
}
