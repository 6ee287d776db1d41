//! A Pratt parser from tokens to the expression tree.

use std::sync::Arc;

use super::Error;
use super::lexer::{Tok, tokenize};
use super::operator::BinaryOp;

/// How deeply expressions may nest before parsing stops (guards the stack).
const MAX_DEPTH: usize = 200;

/// A JSONata expression, as parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number literal.
    Num(f64),
    /// A string literal.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `/pattern/flags`.
    Regex(String, String),
    /// A field name step.
    Name(String),
    /// `$name`; `$` is `""`, `$$` is `"$"`.
    Var(String),
    /// `*`
    Wildcard,
    /// `**`
    Descendants,
    /// `a.b.c`
    Path(Vec<Node>),
    /// `a[predicate]`
    Filter(Box<Node>, Box<Node>),
    /// `a[]`
    KeepArray(Box<Node>),
    /// `[a, b]`
    Array(Vec<Node>),
    /// `{k: v}`
    Object(Vec<(Node, Node)>),
    /// `a{k: v}`
    Group(Box<Node>, Vec<(Node, Node)>),
    /// `-a`
    Neg(Box<Node>),
    /// `a op b`
    Binary(BinaryOp, Box<Node>, Box<Node>),
    /// `c ? a : b` (or `c ? a`).
    Cond(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `$name := value`
    Bind(String, Box<Node>),
    /// `(a; b; c)`
    Block(Vec<Node>),
    /// `f(args)`
    Call(Box<Node>, Vec<Node>),
    /// `?` in a call's arguments (partial application).
    Placeholder,
    /// Shared, not copied, by the closures made from it; `Arc` so that a parsed expression
    /// can be kept in a definition that executions on many threads share.
    Lambda(Arc<Lambda>),
    /// `a ~> f`
    Apply(Box<Node>, Box<Node>),
    /// `a^(<b, >c)`: terms are (expression, descending).
    Sort(Box<Node>, Vec<(Node, bool)>),
}

/// `function($a, $b) { body }`.
#[derive(Debug, PartialEq)]
pub struct Lambda {
    /// The parameters' names, without `$`.
    pub params: Vec<String>,
    /// The body.
    pub body: Node,
}

/// Parses a whole expression.
pub(crate) fn parse(src: &str) -> Result<Node, Error> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let node = p.expression(0)?;
    match p.peek() {
        Tok::End => Ok(node),
        other => Err(Error::new(
            "S0201",
            format!("Syntax error: {}", describe(other)),
        )),
    }
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(n) => format!("\"{n}\""),
        Tok::Str(s) | Tok::Name(s) => format!("\"{s}\""),
        Tok::Var(v) => format!("\"${v}\""),
        Tok::Regex(r, _) => format!("\"/{r}/\""),
        Tok::Op(op) => format!("\"{op}\""),
        Tok::End => "end of expression".to_owned(),
    }
}

