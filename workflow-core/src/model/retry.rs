use serde::Serialize;
use serde_json::Value;

use super::Nullable;

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JitterStrategy {
    /// `"FULL"`: each delay is drawn uniformly from zero to the computed delay.
    #[serde(rename = "FULL")]
    Full,
    /// `"NONE"`, the default.
    #[serde(rename = "NONE")]
    None,
}

/// One entry of `Retry`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    /// `Comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `ErrorEquals`: the error names this retrier handles.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds`: the first delay, 1 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    /// `MaxAttempts`: retries at most, 3 by default; 0 never retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    /// `BackoffRate`: the delay multiplier, 2.0 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_rate: Option<f64>,
    /// `MaxDelaySeconds`: the cap on any one delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter_strategy: Option<JitterStrategy>,
}

impl Retrier {
    /// AWS's default `IntervalSeconds`.
    pub const DEFAULT_INTERVAL_SECONDS: u64 = 1;
    /// AWS's default `MaxAttempts`.
    pub const DEFAULT_MAX_ATTEMPTS: u64 = 3;
    /// AWS's default `BackoffRate`.
    pub const DEFAULT_BACKOFF_RATE: f64 = 2.0;
}

/// One entry of `Catch`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    /// `Comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `ErrorEquals`: the error names this catcher handles.
    pub error_equals: Vec<String>,
    /// `ResultPath`: where the error output goes in the state input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<Nullable<String>>,
    /// `Output` (JSONata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// `Assign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign: Option<Value>,
    /// `Next`: the state to go to.
    pub next: std::sync::Arc<str>,
}
