//! The `workflow!` procedural macro. See the `workflow-runtime` crate for its documentation.
//!
//! Three stages, each its own module: [`parse`] (tokens to syntax, tolerant: one bad entry
//! costs one error), [`lower`] (syntax to an ASL JSON document plus a table of spans per JSON
//! pointer), [`check`] (the core validator, its diagnostics mapped back to spans), and
//! [`expand`] (the generated items). On any error, [`expand`] still emits every item it can,
//! with an empty ASL, so that the user sees only the real errors.

mod check;
mod expand;
mod lower;
mod parse;
mod spans;

use proc_macro::TokenStream;

/// Defines a state machine; see `workflow_runtime::workflow!`.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    expand::workflow(input.into()).into()
}
