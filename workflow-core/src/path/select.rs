//! Evaluating a [`Query`] against a document, with Jayway JsonPath's semantics (listed in
//! the module docs of [`crate::path`]).
//!
//! Selection builds a node list segment by segment; `..` walks with its own stack.

use serde_json::{Map, Value};

use super::ast::{Function, Query, Segment, Selector};
use super::error::NotFound;
use super::filter;

/// The result of resolving a query as a single value, the way AWS reads a path.
pub(crate) enum Resolved<'a> {
    /// A definite path found its node.
    Node(&'a Value),
    /// An indefinite path (an array of its matches) or a function result.
    Value(Value),
    /// A definite path named nothing.
    Missing,
}

/// The nodes `query` names, starting from `base`, in document order.
pub(crate) fn select_query<'a>(query: &Query, base: &'a Value, root: &'a Value) -> Vec<&'a Value> {
    select_segments(&query.segments, base, root)
}

fn select_segments<'a>(segments: &[Segment], base: &'a Value, root: &'a Value) -> Vec<&'a Value> {
    let mut nodes = vec![base];
    for segment in segments {
        let mut next = Vec::new();
        for node in nodes {
            if segment.descendant {
                descend(&segment.selector, node, root, &mut next);
            } else {
                child(&segment.selector, node, root, &mut next);
            }
        }
        if next.is_empty() {
            return next;
        }
        nodes = next;
    }
    nodes
}

/// Applies a selector to one node.
fn child<'a>(selector: &Selector, node: &'a Value, root: &'a Value, out: &mut Vec<&'a Value>) {
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => out.extend(map.get(name)),
        (Selector::Names(names), Value::Object(map)) => {
            out.extend(names.iter().filter_map(|n| map.get(n)))
        }
        (Selector::Index(i), Value::Array(items)) => out.extend(index(items, *i)),
        (Selector::Indices(indices), Value::Array(items)) => {
            out.extend(indices.iter().filter_map(|i| index(items, *i)));
        }
        (Selector::Slice { start, end }, Value::Array(items)) => {
            out.extend(
                slice(items.len(), *start, *end)
                    .into_iter()
                    .map(|i| &items[i]),
            );
        }
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Wildcard, Value::Array(items)) => out.extend(items),
        (Selector::Filter(expr), Value::Object(_)) if filter::test(expr, node, root) => {
            out.push(node)
        }
        (Selector::Filter(expr), Value::Array(items)) => {
            out.extend(items.iter().filter(|item| filter::test(expr, item, root)));
        }
        _ => {}
    }
}

