use super::StateAt;
use crate::diagnostic::{Diagnostic, Diagnostics, Pointer, field};
use crate::suggest::did_you_mean;

/// The error names Step Functions itself raises ("Error names", AWS docs). A name starting
/// with `States.` that is not one of these can never match.
pub const PREDEFINED_ERRORS: &[&str] = &[
    "States.ALL",
    "States.BranchFailed",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.QueryEvaluationError",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
];

/// Each `ErrorEquals` is a non-empty list of error names; `States.ALL` stands alone and only
/// in the last retrier or catcher (ASL spec, "Retrying after an error" and "Fallback
/// states"), because anything after it could never be reached.
pub fn check_error_names(s: &StateAt, cx: &Diagnostics) {
    let retriers = s.state.kind.retriers().iter().map(|r| &r.error_equals);
    check_list("Retry", retriers, s, cx);
    let catchers = s.state.kind.catchers().iter().map(|c| &c.error_equals);
    check_list("Catch", catchers, s, cx);
}

fn check_list<'a>(
    key: &str,
    lists: impl ExactSizeIterator<Item = &'a Vec<String>>,
    s: &StateAt,
    cx: &Diagnostics,
) {
    let count = lists.len();
    for (i, names) in lists.enumerate() {
        let at = s.field(key).index(i).key("ErrorEquals");
        if names.is_empty() {
            cx.schema(
                &at,
                format!("{} must name at least one error", field("ErrorEquals")),
            );
        }
        for (j, name) in names.iter().enumerate() {
            check_name(name, at.index(j), cx);
            if name == "States.ALL" && names.len() > 1 {
                cx.schema(
                    &at.index(j),
                    format!(
                        "`States.ALL` must appear alone in its {}",
                        field("ErrorEquals")
                    ),
                );
            }
            if name == "States.ALL" && i + 1 < count {
                let what = if key == "Retry" { "retrier" } else { "catcher" };
                cx.schema(
                    &at.index(j),
                    format!(
                        "`States.ALL` must be in the last {what}: the ones after it can never match"
                    ),
                );
            }
        }
    }
}

fn check_name(name: &str, at: Pointer, cx: &Diagnostics) {
    if name.is_empty() {
        cx.schema(&at, "an error name cannot be empty");
    } else if name.starts_with("States.") && !PREDEFINED_ERRORS.contains(&name) {
        let mut d = Diagnostic::new(
            crate::diagnostic::Code::SchemaValidationFailed,
            at,
            format!("`{name}` is not an error Step Functions raises"),
        );
        if let Some(near) = did_you_mean(name, PREDEFINED_ERRORS.iter().copied()) {
            d = d.with_help(format!("did you mean `{near}`?"));
        } else {
            d = d.with_help(
                "names starting with `States.` are reserved for Step Functions' own errors",
            );
        }
        cx.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Spelling};
    use crate::validate::test_support::{diagnose, diagnostics};
    use serde_json::json;

    fn with_retry(retry: serde_json::Value) -> serde_json::Value {
        json!({ "StartAt": "T", "States": { "T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Retry": retry, "End": true
        } } })
    }

    #[test]
    fn states_all_stands_alone_and_last() {
        let found = diagnose(with_retry(json!([
            { "ErrorEquals": ["States.ALL", "Custom"] },
            { "ErrorEquals": ["States.Timeout"] }
        ])));
        assert_eq!(
            found,
            vec![
                (
                    Code::SchemaValidationFailed,
                    "/States/T/Retry/0/ErrorEquals/0".to_owned()
                ),
                (
                    Code::SchemaValidationFailed,
                    "/States/T/Retry/0/ErrorEquals/0".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn unknown_reserved_names_get_a_suggestion() {
        let found = diagnostics(with_retry(
            json!([{ "ErrorEquals": ["States.TaskFailled"] }]),
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].help(Spelling::Asl).as_deref(),
            Some("did you mean `States.TaskFailed`?")
        );
        assert!(
            diagnose(with_retry(
                json!([{ "ErrorEquals": ["Lambda.ServiceException", "States.Timeout"] }])
            ))
            .is_empty()
        );
    }

    #[test]
    fn empty_lists_are_rejected() {
        let found = diagnose(with_retry(json!([{ "ErrorEquals": [] }])));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/T/Retry/0/ErrorEquals".to_owned()
            )]
        );
    }
}
