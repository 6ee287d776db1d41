//! Evaluation of the `States.*` intrinsic functions, parsed by
//! [`workflow_core::intrinsics::Call::parse`].
//!
//! [`Evaluate::evaluate`] takes a resolver for path arguments, so that the caller decides
//! what `$`, `$$` and `$name` mean. A function given arguments it cannot use fails with an
//! [`IntrinsicError`], which the runtime reports as `States.IntrinsicFailure`.

mod args;
mod array;
mod encoding;
mod entropy;
pub(crate) mod hash;
mod json;
mod math;
mod string;
mod uuid;

#[cfg(test)]
mod corpus;

use serde_json::Value;
use workflow_core::intrinsics::{Arg, Call, Function, IntrinsicError, MAX_DEPTH};
use workflow_core::path::Path;

pub use entropy::{Entropy, SeededEntropy, SystemEntropy};
pub(crate) use entropy::{below, unit_interval};
pub(crate) use uuid::uuid;

use crate::weight;
use args::Args;

/// Evaluation of a parsed intrinsic call.
pub trait Evaluate {
    /// Evaluates the call with fresh system randomness for `States.UUID` and
    /// `States.MathRandom`. `resolve` reads a path argument.
    fn evaluate(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
    ) -> Result<Value, IntrinsicError> {
        self.evaluate_with(resolve, &mut SystemEntropy::new())
    }

    /// Evaluates the call, drawing random bits from `entropy`.
    fn evaluate_with(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, IntrinsicError>;
}

impl Evaluate for Call {
    fn evaluate_with(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, IntrinsicError> {
        let mut budget = MAX_BUILT_BYTES;
        evaluate_at(self, resolve, entropy, &mut budget, 1)
    }
}

/// The most bytes of values one call (with the calls nested in it) may build: the values of
/// its arguments and its results, charged by [`crate::weight`]. Each function's result is
/// at most a small multiple of its arguments (`States.StringSplit`, the largest, checks its
/// own before it builds it), so a call like `States.Array($, $, ..., $)` or nested
/// `States.Format` calls fail with `States.IntrinsicFailure` instead of exhausting memory.
pub const MAX_BUILT_BYTES: usize = 16 << 20;

/// Charges `bytes` to what is left of the budget, or fails naming `function`.
fn charge(budget: &mut usize, bytes: usize, function: Function) -> Result<(), IntrinsicError> {
    match budget.checked_sub(bytes) {
        Some(left) => {
            *budget = left;
            Ok(())
        }
        None => Err(IntrinsicError::new(format!(
            "{function}: the call builds more than {} MiB of values, the limit of one intrinsic call",
            MAX_BUILT_BYTES >> 20
        ))),
    }
}

fn evaluate_at(
    call: &Call,
    resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
    entropy: &mut dyn Entropy,
    budget: &mut usize,
    depth: usize,
) -> Result<Value, IntrinsicError> {
    if depth > MAX_DEPTH {
        return Err(IntrinsicError::new(format!(
            "intrinsic calls are nested more than {MAX_DEPTH} deep"
        )));
    }
    if let Some(problem) = call.name.check_arity(call.args.len()) {
        return Err(IntrinsicError::new(problem));
    }
    let mut values = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        let value = match arg {
            Arg::String(s) => Value::String(s.clone()),
            Arg::Number(n) => Value::Number(n.clone()),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Null => Value::Null,
            Arg::Path(path) => resolve(path)?,
            Arg::Call(nested) => evaluate_at(nested, resolve, entropy, budget, depth + 1)?,
        };
        charge(budget, weight(&value), call.name)?;
        values.push(value);
    }
    let args = Args::new(call.name, values);
    let result = match call.name {
        Function::Format => string::format(call.template(), &args),
        Function::StringSplit => string::split(&args, *budget),
        Function::StringToJson => json::string_to_json(&args),
        Function::JsonToString => json::json_to_string(&args),
        Function::JsonMerge => json::merge(&args),
        Function::Array => Ok(Value::Array(args.into_values())),
        Function::ArrayPartition => array::partition(&args),
        Function::ArrayContains => array::contains(&args),
        Function::ArrayRange => array::range(&args),
        Function::ArrayGetItem => array::get_item(&args),
        Function::ArrayLength => array::length(&args),
        Function::ArrayUnique => array::unique(&args),
        Function::Base64Encode => encoding::base64_encode(&args),
        Function::Base64Decode => encoding::base64_decode(&args),
        Function::Hash => hash::hash(&args),
        Function::MathAdd => math::add(&args),
        Function::MathRandom => math::random(&args, entropy),
        Function::Uuid => Ok(uuid::uuid(entropy)),
    }?;
    charge(budget, weight(&result), call.name)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn eval(text: &str, input: &Value) -> Result<Value, IntrinsicError> {
        let resolve = |path: &Path| {
            path.read(input)
                .ok_or_else(|| IntrinsicError::new(format!("{path} not found")))
        };
        Call::parse(text)?.evaluate_with(&resolve, &mut SeededEntropy::new(1))
    }

