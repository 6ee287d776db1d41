//! What can go wrong with a path: parsing it, reading through it, writing through it.

/// A path that does not parse, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset} of `{text}`)")]
pub struct PathError {
    /// The whole path text as written.
    pub text: String,
    /// Char offset (not byte offset) of the problem in `text`.
    pub offset: usize,
    /// What is wrong, lowercase, quoting the syntax: "expected `]` after index".
    pub message: String,
}

/// A definite path that names nothing in a document, explained in Jayway's words.
///
/// AWS quotes these in `States.Runtime` causes, e.g. `Invalid path '$.a.b' : Missing property
/// in path $['a']`, so the wording follows Jayway JsonPath where it is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotFound {
    /// Jayway's explanation, e.g. `Missing property in path $['a']`.
    pub message: String,
}

/// A `ResultPath`-style write that cannot be applied to the document.
///
/// AWS fails the state with `States.Runtime` and a cause such as `Unable to apply step "x" to
/// input ...`; the runtime shapes that cause from these fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unable to apply step \"{step}\" of `{path}`: {reason}")]
pub struct WriteError {
    /// The reference path being written, as written.
    pub path: String,
    /// The step that failed: a field name, or an index such as `[2]`.
    pub step: String,
    /// Why, lowercase: "the value at `$.a` is a string, not an object".
    pub reason: String,
}
