use serde_json::Value;
use workflow_core::model::{Parallel, StateMachine};

use crate::data_flow::{Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Interpreter, RunProgress, StateRun};
use crate::history::EventType;
use crate::states::fan_out::FanOut;
use crate::states::recovery::{Attempted, Recovered, Recovery};
use crate::states::result::{ResultFields, process_result};

impl Interpreter<'_> {
    /// Parallel: `InputPath` -> `Parameters` -> every branch at once on that input -> the
    /// array of their outputs, in branch order -> `ResultSelector` -> `Assign` (reading that
    /// array as `$`) -> `ResultPath` -> `OutputPath`. The first branch to fail stops the
    /// others and fails the state with its own error and cause ("Parallel workflow state",
    /// AWS docs), which `Retry` (a new run of every branch) and `Catch` handle as for a Task.
    ///
    /// Each branch runs in a variable scope of its own over the state's: it reads the outer
    /// variables, and what it assigns stays in it.
    pub(crate) async fn run_parallel(
        &self,
        run: &StateRun<'_>,
        parallel: &Parallel,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Recovered, Failure> {
        self.recover(
            run,
            Recovery {
                retriers: &parallel.retry,
                catchers: &parallel.catch,
                transition: &parallel.transition,
                gave_up: Some(EventType::ParallelStateFailed),
            },
            &input,
            variables,
            |retry_count| self.parallel_attempt(run, parallel, &input, retry_count, variables),
        )
        .await
    }

    /// One run of every branch, from the raw input to the output.
    async fn parallel_attempt(
        &self,
        run: &StateRun<'_>,
        parallel: &Parallel,
        input: &Value,
        retry_count: u32,
        variables: &Variables<'_>,
    ) -> Result<Attempted, Failure> {
        let context = self.context(run, Some(retry_count));
        let scope = Scope::new(run, &context, variables);
        let effective = if run.jsonata {
            // JSONata: `Arguments` (default: the input) is what every branch gets.
            match &parallel.arguments {
                Some(arguments) => scope.evaluate("Arguments", arguments, States::input(input))?,
                None => input.clone(),
            }
        } else {
            let effective = scope.input_path(run, &parallel.common.input_path, input.clone())?;
            match &parallel.parameters {
                Some(template) => scope.template(template, &effective)?,
                None => effective,
            }
        };
        run.inspect(|i| i.after_parameters = Some(effective.clone()));
        let fields = ResultFields {
            common: &parallel.common,
            result_selector: &parallel.result_selector,
            result_path: &parallel.result_path,
        };
        // TestState's mock stands in for the branches: their outputs, or their error.
        if let Some(mock) = run.mock() {
            return Ok(match mock.outcome() {
                Ok(outputs) => process_result(&scope, run, fields, input, outputs)?.into(),
                Err(failure) => Attempted::Failed(failure),
            });
        }
        self.event(EventType::ParallelStateStarted, Value::Null);
        let progress = self.run_progress(run, retry_count);
        let branches = self.run_branches(
            run,
            &parallel.branches,
            &effective,
            variables,
            progress.as_ref(),
        );
        let outputs = match branches.await {
            Ok(outputs) => outputs,
            Err(failure) => return Ok(Attempted::Failed(failure)),
        };
        self.event(EventType::ParallelStateSucceeded, Value::Null);
        let result = Value::Array(outputs);
        Ok(process_result(&scope, run, fields, input, result)?.into())
    }

    /// Runs the branches concurrently, each in a scope of its own over `variables`; their
    /// outputs in branch order, or the first failure. With `progress` (a durable
    /// execution's top-level Parallel), each finished branch is recorded, and one recorded
    /// before a restart does not run again.
    async fn run_branches(
        &self,
        run: &StateRun<'_>,
        branches: &[StateMachine],
        input: &Value,
        variables: &Variables<'_>,
        progress: Option<&RunProgress>,
    ) -> Result<Vec<Value>, Failure> {
        let mut outputs = vec![Value::Null; branches.len()];
        let mut fan = FanOut::new();
        // Jobs are numbered in push order; `pushed` maps a job back to its branch.
        let mut pushed = Vec::with_capacity(branches.len());
        for (index, branch) in branches.iter().enumerate() {
            if let Some(output) = progress.and_then(|p| p.done(index)) {
                outputs[index] = output;
                continue;
            }
            pushed.push(index);
            fan.push(self.run_machine(branch, input.clone(), Some(variables), run.inherited));
        }
        while let Some((job, result)) = fan.next().await {
            // Returning drops `fan`, and with it the branches still running.
            let output = result?;
            let index = pushed[job];
            if let Some(progress) = progress {
                progress.record(index, &output);
            }
            outputs[index] = output;
        }
        Ok(outputs)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use workflow_core::StateMachine;
    use workflow_core::timestamp::Timestamp;

    use crate::{Executor, Outcome, Resources, Status, VirtualClock};

    const START: &str = "2024-01-01T00:00:00Z";

    async fn run(definition: Value, input: Value) -> Outcome {
        let machine = StateMachine::from_json_str(&definition.to_string()).expect("valid");
        let start = Timestamp::parse(START).expect("timestamp");
        Executor::new(Resources::new())
            .with_clock(VirtualClock::new(start))
            .start(Arc::new(machine), input)
            .expect("starts")
            .run()
            .await
    }

    fn wait_then(seconds: u64, result: Value) -> Value {
        json!({
            "StartAt": "Wait",
            "States": {
                "Wait": { "Type": "Wait", "Seconds": seconds, "Next": "Done" },
                "Done": { "Type": "Pass", "Result": result, "End": true }
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn outputs_come_in_branch_order_not_finishing_order() {
        let outcome = run(
            json!({
                "StartAt": "P",
                "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                    wait_then(3, json!("first")),
                    wait_then(1, json!("second")),
                    { "StartAt": "Echo", "States": { "Echo": { "Type": "Pass", "End": true } } }
                ] } }
            }),
            json!({ "in": 1 }),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output,
            Some(json!(["first", "second", { "in": 1 }]))
        );
        let types = outcome.history.types();
        assert_eq!(types[1], "ParallelStateEntered");
        assert_eq!(types[2], "ParallelStateStarted");
        assert_eq!(types[types.len() - 3], "ParallelStateSucceeded");
        assert_eq!(types[types.len() - 2], "ParallelStateExited");
    }

    #[tokio::test(start_paused = true)]
    async fn branches_wait_at_the_same_time() {
        let outcome = run(
            json!({
                "StartAt": "P",
                "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                    wait_then(10, json!(1)),
                    wait_then(10, json!(2))
                ] } }
            }),
            json!({}),
        )
        .await;
        assert_eq!(outcome.output, Some(json!([1, 2])));
        let events = outcome.history.events();
        assert_eq!(events[0].timestamp.to_string(), "2024-01-01T00:00:00.000Z");
        // Two 10 s waits side by side take 10 s, not 20 (and a millisecond for each of the
        // three transitions on the way: into the Parallel, its Waits, their Passes).
        let last = events.last().expect("events");
        assert_eq!(last.timestamp.to_string(), "2024-01-01T00:00:10.003Z");
        let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
        assert_eq!(ids, (1..=events.len() as u64).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_branch_fails_the_state_and_stops_the_others() {
        let outcome = run(
            json!({
                "StartAt": "P",
                "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                    wait_then(60, json!("late")),
                    { "StartAt": "Boom", "States": {
                        "Boom": { "Type": "Fail", "Error": "Custom.Error", "Cause": "it broke" } } }
                ] } }
            }),
            json!({}),
        )
        .await;
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("Custom.Error"));
        assert_eq!(outcome.cause.as_deref(), Some("it broke"));
        let types = outcome.history.types();
        assert!(types.contains(&"ParallelStateFailed".to_owned()));
        // The waiting branch was stopped: it never left its Wait, and no time passed but the
        // transitions' (into the Parallel, into its branches' first states).
        assert!(!types.contains(&"WaitStateExited".to_owned()));
        let last = outcome.history.events().last().expect("events");
        assert_eq!(last.timestamp.to_string(), "2024-01-01T00:00:00.002Z");
    }

    #[tokio::test(start_paused = true)]
    async fn parameters_feed_every_branch_and_catch_handles_a_failure() {
        let outcome = run(
            json!({
                "StartAt": "P",
                "States": {
                    "P": { "Type": "Parallel", "Parameters": { "x.$": "$.a" }, "Branches": [
                        { "StartAt": "Fail", "States": {
                            "Fail": { "Type": "Fail", "Error": "E", "Cause": "C" } } }
                    ],
                    "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught" }],
                    "End": true },
                    "Caught": { "Type": "Pass", "End": true }
                }
            }),
            json!({ "a": 1 }),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output,
            Some(json!({ "a": 1, "error": { "Error": "E", "Cause": "C" } }))
        );
        let types = outcome.history.types();
        let failed = types.iter().position(|t| t == "ParallelStateFailed");
        let exited = types.iter().position(|t| t == "ParallelStateExited");
        assert!(failed.is_some() && failed < exited);
    }

    #[tokio::test(start_paused = true)]
    async fn branches_read_outer_variables_and_keep_their_own_to_themselves() {
        use crate::states::test_support;
        let definition = json!({
            "StartAt": "Init",
            "States": {
                "Init": { "Type": "Pass", "Assign": { "x": 1, "shared": "outer" }, "Next": "P" },
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        { "StartAt": "A1", "States": {
                            "A1": { "Type": "Pass", "Assign": { "shared": "a", "mine": "a" }, "Next": "A2" },
                            // B assigns `shared` while A waits: A still reads its own.
                            "A2": { "Type": "Wait", "Seconds": 1, "Next": "A3" },
                            "A3": { "Type": "Pass", "End": true,
                                "Parameters": { "x.$": "$x", "shared.$": "$shared", "mine.$": "$mine" } }
                        } },
                        { "StartAt": "B1", "States": {
                            "B1": { "Type": "Pass", "Assign": { "shared": "b" }, "Next": "B2" },
                            "B2": { "Type": "Pass", "End": true,
                                "Parameters": { "x.$": "$x", "shared.$": "$shared" } }
                        } }
                    ],
                    "Assign": { "outputs.$": "$" },
                    "Next": "After"
                },
                "After": { "Type": "Pass", "End": true,
                    "Parameters": { "shared.$": "$shared", "outputs.$": "$outputs" } }
            }
        });
        let outcome = test_support::run(definition.clone(), json!({})).await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        let branches = json!([{ "x": 1, "shared": "a", "mine": "a" }, { "x": 1, "shared": "b" }]);
        assert_eq!(
            outcome.output,
            Some(json!({ "shared": "outer", "outputs": branches }))
        );
        // What a branch assigned is gone once the Parallel state ends.
        let mut leaky = definition;
        leaky["States"]["After"]["Parameters"] = json!({ "mine.$": "$mine" });
        let outcome = test_support::run(leaky, json!({})).await;
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(
            outcome
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("'$mine'")),
            "{:?}",
            outcome.cause
        );
    }
}

#[cfg(test)]
mod jsonata_tests {
    use serde_json::json;

    use crate::Status;
    use crate::states::test_support::run;

    #[tokio::test(start_paused = true)]
    async fn jsonata_arguments_feed_the_branches_and_output_reads_the_result() {
        let branch = |name: &str| {
            json!({ "StartAt": name, "States": { name: {
                "Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": true } } })
        };
        let outcome = run(
            json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": {
                "Type": "Parallel",
                "Arguments": { "n": "{% $states.input.x + 1 %}" },
                "Branches": [branch("A"), branch("B")],
                "Output": { "sum": "{% $sum($states.result) %}", "in": "{% $states.input.x %}" },
                "End": true
            } } }),
            json!({ "x": 1 }),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(outcome.output, Some(json!({ "sum": 8, "in": 1 })));
    }
}