fn lbp(tok: &Tok) -> u8 {
    match tok {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" | "|" | ".." => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "<" | ">" | "!=" | "<=" | ">=" | "in" | "~>" => 40,
            "^" => 40,
            "and" => 30,
            "or" => 25,
            "??" | "?:" => 15,
            ":=" => 10,
            _ => 0,
        },
        _ => 0,
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].0
    }

    fn next(&mut self) -> Tok {
        let tok = self.tokens[self.pos].0.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    fn expect(&mut self, op: &'static str) -> Result<(), Error> {
        match self.peek() {
            Tok::Op(o) if *o == op => {
                self.next();
                Ok(())
            }
            Tok::End => Err(Error::new(
                "S0203",
                format!("Expected \"{op}\" before end of expression"),
            )),
            other => Err(Error::new(
                "S0202",
                format!("Expected \"{op}\", got {}", describe(other)),
            )),
        }
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                "U1001",
                "Stack overflow error: expression nested too deeply",
            ));
        }
        let result = self.expression_inner(rbp);
        self.depth -= 1;
        result
    }

    fn expression_inner(&mut self, rbp: u8) -> Result<Node, Error> {
        let tok = self.next();
        let mut left = self.nud(tok)?;
        while rbp < lbp(self.peek()) {
            let tok = self.next();
            left = self.led(tok, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, tok: Tok) -> Result<Node, Error> {
        Ok(match tok {
            Tok::Num(n) => Node::Num(n),
            Tok::Str(s) => Node::Str(s),
            Tok::Name(n) => Node::Name(n),
            Tok::Var(v) => Node::Var(v),
            Tok::Regex(r, f) => Node::Regex(r, f),
            Tok::End => {
                return Err(Error::new("S0207", "Unexpected end of expression"));
            }
            Tok::Op(op) => match op {
                "true" => Node::Bool(true),
                "false" => Node::Bool(false),
                "null" => Node::Null,
                "and" | "or" | "in" => Node::Name(op.to_owned()),
                "*" => Node::Wildcard,
                "**" => Node::Descendants,
                "-" => Node::Neg(Box::new(self.expression(70)?)),
                "(" => {
                    let mut items = Vec::new();
                    while !self.is_op(")") {
                        items.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.next();
                    }
                    self.expect(")")?;
                    Node::Block(items)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is_op("]") {
                        loop {
                            items.push(self.expression(0)?);
                            if !self.is_op(",") {
                                break;
                            }
                            self.next();
                        }
                    }
                    self.expect("]")?;
                    Node::Array(items)
                }
                "{" => Node::Object(self.pairs()?),
                "function" => self.lambda()?,
                other => {
                    return Err(Error::new(
                        "S0211",
                        format!("The symbol \"{other}\" cannot be used as a unary operator"),
                    ));
                }
            },
        })
    }

    fn pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let key = self.expression(0)?;
                self.expect(":")?;
                let value = self.expression(0)?;
                pairs.push((key, value));
                if !self.is_op(",") {
                    break;
                }
                self.next();
            }
        }
        self.expect("}")?;
        Ok(pairs)
    }

    fn lambda(&mut self) -> Result<Node, Error> {
        self.expect("(")?;
        let mut params = Vec::new();
        if !self.is_op(")") {
            loop {
                match self.next() {
                    Tok::Var(v) => params.push(v),
                    other => {
                        return Err(Error::new(
                            "S0208",
                            format!(
                                "Parameter {} of function definition must be a variable name (start with $)",
                                describe(&other)
                            ),
                        ));
                    }
                }
                if !self.is_op(",") {
                    break;
                }
                self.next();
            }
        }
        self.expect(")")?;
        // A signature `<n-n:n>` is accepted and not checked.
        if self.is_op("<") {
            let mut depth = 0;
            loop {
                match self.next() {
                    Tok::Op("<") => depth += 1,
                    Tok::Op(">") => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::End => return Err(Error::new("S0401", "Unterminated function signature")),
                    _ => {}
                }
            }
        }
        self.expect("{")?;
        let body = if self.is_op("}") {
            Node::Block(Vec::new())
        } else {
            self.expression(0)?
        };
        self.expect("}")?;
        Ok(Node::Lambda(Arc::new(Lambda { params, body })))
    }

    fn led(&mut self, tok: Tok, left: Node) -> Result<Node, Error> {
        let Tok::Op(op) = tok else {
            return Err(Error::new(
                "S0201",
                format!("Syntax error: {}", describe(&tok)),
            ));
        };
        Ok(match op {
            "." => {
                let right = self.expression(75)?;
                let mut steps = match left {
                    Node::Path(steps) => steps,
                    other => vec![other],
                };
                match right {
                    Node::Path(more) => steps.extend(more),
                    other => steps.push(other),
                }
                Node::Path(steps)
            }
            "[" => {
                if self.is_op("]") {
                    self.next();
                    return Ok(Node::KeepArray(Box::new(left)));
                }
                let predicate = self.expression(0)?;
                self.expect("]")?;
                // The predicate binds to the last step of a path.
                match left {
                    Node::Path(mut steps) => {
                        let last = steps.pop().unwrap_or(Node::Null);
                        steps.push(Node::Filter(Box::new(last), Box::new(predicate)));
                        Node::Path(steps)
                    }
                    other => Node::Filter(Box::new(other), Box::new(predicate)),
                }
            }
            "(" => {
                let mut args = Vec::new();
                if !self.is_op(")") {
                    loop {
                        if self.is_op("?") {
                            self.next();
                            args.push(Node::Placeholder);
                        } else {
                            args.push(self.expression(0)?);
                        }
                        if !self.is_op(",") {
                            break;
                        }
                        self.next();
                    }
                }
                self.expect(")")?;
                Node::Call(Box::new(left), args)
            }
            "{" => Node::Group(Box::new(left), self.pairs()?),
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is_op(":") {
                    self.next();
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Node::Cond(Box::new(left), Box::new(then), otherwise)
            }
            ":=" => {
                let Node::Var(name) = left else {
                    return Err(Error::new(
                        "S0212",
                        "The left side of := must be a variable name (start with $)",
                    ));
                };
                Node::Bind(name, Box::new(self.expression(9)?))
            }
            "~>" => Node::Apply(Box::new(left), Box::new(self.expression(40)?)),
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.next();
                    } else if self.is_op(">") {
                        self.next();
                        descending = true;
                    }
                    terms.push((self.expression(0)?, descending));
                    if !self.is_op(",") {
                        break;
                    }
                    self.next();
                }
                self.expect(")")?;
                Node::Sort(Box::new(left), terms)
            }
            other if let Some(binary) = BinaryOp::from_symbol(other) => {
                let right = self.expression(lbp(&Tok::Op(op)))?;
                Node::Binary(binary, Box::new(left), Box::new(right))
            }
            other => {
                return Err(Error::new("S0201", format!("Syntax error: \"{other}\"")));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_predicates() {
        let node = parse("$states.input.items[0]").unwrap();
        assert_eq!(
            node,
            Node::Path(vec![
                Node::Var("states".into()),
                Node::Name("input".into()),
                Node::Filter(
                    Box::new(Node::Name("items".into())),
                    Box::new(Node::Num(0.0))
                ),
            ])
        );
    }

    #[test]
    fn precedence() {
        let node = parse("1 + 2 * 3 = 7 and true").unwrap();
        let Node::Binary(BinaryOp::And, left, _) = node else {
            panic!()
        };
        assert!(matches!(*left, Node::Binary(BinaryOp::Equal, _, _)));
    }

    #[test]
    fn lambdas_blocks_and_errors() {
        assert!(parse("($f := function($x){$x * 2}; $f(3))").is_ok());
        assert!(parse("$map([1,2], function($v, $i) <n-n:n> { $v })").is_ok());
        assert!(parse("1 +").is_err());
        assert!(parse("(1").is_err());
        assert!(parse(&"(".repeat(1000)).is_err());
    }
}

#[cfg(test)]
mod stack_tests {
    use super::*;

    #[test]
    fn the_deepest_accepted_nesting_parses_on_a_small_stack() {
        // The depth limit keeps parsing within a modest stack, whatever the input.
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_DEPTH - 2),
            ")".repeat(MAX_DEPTH - 2)
        );
        let handle = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || (parse(&deep).is_ok(), parse(&format!("[{deep}]")).is_ok()))
            .unwrap();
        let (ok, _) = handle.join().unwrap();
        assert!(ok);
    }
}
