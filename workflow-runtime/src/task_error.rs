/// A Task failure: an error name that `Retry` and `Catch` match on, and a cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    /// The error name, such as `States.TaskFailed` or `SendFailed`.
    pub error: String,
    /// A human-readable cause.
    pub cause: String,
}

impl TaskError {
    /// A failure with this error name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}
