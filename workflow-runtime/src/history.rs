//! The execution history, shaped like AWS's `GetExecutionHistory`: events numbered from 1,
//! each with its previous event's id, a timestamp from the clock, and type-specific details.
//!
//! Events are recorded as compact data (the event type, the instant, typed details holding
//! the strings the execution made anyway) and rendered as AWS's JSON only when read
//! ([`HistoryEvent::details`], serde): an execution records ten or more events per state
//! and most are never read, so building a JSON object per event was half of its run time.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use workflow_core::timestamp::Timestamp;

/// Declares [`EventType`] with each variant's name as a `&'static str`.
macro_rules! event_types {
    ($($(#[$meta:meta])* $name:ident,)*) => {
        /// The type of a history event, named as AWS names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[allow(missing_docs)]
        pub enum EventType {
            $($(#[$meta])* $name,)*
        }

        impl EventType {
            /// The event type as AWS spells it.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name),)*
                }
            }
        }
    };
}

event_types! {
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

/// A payload's JSON text as events show it: made once and shared by the events that show the
/// same payload (a state's output is the next state's input; a task's result is often its
/// state's output), which also keeps a waiting execution's history small.
pub(crate) type Text = std::sync::Arc<str>;

/// The details of an event as the executor records them: for the events every execution
/// records many of, the strings AWS's details hold (JSON text the executor made anyway, names,
/// numbers), rendered under AWS's keys only when read; any other event's as a JSON value.
#[derive(Debug, Clone)]
pub(crate) enum Details {
    /// No details.
    None,
    /// An object (or null for none), as given. Boxed, as are the larger details: an event
    /// is as large as its largest details.
    Json(Box<Value>),
    /// `ExecutionStarted`: `{input, roleArn}`.
    /// The role is read from the execution's names, shared rather than copied.
    Started {
        input: Text,
        config: std::sync::Arc<crate::context::ExecutionConfig>,
    },
    /// A state's entered event: `{name, input}`.
    Entered { name: Text, input: Text },
    /// A state's exited event: `{name, output}`, and the variables it assigned, each as JSON
    /// text (`assignedVariables`, with `assignedVariablesDetails`).
    Exited {
        name: Text,
        output: Text,
        assigned: Option<Box<Value>>,
    },
    /// `{output}`: an execution's or a task's success.
    Output(Text),
    /// `LambdaFunctionScheduled`: `{resource, input, timeoutInSeconds}`.
    LambdaScheduled {
        resource: String,
        input: Text,
        timeout: u64,
    },
    /// `TaskScheduled`.
    TaskScheduled(Box<Scheduled>),
    /// `TaskStarted`: `{resourceType, resource}`.
    Resource {
        resource_type: &'static str,
        resource: String,
    },
}

/// `TaskScheduled`'s details: `{resourceType, resource, region, parameters, timeoutInSeconds}`.
#[derive(Debug, Clone)]
pub(crate) struct Scheduled {
    pub resource_type: &'static str,
    pub resource: String,
    pub region: String,
    pub parameters: Text,
    pub timeout: u64,
}

impl Details {
    /// Details given as a JSON value (an object, or null for none).
    pub fn json(details: Value) -> Self {
        Details::Json(Box::new(details))
    }

    /// The details object, `None` for none.
    fn render(&self) -> Option<Value> {
        let object = |fields: Vec<(&str, Value)>| {
            Value::Object(
                fields
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value))
                    .collect(),
            )
        };
        Some(match self {
            Details::None => return None,
            Details::Json(value) if value.is_null() => return None,
            Details::Json(value) => (**value).clone(),
            Details::Started { input, config } => object(vec![
                ("input", json!(&**input)),
                ("roleArn", json!(config.role_arn)),
            ]),
            Details::Entered { name, input } => {
                object(vec![("name", json!(&**name)), ("input", json!(&**input))])
            }
            Details::Exited {
                name,
                output,
                assigned,
            } => {
                let mut fields = vec![("name", json!(&**name)), ("output", json!(&**output))];
                if let Some(assigned) = assigned {
                    fields.push(("assignedVariables", (**assigned).clone()));
                    fields.push(("assignedVariablesDetails", json!({ "truncated": false })));
                }
                object(fields)
            }
            Details::Output(output) => object(vec![("output", json!(&**output))]),
            Details::LambdaScheduled {
                resource,
                input,
                timeout,
            } => object(vec![
                ("resource", json!(resource)),
                ("input", json!(&**input)),
                ("timeoutInSeconds", json!(timeout)),
            ]),
            Details::TaskScheduled(scheduled) => {
                let Scheduled {
                    resource_type,
                    resource,
                    region,
                    parameters,
                    timeout,
                } = &**scheduled;
                object(vec![
                    ("resourceType", json!(resource_type)),
                    ("resource", json!(resource)),
                    ("region", json!(region)),
                    ("parameters", json!(&**parameters)),
                    ("timeoutInSeconds", json!(timeout)),
                ])
            }
            Details::Resource {
                resource_type,
                resource,
            } => object(vec![
                ("resourceType", json!(resource_type)),
                ("resource", json!(resource)),
            ]),
        })
    }

    /// The state a state event names, without rendering it.
    fn state_name(&self) -> Option<&str> {
        match self {
            Details::Entered { name, .. } | Details::Exited { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// One event.
///
/// Serialized (and deserialized) as AWS's `GetExecutionHistory` writes an event:
/// `{id, previousEventId, timestamp, type, <type>EventDetails}`, with an ISO 8601 timestamp.
#[derive(Debug, Clone)]
pub struct HistoryEvent {
    /// 1, 2, 3, ...
    pub id: u64,
    /// The id of the event before it (0 for the first).
    pub previous_event_id: u64,
    /// When it happened, by the execution's clock, to the millisecond.
    pub timestamp: Timestamp,
    /// What happened.
    pub event_type: EventType,
    details: Details,
    /// The details rendered, once read.
    rendered: OnceLock<Box<Map<String, Value>>>,
}

impl PartialEq for HistoryEvent {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.previous_event_id == other.previous_event_id
            && self.timestamp == other.timestamp
            && self.event_type == other.event_type
            && self.wire_details() == other.wire_details()
    }
}

/// An event as AWS's JSON writes it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    id: u64,
    previous_event_id: u64,
    timestamp: Cow<'a, str>,
    #[serde(rename = "type")]
    event_type: EventType,
    #[serde(flatten)]
    details: Cow<'a, Map<String, Value>>,
}

impl Serialize for HistoryEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            id: self.id,
            previous_event_id: self.previous_event_id,
            timestamp: Cow::Owned(self.timestamp.to_string()),
            event_type: self.event_type,
            details: self.wire_details(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HistoryEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let timestamp = Timestamp::parse(&wire.timestamp).ok_or_else(|| {
            serde::de::Error::custom(format!("not a timestamp: {}", wire.timestamp))
        })?;
        Ok(HistoryEvent {
            id: wire.id,
            previous_event_id: wire.previous_event_id,
            timestamp,
            event_type: wire.event_type,
            details: Details::None,
            rendered: OnceLock::from(Box::new(wire.details.into_owned())),
        })
    }
}

impl HistoryEvent {
    /// The details AWS attaches, under AWS's key for them (`stateEnteredEventDetails`,
    /// `taskFailedEventDetails`, ...): state name, input, output, error, cause, resource.
    /// Empty for an event with none.
    pub fn details(&self) -> &Map<String, Value> {
        self.rendered.get_or_init(|| Box::new(self.render()))
    }

    /// The details as the JSON of the event shows them, without keeping them rendered (a
    /// store writing an event reads it once).
    fn wire_details(&self) -> Cow<'_, Map<String, Value>> {
        match self.rendered.get() {
            Some(rendered) => Cow::Borrowed(rendered),
            None => Cow::Owned(self.render()),
        }
    }

    fn render(&self) -> Map<String, Value> {
        let mut wrapped = Map::new();
        if let Some(details) = self.details.render() {
            wrapped.insert(self.event_type.details_key(), details);
        }
        wrapped
    }

    /// The event's details object, whatever its key.
    pub fn detail(&self, field: &str) -> Option<&Value> {
        self.details().values().next().and_then(|d| d.get(field))
    }

    /// The state this event belongs to, for state events.
    pub fn state_name(&self) -> Option<&str> {
        if let Some(name) = self.details.state_name() {
            return Some(name);
        }
        self.detail("name").and_then(Value::as_str)
    }
}

/// The events of one execution, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    events: Vec<HistoryEvent>,
    /// Told of each event as it is appended.
    #[serde(skip)]
    observer: Observer,
}

