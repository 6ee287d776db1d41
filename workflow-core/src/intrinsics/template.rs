//! The template of `States.Format`: literal text and `{}` placeholders.

/// A `States.Format` template: text and `{}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template(pub Vec<Piece>);

/// A run of literal text, or one placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `{}`, filled with the next value.
    Hole,
}

impl Template {
    /// A template read at run time from a path: every `{}` is a placeholder, and there are
    /// no escapes to honour (they belong to the literal syntax only).
    pub fn from_text(text: &str) -> Template {
        let mut pieces = Vec::new();
        for (i, part) in text.split("{}").enumerate() {
            if i > 0 {
                pieces.push(Piece::Hole);
            }
            if !part.is_empty() {
                pieces.push(Piece::Text(part.to_owned()));
            }
        }
        Template(pieces)
    }

    /// Appends a literal character, merging it into the last run of text.
    pub(crate) fn push_char(&mut self, c: char) {
        match self.0.last_mut() {
            Some(Piece::Text(text)) => text.push(c),
            _ => self.0.push(Piece::Text(c.to_string())),
        }
    }

    /// How many placeholders the template has.
    pub fn holes(&self) -> usize {
        self.0.iter().filter(|p| matches!(p, Piece::Hole)).count()
    }
}
