//! The context object, `$$`: the execution, the state machine, the current state.

use std::sync::OnceLock;

use serde_json::{Value, json};
use workflow_core::timestamp::Timestamp;

/// Names and place of an execution, as the context object and ARNs show them. Tests can set
/// every value; the defaults are a plausible local account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// How many times the execution was redriven (`$$.Execution.RedriveCount`).
    #[serde(default)]
    pub redrive_count: u32,
    /// For an Express execution, the id that ends its ARN
    /// (`arn:aws:states:<region>:<account>:express:<state machine>:<name>:<id>`); its
    /// context object has no `RedriveCount`, as Express executions cannot be redriven.
    #[serde(default)]
    pub express_id: Option<String>,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            name: "local-execution".to_owned(),
            state_machine_name: "workflow".to_owned(),
            region: "us-east-1".to_owned(),
            account: "123456789012".to_owned(),
            role_arn: "arn:aws:iam::123456789012:role/StepFunctionsExecutionRole".to_owned(),
            redrive_count: 0,
            express_id: None,
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

    /// `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`, or for an
    /// Express execution `...:express:<state machine>:<name>:<id>`.
    pub fn execution_arn(&self) -> String {
        match &self.express_id {
            None => format!(
                "arn:aws:states:{}:{}:execution:{}:{}",
                self.region, self.account, self.state_machine_name, self.name
            ),
            Some(id) => format!(
                "arn:aws:states:{}:{}:express:{}:{}:{id}",
                self.region, self.account, self.state_machine_name, self.name
            ),
        }
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
        let mut execution = json!({
            "Id": self.execution_arn(),
            "Input": input,
            "Name": self.name,
            "RoleArn": self.role_arn,
            "StartTime": started.to_string()
        });
        // Express executions cannot be redriven: their context object has no count.
        if self.express_id.is_none() {
            execution["RedriveCount"] = json!(self.redrive_count);
        }
        let mut context = json!({
            "Execution": execution,
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

/// The context object of a running state, built on first use: most states never read
/// `$$`, and building it (ARNs, timestamps, a copy of the execution input) is the largest
/// part of running a simple state.
pub(crate) struct LazyContext<'a> {
    value: OnceLock<Value>,
    build: Box<dyn Fn() -> Value + Send + Sync + 'a>,
}

impl<'a> LazyContext<'a> {
    /// A context object that `build` makes when it is first read.
    pub fn new(build: impl Fn() -> Value + Send + Sync + 'a) -> Self {
        LazyContext {
            value: OnceLock::new(),
            build: Box::new(build),
        }
    }

    /// A context object that is already made.
    pub fn ready(value: Value) -> Self {
        LazyContext {
            value: OnceLock::from(value),
            build: Box::new(|| Value::Null),
        }
    }

    /// The context object to change, if it is made (it always is when made [`ready`]).
    ///
    /// [`ready`]: LazyContext::ready
    pub fn made_mut(&mut self) -> Option<&mut Value> {
        self.value.get_mut()
    }

    /// The context object, made now if it was not yet.
    pub fn get(&self) -> &Value {
        self.value.get_or_init(|| (self.build)())
    }
}
