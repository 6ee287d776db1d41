//! Date and time functions: `$now`, `$millis`, `$toMillis`, `$fromMillis`, in ISO 8601 only
//! (the XPath picture-string forms are not supported and fail with an error).

use serde_json::Value;

use super::{Args, Builtin, json};
use crate::jsonata::Error;
use crate::jsonata::eval::{Evaluator, Val};
use workflow_core::timestamp::Timestamp;

fn no_pictures(args: &Args, from: usize) -> Result<(), Error> {
    if (from..args.len()).any(|i| !args.get(i).is_undef()) {
        return Err(Error::new(
            "D3133",
            format!(
                "Picture strings and timezones in ${} are not supported by this runtime",
                args.name()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn call(ev: &Evaluator<'_>, args: Args) -> Result<Val, Error> {
    Ok(match args.builtin {
        Builtin::Now => {
            no_pictures(&args, 0)?;
            json(Value::String(
                Timestamp::from_unix_millis(ev.now_millis).to_string(),
            ))
        }
        Builtin::Millis => json(Value::from(ev.now_millis)),
        Builtin::ToMillis => {
            let Some(text) = args.string(0)? else {
                return Ok(Val::Undefined);
            };
            no_pictures(&args, 1)?;
            match Timestamp::parse(&text) {
                Some(t) => json(Value::from(t.unix_millis())),
                None => {
                    return Err(Error::new(
                        "D3110",
                        format!("Unable to parse timestamp: {text}"),
                    ));
                }
            }
        }
        _ => {
            // fromMillis
            let Some(millis) = args.number(0)? else {
                return Ok(Val::Undefined);
            };
            no_pictures(&args, 1)?;
            json(Value::String(
                Timestamp::from_unix_millis(millis.floor() as i64).to_string(),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::jsonata::{Evaluate, Evaluated, Expression};

    fn at(text: &str, now: i64) -> serde_json::Value {
        match Expression::parse(text)
            .unwrap()
            .evaluate_at(&json!(null), &|_| None, now)
        {
            Ok(Evaluated::Value(v)) => v,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn times() {
        let now = 1_457_920_740_000;
        assert_eq!(at("$now()", now), json!("2016-03-14T01:59:00.000Z"));
        assert_eq!(at("$millis()", now), json!(now));
        assert_eq!(at("$toMillis('2016-03-14T01:59:00Z')", 0), json!(now));
        assert_eq!(
            at("$fromMillis(1457920740000)", 0),
            json!("2016-03-14T01:59:00.000Z")
        );
        assert!(
            Expression::parse("$toMillis('nope')")
                .unwrap()
                .evaluate_at(&json!(null), &|_| None, 0)
                .is_err()
        );
    }
}