/// Applies a selector to `node` and to every node below it, in pre-order. The walk keeps its
/// own stack, so a deeply nested document cannot overflow the thread's.
fn descend<'a>(selector: &Selector, node: &'a Value, root: &'a Value, out: &mut Vec<&'a Value>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match (selector, node) {
            // Jayway's scan tests an array against the filter before filtering its items.
            (Selector::Filter(expr), Value::Array(_)) => {
                if filter::test(expr, node, root) {
                    child(selector, node, root, out);
                }
            }
            _ => child(selector, node, root, out),
        }
        match node {
            Value::Object(map) => stack.extend(map.values().rev()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
}

/// Item `i` of an array, counting from the end when negative.
fn index(items: &[Value], i: i64) -> Option<&Value> {
    normalize(i, items.len()).map(|i| &items[i])
}

fn normalize(i: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if i < 0 { len + i } else { i };
    usize::try_from(i).ok().filter(|&i| (i as i64) < len)
}

/// The indices a slice visits, in order, as Jayway computes them (see the module docs).
fn slice(len: usize, start: Option<i64>, end: Option<i64>) -> Vec<usize> {
    let Ok(n) = i64::try_from(len) else {
        return Vec::new();
    };
    let (from, to) = match (start, end) {
        (Some(from), None) => ((if from < 0 { n + from } else { from }).max(0), n),
        (None, Some(to)) => (0, (if to < 0 { n + to } else { to }).min(n)),
        // Indices below `-n` normalise to nothing, so the walk can start at `-n`.
        (Some(from), Some(to)) => (from.max(-n), to.min(n)),
        (None, None) => return Vec::new(),
    };
    (from..to).filter_map(|i| normalize(i, len)).collect()
}

/// Reads `query` as one value: the node of a definite path, an array of matches for an
/// indefinite one (`[]` when nothing matches), or the result of the trailing function.
pub(crate) fn resolve<'a>(query: &Query, base: &'a Value, root: &'a Value) -> Resolved<'a> {
    let nodes = select_query(query, base, root);
    let definite = query.is_definite();
    match query.function {
        None if definite => nodes
            .first()
            .copied()
            .map_or(Resolved::Missing, Resolved::Node),
        None => Resolved::Value(Value::Array(nodes.into_iter().cloned().collect())),
        Some(Function::Length) if definite => match nodes.first().copied() {
            Some(Value::Array(items)) => Resolved::Value(items.len().into()),
            Some(Value::Object(map)) => Resolved::Value(map.len().into()),
            _ => Resolved::Missing,
        },
        Some(Function::Length) => Resolved::Value(nodes.len().into()),
    }
}

/// Reads a whole path, the way AWS does for `InputPath`, `Parameters` and the like.
pub(crate) fn read(query: &Query, root: &Value) -> Result<Value, NotFound> {
    if let Some((names, parents)) = leaf_union(query) {
        return read_union(names, parents, root);
    }
    match resolve(query, root, root) {
        Resolved::Node(node) => Ok(node.clone()),
        Resolved::Value(value) => Ok(value),
        Resolved::Missing => Err(explain(&query.segments, root)),
    }
}

/// `$.a['x','y']`: Jayway reads a union of names that ends a path as one object per parent.
fn leaf_union(query: &Query) -> Option<(&[String], &[Segment])> {
    let (last, parents) = query.segments.split_last()?;
    match &last.selector {
        Selector::Names(names) if !last.descendant && query.function.is_none() => {
            Some((names, parents))
        }
        _ => None,
    }
}

fn read_union(names: &[String], parents: &[Segment], root: &Value) -> Result<Value, NotFound> {
    let merged = select_segments(parents, root, root)
        .into_iter()
        .filter_map(|parent| {
            let map = parent.as_object()?;
            let picked: Map<String, Value> = names
                .iter()
                .filter_map(|n| Some((n.clone(), map.get(n)?.clone())))
                .collect();
            Some(Value::Object(picked))
        });
    if parents.iter().all(Segment::is_definite) {
        let mut merged = merged;
        merged.next().ok_or_else(|| explain(parents, root))
    } else {
        Ok(Value::Array(merged.collect()))
    }
}

/// Why a definite path names nothing, in Jayway's words where they are known.
fn explain(segments: &[Segment], root: &Value) -> NotFound {
    let no_results = || NotFound {
        message: format!("No results for path: {}", render(segments)),
    };
    let mut node = root;
    let mut at = String::from("$");
    for (i, segment) in segments.iter().enumerate() {
        let leaf = i + 1 == segments.len();
        match (&segment.selector, node) {
            (Selector::Name(name), Value::Object(map)) => match map.get(name) {
                Some(value) => node = value,
                None if leaf => return no_results(),
                None => {
                    return NotFound {
                        message: format!("Missing property in path {at}['{name}']"),
                    };
                }
            },
            (Selector::Name(name), other) => {
                return NotFound {
                    message: format!(
                        "Expected to find an object with property ['{name}'] in path {at} but found '{}'",
                        type_name(other)
                    ),
                };
            }
            (Selector::Index(_), Value::Null) => {
                return NotFound {
                    message: format!("The path {at} is null"),
                };
            }
            (Selector::Index(i), Value::Array(items)) => match index(items, *i) {
                Some(value) => node = value,
                None => return no_results(),
            },
            (Selector::Index(_), other) => {
                return NotFound {
                    message: format!(
                        "Filter: {} can only be applied to arrays. Current context is: {other}",
                        render(&segments[i..]).trim_start_matches('$')
                    ),
                };
            }
            _ => return no_results(),
        }
        at.push_str(&render(std::slice::from_ref(segment))[1..]);
    }
    no_results()
}

/// A path in Jayway's normalised form, `$['a'][0]`, as its error messages show it.
pub(crate) fn render(segments: &[Segment]) -> String {
    let quote = |names: &[String]| {
        names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = String::from("$");
    for segment in segments {
        if segment.descendant {
            out.push_str("..");
        }
        match &segment.selector {
            Selector::Name(name) => {
                out.push_str(&format!("[{}]", quote(std::slice::from_ref(name))))
            }
            Selector::Names(names) => out.push_str(&format!("[{}]", quote(names))),
            Selector::Index(i) => out.push_str(&format!("[{i}]")),
            Selector::Indices(indices) => {
                let list: Vec<String> = indices.iter().map(i64::to_string).collect();
                out.push_str(&format!("[{}]", list.join(",")));
            }
            Selector::Slice { start, end } => {
                let bound = |b: &Option<i64>| b.map(|b| b.to_string()).unwrap_or_default();
                out.push_str(&format!("[{}:{}]", bound(start), bound(end)));
            }
            Selector::Wildcard => out.push_str("[*]"),
            Selector::Filter(_) => out.push_str("[?]"),
        }
    }
    out
}

/// The JSON type of a value as messages name it (AWS's causes and JSONata's `$type` use
/// the same words).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::path::Path;

    fn select(path: &str, doc: &Value) -> Vec<Value> {
        Path::parse(path)
            .unwrap()
            .select(doc)
            .into_iter()
            .cloned()
            .collect()
    }

    fn read(path: &str, doc: &Value) -> Option<Value> {
        Path::parse(path).unwrap().read(doc)
    }

    fn explain(path: &str, doc: &Value) -> String {
        Path::parse(path)
            .unwrap()
            .try_read(doc)
            .unwrap_err()
            .message
    }

    #[test]
    fn selects_children_in_document_order() {
        let doc = json!({"a": [10, 11, 12, 13], "b": {"x": 1, "y": 2}, "c": null});
        assert_eq!(select("$.a[1]", &doc), [json!(11)]);
        assert_eq!(select("$.a[-1]", &doc), [json!(13)]);
        assert_eq!(select("$.a[3,0,9]", &doc), [json!(13), json!(10)]);
        assert_eq!(select("$.b.*", &doc), [json!(1), json!(2)]);
        assert_eq!(select("$.b['y','x','z']", &doc), [json!(2), json!(1)]);
        assert_eq!(select("$.c", &doc), [json!(null)]);
        assert_eq!(select("$.a.x", &doc), Vec::<Value>::new());
        assert_eq!(select("$.b[0]", &doc), Vec::<Value>::new());
    }

    #[test]
    fn slices_like_jayway() {
        let doc = json!([0, 1, 2]);
        assert_eq!(select("$[1:]", &doc), [json!(1), json!(2)]);
        assert_eq!(select("$[-2:]", &doc), [json!(1), json!(2)]);
        assert_eq!(select("$[-9:]", &doc), [json!(0), json!(1), json!(2)]);
        assert_eq!(select("$[:2]", &doc), [json!(0), json!(1)]);
        assert_eq!(select("$[:-1]", &doc), [json!(0), json!(1)]);
        assert_eq!(select("$[0:9]", &doc), [json!(0), json!(1), json!(2)]);
        // Jayway does not normalise a negative end in `[a:b]`.
        assert_eq!(select("$[1:-1]", &doc), Vec::<Value>::new());
        // ... and walks a negative start index by index, normalising each one.
        assert_eq!(
            select("$[-2:3]", &doc),
            [json!(1), json!(2), json!(0), json!(1), json!(2)]
        );
        assert_eq!(
            select("$[-5:2]", &doc),
            [json!(0), json!(1), json!(2), json!(0), json!(1)]
        );
        assert_eq!(
            select("$[-2147483648:1]", &doc),
            [json!(0), json!(1), json!(2), json!(0)]
        );
    }

    #[test]
    fn descends_in_pre_order() {
        let doc = json!({"a": {"b": 1, "c": [{"b": 2}]}, "b": 3});
        assert_eq!(select("$..b", &doc), [json!(3), json!(1), json!(2)]);
        assert_eq!(select("$..*", &doc).len(), 6);
        assert_eq!(select("$..[0].b", &doc), [json!(2)]);
        assert_eq!(select("$..[?(@.b == 2)]", &doc), [json!({"b": 2})]);
    }

    #[test]
    fn descends_through_deep_documents_without_recursion() {
        let mut doc = json!(1);
        for _ in 0..100_000 {
            doc = Value::Array(vec![doc]);
        }
        let path = Path::parse("$..*").unwrap();
        assert_eq!(path.select(&doc).len(), 100_000);
        // Dropping a value this deep would overflow the stack, so let it leak.
        std::mem::forget(doc);
    }

    #[test]
    fn reads_the_way_aws_does() {
        let doc = json!({"items": [{"v": 1}, {"v": 2}], "o": {"a": 1, "b": 2}});
        assert_eq!(read("$.items[0].v", &doc), Some(json!(1)));
        assert_eq!(read("$.items[5].v", &doc), None);
        assert_eq!(read("$.items[*].v", &doc), Some(json!([1, 2])));
        assert_eq!(read("$.nothing[*]", &doc), Some(json!([])));
        assert_eq!(read("$.items.length()", &doc), Some(json!(2)));
        assert_eq!(read("$.o.length()", &doc), Some(json!(2)));
        assert_eq!(read("$..v.length()", &doc), Some(json!(2)));
        assert_eq!(read("$.o.a.length()", &doc), None);
        assert_eq!(
            read("$.o['a','b','z']", &doc),
            Some(json!({"a": 1, "b": 2}))
        );
        assert_eq!(read("$.items[*]['v']", &doc), Some(json!([1, 2])));
        assert_eq!(
            read("$.items[*]['v','w']", &doc),
            Some(json!([{"v": 1}, {"v": 2}]))
        );
    }

    #[test]
    fn explains_misses_in_jaywayese() {
        let doc = json!({"a": {"b": [1, null]}, "s": "x"});
        // Recorded from AWS: conformance case `errors/catch_states_runtime`.
        assert_eq!(
            explain("$.no.such.result.path", &doc),
            "Missing property in path $['no']"
        );
        assert_eq!(explain("$.a.c", &doc), "No results for path: $['a']['c']");
        assert_eq!(
            explain("$.a.b[5]", &doc),
            "No results for path: $['a']['b'][5]"
        );
        assert_eq!(
            explain("$.a.b[1][0]", &doc),
            "The path $['a']['b'][1] is null"
        );
        assert_eq!(
            explain("$.s.x", &doc),
            "Expected to find an object with property ['x'] in path $['s'] but found 'string'"
        );
        assert_eq!(
            explain("$.s[0]", &doc),
            "Filter: [0] can only be applied to arrays. Current context is: \"x\""
        );
    }
}
