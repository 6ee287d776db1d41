//! Evaluation of JSONata 2.x expressions parsed by [`workflow_core::jsonata::Expression`],
//! as AWS Step Functions uses them in states whose `QueryLanguage` is `JSONata`
//! ("Transforming data with JSONata in Step Functions").
//!
//! [`Evaluate::evaluate`] runs an expression over `serde_json` values with JSONata's
//! sequence semantics (a path that selects one value gives that value, none gives nothing,
//! several give an array). Variables the expression does not bind itself (`$states`,
//! workflow variables) come from a lookup the caller supplies. The standard function
//! library and AWS's additions (`$partition`, `$range`, `$hash`, `$random`, `$uuid`,
//! `$parse`) are in [`functions`].

mod eval;
pub(crate) mod functions;

use std::rc::Rc;

use serde_json::Value;
pub use workflow_core::jsonata::{Error, Expression};

use crate::intrinsics::{Entropy, SystemEntropy};

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluated {
    /// A JSON value.
    Value(Value),
    /// Nothing (JSONata's `undefined`): a path that matched nothing, an unbound variable.
    Undefined,
    /// A function (or regex), which has no JSON form.
    Function,
}

/// Evaluation of a parsed expression.
pub trait Evaluate {
    /// Evaluates the expression with `input` as `$` (and `$$`); `variables` supplies the
    /// value of each `$name` the expression does not bind itself.
    fn evaluate(
        &self,
        input: &Value,
        variables: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Evaluated, Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.evaluate_at(input, variables, now)
    }

    /// [`Evaluate::evaluate`] with `$now()` and `$millis()` at `now_millis` (milliseconds
    /// since the Unix epoch), for callers with a clock of their own.
    fn evaluate_at(
        &self,
        input: &Value,
        variables: &dyn Fn(&str) -> Option<Value>,
        now_millis: i64,
    ) -> Result<Evaluated, Error> {
        self.evaluate_with(input, variables, now_millis, &mut SystemEntropy::new())
    }

