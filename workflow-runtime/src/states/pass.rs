use serde_json::Value;
use workflow_core::model::Pass;

use crate::error::Failure;
use crate::executor::{Interpreter, StateRun, next_of};
use crate::io::Scope;

impl Interpreter<'_> {
    /// Pass: `InputPath` -> `Parameters` -> `Result` (instead of the input) -> `ResultPath`
    /// -> `OutputPath`.
    pub(crate) fn run_pass(
        &self,
        run: &StateRun<'_>,
        pass: &Pass,
        input: Value,
    ) -> Result<(Value, Option<String>), Failure> {
        let context = self.context(run, None);
        let scope = Scope {
            state: run.name,
            entered: run.entered,
            context: &context,
        };
        let effective = scope.select(&pass.common.input_path, input.clone())?;
        let effective = match &pass.parameters {
            Some(template) => scope.template(template, &effective)?,
            None => effective,
        };
        let result = pass.result.clone().unwrap_or(effective);
        let output = scope.merge(&pass.result_path, input, result)?;
        let output = scope.select(&pass.common.output_path, output)?;
        Ok((output, next_of(&pass.transition)))
    }
}
