use serde_json::Value;
use workflow_core::model::Succeed;

use crate::error::Failure;
use crate::executor::{Interpreter, StateRun};
use crate::io::Scope;

impl Interpreter<'_> {
    /// Succeed: `InputPath` -> `OutputPath`, then the execution (or branch) ends.
    pub(crate) fn run_succeed(
        &self,
        run: &StateRun<'_>,
        succeed: &Succeed,
        input: Value,
    ) -> Result<Value, Failure> {
        let context = self.context(run, None);
        let scope = Scope {
            state: run.name,
            entered: run.entered,
            context: &context,
        };
        let effective = scope.select(&succeed.common.input_path, input)?;
        scope.select(&succeed.common.output_path, effective)
    }
}
