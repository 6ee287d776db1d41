use serde_json::Value;
use workflow_core::model::{IntOrExpr, Wait, WaitFor};
use workflow_core::timestamp::Timestamp;

use crate::data_flow::{Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Exit, Interpreter, StateRun, next_of};

impl Interpreter<'_> {
    /// Wait: when to wake, from `Seconds` or `Timestamp` (a literal; in JSONPath, read
    /// through a path from the effective input, the context object or a variable; in
    /// JSONata, an expression), then `Assign` and the output. In JSONPath, `InputPath` comes
    /// first and `OutputPath` last; `Assign` reads the effective input as `$`. In JSONata,
    /// `Output` gives the output (default: the input). Returns the state's exit and when it
    /// wakes (in milliseconds since the epoch), `None` for a time already past. The caller
    /// sleeps (`Flow::Sleep`): a top-level Wait is a durable point of the execution.
    /// `Assign` and the output read only the input, the variables and the context as the
    /// state was entered, none of which changes while it sleeps, so they are evaluated now.
    pub(crate) fn run_wait(
        &self,
        run: &StateRun<'_>,
        wait: &Wait,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<(Exit, Option<i64>), Failure> {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        let effective = if run.jsonata {
            input
        } else {
            scope.input_path(run, &wait.common.input_path, input)?
        };
        let states = States::input(&effective);
        let now = self.now().unix_millis();
        let until = wake_time(&wait.wait_for, now, &scope, &effective, states)?;
        let (assigned, output) = if run.jsonata {
            let assigned = scope.assign_with(&wait.common.assign, &effective, states)?;
            (
                assigned,
                scope.output(&wait.common.output, &effective, states)?,
            )
        } else {
            let assigned = scope.assign(&wait.common.assign, &effective)?;
            (assigned, scope.select(&wait.common.output_path, effective)?)
        };
        let exit = Exit {
            output,
            next: next_of(&wait.transition),
            assigned,
        };
        Ok((exit, (until > now).then_some(until)))
    }
}

/// When a Wait wakes (milliseconds since the epoch), from whichever of its four fields it
/// has. The query languages differ only in where a value comes from (a path in JSONPath, an
/// expression in JSONata) and in how a bad one fails (`States.Runtime` quoting the path,
/// `States.QueryEvaluationError` quoting the value, as AWS words each).
fn wake_time(
    wait_for: &WaitFor,
    now: i64,
    scope: &Scope<'_>,
    effective: &Value,
    states: States<'_>,
) -> Result<i64, Failure> {
    // AWS reads a Java long: an integer; a fraction, a string or a number past the long's
    // range is an error, and so is a negative number. A long's worth of seconds is a wait
    // AWS accepts (the execution times out first); it saturates instead of overflowing.
    enum Seconds {
        After(i64),
        Negative,
        NotLong,
    }
    let seconds = |value: &Value| match value.as_i64() {
        Some(seconds) if seconds < 0 => Seconds::Negative,
        Some(seconds) => Seconds::After(now.saturating_add(seconds.saturating_mul(1000))),
        None => Seconds::NotLong,
    };
    let at = |value: &Value| {
        value
            .as_str()
            .and_then(Timestamp::parse)
            .map(|t| t.unix_millis())
    };
    let shown = |value: &Value| {
        value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned)
    };
    // A path that selects nothing is AWS's "does not reference an input value".
    let read = |field: &str, path: &str| {
        scope.read(path, effective).map_err(|_| {
            scope.runtime(format!(
                "The {field} parameter does not reference an input value: {path}"
            ))
        })
    };
    match wait_for {
        WaitFor::Seconds(IntOrExpr::Int(seconds)) => {
            Ok(now.saturating_add((*seconds as i64).saturating_mul(1000)))
        }
        WaitFor::Seconds(IntOrExpr::Expr(text)) if scope.jsonata => {
            let field = Value::String(text.clone());
            let value = scope.evaluate_typed("Seconds", &field, states, "number")?;
            match seconds(&value) {
                Seconds::After(until) => Ok(until),
                Seconds::Negative => Err(scope.query_error(format!(
                    "The Seconds field references a negative value: {value}"
                ))),
                Seconds::NotLong => Err(scope.query_error(format!(
                    "The Seconds field cannot be parsed as a long value: {value}"
                ))),
            }
        }
        WaitFor::Timestamp(text) if scope.jsonata => {
            let value = scope.evaluate("Timestamp", &Value::String(text.clone()), states)?;
            at(&value).ok_or_else(|| {
                scope.query_error(format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                    shown(&value)
                ))
            })
        }
        WaitFor::Timestamp(text) => Timestamp::parse(text)
            .map(|t| t.unix_millis())
            .ok_or_else(|| {
                scope.runtime(format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                ))
            }),
        // The validator rejects an expression in a JSONPath state; never panic on one.
        WaitFor::Seconds(IntOrExpr::Expr(text)) => Err(scope.runtime(format!(
            "The Seconds field '{text}' is a JSONata expression, which a JSONPath state does not evaluate"
        ))),
        WaitFor::SecondsPath(_) | WaitFor::TimestampPath(_) if scope.jsonata => {
            Err(scope.query_error("SecondsPath and TimestampPath are JSONPath fields."))
        }
        WaitFor::SecondsPath(path) => {
            let value = read("SecondsPath", path)?;
            match seconds(&value) {
                Seconds::After(until) => Ok(until),
                Seconds::Negative => Err(scope.runtime(format!(
                    "The SecondsPath parameter references a negative value: {path} == {value}"
                ))),
                Seconds::NotLong => Err(scope.runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {path} == {value}"
                ))),
            }
        }
        WaitFor::TimestampPath(path) => {
            let value = read("TimestampPath", path)?;
            at(&value).ok_or_else(|| {
                scope.runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {}",
                    shown(&value)
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use workflow_core::timestamp::Timestamp;

    use crate::Status;
    use crate::states::test_support::{assigned, run};

    #[tokio::test(start_paused = true)]
    async fn waits_for_variables_and_assigns_from_the_effective_input() {
        let definition = json!({ "StartAt": "Init", "States": {
            "Init": { "Type": "Pass", "Next": "Sleep",
                "Assign": { "delay": 10, "until": "2024-01-01T00:01:00Z" } },
            "Sleep": { "Type": "Wait", "SecondsPath": "$delay", "Next": "Until",
                "InputPath": "$.payload", "Assign": { "seen.$": "$.n", "when.$": "$$.State.EnteredTime" } },
            "Until": { "Type": "Wait", "TimestampPath": "$until", "End": true }
        } });
        let outcome = run(definition, json!({ "payload": { "n": 1 } })).await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(outcome.output, Some(json!({ "n": 1 })));
        assert_eq!(
            assigned(&outcome)[1],
            (
                "Sleep".to_owned(),
                // Entered after two transitions, a millisecond each (`VirtualClock`).
                json!({ "seen": "1", "when": "\"2024-01-01T00:00:00.002Z\"" })
            )
        );
        let events = outcome.history.events();
        let stamp = |i: usize| Some(events[i].timestamp.unix_millis());
        let sleep_exit = events
            .iter()
            .position(|e| e.event_type.as_str() == "WaitStateExited")
            .unwrap_or_default();
        assert_eq!(
            stamp(sleep_exit),
            Timestamp::parse("2024-01-01T00:00:10.002Z").map(|t| t.unix_millis())
        );
        assert_eq!(
            stamp(events.len() - 1),
            Timestamp::parse("2024-01-01T00:01:00Z").map(|t| t.unix_millis())
        );
    }
}
