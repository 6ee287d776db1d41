//! A CloudFormation template as YAML, the way a person writes one: block style, short-form
//! intrinsics (`!Ref X`, `!GetAtt X.Arn`, `!Sub "..."`), and the state machine definition as
//! a literal block, so the ASL reads as the JSON it is.
//!
//! Written by hand rather than with a YAML library because CloudFormation's short forms are
//! YAML tags, which a serde serializer has no way to produce from plain data, and because the
//! template is a small, known shape. What this emits must be read back as the very same data
//! as the JSON form: `.ci/cfn-lint.sh` checks that with cfn-lint's own loader.

use serde_json::{Map, Value};

/// `value` (a template in CloudFormation's JSON form) as YAML.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() && short_form(map).is_none() => {
            for (i, (key, value)) in map.iter().enumerate() {
                // A blank line between top-level sections, as templates are usually laid out.
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(&scalar(key));
                out.push(':');
                node(&mut out, value, 2);
            }
        }
        other => {
            out.push_str("---");
            node(&mut out, other, 0);
        }
    }
    out
}

/// Writes `value` after a `key:` or `-` already written: a space and an inline value, or a
/// line break and a block indented by `indent`; either way up to and including its last line
/// break.
fn node(out: &mut String, value: &Value, indent: usize) {
    let inline = match value {
        Value::Object(map) => match short_form(map) {
            Some(short) => short,
            None if map.is_empty() => "{}".to_owned(),
            None => {
                out.push('\n');
                mapping(out, map, indent, false);
                return;
            }
        },
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            out.push('\n');
            for item in items {
                push_indent(out, indent);
                out.push('-');
                match item {
                    // `- Key: value`, the rest of the mapping aligned under `Key`.
                    Value::Object(map) if !map.is_empty() && short_form(map).is_none() => {
                        out.push(' ');
                        mapping(out, map, indent + 2, true);
                    }
                    other => node(out, other, indent + 2),
                }
            }
            return;
        }
        Value::String(text) => match literal_block(text, indent) {
            Some(block) => {
                out.push_str(&block);
                return;
            }
            None => scalar(text),
        },
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
    };
    out.push(' ');
    out.push_str(&inline);
    out.push('\n');
}

