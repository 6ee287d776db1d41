use serde_json::Value;
use workflow_core::model::{Choice, Comparison, Condition, Test};
use workflow_core::path::Path;
use workflow_core::timestamp::Timestamp;

use crate::context::LazyContext;
use crate::data_flow::{Scope, States, Variables};
use crate::error::{Failure, names};
use crate::executor::{Exit, Interpreter, StateRun};

impl Interpreter<'_> {
    /// Choice: the first rule that matches names the next state, else `Default`, else the
    /// execution fails with `States.NoChoiceMatched`. The state's own `Assign` applies
    /// whichever way the state goes, and a matched rule's `Assign` on top of it, its values
    /// winning on a name both set ("Choice workflow state", AWS docs: a rule's `Assign`
    /// "assigns variables when this specific choice rule matches", and one at the state
    /// level "applies regardless of which choice rule matches"; the recorded
    /// `assign_in_choice_condition_true` shows the rule's value).
    ///
    /// In JSONPath, `InputPath` comes first and `OutputPath` last; rules and `Assign` read
    /// the effective input (as `$`), the context object and variables. In JSONata, a rule's
    /// `Condition` is an expression giving a boolean, and the output is the matched rule's
    /// `Output`, else the state's, else the input.
    pub(crate) fn run_choice(
        &self,
        run: &StateRun<'_>,
        choice: &Choice,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Exit, Failure> {
        let context = self.context(run, None);
        let scope = Scope::new(run, &context, variables);
        let effective = if run.jsonata {
            input
        } else {
            scope.input_path(run, &choice.common.input_path, input)?
        };
        let states = States::input(&effective);
        let mut matched = None;
        for rule in &choice.choices {
            let holds = if run.jsonata {
                jsonata_holds(&rule.condition, &scope, states)?
            } else {
                holds(&rule.condition, &effective, &scope).map_err(|e| scope.runtime(e))?
            };
            if holds {
                matched = Some(rule);
                break;
            }
        }
        let next = match (matched, &choice.default) {
            (Some(rule), _) => rule.next.clone(),
            (None, Some(default)) => default.clone(),
            (None, None) => {
                return Err(Failure::new(
                    names::NO_CHOICE_MATCHED,
                    format!(
                        "No Matches! The choice state '{}' has no rule that matches its input and no Default",
                        run.name
                    ),
                ));
            }
        };
        let mut assigned = scope.assign_with(&choice.common.assign, &effective, states)?;
        if let Some(rule) = matched {
            assigned.extend(scope.assign_with(&rule.assign, &effective, states)?);
        }
        let output = if run.jsonata {
            let output = match matched {
                Some(rule) if rule.output.is_some() => &rule.output,
                _ => &choice.common.output,
            };
            scope.output(output, &effective, states)?
        } else {
            scope.select(&choice.common.output_path, effective)?
        };
        Ok(Exit {
            output,
            next: Some(next),
            assigned,
        })
    }
}

