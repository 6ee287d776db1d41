//! String functions: `$string`, `$length`, `$substring`, `$contains`, `$split`, `$join`,
//! `$replace`, `$match`, `$pad`, `$trim`, case, Base64 and URL encoding.

use base64::Engine;
use serde_json::{Map, Value};

use super::regex::Regex;
use super::{Args, Builtin, json, opt};
use crate::jsonata::Error;
use crate::jsonata::eval::{Evaluator, Val};

/// The widest string `$pad` makes (a guard against exhausting memory).
const MAX_PAD: f64 = 10_000_000.0;

/// JSONata's number formatting: integers without a fraction, others to 15 significant
/// digits.
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{n:.0}");
    }
    let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    format!("{rounded}")
}

fn normalise_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => {
                let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
                crate::jsonata::eval::num(rounded)
            }
            _ => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalise_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalise_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `$string(v)`: strings as they are, numbers formatted, everything else as compact JSON.
pub(crate) fn stringify(v: &Val) -> Result<Option<String>, Error> {
    Ok(match v {
        Val::Function(_) | Val::Regex(_) => Some(String::new()),
        other => match other.as_json() {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => {
                let f = n.as_f64().unwrap_or(0.0);
                if !f.is_finite() {
                    return Err(Error::new(
                        "D3001",
                        "Attempting to invoke string function on Infinity or NaN",
                    ));
                }
                Some(format_number(f))
            }
            Some(other) => Some(normalise_numbers(&other).to_string()),
        },
    })
}

fn pretty(v: &Val) -> Option<String> {
    match v.as_json()? {
        Value::String(s) => Some(s),
        other => serde_json::to_string_pretty(&normalise_numbers(&other)).ok(),
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// A pattern argument: a string or a regex.
enum Pattern<'a> {
    Text(String),
    Re(&'a Regex),
}

fn pattern<'a>(args: &'a Args, i: usize) -> Result<Option<Pattern<'a>>, Error> {
    match args.get(i) {
        Val::Regex(re) => Ok(Some(Pattern::Re(re))),
        _ => Ok(args.string(i)?.map(Pattern::Text)),
    }
}

/// Every match of `p` in `text`, as char ranges.
fn matches(p: &Pattern<'_>, text: &[char]) -> Result<Vec<(usize, usize)>, Error> {
    match p {
        Pattern::Re(re) => re.find_all(text),
        Pattern::Text(t) => {
            let needle = chars(t);
            let mut out = Vec::new();
            if needle.is_empty() {
                return Ok(out);
            }
            let mut i = 0;
            while i + needle.len() <= text.len() {
                if text[i..i + needle.len()] == needle[..] {
                    out.push((i, i + needle.len()));
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
            Ok(out)
        }
    }
}

fn collect(text: &[char], from: usize, to: usize) -> String {
    text[from.min(text.len())..to.min(text.len())]
        .iter()
        .collect()
}

/// A `$replace` replacement: `$0` is the match, `$1`..`$9` its groups (empty when a group
/// took no part), `$$` a dollar sign.
fn substitute(
    replacement: &str,
    text: &[char],
    whole: (usize, usize),
    groups: &[Option<(usize, usize)>],
) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some(d) if d.is_ascii_digit() => {
                chars.next();
                let n = d.to_digit(10).unwrap_or(0) as usize;
                if n == 0 {
                    out.push_str(&collect(text, whole.0, whole.1));
                } else if let Some(Some((a, b))) = groups.get(n - 1) {
                    out.push_str(&collect(text, *a, *b));
                }
            }
            _ => out.push('$'),
        }
    }
    out
}

