//! The `States.*` intrinsic functions: parse a call once, evaluate it many times.
//!
//! # Grammar
//!
//! ```text
//! call     = "States." identifier ws "(" ws [ arg (ws "," ws arg)* ] ws ")"
//! arg      = string | number | "true" | "false" | "null" | path | call
//! string   = "'" ( character | "\'" | "\{" | "\}" | "\\" )* "'"
//! number   = a JSON number, such as -1, 2.5 or 1e3
//! path     = a path (see [`crate::path`]) starting with `$`: `$.a`, `$$.Execution.Id`,
//!            `$myVar`; it runs to the next `,` or `)` outside brackets and parentheses
//! ```
//!
//! A string literal allows only the four escapes AWS documents; any other backslash, such
//! as `\"`, is an error, as AWS rejects it when the state machine is created. In the
//! template of `States.Format`, `{}` is a placeholder and `\{` / `\}` are literal braces.
//! Each call's argument count is checked when it is parsed; calls nest at most 64 deep
//! (AWS documents a limit of 10 nested functions per field, which [`Call::depth`] lets a
//! validator check).
//!
//! # Evaluation
//!
//! [`Call::evaluate`] takes a resolver for path arguments, so that the caller decides what
//! `$`, `$$` and `$name` mean. A function given arguments it cannot use fails with an
//! [`IntrinsicError`], which the runtime reports as `States.IntrinsicFailure`.

mod args;
mod array;
mod encoding;
mod entropy;
mod function;
mod hash;
mod json;
mod math;
mod parse;
mod render;
mod string;
mod uuid;

#[cfg(test)]
mod corpus;

use serde_json::{Number, Value};

use crate::path::Path;

pub use entropy::{Entropy, SeededEntropy, SystemEntropy};
pub use function::Function;

use args::Args;
use string::Template;

/// A parsed intrinsic call, such as `States.Format('Hello, {}!', $.name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The function called.
    pub name: Function,
    /// The arguments, in order.
    pub args: Vec<Arg>,
    /// The placeholders of a literal `States.Format` template, which the unescaped text in
    /// `args[0]` cannot tell apart from escaped braces.
    template: Option<Template>,
}

/// One argument of an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A string literal, unescaped: `'it\'s'` is `it's`.
    String(String),
    /// A number literal.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A path, read through the resolver when the call is evaluated.
    Path(Path),
    /// A nested call.
    Call(Call),
}

/// An intrinsic call that does not parse, or that fails when evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IntrinsicError {
    /// What is wrong. Parse errors are lowercase and quote the syntax; evaluation errors are
    /// the cause the runtime reports with `States.IntrinsicFailure`.
    pub message: String,
    /// For a parse error, the char offset of the problem in the call's text.
    pub offset: Option<usize>,
}

impl IntrinsicError {
    /// An evaluation error, with no position.
    pub fn new(message: impl Into<String>) -> Self {
        IntrinsicError {
            message: message.into(),
            offset: None,
        }
    }

    /// A parse error at char offset `offset`.
    pub(crate) fn at(offset: usize, message: impl Into<String>) -> Self {
        IntrinsicError {
            message: message.into(),
            offset: Some(offset),
        }
    }
}

/// Whether a `.$` field's value is an intrinsic call rather than a path: `States.`, an
/// identifier, then `(`. Unknown names count, so that parsing can suggest the right one.
pub fn is_intrinsic(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("States.") else {
        return false;
    };
    let after_name = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
    after_name.len() < rest.len() && after_name.trim_start().starts_with('(')
}

/// Deepest nesting of calls accepted by the parser and the evaluator.
const MAX_DEPTH: usize = 64;

impl Call {
    /// Parses a call such as `States.Format('Hello, {}!', $.name)`.
    pub fn parse(text: &str) -> Result<Call, IntrinsicError> {
        parse::parse_call(text)
    }

    /// A call from its parts. Every `{}` in a literal `States.Format` template is a
    /// placeholder (escaped braces need [`Call::parse`]).
    pub fn new(name: Function, args: Vec<Arg>) -> Call {
        Call {
            name,
            args,
            template: None,
        }
    }

    /// How deeply calls nest in this one: 1 for a call without nested calls.
    pub fn depth(&self) -> usize {
        let nested = self.args.iter().filter_map(|arg| match arg {
            Arg::Call(call) => Some(call.depth()),
            _ => None,
        });
        1 + nested.max().unwrap_or(0)
    }

    /// Evaluates the call with fresh system randomness for `States.UUID` and
    /// `States.MathRandom`. `resolve` reads a path argument.
    pub fn evaluate(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
    ) -> Result<Value, IntrinsicError> {
        self.evaluate_with(resolve, &mut SystemEntropy::new())
    }

    /// Evaluates the call, drawing random bits from `entropy`.
    pub fn evaluate_with(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, IntrinsicError> {
        self.evaluate_at(resolve, entropy, 1)
    }

    fn evaluate_at(
        &self,
        resolve: &dyn Fn(&Path) -> Result<Value, IntrinsicError>,
        entropy: &mut dyn Entropy,
        depth: usize,
    ) -> Result<Value, IntrinsicError> {
        if depth > MAX_DEPTH {
            return Err(IntrinsicError::new(format!(
                "intrinsic calls are nested more than {MAX_DEPTH} deep"
            )));
        }
        if let Some(problem) = self.name.check_arity(self.args.len()) {
            return Err(IntrinsicError::new(problem));
        }
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            values.push(match arg {
                Arg::String(s) => Value::String(s.clone()),
                Arg::Number(n) => Value::Number(n.clone()),
                Arg::Bool(b) => Value::Bool(*b),
                Arg::Null => Value::Null,
                Arg::Path(path) => resolve(path)?,
                Arg::Call(call) => call.evaluate_at(resolve, entropy, depth + 1)?,
            });
        }
        let args = Args::new(self.name, values);
        match self.name {
            Function::Format => string::format(self.template.as_ref(), &args),
            Function::StringSplit => string::split(&args),
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
        }
    }
}

impl std::str::FromStr for Call {
    type Err = IntrinsicError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Call::parse(text)
    }
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
    fn recognises_calls() {
        assert!(is_intrinsic("States.Format('x')"));
        assert!(is_intrinsic("States.Nope ()"));
        assert!(!is_intrinsic("States.('x')"));
        assert!(!is_intrinsic("$.States.Format('x')"));
        assert!(!is_intrinsic("States.Format"));
        assert!(!is_intrinsic(" States.Format()"));
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
    fn measures_depth() {
        assert_eq!(Call::parse("States.UUID()").unwrap().depth(), 1);
        let nested =
            Call::parse("States.Array(1, States.Array(States.Array()), States.UUID())").unwrap();
        assert_eq!(nested.depth(), 3);
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
}
