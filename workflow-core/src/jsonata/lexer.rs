//! Tokens of a JSONata expression.

use super::Error;

/// One token, with the character offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    /// A `` `quoted` `` or bare field name.
    Name(String),
    /// `$name` (`$` alone is the empty name, `$$` is `"$"`).
    Var(String),
    /// `/pattern/flags`.
    Regex(String, String),
    /// An operator or punctuation: `.`, `[`, `:=`, `and`, ...
    Op(&'static str),
    End,
}

const OPS2: [&str; 9] = ["..", ":=", "!=", "<=", ">=", "**", "~>", "?:", "??"];
const OPS1: &str = ".[]{}(),;:?+-*/%|=<>^&!~@#";

/// Splits `src` into tokens.
pub(crate) fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, Error> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = i;
            i += 2;
            loop {
                if i + 1 >= chars.len() {
                    return Err(Error::new(
                        "S0106",
                        format!("Comment has no closing tag at {start}"),
                    ));
                }
                if chars[i] == '*' && chars[i + 1] == '/' {
                    i += 2;
                    break;
                }
                i += 1;
            }
            continue;
        }
        let start = i;
        // A `/` starts a regex where an operand is expected.
        if c == '/' && regex_allowed(out.last().map(|t| &t.0)) {
            i += 1;
            let mut pattern = String::new();
            let mut depth = 0i32;
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(Error::new(
                        "S0302",
                        "No terminating / in regular expression",
                    ));
                };
                if ch == '\\' {
                    pattern.push(ch);
                    if let Some(&next) = chars.get(i + 1) {
                        pattern.push(next);
                    }
                    i += 2;
                    continue;
                }
                if ch == '[' {
                    depth += 1;
                } else if ch == ']' && depth > 0 {
                    depth -= 1;
                } else if ch == '/' && depth == 0 {
                    break;
                }
                pattern.push(ch);
                i += 1;
            }
            i += 1;
            if pattern.is_empty() {
                return Err(Error::new(
                    "S0301",
                    "Empty regular expressions are not allowed",
                ));
            }
            let mut flags = String::new();
            while let Some(&f) = chars.get(i) {
                if f == 'i' || f == 'm' {
                    flags.push(f);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((Tok::Regex(pattern, flags), start));
            continue;
        }
        if let Some(two) = chars.get(i..i + 2) {
            let two: String = two.iter().collect();
            if let Some(op) = OPS2.iter().find(|op| **op == two) {
                // `1..2` is a range, but `1.5` a number: numbers are read below first.
                out.push((Tok::Op(op), start));
                i += 2;
                continue;
            }
        }
        if c == '"' || c == '\'' {
            let (s, next) = string_literal(&chars, i)?;
            out.push((Tok::Str(s), start));
            i = next;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k] == '+' || chars[k] == '-') {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_ascii_digit() {
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            let text: String = chars[i..j].iter().collect();
            let n: f64 = text
                .parse()
                .map_err(|_| Error::new("S0102", format!("Number out of range: {text}")))?;
            if !n.is_finite() {
                return Err(Error::new("S0102", format!("Number out of range: {text}")));
            }
            out.push((Tok::Num(n), start));
            i = j;
            continue;
        }
        if c == '`' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '`' {
                j += 1;
            }
            if j >= chars.len() {
                return Err(Error::new(
                    "S0105",
                    "Quoted property name must be terminated with a backquote (`)",
                ));
            }
            out.push((Tok::Name(chars[i + 1..j].iter().collect()), start));
            i = j + 1;
            continue;
        }
        if c == '$' {
            let mut j = i + 1;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            // `$$` is the root.
            if j == i + 1 && chars.get(j) == Some(&'$') {
                out.push((Tok::Var("$".to_owned()), start));
                i = j + 1;
                continue;
            }
            out.push((Tok::Var(chars[i + 1..j].iter().collect()), start));
            i = j;
            continue;
        }
        if let Some(pos) = OPS1.find(c) {
            out.push((Tok::Op(&OPS1[pos..pos + c.len_utf8()]), start));
            i += 1;
            continue;
        }
        if is_name_char(c) {
            let mut j = i;
            while j < chars.len() && is_name_char(chars[j]) {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let tok = match word.as_str() {
                "and" => Tok::Op("and"),
                "or" => Tok::Op("or"),
                "in" => Tok::Op("in"),
                "true" => Tok::Op("true"),
                "false" => Tok::Op("false"),
                "null" => Tok::Op("null"),
                "function" | "λ" => Tok::Op("function"),
                _ => Tok::Name(word),
            };
            out.push((tok, start));
            i = j;
            continue;
        }
        return Err(Error::new(
            "S0204",
            format!("Unknown operator: \"{c}\" at {start}"),
        ));
    }
    out.push((Tok::End, chars.len()));
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !OPS1.contains(c) && c != '"' && c != '\'' && c != '`' && c != '$'
        || c.is_alphanumeric()
        || c == '_'
}

