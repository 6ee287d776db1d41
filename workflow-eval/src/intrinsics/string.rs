//! `States.Format` and `States.StringSplit`.

use serde_json::Value;

use workflow_core::intrinsics::{IntrinsicError, Piece, Template};

use super::args::Args;

/// `States.Format(template, values...)`: each `{}` replaced by the next value.
///
/// `literal` is the parsed template when the first argument is a string literal; otherwise
/// the first argument must evaluate to a string.
pub(crate) fn format(literal: Option<&Template>, args: &Args) -> Result<Value, IntrinsicError> {
    let from_path;
    let template = match literal {
        Some(template) => template,
        None => {
            from_path = Template::from_text(args.string(0, "the template")?);
            &from_path
        }
    };
    let values = args.len() - 1;
    if template.holes() != values {
        return Err(args.fail(format!(
            "the template has {} placeholders `{{}}` but {values} values were given",
            template.holes()
        )));
    }
    let mut out = String::new();
    let mut next = 1;
    for piece in &template.0 {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Hole => {
                write_value(args.value(next)?, &mut out);
                next += 1;
            }
        }
    }
    Ok(Value::String(out))
}

/// A value as AWS writes it into a formatted string: Java's `toString` of the parsed JSON.
/// Strings appear without quotes, objects as `{a=1, b=[x, y]}`, scalars as JSON.
fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_value(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `States.StringSplit(text, delimiters)`: splits at every character of `delimiters` and
/// drops empty pieces, as AWS does (`",,,,"` splits into `[]`). The pieces are counted
/// first: an array of one-character strings weighs far more than its text, so it must fit in
/// the `budget` left before it is built.
pub(crate) fn split(args: &Args, budget: usize) -> Result<Value, IntrinsicError> {
    let text = args.string(0, "the string to split")?;
    let delimiters = args.string(1, "the delimiter")?;
    let pieces = || {
        text.split(|c| delimiters.contains(c))
            .filter(|piece| !piece.is_empty())
    };
    let count = pieces().count();
    let bytes = (count + 1) * crate::VALUE_BYTES + text.len();
    if bytes > budget {
        return Err(args.fail(format!(
            "the {count} pieces would take more than the {} MiB one intrinsic call may build",
            super::MAX_BUILT_BYTES >> 20
        )));
    }
    let pieces = pieces()
        .map(|piece| Value::String(piece.to_owned()))
        .collect();
    Ok(Value::Array(pieces))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::intrinsics::{Call, Evaluate, IntrinsicError};

    fn eval(text: &str, input: serde_json::Value) -> Result<serde_json::Value, IntrinsicError> {
        Call::parse(text)?.evaluate(&|path| Ok(path.read(&input).unwrap_or_default()))
    }

    #[test]
    fn formats_values_the_java_way() {
        let input = json!({"s": "x", "n": 1.5, "o": {"a": [1, "b"], "c": null}, "t": true});
        assert_eq!(
            eval("States.Format('{} {} {} {}', $.s, $.n, $.o, $.t)", input).unwrap(),
            json!("x 1.5 {a=[1, b], c=null} true")
        );
    }

    #[test]
    fn honours_escaped_braces_in_literal_templates_only() {
        assert_eq!(
            eval(r"States.Format('\{\} {}', 'v')", json!(null)).unwrap(),
            json!("{} v")
        );
        assert_eq!(
            eval(r"States.Format('it\'s \\ {}', 1)", json!(null)).unwrap(),
            json!(r"it's \ 1")
        );
        let input = json!({"template": "{} and {}", "x": 1});
        assert_eq!(
            eval("States.Format($.template, $.x, 'y')", input).unwrap(),
            json!("1 and y")
        );
    }

    #[test]
    fn counts_placeholders() {
        let error = eval("States.Format('{} {}', 1)", json!(null)).unwrap_err();
        assert_eq!(
            error.message,
            "States.Format: the template has 2 placeholders `{}` but 1 values were given"
        );
        let error = eval("States.Format($.t)", json!({"t": 5})).unwrap_err();
        assert_eq!(
            error.message,
            "States.Format: the template must be a string, but was 5"
        );
    }

    #[test]
    fn splits_on_any_delimiter_and_drops_empty_pieces() {
        assert_eq!(
            eval("States.StringSplit('a.b+c,,d', '.+,')", json!(null)).unwrap(),
            json!(["a", "b", "c", "d"])
        );
        assert_eq!(
            eval("States.StringSplit(',,,', ',')", json!(null)).unwrap(),
            json!([])
        );
        assert_eq!(
            eval("States.StringSplit('abc', '')", json!(null)).unwrap(),
            json!(["abc"])
        );
        assert!(eval("States.StringSplit(1, ',')", json!(null)).is_err());
    }
}
