//! `Retry` and `Catch`.

use serde_json::Value;

use super::fields::{Fields, type_name};
use crate::diagnostic::field;
use crate::model::{Catcher, JitterStrategy, Retrier};

fn error_equals(f: &Fields) -> Vec<String> {
    f.require(&["ErrorEquals"]);
    let Some(items) = f.array("ErrorEquals") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Value::String(s) => Some(s.clone()),
            other => {
                f.cx.schema(
                    &f.ptr("ErrorEquals").index(i),
                    format!("an error name must be a string, found {}", type_name(other)),
                );
                None
            }
        })
        .collect()
}

pub(super) fn retriers(f: &Fields) -> Vec<Retrier> {
    let Some(items) = f.array("Retry") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let r = Fields::new(f.cx, item, f.ptr("Retry").index(i), "a retrier")?;
            r.deny_unknown(
                &[
                    "Comment",
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                ],
                "a retrier",
                None,
            );
            let jitter_strategy = r.string("JitterStrategy").and_then(|s| match s.as_str() {
                "FULL" => Some(JitterStrategy::Full),
                "NONE" => Some(JitterStrategy::None),
                other => {
                    r.cx.schema(
                        &r.ptr("JitterStrategy"),
                        format!(
                            "{} must be \"FULL\" or \"NONE\", found \"{other}\"",
                            field("JitterStrategy")
                        ),
                    );
                    None
                }
            });
            Some(Retrier {
                comment: r.string("Comment"),
                error_equals: error_equals(&r),
                interval_seconds: r.uint("IntervalSeconds"),
                max_attempts: r.uint("MaxAttempts"),
                backoff_rate: r.float("BackoffRate"),
                max_delay_seconds: r.uint("MaxDelaySeconds"),
                jitter_strategy,
            })
        })
        .collect()
}

pub(super) fn catchers(f: &Fields) -> Vec<Catcher> {
    let Some(items) = f.array("Catch") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let c = Fields::new(f.cx, item, f.ptr("Catch").index(i), "a catcher")?;
            c.deny_unknown(
                &[
                    "Comment",
                    "ErrorEquals",
                    "ResultPath",
                    "Output",
                    "Assign",
                    "Next",
                ],
                "a catcher",
                None,
            );
            c.require(&["Next"]);
            Some(Catcher {
                comment: c.string("Comment"),
                error_equals: error_equals(&c),
                result_path: c.nullable_string("ResultPath"),
                output: c.json("Output"),
                assign: c.object("Assign"),
                next: c.string("Next").unwrap_or_default().into(),
            })
        })
        .collect()
}