    #[test]
    fn evaluates_nested_calls_and_paths() {
        let input = json!({"arn": "a/b.c/d", "n": [1, 2, 3]});
        let text = "States.Format('{}-{}', States.ArrayGetItem(States.StringSplit($.arn, '/'), 1), States.ArrayLength($.n))";
        assert_eq!(eval(text, &input).unwrap(), json!("b.c-3"));
        assert_eq!(
            eval("States.Array($, 'x', 1, true, null)", &json!(0)).unwrap(),
            json!([0, "x", 1, true, null])
        );
        assert_eq!(
            eval("States.Array($.missing)", &input).unwrap_err().message,
            "$.missing not found"
        );
    }

    #[test]
    fn checks_arity_of_hand_built_calls() {
        let call = Call::new(Function::MathAdd, vec![Arg::Number(1.into())]);
        let error = call.evaluate(&|_| Ok(Value::Null)).unwrap_err();
        assert_eq!(
            error.message,
            "`States.MathAdd` takes 2 arguments, but 1 was given"
        );
    }

    #[test]
    fn limits_nesting_of_hand_built_calls() {
        let mut call = Call::new(Function::Array, vec![]);
        for _ in 0..100 {
            call = Call::new(Function::Array, vec![Arg::Call(call)]);
        }
        assert!(
            call.evaluate(&|_| Ok(Value::Null))
                .unwrap_err()
                .message
                .contains("nested more than 64")
        );
    }

    /// What a call builds is bounded, whatever the input and however calls nest.
    #[test]
    fn what_a_call_builds_is_bounded() {
        let input = json!({ "s": "x".repeat(100_000) });
        let many = vec!["$.s"; 200].join(", ");
        let error = eval(&format!("States.Array({many})"), &input).unwrap_err();
        assert!(
            error
                .message
                .starts_with("States.Array: the call builds more than 16 MiB"),
            "{error}"
        );
        let mut format = "$.s".to_owned();
        for _ in 0..8 {
            format = format!("States.Format('{{}}{{}}', {format}, {format})");
        }
        let error = eval(&format, &input).unwrap_err();
        assert!(error.message.contains("builds more than 16 MiB"), "{error}");
        let commas = json!({ "s": "a,".repeat(600_000) });
        let error = eval("States.StringSplit($.s, ',')", &commas).unwrap_err();
        assert_eq!(
            error.message,
            "States.StringSplit: the 600000 pieces would take more than the 16 MiB one intrinsic call may build"
        );
        // Ordinary calls are far from the limit.
        assert_eq!(
            eval("States.ArrayLength(States.StringSplit($.s, 'y'))", &input).unwrap(),
            json!(1)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_call_like_text(text in "States\\.(Format|Array|MathAdd)\\([\\$a-c.\\[\\]'*?@(),0-9 \\-\\\\{}]{0,30}") {
            if let Ok(call) = Call::parse(&text) {
                let _ = call.evaluate(&|_| Ok(serde_json::json!([1, "a"])));
            }
        }
    }
}
