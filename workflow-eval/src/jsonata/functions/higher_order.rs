//! Higher-order functions: `$map`, `$filter`, `$reduce`, `$single`.

use serde_json::Value;

use super::{Args, Builtin};
use crate::jsonata::Error;
use crate::jsonata::eval::{Evaluator, Func, Val, truthy, weight};

/// Calls `f` with an item, its index and the whole array: as many as `f` takes.
fn call_item(
    ev: &Evaluator<'_>,
    f: &Func,
    item: &Value,
    index: usize,
    all: &[Value],
    ctx: &Value,
) -> Result<Val, Error> {
    // Only the arguments `f` takes are built: copying the whole array for every item
    // would make a pass over n items cost O(n²).
    let n = Args::arity(f).clamp(1, 3);
    let mut args = vec![Val::Json(item.clone())];
    if n > 1 {
        args.push(Val::Json(Value::from(index)));
    }
    if n > 2 {
        ev.charge(all.iter().map(weight).sum())?;
        args.push(Val::Json(Value::Array(all.to_vec())));
    }
    ev.apply(f, args, ctx)
}

pub(crate) fn call(ev: &Evaluator<'_>, args: Args, ctx: &Value) -> Result<Val, Error> {
    let Some(items) = args.array(0)? else {
        return Ok(Val::Undefined);
    };
    let f = args.function(1)?.ok_or_else(|| args.mismatch(1))?;
    Ok(match args.builtin {
        Builtin::Map => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(v) = call_item(ev, f, item, i, &items, ctx)?.into_json() {
                    out.push(v);
                }
            }
            Val::from_items(out)
        }
        Builtin::Filter => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if truthy(&call_item(ev, f, item, i, &items, ctx)?) {
                    out.push(item.clone());
                }
            }
            Val::from_items(out)
        }
        Builtin::Single => {
            let mut found = None;
            for (i, item) in items.iter().enumerate() {
                if truthy(&call_item(ev, f, item, i, &items, ctx)?) {
                    if found.is_some() {
                        return Err(Error::new(
                            "D3138",
                            "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                        ));
                    }
                    found = Some(item.clone());
                }
            }
            match found {
                Some(v) => Val::Json(v),
                None => {
                    return Err(Error::new(
                        "D3139",
                        "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
                    ));
                }
            }
        }
        _ => {
            // reduce
            if Args::arity(f) < 2 {
                return Err(Error::new(
                    "D3050",
                    "The second argument of reduce function must be a function with at least two arguments",
                ));
            }
            let mut iter = items.iter().enumerate();
            let mut acc = match args.get(2) {
                v if v.is_undef() => match iter.next() {
                    Some((_, first)) => Val::Json(first.clone()),
                    None => return Ok(Val::Undefined),
                },
                v => v.clone(),
            };
            for (i, item) in iter {
                // The accumulator is moved, not copied, and the array is built only for a
                // function that takes it, so that n steps cost O(n).
                let n = Args::arity(f).clamp(2, 4);
                let mut call = vec![acc, Val::Json(item.clone())];
                if n > 2 {
                    call.push(Val::Json(Value::from(i)));
                }
                if n > 3 {
                    ev.charge(items.iter().map(weight).sum())?;
                    call.push(Val::Json(Value::Array(items.clone())));
                }
                acc = ev.apply(f, call, ctx)?;
            }
            acc
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
    fn higher_order() {
        assert_eq!(
            ev("$map([1, 2], function($v, $i){ $v + $i })"),
            json!([1, 3])
        );
        assert_eq!(
            ev("$filter([1, 2, 3], function($v){ $v > 1 })"),
            json!([2, 3])
        );
        assert_eq!(
            ev("$reduce([1, 2, 3], function($a, $b){ $a + $b })"),
            json!(6)
        );
        assert_eq!(
            ev("$reduce([1, 2, 3], function($a, $b){ $a + $b }, 10)"),
            json!(16)
        );
        assert_eq!(ev("$single([1, 2, 3], function($v){ $v = 2 })"), json!(2));
        assert_eq!(ev("$map([1, 2], $string)"), json!(["1", "2"]));
    }
}