    /// [`Evaluate::evaluate_at`], drawing `$random()`, `$uuid()` and `$shuffle` from
    /// `entropy`, for callers with a random source of their own (a seeded execution's).
    fn evaluate_with(
        &self,
        input: &Value,
        variables: &dyn Fn(&str) -> Option<Value>,
        now_millis: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<Evaluated, Error>;
}

impl Evaluate for Expression {
    fn evaluate_with(
        &self,
        input: &Value,
        variables: &dyn Fn(&str) -> Option<Value>,
        now_millis: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<Evaluated, Error> {
        let mut evaluator = eval::Evaluator::new(input.clone(), variables, entropy);
        evaluator.now_millis = now_millis;
        let env = Rc::new(eval::Env::default());
        let value = evaluator.eval(self.node(), input, &env)?;
        Ok(match value {
            eval::Val::Function(_) | eval::Val::Regex(_) => Evaluated::Function,
            other => match other.into_json() {
                Some(v) => Evaluated::Value(v),
                None => Evaluated::Undefined,
            },
        })
    }
}

/// Evaluates `text` over `input` with no outside variables: a convenience for tests and
/// tools. `Ok(None)` is undefined.
pub fn evaluate(text: &str, input: &Value) -> Result<Option<Value>, Error> {
    match Expression::parse(text)?.evaluate(input, &|_| None)? {
        Evaluated::Value(v) => Ok(Some(v)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ev(text: &str, input: Value) -> Option<Value> {
        evaluate(text, &input).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn paths_follow_sequence_semantics() {
        let input =
            json!({ "a": [{ "b": 1 }, { "b": [2, 3] }, { "c": 4 }], "one": [5], "o": { "x": 1 } });
        assert_eq!(ev("a.b", input.clone()), Some(json!([1, 2, 3])));
        assert_eq!(ev("a.c", input.clone()), Some(json!(4)));
        assert_eq!(ev("a.zz", input.clone()), None);
        assert_eq!(ev("one", input.clone()), Some(json!([5])));
        assert_eq!(ev("a[0].b", input.clone()), Some(json!(1)));
        assert_eq!(ev("a[-1]", input.clone()), Some(json!({ "c": 4 })));
        assert_eq!(ev("a[c > 1].c", input.clone()), Some(json!(4)));
        assert_eq!(ev("$.o.x", input.clone()), Some(json!(1)));
        assert_eq!(ev("$count(a)", input.clone()), Some(json!(3)));
        assert_eq!(ev("o.*", input), Some(json!(1)));
    }

    #[test]
    fn operators() {
        let n = Value::Null;
        assert_eq!(ev("1 + 2 * 3", n.clone()), Some(json!(7)));
        assert_eq!(ev("7 / 2", n.clone()), Some(json!(3.5)));
        assert_eq!(ev("'a' & 1 & true", n.clone()), Some(json!("a1true")));
        assert_eq!(ev("1 < 2 and 'b' > 'a'", n.clone()), Some(json!(true)));
        assert_eq!(ev("[1..4]", n.clone()), Some(json!([1, 2, 3, 4])));
        assert_eq!(ev("3 in [1,2,3]", n.clone()), Some(json!(true)));
        assert_eq!(ev("x = 1 ? 'y' : 'n'", json!({ "x": 1 })), Some(json!("y")));
        assert_eq!(
            ev("{'k': 1, 'u': nothing}", n.clone()),
            Some(json!({ "k": 1 }))
        );
        assert_eq!(ev("-(1 + 1)", n.clone()), Some(json!(-2)));
        assert_eq!(ev("[1, [2], []]", n.clone()), Some(json!([1, [2], []])));
        assert_eq!(evaluate("1 + 'a'", &n).unwrap_err().code, "T2002");
        assert_eq!(
            evaluate("$nope()", &n).unwrap_err().to_string(),
            "T1006: Attempted to invoke a non-function"
        );
    }

    #[test]
    fn bindings_blocks_and_lambdas() {
        let n = Value::Null;
        assert_eq!(ev("($x := 2; $y := $x * 3; $y)", n.clone()), Some(json!(6)));
        assert_eq!(
            ev("($f := function($a){ $a + 1 }; $f(1))", n.clone()),
            Some(json!(2))
        );
        assert_eq!(
            ev(
                "($fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(5))",
                n.clone()
            ),
            Some(json!(120))
        );
        assert_eq!(
            ev("$map([1,2,3], function($v){ $v * 2 })", n.clone()),
            Some(json!([2, 4, 6]))
        );
        assert_eq!(ev("[1,2,3] ~> $sum()", n.clone()), Some(json!(6)));
        assert_eq!(
            ev("($add := $sum(?); $add([1, 2]))", n.clone()),
            Some(json!(3))
        );
        assert!(evaluate("($f := function($n){ $f($n) }; $f(1))", &n).is_err());
    }

    /// What an expression builds is charged to one budget per evaluation, before it is
    /// allocated: doubling a value in a loop, or ranges over ranges, fail cleanly.
    #[test]
    fn what_an_evaluation_builds_is_bounded() {
        let n = Value::Null;
        for text in [
            "[1..10000000].[1..10000000]",
            "$count([1..10000000].[1..10000000])",
            "$reduce([1..64], function($acc, $x){ $append($acc, $acc) }, [1])",
            "$reduce([1..64], function($s, $x){ $s & $s }, 'ab')",
            "$reduce([1..64], function($s, $x){ $join([$s, $s], '') }, 'ab')",
            "$map([1..100000], function($v){ $$ })",
        ] {
            let input = if text.ends_with("$$ })") {
                json!({ "big": "x".repeat(100_000) })
            } else {
                n.clone()
            };
            let error = evaluate(text, &input).unwrap_err();
            assert_eq!(error.code, "D1010", "{text}: {error}");
        }
    }

    /// `$reduce` building a string with `&` is linear: the accumulator is moved, not
    /// copied, at each step (a copy would be charged, and exceed the budget).
    #[test]
    fn reduce_builds_a_string_in_linear_time() {
        let built = ev(
            "$length($reduce([1..100000], function($s, $x){ $s & 'ab' }, ''))",
            Value::Null,
        );
        assert_eq!(built, Some(json!(200_000)));
        assert_eq!(
            ev(
                "$reduce([1..3], function($s, $x){ $s & $s & $x }, 'a')",
                Value::Null
            ),
            Some(json!("aa1aa1".to_owned() + "2aa1aa12" + "3"))
        );
    }

    #[test]
    fn grouping_and_sorting() {
        let input = json!([{ "k": "a", "v": 1 }, { "k": "b", "v": 2 }, { "k": "a", "v": 3 }]);
        assert_eq!(
            ev("$${k: $sum(v)}", input.clone()),
            Some(json!({ "a": 4, "b": 2 }))
        );
        assert_eq!(ev("$^(>v).v", input), Some(json!([3, 2, 1])));
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Any text parses or fails cleanly, and whatever parses evaluates or fails cleanly.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            if let Ok(expr) = Expression::parse(&text) {
                let _ = expr.evaluate(&json!({ "a": [1, { "b": "x" }] }), &|_| None);
            }
        }

        /// Text built from JSONata's own tokens reaches deeper into the parser.
        #[test]
        fn token_soup_never_panics(parts in proptest::collection::vec(
            prop_oneof![
                Just("$"), Just("a"), Just("."), Just("["), Just("]"), Just("("), Just(")"),
                Just("{"), Just("}"), Just(":"), Just(","), Just(";"), Just("1"), Just("'s'"),
                Just("+"), Just("*"), Just("**"), Just(".."), Just(":="), Just("?"), Just("~>"),
                Just("function($x){$x}"), Just("$f"), Just("$map"), Just("^("), Just("/a+/"),
                Just("and"), Just("="), Just("&"), Just("-"), Just("$sum"), Just("$string"),
            ],
            0..24,
        )) {
            let text = parts.concat();
            if let Ok(expr) = Expression::parse(&text) {
                let _ = expr.evaluate(&json!({ "a": [1, 2, { "b": [3] }] }), &|_| None);
            }
        }
    }
}
