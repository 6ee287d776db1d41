//! Writing through a [`ReferencePath`], as `ResultPath` does.

use serde_json::{Map, Value};

use super::error::WriteError;
use super::reference::{ReferencePath, Step};
use super::select::type_name;

impl ReferencePath {
    /// Puts `value` at this path inside `target` and returns the result, with AWS's
    /// `ResultPath` semantics:
    /// - `$` replaces the whole document with `value`;
    /// - a missing field on the way is created as an empty object, and the last field is
    ///   created or overwritten;
    /// - a field step into anything but an object is an error (the document, or a value on
    ///   the way, is a string, a number, an array, `null`...);
    /// - an index step needs an array that already has that index.
    pub fn write(&self, mut target: Value, value: Value) -> Result<Value, WriteError> {
        let Some((last, parents)) = self.steps().split_last() else {
            return Ok(value);
        };
        let mut slot = &mut target;
        for (depth, step) in parents.iter().enumerate() {
            slot = match (step, slot) {
                (Step::Field(name), Value::Object(map)) => map
                    .entry(name.clone())
                    .or_insert_with(|| Value::Object(Map::new())),
                (Step::Index(i), Value::Array(items)) => {
                    if *i >= items.len() {
                        return Err(self.error(depth, &Value::Array(Vec::new()), items.len()));
                    }
                    &mut items[*i]
                }
                (_, other) => return Err(self.error(depth, other, 0)),
            };
        }
        match (last, slot) {
            (Step::Field(name), Value::Object(map)) => {
                map.insert(name.clone(), value);
            }
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(item) => *item = value,
                None => {
                    return Err(self.error(parents.len(), &Value::Array(Vec::new()), items.len()));
                }
            },
            (_, other) => return Err(self.error(parents.len(), other, 0)),
        }
        Ok(target)
    }

    /// The error [`ReferencePath::write`] would return for `target`, found without changing
    /// it (so that the error can show the target as it was, which `write` consumes).
    pub fn check_write(&self, target: &Value) -> Result<(), WriteError> {
        let Some((last, parents)) = self.steps().split_last() else {
            return Ok(());
        };
        // A missing field on the way would be created as an empty object.
        let created = Value::Object(Map::new());
        let mut slot = target;
        for (depth, step) in parents.iter().enumerate() {
            slot = match (step, slot) {
                (Step::Field(name), Value::Object(map)) => map.get(name).unwrap_or(&created),
                (Step::Index(i), Value::Array(items)) => items
                    .get(*i)
                    .ok_or_else(|| self.error(depth, &Value::Array(Vec::new()), items.len()))?,
                (_, other) => return Err(self.error(depth, other, 0)),
            };
        }
        match (last, slot) {
            (Step::Field(_), Value::Object(_)) => Ok(()),
            (Step::Index(i), Value::Array(items)) if *i < items.len() => Ok(()),
            (Step::Index(_), Value::Array(items)) => {
                Err(self.error(parents.len(), &Value::Array(Vec::new()), items.len()))
            }
            (_, other) => Err(self.error(parents.len(), other, 0)),
        }
    }

    /// Step `depth` cannot be applied to `found` (an array of `len` items, for an index).
    fn error(&self, depth: usize, found: &Value, len: usize) -> WriteError {
        let steps = self.steps();
        let step = &steps[depth];
        let at = render(&steps[..depth]);
        let reason = match (step, found) {
            (Step::Index(i), Value::Array(_)) => {
                format!("index {i} is out of bounds of the array at `{at}`, which has {len} items")
            }
            (Step::Index(_), other) => format!(
                "the value at `{at}` is {}, not an array",
                a(type_name(other))
            ),
            (Step::Field(_), other) => format!(
                "the value at `{at}` is {}, not an object",
                a(type_name(other))
            ),
        };
        WriteError {
            path: self.to_string(),
            step: step.to_string(),
            reason,
        }
    }
}

/// The prefix of a reference path, written back as a path.
fn render(steps: &[Step]) -> String {
    let mut out = String::from("$");
    for step in steps {
        match step {
            Step::Field(name) if is_plain(name) => out.push_str(&format!(".{name}")),
            Step::Field(name) => out.push_str(&format!(
                "['{}']",
                name.replace('\\', "\\\\").replace('\'', "\\'")
            )),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn a(type_name: &str) -> String {
    match type_name {
        "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_owned(),
        _ => format!("a {type_name}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Writes, and checks that `check_write` foresaw the outcome.
    fn write(path: &str, target: Value, value: Value) -> Result<Value, WriteError> {
        let path = ReferencePath::parse(path).unwrap();
        let foreseen = path.check_write(&target);
        let written = path.write(target, value);
        assert_eq!(
            format!("{:?}", foreseen.err()),
            format!("{:?}", written.as_ref().err()),
            "check_write disagrees with write"
        );
        written
    }

    #[test]
    fn root_replaces_the_document() {
        assert_eq!(write("$", json!({"a": 1}), json!("x")).unwrap(), json!("x"));
        assert_eq!(write("$", json!("input"), json!([1])).unwrap(), json!([1]));
    }

    #[test]
    fn creates_missing_objects_and_keeps_the_rest() {
        let out = write("$.a.b.c", json!({"keep": 1}), json!(2)).unwrap();
        assert_eq!(out, json!({"keep": 1, "a": {"b": {"c": 2}}}));
        let out = write("$.keep", json!({"keep": 1, "z": 0}), json!({"new": true})).unwrap();
        assert_eq!(out.to_string(), r#"{"keep":{"new":true},"z":0}"#);
    }

    #[test]
    fn writes_into_existing_array_items() {
        let out = write("$.list[1].v", json!({"list": [{}, {"v": 0}]}), json!(9)).unwrap();
        assert_eq!(out, json!({"list": [{}, {"v": 9}]}));
        assert_eq!(
            write("$[0]", json!([1, 2]), json!(0)).unwrap(),
            json!([0, 2])
        );
    }

    #[test]
    fn refuses_to_write_into_scalars_and_missing_items() {
        let e = write("$.a", json!("text"), json!(1)).unwrap_err();
        assert_eq!(
            (e.step.as_str(), e.reason.as_str()),
            ("a", "the value at `$` is a string, not an object")
        );
        let e = write("$.a.b", json!({"a": 5}), json!(1)).unwrap_err();
        assert_eq!(e.reason, "the value at `$.a` is a number, not an object");
        let e = write("$.a.b", json!({"a": null}), json!(1)).unwrap_err();
        assert_eq!(e.reason, "the value at `$.a` is null, not an object");
        let e = write("$.a", json!([1]), json!(1)).unwrap_err();
        assert_eq!(e.reason, "the value at `$` is an array, not an object");
        let e = write("$.l[2]", json!({"l": [1]}), json!(1)).unwrap_err();
        assert_eq!(e.step, "[2]");
        assert_eq!(
            e.reason,
            "index 2 is out of bounds of the array at `$.l`, which has 1 items"
        );
        let e = write("$['a b'][0]", json!({"a b": {}}), json!(1)).unwrap_err();
        assert_eq!(
            e.reason,
            "the value at `$['a b']` is an object, not an array"
        );
        assert_eq!(
            e.to_string(),
            "unable to apply step \"[0]\" of `$['a b'][0]`: the value at `$['a b']` is an object, not an array"
        );
    }
}