/// The entries of a non-empty mapping, each on its own line at `indent`; with `inline_first`
/// the first entry continues the line already started (after `- `).
fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        out.push_str(&scalar(key));
        out.push(':');
        node(out, value, indent + 2);
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// The short form of an intrinsic function, where it has one that says the same thing.
fn short_form(map: &Map<String, Value>) -> Option<String> {
    let (name, argument) = map.iter().next().filter(|_| map.len() == 1)?;
    match (name.as_str(), argument) {
        ("Ref", Value::String(target)) => Some(format!("!Ref {}", scalar(target))),
        ("Fn::Sub", Value::String(text)) => Some(format!("!Sub {}", scalar(text))),
        ("Fn::GetAtt", Value::Array(parts)) => match parts.as_slice() {
            // `!GetAtt A.B` splits at the first dot, so it only says `[A, B]` when A has none.
            [Value::String(resource), Value::String(attribute)] if !resource.contains('.') => Some(
                format!("!GetAtt {}", scalar(&format!("{resource}.{attribute}"))),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// A string as a YAML scalar: plain where that cannot be misread, double-quoted otherwise.
fn scalar(text: &str) -> String {
    if is_plain(text) {
        text.to_owned()
    } else {
        double_quoted(text)
    }
}

/// Whether `text` reads back as this same string when written unquoted (as a block-context
/// plain scalar, the only place this writes one). Conservative: the loader may be YAML 1.1
/// (PyYAML, and so cfn-lint), where `yes`, `off` or `2012-10-17` are not strings, so anything
/// that does not start with a letter is quoted, and so is any word that YAML 1.1 or 1.2
/// reads as a boolean or null; `: ` and ` #` would end the scalar, and `#` is never plain.
fn is_plain(text: &str) -> bool {
    const NOT_STRINGS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    ' ' | '_' | '.' | '-' | '/' | ':' | '*' | '$' | '\'' | '`' | ',' | '(' | ')'
                )
        })
        && !text.contains(": ")
        && !text.ends_with([':', ' '])
        && !NOT_STRINGS.contains(&text.to_ascii_lowercase().as_str())
}

/// A double-quoted YAML scalar. Every character YAML would not keep as it is (control
/// characters, and the ones YAML 1.1 reads as line breaks) is escaped.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that are not printable in YAML, or that YAML 1.1 treats as a line break.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `text` as a literal block scalar (`|` or `|-` and its lines indented by `indent`), when it
/// is multi-line and a literal block keeps it exactly; `None` otherwise.
fn literal_block(text: &str, indent: usize) -> Option<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let keeps_it = body.contains('\n')
        // More than one final line break would need `|+`; a block's first line setting the
        // indentation must not start with a space; a line of spaces only would be read as
        // an empty line.
        && !body.ends_with('\n')
        && !body.starts_with([' ', '\t'])
        && !body.split('\n').any(|line| !line.is_empty() && line.trim().is_empty())
        && !body.chars().any(|c| c != '\n' && c != '\t' && needs_escape(c));
    if !keeps_it {
        return None;
    }
    let mut out = String::from(if body.len() < text.len() { " |" } else { " |-" });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            push_indent(&mut out, indent);
            out.push_str(line);
        }
    }
    out.push('\n');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_only_where_it_reads_back_as_the_same_string() {
        for plain in [
            "AWS::IAM::Role",
            "lambda:InvokeFunction",
            "states.amazonaws.com",
            "provided.al2023",
            "bootstrap",
            "arm64",
            "The `send_message` handler's zip, as built (by cargo lambda)",
        ] {
            assert_eq!(scalar(plain), plain);
        }
        for quoted in [
            "2012-10-17",
            "yes",
            "Off",
            "",
            "${SendMessageFunctionArn}",
            "a: b",
            "ends:",
            "#comment",
            "12",
            "tab\there",
            "with \"quotes\"",
            "*alias",
            "!Ref",
            "a # b",
            "{a}",
        ] {
            assert!(scalar(quoted).starts_with('"'), "{quoted} must be quoted");
        }
    }

    #[test]
    fn quoting_escapes_what_yaml_would_not_keep() {
        assert_eq!(double_quoted("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(
            double_quoted("\u{7}\u{85}\u{2028}"),
            r#""\u0007\u0085\u2028""#
        );
    }

    #[test]
    fn intrinsics_take_their_short_form() {
        let template = json!({
            "A": { "Ref": "CodeBucket" },
            "B": { "Fn::GetAtt": ["SendMessageFunction", "Arn"] },
            "C": { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/x" },
            "D": { "Fn::GetAtt": ["Nested.Stack", "Outputs.X"] },
        });
        assert_eq!(
            to_yaml(&template),
            "A: !Ref CodeBucket\n\
             \nB: !GetAtt SendMessageFunction.Arn\n\
             \nC: !Sub \"arn:${AWS::Partition}:iam::aws:policy/x\"\n\
             \nD:\n  Fn::GetAtt:\n    - Nested.Stack\n    - Outputs.X\n"
        );
    }

    #[test]
    fn sequences_of_mappings_are_compact() {
        let template = json!({ "Statement": [{ "Effect": "Allow", "Action": ["s:A", "s:B"] }] });
        assert_eq!(
            to_yaml(&template),
            "Statement:\n  - Effect: Allow\n    Action:\n      - s:A\n      - s:B\n"
        );
    }

    #[test]
    fn multi_line_text_is_a_literal_block() {
        let template = json!({ "R": { "Text": "{\n  \"a\": 1\n}" , "Trailing": "x\ny\n" } });
        assert_eq!(
            to_yaml(&template),
            "R:\n  Text: |-\n    {\n      \"a\": 1\n    }\n  Trailing: |\n    x\n    y\n"
        );
        // Text a literal block cannot keep exactly is quoted instead.
        for text in [" leading\nspace", "a\n  \nb", "two\nbreaks\n\n", "cr\r\nlf"] {
            assert!(literal_block(text, 2).is_none(), "{text:?}");
        }
        assert_eq!(
            literal_block("a\n\nb", 2).as_deref(),
            Some(" |-\n  a\n\n  b\n")
        );
    }

    #[test]
    fn empty_collections_are_flow_style() {
        let template = json!({ "A": {}, "B": [] });
        assert_eq!(to_yaml(&template), "A: {}\n\nB: []\n");
    }
}
