//! The functions AWS Step Functions adds to JSONata ("Transforming data with JSONata in
//! Step Functions"): `$partition`, `$range`, `$hash`, `$random` (with an optional seed),
//! `$uuid` and `$parse`.

use serde_json::Value;

use super::{Args, Builtin, json};
use crate::intrinsics::hash::hex_digest;
use crate::intrinsics::{Entropy, SeededEntropy, unit_interval, uuid};
use crate::jsonata::Error;
use crate::jsonata::eval::{Evaluator, Val, num};

/// The most items `$range` may produce (as for the range operator).
const MAX_ITEMS: f64 = 10_000_000.0;

pub(crate) fn call(ev: &Evaluator<'_>, args: Args) -> Result<Val, Error> {
    Ok(match args.builtin {
        Builtin::Partition => {
            let items = args.array(0)?.ok_or_else(|| args.mismatch(0))?;
            let size = args.number(1)?.ok_or_else(|| args.mismatch(1))?;
            if size < 1.0 || size.fract() != 0.0 {
                return Err(Error::new(
                    "D3140",
                    "The chunk size of $partition must be a positive integer",
                ));
            }
            json(Value::Array(
                items
                    .chunks(size.min(usize::MAX as f64) as usize)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            ))
        }
        Builtin::Range => {
            let start = args.number(0)?.ok_or_else(|| args.mismatch(0))?;
            let end = args.number(1)?.ok_or_else(|| args.mismatch(1))?;
            let step = args.number(2)?.unwrap_or(1.0);
            if step == 0.0 || !step.is_finite() {
                return Err(Error::new("D3140", "The step of $range must not be zero"));
            }
            let count = ((end - start) / step).floor() + 1.0;
            if count > MAX_ITEMS {
                return Err(Error::new(
                    "D2014",
                    "The size of the sequence allocated by $range must not exceed 1e7",
                ));
            }
            let mut out = Vec::new();
            let mut i = 0.0;
            while i < count {
                out.push(num(start + i * step));
                i += 1.0;
            }
            Val::from_items(out)
        }
        Builtin::Hash => {
            let Some(text) = args.string(0)? else {
                return Ok(Val::Undefined);
            };
            let algorithm = args.string(1)?.unwrap_or_else(|| "SHA-256".to_owned());
            match hex_digest(&algorithm, text.as_bytes()) {
                Some(digest) => json(Value::String(digest)),
                None => {
                    return Err(Error::new(
                        "D3140",
                        format!(
                            "Unsupported hash algorithm '{algorithm}': expected one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                        ),
                    ));
                }
            }
        }
        Builtin::Random => match args.json(0)? {
            None => json(num(unit_interval(ev.random_u64()))),
            Some(seed) => {
                let seed = match &seed {
                    Value::Number(n) => n.as_f64().unwrap_or(0.0).to_bits(),
                    other => other
                        .to_string()
                        .bytes()
                        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                        }),
                };
                json(num(unit_interval(SeededEntropy::new(seed).next_u64())))
            }
        },
        Builtin::Uuid => {
            let mut entropy = || ev.random_u64();
            json(uuid(&mut entropy))
        }
        _ => {
            // parse
            let Some(text) = args.string(0)? else {
                return Ok(Val::Undefined);
            };
            let value: Value = serde_json::from_str(&text).map_err(|_| {
                Error::new(
                    "D3140",
                    format!("Unable to parse the string as JSON: {text}"),
                )
            })?;
            json(normalise(value))
        }
    })
}

/// Numbers as JSONata holds them (doubles): `-0` is `0`, `1.0` is `1`.
fn normalise(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_u64() && !n.is_i64() => num(f),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::jsonata::evaluate;

    fn ev(text: &str) -> serde_json::Value {
        evaluate(text, &json!(null)).unwrap().unwrap()
    }

    #[test]
    fn aws_functions() {
        assert_eq!(ev("$partition([0, 1, 2], 2)"), json!([[0, 1], [2]]));
        assert_eq!(ev("$partition([0], 3)"), json!([[0]]));
        assert_eq!(ev("$range(0, 10, 3)"), json!([0, 3, 6, 9]));
        assert_eq!(ev("$range(0, 10, 2)"), json!([0, 2, 4, 6, 8, 10]));
        assert_eq!(ev("$range(1, 9, 9)"), json!(1));
        assert_eq!(ev("$range(3, 1, -1)"), json!([3, 2, 1]));
        assert_eq!(
            ev("$hash('a', 'MD5')"),
            json!("0cc175b9c0f1b6a831c399e269772661")
        );
        assert_eq!(ev("$parse('[1, 2, \"x\"]')"), json!([1, 2, "x"]));
        assert_eq!(ev("$parse('-0')"), json!(0));
        assert_eq!(ev("$parse('1.1')"), json!(1.1));
        assert_eq!(ev("$random(7)"), ev("$random(7)"));
        let r = ev("$random()").as_f64().unwrap();
        assert!((0.0..1.0).contains(&r));
        assert_eq!(ev("$uuid()").as_str().unwrap().len(), 36);
        assert_eq!(
            evaluate("$randomSeeded(1)", &json!(null))
                .unwrap_err()
                .to_string(),
            "T1006: Attempted to invoke a non-function"
        );
    }
}
