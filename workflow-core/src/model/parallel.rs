use serde::Serialize;
use serde_json::Value;

use super::{Catcher, Common, Nullable, Retrier, StateMachine, Transition};

/// `"Type": "Parallel"`: runs each branch on the same input; the output is their outputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parallel {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `Branches`.
    pub branches: Vec<StateMachine>,
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
