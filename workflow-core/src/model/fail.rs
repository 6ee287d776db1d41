use serde::Serialize;

use super::Common;

/// `"Type": "Fail"`: ends the execution (or branch) with an error.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    /// Common fields (`Comment`, `QueryLanguage` only).
    #[serde(flatten)]
    pub common: Common,
    /// `Error`: the error name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `ErrorPath`: a path or intrinsic giving the error name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_path: Option<String>,
    /// `Cause`: a human-readable cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// `CausePath`: a path or intrinsic giving the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause_path: Option<String>,
}
