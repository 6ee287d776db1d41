//! Text to [`Call`]: the grammar in the module docs.

use serde_json::Number;

use super::template::{Piece, Template};
use super::{Arg, Call, Function, IntrinsicError, MAX_DEPTH};
use crate::path::Path;
use crate::suggest::did_you_mean;

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
}

/// Parses a whole call, with nothing but whitespace after it.
pub(crate) fn parse_call(text: &str) -> Result<Call, IntrinsicError> {
    let mut p = Parser { text, pos: 0 };
    let call = p.call(1)?;
    p.skip_whitespace();
    match p.peek() {
        None => Ok(call),
        Some(c) => Err(p.error(format!("unexpected `{c}` after the call's closing `)`"))),
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += c.len_utf8();
        }
        found
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        &self.text[start..self.pos]
    }

    fn skip_whitespace(&mut self) {
        self.take_while(char::is_whitespace);
    }

    /// Char offset of byte offset `byte`.
    fn offset_of(&self, byte: usize) -> usize {
        self.text[..byte].chars().count()
    }

    fn error(&self, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::at(self.offset_of(self.pos), message)
    }

    /// `States.Name(arg, ...)`; `depth` is 1 for the outermost call.
    fn call(&mut self, depth: usize) -> Result<Call, IntrinsicError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!(
                "intrinsic calls are nested more than {MAX_DEPTH} deep"
            )));
        }
        let start = self.pos;
        let name = self.take_while(|c| c.is_alphanumeric() || c == '_' || c == '.');
        let Some(function) = Function::from_name(name) else {
            let at = self.offset_of(start);
            if !name.starts_with("States.") {
                return Err(IntrinsicError::at(
                    at,
                    "expected an intrinsic function call such as `States.Format(...)`",
                ));
            }
            let mut message = format!("unknown intrinsic function `{name}`");
            // Compare without the shared `States.` prefix, which would make every name close.
            let short = |f: Function| &f.name()["States.".len()..];
            if let Some(close) = did_you_mean(&name["States.".len()..], Function::ALL.map(short)) {
                message.push_str(&format!(": did you mean `States.{close}`?"));
            }
            return Err(IntrinsicError::at(at, message));
        };
        self.skip_whitespace();
        if !self.eat('(') {
            return Err(self.error(format!("expected `(` after `{name}`")));
        }
        let mut args = Vec::new();
        let mut template = None;
        self.skip_whitespace();
        if !self.eat(')') {
            loop {
                self.skip_whitespace();
                let (arg, literal) = self.arg(depth)?;
                if function == Function::Format && args.is_empty() {
                    template = literal;
                }
                args.push(arg);
                self.skip_whitespace();
                if self.eat(')') {
                    break;
                }
                if !self.eat(',') {
                    return Err(match self.peek() {
                        None => self.error(format!("expected `)` to close `{name}(`")),
                        Some(_) => self.error("expected `,` or `)` after an argument"),
                    });
                }
            }
        }
        if let Some(problem) = function.check_arity(args.len()) {
            return Err(IntrinsicError::at(self.offset_of(start), problem));
        }
        Ok(Call {
            name: function,
            args,
            template,
        })
    }

    /// One argument, with the template of a string literal (for `States.Format`).
    fn arg(&mut self, depth: usize) -> Result<(Arg, Option<Template>), IntrinsicError> {
        let start = self.pos;
        let arg = match self.peek() {
            Some('\'') => {
                let (text, template) = self.string()?;
                return Ok((Arg::String(text), Some(template)));
            }
            Some('$') => Arg::Path(self.path()?),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let text = self
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
                let number = text.parse::<Number>().map_err(|_| {
                    IntrinsicError::at(self.offset_of(start), format!("invalid number `{text}`"))
                })?;
                Arg::Number(number)
            }
            Some(c) if c.is_alphabetic() => {
                if self.rest().starts_with("States.") {
                    Arg::Call(self.call(depth + 1)?)
                } else {
                    match self.take_while(|c| c.is_alphanumeric() || c == '_') {
                        "true" => Arg::Bool(true),
                        "false" => Arg::Bool(false),
                        "null" => Arg::Null,
                        word => {
                            return Err(IntrinsicError::at(
                                self.offset_of(start),
                                format!(
                                    "unexpected `{word}`: a string argument needs single quotes"
                                ),
                            ));
                        }
                    }
                }
            }
            Some('"') => {
                return Err(self.error("string arguments use single quotes, not double quotes"));
            }
            Some(c) => return Err(self.error(format!("unexpected `{c}`: expected an argument"))),
            None => return Err(self.error("expected an argument")),
        };
        Ok((arg, None))
    }

    /// `'...'` with the escapes `\'`, `\{`, `\}` and `\\`: the unescaped text, and the same
    /// text as a template in which only unescaped `{}` pairs are placeholders.
    fn string(&mut self) -> Result<(String, Template), IntrinsicError> {
        let open = self.pos;
        self.bump();
        let mut text = String::new();
        let mut template = Template::default();
        loop {
            let at = self.pos;
            match self.bump() {
                None => {
                    return Err(IntrinsicError::at(
                        self.offset_of(open),
                        "unterminated string: expected a closing `'`",
                    ));
                }
                Some('\'') => return Ok((text, template)),
                Some('\\') => match self.bump() {
                    None => {
                        return Err(IntrinsicError::at(
                            self.offset_of(open),
                            "unterminated string: expected a closing `'`",
                        ));
                    }
                    Some(c @ ('\'' | '{' | '}' | '\\')) => {
                        text.push(c);
                        template.push_char(c);
                    }
                    Some(other) => {
                        return Err(IntrinsicError::at(
                            self.offset_of(at),
                            format!(
                                r"invalid escape `\{other}` in a string: only `\'`, `\{{`, `\}}` and `\\` are allowed"
                            ),
                        ));
                    }
                },
                Some('{') if self.peek() == Some('}') => {
                    self.bump();
                    text.push_str("{}");
                    template.0.push(Piece::Hole);
                }
                Some(c) => {
                    text.push(c);
                    template.push_char(c);
                }
            }
        }
    }

    /// A path argument: everything up to the next `,` or `)` that is outside brackets,
    /// parentheses and quotes (so `$.a['x,y']` and filters stay whole).
    fn path(&mut self) -> Result<Path, IntrinsicError> {
        let start = self.pos;
        let mut nesting = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            match (quote, c) {
                (Some(_), '\\') => {
                    self.bump();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') if nesting > 0 => quote = Some(c),
                (None, '[' | '(') => nesting += 1,
                (None, ']' | ')') if nesting > 0 => nesting -= 1,
                (None, ',') if nesting == 0 => break,
                (None, ')') => break,
                _ => {}
            }
            self.bump();
        }
        let text = self.text[start..self.pos].trim_end();
        Path::parse(text).map_err(|e| {
            IntrinsicError::at(
                self.offset_of(start) + e.offset,
                format!("invalid path `{text}`: {}", e.message),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> (Option<usize>, String) {
        let e = parse_call(text).unwrap_err();
        (e.offset, e.message)
    }

    #[test]
    fn parses_every_kind_of_argument() {
        let call = parse_call("States.Array('a', -1.5, true, false, null, $.x[0], $$.Execution.Id, $v, States.UUID())").unwrap();
        assert_eq!(call.name, Function::Array);
        let kinds: Vec<String> = call
            .args
            .iter()
            .map(|a| format!("{a:?}").split('(').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            kinds,
            [
                "String", "Number", "Bool", "Bool", "Null", "Path", "Path", "Path", "Call"
            ]
        );
        assert_eq!(call.args[1], Arg::Number("-1.5".parse().unwrap()));
    }

    #[test]
    fn keeps_paths_whole() {
        let call = parse_call("States.Array($.a['x, y'], $.b[?(@.c == ')')] , $.d[0,1])").unwrap();
        let paths: Vec<String> = call
            .args
            .iter()
            .map(|a| match a {
                Arg::Path(p) => p.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(paths, ["$.a['x, y']", "$.b[?(@.c == ')')]", "$.d[0,1]"]);
    }

    #[test]
    fn unescapes_the_four_escapes_only() {
        let call = parse_call(r"States.Format('it\'s \{\} \\ {}', 1)").unwrap();
        assert_eq!(call.args[0], Arg::String(r"it's {} \ {}".into()));
        assert_eq!(
            error(r#"States.StringToJson('{\"a\":1}')"#),
            (
                Some(22),
                r#"invalid escape `\"` in a string: only `\'`, `\{`, `\}` and `\\` are allowed"#
                    .into()
            )
        );
        assert_eq!(error(r"States.Format('a\n')").0, Some(16));
        assert_eq!(
            error(r"States.Format('a\").1,
            "unterminated string: expected a closing `'`"
        );
    }

    #[test]
    fn rejects_the_recorded_illegal_escapes() {
        // invalid_definitions/illegal_escapes_*: the JSON-decoded field values.
        assert!(
            parse_call(
                r#"States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')"#
            )
            .is_err()
        );
        assert!(
            parse_call(r#"States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here')"#)
                .is_err()
        );
    }

    #[test]
    fn checks_names_and_arity() {
        assert_eq!(
            error("States.Formt('x')"),
            (
                Some(0),
                "unknown intrinsic function `States.Formt`: did you mean `States.Format`?".into()
            )
        );
        assert_eq!(
            error("States.uuid()").1,
            "unknown intrinsic function `States.uuid`: did you mean `States.UUID`?"
        );
        assert_eq!(
            error("States.Nothing()").1,
            "unknown intrinsic function `States.Nothing`"
        );
        assert_eq!(
            error("$.a").1,
            "expected an intrinsic function call such as `States.Format(...)`"
        );
        assert_eq!(
            error("States.Array(1, States.MathAdd(1))"),
            (
                Some(16),
                "`States.MathAdd` takes 2 arguments, but 1 was given".into()
            )
        );
        assert_eq!(
            error("States.UUID(1)").1,
            "`States.UUID` takes no arguments, but 1 was given"
        );
    }

    #[test]
    fn reports_syntax_errors_where_they_are() {
        assert_eq!(
            error("States.Array(1 2)"),
            (Some(15), "expected `,` or `)` after an argument".into())
        );
        assert_eq!(
            error("States.Array(1,"),
            (Some(15), "expected an argument".into())
        );
        assert_eq!(
            error("States.Array(1"),
            (Some(14), "expected `)` to close `States.Array(`".into())
        );
        assert_eq!(
            error("States.Array() x"),
            (
                Some(15),
                "unexpected `x` after the call's closing `)`".into()
            )
        );
        assert_eq!(
            error("States.Array(abc)"),
            (
                Some(13),
                "unexpected `abc`: a string argument needs single quotes".into()
            )
        );
        assert_eq!(
            error("States.Array(\"a\")").1,
            "string arguments use single quotes, not double quotes"
        );
        assert_eq!(error("States.Array(1.2.3)").1, "invalid number `1.2.3`");
        assert_eq!(error("States.Array($.a b)"), (Some(16), "invalid path `$.a b`: unexpected whitespace: write a name with spaces in brackets, as in `$['my name']`".into()));
        assert_eq!(
            error("States.Array States.Array()").1,
            "expected `(` after `States.Array`"
        );
    }

    #[test]
    fn limits_nesting() {
        let deep = format!("{}{}", "States.Array(".repeat(65), ")".repeat(65));
        assert!(
            parse_call(&deep)
                .unwrap_err()
                .message
                .contains("nested more than 64 deep")
        );
        let ok = format!("{}{}", "States.Array(".repeat(64), ")".repeat(64));
        assert_eq!(parse_call(&ok).unwrap().depth(), 64);
    }
}
