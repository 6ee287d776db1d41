//! The state types other than Choice: their fields, and their either/or rules (`Next` or
//! `End`, one of the four Wait fields, `Error` or `ErrorPath`).

use super::fields::Fields;
use super::retry::{catchers, retriers};
use super::{Scope, common, common_without_next, deny_unknown_state_fields, machine, transition};
use crate::diagnostic::{Code, Diagnostic, field};
use crate::model::*;

pub(super) fn pass(f: &Fields) -> Pass {
    deny_unknown_state_fields(f, "Pass");
    Pass {
        common: common(f),
        parameters: f.json("Parameters"),
        result: f.json("Result"),
        result_path: f.nullable_string("ResultPath"),
        transition: transition(f),
    }
}

pub(super) fn task(f: &Fields) -> Task {
    deny_unknown_state_fields(f, "Task");
    f.require(&["Resource"]);
    Task {
        common: common(f),
        resource: f.string("Resource").unwrap_or_default(),
        credentials: f.json("Credentials"),
        parameters: f.json("Parameters"),
        arguments: f.json("Arguments"),
        result_selector: f.object("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        timeout_seconds: f.int_or_expr("TimeoutSeconds"),
        timeout_seconds_path: f.string("TimeoutSecondsPath"),
        heartbeat_seconds: f.int_or_expr("HeartbeatSeconds"),
        heartbeat_seconds_path: f.string("HeartbeatSecondsPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}

const WAIT_FIELDS: [&str; 4] = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];

pub(super) fn wait(f: &Fields) -> Wait {
    deny_unknown_state_fields(f, "Wait");
    let present: Vec<&str> = WAIT_FIELDS.into_iter().filter(|k| f.has(k)).collect();
    if present.is_empty() {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.at.clone(),
                format!(
                    "a Wait state needs one of {}, {}, {} or {}",
                    field("Seconds"),
                    field("Timestamp"),
                    field("SecondsPath"),
                    field("TimestampPath")
                ),
            )
            .at_key(),
        );
    }
    for extra in present.iter().skip(1) {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr(extra),
                format!(
                    "a Wait state has exactly one of {}, {}, {} or {}, found {} and {}",
                    field("Seconds"),
                    field("Timestamp"),
                    field("SecondsPath"),
                    field("TimestampPath"),
                    field(present[0]),
                    field(extra)
                ),
            )
            .at_key(),
        );
    }
    let wait_for = match present.first().copied() {
        Some("Seconds") => f.int_or_expr("Seconds").map(WaitFor::Seconds),
        Some("Timestamp") => f.string("Timestamp").map(WaitFor::Timestamp),
        Some("SecondsPath") => f.string("SecondsPath").map(WaitFor::SecondsPath),
        Some("TimestampPath") => f.string("TimestampPath").map(WaitFor::TimestampPath),
        _ => None,
    };
    Wait {
        common: common(f),
        wait_for: wait_for.unwrap_or(WaitFor::Seconds(IntOrExpr::Int(0))),
        transition: transition(f),
    }
}

pub(super) fn succeed(f: &Fields) -> Succeed {
    deny_unknown_state_fields(f, "Succeed");
    Succeed {
        common: common_without_next(f),
    }
}

pub(super) fn fail(f: &Fields) -> Fail {
    deny_unknown_state_fields(f, "Fail");
    for (plain, path) in [("Error", "ErrorPath"), ("Cause", "CausePath")] {
        if f.has(plain) && f.has(path) {
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.ptr(path),
                    format!(
                        "a Fail state has {} or {}, not both",
                        field(plain),
                        field(path)
                    ),
                )
                .at_key(),
            );
        }
    }
    Fail {
        common: common_without_next(f),
        error: f.string("Error"),
        error_path: f.string("ErrorPath"),
        cause: f.string("Cause"),
        cause_path: f.string("CausePath"),
    }
}

pub(super) fn parallel(f: &Fields) -> Parallel {
    deny_unknown_state_fields(f, "Parallel");
    f.require(&["Branches"]);
    let branches: Vec<StateMachine> = f
        .array("Branches")
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| machine(f.cx, item, f.ptr("Branches").index(i), Scope::Branch))
                .collect()
        })
        .unwrap_or_default();
    if f.get("Branches")
        .is_some_and(|b| b.as_array().is_some_and(Vec::is_empty))
    {
        f.cx.schema(
            &f.ptr("Branches"),
            format!("{} must have at least one branch", field("Branches")),
        );
    }
    Parallel {
        common: common(f),
        branches,
        parameters: f.json("Parameters"),
        arguments: f.json("Arguments"),
        result_selector: f.object("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}

pub(super) fn map(f: &Fields) -> Map {
    deny_unknown_state_fields(f, "Map");
    let legacy_iterator = !f.has("ItemProcessor") && f.has("Iterator");
    if f.has("ItemProcessor") && f.has("Iterator") {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr("Iterator"),
                format!(
                    "a Map state has {} or the legacy {}, not both",
                    field("ItemProcessor"),
                    field("Iterator")
                ),
            )
            .at_key(),
        );
    }
    let key = if legacy_iterator {
        "Iterator"
    } else {
        "ItemProcessor"
    };
    f.require(&[key]);
    let machine = match f.get(key) {
        Some(v) => machine(f.cx, v, f.ptr(key), Scope::ItemProcessor),
        None => StateMachine::default(),
    };
    Map {
        common: common(f),
        item_processor: ItemProcessor {
            machine,
            legacy_iterator,
        },
        items_path: f.string("ItemsPath"),
        items: f.json("Items"),
        item_reader: f.json("ItemReader"),
        item_selector: f.json("ItemSelector"),
        parameters: f.json("Parameters"),
        item_batcher: f.json("ItemBatcher"),
        result_writer: f.json("ResultWriter"),
        max_concurrency: f.int_or_expr("MaxConcurrency"),
        max_concurrency_path: f.string("MaxConcurrencyPath"),
        tolerated_failure_percentage: f.json("ToleratedFailurePercentage"),
        tolerated_failure_percentage_path: f.string("ToleratedFailurePercentagePath"),
        tolerated_failure_count: f.int_or_expr("ToleratedFailureCount"),
        tolerated_failure_count_path: f.string("ToleratedFailureCountPath"),
        label: f.string("Label"),
        result_selector: f.object("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}
