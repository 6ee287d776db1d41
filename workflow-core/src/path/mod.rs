//! ASL JSONPath and reference paths: parse once, then read, select or write.
//!
//! AWS Step Functions evaluates paths with Jayway JsonPath, so this module follows Jayway
//! where it differs from RFC 9535 (see *Semantics* below).
//!
//! # Grammar
//!
//! ```text
//! path      = root segment* [ ".length()" ]
//! root      = "$"                      the state input (or whatever document is given)
//!           | "$$"                     the context object
//!           | "$" identifier           an ASL variable, e.g. `$order.id`
//! segment   = "." name | ".*" | "." bracket
//!           | ".." name | "..*" | ".." bracket
//!           | bracket
//! name      = one or more characters other than `.`, `[`, `(` and whitespace
//!             (Jayway's rule: `$.a-b`, `$.@x` and `$.$ref` are plain names)
//! bracket   = "[" ws selector ws "]"
//! selector  = quoted ("," quoted)*     ['a'] or ["a"]; several names make a union
//!           | int ("," int)*           [0], [-1] (from the end), [0,2]
//!           | int? ":" int?            [1:3], [1:], [:3], [-2:]; no step, no [:]
//!           | "*"
//!           | "?(" filter ")"
//! quoted    = "'" ... "'" | '"' ... '"'   a backslash escapes the delimiter or a backslash;
//!                                         any other backslash is kept as written
//! int       = "-"? digit+              within 32 bits, as Jayway reads a Java int
//! filter    = or
//! or        = and ("||" and)*
//! and       = unary ("&&" unary)*
//! unary     = "!" unary | "(" or ")" | operand [op operand]
//! op        = "==" | "!=" | "<" | "<=" | ">" | ">="
//! operand   = "@" segment*             the current node; alone it tests existence
//!           | "$" segment*             the document root
//!           | quoted | number | "true" | "false" | "null"
//! ```
//!
//! Whitespace is allowed inside brackets and filters only. Filters and parentheses nest at
//! most 64 deep. Not supported, and rejected with a message: slice steps, `=~` and the word
//! operators (`in`, `nin`, `size`...), and Jayway functions other than `length()`.
//!
//! # Semantics
//!
//! [`Path::select`] returns the matching nodes in document order (`..` walks in pre-order).
//! [`Path::read`] is what AWS does with `InputPath`, `Parameters` and similar fields: a
//! definite path gives its one value or nothing; an indefinite path gives an array of its
//! matches, `[]` when there are none.
//!
//! Where Jayway and RFC 9535 differ, this module does what Jayway does:
//! - a negative index counts from the end, as in RFC 9535;
//! - a slice `[a:b]` does not normalise a negative `b`, so `[1:-1]` is empty; a negative `a`
//!   is walked one index at a time, each normalised on its own, so `[-2:3]` over three
//!   items yields items 1, 2, 0, 1, 2. `[a:]` and `[:b]` normalise negative bounds;
//! - a filter applied to an object tests the object itself, not its members
//!   (`$.order[?(@.paid)]` is the order, if paid);
//! - [`read`](Path::read) of a union of names that ends a path (`$.a['x','y']`) builds one
//!   object holding the members found, per parent;
//! - in a filter, numbers compare by value (`1 == 1.0`), `<`-style operators compare only
//!   two numbers or two strings, and a path that names nothing equals only another such
//!   path (so `@.missing != 1` holds).
//!
//! Known deviation: Jayway's scan of `$..[n].x` applies `.x` to every item of every array
//! (a Jayway bug); this module applies it to item `n` only.

mod ast;
mod error;
mod filter;
mod parse;
mod reference;
mod select;
mod write;

#[cfg(test)]
mod crosscheck;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

pub use error::{NotFound, PathError, WriteError};
pub use reference::{ReferencePath, Step};
pub use select::type_name;

/// A parsed ASL path such as `$.items[0].name`, `$$.Execution.Input` or `$order.id`.
#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    root: Root,
    query: ast::Query,
}

/// The document a [`Path`] starts from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$`: the state input (or the document the caller hands over).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: the value of an ASL variable, such as `$order` in `$order.id`.
    Variable(String),
}

