use serde::Serialize;
use serde_json::Value;

use super::{Catcher, Common, IntOrExpr, Nullable, Retrier, Transition};

/// `"Type": "Task"`: runs one unit of work named by `Resource`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `Resource`: an ARN, or in `workflow!` a handler rendered as a placeholder.
    pub resource: String,
    /// `Credentials`, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Value>,
    /// `Parameters` (JSONPath).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// `Arguments` (JSONata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    /// `ResultSelector`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<Nullable<String>>,
    /// `TimeoutSeconds`: 99999999 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<IntOrExpr>,
    /// `TimeoutSecondsPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds_path: Option<String>,
    /// `HeartbeatSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds: Option<IntOrExpr>,
    /// `HeartbeatSecondsPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds_path: Option<String>,
    /// `Retry`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    /// `Catch`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
}

impl Task {
    /// AWS's default `TimeoutSeconds` for a Task.
    pub const DEFAULT_TIMEOUT_SECONDS: u64 = 99_999_999;
}

/// Whether `resource` is an activity ARN (`arn:<partition>:states:<region>:<account>:
/// activity:<name>`): a Task on it is done by a worker polling `GetActivityTask`.
pub fn is_activity_arn(resource: &str) -> bool {
    let parts: Vec<&str> = resource.split(':').collect();
    matches!(parts.as_slice(), ["arn", _, "states", _, _, "activity", name] if !name.is_empty())
}
