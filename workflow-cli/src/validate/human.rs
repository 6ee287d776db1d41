//! Diagnostics as rustc shows them: the code, the message, the offending line with the key
//! or value underlined and labelled with its JSON pointer, and the hint.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use workflow_core::diagnostic::Target;
use workflow_core::{Code, Diagnostic, Pointer, Spelling};

use crate::source::{Definition, Source};

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text.
    Plain,
    /// ANSI colours, as rustc uses them in a terminal.
    Styled,
}

/// One diagnostic of `definition`, rendered.
pub fn render(definition: &Definition, diagnostic: &Diagnostic, style: Style) -> String {
    let source = &definition.source;
    let message = diagnostic.message(Spelling::Asl);
    let pointer = diagnostic.pointer.to_string();
    let mut group = Group::with_title(
        Level::ERROR
            .primary_title(message.as_str())
            .id(diagnostic.code.as_str()),
    );
    let window = if source.text.trim().is_empty() {
        None
    } else {
        Some(Window::around(
            &source.text,
            underline(definition, diagnostic),
        ))
    };
    if let Some(window) = &window {
        group = group.element(
            Snippet::source(window.text)
                .line_start(window.line_start)
                .path(source.name.as_str())
                .annotation(
                    AnnotationKind::Primary
                        .span(window.span.clone())
                        .label(pointer.as_str()),
                ),
        );
    }
    let context = context_note(definition, &pointer, window.is_none());
    if let Some(note) = &context {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    let help = diagnostic.help(Spelling::Asl);
    if let Some(help) = &help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let renderer = match style {
        Style::Plain => Renderer::plain(),
        Style::Styled => Renderer::styled(),
    };
    renderer.render(&[group])
}

/// Where a diagnostic sits when the snippet cannot say: for a template's definition, which
/// resource property it is in; for an empty file, the pointer.
fn context_note(definition: &Definition, pointer: &str, no_snippet: bool) -> Option<String> {
    match (&definition.logical_id, no_snippet) {
        (Some(_), _) => Some(format!("in {}, at {pointer}", definition.origin)),
        (None, true) => Some(format!("in {}, at {pointer}", definition.origin)),
        (None, false) => None,
    }
}

/// The bytes to underline: the key or value the diagnostic is about; a multi-line value
/// is shown by its key; a missing field by the key of the object that lacks it.
fn underline(definition: &Definition, diagnostic: &Diagnostic) -> Range<usize> {
    let source = &definition.source;
    if diagnostic.code == Code::InvalidJson
        && let Some(at) = syntax_error_offset(&source.text, &diagnostic.message(Spelling::Asl))
    {
        return at..at + 1;
    }
    let full = join(&definition.root, &diagnostic.pointer);
    let Some((found, span)) = source.map.nearest(&full) else {
        return first_char(source);
    };
    let exact = found == full;
    let multi_line = source
        .text
        .get(span.value.clone())
        .is_some_and(|v| v.contains('\n'));
    match (&span.key, exact) {
        (Some(key), true) if diagnostic.target == Target::Key || multi_line => key.clone(),
        (_, true) if !multi_line => span.value.clone(),
        (Some(key), false) => key.clone(),
        _ => span.value.start..span.value.start + 1,
    }
}

fn first_char(source: &Source) -> Range<usize> {
    let start = source.text.len() - source.text.trim_start().len();
    start..start + 1
}

/// `root` followed by the tokens of `pointer`.
fn join(root: &Pointer, pointer: &Pointer) -> Pointer {
    pointer
        .tokens()
        .fold(root.clone(), |p, token| p.key(&token))
}

/// serde_json ends its messages with "at line L column C".
fn syntax_error_offset(text: &str, message: &str) -> Option<usize> {
    let tail = &message[message.rfind(" at line ")? + " at line ".len()..];
    let (line, column) = tail.split_once(" column ")?;
    let line: usize = line.trim().parse().ok()?;
    let column: usize = column.trim().parse().ok()?;
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let offset = line_start + column.saturating_sub(1);
    // serde_json reports the column after the offending character, or past the end.
    let offset = offset.min(text.len().saturating_sub(1));
    text.is_char_boundary(offset).then_some(offset)
}

/// The lines of a text that a span covers, so the renderer handles a few lines rather than
/// the whole file for each diagnostic.
struct Window<'t> {
    text: &'t str,
    line_start: usize,
    span: Range<usize>,
}

impl<'t> Window<'t> {
    fn around(text: &'t str, span: Range<usize>) -> Self {
        let start = clamp_to_boundary(text, span.start.min(text.len()));
        let end = clamp_to_boundary(text, span.end.clamp(start, text.len()));
        let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let line_start = 1 + text[..first].matches('\n').count();
        // An empty span still needs a character to point at.
        let end = match text[start..last].chars().next() {
            Some(c) if end == start => start + c.len_utf8(),
            _ => end,
        };
        Window {
            text: &text[first..last],
            line_start,
            span: start - first..end - first,
        }
    }
}

fn clamp_to_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_point_at_serde_json_s_position() {
        let text = "{\n  \"a\": 1,,\n}";
        let error = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let at = syntax_error_offset(text, &format!("not valid JSON: {error}")).unwrap();
        assert_eq!(&text[at..at + 1], ",");
        assert_eq!(syntax_error_offset(text, "no position"), None);
    }

    #[test]
    fn windows_cover_whole_lines() {
        let text = "line one\nline two is here\nline three";
        let w = Window::around(text, 14..17);
        assert_eq!(w.text, "line two is here");
        assert_eq!(w.line_start, 2);
        assert_eq!(&w.text[w.span.clone()], "two");
        let w = Window::around("é", 1..1);
        assert_eq!(w.span, 0..2);
    }
}
