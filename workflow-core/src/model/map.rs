use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{Catcher, Common, IntOrExpr, Nullable, Retrier, StateMachine, Transition};

/// `"Type": "Map"`: runs the item processor once per item of an array.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Map {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `ItemProcessor`, or the legacy `Iterator`.
    #[serde(flatten)]
    pub item_processor: ItemProcessor,
    /// `ItemsPath` (JSONPath).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_path: Option<String>,
    /// `Items` (JSONata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Value>,
    /// `ItemReader`, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_reader: Option<Value>,
    /// `ItemSelector`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_selector: Option<Value>,
    /// `Parameters` (the legacy name of `ItemSelector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// `ItemBatcher`, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_batcher: Option<Value>,
    /// `ResultWriter`, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_writer: Option<Value>,
    /// `MaxConcurrency`: 0 (the default) means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<IntOrExpr>,
    /// `MaxConcurrencyPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency_path: Option<String>,
    /// `ToleratedFailurePercentage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<Value>,
    /// `ToleratedFailurePercentagePath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage_path: Option<String>,
    /// `ToleratedFailureCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count: Option<IntOrExpr>,
    /// `ToleratedFailureCountPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count_path: Option<String>,
    /// `Label` (distributed maps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `ResultSelector`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<Nullable<String>>,
    /// `Retry`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    /// `Catch`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
}

/// A Map state's item processor, rendered under the name it was written with.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemProcessor {
    /// The state machine run for each item.
    pub machine: StateMachine,
    /// Whether it was written as the legacy `Iterator` rather than `ItemProcessor`.
    pub legacy_iterator: bool,
}

impl Serialize for ItemProcessor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let key = if self.legacy_iterator {
            "Iterator"
        } else {
            "ItemProcessor"
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(key, &self.machine)?;
        map.end()
    }
}
