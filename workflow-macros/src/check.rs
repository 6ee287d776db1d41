//! The core validator, run on the lowered document; its diagnostics become spanned errors.

use proc_macro2::Span;
use workflow_core::StateMachine;

use crate::lower::Lowered;

/// Validates the document. Returns the model when it is valid; otherwise pushes one error
/// per diagnostic, each at the tokens its JSON pointer maps to.
pub fn check(lowered: &Lowered, name: Span, errors: &mut Vec<syn::Error>) -> Option<StateMachine> {
    match workflow_core::check(&lowered.document) {
        Ok(machine) => Some(machine),
        Err(invalid) => {
            errors.extend(invalid.0.iter().map(|d| lowered.spans.error(d, name)));
            None
        }
    }
}
