//! Errors as ASL sees them: a name that `Retry` and `Catch` match, and a cause.

use serde_json::Value;

/// The error names Step Functions raises itself ("Error names" in the AWS docs).
pub mod names {
    /// Matches any error name (but see [`super::Failure::is_caught_by_all`]).
    pub const ALL: &str = "States.ALL";
    /// An input, output or path could not be processed. Never retried, never caught.
    pub const RUNTIME: &str = "States.Runtime";
    /// A task failed.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// This runtime's own, not AWS's (whose executions do not restart): an attempt of an
    /// at-most-once task ([`crate::Resources::at_most_once`]) that was under way when the
    /// process running it died, and is not run again.
    pub const TASK_INTERRUPTED: &str = "Workflow.TaskInterrupted";
    /// A task ran longer than its `TimeoutSeconds`.
    pub const TIMEOUT: &str = "States.Timeout";
    /// A task's worker sent no heartbeat within its `HeartbeatSeconds`.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// A payload exceeded 256 KiB.
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    /// No choice rule matched and the Choice state has no `Default`.
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// A JSONata expression failed, returned nothing, or returned a value of the wrong type.
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    /// An intrinsic function failed.
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// A `ResultPath` could not be applied.
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// A parameter path could not be resolved.
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    /// A distributed Map's failed items exceeded its `ToleratedFailureCount`/`Percentage`.
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// A distributed Map's `ItemReader` could not read its items.
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    /// A distributed Map's `ResultWriter` could not write its results.
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
}

/// A failed state: the error name and its cause (AWS allows either to be absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The error name, such as `States.Timeout`.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

impl Failure {
    /// A failure with a name and a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
        }
    }

    /// `States.Runtime` for the state entered at event `entered`, as AWS words it.
    pub fn runtime(state: &str, entered: u64, detail: impl std::fmt::Display) -> Self {
        Failure::new(
            names::RUNTIME,
            format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered}). {detail}"
            ),
        )
    }

    /// `States.DataLimitExceeded` for a state or task whose result is too large.
    pub fn data_limit(what: &str) -> Self {
        Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{what}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        )
    }

    /// The error name, or the empty string.
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// Whether `States.ALL` and `States.TaskFailed` can match this error. AWS: "A retry or
    /// catch on States.ALL won't catch States.Runtime errors"; `States.TaskFailed` "matches
    /// any known error name except for States.Timeout". AWS's docs also call
    /// `States.DataLimitExceeded` terminal, but the recorded executions show `States.ALL`
    /// catching it when a task's result is too large, so it is matched here.
    pub fn is_caught_by_all(&self) -> bool {
        self.name() != names::RUNTIME
    }

    /// Whether an `ErrorEquals` list matches this error.
    pub fn matches(&self, error_equals: &[String]) -> bool {
        let name = self.name();
        error_equals.iter().any(|e| match e.as_str() {
            names::ALL => self.is_caught_by_all(),
            names::TASK_FAILED => self.is_caught_by_all() && name != names::TIMEOUT,
            other => other == name,
        })
    }

    /// The error output a catcher passes on: `{"Error": ..., "Cause": ...}`.
    pub fn to_error_output(&self) -> Value {
        let mut map = serde_json::Map::new();
        if let Some(error) = &self.error {
            map.insert("Error".to_owned(), Value::String(error.clone()));
        }
        if let Some(cause) = &self.cause {
            map.insert("Cause".to_owned(), Value::String(cause.clone()));
        }
        Value::Object(map)
    }
}

impl From<crate::TaskError> for Failure {
    fn from(e: crate::TaskError) -> Self {
        Failure::new(e.error, e.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::{Failure, names};

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn states_all_matches_everything_but_runtime() {
        assert!(Failure::new("Custom", "").matches(&list(&[names::ALL])));
        assert!(Failure::new(names::TIMEOUT, "").matches(&list(&[names::ALL])));
        assert!(Failure::new(names::DATA_LIMIT_EXCEEDED, "").matches(&list(&[names::ALL])));
        assert!(!Failure::new(names::RUNTIME, "").matches(&list(&[names::ALL])));
    }

    #[test]
    fn task_failed_matches_task_errors_but_not_timeouts() {
        let task_failed = list(&[names::TASK_FAILED]);
        assert!(Failure::new("Lambda.Unknown", "").matches(&task_failed));
        assert!(Failure::new(names::TASK_FAILED, "").matches(&task_failed));
        assert!(!Failure::new(names::TIMEOUT, "").matches(&task_failed));
        assert!(!Failure::new(names::RUNTIME, "").matches(&task_failed));
    }

    #[test]
    fn names_match_exactly() {
        assert!(Failure::new("Custom", "").matches(&list(&["Other", "Custom"])));
        assert!(!Failure::new("Custom", "").matches(&list(&["custom"])));
    }
}
