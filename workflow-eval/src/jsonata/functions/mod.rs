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
/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// `$string`
    String,
    /// `$length`
    Length,
    /// `$substring`
    Substring,
    /// `$substringBefore`
    SubstringBefore,
    /// `$substringAfter`
    SubstringAfter,
    /// `$uppercase`
    Uppercase,
    /// `$lowercase`
    Lowercase,
    /// `$trim`
    Trim,
    /// `$pad`
    Pad,
    /// `$contains`
    Contains,
    /// `$split`
    Split,
    /// `$join`
    Join,
    /// `$replace`
    Replace,
    /// `$match`
    Match,
    /// `$base64encode`
    Base64encode,
    /// `$base64decode`
    Base64decode,
    /// `$encodeUrlComponent`
    EncodeUrlComponent,
    /// `$decodeUrlComponent`
    DecodeUrlComponent,
    /// `$encodeUrl`
    EncodeUrl,
    /// `$decodeUrl`
    DecodeUrl,
    /// `$number`
    Number,
    /// `$abs`
    Abs,
    /// `$floor`
    Floor,
    /// `$ceil`
    Ceil,
    /// `$round`
    Round,
    /// `$power`
    Power,
    /// `$sqrt`
    Sqrt,
    /// `$sum`
    Sum,
    /// `$max`
    Max,
    /// `$min`
    Min,
    /// `$average`
    Average,
    /// `$boolean`
    Boolean,
    /// `$not`
    Not,
    /// `$exists`
    Exists,
    /// `$formatBase`
    FormatBase,
    /// `$count`
    Count,
    /// `$append`
    Append,
    /// `$sort`
    Sort,
    /// `$reverse`
    Reverse,
    /// `$shuffle`
    Shuffle,
    /// `$distinct`
    Distinct,
    /// `$zip`
    Zip,
    /// `$keys`
    Keys,
    /// `$lookup`
    Lookup,
    /// `$spread`
    Spread,
    /// `$merge`
    Merge,
    /// `$each`
    Each,
    /// `$sift`
    Sift,
    /// `$type`
    Type,
    /// `$error`
    Error,
    /// `$assert`
    Assert,
    /// `$map`
    Map,
    /// `$filter`
    Filter,
    /// `$reduce`
    Reduce,
    /// `$single`
    Single,
    /// `$now`
    Now,
    /// `$millis`
    Millis,
    /// `$toMillis`
    ToMillis,
    /// `$fromMillis`
    FromMillis,
    /// `$partition`
    Partition,
    /// `$range`
    Range,
    /// `$hash`
    Hash,
    /// `$random`
    Random,
    /// `$uuid`
    Uuid,
    /// `$parse`
    Parse,
}

