//! Where each node of a JSON text lies: a map from JSON pointer to byte ranges, so that a
//! front end reading `.asl.json` files can show a diagnostic at its line and column.
//!
//! The scanner is tolerant: on a syntax error it keeps every node it has seen, so even a
//! broken file gets the locations of the part before the error. It never panics, and it
//! stops descending at [`MAX_DEPTH`] rather than overflow the stack on hostile input.

use std::collections::HashMap;
use std::ops::Range;

use crate::diagnostic::Pointer;

/// How deep the scanner follows nested arrays and objects. `serde_json` refuses to parse
/// past 128 levels, so no definition that parses goes deeper.
pub const MAX_DEPTH: usize = 256;

/// Where one node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The key naming the node in its parent object, quotes included; `None` for the root
    /// and for array items.
    pub key: Option<Range<usize>>,
    /// The value, from its first byte to just past its last (`{` to `}` for an object).
    pub value: Range<usize>,
}

/// JSON pointer -> [`Span`], for one text. A key written twice maps to its last
/// occurrence, the one whose value a parser keeps.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    nodes: HashMap<String, Span>,
}

impl SourceMap {
    /// An empty map, for front ends that fill one from another syntax (YAML).
    pub fn new() -> Self {
        Self::default()
    }

    /// The map of every node of a JSON text.
    pub fn from_json(text: &str) -> Self {
        let mut scanner = Scanner {
            bytes: text.as_bytes(),
            at: 0,
            map: SourceMap::new(),
        };
        // A syntax error ends the scan; what was mapped before it is kept.
        let _ = scanner.value(&Pointer::root(), None, 0);
        scanner.map
    }

    /// Records where the node at `pointer` is.
    pub fn insert(&mut self, pointer: &Pointer, span: Span) {
        self.nodes.insert(pointer.as_str().to_owned(), span);
    }

    /// Where the node at `pointer` is, if the text has it.
    pub fn get(&self, pointer: &Pointer) -> Option<&Span> {
        self.nodes.get(pointer.as_str())
    }

    /// The node at `pointer`, or else its nearest ancestor the text has (a diagnostic about
    /// a missing field points into an object that exists), with the pointer found.
    pub fn nearest(&self, pointer: &Pointer) -> Option<(Pointer, &Span)> {
        let mut at = Some(pointer.clone());
        while let Some(p) = at {
            if let Some(span) = self.get(&p) {
                return Some((p, span));
            }
            at = p.parent();
        }
        None
    }

