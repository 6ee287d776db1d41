//! YAML -> JSON value, with a [`SourceMap`] of where every node was written.
//!
//! Built on yaml-rust2's event parser rather than a serde front end because it reports a
//! position for every node (so diagnostics land on the YAML line) and the tag of every node
//! (so CloudFormation's short forms `!Sub`, `!GetAtt`, `!Ref` become their long forms).
//! Scalars are typed by the YAML 1.2 core schema, as CloudFormation reads them.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::{Map, Number, Value};
use workflow_core::Pointer;
use workflow_core::locate::{SourceMap, Span};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::Yaml;

/// A parsed YAML document.
#[derive(Debug)]
pub struct YamlDocument {
    /// The document as JSON.
    pub value: Value,
    /// Where each node is in the text.
    pub map: SourceMap,
    /// Keys written twice in one mapping (the last one wins).
    pub duplicates: Vec<Pointer>,
}

/// A YAML syntax error, with its 1-based line and column.
#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Parses the first document of a YAML text.
pub fn parse(text: &str) -> Result<YamlDocument, YamlError> {
    let mut builder = Builder {
        text,
        chars: CharOffsets::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        map: SourceMap::new(),
        duplicates: Vec::new(),
        expanded: 0,
    };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| YamlError {
        message: e.info().to_owned(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
    })?;
    if builder.expanded > MAX_ALIAS_EXPANSION {
        return Err(YamlError {
            message: format!("aliases expand the document past {MAX_ALIAS_EXPANSION} nodes"),
            line: 1,
            column: 1,
        });
    }
    Ok(YamlDocument {
        value: builder.root.unwrap_or(Value::Null),
        map: builder.map,
        duplicates: builder.duplicates,
    })
}

/// How many nodes aliases may copy in all: a few aliases of aliases ("billion laughs")
/// would otherwise expand a small file into more memory than the machine has.
const MAX_ALIAS_EXPANSION: usize = 1_000_000;

/// A container being built.
struct Frame {
    pointer: Pointer,
    /// Where the node starts, and the span of the key naming it.
    start: usize,
    key: Option<Range<usize>>,
    anchor: usize,
    tag: Option<Tag>,
    kind: FrameKind,
}

enum FrameKind {
    Mapping {
        entries: Map<String, Value>,
        /// The key read and waiting for its value, with its span.
        pending: Option<(String, Range<usize>)>,
    },
    Sequence(Vec<Value>),
}

struct Builder<'t> {
    text: &'t str,
    chars: CharOffsets,
    stack: Vec<Frame>,
    /// Anchored nodes, with their node counts.
    anchors: HashMap<usize, (Value, usize)>,
    root: Option<Value>,
    map: SourceMap,
    duplicates: Vec<Pointer>,
    /// How many nodes aliases have copied so far.
    expanded: usize,
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = self.chars.byte(mark.index());
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let end = scalar_end(self.text, at, &text, style);
                if self.expects_key() {
                    self.set_key(text, at..end);
                } else {
                    let value = apply_tag(scalar(&text, style, tag.as_ref()), tag.as_ref());
                    self.complete(value, at..end, anchor);
                }
            }
            Event::Alias(id) => {
                let value = match self.anchors.get(&id) {
                    Some((value, nodes)) if self.expanded + nodes <= MAX_ALIAS_EXPANSION => {
                        self.expanded += nodes;
                        value.clone()
                    }
                    Some(_) => {
                        self.expanded = MAX_ALIAS_EXPANSION + 1;
                        Value::Null
                    }
                    None => Value::Null,
                };
                let end = (at + 1).min(self.text.len()).max(at);
                if self.expects_key() {
                    self.set_key(key_text(&value), at..end);
                } else {
                    self.complete(value, at..end, 0);
                }
            }
            Event::MappingStart(anchor, tag) => self.open(
                at,
                anchor,
                tag,
                FrameKind::Mapping {
                    entries: Map::new(),
                    pending: None,
                },
            ),
            Event::SequenceStart(anchor, tag) => {
                self.open(at, anchor, tag, FrameKind::Sequence(Vec::new()))
            }
            Event::MappingEnd | Event::SequenceEnd => self.close(at),
            _ => {}
        }
    }
}

