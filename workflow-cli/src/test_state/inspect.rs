//! Reading a test run's history the way AWS's TestState answers: the status, the output or
//! the error, the next state, and the inspection data of the `DEBUG` level.

use serde_json::{Map, Value};
use workflow_core::timestamp::Timestamp;
use workflow_runtime::HistoryEvent;

use super::probe::{Run, pass_output};

/// TestState's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    /// The state finished.
    Succeeded,
    /// The state failed, and nothing handles the error.
    Failed,
    /// The state failed and a retrier would try it again.
    Retriable,
    /// The state failed and a catcher took over.
    CaughtError,
}

impl TestStatus {
    /// As AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// What the state did.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The status.
    pub status: TestStatus,
    /// The state output, compact JSON, when it moved on.
    pub output: Option<String>,
    /// The error name, when it failed.
    pub error: Option<String>,
    /// The cause, when it failed.
    pub cause: Option<String>,
    /// Where it went.
    pub next_state: Option<String>,
}

/// Which events begin and successfully end one attempt of a state's work, by state type:
/// a Task's calls, a Parallel's or Map's runs. Other states make no attempts.
struct Attempts {
    started: &'static [&'static str],
    succeeded: &'static [&'static str],
}

fn attempts(state_type: &str) -> Attempts {
    let (started, succeeded): (&'static [&'static str], &'static [&'static str]) = match state_type
    {
        "Task" => (
            &["TaskScheduled", "LambdaFunctionScheduled"],
            &["TaskSucceeded", "LambdaFunctionSucceeded"],
        ),
        "Parallel" => (&["ParallelStateStarted"], &["ParallelStateSucceeded"]),
        "Map" => (&["MapStateStarted"], &["MapStateSucceeded"]),
        _ => (&[], &[]),
    };
    Attempts { started, succeeded }
}

fn is(event: &HistoryEvent, types: &[&str]) -> bool {
    types.contains(&event.event_type.as_str().as_str())
}

fn text(event: &HistoryEvent, field: &str) -> Option<String> {
    event
        .detail(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The events of the tested state: from its entered event on.
fn events_of<'h>(run: &'h Run, state: &str) -> &'h [HistoryEvent] {
    let events = run.history.events();
    let entered = events
        .iter()
        .position(|e| {
            e.state_name() == Some(state) && e.event_type.as_str().ends_with("StateEntered")
        })
        .unwrap_or(0);
    &events[entered..]
}

/// The error and cause of the last event before `end` that carries an error.
fn error_before(events: &[HistoryEvent], end: usize) -> (Option<String>, Option<String>) {
    events[..end.min(events.len())]
        .iter()
        .rev()
        .find(|e| e.detail("error").is_some())
        .map_or((None, None), |e| {
            (text(e, "error"), text(e, "cause").filter(|c| !c.is_empty()))
        })
}

/// Reads the run of state `state` of type `state_type`.
pub fn verdict(run: &Run, state: &str, state_type: &str) -> Verdict {
    let events = events_of(run, state);
    let kind = attempts(state_type);
    let exited_type = format!("{state_type}StateExited");
    let failed = |status, (error, cause)| Verdict {
        status,
        output: None,
        error,
        cause,
        next_state: None,
    };
    // A second attempt: a retrier matched the error of the first.
    let starts: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| is(e, kind.started))
        .map(|(i, _)| i)
        .collect();
    if let Some(&second) = starts.get(1) {
        return failed(TestStatus::Retriable, error_before(events, second));
    }
    let exited = events
        .iter()
        .position(|e| e.event_type.as_str() == exited_type && e.state_name() == Some(state));
    let Some(exited) = exited else {
        let end = events
            .iter()
            .position(|e| e.event_type.as_str() == "ExecutionFailed")
            .map_or(events.len(), |i| i + 1);
        return failed(TestStatus::Failed, error_before(events, end));
    };
    let next_state = events[exited + 1..]
        .iter()
        .find(|e| e.event_type.as_str().ends_with("StateEntered"))
        .and_then(|e| e.state_name())
        .map(str::to_owned);
    // Moving on without the attempt succeeding: a catcher took the error.
    let caught = starts
        .last()
        .is_some_and(|&start| !events[start..exited].iter().any(|e| is(e, kind.succeeded)));
    let (error, cause) = if caught {
        error_before(events, exited)
    } else {
        (None, None)
    };
    Verdict {
        status: if caught {
            TestStatus::CaughtError
        } else {
            TestStatus::Succeeded
        },
        output: text(&events[exited], "output"),
        error,
        cause,
        next_state,
    }
}