/// Evaluates a rule's Boolean expression: `And`, `Or` and `Not` are walked here, the same
/// in both query languages; `leaf` tests a JSONPath comparison or a JSONata `Condition`.
fn walk<E>(
    condition: &Condition,
    leaf: &mut impl FnMut(&Condition) -> Result<bool, E>,
) -> Result<bool, E> {
    match condition {
        Condition::And(all) => {
            for c in all {
                if !walk(c, leaf)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(any) => {
            for c in any {
                if walk(c, leaf)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!walk(inner, leaf)?),
        Condition::Comparison(_) | Condition::Jsonata(_) => leaf(condition),
    }
}

/// A JSONata rule's `Condition`: an expression (or a literal) that gives a boolean.
fn jsonata_holds(
    condition: &Condition,
    scope: &Scope<'_>,
    states: States<'_>,
) -> Result<bool, Failure> {
    walk(condition, &mut |leaf| match leaf {
        Condition::Jsonata(value) => {
            let result = scope.evaluate_typed("Condition", value, states, "boolean")?;
            Ok(result.as_bool().unwrap_or(false))
        }
        // The validator rejects a comparison in a JSONata state; never panic on one.
        _ => Err(scope
            .query_error("A JSONata Choice rule takes a Condition, not a JSONPath comparison.")),
    })
}

/// Whether a condition holds for `input`. A value of the wrong type makes a comparison
/// false, not an error (the ASL spec: "a comparison of a string to a number is false").
/// `Err` carries the detail of a `States.Runtime` failure. Paths read `input` (`$`) and
/// `context` (`$$`); with no variables in scope, a `$name` path is such a failure.
pub fn test_condition(
    condition: &Condition,
    input: &Value,
    context: &Value,
) -> Result<bool, String> {
    let variables = Variables::default();
    let context = LazyContext::new(|| context.clone());
    let scope = Scope {
        state: "",
        entered: 0,
        context: &context,
        variables: &variables,
        jsonata: false,
        now_millis: 0,
        parsed: workflow_core::model::Parsed::empty(),
        random: None,
    };
    holds(condition, input, &scope)
}

/// [`test_condition`] in a state's scope, where paths may also read variables.
fn holds(condition: &Condition, input: &Value, scope: &Scope<'_>) -> Result<bool, String> {
    walk(condition, &mut |leaf| match leaf {
        Condition::Comparison(c) => compare(c, input, scope),
        // The validator rejects a `Condition` in a JSONPath state; never panic on one.
        _ => Err("A JSONPath Choice rule takes a comparison, not a JSONata Condition.".to_owned()),
    })
}

/// The value at a path in `input`, the context object or a variable; `None` when the path
/// names nothing, an error when it names a variable no scope holds.
fn read(text: &str, input: &Value, scope: &Scope<'_>) -> Result<Option<Value>, String> {
    let path = match scope.parsed.path(text) {
        Some(path) => std::borrow::Cow::Borrowed(path),
        // A condition tested without a definition (`test_condition`): parsed here.
        None => std::borrow::Cow::Owned(
            Path::parse(text).map_err(|e| format!("Invalid path '{text}': {e}"))?,
        ),
    };
    Ok(path.read(scope.root(&path, input)?))
}

fn compare(c: &Comparison, input: &Value, scope: &Scope<'_>) -> Result<bool, String> {
    let variable = read(&c.variable, input, scope)?;
    let test = c.operator.test;
    // The type tests look at the variable alone; a missing variable is not present, and
    // not of any type.
    let expected = c.operand.as_bool().unwrap_or(true);
    let type_test = |holds: bool| Ok(holds == expected);
    match test {
        Test::IsPresent => return type_test(variable.is_some()),
        Test::IsNull => return type_test(variable.as_ref().is_some_and(Value::is_null)),
        Test::IsNumeric => return type_test(variable.as_ref().is_some_and(Value::is_number)),
        Test::IsString => return type_test(variable.as_ref().is_some_and(Value::is_string)),
        Test::IsBoolean => return type_test(variable.as_ref().is_some_and(Value::is_boolean)),
        Test::IsTimestamp => {
            let is_timestamp = variable
                .as_ref()
                .and_then(Value::as_str)
                .and_then(Timestamp::parse)
                .is_some();
            return type_test(is_timestamp);
        }
        _ => {}
    }
    let Some(variable) = variable else {
        return Err(format!(
            "Invalid path '{}': The choice state's condition path references an invalid value.",
            c.variable
        ));
    };
    let operand = if c.operator.path {
        let path = c.operand.as_str().unwrap_or_default();
        match read(path, input, scope)? {
            Some(value) => value,
            None => {
                return Err(format!(
                    "Invalid path '{path}': The choice state's condition path references an invalid value."
                ));
            }
        }
    } else {
        c.operand.clone()
    };
    use std::cmp::Ordering::*;
    let ordering = |wanted: &[std::cmp::Ordering], got: Option<std::cmp::Ordering>| {
        got.is_some_and(|o| wanted.contains(&o))
    };
    Ok(match test {
        Test::StringEquals => strings(&variable, &operand).is_some_and(|(a, b)| a == b),
        Test::StringLessThan => {
            ordering(&[Less], strings(&variable, &operand).map(|(a, b)| a.cmp(b)))
        }
        Test::StringGreaterThan => ordering(
            &[Greater],
            strings(&variable, &operand).map(|(a, b)| a.cmp(b)),
        ),
        Test::StringLessThanEquals => ordering(
            &[Less, Equal],
            strings(&variable, &operand).map(|(a, b)| a.cmp(b)),
        ),
        Test::StringGreaterThanEquals => ordering(
            &[Greater, Equal],
            strings(&variable, &operand).map(|(a, b)| a.cmp(b)),
        ),
        Test::StringMatches => strings(&variable, &operand)
            .is_some_and(|(text, pattern)| matches_pattern(text, pattern)),
        Test::NumericEquals => ordering(&[Equal], numbers(&variable, &operand)),
        Test::NumericLessThan => ordering(&[Less], numbers(&variable, &operand)),
        Test::NumericGreaterThan => ordering(&[Greater], numbers(&variable, &operand)),
        Test::NumericLessThanEquals => ordering(&[Less, Equal], numbers(&variable, &operand)),
        Test::NumericGreaterThanEquals => ordering(&[Greater, Equal], numbers(&variable, &operand)),
        Test::BooleanEquals => {
            matches!((variable.as_bool(), operand.as_bool()), (Some(a), Some(b)) if a == b)
        }
        Test::TimestampEquals => ordering(&[Equal], timestamps(&variable, &operand)),
        Test::TimestampLessThan => ordering(&[Less], timestamps(&variable, &operand)),
        Test::TimestampGreaterThan => ordering(&[Greater], timestamps(&variable, &operand)),
        Test::TimestampLessThanEquals => ordering(&[Less, Equal], timestamps(&variable, &operand)),
        Test::TimestampGreaterThanEquals => {
            ordering(&[Greater, Equal], timestamps(&variable, &operand))
        }
        Test::IsPresent
        | Test::IsNull
        | Test::IsNumeric
        | Test::IsString
        | Test::IsBoolean
        | Test::IsTimestamp => false,
    })
}

fn strings<'a>(a: &'a Value, b: &'a Value) -> Option<(&'a str, &'a str)> {
    Some((a.as_str()?, b.as_str()?))
}

fn numbers(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    let (a, b) = (a.as_number()?, b.as_number()?);
    // Compare integers exactly; fall back to floating point for mixed or fractional values.
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn timestamps(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    let (a, b) = (
        Timestamp::parse(a.as_str()?)?,
        Timestamp::parse(b.as_str()?)?,
    );
    Some(a.cmp(&b))
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
fn matches_pattern(text: &str, pattern: &str) -> bool {
    enum Token {
        Star,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => tokens.push(Token::Char(chars.next().unwrap_or('\\'))),
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard matching with backtracking to the last star.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|t| matches!(t, Token::Star))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use workflow_core::model::ComparisonOperator;

    fn rule(variable: &str, operator: &str, operand: Value) -> Condition {
        Condition::Comparison(Comparison {
            variable: variable.to_owned(),
            operator: ComparisonOperator::from_name(operator).unwrap(),
            operand,
        })
    }

    fn test(c: &Condition, input: Value) -> bool {
        test_condition(c, &input, &json!({})).unwrap()
    }

    #[test]
    fn without_variables_a_variable_path_is_an_error() {
        let c = rule("$x", "IsPresent", json!(true));
        assert_eq!(
            test_condition(&c, &json!({}), &json!({})),
            Err("The variable '$x' referenced by the JSONPath '$x' is not defined.".to_owned())
        );
    }

    #[test]
    fn type_mismatches_are_false() {
        assert!(!test(
            &rule("$.x", "NumericEquals", json!(0)),
            json!({ "x": "0" })
        ));
        assert!(!test(
            &rule("$.x", "StringEquals", json!("1")),
            json!({ "x": 1 })
        ));
        assert!(!test(
            &rule("$.x", "BooleanEquals", json!(true)),
            json!({ "x": "true" })
        ));
        assert!(!test(
            &rule("$.x", "TimestampEquals", json!("2016-03-14T01:59:00Z")),
            json!({ "x": "yesterday" })
        ));
        assert!(test(
            &rule("$.x", "NumericEquals", json!(1)),
            json!({ "x": 1.0 })
        ));
    }

    #[test]
    fn type_tests_and_presence() {
        let input = json!({ "n": null, "s": "2016-03-14T01:59:00Z", "b": false });
        assert!(test(&rule("$.n", "IsNull", json!(true)), input.clone()));
        assert!(test(
            &rule("$.missing", "IsPresent", json!(false)),
            input.clone()
        ));
        assert!(test(
            &rule("$.s", "IsTimestamp", json!(true)),
            input.clone()
        ));
        assert!(test(&rule("$.b", "IsBoolean", json!(true)), input.clone()));
        assert!(!test(&rule("$.b", "IsString", json!(true)), input));
    }

    #[test]
    fn path_operators_read_their_operand() {
        let c = rule("$.a", "NumericLessThanPath", json!("$.b"));
        assert!(test(&c, json!({ "a": 1, "b": 2 })));
        assert!(!test(&c, json!({ "a": 3, "b": 2 })));
    }

    #[test]
    fn and_or_not_compose() {
        let c = Condition::And(vec![
            rule("$.a", "NumericGreaterThanEquals", json!(1)),
            Condition::Not(Box::new(rule("$.b", "StringEquals", json!("x")))),
            Condition::Or(vec![
                rule("$.c", "BooleanEquals", json!(true)),
                rule("$.d", "IsPresent", json!(true)),
            ]),
        ]);
        assert!(test(&c, json!({ "a": 1, "b": "y", "c": false, "d": 0 })));
        assert!(!test(&c, json!({ "a": 1, "b": "x", "c": true, "d": 0 })));
    }

    #[test]
    fn string_matches_wildcards_and_escapes() {
        assert!(matches_pattern("log-2024.txt", "log-*.txt"));
        assert!(matches_pattern("anything", "*"));
        assert!(!matches_pattern("log.txt", "log-*"));
        assert!(matches_pattern("a*b", "a\\*b"));
        assert!(!matches_pattern("axb", "a\\*b"));
        assert!(matches_pattern("abcbd", "a*b*d"));
    }

    #[test]
    fn timestamps_compare_as_instants() {
        let c = rule(
            "$.t",
            "TimestampLessThan",
            json!("2016-03-14T02:00:00+00:00"),
        );
        assert!(test(&c, json!({ "t": "2016-03-14T03:59:00+02:00" })));
    }

    fn guessing(guess: &str) -> Value {
        json!({
            "StartAt": "Setup",
            "States": {
                "Setup": { "Type": "Pass", "Next": "Check",
                    "Assign": { "guess": guess, "answer": "yes", "tries": 0 } },
                "Check": {
                    "Type": "Choice",
                    "Choices": [{
                        "Variable": "$guess", "StringEqualsPath": "$answer",
                        "Assign": { "outcome": "right", "tries.$": "States.MathAdd($tries, 1)" },
                        "Next": "Done"
                    }],
                    "Assign": { "outcome": "wrong", "seen.$": "$.in" },
                    "Default": "Done"
                },
                "Done": { "Type": "Pass", "End": true,
                    "Parameters": { "outcome.$": "$outcome", "seen.$": "$seen", "tries.$": "$tries" } }
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn rules_compare_variables_and_assign_over_the_states_assign() {
        use crate::Status;
        use crate::states::test_support::{assigned, run};
        let right = run(guessing("yes"), json!({ "in": 1 })).await;
        assert_eq!(right.status, Status::Succeeded, "{:?}", right.cause);
        // The state's Assign applies too; the matched rule's value wins on `outcome`.
        assert_eq!(
            right.output,
            Some(json!({ "outcome": "right", "seen": 1, "tries": 1 }))
        );
        assert_eq!(
            assigned(&right)[1],
            (
                "Check".to_owned(),
                json!({ "outcome": "\"right\"", "seen": "1", "tries": "1" })
            )
        );
        let wrong = run(guessing("no"), json!({ "in": 2 })).await;
        assert_eq!(
            wrong.output,
            Some(json!({ "outcome": "wrong", "seen": 2, "tries": 0 }))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_rule_on_an_undefined_variable_fails_the_state() {
        use crate::states::test_support::run;
        let definition = json!({ "StartAt": "C", "States": {
            "C": { "Type": "Choice", "Default": "D",
                "Choices": [{ "Variable": "$nope", "IsPresent": true, "Next": "D" }] },
            "D": { "Type": "Succeed" }
        } });
        let outcome = run(definition, json!({})).await;
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            outcome.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'C' (entered at the event id #2). The variable '$nope' referenced by the JSONPath '$nope' is not defined."
            )
        );
    }
}
