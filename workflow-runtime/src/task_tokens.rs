//! Task tokens: how a worker takes and completes a durable execution's parked task (see
//! `Awaiting` in `states/recovery.rs`): `GetActivityTask`'s queue per activity, and
//! `SendTaskSuccess`, `SendTaskFailure` and `SendTaskHeartbeat`.
//!
//! The registry lives in memory; the tokens themselves are in the executions' checkpoints,
//! and a durable runner registers each parked task again when it resumes the execution, so
//! a token survives a restart.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use crate::executor::{TokenMessage, lock};
use crate::states::recovery::{Awaiting, Completion};

/// The parked tasks of the executions a durable runner drives.
#[derive(Default)]
pub(crate) struct TaskTokens {
    inner: Mutex<Registry>,
    /// Told when an activity task is queued, so that waiting workers look again.
    queued: tokio::sync::Notify,
}

#[derive(Default)]
struct Registry {
    /// Each open token: its execution, the channel to whoever waits for the task, and
    /// whether the task waits in a Parallel branch or Map iteration (see
    /// [`TaskTokens::register_nested`]).
    tokens: HashMap<String, Open>,
    /// Per activity ARN, the tokens of tasks no worker has taken yet, oldest first, with
    /// their input.
    queues: HashMap<String, VecDeque<(String, String)>>,
    /// Tokens whose tasks have ended (completed, timed out, or their execution ended), the
    /// latest [`ENDED_KEPT`] of them, so that a late answer gets AWS's `TaskTimedOut`.
    ended: Ended,
}

/// How many ended tokens are remembered (in memory: after a restart a late answer gets
/// `TaskDoesNotExist`).
const ENDED_KEPT: usize = 10_000;

/// An open token.
struct Open {
    execution: String,
    listener: UnboundedSender<TokenMessage>,
    nested: bool,
}

#[derive(Default)]
struct Ended {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Ended {
    fn insert(&mut self, token: String) {
        if self.set.insert(token.clone()) {
            self.order.push_back(token);
            if self.order.len() > ENDED_KEPT
                && let Some(oldest) = self.order.pop_front()
            {
                self.set.remove(&oldest);
            }
        }
    }
}

/// Why a token cannot be completed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskTokenError {
    /// No task ever had this token (as far as this process knows).
    #[error("Task Does Not Exist")]
    TaskDoesNotExist,
    /// The task had this token but has ended: completed already, timed out, or its
    /// execution ended (AWS's answer for all three).
    #[error("Task Timed Out: 'Provided task does not exist anymore'")]
    TaskTimedOut,
}

impl TaskTokens {
    /// Makes `execution`'s parked task (if it has one) known by its token, queued for a
    /// worker if none has taken it; forgets the execution's other tokens, which have ended.
    pub fn register(
        &self,
        execution: &str,
        awaiting: Option<&Awaiting>,
        runner: &UnboundedSender<TokenMessage>,
    ) {
        let mut registry = lock(&self.inner);
        let current = awaiting.map(|a| a.token.as_str());
        let Registry { tokens, ended, .. } = &mut *registry;
        // A nested task's token lives as long as its wait, not the top level's.
        tokens.retain(|token, open| {
            let keep =
                open.execution != execution || open.nested || Some(token.as_str()) == current;
            if !keep {
                ended.insert(token.clone());
            }
            keep
        });
        drop(registry);
        if let Some(awaiting) = awaiting {
            self.open(execution, awaiting, runner.clone(), false);
        }
    }

    /// Makes the token of a task that waits in a Parallel branch or a Map iteration known
    /// (queued for a worker, if it is an activity's), until it is [`released`]; returns
    /// what workers say about it.
    ///
    /// [`released`]: TaskTokens::release
    pub fn register_nested(
        &self,
        execution: &str,
        awaiting: &Awaiting,
    ) -> tokio::sync::mpsc::UnboundedReceiver<TokenMessage> {
        let (listener, messages) = tokio::sync::mpsc::unbounded_channel();
        self.open(execution, awaiting, listener, true);
        messages
    }

    /// Forgets a nested task's token once its wait has ended.
    pub fn release(&self, token: &str) {
        let mut registry = lock(&self.inner);
        if registry.tokens.remove(token).is_some() {
            registry.ended.insert(token.to_owned());
        }
    }

