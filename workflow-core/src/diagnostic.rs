//! Diagnostics: what the validator reports, and where.
//!
//! Core speaks only JSON pointers (`/States/Wait1/Next`). Each front end maps a pointer to
//! its own location: the `workflow!` macro to a span, a loaded `.asl.json` file to a byte
//! range. Field names inside messages are marked with [`field`], so that each front end can
//! spell them its own way (`Next` in JSON, `next` in the macro).

use std::cell::RefCell;
use std::fmt;

/// A JSON pointer (RFC 6901) into an ASL document, such as `/States/Wait1/Next`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pointer(String);

impl Pointer {
    /// The document root, `""` (shown as `/`).
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// This pointer extended by one object key, escaped as RFC 6901 says.
    pub fn key(&self, key: &str) -> Self {
        // Built in one allocation: the validator makes a pointer per state and per field.
        let mut pointer = String::with_capacity(self.0.len() + 1 + key.len());
        pointer.push_str(&self.0);
        pointer.push('/');
        for c in key.chars() {
            match c {
                '~' => pointer.push_str("~0"),
                '/' => pointer.push_str("~1"),
                c => pointer.push(c),
            }
        }
        Pointer(pointer)
    }

    /// This pointer extended by one array index.
    pub fn index(&self, index: usize) -> Self {
        use std::fmt::Write as _;
        let mut pointer = String::with_capacity(self.0.len() + 4);
        pointer.push_str(&self.0);
        // Writing to a String cannot fail.
        let _ = write!(pointer, "/{index}");
        Pointer(pointer)
    }

    /// The pointer as written in RFC 6901 (`""` for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reference tokens, unescaped.
    pub fn tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.0
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
    }

    /// The pointer one level up, or `None` at the root.
    pub fn parent(&self) -> Option<Pointer> {
        self.0.rfind('/').map(|at| Pointer(self.0[..at].to_owned()))
    }
}

impl fmt::Display for Pointer {
    /// AWS writes the root as `/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// The kind of a diagnostic. The names are the codes AWS's `ValidateStateMachineDefinition`
/// returns where AWS has one; the rest are ours, in the same style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The definition is not a JSON object (AWS: `INVALID_JSON_DESCRIPTION`).
    InvalidJson,
    /// A field is missing, unknown, of the wrong type, or has a value out of range.
    SchemaValidationFailed,
    /// `StartAt`, `Next`, `Default` or a catcher's `Next` names no state in its scope.
    MissingTransitionTarget,
    /// A state cannot be reached from `StartAt`.
    UnreachableState,
    /// The state machine has no terminal state at all.
    MissingEndState,
    /// No terminal state is reachable from a state (a cycle with no way out).
    NoTerminalPath,
    /// The same state name is defined twice.
    DuplicateStateName,
    /// A state name is too long or uses a character AWS forbids.
    InvalidStateName,
    /// A Task `Resource` is not a usable resource.
    InvalidResource,
}

impl Code {
    /// The code as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJson => "INVALID_JSON_DESCRIPTION",
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::UnreachableState => "UNREACHABLE_STATE",
            Code::MissingEndState => "MISSING_END_STATE",
            Code::NoTerminalPath => "NO_TERMINAL_PATH",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::InvalidStateName => "INVALID_STATE_NAME",
            Code::InvalidResource => "INVALID_RESOURCE",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of the node at the pointer the diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// The value (`Wait2` in `"Next": "Wait2"`).
    #[default]
    Value,
    /// The key naming the node (a state's name, an unknown field's name).
    Key,
    /// The value of this field of the node. The pointer stays where AWS reports the
    /// problem; a front end that can point finer shows the field at fault.
    Field(&'static str),
}

/// How field names are spelled when a message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// As in ASL JSON: `NumericEqualsPath`.
    Asl,
    /// As in the `workflow!` macro: `numeric_equals_path`.
    Rust,
}

const FIELD_OPEN: char = '\u{1}';
const FIELD_CLOSE: char = '\u{2}';

/// Marks an ASL field name inside a message, so each front end can spell it its own way.
pub fn field(name: &str) -> String {
    format!("`{FIELD_OPEN}{name}{FIELD_CLOSE}`")
}

