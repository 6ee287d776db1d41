//! The mocks file of `workflow run --mocks FILE` (and `workflow test-state --mocks FILE`):
//! what each Task resource answers, call by call, in the spirit of Step Functions Local's
//! `MockConfigFile`, keyed by resource instead of by test case and state.
//!
//! ```json
//! {
//!   "Resources": {
//!     "send_message": [
//!       { "Throw": { "Error": "States.TaskFailed", "Cause": "mail server busy" } },
//!       { "Return": { "user_id": "u-1", "messages_sent": 1 }, "Delay": 0.5 }
//!     ],
//!     "arn:aws:lambda:us-east-1:123456789012:function:fetch": { "Return": { "activities": 0 } },
//!     "${CheckFunctionArn}": {
//!       "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException" } },
//!       "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "timed out" } },
//!       "3": { "Return": true }
//!     }
//!   }
//! }
//! ```
//!
//! - `Resources` maps a resource to its responses. The resource is a Lambda function name or
//!   ARN (either form matches the other; for `arn:aws:states:::lambda:invoke` it is the
//!   `FunctionName` parameter), a `${Placeholder}`, or any other `Resource` string, exactly.
//! - The responses are a list (call 1 gets the first, call 2 the second, ...), an object
//!   keyed by zero-based call numbers and inclusive ranges as in `MockConfigFile` (`"0"`,
//!   `"1-2"`, covering every call from 0 without gaps), or one response for every call.
//!   Calls past the last response repeat it. Every attempt is a call, retries included, and
//!   states sharing a resource share its count.
//! - A response is `{"Return": <any JSON>}` (the result; for `lambda:invoke` the function's
//!   payload, which the runtime wraps in AWS's envelope) or
//!   `{"Throw": {"Error": "...", "Cause": "..."}}` (`Cause` optional), with an optional
//!   `"Delay": seconds` (a number, fractions allowed) before it answers, so that a Task's
//!   `TimeoutSeconds` can expire.
//!
//! A Task whose resource has no mock fails as the runtime fails an unregistered resource
//! (`Lambda.ResourceNotFoundException` for Lambda functions, `States.TaskFailed` otherwise).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use workflow_runtime::{
    FieldValidationMode, Handler, HandlerFuture, Mock, Resources, TaskError, TestMock,
};

use crate::source::InputError;

/// The longest `Delay` accepted: a year, far past any Task timeout.
const MAX_DELAY_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

/// Scripted responses, by resource.
#[derive(Debug, Clone, Default)]
pub struct Mocks {
    entries: Vec<(String, Vec<Response>)>,
}

/// One scripted call: what it answers, after how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The result, or the error the task fails with.
    pub outcome: Result<Value, TaskError>,
    /// How long the call takes.
    pub delay: Duration,
}

impl Mocks {
    /// No mocks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a mocks file.
    pub fn load(path: &Path) -> Result<Mocks, InputError> {
        let name = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("cannot read mocks file `{name}`: {e}")))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| InputError(format!("mocks file `{name}` is not JSON: {e}")))?;
        Mocks::from_json(&value).map_err(|e| InputError(format!("mocks file `{name}`: {e}")))
    }

    /// Reads the JSON of a mocks file; errors name the JSON pointer at fault.
    pub fn from_json(value: &Value) -> Result<Mocks, String> {
        let top = value
            .as_object()
            .ok_or("expected an object with `Resources`")?;
        if top.contains_key("MockedResponses") || top.contains_key("StateMachines") {
            return Err(
                "this is Step Functions Local's MockConfigFile; workflow's mocks file \
                        keys responses by resource: {\"Resources\": {\"<resource>\": [...]}}"
                    .to_owned(),
            );
        }
        if let Some(unknown) = top.keys().find(|k| *k != "Resources") {
            return Err(format!("/{unknown}: unknown field; expected `Resources`"));
        }
        let resources = match top.get("Resources") {
            Some(Value::Object(resources)) => resources,
            Some(_) => return Err("/Resources: expected an object".to_owned()),
            None => return Err("/: missing field `Resources`".to_owned()),
        };
        let mut mocks = Mocks::new();
        for (resource, responses) in resources {
            let at = format!(
                "/Resources/{}",
                resource.replace('~', "~0").replace('/', "~1")
            );
            mocks.insert(resource.clone(), responses_of(responses, &at)?);
        }
        Ok(mocks)
    }

    /// Adds (or replaces) the responses of one resource.
    pub fn insert(&mut self, resource: String, responses: Vec<Response>) {
        self.entries.retain(|(r, _)| *r != resource);
        self.entries.push((resource, responses));
    }

    /// Whether a resource has responses.
    pub fn contains(&self, resource: &str) -> bool {
        self.entries.iter().any(|(r, _)| r == resource)
    }

    /// The mocked resources, in the order they were given.
    pub fn resource_names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(r, _)| r.as_str())
    }

    /// Handlers that answer as scripted, for an [`workflow_runtime::Executor`].
    pub fn resources(&self) -> Resources {
        self.resources_with(|handler| handler)
    }

    /// [`Mocks::resources`], with each handler passed through `wrap`.
    pub fn resources_with(&self, wrap: impl Fn(Arc<dyn Handler>) -> Arc<dyn Handler>) -> Resources {
        self.entries
            .iter()
            .fold(Resources::new(), |resources, (resource, responses)| {
                resources.register_arc(resource.clone(), wrap(Arc::new(Scripted::new(responses))))
            })
    }
}

