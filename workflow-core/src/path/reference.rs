//! Reference paths: the restricted paths ASL requires for `ResultPath`.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::Root;
use super::ast::Selector;
use super::error::PathError;
use super::parse::{error_at, parse_path};

/// A path that names exactly one place, so that it can be written to: `$` followed by
/// `.name`, `['name']` and `[n]` steps only.
///
/// ASL calls these reference paths. Wildcards, filters, slices, unions, `..`, negative
/// indices, functions, `$$` and variables are all rejected, because a write needs one
/// target.
#[derive(Debug, Clone)]
pub struct ReferencePath {
    text: String,
    steps: Vec<Step>,
}

/// One step of a [`ReferencePath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// `.name` or `['name']`.
    Field(String),
    /// `[n]`.
    Index(usize),
}

impl fmt::Display for Step {
    /// A field as its name, an index as `[n]`: the form AWS quotes in "Unable to apply step".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Field(name) => f.write_str(name),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl ReferencePath {
    /// Parses a reference path, reporting the first construct a reference path cannot hold.
    pub fn parse(text: &str) -> Result<ReferencePath, PathError> {
        let (root, query) = parse_path(text)?;
        let error = |at: usize, message: &str| error_at(text, at, message);
        match root {
            Root::Input => {}
            Root::Context => {
                return Err(error(
                    0,
                    "a reference path cannot use the context object (`$$`)",
                ));
            }
            Root::Variable(_) => {
                return Err(error(0, "a reference path cannot start with a variable"));
            }
        }
        if query.function.is_some() {
            let at = text.rfind(".length(").unwrap_or(0);
            return Err(error(at, "a reference path cannot call `length()`"));
        }
        let mut steps = Vec::with_capacity(query.segments.len());
        for segment in query.segments {
            if segment.descendant {
                return Err(error(segment.at, "a reference path cannot use `..`"));
            }
            let step = match segment.selector {
                Selector::Name(name) => Step::Field(name),
                Selector::Index(i) => match usize::try_from(i) {
                    Ok(i) => Step::Index(i),
                    Err(_) => {
                        return Err(error(
                            segment.at,
                            "a reference path cannot use a negative index",
                        ));
                    }
                },
                Selector::Names(_) | Selector::Indices(_) => {
                    return Err(error(segment.at, "a reference path cannot use a union"));
                }
                Selector::Slice { .. } => {
                    return Err(error(segment.at, "a reference path cannot use a slice"));
                }
                Selector::Wildcard => {
                    return Err(error(segment.at, "a reference path cannot use `*`"));
                }
                Selector::Filter(_) => {
                    return Err(error(segment.at, "a reference path cannot use a filter"));
                }
            };
            steps.push(step);
        }
        Ok(ReferencePath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The steps after `$`; empty for `$` itself.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The value this path names in `root`, if there is one.
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.steps
            .iter()
            .try_fold(root, |node, step| match (step, node) {
                (Step::Field(name), Value::Object(map)) => map.get(name),
                (Step::Index(i), Value::Array(items)) => items.get(*i),
                _ => None,
            })
    }
}

impl FromStr for ReferencePath {
    type Err = PathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ReferencePath::parse(text)
    }
}

impl fmt::Display for ReferencePath {
    /// The path as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Two reference paths are equal when they are written the same way.
impl PartialEq for ReferencePath {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for ReferencePath {}

impl std::hash::Hash for ReferencePath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error(text: &str) -> (usize, String) {
        let e = ReferencePath::parse(text).unwrap_err();
        (e.offset, e.message)
    }

    #[test]
    fn accepts_names_and_indices() {
        let path = ReferencePath::parse("$.a['b c'][2]").unwrap();
        assert_eq!(
            path.steps(),
            [
                Step::Field("a".into()),
                Step::Field("b c".into()),
                Step::Index(2)
            ]
        );
        assert_eq!(path.to_string(), "$.a['b c'][2]");
        assert!(ReferencePath::parse("$").unwrap().steps().is_empty());
        assert_eq!(
            "$.x".parse::<ReferencePath>().unwrap(),
            ReferencePath::parse("$.x").unwrap()
        );
    }

    #[test]
    fn rejects_what_cannot_be_written() {
        assert_eq!(
            error("$$.a"),
            (
                0,
                "a reference path cannot use the context object (`$$`)".into()
            )
        );
        assert_eq!(
            error("$v.a"),
            (0, "a reference path cannot start with a variable".into())
        );
        assert_eq!(
            error("$.a[*]"),
            (3, "a reference path cannot use `*`".into())
        );
        assert_eq!(
            error("$.a.*"),
            (3, "a reference path cannot use `*`".into())
        );
        assert_eq!(
            error("$..a"),
            (1, "a reference path cannot use `..`".into())
        );
        assert_eq!(
            error("$.a[-1]"),
            (3, "a reference path cannot use a negative index".into())
        );
        assert_eq!(
            error("$.a[0,1]"),
            (3, "a reference path cannot use a union".into())
        );
        assert_eq!(
            error("$['a','b']"),
            (1, "a reference path cannot use a union".into())
        );
        assert_eq!(
            error("$.a[1:]"),
            (3, "a reference path cannot use a slice".into())
        );
        assert_eq!(
            error("$.a[?(@.x)]"),
            (3, "a reference path cannot use a filter".into())
        );
        assert_eq!(
            error("$.a.length()"),
            (3, "a reference path cannot call `length()`".into())
        );
        assert_eq!(error("a"), (0, "path must start with `$`".into()));
    }

    #[test]
    fn gets_the_named_value() {
        let doc = json!({"a": [{"b": 1}]});
        assert_eq!(
            ReferencePath::parse("$.a[0].b").unwrap().get(&doc),
            Some(&json!(1))
        );
        assert_eq!(ReferencePath::parse("$").unwrap().get(&doc), Some(&doc));
        assert_eq!(ReferencePath::parse("$.a[1]").unwrap().get(&doc), None);
        assert_eq!(ReferencePath::parse("$.a.b").unwrap().get(&doc), None);
    }
}
