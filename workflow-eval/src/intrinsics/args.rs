//! Typed access to evaluated arguments, with the failure messages they share.

use std::fmt;

use serde_json::{Map, Number, Value};

use super::{Function, IntrinsicError};

/// The evaluated arguments of one call.
pub(crate) struct Args {
    function: Function,
    values: Vec<Value>,
}

impl Args {
    pub fn new(function: Function, values: Vec<Value>) -> Self {
        Args { function, values }
    }

    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// A failure of this call: `States.X: <problem>`.
    pub fn fail(&self, problem: impl fmt::Display) -> IntrinsicError {
        IntrinsicError::new(format!("{}: {problem}", self.function.name()))
    }

    /// Argument `i` (from 0), whatever its type.
    pub fn value(&self, i: usize) -> Result<&Value, IntrinsicError> {
        // Arity is checked before evaluation; this guards hand-built calls all the same.
        self.values
            .get(i)
            .ok_or_else(|| self.fail(format!("argument {} is missing", i + 1)))
    }

    pub fn string(&self, i: usize, what: &str) -> Result<&str, IntrinsicError> {
        match self.value(i)? {
            Value::String(s) => Ok(s),
            other => Err(self.wrong_type(what, "a string", other)),
        }
    }

    pub fn array(&self, i: usize, what: &str) -> Result<&[Value], IntrinsicError> {
        match self.value(i)? {
            Value::Array(items) => Ok(items),
            other => Err(self.wrong_type(what, "an array", other)),
        }
    }

    pub fn object(&self, i: usize, what: &str) -> Result<&Map<String, Value>, IntrinsicError> {
        match self.value(i)? {
            Value::Object(map) => Ok(map),
            other => Err(self.wrong_type(what, "a JSON object", other)),
        }
    }

    pub fn boolean(&self, i: usize, what: &str) -> Result<bool, IntrinsicError> {
        match self.value(i)? {
            Value::Bool(b) => Ok(*b),
            other => Err(self.wrong_type(what, "a boolean", other)),
        }
    }

    /// An integer argument; a number with a fractional part is refused.
    pub fn integer(&self, i: usize, what: &str) -> Result<i64, IntrinsicError> {
        let value = self.value(i)?;
        let Value::Number(n) = value else {
            return Err(self.wrong_type(what, "an integer", value));
        };
        match integral(n) {
            Some(n) => Ok(n),
            None => Err(self.wrong_type(what, "an integer", value)),
        }
    }

    /// A number rounded to the nearest integer the way Java's `Math.round` does (halves go
    /// up: 2.5 is 3, -2.5 is -2), which AWS documents for `MathAdd` and `MathRandom` and
    /// the conformance cases confirm.
    pub fn rounded(&self, i: usize, what: &str) -> Result<i64, IntrinsicError> {
        let value = self.value(i)?;
        let Value::Number(n) = value else {
            return Err(self.wrong_type(what, "a number", value));
        };
        if let Some(n) = n.as_i64() {
            return Ok(n);
        }
        n.as_f64()
            .and_then(java_round)
            .ok_or_else(|| self.fail(format!("{what} {} is out of range", show(value))))
    }

    pub fn wrong_type(&self, what: &str, expected: &str, found: &Value) -> IntrinsicError {
        self.fail(format!(
            "{what} must be {expected}, but was {}",
            show(found)
        ))
    }
}

/// The value of an integral JSON number, if it fits in an `i64`.
fn integral(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0).then(|| java_round(f)).flatten()
}

/// `Math.round`: the nearest integer, halves towards positive infinity.
fn java_round(f: f64) -> Option<i64> {
    let mut r = f.round();
    if f < 0.0 && f - f.trunc() == -0.5 {
        // `f64::round` sends -2.5 away from zero, to -3; Java sends it up, to -2.
        r += 1.0;
    }
    // Outside this range (which also excludes NaN) the cast would saturate, not fail.
    (-9.223_372_036_854_776e18..9.223_372_036_854_776e18)
        .contains(&r)
        .then_some(r as i64)
}

/// A value as it appears in a failure message: JSON text, cut short when long.
pub(crate) fn show(value: &Value) -> String {
    const LIMIT: usize = 100;
    let text = value.to_string();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rounds_like_java() {
        let cases = [
            (2.5, 3),
            (-2.5, -2),
            (-1.5, -1),
            (-1.51, -2),
            (-0.5, 0),
            (0.49999999999999994, 0),
            (1.49, 1),
        ];
        for (f, expected) in cases {
            assert_eq!(java_round(f), Some(expected), "{f}");
        }
        assert_eq!(java_round(1e300), None);
        assert_eq!(java_round(f64::NAN), None);
    }

    #[test]
    fn explains_wrong_arguments() {
        let args = Args::new(
            Function::ArrayPartition,
            vec![json!("x"), json!(1.5), json!(2.0)],
        );
        assert_eq!(
            args.integer(0, "the chunk size").unwrap_err().message,
            "States.ArrayPartition: the chunk size must be an integer, but was \"x\""
        );
        assert!(args.integer(1, "n").is_err());
        assert_eq!(args.integer(2, "n").unwrap(), 2);
        assert_eq!(args.rounded(1, "n").unwrap(), 2);
        assert_eq!(
            args.value(3).unwrap_err().message,
            "States.ArrayPartition: argument 4 is missing"
        );
        assert_eq!(show(&json!("a".repeat(200))).len(), 103);
    }
}