/// What is told of each event of an execution as it happens (see
/// [`crate::Execution::observe`]): called while the history is locked, so it must be quick
/// (print a line, send on a channel).
pub type Observe = std::sync::Arc<dyn Fn(&HistoryEvent) + Send + Sync>;

/// An optional [`Observe`]; not part of what a history is (equality, serde).
#[derive(Clone, Default)]
struct Observer(Option<Observe>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Observer" } else { "None" })
    }
}

impl PartialEq for Observer {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl HistoryEvent {
    /// Event number `id`, with its details (an object, or null for none).
    pub fn new(id: u64, event_type: EventType, at: Timestamp, details: Value) -> Self {
        Self::recorded(id, event_type, at, Details::json(details))
    }

    /// Event number `id` with typed details.
    ///
    /// Its `previousEventId` is the event before it, as AWS links them, except where AWS
    /// links none (0, as recorded in its `GetExecutionHistory` answers): the first event,
    /// the first state's entered event (#2, right after `ExecutionStarted`), and
    /// `ExecutionAborted`. Its timestamp is kept to the millisecond, as AWS writes it.
    pub(crate) fn recorded(
        id: u64,
        event_type: EventType,
        at: Timestamp,
        details: Details,
    ) -> Self {
        HistoryEvent {
            id,
            previous_event_id: match (id, event_type) {
                (..=2, _) | (_, EventType::ExecutionAborted) => 0,
                _ => id - 1,
            },
            timestamp: Timestamp::from_unix_millis(at.unix_millis()),
            event_type,
            details,
            rendered: OnceLock::new(),
        }
    }
}

impl History {
    /// A history holding `events` (as a store gives them back).
    pub fn from_events(events: Vec<HistoryEvent>) -> Self {
        History {
            events,
            observer: Observer::default(),
        }
    }

