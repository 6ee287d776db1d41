//! The execution history, shaped like AWS's `GetExecutionHistory`: events numbered from 1,
//! each with its previous event's id, a timestamp from the clock, and type-specific details.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use workflow_core::timestamp::Timestamp;

/// The type of a history event, named as AWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum EventType {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionTimedOut,
    ExecutionAborted,
    /// `RedriveExecution` reopened the execution.
    ExecutionRedriven,
    PassStateEntered,
    PassStateExited,
    TaskStateEntered,
    TaskStateExited,
    ChoiceStateEntered,
    ChoiceStateExited,
    WaitStateEntered,
    WaitStateExited,
    SucceedStateEntered,
    SucceedStateExited,
    FailStateEntered,
    ParallelStateEntered,
    ParallelStateExited,
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    MapStateEntered,
    MapStateExited,
    MapStateStarted,
    MapStateSucceeded,
    MapStateFailed,
    MapIterationStarted,
    MapIterationSucceeded,
    MapIterationFailed,
    MapIterationAborted,
    MapRunStarted,
    MapRunSucceeded,
    MapRunFailed,
    TaskScheduled,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TaskFailed,
    TaskTimedOut,
    LambdaFunctionScheduled,
    LambdaFunctionStarted,
    LambdaFunctionSucceeded,
    LambdaFunctionFailed,
    LambdaFunctionTimedOut,
    ActivityScheduled,
    ActivityStarted,
    ActivitySucceeded,
    ActivityFailed,
    ActivityTimedOut,
    /// A JSONata expression of a state failed (`States.QueryEvaluationError`).
    EvaluationFailed,
}

impl EventType {
    /// The event type as AWS spells it.
    pub fn as_str(&self) -> String {
        format!("{self:?}")
    }

    /// The key AWS puts this event's details under.
    pub fn details_key(&self) -> String {
        let name = self.as_str();
        if name.ends_with("StateEntered") {
            return "stateEnteredEventDetails".to_owned();
        }
        if name.ends_with("StateExited") {
            return "stateExitedEventDetails".to_owned();
        }
        let mut chars = name.chars();
        let first = chars
            .next()
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_default();
        format!("{first}{}EventDetails", chars.as_str())
    }

    /// The `<Type>StateEntered` / `<Type>StateExited` events of a state type.
    pub fn state_events(state_type: &str) -> (EventType, Option<EventType>) {
        use EventType::*;
        match state_type {
            "Pass" => (PassStateEntered, Some(PassStateExited)),
            "Task" => (TaskStateEntered, Some(TaskStateExited)),
            "Choice" => (ChoiceStateEntered, Some(ChoiceStateExited)),
            "Wait" => (WaitStateEntered, Some(WaitStateExited)),
            "Succeed" => (SucceedStateEntered, Some(SucceedStateExited)),
            "Parallel" => (ParallelStateEntered, Some(ParallelStateExited)),
            "Map" => (MapStateEntered, Some(MapStateExited)),
            _ => (FailStateEntered, None),
        }
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// 1, 2, 3, ...
    pub id: u64,
    /// The id of the event before it (0 for the first).
    pub previous_event_id: u64,
    /// When it happened, by the execution's clock.
    pub timestamp: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The details AWS attaches, under AWS's key for them (`stateEnteredEventDetails`,
    /// `taskFailedEventDetails`, ...): state name, input, output, error, cause, resource.
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl HistoryEvent {
    /// The event's details object, whatever its key.
    pub fn detail(&self, field: &str) -> Option<&Value> {
        self.details.values().next().and_then(|d| d.get(field))
    }

    /// The state this event belongs to, for state events.
    pub fn state_name(&self) -> Option<&str> {
        self.detail("name").and_then(Value::as_str)
    }
}

/// The events of one execution, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    events: Vec<HistoryEvent>,
}

impl HistoryEvent {
    /// Event number `id`, with its details (an object, or null for none).
    ///
    /// Its `previousEventId` is the event before it, as AWS links them, except where AWS
    /// links none (0, as recorded in its `GetExecutionHistory` answers): the first event,
    /// the first state's entered event (#2, right after `ExecutionStarted`), and
    /// `ExecutionAborted`.
    pub fn new(id: u64, event_type: EventType, at: Timestamp, details: Value) -> Self {
        let mut wrapped = Map::new();
        if !details.is_null() {
            wrapped.insert(event_type.details_key(), details);
        }
        HistoryEvent {
            id,
            previous_event_id: match (id, event_type) {
                (..=2, _) | (_, EventType::ExecutionAborted) => 0,
                _ => id - 1,
            },
            timestamp: at.to_string(),
            event_type,
            details: wrapped,
        }
    }
}

impl History {
    /// A history holding `events` (as a store gives them back).
    pub fn from_events(events: Vec<HistoryEvent>) -> Self {
        History { events }
    }

    /// Appends an event with its details (an object, or null for none); returns its id.
    pub fn push(&mut self, event_type: EventType, at: Timestamp, details: Value) -> u64 {
        let id = self.events.len() as u64 + 1;
        self.events
            .push(HistoryEvent::new(id, event_type, at, details));
        id
    }

    /// The events so far.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// How many events there are.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The event types in order, as AWS spells them.
    pub fn types(&self) -> Vec<String> {
        self.events.iter().map(|e| e.event_type.as_str()).collect()
    }
}

/// One line of a readable log, like the console's execution event log:
/// `2024-01-01T00:00:03.000Z     7  WaitStateExited           Wait1`.
pub fn log_line(e: &HistoryEvent) -> String {
    let mut what = e.state_name().unwrap_or_default().to_owned();
    if let Some(error) = e.detail("error").and_then(Value::as_str) {
        what = format!("{what} {error}").trim().to_owned();
    }
    format!(
        "{}  {:>4}  {:<26}{}",
        e.timestamp,
        e.id,
        e.event_type.as_str(),
        what
    )
}

impl std::fmt::Display for History {
    /// The readable log, one [`log_line`] per event.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.events {
            writeln!(f, "{}", log_line(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_numbered_and_shaped_like_aws() {
        let mut h = History::default();
        let t = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        h.push(EventType::ExecutionStarted, t, json!({ "input": "{}" }));
        let id = h.push(
            EventType::PassStateEntered,
            t,
            json!({ "name": "A", "input": "{}" }),
        );
        assert_eq!(id, 2);
        let event = serde_json::to_value(&h.events()[1]).unwrap();
        assert_eq!(
            event,
            json!({ "id": 2, "previousEventId": 0, "timestamp": "2024-01-01T00:00:00.000Z",
                    "type": "PassStateEntered", "stateEnteredEventDetails": { "name": "A", "input": "{}" } })
        );
        assert_eq!(
            EventType::TaskFailed.details_key(),
            "taskFailedEventDetails"
        );
        assert_eq!(h.types(), ["ExecutionStarted", "PassStateEntered"]);
        assert!(h.to_string().contains("PassStateEntered"));
    }
}
