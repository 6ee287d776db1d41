//! The function library: JSONata's built-ins, one file per family, and AWS's additions.

pub(crate) mod array;
pub(crate) mod aws;
pub(crate) mod higher_order;
pub(crate) mod numeric;
pub(crate) mod object;
pub(crate) mod regex;
pub(crate) mod string;
pub(crate) mod time;

use serde_json::Value;

use super::Error;
use super::eval::{Evaluator, Func, Val};

/// The file a built-in lives in.
#[derive(Clone, Copy)]
enum Family {
    String,
    Numeric,
    Array,
    Object,
    HigherOrder,
    Time,
    Aws,
}

/// Every built-in function, by name (without the `$`), with its family.
const BUILTINS: &[(&str, Family)] = &[
    // string
    ("string", Family::String),
    ("length", Family::String),
    ("substring", Family::String),
    ("substringBefore", Family::String),
    ("substringAfter", Family::String),
    ("uppercase", Family::String),
    ("lowercase", Family::String),
    ("trim", Family::String),
    ("pad", Family::String),
    ("contains", Family::String),
    ("split", Family::String),
    ("join", Family::String),
    ("replace", Family::String),
    ("match", Family::String),
    ("base64encode", Family::String),
    ("base64decode", Family::String),
    ("encodeUrlComponent", Family::String),
    ("decodeUrlComponent", Family::String),
    ("encodeUrl", Family::String),
    ("decodeUrl", Family::String),
    // numeric and boolean
    ("number", Family::Numeric),
    ("abs", Family::Numeric),
    ("floor", Family::Numeric),
    ("ceil", Family::Numeric),
    ("round", Family::Numeric),
    ("power", Family::Numeric),
    ("sqrt", Family::Numeric),
    ("sum", Family::Numeric),
    ("max", Family::Numeric),
    ("min", Family::Numeric),
    ("average", Family::Numeric),
    ("boolean", Family::Numeric),
    ("not", Family::Numeric),
    ("exists", Family::Numeric),
    ("formatBase", Family::Numeric),
    // array
    ("count", Family::Array),
    ("append", Family::Array),
    ("sort", Family::Array),
    ("reverse", Family::Array),
    ("shuffle", Family::Array),
    ("distinct", Family::Array),
    ("zip", Family::Array),
    // object
    ("keys", Family::Object),
    ("lookup", Family::Object),
    ("spread", Family::Object),
    ("merge", Family::Object),
    ("each", Family::Object),
    ("sift", Family::Object),
    ("type", Family::Object),
    ("error", Family::Object),
    ("assert", Family::Object),
    // higher-order
    ("map", Family::HigherOrder),
    ("filter", Family::HigherOrder),
    ("reduce", Family::HigherOrder),
    ("single", Family::HigherOrder),
    // date and time
    ("now", Family::Time),
    ("millis", Family::Time),
    ("toMillis", Family::Time),
    ("fromMillis", Family::Time),
    // AWS Step Functions (`$random` takes an optional seed)
    ("partition", Family::Aws),
    ("range", Family::Aws),
    ("hash", Family::Aws),
    ("random", Family::Aws),
    ("uuid", Family::Aws),
    ("parse", Family::Aws),
];

/// The built-in named `name`, if there is one.
pub(crate) fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(b, _)| *b == name).map(|(b, _)| *b)
}

/// Calls the built-in `name`.
pub(crate) fn call(
    ev: &Evaluator<'_>,
    name: &str,
    args: Vec<Val>,
    ctx: &Value,
) -> Result<Val, Error> {
    let Some((_, family)) = BUILTINS.iter().find(|(b, _)| *b == name) else {
        return Err(Error::new("T1006", "Attempted to invoke a non-function"));
    };
    let args = Args { name, args };
    match family {
        Family::String => string::call(ev, args, ctx),
        Family::Numeric => numeric::call(args, ctx),
        Family::Array => array::call(ev, args, ctx),
        Family::Object => object::call(ev, args, ctx),
        Family::HigherOrder => higher_order::call(ev, args, ctx),
        Family::Time => time::call(ev, args),
        Family::Aws => aws::call(ev, args),
    }
}

/// A call's arguments, with the checks every function makes.
pub(crate) struct Args<'n> {
    pub name: &'n str,
    pub args: Vec<Val>,
}

impl Args<'_> {
    pub fn len(&self) -> usize {
        self.args.len()
    }

    pub fn get(&self, i: usize) -> &Val {
        self.args.get(i).unwrap_or(&Val::Undef)
    }

    pub fn mismatch(&self, i: usize) -> Error {
        Error::new(
            "T0410",
            format!(
                "Argument {} of function \"{}\" does not match function signature",
                i + 1,
                self.name
            ),
        )
    }

    /// Argument `i` as JSON, `None` when undefined.
    pub fn json(&self, i: usize) -> Result<Option<Value>, Error> {
        match self.get(i) {
            Val::F(_) | Val::Re(_) => Err(self.mismatch(i)),
            other => Ok(other.as_json()),
        }
    }

    pub fn string(&self, i: usize) -> Result<Option<String>, Error> {
        match self.json(i)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.mismatch(i)),
        }
    }

    pub fn number(&self, i: usize) -> Result<Option<f64>, Error> {
        match self.json(i)? {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(self.mismatch(i)),
        }
    }

    pub fn boolean(&self, i: usize) -> Result<Option<bool>, Error> {
        match self.json(i)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(self.mismatch(i)),
        }
    }

    /// Argument `i` as an array: a single value is an array of one.
    pub fn array(&self, i: usize) -> Result<Option<Vec<Value>>, Error> {
        match self.get(i) {
            Val::F(_) | Val::Re(_) => Err(self.mismatch(i)),
            v if v.is_undef() => Ok(None),
            v => Ok(Some(v.items())),
        }
    }

    pub fn function(&self, i: usize) -> Result<Option<&Func>, Error> {
        match self.get(i) {
            Val::F(f) => Ok(Some(f)),
            v if v.is_undef() => Ok(None),
            _ => Err(self.mismatch(i)),
        }
    }

    /// The number of parameters a function argument declares (lambdas), for `$map` and
    /// friends, which pass only as many arguments as the function takes.
    pub fn arity(f: &Func) -> usize {
        match f {
            Func::Lambda { def, .. } => def.params.len(),
            Func::Builtin(_) => 1,
            Func::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
        }
    }
}

/// Wraps JSON into a result.
pub(crate) fn json(v: Value) -> Val {
    Val::J(v)
}

/// A result that may be undefined.
pub(crate) fn opt(v: Option<Value>) -> Val {
    v.map_or(Val::Undef, Val::J)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::BUILTINS;
    use crate::jsonata::evaluate;

    #[test]
    fn every_builtin_is_callable_and_unknown_names_are_not() {
        for (name, _) in BUILTINS {
            // Wrong arguments may fail, but never as "not a function".
            if let Err(e) = evaluate(&format!("${name}()"), &json!(null)) {
                assert_ne!(e.code, "T1006", "${name}");
            }
        }
        assert_eq!(
            evaluate("$eval('1')", &json!(null)).unwrap_err().code,
            "T1006"
        );
    }
}