impl Path {
    /// Parses a path; see the module docs for the grammar.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let (root, query) = parse::parse_path(text)?;
        Ok(Path {
            text: text.to_owned(),
            root,
            query,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The document this path starts from. The caller passes that document to
    /// [`select`](Path::select) and [`read`](Path::read).
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// True when the path can name at most one value: no wildcard, slice, union, filter or
    /// `..`.
    pub fn is_definite(&self) -> bool {
        self.query.is_definite()
    }

    /// The nodes this path names in `root`, in document order; empty when nothing matches.
    ///
    /// A trailing `.length()` is ignored here: it computes a value, not a node (see
    /// [`read`](Path::read)).
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        select::select_query(&self.query, root, root)
    }

    /// Reads the path the way AWS reads `InputPath`, `Parameters` and similar fields: the
    /// value of a definite path (`None` when it is missing), or an array of the matches of
    /// an indefinite path (`[]` when there are none). A trailing `.length()` gives a number.
    pub fn read(&self, root: &Value) -> Option<Value> {
        self.try_read(root).ok()
    }

    /// Like [`read`](Path::read), but says why a definite path names nothing, in the words
    /// of Jayway JsonPath that AWS quotes in its `States.Runtime` causes.
    pub fn try_read(&self, root: &Value) -> Result<Value, NotFound> {
        select::read(&self.query, root)
    }
}

impl FromStr for Path {
    type Err = PathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Path::parse(text)
    }
}

impl fmt::Display for Path {
    /// The path as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Two paths are equal when they are written the same way.
impl PartialEq for Path {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Path {}

impl std::hash::Hash for Path {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn knows_its_root_and_definiteness() {
        let path = Path::parse("$$.Execution.Input['a'][0]").unwrap();
        assert_eq!(path.root(), &Root::Context);
        assert!(path.is_definite());
        assert_eq!(path.to_string(), "$$.Execution.Input['a'][0]");
        for indefinite in [
            "$.a[*]",
            "$.a.*",
            "$..a",
            "$.a[0:1]",
            "$.a[0,1]",
            "$['a','b']",
            "$.a[?(@.b)]",
        ] {
            assert!(
                !Path::parse(indefinite).unwrap().is_definite(),
                "{indefinite}"
            );
        }
        assert_eq!("$.x".parse::<Path>().unwrap(), Path::parse("$.x").unwrap());
    }

    #[test]
    fn reads_variables_and_context_from_the_given_document() {
        let order = json!({"id": 7});
        let path = Path::parse("$order.id").unwrap();
        assert_eq!(path.root(), &Root::Variable("order".into()));
        assert_eq!(path.read(&order), Some(json!(7)));
    }

    #[test]
    fn reads_the_recorded_aws_cases() {
        // conformance/cases/jsonpath and pass/state_pass_regex_json_path_base.
        let items = json!({"items": (0..=10).map(|i| json!({"item_key": i})).collect::<Vec<_>>()});
        assert_eq!(
            Path::parse("$.items[10]").unwrap().read(&items),
            Some(json!({"item_key": 10}))
        );
        for indefinite in [
            "$[*]",
            "$.item.items[1:]",
            "$.items[1:5].itemValue",
            "$.items[:1]",
            "$.items[*].itemValue",
        ] {
            assert_eq!(
                Path::parse(indefinite).unwrap().read(&json!({})),
                Some(json!([])),
                "{indefinite}"
            );
        }
        let users = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
        let filtered = Path::parse("$.users[?(@.status == 0)]")
            .unwrap()
            .read(&users);
        assert_eq!(filtered, Some(json!([{"year": 1997, "status": 0}])));
        let escaped = Path::parse(r#"$['Test\""Name"']"#).unwrap();
        assert_eq!(
            escaped.read(&json!({r#"Test\""Name""#: "v"})),
            Some(json!("v"))
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,40}") {
            let _ = Path::parse(&text);
            let _ = ReferencePath::parse(&text);
        }

        #[test]
        fn never_panics_on_path_like_text(text in "\\$[\\$a-c.\\[\\]'\"*?@()=!<>&|,:0-9 \\-\\\\]{0,30}") {
            if let Ok(path) = Path::parse(&text) {
                let doc = json!({"a": [1, {"b": [2, 3]}, "c"], "b": {"c": null}});
                let _ = path.select(&doc);
                let _ = path.try_read(&doc);
            }
            if let Ok(path) = ReferencePath::parse(&text) {
                let _ = path.write(json!({"a": [1]}), json!(0));
            }
        }
    }
}
