//! Text to [`Query`]: the grammar in the module docs, one function per production.
//!
//! The parser never panics and never recurses without bound: filters and parentheses
//! count their nesting against [`MAX_DEPTH`].

use super::Root;
use super::ast::{Function, Query, Segment, Selector};
use super::error::PathError;

/// Deepest nesting of filters and parentheses accepted, so hostile input cannot overflow the
/// stack of the parser or the evaluator.
pub(crate) const MAX_DEPTH: usize = 64;

/// Where a query is being read: dot names end at different characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// The path itself: a dot name runs to the next `.`, `[`, `(` or whitespace, as in Jayway.
    TopLevel,
    /// A path inside a filter, where operators and `)` also end a name.
    Filter,
}

/// A position in the path text, with the helpers every production needs.
pub(crate) struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
}

/// Parses a whole path: its root, then its query, then nothing else.
pub(crate) fn parse_path(text: &str) -> Result<(Root, Query), PathError> {
    let mut p = Parser { text, pos: 0 };
    if !p.eat('$') {
        return Err(p.error("path must start with `$`"));
    }
    let root = if p.eat('$') {
        Root::Context
    } else if p.peek().is_some_and(is_variable_start) {
        Root::Variable(p.take_while(is_variable_char).to_owned())
    } else {
        Root::Input
    };
    let query = p.query(Context::TopLevel, 0)?;
    match p.peek() {
        None => Ok((root, query)),
        Some(c) if c.is_whitespace() => Err(p.error(
            "unexpected whitespace: write a name with spaces in brackets, as in `$['my name']`",
        )),
        Some(c) => Err(p.error(format!("unexpected `{c}`: expected `.` or `[`"))),
    }
}

