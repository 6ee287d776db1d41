//! The validator never panics, whatever the document: arbitrary JSON built from ASL's own
//! vocabulary (so that it gets deep into the parser and the rules), and arbitrary text.

use proptest::prelude::*;
use serde_json::{Map, Value};
use workflow_core::StateMachine;

const KEYS: &[&str] = &[
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Comment",
    "Resource",
    "Choices",
    "Default",
    "Variable",
    "NumericEquals",
    "StringEqualsPath",
    "And",
    "Or",
    "Not",
    "Seconds",
    "Timestamp",
    "SecondsPath",
    "Retry",
    "Catch",
    "ErrorEquals",
    "MaxAttempts",
    "BackoffRate",
    "IntervalSeconds",
    "Branches",
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "Parameters",
    "ResultPath",
    "InputPath",
    "OutputPath",
    "ResultSelector",
    "Error",
    "CausePath",
    "QueryLanguage",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Assign",
    "Output",
    "A",
    "B",
];
const STRINGS: &[&str] = &[
    "A",
    "B",
    "Pass",
    "Task",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Parallel",
    "Map",
    "$",
    "$.a",
    "$$.Execution.Input",
    "$.a[*]",
    "States.ALL",
    "States.TaskFailed",
    "JSONata",
    "JSONPath",
    "States.Format('{}', $.a)",
    "arn:aws:states:::lambda:invoke",
    "2016-03-14T01:59:00Z",
    "",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 128, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn checking_any_document_returns(document in json()) {
        let _ = workflow_core::check(&document);
    }

    #[test]
    fn parsing_any_text_returns(text in ".{0,200}") {
        let _ = StateMachine::from_json_str(&text);
    }
}
