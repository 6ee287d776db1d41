//! An execution's history read as the console's table view and step details: one [`Step`]
//! per time a state was entered, with its input and output, its attempts, and how it ended.
//!
//! Like the graph ([`workflow_runtime::asl::graph`]), this reads only the events: the work
//! events between a state's entered and exited events (`TaskScheduled`, `TaskFailed`, ...)
//! belong to the innermost state still open.

use serde_json::Value;
use workflow_runtime::HistoryEvent;
use workflow_runtime::asl::graph::history::is_attempt;

/// How a step ended, as the console says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Left normally.
    Succeeded,
    /// Its last attempt failed and a catcher took the execution on.
    Caught,
    /// It failed (a Fail state, or a failure nothing caught).
    Failed,
    /// Entered, not left, and the execution still runs.
    InProgress,
    /// Entered, not left, when the execution was stopped.
    Aborted,
}

impl StepStatus {
    /// The status in words.
    pub fn words(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Caught => "caught",
            StepStatus::Failed => "failed",
            StepStatus::InProgress => "in progress",
            StepStatus::Aborted => "aborted",
        }
    }

    /// The CSS class of its badge.
    pub fn class(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Caught => "caught",
            StepStatus::Failed => "failed",
            StepStatus::InProgress => "running",
            StepStatus::Aborted => "aborted",
        }
    }
}

/// One attempt of a step's work: a Task's call, a Parallel or Map state's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// When it was scheduled (epoch milliseconds).
    pub start: Option<i64>,
    /// How it ended: the event type (`TaskSucceeded`, `TaskFailed`), if it has.
    pub outcome: Option<String>,
    /// Its error and cause, when it failed.
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// One entry into a state.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The state's name.
    pub name: String,
    /// Its type, from the entered event (`Task`, `Map`, ...).
    pub state_type: String,
    /// The id of its entered event.
    pub entered_id: u64,
    /// When it was entered and left (epoch milliseconds).
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Its input and output, as recorded (JSON text).
    pub input: Option<String>,
    pub output: Option<String>,
    /// Its attempts, in order.
    pub attempts: Vec<Attempt>,
    /// The error and cause of its last failure.
    pub error: Option<String>,
    pub cause: Option<String>,
    /// How it ended.
    pub status: StepStatus,
    /// A Map state's iterations: index, and the type of its last event
    /// (`MapIterationSucceeded`, ...).
    pub iterations: Vec<(u64, String)>,
}

impl Step {
    /// How long it ran, in milliseconds (until `now` while it runs).
    pub fn duration(&self, now: i64) -> Option<i64> {
        let end = self.end.unwrap_or(now);
        self.start.map(|start| (end - start).max(0))
    }
}

/// The epoch milliseconds of an event's timestamp.
pub fn millis(event: &HistoryEvent) -> Option<i64> {
    Some(event.timestamp.unix_millis())
}

