//! Limits AWS enforces, on every path: the execution's `TimeoutSeconds` on both clocks, the
//! payload quota on the input as sent, and the values read at run time through `*Path`
//! fields and their JSONata equivalents.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::{
    ExecutionInput, Executor, Mock, Outcome, Resources, StartError, Status, VirtualClock,
};

fn machine(definition: &Value) -> Arc<StateMachine> {
    Arc::new(StateMachine::from_json_str(&definition.to_string()).expect("valid definition"))
}

fn virtual_executor(resources: Resources) -> Executor {
    let start = Timestamp::parse("2024-01-01T00:00:00Z").expect("timestamp");
    Executor::new(resources).with_clock(VirtualClock::new(start))
}

/// A Pass and a Choice that loop forever: no Wait, no Task, no `.await` that moves time.
fn pass_choice_loop(timeout_seconds: u64) -> Value {
    json!({
        "TimeoutSeconds": timeout_seconds,
        "StartAt": "Spin",
        "States": {
            "Spin": { "Type": "Pass", "Next": "Again" },
            "Again": { "Type": "Choice",
                "Choices": [{ "Variable": "$.stop", "IsPresent": true, "Next": "Done" }],
                "Default": "Spin" },
            "Done": { "Type": "Succeed" }
        }
    })
}

fn assert_timed_out(outcome: &Outcome) {
    assert_eq!(outcome.status, Status::TimedOut, "{:?}", outcome.cause);
    let types = outcome.history.types();
    assert_eq!(types.last().map(String::as_str), Some("ExecutionTimedOut"));
    assert!(types.len() < 25_000, "{} events", types.len());
}

#[tokio::test(start_paused = true)]
async fn a_loop_without_waits_times_out_on_the_virtual_clock() {
    let outcome = virtual_executor(Resources::new())
        .start(machine(&pass_choice_loop(2)), json!({}))
        .expect("starts")
        .run()
        .await;
    assert_timed_out(&outcome);
    // Each transition takes a millisecond of virtual time: two seconds are two thousand
    // transitions, two events each, and the timeout lands on the deadline.
    let events = outcome.history.events();
    let at = |i: usize| Some(events[i].timestamp.unix_millis());
    assert_eq!(
        at(events.len() - 1).zip(at(0)).map(|(a, b)| a - b),
        Some(2000)
    );
    assert!((3_900..=4_100).contains(&events.len()), "{}", events.len());
}

#[tokio::test(start_paused = true)]
async fn a_loop_inside_a_parallel_branch_times_out_on_the_virtual_clock() {
    let definition = json!({
        "TimeoutSeconds": 3,
        "StartAt": "P",
        "States": { "P": { "Type": "Parallel", "End": true,
            "Branches": [pass_choice_loop(1).as_object().map(|branch| {
                let mut branch = branch.clone();
                branch.remove("TimeoutSeconds");
                Value::Object(branch)
            }).unwrap_or_default()] } }
    });
    let outcome = virtual_executor(Resources::new())
        .start(machine(&definition), json!({}))
        .expect("starts")
        .run()
        .await;
    assert_timed_out(&outcome);
}

