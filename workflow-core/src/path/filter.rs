//! Filter expressions, `[?( ... )]`: parsing and evaluation.
//!
//! The semantics are Jayway's: numbers compare by value (`1 == 1.0`), strings compare with
//! strings, `<`-style operators are false across types, and a path that names nothing is a
//! value of its own that only equals another such path (so `@.missing != 1` is true).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::ast::{CompareOp, Expr, Operand, PathOperand};
use super::error::PathError;
use super::parse::{Context, MAX_DEPTH, Parser};
use super::select::{self, Resolved};

impl Parser<'_> {
    /// `a || b`, the loosest binding; `depth` counts the filters and parentheses around it.
    pub(crate) fn filter(&mut self, depth: usize) -> Result<Expr, PathError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("filter nested more than {MAX_DEPTH} levels deep")));
        }
        let mut left = self.conjunction(depth)?;
        loop {
            self.skip_whitespace();
            if !self.eat_str("||") {
                return Ok(left);
            }
            left = Expr::Or(Box::new(left), Box::new(self.conjunction(depth)?));
        }
    }

    /// `a && b`.
    fn conjunction(&mut self, depth: usize) -> Result<Expr, PathError> {
        let mut left = self.unary(depth)?;
        loop {
            self.skip_whitespace();
            if !self.eat_str("&&") {
                return Ok(left);
            }
            left = Expr::And(Box::new(left), Box::new(self.unary(depth)?));
        }
    }

    /// `!a`, `(a)`, or a comparison.
    fn unary(&mut self, depth: usize) -> Result<Expr, PathError> {
        self.skip_whitespace();
        if self.peek() == Some('!') && self.peek_second() != Some('=') {
            self.bump();
            if depth + 1 > MAX_DEPTH {
                return Err(self.error(format!("filter nested more than {MAX_DEPTH} levels deep")));
            }
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.eat('(') {
            let inner = self.filter(depth + 1)?;
            self.expect(')', "parenthesised expression")?;
            return Ok(inner);
        }
        self.comparison(depth)
    }

    /// `left op right`, or a bare path tested for existence.
    fn comparison(&mut self, depth: usize) -> Result<Expr, PathError> {
        let at = self.pos();
        let left = self.operand(depth)?;
        self.skip_whitespace();
        let Some(op) = self.operator()? else {
            return match left {
                Operand::Path(path) => Ok(Expr::Exists(path)),
                Operand::Literal(_) => {
                    Err(self.error_at(at, "expected a path before a filter without an operator"))
                }
            };
        };
        let right = self.operand(depth)?;
        Ok(Expr::Compare { left, op, right })
    }

    fn operator(&mut self) -> Result<Option<CompareOp>, PathError> {
        const OPERATORS: [(&str, CompareOp); 6] = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        if self.rest().starts_with("=~") {
            return Err(self.error("regular expression filters (`=~`) are not supported"));
        }
        if let Some((text, op)) = OPERATORS
            .iter()
            .find(|(text, _)| self.rest().starts_with(text))
        {
            self.eat_str(text);
            return Ok(Some(*op));
        }
        if self.peek() == Some('=') {
            return Err(self.error("expected `==`, not `=`"));
        }
        if self.peek().is_some_and(char::is_alphabetic) {
            let at = self.pos();
            let word = self.take_while(char::is_alphanumeric);
            return Err(self.error_at(at, format!("unsupported filter operator `{word}`")));
        }
        Ok(None)
    }

    /// `@...`, `$...`, a string, a number, `true`, `false` or `null`.
    fn operand(&mut self, depth: usize) -> Result<Operand, PathError> {
        self.skip_whitespace();
        let at = self.pos();
        match self.peek() {
            Some(c @ ('@' | '$')) => {
                self.bump();
                if c == '$' && self.peek() == Some('$') {
                    return Err(self.error("`$$` cannot be used inside a filter"));
                }
                let query = self.query(Context::Filter, depth)?;
                Ok(Operand::Path(PathOperand {
                    relative: c == '@',
                    query,
                }))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let text = self
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
                text.parse::<Number>()
                    .map(|n| Operand::Literal(Value::Number(n)))
                    .map_err(|_| self.error_at(at, format!("invalid number `{text}`")))
            }
            Some(c) if c.is_alphabetic() => {
                let word = self.take_while(char::is_alphanumeric);
                match word {
                    "true" => Ok(Operand::Literal(Value::Bool(true))),
                    "false" => Ok(Operand::Literal(Value::Bool(false))),
                    "null" => Ok(Operand::Literal(Value::Null)),
                    _ => {
                        Err(self.error_at(at, format!("unexpected `{word}`: strings need quotes")))
                    }
                }
            }
            _ => Err(self
                .error("expected `@`, `$`, a quoted string, a number, `true`, `false` or `null`")),
        }
    }
}

/// Whether `expr` holds for the node `current`, inside the document `root`.
pub(crate) fn test(expr: &Expr, current: &Value, root: &Value) -> bool {
    match expr {
        Expr::Or(a, b) => test(a, current, root) || test(b, current, root),
        Expr::And(a, b) => test(a, current, root) && test(b, current, root),
        Expr::Not(a) => !test(a, current, root),
        Expr::Exists(path) => {
            !select::select_query(&path.query, base(path, current, root), root).is_empty()
        }
        Expr::Compare { left, op, right } => compare(
            value(left, current, root).as_deref(),
            *op,
            value(right, current, root).as_deref(),
        ),
    }
}

