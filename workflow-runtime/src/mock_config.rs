//! Step Functions Local's `MockConfigFile`, unchanged, so that existing test suites run as
//! they are ("Using mocked service integrations for testing in Step Functions Local", AWS
//! Step Functions developer guide):
//!
//! ```json
//! { "StateMachines": { "<state machine name>": { "TestCases": {
//!       "<test case>": { "<state name>": "<mocked response name>" } } } },
//!   "MockedResponses": { "<mocked response name>": {
//!       "0": { "Return": { ... } },
//!       "1-2": { "Throw": { "Error": "...", "Cause": "..." } } } } }
//! ```
//!
//! An execution runs a test case when it is started with `<state machine ARN>#<test case>`.
//! A Task state the test case names answers with its mocked response, by invocation
//! number: zero-based, counting every call of that state in the execution, retries
//! included; a key is one number or an inclusive range `a-b`. `Return` is the service's
//! whole response (for `lambda:invoke`, `{StatusCode, Payload}`: the task's result is it,
//! as AWS's would be); `Throw` fails the task with its error and cause. An invocation with
//! no response fails the task with `States.TaskFailed`, saying so. States the test case
//! does not name call their resource as usual.
//!
//! Invocation numbers are counted by the process: after a restart they count again from
//! 0 for the executions it resumes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::TaskError;
use crate::executor::lock;
use crate::handlers::Invocation;

/// A parsed `MockConfigFile`.
#[derive(Debug, Default)]
pub struct MockConfig {
    /// State machine name -> test case -> state name -> mocked response name.
    test_cases: HashMap<String, HashMap<String, HashMap<String, String>>>,
    responses: HashMap<String, Arc<MockedResponse>>,
}

/// The responses of one mocked response name, by invocation number.
#[derive(Debug)]
struct MockedResponse {
    /// Inclusive ranges of invocation numbers and what they answer.
    ranges: Vec<(u64, u64, Result<Value, TaskError>)>,
}

/// Why a `MockConfigFile` is unusable: the message names the place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid mock configuration: {0}")]
pub struct MockConfigError(String);

impl MockConfig {
    /// Parses a `MockConfigFile`'s text. Every test case must name mocked responses that
    /// exist, and every response must be a `Return` or a `Throw` under a number or a range.
    pub fn from_json_str(text: &str) -> Result<MockConfig, MockConfigError> {
        let error = |message: String| MockConfigError(message);
        let document: Value =
            serde_json::from_str(text).map_err(|e| error(format!("not JSON: {e}")))?;
        let object =
            |value: &Value, at: &str| -> Result<serde_json::Map<String, Value>, MockConfigError> {
                value
                    .as_object()
                    .cloned()
                    .ok_or_else(|| error(format!("{at} must be an object")))
            };
        object(&document, "the file")?;
        let member = |value: &Value, key: &str| {
            value
                .get(key)
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default()))
        };
        let mut config = MockConfig::default();
        let responses = member(&document, "MockedResponses");
        for (name, by_invocation) in object(&responses, "MockedResponses")? {
            let mut ranges = Vec::new();
            for (key, response) in object(&by_invocation, &format!("MockedResponses.{name}"))? {
                let at = format!("MockedResponses.{name}.{key}");
                let (from, to) = parse_range(&key).ok_or_else(|| {
                    error(format!(
                        "{at}: `{key}` is not an invocation number or a range `a-b`"
                    ))
                })?;
                ranges.push((from, to, parse_response(&response, &at)?));
            }
            ranges.sort_by_key(|(from, ..)| *from);
            config
                .responses
                .insert(name, Arc::new(MockedResponse { ranges }));
        }
        let machines = member(&document, "StateMachines");
        for (machine, body) in object(&machines, "StateMachines")? {
            let cases = member(&body, "TestCases");
            let mut by_case = HashMap::new();
            for (case, states) in object(&cases, &format!("StateMachines.{machine}.TestCases"))? {
                let mut by_state = HashMap::new();
                for (state, response) in object(
                    &states,
                    &format!("StateMachines.{machine}.TestCases.{case}"),
                )? {
                    let at = format!("StateMachines.{machine}.TestCases.{case}.{state}");
                    let response = response
                        .as_str()
                        .ok_or_else(|| error(format!("{at} must name a mocked response")))?;
                    if !config.responses.contains_key(response) {
                        return Err(error(format!(
                            "{at} names `{response}`, which is not in MockedResponses"
                        )));
                    }
                    by_state.insert(state, response.to_owned());
                }
                by_case.insert(case, by_state);
            }
            config.test_cases.insert(machine, by_case);
        }
        Ok(config)
    }

    /// Whether the state machine has the test case.
    pub fn has_test_case(&self, state_machine: &str, test_case: &str) -> bool {
        self.test_cases
            .get(state_machine)
            .is_some_and(|cases| cases.contains_key(test_case))
    }

    /// The mocks of one test case, for one execution (its invocation counters start at 0).
    pub fn test_case(&self, state_machine: &str, test_case: &str) -> Option<MockCase> {
        let states = self.test_cases.get(state_machine)?.get(test_case)?;
        Some(MockCase {
            name: test_case.to_owned(),
            states: states
                .iter()
                .filter_map(|(state, response)| {
                    Some((state.clone(), self.responses.get(response)?.clone()))
                })
                .collect(),
            invocations: Mutex::default(),
        })
    }
}