pub(crate) fn call(ev: &Evaluator<'_>, args: Args, ctx: &Value) -> Result<Val, Error> {
    let _ = ev;
    // A function called with no arguments reads the context.
    let args = if args.len() == 0
        && matches!(
            args.builtin,
            Builtin::String
                | Builtin::Length
                | Builtin::Uppercase
                | Builtin::Lowercase
                | Builtin::Trim
        ) {
        Args {
            builtin: args.builtin,
            args: vec![Val::Json(ctx.clone())],
        }
    } else {
        args
    };
    let s = |i: usize| args.string(i);
    Ok(match args.builtin {
        Builtin::String => {
            if args.boolean(1)? == Some(true) {
                opt(pretty(args.get(0)).map(Value::String))
            } else {
                opt(stringify(args.get(0))?.map(Value::String))
            }
        }
        Builtin::Length => opt(s(0)?.map(|t| Value::from(t.chars().count()))),
        Builtin::Uppercase => opt(s(0)?.map(|t| Value::String(t.to_uppercase()))),
        Builtin::Lowercase => opt(s(0)?.map(|t| Value::String(t.to_lowercase()))),
        Builtin::Trim => {
            opt(s(0)?.map(|t| Value::String(t.split_whitespace().collect::<Vec<_>>().join(" "))))
        }
        Builtin::Substring => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let text = chars(&t);
            let len = text.len() as f64;
            let start = args.number(1)?.ok_or_else(|| args.mismatch(1))?.round();
            let start = if start < 0.0 {
                (len + start).max(0.0)
            } else {
                start.min(len)
            };
            let end = match args.number(2)? {
                Some(n) => (start + n.round().max(0.0)).min(len),
                None => len,
            };
            json(Value::String(collect(&text, start as usize, end as usize)))
        }
        Builtin::SubstringBefore | Builtin::SubstringAfter => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let needle = s(1)?.ok_or_else(|| args.mismatch(1))?;
            let out = match t.find(&needle) {
                None => t.clone(),
                Some(i) if args.builtin == Builtin::SubstringBefore => t[..i].to_owned(),
                Some(i) => t[i + needle.len()..].to_owned(),
            };
            json(Value::String(out))
        }
        Builtin::Pad => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let width = args.number(1)?.ok_or_else(|| args.mismatch(1))?;
            let fill = s(2)?
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| " ".to_owned());
            let current = t.chars().count();
            if width.abs() > MAX_PAD {
                return Err(Error::new(
                    "D3140",
                    format!("The width of $pad must not exceed {MAX_PAD}"),
                ));
            }
            let target = width.abs() as usize;
            if target <= current {
                return Ok(json(Value::String(t)));
            }
            let widest = fill.chars().map(char::len_utf8).max().unwrap_or(1);
            ev.charge(t.len() + (target - current) * widest)?;
            let padding: String = fill.chars().cycle().take(target - current).collect();
            json(Value::String(if width < 0.0 {
                padding + &t
            } else {
                t + &padding
            }))
        }
        Builtin::Contains => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let p = pattern(&args, 1)?.ok_or_else(|| args.mismatch(1))?;
            let found = match &p {
                Pattern::Text(n) => t.contains(n.as_str()),
                Pattern::Re(re) => re.find_at(&chars(&t), 0)?.is_some(),
            };
            json(Value::Bool(found))
        }
        Builtin::Split => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let p = pattern(&args, 1)?.ok_or_else(|| args.mismatch(1))?;
            let limit = match args.number(2)? {
                Some(n) if n < 0.0 => {
                    return Err(Error::new(
                        "D3020",
                        "Third argument of split function must evaluate to a positive number",
                    ));
                }
                Some(n) => Some(n as usize),
                None => None,
            };
            let text = chars(&t);
            let mut parts: Vec<Value> = Vec::new();
            if matches!(&p, Pattern::Text(n) if n.is_empty()) {
                parts = text.iter().map(|c| Value::String(c.to_string())).collect();
            } else {
                let mut last = 0;
                for (a, b) in matches(&p, &text)? {
                    if b == a && (a == 0 || a == text.len()) {
                        continue;
                    }
                    parts.push(Value::String(collect(&text, last, a)));
                    last = b;
                }
                parts.push(Value::String(collect(&text, last, text.len())));
            }
            if let Some(limit) = limit {
                parts.truncate(limit);
            }
            json(Value::Array(parts))
        }
        Builtin::Join => {
            let Some(items) = args.array(0)? else {
                return Ok(Val::Undefined);
            };
            let sep = s(1)?.unwrap_or_default();
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(t) => out.push(t),
                    _ => return Err(args.mismatch(0)),
                }
            }
            let separators = sep.len() * out.len().saturating_sub(1);
            ev.charge(out.iter().map(String::len).sum::<usize>() + separators)?;
            json(Value::String(out.join(&sep)))
        }
        Builtin::Replace => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let p = pattern(&args, 1)?.ok_or_else(|| args.mismatch(1))?;
            if matches!(&p, Pattern::Text(n) if n.is_empty()) {
                return Err(Error::new(
                    "D3010",
                    "Second argument of replace function cannot be an empty string",
                ));
            }
            let replacement = s(2)?.ok_or_else(|| args.mismatch(2))?;
            let limit = args.number(3)?.map(|n| n.max(0.0) as usize);
            let text = chars(&t);
            let found: Vec<_> = match &p {
                Pattern::Re(re) => re.find_all_groups(&text)?,
                Pattern::Text(_) => matches(&p, &text)?
                    .into_iter()
                    .map(|range| (range, Vec::new()))
                    .collect(),
            };
            let mut out = String::new();
            let mut last = 0;
            for (n, ((a, b), groups)) in found.into_iter().enumerate() {
                if limit.is_some_and(|l| n >= l) {
                    break;
                }
                out.push_str(&collect(&text, last, a));
                out.push_str(&substitute(&replacement, &text, (a, b), &groups));
                last = b;
            }
            out.push_str(&collect(&text, last, text.len()));
            json(Value::String(out))
        }
        Builtin::Match => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let Val::Regex(re) = args.get(1) else {
                return Err(args.mismatch(1));
            };
            let limit = args.number(2)?.map(|n| n.max(0.0) as usize);
            let text = chars(&t);
            let mut out = Vec::new();
            for (n, ((a, b), groups)) in re.find_all_groups(&text)?.into_iter().enumerate() {
                if limit.is_some_and(|l| n >= l) {
                    break;
                }
                let mut m = Map::new();
                m.insert("match".into(), Value::String(collect(&text, a, b)));
                m.insert("index".into(), Value::from(a));
                let groups = groups
                    .iter()
                    .map(|g| Value::String(g.map_or(String::new(), |(x, y)| collect(&text, x, y))))
                    .collect();
                m.insert("groups".into(), Value::Array(groups));
                out.push(Value::Object(m));
            }
            Val::from_items(out)
        }
        Builtin::Base64encode => opt(s(0)?.map(|t| {
            Value::String(base64::engine::general_purpose::STANDARD.encode(t.as_bytes()))
        })),
        Builtin::Base64decode => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(t.trim())
                .map_err(|_| Error::new("D3137", "Invalid Base64 string"))?;
            json(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Builtin::EncodeUrlComponent | Builtin::EncodeUrl => {
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let keep: &str = if args.builtin == Builtin::EncodeUrl {
                "-_.!~*'();/?:@&=+$,#"
            } else {
                "-_.!~*'()"
            };
            let mut out = String::new();
            for b in t.bytes() {
                if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            json(Value::String(out))
        }
        _ => {
            // decodeUrlComponent, decodeUrl
            let Some(t) = s(0)? else {
                return Ok(Val::Undefined);
            };
            let bytes = t.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    let hex = t
                        .get(i + 1..i + 3)
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    let Some(b) = hex else {
                        return Err(Error::new(
                            "D3140",
                            format!("Malformed URL passed to ${}(): \"{t}\"", args.name()),
                        ));
                    };
                    out.push(b);
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            json(Value::String(String::from_utf8(out).map_err(|_| {
                Error::new(
                    "D3140",
                    format!("Malformed URL passed to ${}(): \"{t}\"", args.name()),
                )
            })?))
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::jsonata::evaluate;

    fn ev(text: &str) -> serde_json::Value {
        evaluate(text, &json!(null)).unwrap().unwrap()
    }

    #[test]
    fn strings() {
        assert_eq!(
            ev("$string(1.5) & $string([1, 'a'])"),
            json!("1.5[1,\"a\"]")
        );
        assert_eq!(ev("$string(0.1 + 0.2)"), json!("0.3"));
        assert_eq!(ev("$substring('hello', 1, 3)"), json!("ell"));
        assert_eq!(ev("$substring('hello', -3)"), json!("llo"));
        assert_eq!(ev("$split('a,b,,c', ',')"), json!(["a", "b", "", "c"]));
        assert_eq!(ev("$split('a1b22c', /[0-9]+/)"), json!(["a", "b", "c"]));
        assert_eq!(ev("$join(['a','b'], '-')"), json!("a-b"));
        assert_eq!(ev("$uppercase('ab') & $lowercase('CD')"), json!("ABcd"));
        assert_eq!(ev("$trim('  a   b ')"), json!("a b"));
        assert_eq!(ev("$contains('hello$world', /^hello\\$/)"), json!(true));
        assert_eq!(ev("$contains('hello', 'ell')"), json!(true));
        assert_eq!(ev("$replace('a-b-c', '-', '+', 1)"), json!("a+b-c"));
        assert_eq!(
            ev("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')"),
            json!("Smith, John")
        );
        assert_eq!(ev("$replace('a1', /\\d/, '[$0]$$')"), json!("a[1]$"));
        assert_eq!(
            ev("$match('ab12', /([a-z])(\\d)?/)"),
            json!([{ "match": "a", "index": 0, "groups": ["a", ""] }, { "match": "b1", "index": 1, "groups": ["b", "1"] }])
        );
        assert_eq!(ev("$pad('5', -3, '0')"), json!("005"));
        assert!(evaluate("$pad('5', 1e15)", &json!(null)).is_err());
        assert_eq!(ev("$length('héllo')"), json!(5));
        assert_eq!(ev("$base64decode($base64encode('hi'))"), json!("hi"));
        assert_eq!(ev("$encodeUrlComponent('a b?')"), json!("a%20b%3F"));
        assert_eq!(ev("$substringAfter('a.b.c', '.')"), json!("b.c"));
    }
}
