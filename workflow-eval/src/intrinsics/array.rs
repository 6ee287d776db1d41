//! The array intrinsics: `States.ArrayPartition`, `ArrayContains`, `ArrayRange`,
//! `ArrayGetItem`, `ArrayLength` and `ArrayUnique` (`States.Array` needs no code).

use std::collections::HashSet;

use serde_json::Value;

use super::IntrinsicError;
use super::args::Args;

/// AWS caps the arrays `States.ArrayRange` builds.
const MAX_RANGE_ITEMS: i128 = 1000;

/// `States.ArrayPartition(array, size)`: consecutive chunks of `size` items; the last may
/// be shorter.
pub(crate) fn partition(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0, "the first argument")?;
    let size = args.integer(1, "the chunk size")?;
    let Some(size) = usize::try_from(size).ok().filter(|&s| s > 0) else {
        return Err(args.fail(format!(
            "the chunk size must be a positive integer, but was {size}"
        )));
    };
    Ok(Value::Array(
        items
            .chunks(size)
            .map(|chunk| Value::Array(chunk.to_vec()))
            .collect(),
    ))
}

/// `States.ArrayContains(array, value)`: deep equality, so `[1, 2]` contains `2` and
/// `[[1]]` contains `[1]`; `1` and `1.0` are different values, as in Jackson.
pub(crate) fn contains(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0, "the first argument")?;
    let wanted = args.value(1)?;
    Ok(Value::Bool(items.contains(wanted)))
}

/// `States.ArrayRange(start, end, step)`: `start`, `start + step`, ... up to and including
/// `end`; at most 1000 items.
pub(crate) fn range(args: &Args) -> Result<Value, IntrinsicError> {
    let start = i128::from(args.integer(0, "the start")?);
    let end = i128::from(args.integer(1, "the end")?);
    let step = i128::from(args.integer(2, "the step")?);
    if step == 0 {
        return Err(args.fail("the step must not be 0"));
    }
    let count = if (step > 0 && start <= end) || (step < 0 && start >= end) {
        (end - start) / step + 1
    } else {
        0
    };
    if count > MAX_RANGE_ITEMS {
        return Err(args.fail(format!(
            "the range would have {count} items, more than the {MAX_RANGE_ITEMS} allowed"
        )));
    }
    // `count` is at most 1000 and every item lies between `start` and `end`, which came
    // from `i64`s: the conversions below cannot fail.
    let items = (0..count)
        .filter_map(|i| i64::try_from(start + i * step).ok())
        .map(Value::from)
        .collect();
    Ok(Value::Array(items))
}

/// `States.ArrayGetItem(array, index)`: the item at a zero-based index that must exist.
pub(crate) fn get_item(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0, "the first argument")?;
    let index = args.integer(1, "the index")?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            args.fail(format!(
                "the index {index} is out of bounds of an array of {} items",
                items.len()
            ))
        })
}

/// `States.ArrayLength(array)`.
pub(crate) fn length(args: &Args) -> Result<Value, IntrinsicError> {
    Ok(Value::from(args.array(0, "the argument")?.len()))
}

/// `States.ArrayUnique(array)`: the first occurrence of each value, in order.
pub(crate) fn unique(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0, "the argument")?;
    let mut seen = HashSet::new();
    let kept = items
        .iter()
        .filter(|item| seen.insert(canonical(item)))
        .cloned()
        .collect();
    Ok(Value::Array(kept))
}

/// A key that is equal for two values exactly when the values are equal (`==`): object
/// members sorted, and `-0.0` written as `0.0`. Hashing these keeps `ArrayUnique` linear.
fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (key, item) in members {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => out.push_str("0.0"),
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::intrinsics::{Call, Evaluate, IntrinsicError};

    fn eval(text: &str, input: Value) -> Result<Value, IntrinsicError> {
        Call::parse(text)?.evaluate(&|path| Ok(path.read(&input).unwrap_or_default()))
    }

    #[test]
    fn partitions() {
        assert_eq!(
            eval(
                "States.ArrayPartition($, 4)",
                json!([1, 2, 3, 4, 5, 6, 7, 8, 9])
            )
            .unwrap(),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
        );
        assert_eq!(
            eval("States.ArrayPartition($, 2)", json!([])).unwrap(),
            json!([])
        );
        assert_eq!(
            eval("States.ArrayPartition($, 0)", json!([1]))
                .unwrap_err()
                .message,
            "States.ArrayPartition: the chunk size must be a positive integer, but was 0"
        );
        assert!(eval("States.ArrayPartition($, 1.5)", json!([1])).is_err());
        assert!(eval("States.ArrayPartition('x', 1)", json!(null)).is_err());
    }

    #[test]
    fn contains_by_deep_equality() {
        let input = json!({"a": [[1, 2, 3], {"x": []}, 2, true]});
        assert_eq!(
            eval(
                "States.ArrayContains($.a, States.Array(1, 2, 3))",
                input.clone()
            )
            .unwrap(),
            json!(true)
        );
        assert_eq!(
            eval("States.ArrayContains($.a, 2.0)", input.clone()).unwrap(),
            json!(false)
        );
        assert_eq!(
            eval("States.ArrayContains($.a, $.a[1])", input).unwrap(),
            json!(true)
        );
    }

    #[test]
    fn ranges_inclusively_in_either_direction() {
        assert_eq!(
            eval("States.ArrayRange(1, 9, 2)", json!(null)).unwrap(),
            json!([1, 3, 5, 7, 9])
        );
        assert_eq!(
            eval("States.ArrayRange(0, 10, 3)", json!(null)).unwrap(),
            json!([0, 3, 6, 9])
        );
        assert_eq!(
            eval("States.ArrayRange(5, 1, -2)", json!(null)).unwrap(),
            json!([5, 3, 1])
        );
        assert_eq!(
            eval("States.ArrayRange(5, 1, 2)", json!(null)).unwrap(),
            json!([])
        );
        assert_eq!(
            eval("States.ArrayRange(0, 999, 1)", json!(null))
                .unwrap()
                .as_array()
                .map(Vec::len),
            Some(1000)
        );
        assert_eq!(
            eval("States.ArrayRange(0, 1000, 1)", json!(null))
                .unwrap_err()
                .message,
            "States.ArrayRange: the range would have 1001 items, more than the 1000 allowed"
        );
        let extremes = "States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)";
        assert!(eval(extremes, json!(null)).is_err());
        assert!(eval("States.ArrayRange(0, 1, 0)", json!(null)).is_err());
    }

    #[test]
    fn gets_items_that_exist() {
        assert_eq!(
            eval("States.ArrayGetItem($, 1)", json!(["a", "b"])).unwrap(),
            json!("b")
        );
        assert_eq!(
            eval("States.ArrayGetItem($, 2)", json!(["a", "b"]))
                .unwrap_err()
                .message,
            "States.ArrayGetItem: the index 2 is out of bounds of an array of 2 items"
        );
        assert!(eval("States.ArrayGetItem($, -1)", json!(["a"])).is_err());
    }

    #[test]
    fn measures_and_deduplicates() {
        assert_eq!(
            eval("States.ArrayLength($)", json!([1, 2, 3])).unwrap(),
            json!(3)
        );
        let input =
            json!([null, null, 1, 1.0, 1, {"a": 1, "b": 2}, {"b": 2, "a": 1}, [0.0], [-0.0], "1"]);
        assert_eq!(
            eval("States.ArrayUnique($)", input).unwrap(),
            json!([null, 1, 1.0, {"a": 1, "b": 2}, [0.0], "1"])
        );
        assert!(eval("States.ArrayLength('x')", json!(null)).is_err());
    }
}
