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
