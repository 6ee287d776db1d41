use serde::{Serialize, Serializer};
use serde_json::Value;

/// `QueryLanguage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueryLanguage {
    /// `"JSONPath"`, the default.
    #[serde(rename = "JSONPath")]
    JsonPath,
    /// `"JSONata"`.
    #[serde(rename = "JSONata")]
    Jsonata,
}

/// A field that may be a value or an explicit `null` (`"InputPath": null` discards the input).
#[derive(Debug, Clone, PartialEq)]
pub enum Nullable<T> {
    /// The field is `null`.
    Null,
    /// The field has a value.
    Value(T),
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => s.serialize_none(),
            Nullable::Value(v) => v.serialize(s),
        }
    }
}

/// A whole number, or (in JSONata states) a `{% expression %}` that evaluates to one.
#[derive(Debug, Clone, PartialEq)]
pub enum IntOrExpr {
    /// A literal number.
    Int(u64),
    /// A JSONata expression, with its `{% %}` delimiters.
    Expr(String),
}

impl Serialize for IntOrExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrExpr::Int(n) => s.serialize_u64(*n),
            IntOrExpr::Expr(e) => s.serialize_str(e),
        }
    }
}

/// The fields most states share. Each state type uses the subset ASL allows for it; the
/// parser rejects the others.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Common {
    /// `Comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `QueryLanguage`, overriding the state machine's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_language: Option<QueryLanguage>,
    /// `InputPath` (JSONPath): selects part of the state input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<Nullable<String>>,
    /// `OutputPath` (JSONPath): selects part of the state output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<Nullable<String>>,
    /// `Output` (JSONata): the state output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// `Assign`: variables to set when the state exits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign: Option<Value>,
    /// A `Next` written on a state that cannot have one (Succeed, Fail, Choice): reported
    /// as an unknown field and never followed, but the state it names is not also
    /// reported as unreachable. Not part of the document.
    #[serde(skip)]
    pub misplaced_next: Option<String>,
}

/// `Next` or `End`.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// `"Next": name`.
    Next(std::sync::Arc<str>),
    /// `"End": true`.
    End,
}

impl Serialize for Transition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Transition::Next(next) => map.serialize_entry("Next", next)?,
            Transition::End => map.serialize_entry("End", &true)?,
        }
        map.end()
    }
}
