//! Numeric, aggregate and boolean functions: `$number`, `$abs`, `$floor`, `$ceil`,
//! `$round`, `$power`, `$sqrt`, `$sum`, `$max`, `$min`, `$average`, `$boolean`,
//! `$not`, `$exists`, `$formatBase`.

use serde_json::Value;

use super::{Args, Builtin, json, opt};
use crate::jsonata::Error;
use crate::jsonata::eval::{Val, num, truthy};

/// `$number` of a string: JSON number syntax (and `0x`, `0o`, `0b` prefixes).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return i64::from_str_radix(digits, radix).ok().map(|n| n as f64);
        }
    }
    match serde_json::from_str::<Value>(t) {
        Ok(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn numbers(args: &Args, i: usize) -> Result<Option<Vec<f64>>, Error> {
    let Some(items) = args.array(i)? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| {
            v.as_f64()
                .filter(|_| v.is_number())
                .ok_or_else(|| args.mismatch(i))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn round_half_even(n: f64, precision: i32) -> f64 {
    let factor = 10f64.powi(precision);
    let x = n * factor;
    let r = x.round();
    let rounded = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    };
    rounded / factor
}

pub(crate) fn call(args: Args, ctx: &Value) -> Result<Val, Error> {
    let args = if args.len() == 0 && matches!(args.builtin, Builtin::Number | Builtin::Boolean) {
        Args {
            builtin: args.builtin,
            args: vec![Val::Json(ctx.clone())],
        }
    } else {
        args
    };
    let unary =
        |f: fn(f64) -> f64| -> Result<Val, Error> { Ok(opt(args.number(0)?.map(|n| num(f(n))))) };
    Ok(match args.builtin {
        Builtin::Number => match args.json(0)? {
            None => Val::Undefined,
            Some(Value::Number(n)) => json(Value::Number(n)),
            Some(Value::Bool(b)) => json(Value::from(u8::from(b))),
            Some(Value::String(s)) => match parse_number(&s) {
                Some(n) => json(num(n)),
                None => {
                    return Err(Error::new(
                        "D3030",
                        format!("Unable to cast value to a number: \"{s}\""),
                    ));
                }
            },
            Some(other) => {
                return Err(Error::new(
                    "D3030",
                    format!("Unable to cast value to a number: {other}"),
                ));
            }
        },
        Builtin::Abs => unary(f64::abs)?,
        Builtin::Floor => unary(f64::floor)?,
        Builtin::Ceil => unary(f64::ceil)?,
        Builtin::Sqrt => {
            let Some(n) = args.number(0)? else {
                return Ok(Val::Undefined);
            };
            if n < 0.0 {
                return Err(Error::new(
                    "D3060",
                    format!("The sqrt function cannot be applied to a negative number: {n}"),
                ));
            }
            json(num(n.sqrt()))
        }
        Builtin::Round => {
            let Some(n) = args.number(0)? else {
                return Ok(Val::Undefined);
            };
            let precision = args.number(1)?.unwrap_or(0.0) as i32;
            json(num(round_half_even(n, precision)))
        }
        Builtin::Power => {
            let Some(base) = args.number(0)? else {
                return Ok(Val::Undefined);
            };
            let exp = args.number(1)?.ok_or_else(|| args.mismatch(1))?;
            let r = base.powf(exp);
            if !r.is_finite() {
                return Err(Error::new(
                    "D3061",
                    format!(
                        "The power function has resulted in a value that cannot be represented as a JSON number: base={base}, exponent={exp}"
                    ),
                ));
            }
            json(num(r))
        }
        Builtin::Sum => opt(numbers(&args, 0)?.map(|ns| num(ns.iter().sum()))),
        Builtin::Max | Builtin::Min => {
            let Some(ns) = numbers(&args, 0)? else {
                return Ok(Val::Undefined);
            };
            let pick = ns.into_iter().reduce(|a, b| {
                if (args.builtin == Builtin::Max) == (b > a) {
                    b
                } else {
                    a
                }
            });
            opt(pick.map(num))
        }
        Builtin::Average => {
            let Some(ns) = numbers(&args, 0)? else {
                return Ok(Val::Undefined);
            };
            if ns.is_empty() {
                Val::Undefined
            } else {
                json(num(ns.iter().sum::<f64>() / ns.len() as f64))
            }
        }
        Builtin::FormatBase => {
            let Some(n) = args.number(0)? else {
                return Ok(Val::Undefined);
            };
            let radix = args.number(1)?.unwrap_or(10.0);
            if !(2.0..=36.0).contains(&radix) {
                return Err(Error::new(
                    "D3100",
                    format!(
                        "The radix of the formatBase function must be between 2 and 36.  It was given {radix}"
                    ),
                ));
            }
            let radix = radix as u64;
            let n = round_half_even(n, 0);
            let mut magnitude = n.abs() as u64;
            let mut digits = Vec::new();
            loop {
                digits.push(
                    std::char::from_digit((magnitude % radix) as u32, radix as u32).unwrap_or('0'),
                );
                magnitude /= radix;
                if magnitude == 0 {
                    break;
                }
            }
            if n < 0.0 {
                digits.push('-');
            }
            json(Value::String(digits.into_iter().rev().collect()))
        }
        Builtin::Boolean => match args.get(0) {
            v if v.is_undef() => Val::Undefined,
            v => json(Value::Bool(truthy(v))),
        },
        Builtin::Not => match args.get(0) {
            v if v.is_undef() => Val::Undefined,
            v => json(Value::Bool(!truthy(v))),
        },
        _ => json(Value::Bool(!args.get(0).is_undef())), // exists
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
    fn numbers_and_aggregates() {
        assert_eq!(ev("$number('2')"), json!(2));
        assert_eq!(ev("$number('1.5e1')"), json!(15));
        assert_eq!(ev("$number(true)"), json!(1));
        assert_eq!(
            evaluate("$number('x')", &json!(null)).unwrap_err().code,
            "D3030"
        );
        assert_eq!(ev("$sum([1, 2, 3.5])"), json!(6.5));
        assert_eq!(ev("$max([1, 5, 3])"), json!(5));
        assert_eq!(ev("$min([4, 2, 3])"), json!(2));
        assert_eq!(ev("$average([1, 2])"), json!(1.5));
        assert_eq!(ev("$round(2.5)"), json!(2));
        assert_eq!(ev("$round(3.5)"), json!(4));
        assert_eq!(ev("$round(1.2345, 2)"), json!(1.23));
        assert_eq!(
            ev("$abs(-2) + $floor(1.5) + $ceil(1.2) + $power(2, 3) + $sqrt(4)"),
            json!(15)
        );
        assert_eq!(ev("$not(0) and $boolean('x') and $exists(1)"), json!(true));
        assert_eq!(ev("$exists(nothing)"), json!(false));
        assert_eq!(ev("$formatBase(255, 16)"), json!("ff"));
        assert_eq!(ev("$formatBase(-5, 2)"), json!("-101"));
    }
}
