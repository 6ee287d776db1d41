//! GetExecutionHistory: the runtime's events ([`HistoryEvent`]: ISO timestamps) in the API's
//! shape: epoch-second timestamps, and the `inputDetails`/`outputDetails` AWS adds next to
//! every `input`/`output`.

use serde_json::{Map, Value, json};
use workflow_runtime::HistoryEvent;

use crate::pagination::Page;
use crate::protocol::{ApiError, Request, seconds};
use crate::{Service, executions, members};

/// One event as the API writes it.
pub fn event(event: &HistoryEvent, include_data: bool) -> Value {
    let millis = event.timestamp.unix_millis();
    let previous = event.previous_event_id;
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(event.id));
    out.insert("previousEventId".to_owned(), json!(previous));
    out.insert("timestamp".to_owned(), seconds(millis));
    out.insert("type".to_owned(), json!(event.event_type.as_str()));
    for (key, details) in event.details() {
        let mut details = details.clone();
        if let Some(fields) = details.as_object_mut() {
            for (member, flag) in [("input", "inputDetails"), ("output", "outputDetails")] {
                if fields.contains_key(member) {
                    if !include_data {
                        fields.shift_remove(member);
                    }
                    fields
                        .entry(flag)
                        .or_insert_with(|| json!({ "truncated": false }));
                }
            }
        }
        out.insert(key.clone(), details);
    }
    Value::Object(out)
}

/// Every event of a history, in the API's shape.
pub fn events(history: &[HistoryEvent], include_data: bool) -> Vec<Value> {
    history.iter().map(|e| event(e, include_data)).collect()
}

pub fn get(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("executionArn")?;
    let reverse = request.bool_opt("reverseOrder")?.unwrap_or(false);
    let include = request.bool_opt("includeExecutionData")?.unwrap_or(true);
    let page = Page::read(
        request,
        1024,
        &format!("GetExecutionHistory {arn} {reverse} {include}"),
    )?;
    let record = executions::find(service, arn)?;
    let mut all = events(&service.durable.history(arn)?, include);
    // An execution started through a version or an alias says so in its first event.
    for event in &mut all {
        if let Some(details) = event.get_mut("executionStartedEventDetails")
            && let Some(details) = details.as_object_mut()
        {
            for key in [executions::VERSION, executions::ALIAS] {
                if let Some(arn) = record.attributes.get(key) {
                    details.insert(key.to_owned(), arn.clone());
                }
            }
        }
    }
    if reverse {
        all.reverse();
    }
    let (items, next) = page.slice(all);
    Ok(members(vec![
        ("events", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}