/// `"3"` -> (3, 3); `"1-2"` -> (1, 2).
fn parse_range(key: &str) -> Option<(u64, u64)> {
    match key.split_once('-') {
        Some((from, to)) => {
            let (from, to) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
            (from <= to).then_some((from, to))
        }
        None => key.trim().parse().ok().map(|n| (n, n)),
    }
}

fn parse_response(response: &Value, at: &str) -> Result<Result<Value, TaskError>, MockConfigError> {
    if let Some(value) = response.get("Return") {
        return Ok(Ok(value.clone()));
    }
    if let Some(thrown) = response.get("Throw") {
        let error = thrown
            .get("Error")
            .and_then(Value::as_str)
            .ok_or_else(|| MockConfigError(format!("{at}.Throw needs an `Error` string")))?;
        let cause = thrown
            .get("Cause")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Ok(Err(TaskError::new(error, cause)));
    }
    Err(MockConfigError(format!(
        "{at} must hold `Return` or `Throw`"
    )))
}

/// One execution's test case: the mocked states and how often each has been invoked.
#[derive(Debug)]
pub struct MockCase {
    name: String,
    states: HashMap<String, Arc<MockedResponse>>,
    invocations: Mutex<HashMap<String, u64>>,
}

impl MockCase {
    /// Whether the test case mocks this state.
    pub fn mocks(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// The mocked answer to this invocation of a mocked state (counting it).
    pub fn answer(&self, invocation: &Invocation) -> Result<Value, TaskError> {
        let Some(response) = self.states.get(&invocation.state) else {
            return Err(TaskError::new(
                crate::names::TASK_FAILED,
                format!(
                    "test case {} does not mock state {}",
                    self.name, invocation.state
                ),
            ));
        };
        let index = {
            let mut invocations = lock(&self.invocations);
            let count = invocations.entry(invocation.state.clone()).or_default();
            let index = *count;
            *count += 1;
            index
        };
        response
            .ranges
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&index))
            .map(|(.., answer)| answer.clone())
            .unwrap_or_else(|| {
                Err(TaskError::new(
                    crate::names::TASK_FAILED,
                    format!(
                        "test case {} has no mocked response for invocation {index} of state {}",
                        self.name, invocation.state
                    ),
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn invocation(state: &str) -> Invocation {
        Invocation {
            execution_arn: "arn:e".into(),
            state: state.into(),
            entered_event_id: 2,
            attempt: 0,
            resource: "arn:aws:states:::lambda:invoke".into(),
            function: Some("f".into()),
        }
    }

    const DOCUMENTED: &str = r#"{
      "StateMachines": { "LambdaSQSIntegration": { "TestCases": {
          "HappyPath": { "LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess" },
          "RetryPath": { "LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess" } } } },
      "MockedResponses": {
        "MockedLambdaSuccess": { "0": { "Return": { "StatusCode": 200, "Payload": { "body": "hi" } } } },
        "MockedSQSSuccess": { "0": { "Return": { "MessageId": "m-1" } } },
        "MockedLambdaRetry": {
          "0": { "Throw": { "Error": "Lambda.ResourceNotReadyException", "Cause": "not ready" } },
          "1-2": { "Throw": { "Error": "Lambda.TimeoutException", "Cause": "timed out" } },
          "3": { "Return": { "StatusCode": 200, "Payload": { "body": "hi" } } } } } }"#;

    #[test]
    fn the_documented_example_answers_by_invocation_number() {
        let config = MockConfig::from_json_str(DOCUMENTED).unwrap();
        assert!(config.has_test_case("LambdaSQSIntegration", "RetryPath"));
        assert!(!config.has_test_case("LambdaSQSIntegration", "Missing"));
        let case = config
            .test_case("LambdaSQSIntegration", "RetryPath")
            .unwrap();
        assert!(case.mocks("LambdaState") && !case.mocks("Other"));
        let errors: Vec<String> = (0..3)
            .map(|_| case.answer(&invocation("LambdaState")).unwrap_err().error)
            .collect();
        assert_eq!(
            errors,
            [
                "Lambda.ResourceNotReadyException",
                "Lambda.TimeoutException",
                "Lambda.TimeoutException"
            ]
        );
        assert_eq!(
            case.answer(&invocation("LambdaState")),
            Ok(json!({ "StatusCode": 200, "Payload": { "body": "hi" } }))
        );
        // Past the last response: a named failure, not a guess.
        let past = case.answer(&invocation("LambdaState")).unwrap_err();
        assert_eq!(past.error, "States.TaskFailed");
        assert!(
            past.cause.contains("invocation 4 of state LambdaState"),
            "{}",
            past.cause
        );
        // Counters are per state, and per execution (each test_case() starts afresh).
        assert_eq!(
            case.answer(&invocation("SQSState")),
            Ok(json!({ "MessageId": "m-1" }))
        );
        let fresh = config
            .test_case("LambdaSQSIntegration", "RetryPath")
            .unwrap();
        assert!(fresh.answer(&invocation("LambdaState")).is_err());
        assert_eq!(
            fresh.answer(&invocation("SQSState")),
            Ok(json!({ "MessageId": "m-1" }))
        );
    }

    #[test]
    fn unusable_files_say_where() {
        let cases = [
            ("[]", "the file must be an object"),
            (
                r#"{"MockedResponses": []}"#,
                "MockedResponses must be an object",
            ),
            (
                r#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#,
                "MockedResponses.R.x: `x` is not an invocation number",
            ),
            (
                r#"{"MockedResponses": {"R": {"2-1": {"Return": 1}}}}"#,
                "is not an invocation number or a range",
            ),
            (
                r#"{"MockedResponses": {"R": {"0": {"Retrun": 1}}}}"#,
                "MockedResponses.R.0 must hold `Return` or `Throw`",
            ),
            (
                r#"{"MockedResponses": {"R": {"0": {"Throw": {}}}}}"#,
                "MockedResponses.R.0.Throw needs an `Error` string",
            ),
            (
                r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "Nope"}}}}}"#,
                "StateMachines.M.TestCases.T.S names `Nope`, which is not in MockedResponses",
            ),
        ];
        for (text, expected) in cases {
            let error = MockConfig::from_json_str(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
