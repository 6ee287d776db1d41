//! The typed task token a `workflow!` callback handler receives: a handler declared
//! `name(Input, TaskToken) -> Output` is called with the token of its task, which waits
//! until the program completes it from anywhere with [`TaskToken::succeed`] (or fails it),
//! as a worker would with `SendTaskSuccess`.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::durable::Durable;
use crate::task_tokens::TaskTokenError;

/// The token of a callback task whose output is a `T`. Serialized as the token's text, so
/// that it can be stored or sent to whoever completes it.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskToken<T> {
    token: String,
    #[serde(skip)]
    output: PhantomData<fn() -> T>,
}

impl<T> TaskToken<T> {
    /// The token with this text (`$$.Task.Token`).
    pub fn new(token: impl Into<String>) -> Self {
        TaskToken {
            token: token.into(),
            output: PhantomData,
        }
    }

    /// The token's text, as `SendTaskSuccess` takes it.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// Fails the task with `error` and `cause`, as `SendTaskFailure` does.
    pub fn fail(
        &self,
        durable: &Durable,
        error: impl Into<String>,
        cause: impl Into<String>,
    ) -> Result<(), TaskTokenError> {
        durable.send_task_failure(&self.token, Some(error.into()), Some(cause.into()))
    }

    /// Keeps the task alive, as `SendTaskHeartbeat` does.
    pub fn heartbeat(&self, durable: &Durable) -> Result<(), TaskTokenError> {
        durable.send_task_heartbeat(&self.token)
    }
}

impl<T: Serialize> TaskToken<T> {
    /// Completes the task with `output`, as `SendTaskSuccess` does.
    pub fn succeed(&self, durable: &Durable, output: &T) -> Result<(), TaskTokenError> {
        let output = serde_json::to_value(output).unwrap_or(serde_json::Value::Null);
        durable.send_task_success(&self.token, output)
    }
}

impl<T> Clone for TaskToken<T> {
    fn clone(&self) -> Self {
        TaskToken::new(self.token.clone())
    }
}

impl<T> std::fmt::Debug for TaskToken<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TaskToken").field(&self.token).finish()
    }
}
