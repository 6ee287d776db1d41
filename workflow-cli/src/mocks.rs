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
//!   `TimeoutSeconds` can expire. `{"FailRate": 0.3, "Throw": {...}, "Return": ...}` throws
//!   on a random 30 % of its calls and returns on the others (`workflow run --seed` makes
//!   the draw reproducible): a flaky service in one line.
//!
//! `workflow run` checks the file against the definition before it starts: a key that names
//! no Task resource is an error (with the resources it could have meant), and so is a Task
//! resource with no mock, rather than a task that fails and is retried.

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
    /// Seeds the `FailRate` draws.
    seed: Option<u64>,
}

/// One scripted call: what it answers, after how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The result, or the error the task fails with.
    pub outcome: Result<Value, TaskError>,
    /// How long the call takes.
    pub delay: Duration,
    /// With `FailRate`: how often the call fails instead, and with what.
    pub fails: Option<(f64, TaskError)>,
}

impl Mocks {
    /// No mocks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a mocks file.
    pub fn load(path: &Path) -> Result<Mocks, InputError> {
        let name = path.display();
        let text = crate::source::read_text(path, &name.to_string())
            .map_err(|e| InputError(format!("mocks file: {e}")))?;
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

    /// Seeds the draws of `FailRate` responses, for reproducible runs.
    pub fn with_seed(mut self, seed: Option<u64>) -> Self {
        self.seed = seed;
        self
    }

    /// Handlers that answer as scripted, for an [`workflow_runtime::Executor`].
    pub fn resources(&self) -> Resources {
        self.resources_with(|handler| handler)
    }

    /// [`Mocks::resources`], with each handler passed through `wrap`.
    pub fn resources_with(&self, wrap: impl Fn(Arc<dyn Handler>) -> Arc<dyn Handler>) -> Resources {
        let draws = Arc::new(std::sync::Mutex::new(match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        }));
        self.entries
            .iter()
            .fold(Resources::new(), |resources, (resource, responses)| {
                let handler = Scripted::new(responses, draws.clone());
                resources.register_arc(resource.clone(), wrap(Arc::new(handler)))
            })
    }

    /// Checks the mocks against the Task resources of `machine` (see [`task_resources`]): a
    /// mock that answers no Task is an error naming it, the resources, and the one it may
    /// have meant; so is a Task resource no mock answers.
    pub fn check_against(&self, machine: &workflow_core::StateMachine) -> Result<(), String> {
        let resources = task_resources(machine);
        let answers = |key: &str, resource: &TaskResource| match resource {
            TaskResource::Named(name) => same_resource(key, name),
            // A function named at run time (`FunctionName.$`) may be any mocked function.
            TaskResource::AnyFunction => workflow_runtime::lambda_function_name(key).is_some(),
        };
        let named: Vec<&str> = resources
            .iter()
            .filter_map(|r| match r {
                TaskResource::Named(name) => Some(name.as_str()),
                TaskResource::AnyFunction => None,
            })
            .collect();
        for (key, _) in &self.entries {
            if !resources.iter().any(|r| answers(key, r)) {
                let mut message = format!(
                    "mocks file: `{key}` is not a Task resource of the definition; its Task resources: {}",
                    if named.is_empty() {
                        "none".to_owned()
                    } else {
                        named.join(", ")
                    }
                );
                if let Some(near) = workflow_core::suggest::did_you_mean(key, named.iter().copied())
                {
                    message.push_str(&format!(" (did you mean `{near}`?)"));
                }
                return Err(message);
            }
        }
        let unanswered: Vec<&str> = named
            .iter()
            .copied()
            .filter(|name| !self.entries.iter().any(|(key, _)| same_resource(key, name)))
            .collect();
        if !unanswered.is_empty() {
            return Err(format!(
                "these Task resources have no mock: {}; give each one in the mocks file's \
                 `Resources` (a Task without one would fail and be retried)",
                unanswered.join(", ")
            ));
        }
        Ok(())
    }
}

