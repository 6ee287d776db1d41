//! Array functions: `$count`, `$append`, `$sort`, `$reverse`, `$shuffle`, `$distinct`,
//! `$zip`.

use serde_json::Value;

use super::{Args, Builtin, json};
use crate::jsonata::Error;
use crate::jsonata::eval::{Evaluator, VALUE_BYTES, Val, deep_equal, deep_hash, truthy, weight};

pub(crate) fn call(ev: &Evaluator<'_>, args: Args, ctx: &Value) -> Result<Val, Error> {
    Ok(match args.builtin {
        Builtin::Count => json(Value::from(args.array(0)?.map_or(0, |a| a.len()))),
        Builtin::Append => {
            let a = args.array(0)?;
            let b = args.array(1)?;
            match (a, b) {
                (None, None) => Val::Undefined,
                (Some(a), None) | (None, Some(a)) => json(Value::Array(a)),
                (Some(mut a), Some(b)) => {
                    ev.charge(a.iter().chain(&b).map(weight).sum())?;
                    a.extend(b);
                    json(Value::Array(a))
                }
            }
        }
        Builtin::Reverse => match args.array(0)? {
            None => Val::Undefined,
            Some(mut a) => {
                a.reverse();
                json(Value::Array(a))
            }
        },
        Builtin::Shuffle => match args.array(0)? {
            None => Val::Undefined,
            Some(mut a) => {
                for i in (1..a.len()).rev() {
                    let j = ev.random_below(i as u64 + 1) as usize;
                    a.swap(i, j);
                }
                json(Value::Array(a))
            }
        },
        Builtin::Distinct => match args.get(0) {
            Val::Json(Value::Array(items)) | Val::Sequence(items) => {
                // Linear: each item is compared only with the kept items of its hash.
                let mut out: Vec<Value> = Vec::new();
                let mut kept: std::collections::HashMap<u64, Vec<usize>> =
                    std::collections::HashMap::new();
                for item in items {
                    let same_hash = kept.entry(deep_hash(item)).or_default();
                    if !same_hash.iter().any(|&i| deep_equal(&out[i], item)) {
                        same_hash.push(out.len());
                        out.push(item.clone());
                    }
                }
                json(Value::Array(out))
            }
            other => other.clone(),
        },
        Builtin::Zip => {
            let mut arrays = Vec::new();
            for i in 0..args.len() {
                arrays.push(args.array(i)?.unwrap_or_default());
            }
            let len = arrays.iter().map(Vec::len).min().unwrap_or(0);
            let items: usize = arrays.iter().flat_map(|a| &a[..len]).map(weight).sum();
            ev.charge(items + len * VALUE_BYTES)?;
            json(Value::Array(
                (0..len)
                    .map(|i| Value::Array(arrays.iter().map(|a| a[i].clone()).collect()))
                    .collect(),
            ))
        }
        _ => {
            // sort
            let Some(items) = args.array(0)? else {
                return Ok(Val::Undefined);
            };
            let comparator = args.function(1)?;
            let mut items = items;
            match comparator {
                None => {
                    if items.iter().all(Value::is_number) {
                        items.sort_by(|a, b| {
                            a.as_f64()
                                .partial_cmp(&b.as_f64())
                                .unwrap_or(std::cmp::Ordering::Equal)
                        });
                    } else if items.iter().all(Value::is_string) {
                        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                    } else {
                        return Err(Error::new(
                            "D3070",
                            "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
                        ));
                    }
                }
                Some(f) => {
                    // A stable insertion sort: `f(a, b)` is true when a goes after b.
                    let mut sorted: Vec<Value> = Vec::with_capacity(items.len());
                    for item in items {
                        let mut at = sorted.len();
                        while at > 0 {
                            let after = ev.apply(
                                f,
                                vec![Val::Json(sorted[at - 1].clone()), Val::Json(item.clone())],
                                ctx,
                            )?;
                            if truthy(&after) {
                                at -= 1;
                            } else {
                                break;
                            }
                        }
                        sorted.insert(at, item);
                    }
                    items = sorted;
                }
            }
            json(Value::Array(items))
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
    fn arrays() {
        assert_eq!(ev("$count([1, 2])"), json!(2));
        assert_eq!(ev("$count(nothing)"), json!(0));
        assert_eq!(ev("$append([1], 2)"), json!([1, 2]));
        assert_eq!(ev("$sort([3, 1, 2])"), json!([1, 2, 3]));
        assert_eq!(
            ev("$sort([3, 1, 2], function($a, $b){ $a < $b })"),
            json!([3, 2, 1])
        );
        assert_eq!(ev("$reverse([1, 2])"), json!([2, 1]));
        assert_eq!(ev("$distinct([1, 1, 2])"), json!([1, 2]));
        // Deep equality: numbers by value, objects whatever their key order.
        assert_eq!(
            ev(r#"$distinct([1, 1.0, -0, 0, {"a": 1, "b": [2]}, {"b": [2.0], "a": 1}, "1"])"#),
            json!([1, -0, {"a": 1, "b": [2]}, "1"])
        );
        // Linear, not quadratic: 20,000 distinct items.
        assert_eq!(ev("$count($distinct([1..20000]))"), json!(20000));
        assert_eq!(ev("$zip([1, 2], ['a', 'b'])"), json!([[1, "a"], [2, "b"]]));
        assert_eq!(ev("$count($shuffle([1, 2, 3]))"), json!(3));
    }
}