impl Builder<'_> {
    /// Whether the next node is a mapping key.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Mapping { pending: None, .. },
                ..
            })
        )
    }

    fn set_key(&mut self, key: String, span: Range<usize>) {
        if let Some(Frame {
            kind: FrameKind::Mapping { pending, .. },
            ..
        }) = self.stack.last_mut()
        {
            *pending = Some((key, span));
        }
    }

    /// The pointer and key span of the next child of the innermost container.
    fn child(&self) -> (Pointer, Option<Range<usize>>) {
        match self.stack.last() {
            None => (Pointer::root(), None),
            Some(frame) => match &frame.kind {
                FrameKind::Mapping { pending, .. } => match pending {
                    Some((key, span)) => (frame.pointer.key(key), Some(span.clone())),
                    None => (frame.pointer.clone(), None),
                },
                FrameKind::Sequence(items) => (frame.pointer.index(items.len()), None),
            },
        }
    }

    fn open(&mut self, at: usize, anchor: usize, tag: Option<Tag>, kind: FrameKind) {
        // A container used as a mapping key is rare (and meaningless to JSON); it is built
        // like any node and then flattened to text by `complete`.
        let (pointer, key) = if self.expects_key() {
            (Pointer::root().key("?"), None)
        } else {
            self.child()
        };
        self.stack.push(Frame {
            pointer,
            start: at,
            key,
            anchor,
            tag,
            kind,
        });
    }

    fn close(&mut self, at: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let value = match frame.kind {
            FrameKind::Mapping { entries, .. } => Value::Object(entries),
            FrameKind::Sequence(items) => Value::Array(items),
        };
        let value = apply_tag(value, frame.tag.as_ref());
        let end = at
            .max(frame.start + 1)
            .min(self.text.len())
            .max(frame.start);
        self.record(&frame.pointer, frame.key, frame.start..end, &value);
        if frame.anchor > 0 {
            self.anchors
                .insert(frame.anchor, (value.clone(), node_count(&value)));
        }
        self.attach(value, frame.pointer);
    }

    /// A finished scalar or alias.
    fn complete(&mut self, value: Value, span: Range<usize>, anchor: usize) {
        let (pointer, key) = self.child();
        self.record(&pointer, key, span, &value);
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), 1));
        }
        self.attach(value, pointer);
    }

    fn record(
        &mut self,
        pointer: &Pointer,
        key: Option<Range<usize>>,
        value: Range<usize>,
        v: &Value,
    ) {
        let span = Span { key, value };
        // A short-form tag becomes a one-key object; its argument is written at the same place.
        if let Some((name, _)) = v
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            && (name.starts_with("Fn::") || name == "Ref")
        {
            self.map.insert(
                &pointer.key(name),
                Span {
                    key: None,
                    value: span.value.clone(),
                },
            );
        }
        self.map.insert(pointer, span);
    }

    /// Puts a finished node into its parent (or makes it the document).
    fn attach(&mut self, value: Value, pointer: Pointer) {
        let Some(parent) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(value);
            }
            return;
        };
        match &mut parent.kind {
            FrameKind::Sequence(items) => items.push(value),
            FrameKind::Mapping { entries, pending } => match pending.take() {
                Some((key, _)) => {
                    if entries.insert(key, value).is_some() {
                        self.duplicates.push(pointer);
                    }
                }
                // The node was a (complex) key.
                None => *pending = Some((key_text(&value), 0..0)),
            },
        }
    }
}

fn node_count(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Object(entries) => 1 + entries.values().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

/// A mapping key as JSON text: strings as they are, anything else as its JSON.
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A scalar typed by the YAML 1.2 core schema: only plain scalars are numbers, Booleans or
/// null; `!!str` and friends force a type.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag
        .filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!")
        .map(|t| t.suffix.as_str());
    match core {
        Some("str") => return Value::String(text.to_owned()),
        Some("int" | "float" | "bool" | "null") => return plain(text),
        _ => {}
    }
    if style == TScalarStyle::Plain {
        plain(text)
    } else {
        Value::String(text.to_owned())
    }
}

fn plain(text: &str) -> Value {
    match Yaml::from_str(text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        _ => Value::String(text.to_owned()),
    }
}

/// CloudFormation's short forms: `!Ref X` -> `{"Ref": "X"}`, `!GetAtt A.B` ->
/// `{"Fn::GetAtt": ["A", "B"]}`, `!Condition X` -> `{"Condition": "X"}`, any other `!Name v`
/// -> `{"Fn::Name": v}`.
fn apply_tag(value: Value, tag: Option<&Tag>) -> Value {
    let Some(tag) = tag.filter(|t| t.handle == "!") else {
        return value;
    };
    let (key, value) = match (tag.suffix.as_str(), value) {
        ("Ref", v) => ("Ref".to_owned(), v),
        ("Condition", v) => ("Condition".to_owned(), v),
        ("GetAtt", Value::String(s)) => {
            let parts = match s.split_once('.') {
                Some((resource, attribute)) => vec![resource.into(), attribute.into()],
                None => vec![Value::String(s)],
            };
            ("Fn::GetAtt".to_owned(), Value::Array(parts))
        }
        (name, v) => (format!("Fn::{name}"), v),
    };
    let mut object = Map::new();
    object.insert(key, value);
    Value::Object(object)
}

