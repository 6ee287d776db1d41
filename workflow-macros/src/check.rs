//! The core validator, run on the lowered document; its diagnostics become spanned errors.
//!
//! It runs even after a syntax error, on what parsed. A piece that failed to parse is
//! missing from the document, so the diagnostics its absence explains are dropped; the
//! rest are shown, so that one build reports every error.

use proc_macro2::Span;
use serde_json::Value;
use workflow_core::{Code, Diagnostic, Pointer, StateMachine};

use crate::lower::Lowered;

/// Validates the document. Returns the model when it is valid; otherwise pushes one error
/// per diagnostic, each at the tokens its JSON pointer maps to.
pub fn check(lowered: &Lowered, name: Span, errors: &mut Vec<syn::Error>) -> Option<StateMachine> {
    match workflow_core::check(&lowered.document) {
        Ok(machine) => Some(machine),
        Err(invalid) => {
            errors.extend(
                invalid
                    .0
                    .iter()
                    .filter(|d| !explained(d, lowered))
                    .map(|d| lowered.spans.error(d, name)),
            );
            None
        }
    }
}

/// Whether a piece that failed to parse would explain the diagnostic.
fn explained(d: &Diagnostic, lowered: &Lowered) -> bool {
    let broken = &lowered.broken;
    let named_in_broken = |name: &str| broken.iter().any(|b| b.idents.iter().any(|i| i == name));
    // Anything about a value that failed to parse, or inside it: already reported.
    if broken.iter().any(|b| b.whole && within(&d.pointer, &b.at)) {
        return true;
    }
    // An object that lost entries: its missing fields may be among them.
    if d.code == Code::SchemaValidationFailed
        && broken.iter().any(|b| !b.whole && b.at == d.pointer)
    {
        return true;
    }
    let states = scope_states(&d.pointer);
    match d.code {
        // A name a broken piece holds may be the state that failed to parse; so may any
        // name, when a state of the scope was lost with its name.
        Code::MissingTransitionTarget => {
            broken.iter().any(|b| !b.whole && b.at == states)
                || lowered
                    .document
                    .pointer(d.pointer.as_str())
                    .and_then(Value::as_str)
                    .is_some_and(named_in_broken)
        }
        // A broken piece naming the state may have been its way in.
        Code::UnreachableState => d
            .pointer
            .tokens()
            .last()
            .is_some_and(|s| named_in_broken(&s)),
        // A broken piece inside a state of the machine may have been the cycle's way out (a
        // lost `catch`, say). A lost state cannot: the cycle's transitions do not name it.
        Code::NoTerminalPath | Code::MissingEndState => broken
            .iter()
            .any(|b| within(&b.at, &states) && b.at != states),
        _ => false,
    }
}

/// Whether `pointer` is `ancestor` or below it.
fn within(pointer: &Pointer, ancestor: &Pointer) -> bool {
    let (p, a) = (pointer.as_str(), ancestor.as_str());
    p == a || (p.starts_with(a) && p[a.len()..].starts_with('/'))
}

/// The `States` of the machine a graph diagnostic is in: the pointer up to its last
/// `States` token (`/States/Loop/Next` -> `/States`), or beside its `StartAt`.
fn scope_states(pointer: &Pointer) -> Pointer {
    if pointer.tokens().last().as_deref() == Some("StartAt") {
        return pointer.parent().unwrap_or_else(Pointer::root).key("States");
    }
    let mut current = Some(pointer.clone());
    while let Some(p) = current {
        if p.tokens().last().as_deref() == Some("States") {
            return p;
        }
        current = p.parent();
    }
    Pointer::root()
}
