use super::StateAt;
use crate::diagnostic::{Diagnostics, Pointer, field};
use crate::model::{IntOrExpr, Retrier, StateKind, Task, WaitFor};

/// The largest value AWS accepts for `TimeoutSeconds`, `IntervalSeconds`, `MaxAttempts`
/// and Wait `Seconds`.
pub const MAX_SECONDS: u64 = 99_999_999;
/// The largest `MaxDelaySeconds` AWS accepts (one year and a day, exclusive).
pub const MAX_DELAY_SECONDS: u64 = 31_622_400;

fn out_of_range(
    cx: &Diagnostics,
    at: Pointer,
    name: &str,
    expected: &str,
    found: impl std::fmt::Display,
) {
    cx.schema(
        &at,
        format!("{} must be {expected}, found {found}", field(name)),
    );
}

/// Numbers must lie in the ranges AWS documents for them ("Handling errors in Step
/// Functions workflows", "Task workflow state"): a retrier that never waits, a backoff that
/// shrinks, or a heartbeat longer than the timeout is a definition AWS rejects.
pub fn check_numbers(s: &StateAt, cx: &Diagnostics) {
    for (i, retrier) in s.state.kind.retriers().iter().enumerate() {
        check_retrier(retrier, s.field("Retry").index(i), cx);
    }
    match &s.state.kind {
        StateKind::Task(task) => check_task_timeouts(task, s, cx),
        StateKind::Wait(wait) => {
            if let WaitFor::Seconds(IntOrExpr::Int(n)) = wait.wait_for
                && n > MAX_SECONDS
            {
                out_of_range(
                    cx,
                    s.field("Seconds"),
                    "Seconds",
                    &format!("at most {MAX_SECONDS}"),
                    n,
                );
            }
        }
        StateKind::Map(map) => {
            if let Some(p) = &map.tolerated_failure_percentage
                && !p.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p))
                && !p.as_str().is_some_and(crate::parse::is_jsonata)
            {
                out_of_range(
                    cx,
                    s.field("ToleratedFailurePercentage"),
                    "ToleratedFailurePercentage",
                    "a number from 0 to 100",
                    p,
                );
            }
            for (plain, path) in [
                (
                    "MaxConcurrency",
                    map.max_concurrency.is_some() && map.max_concurrency_path.is_some(),
                ),
                (
                    "ToleratedFailureCount",
                    map.tolerated_failure_count.is_some()
                        && map.tolerated_failure_count_path.is_some(),
                ),
                (
                    "ToleratedFailurePercentage",
                    map.tolerated_failure_percentage.is_some()
                        && map.tolerated_failure_percentage_path.is_some(),
                ),
            ] {
                if path {
                    both(cx, s, plain);
                }
            }
        }
        _ => {}
    }
}

fn both(cx: &Diagnostics, s: &StateAt, plain: &str) {
    let path = format!("{plain}Path");
    cx.schema(
        &s.field(&path),
        format!("a state has {} or {}, not both", field(plain), field(&path)),
    );
}

fn check_retrier(r: &Retrier, at: Pointer, cx: &Diagnostics) {
    if let Some(n) = r.interval_seconds
        && !(1..=MAX_SECONDS).contains(&n)
    {
        out_of_range(
            cx,
            at.key("IntervalSeconds"),
            "IntervalSeconds",
            &format!("from 1 to {MAX_SECONDS}"),
            n,
        );
    }
    if let Some(n) = r.max_attempts
        && n > MAX_SECONDS
    {
        out_of_range(
            cx,
            at.key("MaxAttempts"),
            "MaxAttempts",
            &format!("from 0 to {MAX_SECONDS}"),
            n,
        );
    }
    if let Some(rate) = r.backoff_rate
        && rate < 1.0
    {
        out_of_range(
            cx,
            at.key("BackoffRate"),
            "BackoffRate",
            "at least 1.0",
            rate,
        );
    }
    if let Some(n) = r.max_delay_seconds
        && !(1..=MAX_DELAY_SECONDS).contains(&n)
    {
        out_of_range(
            cx,
            at.key("MaxDelaySeconds"),
            "MaxDelaySeconds",
            &format!("from 1 to {MAX_DELAY_SECONDS}"),
            n,
        );
    }
}