    fn open(
        &self,
        execution: &str,
        awaiting: &Awaiting,
        listener: UnboundedSender<TokenMessage>,
        nested: bool,
    ) {
        let mut registry = lock(&self.inner);
        if registry.tokens.contains_key(&awaiting.token) {
            return;
        }
        let open = Open {
            execution: execution.to_owned(),
            listener,
            nested,
        };
        registry.tokens.insert(awaiting.token.clone(), open);
        // An activity waits in its queue for a worker; a callback's token is already out.
        if awaiting.worker.is_none() && !awaiting.activity.is_empty() {
            registry
                .queues
                .entry(awaiting.activity.clone())
                .or_default()
                .push_back((awaiting.token.clone(), awaiting.input.clone()));
            drop(registry);
            self.queued.notify_waiters();
        }
    }

    /// The open tokens of `execution`'s parked tasks (callbacks' or activities', at its top
    /// level or in its Parallel branches and Map iterations).
    pub fn of(&self, execution: &str) -> Vec<String> {
        let registry = lock(&self.inner);
        let mut tokens: Vec<String> = registry
            .tokens
            .iter()
            .filter(|(_, open)| open.execution == execution)
            .map(|(token, _)| token.clone())
            .collect();
        tokens.sort();
        tokens
    }

    /// Forgets every token of an execution that has ended or stopped.
    pub fn forget(&self, execution: &str) {
        let mut registry = lock(&self.inner);
        let Registry { tokens, ended, .. } = &mut *registry;
        tokens.retain(|token, open| {
            if open.execution == execution {
                ended.insert(token.clone());
            }
            open.execution != execution
        });
    }

    /// `GetActivityTask`: the oldest task of `activity` no worker has taken, handed to
    /// `worker` (its token and input); waits up to `wait` for one.
    pub async fn take(
        &self,
        activity: &str,
        worker: &str,
        wait: Duration,
    ) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Created before looking, so a task queued in between is not missed.
            let queued = self.queued.notified();
            if let Some(task) = self.pop(activity, worker) {
                return Some(task);
            }
            if tokio::time::timeout_at(deadline, queued).await.is_err() {
                return None;
            }
        }
    }

    fn pop(&self, activity: &str, worker: &str) -> Option<(String, String)> {
        let mut registry = lock(&self.inner);
        let Registry { tokens, queues, .. } = &mut *registry;
        let queue = queues.get_mut(activity)?;
        while let Some((token, input)) = queue.pop_front() {
            // A task whose execution has moved on (stopped, timed out) is skipped.
            if let Some(open) = tokens.get(&token) {
                let started = TokenMessage::Started {
                    token: token.clone(),
                    worker: worker.to_owned(),
                };
                if open.listener.send(started).is_ok() {
                    return Some((token, input));
                }
            }
        }
        None
    }

    /// `SendTaskHeartbeat`.
    pub fn heartbeat(&self, token: &str) -> Result<(), TaskTokenError> {
        self.send(
            token,
            TokenMessage::Heartbeat {
                token: token.to_owned(),
            },
        )
    }

    /// `SendTaskSuccess`, with the output.
    pub fn succeed(&self, token: &str, output: Value) -> Result<(), TaskTokenError> {
        self.complete(token, Completion::Succeeded(output))
    }

    /// `SendTaskFailure`.
    pub fn fail(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), TaskTokenError> {
        self.complete(token, Completion::Failed { error, cause })
    }

    /// Completes the task with `token` as `completion` says.
    pub fn complete(&self, token: &str, completion: Completion) -> Result<(), TaskTokenError> {
        self.send(
            token,
            TokenMessage::Completed {
                token: token.to_owned(),
                completion,
            },
        )?;
        // Completed once: a second answer finds the task ended.
        let mut registry = lock(&self.inner);
        if registry.tokens.remove(token).is_some() {
            registry.ended.insert(token.to_owned());
        }
        Ok(())
    }

    fn send(&self, token: &str, message: TokenMessage) -> Result<(), TaskTokenError> {
        let registry = lock(&self.inner);
        let Some(open) = registry.tokens.get(token) else {
            return Err(if registry.ended.set.contains(token) {
                TaskTokenError::TaskTimedOut
            } else {
                TaskTokenError::TaskDoesNotExist
            });
        };
        open.listener
            .send(message)
            .map_err(|_| TaskTokenError::TaskTimedOut)
    }
}
