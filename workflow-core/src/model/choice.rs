use serde::{Serialize, Serializer};
use serde_json::Value;

use super::Common;

/// `"Type": "Choice"`: goes to the `Next` of the first rule that matches, else `Default`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `Choices`, tried in order.
    pub choices: Vec<ChoiceRule>,
    /// `Default`: where to go when no rule matches. Without it, no match fails the
    /// execution with `States.NoChoiceMatched`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<std::sync::Arc<str>>,
}

/// One top-level entry of `Choices`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// `Comment`.
    pub comment: Option<String>,
    /// The test: a comparison, `And`/`Or`/`Not`, or a JSONata `Condition`.
    pub condition: Condition,
    /// `Assign`.
    pub assign: Option<Value>,
    /// `Output` (JSONata).
    pub output: Option<Value>,
    /// `Next`.
    pub next: std::sync::Arc<str>,
}

impl Serialize for ChoiceRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        if let Some(comment) = &self.comment {
            map.serialize_entry("Comment", comment)?;
        }
        self.condition.serialize_entries(&mut map)?;
        if let Some(assign) = &self.assign {
            map.serialize_entry("Assign", assign)?;
        }
        if let Some(output) = &self.output {
            map.serialize_entry("Output", output)?;
        }
        map.serialize_entry("Next", &self.next)?;
        map.end()
    }
}

/// A Boolean expression of a choice rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `And`: all must match.
    And(Vec<Condition>),
    /// `Or`: one must match.
    Or(Vec<Condition>),
    /// `Not`.
    Not(Box<Condition>),
    /// `Variable` with one comparison operator.
    Comparison(Comparison),
    /// `Condition` (JSONata): a `{% expression %}` that evaluates to a Boolean.
    Jsonata(Value),
}

impl Condition {
    fn serialize_entries<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Condition::And(all) => map.serialize_entry("And", all),
            Condition::Or(any) => map.serialize_entry("Or", any),
            Condition::Not(inner) => map.serialize_entry("Not", inner),
            Condition::Comparison(c) => {
                map.serialize_entry("Variable", &c.variable)?;
                map.serialize_entry(&c.operator.name(), &c.operand)
            }
            Condition::Jsonata(expr) => map.serialize_entry("Condition", expr),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        self.serialize_entries(&mut map)?;
        map.end()
    }
}

/// `Variable` compared by one operator, such as `"NumericEquals": 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `Variable`: a path into the state input.
    pub variable: String,
    /// The operator, such as `NumericEqualsPath`.
    pub operator: ComparisonOperator,
    /// The operator's value: a literal, or for `*Path` operators a path.
    pub operand: Value,
}

/// A comparison operator: a test and whether its operand is a path (`NumericEqualsPath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComparisonOperator {
    /// What is tested.
    pub test: Test,
    /// Whether the operand is a path to the value to compare with.
    pub path: bool,
}

/// What a comparison operator tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Test {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

/// What a literal operand must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// A string.
    String,
    /// A string with `*` wildcards (`StringMatches`).
    Pattern,
    /// A number.
    Number,
    /// A Boolean.
    Boolean,
    /// An RFC 3339 timestamp string.
    Timestamp,
}

const TESTS: &[(Test, &str, Operand, bool)] = &[
    // (test, name, literal operand, has a `*Path` form)
    (Test::StringEquals, "StringEquals", Operand::String, true),
    (
        Test::StringLessThan,
        "StringLessThan",
        Operand::String,
        true,
    ),
    (
        Test::StringGreaterThan,
        "StringGreaterThan",
        Operand::String,
        true,
    ),
    (
        Test::StringLessThanEquals,
        "StringLessThanEquals",
        Operand::String,
        true,
    ),
    (
        Test::StringGreaterThanEquals,
        "StringGreaterThanEquals",
        Operand::String,
        true,
    ),
    (
        Test::StringMatches,
        "StringMatches",
        Operand::Pattern,
        false,
    ),
    (Test::NumericEquals, "NumericEquals", Operand::Number, true),
    (
        Test::NumericLessThan,
        "NumericLessThan",
        Operand::Number,
        true,
    ),
    (
        Test::NumericGreaterThan,
        "NumericGreaterThan",
        Operand::Number,
        true,
    ),
    (
        Test::NumericLessThanEquals,
        "NumericLessThanEquals",
        Operand::Number,
        true,
    ),
    (
        Test::NumericGreaterThanEquals,
        "NumericGreaterThanEquals",
        Operand::Number,
        true,
    ),
    (Test::BooleanEquals, "BooleanEquals", Operand::Boolean, true),
    (
        Test::TimestampEquals,
        "TimestampEquals",
        Operand::Timestamp,
        true,
    ),
    (
        Test::TimestampLessThan,
        "TimestampLessThan",
        Operand::Timestamp,
        true,
    ),
    (
        Test::TimestampGreaterThan,
        "TimestampGreaterThan",
        Operand::Timestamp,
        true,
    ),
    (
        Test::TimestampLessThanEquals,
        "TimestampLessThanEquals",
        Operand::Timestamp,
        true,
    ),
    (
        Test::TimestampGreaterThanEquals,
        "TimestampGreaterThanEquals",
        Operand::Timestamp,
        true,
    ),
    (Test::IsNull, "IsNull", Operand::Boolean, false),
    (Test::IsPresent, "IsPresent", Operand::Boolean, false),
    (Test::IsNumeric, "IsNumeric", Operand::Boolean, false),
    (Test::IsString, "IsString", Operand::Boolean, false),
    (Test::IsBoolean, "IsBoolean", Operand::Boolean, false),
    (Test::IsTimestamp, "IsTimestamp", Operand::Boolean, false),
];

impl ComparisonOperator {
    /// The operator named `name` (`NumericEqualsPath`), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        let (base, path) = match name.strip_suffix("Path") {
            Some(base) => (base, true),
            None => (name, false),
        };
        TESTS
            .iter()
            .find(|(_, n, _, has_path)| *n == base && (!path || *has_path))
            .map(|(test, ..)| ComparisonOperator { test: *test, path })
    }

    /// Every operator name, for suggestions. Made once: every choice rule a definition
    /// holds checks its fields against them.
    pub fn names() -> impl Iterator<Item = &'static str> {
        static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
            TESTS
                .iter()
                .flat_map(|(_, name, _, has_path)| {
                    let mut names = vec![(*name).to_owned()];
                    if *has_path {
                        names.push(format!("{name}Path"));
                    }
                    names
                })
                .collect()
        });
        NAMES.iter().map(String::as_str)
    }

    /// The operator's ASL name.
    pub fn name(&self) -> String {
        let base = self.test.name();
        if self.path {
            format!("{base}Path")
        } else {
            base.to_owned()
        }
    }

    /// What a literal operand must be (for `*Path` operators the operand is a path instead).
    pub fn operand(&self) -> Operand {
        TESTS
            .iter()
            .find(|(t, ..)| *t == self.test)
            .map(|e| e.2)
            .unwrap_or(Operand::String)
    }
}

impl Test {
    /// The test's ASL name, without `Path`.
    pub fn name(self) -> &'static str {
        TESTS
            .iter()
            .find(|(t, ..)| *t == self)
            .map(|e| e.1)
            .unwrap_or("")
    }
}
