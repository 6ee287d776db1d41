//! The parsed form of a path, shared by the parser and the evaluator.

use serde_json::Value;

/// The steps after a path's root, and the function that may end it.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub segments: Vec<Segment>,
    /// A trailing Jayway function such as `.length()`.
    pub function: Option<Function>,
}

impl Query {
    /// True when every segment names at most one node.
    pub fn is_definite(&self) -> bool {
        self.segments.iter().all(Segment::is_definite)
    }
}

/// One step of a query: `.name`, `[...]`, or the descendant forms `..name`, `..[...]`.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    /// Byte offset of the segment in the path text, for error messages.
    pub at: usize,
    /// `..`: the selector applies to the node and to every node below it.
    pub descendant: bool,
    pub selector: Selector,
}

impl Segment {
    pub fn is_definite(&self) -> bool {
        !self.descendant && matches!(self.selector, Selector::Name(_) | Selector::Index(_))
    }
}

/// What a segment picks out of a node.
#[derive(Debug, Clone)]
pub(crate) enum Selector {
    /// `.name`, `['name']`.
    Name(String),
    /// `['a','b']`: two or more names.
    Names(Vec<String>),
    /// `[n]`, `[-n]` (from the end).
    Index(i64),
    /// `[0,2]`: two or more indices.
    Indices(Vec<i64>),
    /// `[a:b]`, `[a:]`, `[:b]`; at least one bound is present.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
    },
    /// `.*`, `[*]`.
    Wildcard,
    /// `[?(...)]`.
    Filter(Box<Expr>),
}

/// The Jayway functions a path may end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    /// `.length()`: the number of items of an array (or members of an object).
    Length,
}

/// A filter expression, the inside of `[?( ... )]`.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A bare path such as `@.isbn`: true when it names something, even `null`.
    Exists(PathOperand),
    Compare {
        left: Operand,
        op: CompareOp,
        right: Operand,
    },
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Literal(Value),
    Path(PathOperand),
}

/// A path inside a filter: relative to the current node (`@`) or to the document (`$`).
#[derive(Debug, Clone)]
pub(crate) struct PathOperand {
    pub relative: bool,
    pub query: Query,
}

/// The comparison operators of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}