fn text(event: &HistoryEvent, field: &str) -> Option<String> {
    match event.detail(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Whether an event ends an attempt: a task's (or Lambda function's, or activity's) result,
/// a Parallel or Map state's.
fn ends_attempt(ty: &str) -> bool {
    !ty.ends_with("StateExited")
        && !ty.starts_with("Execution")
        && !ty.starts_with("MapIteration")
        && (ty.ends_with("Succeeded")
            || ty.ends_with("Failed")
            || ty.ends_with("TimedOut")
            || ty.ends_with("Aborted"))
}

/// The steps of a history, in the order they were entered.
pub fn steps(history: &[HistoryEvent]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // Indexes into `steps` of the states entered and not exited, innermost last.
    let mut open: Vec<usize> = Vec::new();
    // Whether the execution ended, how, and when.
    let mut ended: Option<(String, Option<i64>)> = None;
    for event in history {
        let ty = event.event_type.as_str();
        let at = millis(event);
        if let Some(state_type) = ty.strip_suffix("StateEntered") {
            steps.push(Step {
                name: event.state_name().unwrap_or_default().to_owned(),
                state_type: state_type.to_owned(),
                entered_id: event.id,
                start: at,
                end: None,
                input: text(event, "input"),
                output: None,
                attempts: Vec::new(),
                error: None,
                cause: None,
                status: if state_type == "Fail" {
                    StepStatus::Failed
                } else {
                    StepStatus::InProgress
                },
                iterations: Vec::new(),
            });
            open.push(steps.len() - 1);
            continue;
        }
        if ty.ends_with("StateExited") {
            let name = event.state_name().unwrap_or_default();
            if let Some(at_open) = open.iter().rposition(|&s| steps[s].name == name) {
                let s = open.remove(at_open);
                let step = &mut steps[s];
                step.end = at;
                step.output = text(event, "output");
                step.status = if step.error.is_some() {
                    StepStatus::Caught
                } else {
                    StepStatus::Succeeded
                };
            }
            continue;
        }
        if ty.starts_with("Execution") && ty != "ExecutionStarted" {
            ended = Some((ty.to_owned(), at));
            continue;
        }
        if ty.starts_with("MapIteration") {
            let index = event.detail("index").and_then(Value::as_u64).unwrap_or(0);
            let map = open
                .iter()
                .rev()
                .copied()
                .find(|&s| steps[s].state_type == "Map");
            if let Some(map) = map {
                let iterations = &mut steps[map].iterations;
                match iterations.iter_mut().find(|(i, _)| *i == index) {
                    Some(entry) => entry.1 = ty.to_owned(),
                    None => iterations.push((index, ty.to_owned())),
                }
            }
            continue;
        }
        let Some(&current) = open.last() else {
            continue;
        };
        let step = &mut steps[current];
        if is_attempt(ty) {
            step.attempts.push(Attempt {
                start: at,
                outcome: None,
                error: None,
                cause: None,
            });
        } else if ends_attempt(ty) {
            let failed = !ty.ends_with("Succeeded");
            let (error, cause) = if failed {
                (text(event, "error"), text(event, "cause"))
            } else {
                (None, None)
            };
            if let Some(attempt) = step.attempts.last_mut()
                && attempt.outcome.is_none()
            {
                attempt.outcome = Some(ty.to_owned());
                attempt.error.clone_from(&error);
                attempt.cause.clone_from(&cause);
            }
            if failed {
                step.error = error.or_else(|| Some(ty.to_owned()));
                step.cause = cause;
            } else {
                // A retry succeeded: the earlier failure is not the step's.
                step.error = None;
                step.cause = None;
            }
        }
    }
    // What was still open when the execution ended failed with it (or was stopped).
    // It stopped when the execution did.
    if let Some((end, at)) = ended {
        let status = if end == "ExecutionAborted" {
            StepStatus::Aborted
        } else {
            StepStatus::Failed
        };
        for s in open {
            if steps[s].status == StepStatus::InProgress {
                steps[s].status = status;
            }
            steps[s].end = at;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use workflow_runtime::EventType;
    use workflow_runtime::asl::timestamp::Timestamp;

    fn event(id: u64, ty: EventType, details: Value) -> HistoryEvent {
        HistoryEvent::new(
            id,
            ty,
            Timestamp::from_unix_millis(id as i64 * 1000),
            details,
        )
    }

    #[test]
    fn a_retried_task_has_its_attempts_and_a_running_state_is_in_progress() {
        let history = vec![
            event(1, EventType::ExecutionStarted, json!({ "input": "{}" })),
            event(
                2,
                EventType::TaskStateEntered,
                json!({ "name": "Send", "input": "{\"a\":1}" }),
            ),
            event(3, EventType::TaskScheduled, json!({ "resource": "r" })),
            event(
                4,
                EventType::TaskFailed,
                json!({ "error": "Boom", "cause": "<b>" }),
            ),
            event(5, EventType::TaskScheduled, json!({ "resource": "r" })),
            event(6, EventType::TaskSucceeded, json!({ "output": "{}" })),
            event(
                7,
                EventType::TaskStateExited,
                json!({ "name": "Send", "output": "{}" }),
            ),
            event(
                8,
                EventType::WaitStateEntered,
                json!({ "name": "Pause", "input": "{}" }),
            ),
        ];
        let steps = steps(&history);
        assert_eq!(steps.len(), 2);
        let send = &steps[0];
        assert_eq!(send.status, StepStatus::Succeeded);
        assert_eq!(send.attempts.len(), 2);
        assert_eq!(send.attempts[0].error.as_deref(), Some("Boom"));
        assert_eq!(send.attempts[0].cause.as_deref(), Some("<b>"));
        assert_eq!(send.error, None);
        assert_eq!(send.duration(0), Some(5000));
        assert_eq!(steps[1].status, StepStatus::InProgress);
        assert_eq!(steps[1].state_type, "Wait");
    }

    #[test]
    fn a_caught_failure_and_a_stopped_execution() {
        let history = vec![
            event(1, EventType::ExecutionStarted, json!({ "input": "{}" })),
            event(
                2,
                EventType::TaskStateEntered,
                json!({ "name": "A", "input": "{}" }),
            ),
            event(3, EventType::TaskScheduled, json!({})),
            event(4, EventType::TaskFailed, json!({ "error": "E" })),
            event(
                5,
                EventType::TaskStateExited,
                json!({ "name": "A", "output": "{}" }),
            ),
            event(
                6,
                EventType::WaitStateEntered,
                json!({ "name": "W", "input": "{}" }),
            ),
            event(7, EventType::ExecutionAborted, json!({})),
        ];
        let steps = steps(&history);
        assert_eq!(steps[0].status, StepStatus::Caught);
        assert_eq!(steps[0].error.as_deref(), Some("E"));
        assert_eq!(steps[1].status, StepStatus::Aborted);
        assert_eq!(steps[1].duration(i64::MAX), Some(1000), "until the stop");
    }
}