/// A Task's resource as a mock key answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskResource {
    /// A resource string, or the function a `lambda:invoke` task names.
    Named(String),
    /// A `lambda:invoke` whose function is named at run time (`FunctionName.$`).
    AnyFunction,
}

/// The resources the Tasks of `machine` (and of its Parallel branches and Map processors)
/// call with a handler, as a mocks file keys them: activities, callbacks' tokens and nested
/// executions are answered otherwise, and not listed.
pub fn task_resources(machine: &workflow_core::StateMachine) -> Vec<TaskResource> {
    use workflow_core::model::StateKind;
    let mut found = Vec::new();
    for state in &machine.states {
        match &state.kind {
            StateKind::Task(task) => {
                let resource = task.resource.trim_end_matches(".waitForTaskToken");
                if workflow_core::model::is_activity_arn(resource)
                    || resource.starts_with("arn:aws:states:::states:")
                {
                    continue;
                }
                let named = if resource.starts_with("arn:aws:states:::lambda:invoke") {
                    let fields = task.parameters.as_ref().or(task.arguments.as_ref());
                    match fields
                        .and_then(|f| f.get("FunctionName"))
                        .and_then(Value::as_str)
                    {
                        Some(function) => TaskResource::Named(function.to_owned()),
                        None => TaskResource::AnyFunction,
                    }
                } else {
                    TaskResource::Named(resource.to_owned())
                };
                if !found.contains(&named) {
                    found.push(named);
                }
            }
            StateKind::Parallel(parallel) => {
                for branch in &parallel.branches {
                    for r in task_resources(branch) {
                        if !found.contains(&r) {
                            found.push(r);
                        }
                    }
                }
            }
            StateKind::Map(map) => {
                for r in task_resources(&map.item_processor.machine) {
                    if !found.contains(&r) {
                        found.push(r);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Whether a mock key answers a resource: the same string, or the same Lambda function by
/// name and by ARN, as the runtime finds handlers.
fn same_resource(key: &str, resource: &str) -> bool {
    let function = |s| workflow_runtime::lambda_function_name(s).unwrap_or(s);
    key == resource || function(key) == function(resource)
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
        .find(|k| !["Return", "Throw", "Delay", "FailRate"].contains(&k.as_str()))
    {
        return Err(format!(
            "{at}/{unknown}: unknown field; a response has `Return` or `Throw` (both with \
             `FailRate`), and `Delay`"
        ));
    }
    let mut fails = None;
    let outcome = match (
        object.get("Return"),
        object.get("Throw"),
        object.get("FailRate"),
    ) {
        (Some(result), None, None) => Ok(result.clone()),
        (None, Some(throw), None) => Err(task_error(throw, &format!("{at}/Throw"))?),
        (Some(result), Some(throw), Some(rate)) => {
            let rate = rate
                .as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| format!("{at}/FailRate: expected a probability from 0 to 1"))?;
            fails = Some((rate, task_error(throw, &format!("{at}/Throw"))?));
            Ok(result.clone())
        }
        (_, _, Some(_)) => {
            return Err(format!(
                "{at}: `FailRate` needs both `Throw` (what a failing call throws) and `Return`"
            ));
        }
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
    Ok(Response {
        outcome,
        delay,
        fails,
    })
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

/// A handler answering as scripted: a [`Mock`] for the outcomes, plus the delays and the
/// `FailRate` draws.
#[derive(Clone)]
struct Scripted {
    mock: Mock,
    delays: Vec<Duration>,
    fails: Vec<Option<(f64, TaskError)>>,
    draws: Arc<std::sync::Mutex<fastrand::Rng>>,
}

impl Scripted {
    fn new(responses: &[Response], draws: Arc<std::sync::Mutex<fastrand::Rng>>) -> Self {
        let mock = responses
            .iter()
            .fold(Mock::new(), |mock, r| match &r.outcome {
                Ok(value) => mock.returns(value.clone()),
                Err(error) => mock.fail(error.clone()),
            });
        Scripted {
            mock,
            delays: responses.iter().map(|r| r.delay).collect(),
            fails: responses.iter().map(|r| r.fails.clone()).collect(),
            draws,
        }
    }
}

impl Handler for Scripted {
    fn call(&self, input: Value) -> HandlerFuture {
        let answer = self.mock.call(input);
        // The mock has just recorded this call: its number picks the delay, like the outcome.
        let n = self.mock.calls().len();
        let pick = |n: usize| n.saturating_sub(1).min(self.delays.len().saturating_sub(1));
        let delay = self.delays.get(pick(n)).copied().unwrap_or_default();
        let failure = match self.fails.get(pick(n)) {
            Some(Some((rate, error))) => {
                let draw = self
                    .draws
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .f64();
                (draw < *rate).then(|| error.clone())
            }
            _ => None,
        };
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match failure {
                Some(error) => Err(error),
                None => answer.await,
            }
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
                fails: None,
            },
            Response {
                outcome: Ok(json!(2)),
                delay: Duration::ZERO,
                fails: None,
            },
        ];
        let handler = Scripted::new(&responses, Arc::default());
        let start = tokio::time::Instant::now();
        assert!(handler.call(json!(null)).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(handler.call(json!(null)).await.unwrap(), json!(2));
        assert_eq!(handler.call(json!(null)).await.unwrap(), json!(2));
    }

    #[tokio::test]
    async fn a_fail_rate_fails_that_share_of_calls_reproducibly() {
        let mocks = Mocks::from_json(&json!({ "Resources": { "flaky": {
            "FailRate": 0.3, "Throw": { "Error": "Busy" }, "Return": "ok" } } }))
        .unwrap();
        async fn outcomes(mocks: &Mocks, seed: u64) -> Vec<bool> {
            let resources = mocks.clone().with_seed(Some(seed)).resources();
            let handler = resources.find("flaky").unwrap();
            let mut failed = Vec::new();
            for _ in 0..1000 {
                failed.push(handler.call(json!(null)).await.is_err());
            }
            failed
        }
        let first = outcomes(&mocks, 7).await;
        let share = first.iter().filter(|f| **f).count();
        assert!((230..370).contains(&share), "{share} of 1000 failed");
        assert_eq!(first, outcomes(&mocks, 7).await);
        assert_ne!(first, outcomes(&mocks, 8).await);
        for (wrong, why) in [
            (json!({ "FailRate": 0.3, "Return": 1 }), "needs both"),
            (
                json!({ "FailRate": 1.5, "Throw": { "Error": "E" }, "Return": 1 }),
                "probability",
            ),
        ] {
            let error = Mocks::from_json(&json!({ "Resources": { "r": wrong } })).unwrap_err();
            assert!(error.contains(why), "{error}");
        }
    }

    #[test]
    fn mocks_are_checked_against_the_task_resources() {
        let machine = workflow_core::StateMachine::from_json_str(
            &json!({ "StartAt": "A", "States": {
                "A": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:send", "Next": "B" },
                "B": { "Type": "Parallel", "End": true, "Branches": [{ "StartAt": "C", "States": {
                    "C": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                        "Parameters": { "FunctionName": "fetch" } } } }] } } })
            .to_string(),
        )
        .unwrap();
        let mocks = |keys: &[&str]| {
            let resources: serde_json::Map<String, Value> = keys
                .iter()
                .map(|k| ((*k).to_owned(), json!({ "Return": 1 })))
                .collect();
            Mocks::from_json(&json!({ "Resources": resources })).unwrap()
        };
        // By name or ARN, in branches too.
        assert_eq!(mocks(&["send", "fetch"]).check_against(&machine), Ok(()));
        let misspelt = mocks(&["send", "fetch", "fecth"]).check_against(&machine);
        assert!(
            misspelt
                .as_ref()
                .unwrap_err()
                .contains("`fecth` is not a Task resource")
                && misspelt
                    .as_ref()
                    .unwrap_err()
                    .contains("did you mean `fetch`"),
            "{misspelt:?}"
        );
        let missing = mocks(&["send"]).check_against(&machine).unwrap_err();
        assert!(missing.contains("have no mock: fetch"), "{missing}");
    }
}