/// Whether a `/` after `prev` starts a regex (an operand is expected) rather than divides.
fn regex_allowed(prev: Option<&Tok>) -> bool {
    match prev {
        None => true,
        Some(Tok::Num(_) | Tok::Str(_) | Tok::Name(_) | Tok::Var(_) | Tok::Regex(..)) => false,
        Some(Tok::Op(op)) => !matches!(
            *op,
            ")" | "]" | "}" | "true" | "false" | "null" | "*" | "**"
        ),
        Some(Tok::End) => false,
    }
}

fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), Error> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(Error::new(
                "S0101",
                "String literal must be terminated by a matching quote",
            ));
        };
        if c == quote {
            return Ok((s, i + 1));
        }
        if c == '\\' {
            let Some(&e) = chars.get(i + 1) else {
                return Err(Error::new(
                    "S0101",
                    "String literal must be terminated by a matching quote",
                ));
            };
            match e {
                '"' | '\\' | '/' | '\'' => s.push(e),
                'b' => s.push('\u{8}'),
                'f' => s.push('\u{c}'),
                'n' => s.push('\n'),
                'r' => s.push('\r'),
                't' => s.push('\t'),
                'u' => {
                    let hex: String = chars
                        .get(i + 2..i + 6)
                        .map(|h| h.iter().collect())
                        .unwrap_or_default();
                    let code = u32::from_str_radix(&hex, 16).map_err(|_| {
                        Error::new(
                            "S0104",
                            "The escape sequence \\u must be followed by 4 hex digits",
                        )
                    })?;
                    // Surrogate pairs.
                    if (0xD800..0xDC00).contains(&code)
                        && chars.get(i + 6) == Some(&'\\')
                        && chars.get(i + 7) == Some(&'u')
                    {
                        let low: String = chars
                            .get(i + 8..i + 12)
                            .map(|h| h.iter().collect())
                            .unwrap_or_default();
                        if let Ok(low) = u32::from_str_radix(&low, 16) {
                            let c = 0x10000
                                + ((code - 0xD800) << 10)
                                + (low.wrapping_sub(0xDC00) & 0x3FF);
                            s.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            i += 12;
                            continue;
                        }
                    }
                    s.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    i += 6;
                    continue;
                }
                other => {
                    return Err(Error::new(
                        "S0103",
                        format!("Unsupported escape sequence: \\{other}"),
                    ));
                }
            }
            i += 2;
            continue;
        }
        s.push(c);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let toks: Vec<Tok> = tokenize("$a.b[0] := 'x\\n' & 1.5e2 .. /ab\\/c/i")
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::Var("a".into()),
                Tok::Op("."),
                Tok::Name("b".into()),
                Tok::Op("["),
                Tok::Num(0.0),
                Tok::Op("]"),
                Tok::Op(":="),
                Tok::Str("x\n".into()),
                Tok::Op("&"),
                Tok::Num(150.0),
                Tok::Op(".."),
                Tok::Regex("ab\\/c".into(), "i".into()),
                Tok::End
            ]
        );
    }

    #[test]
    fn range_and_division() {
        let toks: Vec<Tok> = tokenize("[1..2] / 2")
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(toks[2], Tok::Op(".."));
        assert_eq!(toks[5], Tok::Op("/"));
        assert!(tokenize("'open").is_err());
    }
}
