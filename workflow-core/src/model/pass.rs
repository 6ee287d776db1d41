use serde::Serialize;
use serde_json::Value;

use super::{Common, Nullable, Transition};

/// `"Type": "Pass"`: passes its input to its output, optionally injecting `Result`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `Parameters`: a payload template built from the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// `Result`: a fixed result, used instead of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// `ResultPath` (a reference path): where the result goes in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<Nullable<String>>,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
}
