//! Evaluation of what `workflow-core` parses: JSONata expressions ([`jsonata`]) and the
//! `States.*` intrinsic functions ([`intrinsics`]).
//!
//! It is a crate of its own so that the `workflow!` macro, which parses and validates a
//! definition but never runs it, does not compile the evaluators and what they need
//! (regular expressions, MD5 and SHA hashing, Base64): only the runtime depends on it.
//! Being beside the macro rather than inside the runtime, it also compiles in parallel with
//! the macro in a user's build instead of after it.

#![warn(missing_docs)]

pub mod intrinsics;
pub mod jsonata;

use serde_json::Value;

/// What one JSON value costs before its contents (the enum's own size).
pub(crate) const VALUE_BYTES: usize = std::mem::size_of::<Value>();

/// What a value weighs in an evaluation's budget of bytes built: its own size and its
/// contents'. Both evaluators charge what they build by this measure, so that no expression
/// or intrinsic call can make the runtime allocate without bound.
pub(crate) fn weight(value: &Value) -> usize {
    VALUE_BYTES
        + match value {
            Value::String(s) => s.len(),
            Value::Array(items) => items.iter().map(weight).sum(),
            Value::Object(map) => map.iter().map(|(k, v)| k.len() + weight(v)).sum(),
            _ => 0,
        }
}