#[tokio::test(flavor = "current_thread")]
async fn a_computing_loop_times_out_on_the_system_clock() {
    // Each pass computes for a while with no `.await`: a timer alone never fires in such a
    // loop, so only reading the clock between transitions ends it.
    let definition = json!({
        "TimeoutSeconds": 1,
        "QueryLanguage": "JSONata",
        "StartAt": "Spin",
        "States": {
            "Spin": { "Type": "Pass", "Output": "{% $count([1..20000]) %}", "Next": "Again" },
            "Again": { "Type": "Choice",
                "Choices": [{ "Condition": "{% $states.input = 0 %}", "Next": "Done" }],
                "Default": "Spin" },
            "Done": { "Type": "Succeed" }
        }
    });
    let wall = Instant::now();
    let outcome = Executor::new(Resources::new())
        .start(machine(&definition), json!({}))
        .expect("starts")
        .run()
        .await;
    assert_timed_out(&outcome);
    assert!(
        wall.elapsed() < Duration::from_secs(10),
        "{:?}",
        wall.elapsed()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_task_that_computes_past_its_timeout_times_out() {
    // The handler holds the thread for longer than its timeout, then succeeds: the
    // timeout still wins, as it would have on AWS.
    let resources = Resources::new().register("work", |input: Value| async move {
        std::thread::sleep(Duration::from_millis(1_500));
        Ok(input)
    });
    let definition = json!({ "StartAt": "Work", "States": {
        "Work": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
            "TimeoutSeconds": 1, "End": true } } });
    let outcome = Executor::new(resources)
        .start(machine(&definition), json!({}))
        .expect("starts")
        .run()
        .await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.Timeout"),
        "{outcome:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_loop_that_nests_its_results_fails_instead_of_overflowing_the_stack() {
    // Each turn puts the whole input one level further down (`ResultPath: $.last`): a few
    // thousand levels would overflow the stack while the history records them.
    let resources = Resources::new().register("work", |input: Value| async move { Ok(input) });
    let definition = json!({ "StartAt": "Work", "States": {
        "Work": { "Type": "Task", "Resource": LAMBDA, "ResultPath": "$.last", "Next": "Again" },
        "Again": { "Type": "Choice",
            "Choices": [{ "Variable": "$.stop", "IsPresent": true, "Next": "Done" }],
            "Default": "Work" },
        "Done": { "Type": "Succeed" } } });
    let outcome = virtual_executor(resources)
        .start(machine(&definition), json!({}))
        .expect("starts")
        .run()
        .await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.DataLimitExceeded"),
        "{:?}",
        outcome.cause
    );
}

