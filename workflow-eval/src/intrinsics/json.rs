//! `States.StringToJson`, `States.JsonToString` and `States.JsonMerge`.

use serde_json::Value;

use super::IntrinsicError;
use super::args::Args;

/// `States.StringToJson(text)`: the parsed JSON. Blank text gives `null`, as AWS returns for
/// `" "` (conformance case `string_to_json_01`).
pub(crate) fn string_to_json(args: &Args) -> Result<Value, IntrinsicError> {
    let text = args.string(0, "the argument")?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&integer_zeros(text))
        .map_err(|e| args.fail(format!("the string is not valid JSON: {e}")))
}

/// The text with each integer `-0` written `0`.
///
/// serde_json reads `-0` as the float `-0.0` to keep its sign; Jackson, which AWS uses,
/// reads it as the integer 0, and AWS returns `0` (conformance case `string_to_json_03`).
/// `-0.0` stays a float in both.
fn integer_zeros(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("-0") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                out.push(c);
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                continue;
            }
            '-' if !in_string && chars.peek() == Some(&'0') => {
                let mut ahead = chars.clone();
                ahead.next();
                if !matches!(ahead.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E'))
                {
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out.into()
}

/// `States.JsonToString(value)`: compact JSON text, members in their original order.
pub(crate) fn json_to_string(args: &Args) -> Result<Value, IntrinsicError> {
    Ok(Value::String(args.value(0)?.to_string()))
}

/// `States.JsonMerge(a, b, false)`: the members of `a`, then those of `b`, a member of `b`
/// replacing one of `a` with the same name. AWS supports only this shallow mode, so the
/// third argument must be `false`.
pub(crate) fn merge(args: &Args) -> Result<Value, IntrinsicError> {
    let first = args.object(0, "the first argument")?;
    let second = args.object(1, "the second argument")?;
    if args.boolean(2, "the deep-merge flag")? {
        return Err(
            args.fail("only shallow merging is supported: the third argument must be false")
        );
    }
    let mut merged = first.clone();
    merged.extend(second.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(Value::Object(merged))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::intrinsics::{Call, Evaluate, IntrinsicError};

    fn eval(text: &str, input: Value) -> Result<Value, IntrinsicError> {
        Call::parse(text)?.evaluate(&|path| Ok(path.read(&input).unwrap_or_default()))
    }

    #[test]
    fn parses_json_text() {
        assert_eq!(
            eval("States.StringToJson($)", json!("{\"a\": [1, 2.5]}")).unwrap(),
            json!({"a": [1, 2.5]})
        );
        assert_eq!(
            eval("States.StringToJson($)", json!(" ")).unwrap(),
            json!(null)
        );
        assert_eq!(
            eval("States.StringToJson($)", json!("-0")).unwrap(),
            json!(0)
        );
        let zeros = eval("States.StringToJson($)", json!(r#"[-0, -01]"#));
        assert!(zeros.is_err(), "leading zeros are still invalid");
        let zeros = eval(
            "States.StringToJson($)",
            json!(r#"[-0, -0.0, -0e1, "-0", "a\"-0"]"#),
        )
        .unwrap();
        assert_eq!(zeros.to_string(), r#"[0,-0.0,-0.0,"-0","a\"-0"]"#);
        assert_eq!(
            eval("States.StringToJson('\"x\"')", json!(null)).unwrap(),
            json!("x")
        );
        assert!(
            eval("States.StringToJson($)", json!("{"))
                .unwrap_err()
                .message
                .starts_with("States.StringToJson: the string is not valid JSON")
        );
        assert!(eval("States.StringToJson($)", json!(1)).is_err());
    }

    #[test]
    fn writes_compact_json_in_member_order() {
        assert_eq!(
            eval("States.JsonToString($)", json!({"b": 1, "a": [null, "x"]})).unwrap(),
            json!(r#"{"b":1,"a":[null,"x"]}"#)
        );
        assert_eq!(
            eval("States.JsonToString($)", json!("s")).unwrap(),
            json!("\"s\"")
        );
    }

    #[test]
    fn merges_shallowly() {
        let input =
            json!({"a": {"a": {"x": 1}, "b": 2, "d": 3}, "b": {"a": {"y": 1}, "c": 3, "d": 4}});
        let merged = eval("States.JsonMerge($.a, $.b, false)", input.clone()).unwrap();
        assert_eq!(merged.to_string(), r#"{"a":{"y":1},"b":2,"d":4,"c":3}"#);
        assert_eq!(
            eval("States.JsonMerge($.a, $.b, true)", input.clone())
                .unwrap_err()
                .message,
            "States.JsonMerge: only shallow merging is supported: the third argument must be false"
        );
        assert!(eval("States.JsonMerge($.a, 1, false)", input.clone()).is_err());
        assert!(eval("States.JsonMerge($.a, $.b, 'false')", input).is_err());
    }
}
