//! The context object, `$$`: the execution, the state machine, the current state.

use serde_json::{Value, json};
use workflow_core::timestamp::Timestamp;

/// Names and place of an execution, as the context object and ARNs show them. Tests can set
/// every value; the defaults are a plausible local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionConfig {
    /// The execution's name.
    pub name: String,
    /// The state machine's name.
    pub state_machine_name: String,
    /// The AWS region.
    pub region: String,
    /// The AWS account id.
    pub account: String,
    /// The execution role's ARN (`$$.Execution.RoleArn`).
    pub role_arn: String,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            name: "local-execution".to_owned(),
            state_machine_name: "workflow".to_owned(),
            region: "us-east-1".to_owned(),
            account: "123456789012".to_owned(),
            role_arn: "arn:aws:iam::123456789012:role/StepFunctionsExecutionRole".to_owned(),
        }
    }
}

impl ExecutionConfig {
    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`.
    pub fn state_machine_arn(&self) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            self.region, self.account, self.state_machine_name
        )
    }

    /// `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`.
    pub fn execution_arn(&self) -> String {
        format!(
            "arn:aws:states:{}:{}:execution:{}:{}",
            self.region, self.account, self.state_machine_name, self.name
        )
    }

    /// The context object for a state entered at `entered`. `State.RetryCount` is there for
    /// the states that retry (Task, Parallel, Map), as in AWS's.
    pub(crate) fn context(
        &self,
        input: &Value,
        started: Timestamp,
        state: &str,
        entered: Timestamp,
        retry_count: Option<u32>,
    ) -> Value {
        let mut context = json!({
            "Execution": {
                "Id": self.execution_arn(),
                "Input": input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": started.to_string(),
                "RedriveCount": 0
            },
            "StateMachine": {
                "Id": self.state_machine_arn(),
                "Name": self.state_machine_name
            },
            "State": {
                "EnteredTime": entered.to_string(),
                "Name": state
            }
        });
        if let Some(count) = retry_count {
            context["State"]["RetryCount"] = json!(count);
        }
        context
    }
}