/// Every built-in function: its name (without the `$`), its variant and its family.
const BUILTINS: &[(&str, Builtin, Family)] = &[
    // string
    ("string", Builtin::String, Family::String),
    ("length", Builtin::Length, Family::String),
    ("substring", Builtin::Substring, Family::String),
    ("substringBefore", Builtin::SubstringBefore, Family::String),
    ("substringAfter", Builtin::SubstringAfter, Family::String),
    ("uppercase", Builtin::Uppercase, Family::String),
    ("lowercase", Builtin::Lowercase, Family::String),
    ("trim", Builtin::Trim, Family::String),
    ("pad", Builtin::Pad, Family::String),
    ("contains", Builtin::Contains, Family::String),
    ("split", Builtin::Split, Family::String),
    ("join", Builtin::Join, Family::String),
    ("replace", Builtin::Replace, Family::String),
    ("match", Builtin::Match, Family::String),
    ("base64encode", Builtin::Base64encode, Family::String),
    ("base64decode", Builtin::Base64decode, Family::String),
    (
        "encodeUrlComponent",
        Builtin::EncodeUrlComponent,
        Family::String,
    ),
    (
        "decodeUrlComponent",
        Builtin::DecodeUrlComponent,
        Family::String,
    ),
    ("encodeUrl", Builtin::EncodeUrl, Family::String),
    ("decodeUrl", Builtin::DecodeUrl, Family::String),
    // numeric and boolean
    ("number", Builtin::Number, Family::Numeric),
    ("abs", Builtin::Abs, Family::Numeric),
    ("floor", Builtin::Floor, Family::Numeric),
    ("ceil", Builtin::Ceil, Family::Numeric),
    ("round", Builtin::Round, Family::Numeric),
    ("power", Builtin::Power, Family::Numeric),
    ("sqrt", Builtin::Sqrt, Family::Numeric),
    ("sum", Builtin::Sum, Family::Numeric),
    ("max", Builtin::Max, Family::Numeric),
    ("min", Builtin::Min, Family::Numeric),
    ("average", Builtin::Average, Family::Numeric),
    ("boolean", Builtin::Boolean, Family::Numeric),
    ("not", Builtin::Not, Family::Numeric),
    ("exists", Builtin::Exists, Family::Numeric),
    ("formatBase", Builtin::FormatBase, Family::Numeric),
    // array
    ("count", Builtin::Count, Family::Array),
    ("append", Builtin::Append, Family::Array),
    ("sort", Builtin::Sort, Family::Array),
    ("reverse", Builtin::Reverse, Family::Array),
    ("shuffle", Builtin::Shuffle, Family::Array),
    ("distinct", Builtin::Distinct, Family::Array),
    ("zip", Builtin::Zip, Family::Array),
    // object
    ("keys", Builtin::Keys, Family::Object),
    ("lookup", Builtin::Lookup, Family::Object),
    ("spread", Builtin::Spread, Family::Object),
    ("merge", Builtin::Merge, Family::Object),
    ("each", Builtin::Each, Family::Object),
    ("sift", Builtin::Sift, Family::Object),
    ("type", Builtin::Type, Family::Object),
    ("error", Builtin::Error, Family::Object),
    ("assert", Builtin::Assert, Family::Object),
    // higher-order
    ("map", Builtin::Map, Family::HigherOrder),
    ("filter", Builtin::Filter, Family::HigherOrder),
    ("reduce", Builtin::Reduce, Family::HigherOrder),
    ("single", Builtin::Single, Family::HigherOrder),
    // date and time
    ("now", Builtin::Now, Family::Time),
    ("millis", Builtin::Millis, Family::Time),
    ("toMillis", Builtin::ToMillis, Family::Time),
    ("fromMillis", Builtin::FromMillis, Family::Time),
    // AWS Step Functions (`$random` takes an optional seed)
    ("partition", Builtin::Partition, Family::Aws),
    ("range", Builtin::Range, Family::Aws),
    ("hash", Builtin::Hash, Family::Aws),
    ("random", Builtin::Random, Family::Aws),
    ("uuid", Builtin::Uuid, Family::Aws),
    ("parse", Builtin::Parse, Family::Aws),
];

impl Builtin {
    /// The built-in named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Builtin> {
        BUILTINS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, b, _)| *b)
    }

    /// Its name, without the `$`.
    pub fn name(self) -> &'static str {
        BUILTINS
            .iter()
            .find(|(_, b, _)| *b == self)
            .map_or("", |(n, _, _)| n)
    }

    fn family(self) -> Family {
        BUILTINS
            .iter()
            .find(|(_, b, _)| *b == self)
            .map_or(Family::Aws, |(_, _, f)| *f)
    }
}

/// Calls a built-in.
pub(crate) fn call(
    ev: &Evaluator<'_>,
    builtin: Builtin,
    args: Vec<Val>,
    ctx: &Value,
) -> Result<Val, Error> {
    let args = Args { builtin, args };
    match builtin.family() {
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
pub(crate) struct Args {
    pub builtin: Builtin,
    pub args: Vec<Val>,
}

impl Args {
    /// The function's name, as messages quote it.
    pub fn name(&self) -> &'static str {
        self.builtin.name()
    }

    pub fn len(&self) -> usize {
        self.args.len()
    }

    pub fn get(&self, i: usize) -> &Val {
        self.args.get(i).unwrap_or(&Val::Undefined)
    }

    pub fn mismatch(&self, i: usize) -> Error {
        Error::new(
            "T0410",
            format!(
                "Argument {} of function \"{}\" does not match function signature",
                i + 1,
                self.name()
            ),
        )
    }

    /// Argument `i` as JSON, `None` when undefined.
    pub fn json(&self, i: usize) -> Result<Option<Value>, Error> {
        match self.get(i) {
            Val::Function(_) | Val::Regex(_) => Err(self.mismatch(i)),
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
            Val::Function(_) | Val::Regex(_) => Err(self.mismatch(i)),
            v if v.is_undef() => Ok(None),
            v => Ok(Some(v.items())),
        }
    }

    pub fn function(&self, i: usize) -> Result<Option<&Func>, Error> {
        match self.get(i) {
            Val::Function(f) => Ok(Some(f)),
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
    Val::Json(v)
}

/// A result that may be undefined.
pub(crate) fn opt(v: Option<Value>) -> Val {
    v.map_or(Val::Undefined, Val::Json)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{BUILTINS, Builtin};
    use crate::jsonata::evaluate;

    #[test]
    fn every_builtin_is_callable_and_unknown_names_are_not() {
        for (name, builtin, _) in BUILTINS {
            assert_eq!(Builtin::from_name(name), Some(*builtin));
            assert_eq!(builtin.name(), *name);
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