    /// How many nodes are mapped.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// A syntax error or the depth limit: the scan stops.
struct Stop;

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    map: SourceMap,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Stop> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// Scans one value and records it (and everything in it) under `at`.
    fn value(&mut self, at: &Pointer, key: Option<Range<usize>>, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop);
        }
        self.skip_whitespace();
        let start = self.at;
        let result = match self.peek() {
            Some(b'{') => self.object(at, depth),
            Some(b'[') => self.array(at, depth),
            Some(b'"') => self.string().map(drop),
            Some(_) => self.scalar(),
            None => Err(Stop),
        };
        // Record even a value cut short by an error, so its key can still be shown.
        let end = self.at.max(start + 1).min(self.bytes.len().max(start));
        self.map.insert(
            at,
            Span {
                key,
                value: start..end,
            },
        );
        result
    }

    fn object(&mut self, at: &Pointer, depth: usize) -> Result<(), Stop> {
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            let key_start = self.at;
            if self.peek() != Some(b'"') {
                return Err(Stop);
            }
            let name = self.string()?;
            let key = key_start..self.at;
            self.expect(b':')?;
            self.value(&at.key(&name), Some(key), depth + 1)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Stop),
            }
        }
    }

    fn array(&mut self, at: &Pointer, depth: usize) -> Result<(), Stop> {
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            self.value(&at.index(index), None, depth + 1)?;
            index += 1;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Stop),
            }
        }
    }

    /// A string at the cursor (on its opening quote), unescaped: keys become pointer tokens.
    fn string(&mut self) -> Result<String, Stop> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let byte = self.peek().ok_or(Stop)?;
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| Stop),
                b'\\' => {
                    let escaped = self.peek().ok_or(Stop)?;
                    self.at += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(Stop),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    }

    /// The code point of `\uXXXX` (the cursor just past the `u`), joining surrogate pairs.
    /// A lone surrogate becomes U+FFFD, as a lossy reader would show it.
    fn unicode_escape(&mut self) -> Result<char, Stop> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return Ok(char::from_u32(high).unwrap_or('\u{FFFD}'));
        }
        if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
            return Ok('\u{FFFD}');
        }
        self.at += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return Ok('\u{FFFD}');
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(Stop)?;
        let text = std::str::from_utf8(digits).map_err(|_| Stop)?;
        let value = u32::from_str_radix(text, 16).map_err(|_| Stop)?;
        self.at += 4;
        Ok(value)
    }

    /// A number, `true`, `false` or `null`: everything up to the next delimiter.
    fn scalar(&mut self) -> Result<(), Stop> {
        let start = self.at;
        while let Some(byte) = self.peek() {
            if matches!(
                byte,
                b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'{' | b'['
            ) {
                break;
            }
            self.at += 1;
        }
        if self.at == start { Err(Stop) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at<'t>(text: &'t str, range: &Range<usize>) -> &'t str {
        &text[range.clone()]
    }

    fn pointer(tokens: &[&str]) -> Pointer {
        tokens.iter().fold(Pointer::root(), |p, t| p.key(t))
    }

    #[test]
    fn maps_keys_and_values_by_pointer() {
        let text = r#"{
  "StartAt": "A",
  "States": {
    "A": { "Type": "Wait", "Seconds": 3, "Next": "B" },
    "B": { "Type": "Succeed" }
  }
}"#;
        let map = SourceMap::from_json(text);
        let next = map.get(&pointer(&["States", "A", "Next"])).unwrap();
        assert_eq!(text_at(text, &next.value), r#""B""#);
        assert_eq!(text_at(text, next.key.as_ref().unwrap()), r#""Next""#);
        let seconds = map.get(&pointer(&["States", "A", "Seconds"])).unwrap();
        assert_eq!(text_at(text, &seconds.value), "3");
        let a = map.get(&pointer(&["States", "A"])).unwrap();
        assert!(text_at(text, &a.value).starts_with('{'));
        assert!(text_at(text, &a.value).ends_with('}'));
        let root = map.get(&Pointer::root()).unwrap();
        assert_eq!(root.value, 0..text.len());
        assert_eq!(root.key, None);
    }

    #[test]
    fn arrays_are_indexed() {
        let text = r#"{"Retry": [{"ErrorEquals": ["X", "Y"]}, {"MaxAttempts": -1}]}"#;
        let map = SourceMap::from_json(text);
        let y = map
            .get(
                &Pointer::root()
                    .key("Retry")
                    .index(0)
                    .key("ErrorEquals")
                    .index(1),
            )
            .unwrap();
        assert_eq!(text_at(text, &y.value), r#""Y""#);
        assert_eq!(y.key, None);
        let attempts = map
            .get(&Pointer::root().key("Retry").index(1).key("MaxAttempts"))
            .unwrap();
        assert_eq!(text_at(text, &attempts.value), "-1");
    }

    #[test]
    fn escaped_keys_become_pointer_tokens() {
        let text = r#"{"States": {"a/b~c": 1, "\u00e9\"q": 2, "\ud83d\ude00": 3}}"#;
        let map = SourceMap::from_json(text);
        assert_eq!(
            map.get(&pointer(&["States", "a/b~c"])).unwrap().value.len(),
            1
        );
        assert!(map.get(&pointer(&["States", "é\"q"])).is_some());
        assert!(map.get(&pointer(&["States", "😀"])).is_some());
    }

    #[test]
    fn missing_nodes_fall_back_to_their_nearest_ancestor() {
        let text = r#"{"States": {"A": {"Type": "Pass"}}}"#;
        let map = SourceMap::from_json(text);
        let (found, span) = map.nearest(&pointer(&["States", "A", "Next"])).unwrap();
        assert_eq!(found, pointer(&["States", "A"]));
        assert_eq!(text_at(text, span.key.as_ref().unwrap()), r#""A""#);
    }

    #[test]
    fn a_duplicate_key_maps_to_its_last_occurrence() {
        let text = r#"{"A": 1, "A": 22}"#;
        let map = SourceMap::from_json(text);
        assert_eq!(
            text_at(text, &map.get(&pointer(&["A"])).unwrap().value),
            "22"
        );
    }

    #[test]
    fn a_syntax_error_keeps_what_came_before() {
        let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass",, }}}"#;
        let map = SourceMap::from_json(text);
        assert!(map.get(&pointer(&["StartAt"])).is_some());
        assert!(map.get(&pointer(&["States", "A", "Type"])).is_some());
        assert!(map.get(&Pointer::root()).is_some());
    }

    #[test]
    fn hostile_input_neither_panics_nor_overflows() {
        for text in [
            "",
            "   ",
            "{",
            "\"",
            "\"\\u12",
            "\"\\ud800\\u0041\"",
            "[1,",
            "{\"a\"",
            "nul",
            "\u{feff}{}",
            "{\"é\": \"\\",
        ] {
            let _ = SourceMap::from_json(text);
        }
        let deep = "[".repeat(100_000);
        let map = SourceMap::from_json(&deep);
        assert!(map.len() <= MAX_DEPTH + 2);
    }
}
