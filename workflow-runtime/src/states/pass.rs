use serde_json::Value;
use workflow_core::model::Pass;

use crate::data_flow::{Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Exit, Interpreter, StateRun, next_of};

impl Interpreter<'_> {
    /// Pass: `InputPath` -> `Parameters` -> `Result` (instead of the input) -> `Assign` ->
    /// `ResultPath` -> `OutputPath`. `Assign` reads the state's result as `$`: `Result`, or
    /// else the effective input after `Parameters` (the recorded cases
    /// `assign_from_value_base_assign_from_result` and `..._from_parameters`).
    pub(crate) fn run_pass(
        &self,
        run: &StateRun<'_>,
        pass: &Pass,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Exit, Failure> {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        if run.jsonata {
            let states = States::input(&input);
            let assigned = scope.assign_with(&pass.common.assign, &input, states)?;
            let output = scope.output(&pass.common.output, &input, states)?;
            return Ok(Exit {
                output,
                next: next_of(&pass.transition),
                assigned,
            });
        }
        // The raw input is read again only where `ResultPath` puts the result inside it.
        let raw = pass.result_path.is_some().then(|| input.clone());
        let effective = scope.input_path(run, &pass.common.input_path, input)?;
        let effective = match &pass.parameters {
            Some(template) => scope.template(template, &effective)?,
            None => effective,
        };
        run.inspect(|i| i.after_parameters = Some(effective.clone()));
        let result = pass.result.clone().unwrap_or(effective);
        run.inspect(|i| i.result = Some(result.clone()));
        let assigned = scope.assign(&pass.common.assign, &result)?;
        let output = match raw {
            Some(raw) => scope.merge(&pass.result_path, raw, result)?,
            None => result,
        };
        run.inspect(|i| i.after_result_path = Some(output.clone()));
        let output = scope.select(&pass.common.output_path, output)?;
        Ok(Exit {
            output,
            next: next_of(&pass.transition),
            assigned,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::Status;
    use crate::states::test_support::{assigned, run};

    fn pass_then(first: Value, second: Value) -> Value {
        let mut first = first;
        first["Type"] = json!("Pass");
        first["Next"] = json!("Second");
        let mut second = second;
        second["Type"] = json!("Pass");
        second["End"] = json!(true);
        json!({ "StartAt": "First", "States": { "First": first, "Second": second } })
    }

    #[tokio::test(start_paused = true)]
    async fn one_assign_reads_the_values_the_state_was_entered_with() {
        // `b` and `c` read `a` as it was before this Assign, not the 2 written beside them,
        // and so does OutputPath: variables are written when the state ends.
        let outcome = run(
            pass_then(
                json!({ "Assign": { "a": 1 } }),
                json!({
                    "Assign": { "a": 2, "b.$": "$a", "c.$": "States.MathAdd($a, 10)" },
                    "OutputPath": "$a"
                }),
            ),
            json!({}),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(outcome.output, Some(json!(1)));
        assert_eq!(
            assigned(&outcome),
            [
                ("First".to_owned(), json!({ "a": "1" })),
                (
                    "Second".to_owned(),
                    json!({ "a": "2", "b": "1", "c": "11" })
                ),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn assign_reads_the_result_the_context_and_templates() {
        let outcome = run(
            pass_then(
                json!({
                    "Result": { "answer": 42 },
                    "ResultPath": "$.r",
                    "Assign": {
                        "fromResult.$": "$.answer",
                        "state.$": "$$.State.Name",
                        "nested": { "copy.$": "$.answer", "literal": "$.answer" }
                    }
                }),
                json!({ "Parameters": { "all.$": "$nested", "state.$": "$state" } }),
            ),
            json!({ "in": true }),
        )
        .await;
        assert_eq!(
            outcome.output,
            Some(json!({ "all": { "copy": 42, "literal": "$.answer" }, "state": "First" }))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_undefined_variable_fails_the_state() {
        let outcome = run(
            pass_then(
                json!({ "Assign": { "x": { "a": 1 } } }),
                json!({ "Parameters": { "v.$": "$y.a" } }),
            ),
            json!({}),
        )
        .await;
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            outcome.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'Second' (entered at the event id #4). The variable '$y' referenced by the JSONPath '$y.a' is not defined."
            )
        );
        // A defined variable with a missing member is a missing path, as in the input.
        let outcome = run(
            pass_then(
                json!({ "Assign": { "x": { "a": 1 } } }),
                json!({ "InputPath": "$x.b" }),
            ),
            json!({}),
        )
        .await;
        assert_eq!(
            outcome.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'Second' (entered at the event id #4). Invalid path '$x.b' : No results for path: $['b']"
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_assign_records_nothing() {
        let outcome = run(pass_then(json!({ "Assign": {} }), json!({})), json!({})).await;
        assert_eq!(outcome.status, Status::Succeeded);
        assert!(assigned(&outcome).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_variable_over_256_kib_fails_the_state() {
        let big = "a".repeat(256 * 1024);
        let outcome = run(
            pass_then(
                json!({ "Result": big, "Assign": { "big.$": "$" } }),
                json!({}),
            ),
            json!({}),
        )
        .await;
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(
            outcome
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("'$big' is 262146 bytes")),
            "{:?}",
            outcome.cause
        );
        let half = "a".repeat(150 * 1024);
        let outcome = run(
            pass_then(
                json!({ "Result": half, "Assign": { "a.$": "$", "b.$": "$" } }),
                json!({}),
            ),
            json!({}),
        )
        .await;
        assert!(
            outcome
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("one Assign can set")),
            "{:?}",
            outcome.cause
        );
    }

    #[tokio::test(start_paused = true)]
    async fn jsonata_assignments_and_output_are_evaluated() {
        let definition = |value: Value| {
            json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": {
                "P": { "Type": "Pass", "Assign": { "x": value }, "End": true }
            } })
        };
        let literal = run(definition(json!({ "k.$": "$.a" })), json!({})).await;
        assert_eq!(
            assigned(&literal),
            [("P".to_owned(), json!({ "x": "{\"k.$\":\"$.a\"}" }))]
        );
        let expression = run(
            definition(json!("{% $states.input.a + 1 %}")),
            json!({ "a": 1 }),
        )
        .await;
        assert_eq!(
            assigned(&expression),
            [("P".to_owned(), json!({ "x": "2" }))]
        );
        let output = run(
            json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": {
                "P": { "Type": "Pass", "Output": { "b": "{% $states.input.a * 2 %}" }, "End": true }
            } }),
            json!({ "a": 3 }),
        )
        .await;
        assert_eq!(output.output, Some(json!({ "b": 6 })));
    }
}
