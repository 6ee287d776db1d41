use serde_json::Value;
use workflow_core::model::{IntOrExpr, Wait, WaitFor};
use workflow_core::timestamp::Timestamp;

use crate::error::Failure;
use crate::executor::{Exit, Interpreter, StateRun, next_of};
use crate::io::{Scope, States, Variables};

impl Interpreter<'_> {
    /// Wait: `InputPath`, then when to wake, from `Seconds` or `Timestamp` (read directly or
    /// through a path from the effective input, the context object or a variable), then
    /// `Assign` (reading the effective input as `$`) and `OutputPath`. Returns the state's
    /// exit and when it wakes (in milliseconds since the epoch), `None` for a time already
    /// past. The caller sleeps (`Flow::Sleep`): a top-level Wait is a durable point of the
    /// execution. `Assign` and the output read only the input, the variables and the context
    /// as the state was entered, none of which changes while it sleeps, so they are evaluated
    /// now.
    pub(crate) fn run_wait(
        &self,
        run: &StateRun<'_>,
        wait: &Wait,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<(Exit, Option<i64>), Failure> {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        if run.jsonata {
            return self.jsonata_wait(wait, input, &scope);
        }
        let effective = scope.select(&wait.common.input_path, input)?;
        run.inspect(|i| i.after_input_path = Some(effective.clone()));
        let now = self.now();
        let read = |path: &str| scope.read(path, &effective);
        let until = match &wait.wait_for {
            WaitFor::Seconds(IntOrExpr::Int(seconds)) => now.unix_millis() + *seconds as i64 * 1000,
            WaitFor::Seconds(IntOrExpr::Expr(_)) => {
                return Err(Failure::runtime(
                    run.name,
                    run.entered,
                    "JSONata expressions are not supported by this runtime yet",
                ));
            }
            WaitFor::Timestamp(text) => match Timestamp::parse(text) {
                Some(t) => t.unix_millis(),
                None => {
                    return Err(Failure::runtime(
                        run.name,
                        run.entered,
                        "JSONata expressions are not supported by this runtime yet",
                    ));
                }
            },
            WaitFor::SecondsPath(path) => {
                let value = read(path)?;
                // AWS reads a Java long: an integer; a fraction is an error, and a negative
                // number waits no time.
                match value.as_i64() {
                    Some(seconds) => now.unix_millis() + seconds.max(0) * 1000,
                    None => {
                        return Err(Failure::runtime(
                            run.name,
                            run.entered,
                            format!(
                                "The SecondsPath parameter cannot be parsed as a long value: {path} == {value}"
                            ),
                        ));
                    }
                }
            }
            WaitFor::TimestampPath(path) => {
                let value = read(path)?;
                match value.as_str().and_then(Timestamp::parse) {
                    Some(t) => t.unix_millis(),
                    None => {
                        let shown = value
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| value.to_string());
                        return Err(Failure::runtime(
                            run.name,
                            run.entered,
                            format!(
                                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}"
                            ),
                        ));
                    }
                }
            }
        };
        let assigned = scope.assign(&wait.common.assign, &effective)?;
        let output = scope.select(&wait.common.output_path, effective)?;
        let exit = Exit {
            output,
            next: next_of(&wait.transition),
            assigned,
        };
        Ok((exit, (until > now.unix_millis()).then_some(until)))
    }
}

impl Interpreter<'_> {
    /// A JSONata Wait: `Seconds` (a number, or an expression giving one) or `Timestamp` (a
    /// timestamp, or an expression giving one), then `Assign` and `Output` (default: the
    /// input).
    fn jsonata_wait(
        &self,
        wait: &Wait,
        input: Value,
        scope: &Scope<'_>,
    ) -> Result<(Exit, Option<i64>), Failure> {
        let states = States::input(&input);
        let now = self.now();
        let until = match &wait.wait_for {
            WaitFor::Seconds(IntOrExpr::Int(seconds)) => now.unix_millis() + *seconds as i64 * 1000,
            WaitFor::Seconds(IntOrExpr::Expr(text)) => {
                let value = scope.evaluate_typed(
                    "Seconds",
                    &Value::String(text.clone()),
                    states,
                    "number",
                )?;
                match value.as_i64() {
                    Some(seconds) => now.unix_millis() + seconds.max(0) * 1000,
                    None => {
                        return Err(scope.query_error(format!(
                            "The Seconds field cannot be parsed as a long value: {value}"
                        )));
                    }
                }
            }
            WaitFor::Timestamp(text) => {
                let value = scope.evaluate("Timestamp", &Value::String(text.clone()), states)?;
                match value.as_str().and_then(Timestamp::parse) {
                    Some(t) => t.unix_millis(),
                    None => {
                        let shown = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned);
                        return Err(scope.query_error(format!(
                            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}"
                        )));
                    }
                }
            }
            WaitFor::SecondsPath(_) | WaitFor::TimestampPath(_) => {
                return Err(scope.query_error("SecondsPath and TimestampPath are JSONPath fields."));
            }
        };
        let assigned = scope.assign_with(&wait.common.assign, &input, states)?;
        let output = scope.output(&wait.common.output, &input, states)?;
        let exit = Exit {
            output,
            next: next_of(&wait.transition),
            assigned,
        };
        Ok((exit, (until > now.unix_millis()).then_some(until)))
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
                json!({ "seen": "1", "when": "\"2024-01-01T00:00:00.000Z\"" })
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
            Timestamp::parse("2024-01-01T00:00:10Z").map(|t| t.unix_millis())
        );
        assert_eq!(
            stamp(events.len() - 1),
            Timestamp::parse("2024-01-01T00:01:00Z").map(|t| t.unix_millis())
        );
    }
}
