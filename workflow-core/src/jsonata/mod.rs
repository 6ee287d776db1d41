//! JSONata 2.x, as AWS Step Functions uses it in states whose `QueryLanguage` is `JSONata`:
//! an expression language over JSON ("Transforming data with JSONata in Step Functions").
//!
//! [`Expression::parse`] compiles the text between `{%` and `%}` into the tree of [`Node`]s,
//! which the validator checks and the `workflow-eval` crate evaluates. Evaluation (and the
//! function library, with its hashing, regexes and Base64) lives there so that the
//! `workflow!` macro, which only validates, does not compile it.

mod lexer;
mod operator;
mod parser;

pub use operator::BinaryOp;
pub use parser::{Lambda, Node};

/// A JSONata error: its code (`T1006`, `D3030`, ...) and message. It displays as JSONata
/// reports it, `"T1006: Attempted to invoke a non-function"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// JSONata's error code.
    pub code: String,
    /// The message.
    pub message: String,
}

impl Error {
    /// An error with JSONata's `code` and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Error {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// A parsed JSONata expression.
#[derive(Debug)]
pub struct Expression {
    node: Node,
}

impl Expression {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Expression, Error> {
        Ok(Expression {
            node: parser::parse(text)?,
        })
    }

    /// The expression's tree.
    pub fn node(&self) -> &Node {
        &self.node
    }
}