fn check_task_timeouts(task: &Task, s: &StateAt, cx: &Diagnostics) {
    if task.timeout_seconds.is_some() && task.timeout_seconds_path.is_some() {
        both(cx, s, "TimeoutSeconds");
    }
    if task.heartbeat_seconds.is_some() && task.heartbeat_seconds_path.is_some() {
        both(cx, s, "HeartbeatSeconds");
    }
    let timeout = match task.timeout_seconds {
        Some(IntOrExpr::Int(n)) => {
            if !(1..=MAX_SECONDS).contains(&n) {
                out_of_range(
                    cx,
                    s.field("TimeoutSeconds"),
                    "TimeoutSeconds",
                    &format!("from 1 to {MAX_SECONDS}"),
                    n,
                );
            }
            Some(n)
        }
        Some(IntOrExpr::Expr(_)) => None,
        None if task.timeout_seconds_path.is_none() => Some(Task::DEFAULT_TIMEOUT_SECONDS),
        None => None,
    };
    if let Some(IntOrExpr::Int(heartbeat)) = task.heartbeat_seconds {
        if heartbeat == 0 {
            out_of_range(
                cx,
                s.field("HeartbeatSeconds"),
                "HeartbeatSeconds",
                "at least 1",
                heartbeat,
            );
        } else if let Some(timeout) = timeout
            && heartbeat >= timeout
        {
            cx.schema(
                &s.field("HeartbeatSeconds"),
                format!(
                    "{} ({heartbeat}) must be less than {} ({timeout})",
                    field("HeartbeatSeconds"),
                    field("TimeoutSeconds")
                ),
            );
        }
    }
}

/// The state machine's own `TimeoutSeconds`.
pub fn check_machine_timeout(timeout: u64, cx: &Diagnostics) {
    if !(1..=MAX_SECONDS).contains(&timeout) {
        out_of_range(
            cx,
            Pointer::root().key("TimeoutSeconds"),
            "TimeoutSeconds",
            &format!("from 1 to {MAX_SECONDS}"),
            timeout,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    fn task(extra: serde_json::Value) -> serde_json::Value {
        let mut state = json!({ "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true });
        state
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "StartAt": "T", "States": { "T": state } })
    }

    #[test]
    fn retrier_numbers_are_range_checked() {
        let found = diagnose(task(json!({ "Retry": [{
            "ErrorEquals": ["States.ALL"], "IntervalSeconds": 0, "BackoffRate": 0.5, "MaxDelaySeconds": 0
        }] })));
        let pointers: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/States/T/Retry/0/IntervalSeconds",
                "/States/T/Retry/0/BackoffRate",
                "/States/T/Retry/0/MaxDelaySeconds"
            ]
        );
        assert!(
            found
                .iter()
                .all(|(c, _)| *c == Code::SchemaValidationFailed)
        );
    }

    #[test]
    fn negative_max_attempts_is_a_type_error() {
        let found = diagnose(task(
            json!({ "Retry": [{ "ErrorEquals": ["States.ALL"], "MaxAttempts": -1 }] }),
        ));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/T/Retry/0/MaxAttempts".to_owned()
            )]
        );
    }

    #[test]
    fn heartbeat_must_be_below_timeout() {
        let found = diagnose(task(
            json!({ "TimeoutSeconds": 10, "HeartbeatSeconds": 10 }),
        ));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/T/HeartbeatSeconds".to_owned()
            )]
        );
        assert!(diagnose(task(json!({ "TimeoutSeconds": 10, "HeartbeatSeconds": 9 }))).is_empty());
        let zero = diagnose(task(json!({ "TimeoutSeconds": 0 })));
        assert_eq!(
            zero,
            vec![(
                Code::SchemaValidationFailed,
                "/States/T/TimeoutSeconds".to_owned()
            )]
        );
    }
}
