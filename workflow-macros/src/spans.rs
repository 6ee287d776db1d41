//! JSON pointer -> span: how the core's diagnostics find their way back to the user's tokens.

use std::collections::HashMap;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use workflow_core::Pointer;
use workflow_core::diagnostic::{Diagnostic, Spelling, Target};

/// The first and last token of a node, so an error underlines all of it.
#[derive(Clone, Copy)]
pub struct Range {
    pub start: Span,
    pub end: Span,
}

impl Range {
    pub fn of(start: Span, end: Span) -> Self {
        Range { start, end }
    }

    pub fn single(span: Span) -> Self {
        Range {
            start: span,
            end: span,
        }
    }

    /// An error over this range.
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        let tokens: TokenStream = [
            TokenTree::Ident(Ident::new("start", self.start)),
            TokenTree::Ident(Ident::new("end", self.end)),
        ]
        .into_iter()
        .collect();
        syn::Error::new_spanned(tokens, message)
    }
}

/// Where each node of the lowered document was written.
#[derive(Default)]
pub struct SpanTable {
    values: HashMap<String, Range>,
    keys: HashMap<String, Range>,
}

impl SpanTable {
    pub fn value(&mut self, at: &Pointer, range: Range) {
        self.values.insert(at.as_str().to_owned(), range);
    }

    pub fn key(&mut self, at: &Pointer, range: Range) {
        self.keys.insert(at.as_str().to_owned(), range);
    }

    /// The range a diagnostic points at: the key or value at its pointer, else the nearest
    /// ancestor that has one (the root is the workflow's name).
    pub fn locate(&self, at: &Pointer, target: Target) -> Option<Range> {
        if let Target::Field(key) = target
            && let Some(range) = self.values.get(at.key(key).as_str())
        {
            return Some(*range);
        }
        let mut current = Some(at.clone());
        let mut first = true;
        while let Some(p) = current {
            let preferred = match (first, target) {
                (true, Target::Key) => self
                    .keys
                    .get(p.as_str())
                    .or_else(|| self.values.get(p.as_str())),
                _ => self
                    .values
                    .get(p.as_str())
                    .or_else(|| self.keys.get(p.as_str())),
            };
            if let Some(range) = preferred {
                return Some(*range);
            }
            first = false;
            current = p.parent();
        }
        None
    }

    /// The diagnostic as a spanned error, in the macro's spelling of field names.
    pub fn error(&self, d: &Diagnostic, fallback: Span) -> syn::Error {
        let range = self
            .locate(&d.pointer, d.target)
            .unwrap_or(Range::single(fallback));
        let mut message = d.message(Spelling::Rust);
        if let Some(help) = d.help(Spelling::Rust) {
            message = format!("{message}\n  = help: {help}");
        }
        range.error(message)
    }
}