/// Where a scalar that starts at byte `at` ends. The parser gives only starts; quoted and
/// plain scalars end where their text says, block scalars are shown by their first line.
fn scalar_end(text: &str, at: usize, value: &str, style: TScalarStyle) -> usize {
    let rest = text.get(at..).unwrap_or("");
    let line_end = at + rest.find(['\n', '\r']).unwrap_or(rest.len());
    let end = match style {
        TScalarStyle::Plain if !value.contains('\n') && rest.starts_with(value) => at + value.len(),
        TScalarStyle::DoubleQuoted => closing_quote(rest, b'"').map_or(line_end, |i| at + i + 1),
        TScalarStyle::SingleQuoted => closing_quote(rest, b'\'').map_or(line_end, |i| at + i + 1),
        _ => line_end,
    };
    end.max(at + usize::from(at < text.len()))
}

/// The index of the quote closing a quoted scalar that opens at the start of `rest`.
fn closing_quote(rest: &str, quote: u8) -> Option<usize> {
    let bytes = rest.as_bytes();
    if bytes.first() != Some(&quote) {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                // `''` is an escaped quote inside a single-quoted scalar.
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The parser counts characters; diagnostics need bytes.
struct CharOffsets(Option<Vec<usize>>);

impl CharOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharOffsets(None);
        }
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        CharOffsets(Some(offsets))
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.0 {
            None => char_index,
            Some(offsets) => offsets
                .get(char_index)
                .or(offsets.last())
                .copied()
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at<'t>(text: &'t str, doc: &YamlDocument, pointer: &Pointer) -> &'t str {
        &text[doc.map.get(pointer).unwrap().value.clone()]
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let doc = parse("a: 1\nb: '1'\nc: true\nd: ~\ne: 2.5\nf: text here\ng: !!str 3\n").unwrap();
        assert_eq!(
            doc.value,
            json!({ "a": 1, "b": "1", "c": true, "d": null, "e": 2.5, "f": "text here", "g": "3" })
        );
    }

    #[test]
    fn short_forms_become_long_forms() {
        let text = "A: !Sub 'arn:${AWS::Region}'\nB: !GetAtt Fn.Arn\nC: !Ref Param\nD: !Join ['', [a, !Ref X]]\n";
        let doc = parse(text).unwrap();
        assert_eq!(
            doc.value,
            json!({
                "A": { "Fn::Sub": "arn:${AWS::Region}" },
                "B": { "Fn::GetAtt": ["Fn", "Arn"] },
                "C": { "Ref": "Param" },
                "D": { "Fn::Join": ["", ["a", { "Ref": "X" }]] }
            })
        );
        let sub = Pointer::root().key("A").key("Fn::Sub");
        assert_eq!(at(text, &doc, &sub), "'arn:${AWS::Region}'");
    }

    #[test]
    fn nodes_are_located_with_their_keys() {
        let text = "States:\n  Wait1:\n    Type: Wait\n    Next: \"Nope\"\n  é: {Type: Succeed}\n";
        let doc = parse(text).unwrap();
        let next = Pointer::root().key("States").key("Wait1").key("Next");
        let span = doc.map.get(&next).unwrap();
        assert_eq!(&text[span.value.clone()], "\"Nope\"");
        assert_eq!(&text[span.key.clone().unwrap()], "Next");
        let succeed = Pointer::root().key("States").key("é").key("Type");
        assert_eq!(at(text, &doc, &succeed), "Succeed");
    }

    #[test]
    fn anchors_duplicates_and_sequences() {
        let text = "a: &x {k: [1, 2]}\nb: *x\na: 3\n";
        let doc = parse(text).unwrap();
        assert_eq!(doc.value, json!({ "a": 3, "b": { "k": [1, 2] } }));
        assert_eq!(doc.duplicates, vec![Pointer::root().key("a")]);
        let second = Pointer::root().key("b");
        assert!(doc.map.get(&second).is_some());
    }

    #[test]
    fn errors_have_positions_and_nothing_panics() {
        let err = parse("a: [1, 2\nb: c").unwrap_err();
        assert!(err.line >= 1);
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(parse(laughs).unwrap_err().message.contains("aliases"));
        for text in [
            "",
            "---",
            "- - -",
            "? [a]\n: b",
            "a: |\n  x\n",
            "!!binary x",
            "&a [*a]",
            "*nope",
        ] {
            let _ = parse(text);
        }
    }
}