    /// Tells `observer` of each event appended from now on.
    pub fn observe(&mut self, observer: Observe) {
        self.observer = Observer(Some(observer));
    }

    /// Appends an event with its details (an object, or null for none); returns its id.
    pub fn push(&mut self, event_type: EventType, at: Timestamp, details: Value) -> u64 {
        self.record(event_type, at, Details::json(details))
    }

    /// Appends an event with typed details; returns its id.
    pub(crate) fn record(&mut self, event_type: EventType, at: Timestamp, details: Details) -> u64 {
        let id = self.events.len() as u64 + 1;
        let event = HistoryEvent::recorded(id, event_type, at, details);
        if let Some(observer) = &self.observer.0 {
            observer(&event);
        }
        self.events.push(event);
        id
    }

    /// Gives back the room kept for events to come: for an execution that will wait long
    /// (a waiting execution's history is most of what it costs).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.events.shrink_to_fit();
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
        self.events
            .iter()
            .map(|e| e.event_type.as_str().to_owned())
            .collect()
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

    /// Typed details render as the JSON the same details given as a value do, key order
    /// included; an event read back from its JSON is the event written.
    #[test]
    fn typed_details_render_as_aws_json() {
        let t = Timestamp::parse("2024-01-01T00:00:01.234567Z").unwrap();
        let cases = [
            (
                EventType::ExecutionStarted,
                Details::Started {
                    input: "{}".into(),
                    config: std::sync::Arc::new(crate::context::ExecutionConfig {
                        role_arn: "arn:r".into(),
                        ..Default::default()
                    }),
                },
                json!({ "input": "{}", "roleArn": "arn:r" }),
            ),
            (
                EventType::TaskStateExited,
                Details::Exited {
                    name: "A".into(),
                    output: "1".into(),
                    assigned: Some(Box::new(json!({ "x": "2" }))),
                },
                json!({ "name": "A", "output": "1", "assignedVariables": { "x": "2" },
                        "assignedVariablesDetails": { "truncated": false } }),
            ),
            (
                EventType::TaskScheduled,
                Details::TaskScheduled(Box::new(Scheduled {
                    resource_type: "lambda",
                    resource: "invoke".into(),
                    region: "us-east-1".into(),
                    parameters: "{}".into(),
                    timeout: 60,
                })),
                json!({ "resourceType": "lambda", "resource": "invoke", "region": "us-east-1",
                        "parameters": "{}", "timeoutInSeconds": 60 }),
            ),
            (
                EventType::LambdaFunctionScheduled,
                Details::LambdaScheduled {
                    resource: "arn:f".into(),
                    input: "{}".into(),
                    timeout: 60,
                },
                json!({ "resource": "arn:f", "input": "{}", "timeoutInSeconds": 60 }),
            ),
        ];
        for (event_type, typed, expected) in cases {
            let event = HistoryEvent::recorded(3, event_type, t, typed);
            let given = HistoryEvent::new(3, event_type, t, expected);
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(text, serde_json::to_string(&given).unwrap());
            assert!(text.contains(r#""timestamp":"2024-01-01T00:00:01.234Z""#));
            let read: HistoryEvent = serde_json::from_str(&text).unwrap();
            assert_eq!(read, event);
            assert_eq!(read.details(), event.details());
        }
    }
}