#[test]
fn the_input_quota_measures_the_text_as_sent() {
    let definition =
        machine(&json!({ "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } }));
    let executor = Executor::new(Resources::new());
    let limit = workflow_runtime::limits::MAX_PAYLOAD_BYTES;

    // Padded with spaces past the quota, though its compact form is tiny: AWS refuses it.
    let padded = format!("{{\"a\": 1{}}}", " ".repeat(limit));
    let input = ExecutionInput::from_json(&padded).expect("JSON");
    assert!(workflow_runtime::limits::payload_size(input.value()) < 100);
    assert!(matches!(
        executor.start(definition.clone(), input),
        Err(StartError::InputTooLarge(size)) if size == padded.len()
    ));

    // `1e2` is three bytes as sent and `100.0` (five) once written out again: under the
    // quota as sent, over it re-serialised. AWS takes it.
    let numbers = format!("[{}1]", "1e2,".repeat(limit / 4 - 1));
    assert!(numbers.len() <= limit);
    let input = ExecutionInput::from_json(&numbers).expect("JSON");
    assert!(workflow_runtime::limits::payload_size(input.value()) > limit);
    assert!(executor.start(definition, input).is_ok());
}

/// One bad value read at run time: the state that reads it (through `$.v` of the input,
/// or `$states.input.v` in JSONata), the value (`None`: absent), and AWS's error and the
/// end of its cause.
struct Case {
    field: &'static str,
    state: Value,
    jsonata: bool,
    value: Option<Value>,
    error: &'static str,
    cause: &'static str,
}

fn case(field: &'static str, state: Value, value: Option<Value>, cause: &'static str) -> Case {
    Case {
        field,
        state,
        jsonata: false,
        value,
        error: "States.Runtime",
        cause,
    }
}

fn query(field: &'static str, state: Value, value: Option<Value>, cause: &'static str) -> Case {
    Case {
        field,
        state,
        jsonata: true,
        value,
        error: "States.QueryEvaluationError",
        cause,
    }
}

/// This runtime's cause for a path that selects nothing, where AWS's own wording for the
/// field is not recorded.
const MISSING: &str = "Invalid path '$.v' : No results for path: $['v']";

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:work";

fn wait(field: &str, value: &str) -> Value {
    json!({ "Type": "Wait", field: value, "End": true })
}

fn task(field: &str, value: Value) -> Value {
    json!({ "Type": "Task", "Resource": LAMBDA, field: value, "End": true })
}

fn inline_map(field: &str, value: Value) -> Value {
    json!({ "Type": "Map", "ItemsPath": "$.items", field: value, "End": true,
        "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } })
}

fn distributed_map(field: &str, value: Value) -> Value {
    json!({ "Type": "Map", "ItemsPath": "$.items", field: value, "End": true,
        "ItemProcessor": {
            "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
            "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } })
}

fn cases() -> Vec<Case> {
    let seconds = || wait("SecondsPath", "$.v");
    let timestamp = || wait("TimestampPath", "$.v");
    let timeout = || task("TimeoutSecondsPath", json!("$.v"));
    let heartbeat = || task("HeartbeatSecondsPath", json!("$.v"));
    let concurrency = || inline_map("MaxConcurrencyPath", json!("$.v"));
    let count = || distributed_map("ToleratedFailureCountPath", json!("$.v"));
    let percentage = || distributed_map("ToleratedFailurePercentagePath", json!("$.v"));
    let items = || {
        json!({ "Type": "Map", "ItemsPath": "$.v", "End": true,
        "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } })
    };
    let expr = "{% $states.input.v %}";
    vec![
        case(
            "SecondsPath",
            seconds(),
            Some(json!(-1)),
            "The SecondsPath parameter references a negative value: $.v == -1",
        ),
        case(
            "SecondsPath",
            seconds(),
            Some(json!(1.5)),
            "The SecondsPath parameter cannot be parsed as a long value: $.v == 1.5",
        ),
        case(
            "SecondsPath",
            seconds(),
            Some(json!(u64::MAX)),
            "The SecondsPath parameter cannot be parsed as a long value: $.v == 18446744073709551615",
        ),
        case(
            "SecondsPath",
            seconds(),
            Some(json!(true)),
            "The SecondsPath parameter cannot be parsed as a long value: $.v == true",
        ),
        case(
            "SecondsPath",
            seconds(),
            None,
            "The SecondsPath parameter does not reference an input value: $.v",
        ),
        case(
            "TimestampPath",
            timestamp(),
            Some(json!(5)),
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.v == 5",
        ),
        case(
            "TimestampPath",
            timestamp(),
            Some(json!("2016-13-05T21:29:29Z")),
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.v == 2016-13-05T21:29:29Z",
        ),
        case(
            "TimestampPath",
            timestamp(),
            None,
            "The TimestampPath parameter does not reference an input value: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            Some(json!(-1)),
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            Some(json!(0)),
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            Some(json!(1.5)),
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            Some(json!(100_000_000)),
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            Some(json!("5")),
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "TimeoutSecondsPath",
            timeout(),
            None,
            "The TimeoutSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "HeartbeatSecondsPath",
            heartbeat(),
            Some(json!(-1)),
            "The HeartbeatSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "HeartbeatSecondsPath",
            heartbeat(),
            Some(json!(2.5)),
            "The HeartbeatSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "HeartbeatSecondsPath",
            heartbeat(),
            Some(json!(100_000_000)),
            "The HeartbeatSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "HeartbeatSecondsPath",
            heartbeat(),
            Some(json!({})),
            "The HeartbeatSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "HeartbeatSecondsPath",
            heartbeat(),
            None,
            "The HeartbeatSecondsPath parameter does not reference a positive integer: $.v",
        ),
        case(
            "MaxConcurrencyPath",
            concurrency(),
            Some(json!(-1)),
            "Expected non-negative integer for MaxConcurrency, got '-1' instead.",
        ),
        case(
            "MaxConcurrencyPath",
            concurrency(),
            Some(json!(1.5)),
            "The MaxConcurrencyPath field refers to value \"1.5\" which is not a valid integer: $.v",
        ),
        case(
            "MaxConcurrencyPath",
            concurrency(),
            Some(json!(1e20)),
            "The MaxConcurrencyPath field refers to value \"1e+20\" which is not a valid integer: $.v",
        ),
        case(
            "MaxConcurrencyPath",
            concurrency(),
            Some(json!("NoNumber")),
            "The MaxConcurrencyPath field refers to value \"NoNumber\" which is not a valid integer: $.v",
        ),
        case("MaxConcurrencyPath", concurrency(), None, MISSING),
        case(
            "ToleratedFailureCountPath",
            count(),
            Some(json!(-1)),
            "ToleratedFailureCount cannot be negative.",
        ),
        case(
            "ToleratedFailureCountPath",
            count(),
            Some(json!(1.5)),
            "The ToleratedFailureCountPath field refers to value \"1.5\" which is not a valid integer: $.v",
        ),
        case(
            "ToleratedFailureCountPath",
            count(),
            Some(json!({})),
            "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: $.v",
        ),
        case("ToleratedFailureCountPath", count(), None, MISSING),
        case(
            "ToleratedFailurePercentagePath",
            percentage(),
            Some(json!(-1)),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        case(
            "ToleratedFailurePercentagePath",
            percentage(),
            Some(json!(100.5)),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        case(
            "ToleratedFailurePercentagePath",
            percentage(),
            Some(json!("NoNumber")),
            "The ToleratedFailurePercentagePath field refers to value \"NoNumber\" which is not a valid float: $.v",
        ),
        case(
            "ToleratedFailurePercentagePath",
            percentage(),
            None,
            MISSING,
        ),
        case(
            "ItemsPath",
            items(),
            Some(json!({ "a": 1 })),
            "Reference path \"$.v\" must point to array.",
        ),
        case(
            "ItemsPath",
            items(),
            Some(json!(3)),
            "Reference path \"$.v\" must point to array.",
        ),
        case("ItemsPath", items(), None, MISSING),
        query(
            "Seconds",
            json!({ "Type": "Wait", "Seconds": expr, "End": true }),
            Some(json!(-1)),
            "The Seconds field references a negative value: -1",
        ),
        query(
            "Seconds",
            json!({ "Type": "Wait", "Seconds": expr, "End": true }),
            Some(json!(1.5)),
            "The Seconds field cannot be parsed as a long value: 1.5",
        ),
        query(
            "Seconds",
            json!({ "Type": "Wait", "Seconds": expr, "End": true }),
            Some(json!("x")),
            "Expected 'number', but was 'string' for value: \"x\"",
        ),
        query(
            "Seconds",
            json!({ "Type": "Wait", "Seconds": expr, "End": true }),
            None,
            "returned nothing (undefined).",
        ),
        query(
            "Timestamp",
            json!({ "Type": "Wait", "Timestamp": expr, "End": true }),
            Some(json!("05-12-2016T21:29:29Z")),
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 05-12-2016T21:29:29Z",
        ),
        query(
            "TimeoutSeconds",
            task("TimeoutSeconds", json!(expr)),
            Some(json!(0)),
            "Expected 'positive integer', but was '0'",
        ),
        query(
            "TimeoutSeconds",
            task("TimeoutSeconds", json!(expr)),
            Some(json!(-3)),
            "Expected 'positive integer', but was '-3'",
        ),
        query(
            "TimeoutSeconds",
            task("TimeoutSeconds", json!(expr)),
            Some(json!(100_000_000)),
            "Expected 'positive integer', but was '100000000'",
        ),
        query(
            "HeartbeatSeconds",
            task("HeartbeatSeconds", json!(expr)),
            Some(json!(1.5)),
            "Expected 'positive integer', but was '1.5'",
        ),
        query(
            "MaxConcurrency",
            inline_map("MaxConcurrency", json!(expr)),
            Some(json!(-1)),
            "Expected 'non-negative integer', but was '-1'",
        ),
        query(
            "ToleratedFailureCount",
            distributed_map("ToleratedFailureCount", json!(expr)),
            Some(json!(2.5)),
            "Expected 'non-negative integer', but was '2.5'",
        ),
        query(
            "Items",
            json!({ "Type": "Map", "Items": expr, "End": true,
            "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } }),
            Some(json!(1)),
            "Expected 'array', but was 'number' for value: 1",
        ),
    ]
}

#[tokio::test(start_paused = true)]
async fn values_read_at_run_time_are_checked_as_aws_checks_them() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut definition = json!({ "StartAt": "S", "States": { "S": case.state } });
        if case.jsonata {
            definition["QueryLanguage"] = json!("JSONata");
            let state = &mut definition["States"]["S"];
            if let Some(map) = state.as_object_mut()
                && map.remove("ItemsPath").is_some()
            {
                map.insert("Items".into(), json!("{% $states.input.items %}"));
            }
        }
        let mut input = json!({ "items": [1, 2] });
        if let Some(value) = &case.value {
            input["v"] = value.clone();
        }
        let resources = Resources::new().register("work", Mock::new().returns(json!({})));
        let outcome = virtual_executor(resources)
            .start(machine(&definition), input)
            .expect("starts")
            .run()
            .await;
        let prefix = "An error occurred while executing the state 'S' (entered at the event id #";
        let cause = outcome.cause.clone().unwrap_or_default();
        let ok = outcome.status == Status::Failed
            && outcome.error.as_deref() == Some(case.error)
            && cause.starts_with(prefix)
            && cause.ends_with(case.cause);
        if !ok {
            failures.push(format!(
                "{} = {:?}: {:?} {:?} {cause}",
                case.field, case.value, outcome.status, outcome.error
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