/// A resource's responses: a list, a `MockConfigFile`-style object keyed by call numbers,
/// or one response.
fn responses_of(value: &Value, at: &str) -> Result<Vec<Response>, String> {
    match value {
        Value::Array(items) if items.is_empty() => Err(format!("{at}: no responses")),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| response(item, &format!("{at}/{i}")))
            .collect(),
        Value::Object(o) if is_response(o) => Ok(vec![response(value, at)?]),
        Value::Object(o) if o.is_empty() => Err(format!("{at}: no responses")),
        Value::Object(o) => by_call_number(o, at),
        _ => Err(format!(
            "{at}: expected a list of responses, an object keyed by call numbers, or a response"
        )),
    }
}

fn is_response(object: &Map<String, Value>) -> bool {
    ["Return", "Throw", "Delay"]
        .iter()
        .any(|k| object.contains_key(*k))
}

/// `{"0": ..., "1-2": ..., "3": ...}`: zero-based call numbers and inclusive ranges.
fn by_call_number(object: &Map<String, Value>, at: &str) -> Result<Vec<Response>, String> {
    let mut ranges = Vec::new();
    for (key, value) in object {
        let here = format!("{at}/{key}");
        let (first, last) = match key.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>(), b.trim().parse::<usize>()),
            None => (key.trim().parse::<usize>(), key.trim().parse::<usize>()),
        };
        let (Ok(first), Ok(last)) = (first, last) else {
            return Err(format!(
                "{here}: expected a call number (\"0\"), a range (\"1-2\") or a response \
                 field (`Return`, `Throw`, `Delay`)"
            ));
        };
        if last < first || last - first > 10_000 {
            return Err(format!("{here}: the range is empty or too long"));
        }
        ranges.push((first, last, response(value, &here)?));
    }
    ranges.sort_by_key(|(first, ..)| *first);
    let mut responses = Vec::new();
    for (first, last, response) in ranges {
        if first != responses.len() {
            return Err(format!(
                "{at}: call {} has no response (the call numbers must cover 0, 1, 2, ... without gaps or overlaps)",
                responses.len()
            ));
        }
        responses.extend(std::iter::repeat_n(response, last - first + 1));
    }
    Ok(responses)
}

/// `{"Return": ...}` or `{"Throw": {"Error", "Cause"}}`, with an optional `"Delay"`.
fn response(value: &Value, at: &str) -> Result<Response, String> {
    let object = value.as_object().ok_or_else(|| {
        format!("{at}: expected a response: {{\"Return\": ...}} or {{\"Throw\": ...}}")
    })?;
    if let Some(unknown) = object
        .keys()
        .find(|k| !["Return", "Throw", "Delay"].contains(&k.as_str()))
    {
        return Err(format!(
            "{at}/{unknown}: unknown field; a response has `Return` or `Throw`, and `Delay`"
        ));
    }
    let outcome = match (object.get("Return"), object.get("Throw")) {
        (Some(result), None) => Ok(result.clone()),
        (None, Some(throw)) => Err(task_error(throw, &format!("{at}/Throw"))?),
        _ => {
            return Err(format!(
                "{at}: a response needs exactly one of `Return` or `Throw`"
            ));
        }
    };
    let delay = match object.get("Delay") {
        None => Duration::ZERO,
        Some(seconds) => seconds
            .as_f64()
            .filter(|s| (0.0..=MAX_DELAY_SECONDS).contains(s))
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| {
                format!("{at}/Delay: expected a number of seconds from 0 to {MAX_DELAY_SECONDS}")
            })?,
    };
    Ok(Response { outcome, delay })
}

fn task_error(value: &Value, at: &str) -> Result<TaskError, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("{at}: expected {{\"Error\": \"...\", \"Cause\": \"...\"}}"))?;
    let error = match object.get("Error") {
        Some(Value::String(error)) => error.clone(),
        _ => return Err(format!("{at}/Error: expected the error name, a string")),
    };
    let cause = match object.get("Cause") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(cause)) => cause.clone(),
        Some(other) => other.to_string(),
    };
    Ok(TaskError::new(error, cause))
}