/// The `DEBUG` inspection data: the input at each step of the state's input and output
/// processing. Steps the history records (the parameters a Task sent, the result it got)
/// come from it; the others are computed by running a Pass state that does only that step
/// through the same executor. `$$` differs there from the tested state's own (no
/// `RetryCount`), and JSONata states show only their input.
pub async fn inspection_data(
    run: &Run,
    name: &str,
    state: &Value,
    input: &Value,
    verdict: &Verdict,
    start: Timestamp,
) -> Map<String, Value> {
    let mut data = Map::new();
    let put = |data: &mut Map<String, Value>, key: &str, value: &Value| {
        data.insert(key.to_owned(), Value::String(compact(value)));
    };
    put(&mut data, "input", input);
    let state_type = state
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let jsonata = state.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    if jsonata || matches!(state_type, "Fail") {
        return data;
    }
    let field = |f: &str| state.get(f).map(|v| (f.to_owned(), v.clone()));
    let pass = |fields: Vec<Option<(String, Value)>>| {
        let mut pass = Map::new();
        pass.insert("Type".to_owned(), Value::from("Pass"));
        pass.extend(fields.into_iter().flatten());
        pass.insert("End".to_owned(), Value::Bool(true));
        Value::Object(pass)
    };
    let Some(after_input_path) =
        pass_output(name, pass(vec![field("InputPath")]), input.clone(), start).await
    else {
        return data;
    };
    put(&mut data, "afterInputPath", &after_input_path);
    if !matches!(state_type, "Task" | "Pass") {
        return data;
    }
    let events = events_of(run, name);
    let kind = attempts(state_type);
    let after_parameters = match state_type {
        "Task" => events
            .iter()
            .find(|e| is(e, kind.started))
            .and_then(|e| text(e, "parameters").or_else(|| text(e, "input")))
            .and_then(|t| serde_json::from_str(&t).ok()),
        _ => {
            pass_output(
                name,
                pass(vec![field("InputPath"), field("Parameters")]),
                input.clone(),
                start,
            )
            .await
        }
    };
    let Some(after_parameters) = after_parameters else {
        return data;
    };
    put(&mut data, "afterParameters", &after_parameters);
    if matches!(
        verdict.status,
        TestStatus::Failed | TestStatus::Retriable | TestStatus::CaughtError
    ) {
        return data;
    }
    let result = match state_type {
        "Task" => events
            .iter()
            .rev()
            .find(|e| is(e, kind.succeeded))
            .and_then(|e| text(e, "output"))
            .and_then(|t| serde_json::from_str(&t).ok()),
        _ => Some(state.get("Result").cloned().unwrap_or(after_parameters)),
    };
    let Some(result) = result else {
        return data;
    };
    put(&mut data, "result", &result);
    let selected = match (state_type, state.get("ResultSelector")) {
        ("Task", Some(selector)) => {
            let selector = pass(vec![Some(("Parameters".to_owned(), selector.clone()))]);
            pass_output(name, selector, result, start).await
        }
        _ => Some(result),
    };
    let Some(selected) = selected else {
        return data;
    };
    if state_type == "Task" {
        put(&mut data, "afterResultSelector", &selected);
    }
    let merge = pass(vec![
        Some(("Result".to_owned(), selected)),
        field("ResultPath"),
    ]);
    if let Some(after_result_path) = pass_output(name, merge, input.clone(), start).await {
        put(&mut data, "afterResultPath", &after_result_path);
    }
    data
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use workflow_runtime::{EventType, History};

    fn run(events: &[(EventType, Value)]) -> Run {
        let at = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let mut history = History::default();
        for (event_type, details) in events {
            history.push(*event_type, at, details.clone());
        }
        Run { history }
    }

    fn entered(name: &str) -> (EventType, Value) {
        (
            EventType::TaskStateEntered,
            json!({ "name": name, "input": "{}" }),
        )
    }

    #[test]
    fn a_second_attempt_is_retriable_with_the_first_error() {
        let run = run(&[
            (EventType::ExecutionStarted, json!({})),
            entered("T"),
            (EventType::TaskScheduled, json!({ "parameters": "{}" })),
            (
                EventType::TaskFailed,
                json!({ "error": "Busy", "cause": "later" }),
            ),
            (EventType::TaskScheduled, json!({ "parameters": "{}" })),
            (
                EventType::TaskFailed,
                json!({ "error": "States.Runtime", "cause": "gate" }),
            ),
        ]);
        let verdict = verdict(&run, "T", "Task");
        assert_eq!(verdict.status, TestStatus::Retriable);
        assert_eq!(verdict.error.as_deref(), Some("Busy"));
        assert_eq!(verdict.cause.as_deref(), Some("later"));
    }

    #[test]
    fn exiting_after_a_failed_attempt_is_a_caught_error() {
        let run = run(&[
            entered("T"),
            (EventType::TaskScheduled, json!({ "parameters": "{}" })),
            (
                EventType::TaskFailed,
                json!({ "error": "Bounced", "cause": "" }),
            ),
            (
                EventType::TaskStateExited,
                json!({ "name": "T", "output": "{\"e\":1}" }),
            ),
            (
                EventType::FailStateEntered,
                json!({ "name": "Oops", "input": "{}" }),
            ),
        ]);
        let verdict = verdict(&run, "T", "Task");
        assert_eq!(
            verdict,
            Verdict {
                status: TestStatus::CaughtError,
                output: Some("{\"e\":1}".to_owned()),
                error: Some("Bounced".to_owned()),
                cause: None,
                next_state: Some("Oops".to_owned()),
            }
        );
    }

    #[test]
    fn success_and_failure() {
        let ok = run(&[
            entered("T"),
            (EventType::TaskScheduled, json!({ "parameters": "{}" })),
            (EventType::TaskSucceeded, json!({ "output": "1" })),
            (
                EventType::TaskStateExited,
                json!({ "name": "T", "output": "1" }),
            ),
            (EventType::ExecutionSucceeded, json!({ "output": "1" })),
        ]);
        let verdict = verdict(&ok, "T", "Task");
        assert_eq!(
            (verdict.status, verdict.next_state),
            (TestStatus::Succeeded, None)
        );
        let failed = run(&[
            entered("T"),
            (
                EventType::ExecutionFailed,
                json!({ "error": "States.Runtime", "cause": "no path" }),
            ),
        ]);
        let verdict = self::verdict(&failed, "T", "Task");
        assert_eq!(verdict.status, TestStatus::Failed);
        assert_eq!(verdict.error.as_deref(), Some("States.Runtime"));
    }
}
