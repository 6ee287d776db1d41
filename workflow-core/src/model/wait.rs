use serde::{Serialize, Serializer};

use super::{Common, Transition};

/// What a Wait state waits for: exactly one of the four fields.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    /// `Seconds`: a number, or a JSONata expression.
    Seconds(super::IntOrExpr),
    /// `Timestamp`: an RFC 3339 timestamp, or a JSONata expression.
    Timestamp(String),
    /// `SecondsPath`.
    SecondsPath(String),
    /// `TimestampPath`.
    TimestampPath(String),
}

impl Serialize for WaitFor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        match self {
            WaitFor::Seconds(n) => map.serialize_entry("Seconds", n)?,
            WaitFor::Timestamp(t) => map.serialize_entry("Timestamp", t)?,
            WaitFor::SecondsPath(p) => map.serialize_entry("SecondsPath", p)?,
            WaitFor::TimestampPath(p) => map.serialize_entry("TimestampPath", p)?,
        }
        map.end()
    }
}

/// `"Type": "Wait"`: delays for a time or until a timestamp.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Wait {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `Seconds`, `Timestamp`, `SecondsPath` or `TimestampPath`.
    #[serde(flatten)]
    pub wait_for: WaitFor,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
}
