use std::time::Duration;

use serde_json::Value;
use workflow_core::model::{IntOrExpr, Wait, WaitFor};
use workflow_core::path::Path;
use workflow_core::timestamp::Timestamp;

use crate::error::Failure;
use crate::executor::{Interpreter, StateRun, next_of};
use crate::io::Scope;

impl Interpreter<'_> {
    /// Wait: `InputPath`, then sleep for `Seconds` or until `Timestamp` (read directly or
    /// through a path from the effective input), then `OutputPath`. A timestamp in the past
    /// does not wait at all.
    pub(crate) async fn run_wait(
        &self,
        run: &StateRun<'_>,
        wait: &Wait,
        input: Value,
    ) -> Result<(Value, Option<String>), Failure> {
        let context = self.context(run, None);
        let scope = Scope {
            state: run.name,
            entered: run.entered,
            context: &context,
        };
        let effective = scope.select(&wait.common.input_path, input)?;
        let now = self.now();
        let read = |path: &str| -> Result<Value, Failure> {
            let parsed =
                Path::parse(path).map_err(|e| Failure::runtime(run.name, run.entered, e))?;
            parsed.try_read(&effective).map_err(|e| {
                Failure::runtime(
                    run.name,
                    run.entered,
                    format!("Invalid path '{path}' : {e}"),
                )
            })
        };
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
        let left = until - now.unix_millis();
        if left > 0 {
            self.executor
                .clock
                .sleep(Duration::from_millis(left as u64))
                .await;
        }
        let output = scope.select(&wait.common.output_path, effective)?;
        Ok((output, next_of(&wait.transition)))
    }
}