fn base<'a>(path: &PathOperand, current: &'a Value, root: &'a Value) -> &'a Value {
    if path.relative { current } else { root }
}

/// An operand's value; `None` when its path names nothing.
fn value<'a>(operand: &'a Operand, current: &'a Value, root: &'a Value) -> Option<Cow<'a, Value>> {
    match operand {
        Operand::Literal(v) => Some(Cow::Borrowed(v)),
        Operand::Path(path) => {
            match select::resolve(&path.query, base(path, current, root), root) {
                Resolved::Node(node) => Some(Cow::Borrowed(node)),
                Resolved::Value(v) => Some(Cow::Owned(v)),
                Resolved::Missing => None,
            }
        }
    }
}

fn compare(left: Option<&Value>, op: CompareOp, right: Option<&Value>) -> bool {
    match op {
        CompareOp::Eq => equal(left, right),
        CompareOp::Ne => !equal(left, right),
        CompareOp::Lt => order(left, right) == Some(Ordering::Less),
        CompareOp::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => order(left, right) == Some(Ordering::Greater),
        CompareOp::Ge => matches!(
            order(left, right),
            Some(Ordering::Greater | Ordering::Equal)
        ),
    }
}

fn equal(left: Option<&Value>, right: Option<&Value>) -> bool {
    match (left, right) {
        (None, None) => true,
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            compare_numbers(a, b) == Some(Ordering::Equal)
        }
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn order(left: Option<&Value>, right: Option<&Value>) -> Option<Ordering> {
    match (left?, right?) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Compares exactly when both are integers, as Jayway's `BigDecimal` does, else as `f64`.
pub(crate) fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (exact(a), exact(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::path::Path;

    fn select(path: &str, doc: &serde_json::Value) -> Vec<serde_json::Value> {
        Path::parse(path)
            .unwrap()
            .select(doc)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn filters_array_elements() {
        let doc = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}, {"year": 1999}]});
        assert_eq!(
            select("$.users[?(@.status == 0)]", &doc),
            [json!({"year": 1997, "status": 0})]
        );
        assert_eq!(
            select("$.users[?(@.status)].year", &doc),
            [json!(1997), json!(1998)]
        );
        assert_eq!(select("$.users[?(!@.status)].year", &doc), [json!(1999)]);
        assert_eq!(
            select("$.users[?(@.status != 0)].year", &doc),
            [json!(1998), json!(1999)]
        );
        assert_eq!(
            select("$.users[?(@.year > 1997 && @.year <= 1999)].year", &doc),
            [json!(1998), json!(1999)]
        );
        assert_eq!(
            select("$.users[?(@.year < 1998 || (@.status == 1))].year", &doc),
            [json!(1997), json!(1998)]
        );
    }

    #[test]
    fn compares_like_jayway() {
        let doc = json!([1, 1.0, 2.5, "1", "b", true, null, [1], {"a": 1}]);
        assert_eq!(select("$[?(@ == 1)]", &doc), [json!(1), json!(1.0)]);
        assert_eq!(select("$[?(@ > 'a')]", &doc), [json!("b")]);
        assert_eq!(select("$[?(@ >= 2)]", &doc), [json!(2.5)]);
        assert_eq!(select("$[?(@ == true)]", &doc), [json!(true)]);
        assert_eq!(select("$[?(@ == null)]", &doc), [json!(null)]);
        assert_eq!(select("$[?(@.a == $[0])]", &doc), [json!({"a": 1})]);
        assert_eq!(
            select("$[?(@.a == \"x\")]", &doc),
            Vec::<serde_json::Value>::new()
        );
    }

    #[test]
    fn filters_an_object_by_testing_the_object_itself() {
        // Jayway applies a filter on an object to the object, not to its members.
        let doc = json!({"a": {"kind": "x", "v": 1}, "b": {"kind": "y"}});
        assert_eq!(select("$.a[?(@.kind == 'x')].v", &doc), [json!(1)]);
        assert_eq!(
            select("$.b[?(@.kind == 'x')]", &doc),
            Vec::<serde_json::Value>::new()
        );
    }

    #[test]
    fn rejects_unsupported_syntax() {
        let message = |p: &str| Path::parse(p).unwrap_err().message;
        assert_eq!(
            message("$[?(@.a =~ /x/)]"),
            "regular expression filters (`=~`) are not supported"
        );
        assert_eq!(
            message("$[?(@.a in ['x'])]"),
            "unsupported filter operator `in`"
        );
        assert_eq!(message("$[?(@.a = 1)]"), "expected `==`, not `=`");
        assert_eq!(
            message("$[?(1)]"),
            "expected a path before a filter without an operator"
        );
        assert_eq!(
            message("$[?(@.a == x)]"),
            "unexpected `x`: strings need quotes"
        );
        assert_eq!(message("$[?@.a]"), "expected `(` after `[?`");
        let deep = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        assert_eq!(message(&deep), "filter nested more than 64 levels deep");
        let nested = format!("$[?({}]", "@[?(".repeat(80));
        assert_eq!(message(&nested), "filter nested more than 64 levels deep");
    }
}
