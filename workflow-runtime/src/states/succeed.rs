use serde_json::Value;
use workflow_core::model::Succeed;

use crate::data_flow::{Scope, States, Variables};
use crate::error::Failure;
use crate::executor::{Interpreter, StateRun};

impl Interpreter<'_> {
    /// Succeed: `InputPath` -> `OutputPath`, then the execution (or branch) ends.
    pub(crate) fn run_succeed(
        &self,
        run: &StateRun<'_>,
        succeed: &Succeed,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Value, Failure> {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        if run.jsonata {
            return scope.output(&succeed.common.output, &input, States::input(&input));
        }
        let effective = scope.input_path(run, &succeed.common.input_path, input)?;
        scope.select(&succeed.common.output_path, effective)
    }
}
