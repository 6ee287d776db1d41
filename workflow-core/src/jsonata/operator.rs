//! JSONata's binary operators: one enum, and one table from their symbols.

use std::fmt;

/// A binary operator, `a op b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `&`: string concatenation.
    Concat,
    /// `and`
    And,
    /// `or`
    Or,
    /// `in`: membership of an array.
    In,
    /// `..`: an integer range, inside an array constructor.
    Range,
    /// `??`: the left side unless it is undefined.
    Coalesce,
    /// `?:`: the left side if it is truthy.
    Elvis,
}

/// Every operator with its symbol as written.
const OPERATORS: [(&str, BinaryOp); 18] = [
    ("+", BinaryOp::Add),
    ("-", BinaryOp::Subtract),
    ("*", BinaryOp::Multiply),
    ("/", BinaryOp::Divide),
    ("%", BinaryOp::Modulo),
    ("=", BinaryOp::Equal),
    ("!=", BinaryOp::NotEqual),
    ("<", BinaryOp::Less),
    ("<=", BinaryOp::LessOrEqual),
    (">", BinaryOp::Greater),
    (">=", BinaryOp::GreaterOrEqual),
    ("&", BinaryOp::Concat),
    ("and", BinaryOp::And),
    ("or", BinaryOp::Or),
    ("in", BinaryOp::In),
    ("..", BinaryOp::Range),
    ("??", BinaryOp::Coalesce),
    ("?:", BinaryOp::Elvis),
];

impl BinaryOp {
    /// The operator written `symbol`, if it is one.
    pub fn from_symbol(symbol: &str) -> Option<BinaryOp> {
        OPERATORS
            .iter()
            .find(|(s, _)| *s == symbol)
            .map(|(_, op)| *op)
    }

    /// The symbol as written, which JSONata's messages quote.
    pub fn symbol(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(s, _)| s)
    }
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip() {
        for (symbol, op) in OPERATORS {
            assert_eq!(BinaryOp::from_symbol(symbol), Some(op));
            assert_eq!(op.symbol(), symbol);
        }
        assert_eq!(BinaryOp::from_symbol(":="), None);
    }
}