/// `NumericEqualsPath` -> `numeric_equals_path`: the one mechanical rule between ASL field
/// names and the macro's.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `numeric_equals_path` -> `NumericEqualsPath`.
pub fn pascal_case(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn spell(text: &str, spelling: Spelling) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(FIELD_OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + FIELD_OPEN.len_utf8()..];
        let close = after.find(FIELD_CLOSE).unwrap_or(after.len());
        let name = &after[..close];
        match spelling {
            Spelling::Asl => out.push_str(name),
            Spelling::Rust => out.push_str(&snake_case(name)),
        }
        rest = after.get(close + FIELD_CLOSE.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// What kind of problem it is.
    pub code: Code,
    /// Where it is.
    pub pointer: Pointer,
    /// Whether it is about the key or the value at `pointer`.
    pub target: Target,
    message: String,
    help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about the value at `pointer`.
    pub fn new(code: Code, pointer: Pointer, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            pointer,
            target: Target::Value,
            message: message.into(),
            help: None,
        }
    }

    /// Points the diagnostic at the key naming the node rather than its value.
    pub fn at_key(mut self) -> Self {
        self.target = Target::Key;
        self
    }

    /// Points the diagnostic at the value of one field of the node (see [`Target::Field`]).
    pub fn at_field(mut self, key: &'static str) -> Self {
        self.target = Target::Field(key);
        self
    }

    /// Adds a hint, such as "did you mean `Wait1`?".
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The message, with field names spelled for a front end.
    pub fn message(&self, spelling: Spelling) -> String {
        spell(&self.message, spelling)
    }

    /// The hint, with field names spelled for a front end.
    pub fn help(&self, spelling: Spelling) -> Option<String> {
        self.help.as_deref().map(|h| spell(h, spelling))
    }
}

impl fmt::Display for Diagnostic {
    /// The form AWS uses in `InvalidDefinition` messages: `CODE: message at /pointer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at {}",
            self.code,
            self.message(Spelling::Asl),
            self.pointer
        )?;
        if let Some(help) = self.help(Spelling::Asl) {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// The collector every check pushes into. Checks never stop at the first problem: the user
/// sees all of them at once.
#[derive(Debug, Default)]
#[must_use = "diagnostics must be reported"]
pub struct Diagnostics {
    items: RefCell<Vec<Diagnostic>>,
}

impl Diagnostics {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem.
    pub fn push(&self, diagnostic: Diagnostic) {
        self.items.borrow_mut().push(diagnostic);
    }

    /// Records a `SCHEMA_VALIDATION_FAILED` problem about the value at `pointer`.
    pub fn schema(&self, pointer: &Pointer, message: impl Into<String>) {
        self.push(Diagnostic::new(
            Code::SchemaValidationFailed,
            pointer.clone(),
            message,
        ));
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    /// The recorded problems, in the order they were found.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items.into_inner()
    }
}

/// A definition that failed validation: every problem found, in document order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", render_list(.0))]
pub struct InvalidDefinition(pub Vec<Diagnostic>);

fn render_list(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    format!("Invalid State Machine Definition: '{}'", lines.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        let p = Pointer::root().key("States").key("a/b~c");
        assert_eq!(p.as_str(), "/States/a~1b~0c");
        assert_eq!(p.tokens().collect::<Vec<_>>(), ["States", "a/b~c"]);
        assert_eq!(p.parent().unwrap().as_str(), "/States");
        assert_eq!(Pointer::root().to_string(), "/");
    }

    #[test]
    fn case_conversion_is_one_mechanical_rule() {
        for (asl, rust) in [
            ("NumericEqualsPath", "numeric_equals_path"),
            ("StartAt", "start_at"),
            ("ItemsPath", "items_path"),
            ("Next", "next"),
        ] {
            assert_eq!(snake_case(asl), rust);
            assert_eq!(pascal_case(rust), asl);
        }
    }

    #[test]
    fn messages_spell_fields_per_front_end() {
        let d = Diagnostic::new(
            Code::SchemaValidationFailed,
            Pointer::root().key("States"),
            format!("{} is not allowed here", field("TimeoutSecondsPath")),
        );
        assert_eq!(
            d.message(Spelling::Asl),
            "`TimeoutSecondsPath` is not allowed here"
        );
        assert_eq!(
            d.message(Spelling::Rust),
            "`timeout_seconds_path` is not allowed here"
        );
        assert_eq!(
            d.to_string(),
            "SCHEMA_VALIDATION_FAILED: `TimeoutSecondsPath` is not allowed here at /States"
        );
    }
}
