//! Choice states and their rules: `And`/`Or`/`Not`, `Condition`, or `Variable` with exactly
//! one comparison operator.

use serde_json::Value;

use super::fields::Fields;
use super::{common_without_next, deny_unknown_state_fields};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer, field};
use crate::model::{Choice, ChoiceRule, Comparison, ComparisonOperator, Condition, Operand};

pub(super) fn choice(f: &Fields) -> Choice {
    deny_unknown_state_fields(f, "Choice");
    f.require(&["Choices"]);
    let choices: Vec<ChoiceRule> = f
        .array("Choices")
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| choice_rule(f.cx, item, f.ptr("Choices").index(i)))
                .collect()
        })
        .unwrap_or_default();
    if f.get("Choices")
        .is_some_and(|c| c.as_array().is_some_and(Vec::is_empty))
    {
        f.cx.schema(
            &f.ptr("Choices"),
            format!("{} must have at least one rule", field("Choices")),
        );
    }
    Choice {
        common: common_without_next(f),
        choices,
        default: f.string("Default").map(Into::into),
    }
}

const RULE_FIELDS: &[&str] = &["Comment", "Variable", "And", "Or", "Not", "Condition"];

fn choice_rule(cx: &Diagnostics, value: &Value, at: Pointer) -> Option<ChoiceRule> {
    let f = Fields::new(cx, value, at, "a choice rule")?;
    // The condition first: it reports unknown fields, and a misspelt `Next` among them is
    // not also reported as missing.
    let condition = condition(&f, &["Next", "Assign", "Output"]);
    f.require(&["Next"]);
    Some(ChoiceRule {
        comment: f.string("Comment"),
        condition: condition.unwrap_or(Condition::And(Vec::new())),
        assign: f.object("Assign"),
        output: f.json("Output"),
        next: f.string("Next").unwrap_or_default().into(),
    })
}

/// One Boolean expression: `And`, `Or`, `Not`, `Condition`, or `Variable` with exactly one
/// comparison operator. `extra` lists the other fields allowed at this level.
fn condition(f: &Fields, extra: &[&str]) -> Option<Condition> {
    let mut allowed: Vec<&str> = RULE_FIELDS.to_vec();
    allowed.extend(extra);
    for name in ComparisonOperator::names() {
        allowed.push(name);
    }
    f.deny_unknown(&allowed, "a choice rule", None);

    let present_ops: Vec<(&String, ComparisonOperator)> = f
        .map
        .keys()
        .filter_map(|k| ComparisonOperator::from_name(k).map(|op| (k, op)))
        .collect();
    let forms: Vec<&str> = ["And", "Or", "Not", "Condition", "Variable"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    if forms.len() > 1 {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr(forms[1]),
                format!(
                    "a choice rule has one of {}, {}, {}, {} or {}, not both {} and {}",
                    field("And"),
                    field("Or"),
                    field("Not"),
                    field("Variable"),
                    field("Condition"),
                    field(forms[0]),
                    field(forms[1])
                ),
            )
            .at_key(),
        );
    }
    let nested = |key: &str, value: &Value, at: Pointer| -> Option<Condition> {
        let inner = Fields::new(f.cx, value, at, "a nested choice rule")?;
        if inner.has("Next") {
            inner.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    inner.ptr("Next"),
                    format!("{} is not allowed inside {}", field("Next"), field(key)),
                )
                .at_key()
                .with_help(format!(
                    "only a top-level choice rule has {}",
                    field("Next")
                )),
            );
        }
        condition(&inner, &["Next"])
    };
    match forms.first().copied() {
        Some(key @ ("And" | "Or")) => {
            let items = f.array(key)?;
            if items.is_empty() {
                f.cx.schema(
                    &f.ptr(key),
                    format!("{} must have at least one rule", field(key)),
                );
            }
            let rules = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| nested(key, item, f.ptr(key).index(i)))
                .collect();
            Some(if key == "And" {
                Condition::And(rules)
            } else {
                Condition::Or(rules)
            })
        }
        Some("Not") => {
            let inner = nested("Not", f.get("Not")?, f.ptr("Not"))?;
            Some(Condition::Not(Box::new(inner)))
        }
        Some("Condition") => f.json("Condition").map(Condition::Jsonata),
        Some(_) => {
            let variable = f.string("Variable")?;
            let Some((name, operator)) = present_ops.first() else {
                // A misspelt operator was reported as unknown, with the operator it meant.
                if ComparisonOperator::names().any(|op| f.misspelt(op)) {
                    return None;
                }
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.at.clone(),
                        "choice rule has no comparison operator",
                    )
                    .with_help(format!(
                        "add one, such as {} or {}",
                        field("StringEquals"),
                        field("NumericEquals")
                    )),
                );
                return None;
            };
            for (extra, _) in present_ops.iter().skip(1) {
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.ptr(extra),
                        format!(
                            "a choice rule has exactly one comparison operator, found {} and {}",
                            field(name),
                            field(extra)
                        ),
                    )
                    .at_key(),
                );
            }
            let operand = f.json(name)?;
            check_operand(f, name, *operator, &operand);
            Some(Condition::Comparison(Comparison {
                variable,
                operator: *operator,
                operand,
            }))
        }
        None => {
            let help = if let Some((name, _)) = present_ops.first() {
                format!(
                    "add {} to say what {} compares",
                    field("Variable"),
                    field(name)
                )
            } else {
                format!(
                    "add {} and a comparison, or {}, {} or {}",
                    field("Variable"),
                    field("And"),
                    field("Or"),
                    field("Not")
                )
            };
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.at.clone(),
                    "choice rule has no condition",
                )
                .with_help(help),
            );
            None
        }
    }
}

fn check_operand(f: &Fields, name: &str, operator: ComparisonOperator, operand: &Value) {
    let ok = if operator.path {
        operand.is_string()
    } else {
        match operator.operand() {
            Operand::String | Operand::Pattern | Operand::Timestamp => operand.is_string(),
            Operand::Number => operand.is_number(),
            Operand::Boolean => operand.is_boolean(),
        }
    };
    if !ok {
        let expected = if operator.path {
            "a path"
        } else {
            match operator.operand() {
                Operand::String | Operand::Pattern => "a string",
                Operand::Timestamp => "a timestamp string",
                Operand::Number => "a number",
                Operand::Boolean => "a boolean",
            }
        };
        f.wrong_type(name, expected, operand);
    }
}
