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
//! This crate parses calls; the `workflow-eval` crate evaluates them, so that the
//! `workflow!` macro, which only validates, does not compile the functions' implementations
//! (hashing, Base64). A function given arguments it cannot use fails with an
//! [`IntrinsicError`], which the runtime reports as `States.IntrinsicFailure`.

mod function;
mod parse;
mod render;
mod template;

use serde_json::Number;

use crate::path::Path;

pub use function::Function;
pub use template::{Piece, Template};

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
pub const MAX_DEPTH: usize = 64;

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

    /// The parsed template of a `States.Format` call whose first argument is a string
    /// literal; `None` when the template comes from a path (or for other functions).
    pub fn template(&self) -> Option<&Template> {
        self.template.as_ref()
    }

    /// How deeply calls nest in this one: 1 for a call without nested calls.
    pub fn depth(&self) -> usize {
        let nested = self.args.iter().filter_map(|arg| match arg {
            Arg::Call(call) => Some(call.depth()),
            _ => None,
        });
        1 + nested.max().unwrap_or(0)
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
    use super::*;

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
    fn measures_depth() {
        assert_eq!(Call::parse("States.UUID()").unwrap().depth(), 1);
        let nested =
            Call::parse("States.Array(1, States.Array(States.Array()), States.UUID())").unwrap();
        assert_eq!(nested.depth(), 3);
    }
}
