//! `States.MathAdd` and `States.MathRandom`.

use serde_json::Value;

use super::IntrinsicError;
use super::args::Args;
use super::entropy::{Entropy, SeededEntropy, below};

/// `States.MathAdd(a, b)`: each number rounded to an integer first (`1.5 + 1.51` is
/// `2 + 2`), as the recorded AWS cases show.
pub(crate) fn add(args: &Args) -> Result<Value, IntrinsicError> {
    let a = args.rounded(0, "the first argument")?;
    let b = args.rounded(1, "the second argument")?;
    a.checked_add(b)
        .map(Value::from)
        .ok_or_else(|| args.fail(format!("the sum of {a} and {b} is out of range")))
}

/// `States.MathRandom(start, end[, seed])`: an integer from `start` (inclusive) to `end`
/// (exclusive), bounds rounded like `MathAdd`'s. With a seed, the same call always gives
/// the same number.
pub(crate) fn random(args: &Args, entropy: &mut dyn Entropy) -> Result<Value, IntrinsicError> {
    let start = args.rounded(0, "the start")?;
    let end = args.rounded(1, "the end")?;
    if start >= end {
        return Err(args.fail(format!(
            "the start ({start}) must be less than the end ({end})"
        )));
    }
    // `end - start` is positive and fits in a `u64` even for the widest `i64` bounds.
    let span = end.abs_diff(start);
    let offset = if args.len() == 3 {
        let seed = args.rounded(2, "the seed")?;
        below(&mut SeededEntropy::new(seed as u64), span)
    } else {
        below(entropy, span)
    };
    Ok(Value::from(start.wrapping_add_unsigned(offset)))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::intrinsics::{Call, Evaluate, IntrinsicError, SeededEntropy};

    fn eval(text: &str) -> Result<Value, IntrinsicError> {
        Call::parse(text)?.evaluate_with(&|_| Ok(Value::Null), &mut SeededEntropy::new(3))
    }

    #[test]
    fn adds_rounded_integers() {
        // The recorded AWS cases math_add_00 to math_add_20.
        let cases = [
            ("-9, 3", -6),
            ("1.49, 1.5", 3),
            ("1.5, 1.51", 4),
            ("-1.49, -1.5", -2),
            ("-1.5, -1.51", -3),
            ("-0.5, 0.5", 1),
            ("-0.5, 0", 0),
            ("-3.5, 0", -3),
            ("2.5, 0", 3),
        ];
        for (args, sum) in cases {
            assert_eq!(
                eval(&format!("States.MathAdd({args})")).unwrap(),
                json!(sum),
                "{args}"
            );
        }
        assert!(eval("States.MathAdd(9223372036854775807, 1)").is_err());
        assert!(eval("States.MathAdd('1', 1)").is_err());
    }

    #[test]
    fn draws_within_bounds() {
        for _ in 0..50 {
            let n = eval("States.MathRandom(-3, 3)").unwrap().as_i64().unwrap();
            assert!((-3..3).contains(&n));
        }
        let n = eval("States.MathRandom(-9223372036854775808, 9223372036854775807)").unwrap();
        assert!(n.is_i64());
        assert!(eval("States.MathRandom(3, 3)").is_err());
    }

    #[test]
    fn a_seed_fixes_the_result() {
        let first = eval("States.MathRandom(0, 1000000, 42)").unwrap();
        let mut other = SeededEntropy::new(99);
        let again = Call::parse("States.MathRandom(0, 1000000, 42)")
            .unwrap()
            .evaluate_with(&|_| Ok(Value::Null), &mut other);
        assert_eq!(first, again.unwrap());
    }
}