/// A mock for `workflow test-state`: AWS TestState's `mock` (`{"result": "<JSON text>",
/// "fieldValidationMode": ...}` or `{"errorOutput": {"error": "...", "cause": "..."}}`), or a
/// response of the mocks file (`{"Return": ...}`, `{"Throw": ...}`), which is not checked
/// against the service's output shape (its delay is ignored: nothing is called).
pub fn test_state_mock(value: &Value) -> Result<TestMock, String> {
    let Some(object) = value.as_object() else {
        return Err("expected {\"result\": \"...\"} or {\"errorOutput\": {...}}".to_owned());
    };
    if is_response(object) {
        return Ok(match response(value, "")?.outcome {
            Ok(value) => TestMock::Result {
                value,
                validation: FieldValidationMode::None,
            },
            Err(TaskError { error, cause }) => TestMock::Error {
                error,
                cause: Some(cause),
            },
        });
    }
    TestMock::from_aws(value).map_err(|e| e.to_string())
}

/// A handler answering as scripted: a [`Mock`] for the outcomes, plus the delays.
#[derive(Clone)]
struct Scripted {
    mock: Mock,
    delays: Vec<Duration>,
}

impl Scripted {
    fn new(responses: &[Response]) -> Self {
        let mock = responses
            .iter()
            .fold(Mock::new(), |mock, r| match &r.outcome {
                Ok(value) => mock.returns(value.clone()),
                Err(error) => mock.fail(error.clone()),
            });
        Scripted {
            mock,
            delays: responses.iter().map(|r| r.delay).collect(),
        }
    }
}

impl Handler for Scripted {
    fn call(&self, input: Value) -> HandlerFuture {
        let answer = self.mock.call(input);
        // The mock has just recorded this call: its number picks the delay, like the outcome.
        let n = self.mock.calls().len();
        let delay = self
            .delays
            .get(n.saturating_sub(1))
            .or(self.delays.last())
            .copied()
            .unwrap_or_default();
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            answer.await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_three_forms_of_responses() {
        let mocks = Mocks::from_json(&json!({
            "Resources": {
                "list": [{ "Return": 1 }, { "Throw": { "Error": "E" }, "Delay": 1.5 }],
                "one": { "Return": { "ok": true } },
                "ranges": { "0": { "Return": 0 }, "1-2": { "Return": 1 }, "3": { "Return": 3 } }
            }
        }))
        .unwrap();
        let list = &mocks.entries[0].1;
        assert_eq!(list[1].outcome, Err(TaskError::new("E", "")));
        assert_eq!(list[1].delay, Duration::from_millis(1500));
        assert_eq!(mocks.entries[1].1.len(), 1);
        let ranges: Vec<_> = mocks.entries[2]
            .1
            .iter()
            .map(|r| r.outcome.clone().unwrap())
            .collect();
        assert_eq!(ranges, [json!(0), json!(1), json!(1), json!(3)]);
    }

    #[test]
    fn mistakes_are_named_with_their_pointer() {
        for (file, expected) in [
            (json!([]), "expected an object"),
            (
                json!({ "Resources": { "f": [] } }),
                "/Resources/f: no responses",
            ),
            (
                json!({ "Resources": { "f": { "Return": 1, "Throw": {} } } }),
                "exactly one",
            ),
            (
                json!({ "Resources": { "f": { "Retrun": 1 } } }),
                "call number",
            ),
            (
                json!({ "Resources": { "f": [{ "Return": 1, "Dealy": 1 }] } }),
                "/Resources/f/0/Dealy",
            ),
            (
                json!({ "Resources": { "f": { "Return": 1, "Delay": -1 } } }),
                "/Delay",
            ),
            (
                json!({ "Resources": { "f": { "0": { "Return": 1 }, "2": { "Return": 2 } } } }),
                "call 1 has no response",
            ),
            (
                json!({ "Resources": { "a/b": { "Throw": { "Cause": "x" } } } }),
                "/Resources/a~1b/Throw/Error",
            ),
            (json!({ "MockedResponses": {} }), "MockConfigFile"),
            (json!({ "Resource": {} }), "unknown field"),
        ] {
            let err = Mocks::from_json(&file).unwrap_err();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }

    #[test]
    fn test_state_mocks_take_aws_shape() {
        let ok = test_state_mock(&json!({ "result": "{\"a\": 1}" })).unwrap();
        assert_eq!(
            ok,
            TestMock::Result {
                value: json!({ "a": 1 }),
                validation: FieldValidationMode::Strict
            }
        );
        let err =
            test_state_mock(&json!({ "errorOutput": { "error": "E", "cause": "C" } })).unwrap();
        assert_eq!(
            err,
            TestMock::Error {
                error: "E".into(),
                cause: Some("C".into())
            }
        );
        assert!(test_state_mock(&json!({ "result": "nope" })).is_err());
        assert!(test_state_mock(&json!({ "Return": 2 })).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn scripted_handlers_wait_then_answer_in_order() {
        let responses = vec![
            Response {
                outcome: Err(TaskError::new("Busy", "")),
                delay: Duration::from_secs(5),
            },
            Response {
                outcome: Ok(json!(2)),
                delay: Duration::ZERO,
            },
        ];
        let handler = Scripted::new(&responses);
        let start = tokio::time::Instant::now();
        assert!(handler.call(json!(null)).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(handler.call(json!(null)).await.unwrap(), json!(2));
        assert_eq!(handler.call(json!(null)).await.unwrap(), json!(2));
    }
}
