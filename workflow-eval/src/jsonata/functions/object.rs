//! Object functions: `$keys`, `$lookup`, `$spread`, `$merge`, `$each`, `$sift`, `$type`,
//! `$error`, `$assert`.

use serde_json::{Map, Value};

use super::{Args, Builtin, json};
use crate::jsonata::Error;
use workflow_core::path::type_name;

use crate::jsonata::eval::{Evaluator, Func, Val, truthy};

fn call_with(
    ev: &Evaluator<'_>,
    f: &Func,
    value: &Value,
    key: &str,
    object: &Value,
    ctx: &Value,
) -> Result<Val, Error> {
    let all = [
        Val::Json(value.clone()),
        Val::Json(Value::String(key.to_owned())),
        Val::Json(object.clone()),
    ];
    let n = Args::arity(f).clamp(1, 3);
    ev.apply(f, all[..n].to_vec(), ctx)
}

pub(crate) fn call(ev: &Evaluator<'_>, args: Args, ctx: &Value) -> Result<Val, Error> {
    Ok(match args.builtin {
        Builtin::Keys => {
            let mut keys: Vec<Value> = Vec::new();
            for item in args.get(0).items() {
                if let Value::Object(map) = item {
                    for k in map.keys() {
                        let k = Value::String(k.clone());
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                    }
                }
            }
            Val::from_items(keys)
        }
        Builtin::Lookup => {
            let key = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
            let mut out = Vec::new();
            for item in args.get(0).items() {
                if let Value::Object(map) = item {
                    match map.get(&key) {
                        Some(Value::Array(xs)) => out.extend(xs.iter().cloned()),
                        Some(v) => out.push(v.clone()),
                        None => {}
                    }
                }
            }
            Val::from_items(out)
        }
        Builtin::Spread => {
            let mut out = Vec::new();
            for item in args.get(0).items() {
                match item {
                    Value::Object(map) => {
                        for (k, v) in map {
                            let mut one = Map::new();
                            one.insert(k, v);
                            out.push(Value::Object(one));
                        }
                    }
                    other => out.push(other),
                }
            }
            Val::from_items(out)
        }
        Builtin::Merge => {
            let Some(items) = args.array(0)? else {
                return Ok(Val::Undefined);
            };
            let mut out = Map::new();
            for item in items {
                match item {
                    Value::Object(map) => out.extend(map),
                    _ => return Err(args.mismatch(0)),
                }
            }
            json(Value::Object(out))
        }
        Builtin::Each | Builtin::Sift => {
            let Some(object) = args.json(0)? else {
                return Ok(Val::Undefined);
            };
            let Value::Object(map) = &object else {
                return Err(args.mismatch(0));
            };
            let f = args.function(1)?.ok_or_else(|| args.mismatch(1))?;
            if args.builtin == Builtin::Each {
                let mut out = Vec::new();
                for (k, v) in map {
                    if let Some(r) = call_with(ev, f, v, k, &object, ctx)?.into_json() {
                        out.push(r);
                    }
                }
                Val::from_items(out)
            } else {
                let mut out = Map::new();
                for (k, v) in map {
                    if truthy(&call_with(ev, f, v, k, &object, ctx)?) {
                        out.insert(k.clone(), v.clone());
                    }
                }
                if out.is_empty() {
                    Val::Undefined
                } else {
                    json(Value::Object(out))
                }
            }
        }
        Builtin::Type => match args.get(0) {
            Val::Function(_) | Val::Regex(_) => json(Value::String("function".into())),
            v => match v.as_json() {
                None => Val::Undefined,
                Some(j) => json(Value::String(type_name(&j).into())),
            },
        },
        Builtin::Error => {
            let message = args
                .string(0)?
                .unwrap_or_else(|| "$error() function evaluated".into());
            return Err(Error::new("D3137", message));
        }
        _ => {
            // assert
            let Some(condition) = args.boolean(0)? else {
                return Err(args.mismatch(0));
            };
            if !condition {
                let message = args
                    .string(1)?
                    .unwrap_or_else(|| "$assert() statement failed".into());
                return Err(Error::new("D3141", message));
            }
            Val::Undefined
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
    fn objects() {
        assert_eq!(ev("$keys({'a': 1, 'b': 2})"), json!(["a", "b"]));
        assert_eq!(ev("$lookup({'a': 1}, 'a')"), json!(1));
        assert_eq!(
            ev("$merge([{'a': 1}, {'b': 2}, {'a': 3}])"),
            json!({ "a": 3, "b": 2 })
        );
        assert_eq!(
            ev("$spread({'a': 1, 'b': 2})"),
            json!([{ "a": 1 }, { "b": 2 }])
        );
        assert_eq!(
            ev("$each({'a': 1}, function($v, $k){ $k & $v })"),
            json!("a1")
        );
        assert_eq!(
            ev("$sift({'a': 1, 'b': 2}, function($v){ $v > 1 })"),
            json!({ "b": 2 })
        );
        assert_eq!(
            ev("[$type(1), $type('s'), $type(null), $type([]), $type({}), $type($sum)]"),
            json!(["number", "string", "null", "array", "object", "function"])
        );
        assert_eq!(
            evaluate("$error('boom')", &json!(null))
                .unwrap_err()
                .message,
            "boom"
        );
        assert!(evaluate("$assert(false, 'no')", &json!(null)).is_err());
    }
}