/// ASL variable names start like identifiers.
fn is_variable_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_variable_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl<'a> Parser<'a> {
    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn eat(&mut self, c: char) -> bool {
        self.eat_str(c.encode_utf8(&mut [0; 4]))
    }

    pub fn eat_str(&mut self, s: &str) -> bool {
        let found = self.rest().starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    pub fn skip_whitespace(&mut self) {
        self.take_while(char::is_whitespace);
    }

    pub fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        &self.text[start..self.pos]
    }

    /// Byte offset of the next character. Offsets stay in bytes while parsing and become
    /// char offsets only in an error, so that a long path parses in linear time.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn error(&self, message: impl Into<String>) -> PathError {
        self.error_at(self.pos(), message)
    }

    /// An error at byte offset `at`.
    pub fn error_at(&self, at: usize, message: impl Into<String>) -> PathError {
        error_at(self.text, at, message)
    }

    pub fn expect(&mut self, c: char, after: &str) -> Result<(), PathError> {
        self.skip_whitespace();
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{c}` after {after}")))
        }
    }

    /// The segments after a root (`$`, `@`, ...), up to the first character that cannot
    /// continue a path.
    pub fn query(&mut self, context: Context, depth: usize) -> Result<Query, PathError> {
        let mut segments = Vec::new();
        loop {
            let at = self.pos();
            match self.peek() {
                Some('.') => {
                    self.bump();
                    let descendant = self.eat('.');
                    if let Some(function) =
                        self.dot_segment(descendant, at, context, depth, &mut segments)?
                    {
                        return Ok(Query {
                            segments,
                            function: Some(function),
                        });
                    }
                }
                Some('[') => {
                    let selector = self.bracket(depth)?;
                    segments.push(Segment {
                        at,
                        descendant: false,
                        selector,
                    });
                }
                _ => {
                    return Ok(Query {
                        segments,
                        function: None,
                    });
                }
            }
        }
    }

    /// What follows `.` or `..`: a name, `*`, a bracket, or a trailing function call.
    fn dot_segment(
        &mut self,
        descendant: bool,
        at: usize,
        context: Context,
        depth: usize,
        segments: &mut Vec<Segment>,
    ) -> Result<Option<Function>, PathError> {
        let dots = if descendant { "`..`" } else { "`.`" };
        let selector = match self.peek() {
            None => return Err(self.error(format!("path must not end with {dots}"))),
            Some('.') => return Err(self.error("unexpected `.`: expected a name")),
            // Jayway reads `$.['a']` as `$['a']`.
            Some('[') => self.bracket(depth)?,
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some(_) => {
                let name_at = self.pos();
                let name = self.take_while(|c| !ends_dot_name(c, context));
                if name.is_empty() {
                    return Err(self.error(format!("expected a name after {dots}")));
                }
                if self.peek() == Some('(') {
                    return self.function(name, name_at, descendant).map(Some);
                }
                Selector::Name(name.to_owned())
            }
        };
        segments.push(Segment {
            at,
            descendant,
            selector,
        });
        Ok(None)
    }

    /// `name()` after a dot; it must end the query.
    fn function(&mut self, name: &str, at: usize, descendant: bool) -> Result<Function, PathError> {
        if name != "length" {
            return Err(self.error_at(
                at,
                format!("unsupported path function `{name}()`: only `length()` is"),
            ));
        }
        if descendant {
            return Err(self.error_at(at, "`length()` cannot follow `..`"));
        }
        self.bump();
        self.expect(')', "`length(`")?;
        if matches!(self.peek(), Some('.' | '[')) {
            return Err(self.error("`length()` must end the path"));
        }
        Ok(Function::Length)
    }

    /// `[...]`: names, indices, a slice, `*` or a filter.
    fn bracket(&mut self, depth: usize) -> Result<Selector, PathError> {
        self.bump(); // `[`
        self.skip_whitespace();
        let selector = match self.peek() {
            Some('\'' | '"') => self.names()?,
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => {
                self.bump();
                self.skip_whitespace();
                if !self.eat('(') {
                    return Err(self.error("expected `(` after `[?`"));
                }
                let expr = self.filter(depth + 1)?;
                self.expect(')', "filter expression")?;
                Selector::Filter(Box::new(expr))
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.indices_or_slice()?,
            _ => {
                return Err(
                    self.error("expected a quoted name, an index, a slice, `*` or `?(` after `[`")
                );
            }
        };
        self.expect(']', "bracket contents")?;
        Ok(selector)
    }

    /// `'a'` or `'a', "b"`.
    fn names(&mut self) -> Result<Selector, PathError> {
        let mut names = vec![self.quoted()?];
        loop {
            self.skip_whitespace();
            if !self.eat(',') {
                break;
            }
            self.skip_whitespace();
            if !matches!(self.peek(), Some('\'' | '"')) {
                return Err(self.error("expected a quoted name after `,`"));
            }
            names.push(self.quoted()?);
        }
        Ok(if names.len() == 1 {
            Selector::Name(names.swap_remove(0))
        } else {
            Selector::Names(names)
        })
    }

    /// A string in `'...'` or `"..."`.
    ///
    /// A backslash keeps the next character from ending the string. Only `\\` and an escaped
    /// delimiter are unescaped; any other backslash stays as written, which is what AWS did
    /// with `$['Test\"Name']` (conformance case `escape_sequence_parsing_escape_sequences_jsonpath`).
    pub fn quoted(&mut self) -> Result<String, PathError> {
        let start = self.pos();
        let Some(delimiter) = self.bump() else {
            return Err(self.error("expected a quoted string"));
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.error_at(
                        start,
                        format!("unterminated string: expected a closing {delimiter}"),
                    ));
                }
                Some(c) if c == delimiter => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(c) if c == delimiter || c == '\\' => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => {
                        return Err(self.error_at(
                            start,
                            format!("unterminated string: expected a closing {delimiter}"),
                        ));
                    }
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// `0`, `-1`, `0,2`, `1:3`, `1:`, `:3`, `-2:`.
    fn indices_or_slice(&mut self) -> Result<Selector, PathError> {
        let start = if self.peek() == Some(':') {
            None
        } else {
            Some(self.integer()?)
        };
        self.skip_whitespace();
        if self.eat(':') {
            self.skip_whitespace();
            let end = match self.peek() {
                Some(c) if c == '-' || c.is_ascii_digit() => Some(self.integer()?),
                _ => None,
            };
            self.skip_whitespace();
            if self.peek() == Some(':') {
                return Err(self.error("slice steps (`[a:b:c]`) are not supported"));
            }
            if start.is_none() && end.is_none() {
                return Err(self.error("a slice needs a start or an end, as in `[1:]` or `[:2]`"));
            }
            return Ok(Selector::Slice { start, end });
        }
        let Some(first) = start else {
            return Err(self.error("expected an index"));
        };
        let mut indices = vec![first];
        while self.eat(',') {
            self.skip_whitespace();
            indices.push(self.integer()?);
            self.skip_whitespace();
        }
        Ok(if indices.len() == 1 {
            Selector::Index(first)
        } else {
            Selector::Indices(indices)
        })
    }

    /// An array index: Jayway reads it as a Java `int`, so larger values are rejected.
    fn integer(&mut self) -> Result<i64, PathError> {
        let at = self.pos();
        let start = self.pos;
        self.eat('-');
        if self.take_while(|c| c.is_ascii_digit()).is_empty() {
            return Err(self.error("expected digits"));
        }
        self.text[start..self.pos]
            .parse::<i32>()
            .map(i64::from)
            .map_err(|_| self.error_at(at, "index out of range: indices must fit in 32 bits"))
    }
}

/// An error in `text` at byte offset `at`, reported as a char offset.
pub(crate) fn error_at(text: &str, at: usize, message: impl Into<String>) -> PathError {
    PathError {
        text: text.to_owned(),
        offset: text.get(..at).map_or(0, |before| before.chars().count()),
        message: message.into(),
    }
}

/// The characters that end a dot name.
fn ends_dot_name(c: char, context: Context) -> bool {
    match context {
        Context::TopLevel => matches!(c, '.' | '[' | '(') || c.is_whitespace(),
        Context::Filter => {
            matches!(
                c,
                '.' | '[' | '(' | ')' | ']' | ',' | '=' | '!' | '<' | '>' | '&' | '|'
            ) || c.is_whitespace()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(text: &str) -> Vec<String> {
        let (_, query) = parse_path(text).unwrap();
        query
            .segments
            .iter()
            .map(|s| format!("{}{:?}", if s.descendant { ".." } else { "" }, s.selector))
            .collect()
    }

    fn error(text: &str) -> (usize, String) {
        let e = parse_path(text).unwrap_err();
        (e.offset, e.message)
    }

    #[test]
    fn reads_roots() {
        assert_eq!(parse_path("$").unwrap().0, Root::Input);
        assert_eq!(parse_path("$$.Execution").unwrap().0, Root::Context);
        assert_eq!(
            parse_path("$my_var.a").unwrap().0,
            Root::Variable("my_var".into())
        );
        assert_eq!(parse_path("$é").unwrap().0, Root::Variable("é".into()));
    }

    #[test]
    fn reads_names_the_jayway_way() {
        assert_eq!(
            selectors("$.a-b.c$d.@e"),
            ["Name(\"a-b\")", "Name(\"c$d\")", "Name(\"@e\")"]
        );
        assert_eq!(selectors("$.['a'][\"b\"]"), ["Name(\"a\")", "Name(\"b\")"]);
        assert_eq!(selectors("$['a', 'b']"), ["Names([\"a\", \"b\"])"]);
        assert_eq!(selectors(r"$['it\'s']"), ["Name(\"it's\")"]);
        assert_eq!(
            selectors(r#"$['Test\""Name"']"#),
            [r#"Name("Test\\\"\"Name\"")"#]
        );
    }

    #[test]
    fn reads_indices_slices_and_wildcards() {
        assert_eq!(
            selectors("$[0][-1][ 1 , 2 ]"),
            ["Index(0)", "Index(-1)", "Indices([1, 2])"]
        );
        assert_eq!(
            selectors("$[1:2][1:][:2][-2:]"),
            [
                "Slice { start: Some(1), end: Some(2) }",
                "Slice { start: Some(1), end: None }",
                "Slice { start: None, end: Some(2) }",
                "Slice { start: Some(-2), end: None }",
            ]
        );
        assert_eq!(
            selectors("$.*[*]..a..*..[0]"),
            [
                "Wildcard",
                "Wildcard",
                "..Name(\"a\")",
                "..Wildcard",
                "..Index(0)"
            ]
        );
    }

    #[test]
    fn reads_length_at_the_end_only() {
        let (_, query) = parse_path("$.a.length()").unwrap();
        assert_eq!(query.function, Some(Function::Length));
        assert_eq!(error("$.a.length().b").1, "`length()` must end the path");
        assert!(
            error("$.a.max()")
                .1
                .starts_with("unsupported path function `max()`")
        );
    }

    #[test]
    fn reports_where_and_why() {
        assert_eq!(error("a.b"), (0, "path must start with `$`".into()));
        assert_eq!(error("$.a."), (4, "path must not end with `.`".into()));
        assert_eq!(error("$.."), (3, "path must not end with `..`".into()));
        assert_eq!(
            error("$[0"),
            (3, "expected `]` after bracket contents".into())
        );
        assert_eq!(error("$.a b").0, 3);
        assert_eq!(error("$['a").1, "unterminated string: expected a closing '");
        assert_eq!(
            error("$[1:2:3]").1,
            "slice steps (`[a:b:c]`) are not supported"
        );
        assert_eq!(
            error("$[:]").1,
            "a slice needs a start or an end, as in `[1:]` or `[:2]`"
        );
        assert_eq!(
            error("$[99999999999]").1,
            "index out of range: indices must fit in 32 bits"
        );
        assert_eq!(
            error("$[a]").1,
            "expected a quoted name, an index, a slice, `*` or `?(` after `[`"
        );
        assert_eq!(error("$ab-c").1, "unexpected `-`: expected `.` or `[`");
        // Offsets count characters, not bytes, and long paths parse in linear time.
        let long = format!("${}", ".é".repeat(200_000));
        assert!(parse_path(&long).is_ok());
        assert_eq!(error(&format!("{long}.")).0, 400_002);
        assert_eq!(error("$.é[").0, 4);
    }
}
