//! Reading what the commands are given: ASL definitions (JSON, or YAML) and CloudFormation
//! or SAM templates (JSON or YAML), each turned into the [`Definition`]s it holds.
//!
//! How a file is read:
//!
//! - `*.json`: JSON. A file that is not valid JSON is still a definition, an invalid one:
//!   the validator reports `INVALID_JSON_DESCRIPTION` at the syntax error, as AWS does.
//! - `*.yaml`, `*.yml`: YAML (CloudFormation's short-form tags such as `!Sub` included).
//! - anything else: JSON if it parses as JSON, else YAML; text that is neither but starts
//!   like JSON (`{`, `[`) is an invalid JSON definition.
//!
//! A document with `Resources` or `AWSTemplateFormatVersion` is a template, whose state
//! machines are found as the `template` module explains; any other object is an ASL definition.
//!
//! What cannot be used at all is an [`InputError`] (exit code 2): a missing or unreadable
//! file, text that is not UTF-8, neither JSON nor YAML, not an object, a template with no
//! state machine, and a definition over AWS's 1 MB quota (AWS refuses such a request before
//! it validates anything).

mod template;
mod yaml;

use std::fmt;
use std::path::Path;
use std::rc::Rc;

use serde_json::Value;
use workflow_core::locate::SourceMap;
use workflow_core::{
    Diagnostic, InvalidDefinition, MachineType, Pointer, StateMachine, check_as, duplicate_key,
};

/// The largest definition AWS accepts: `CreateStateMachine`'s `definition` has a maximum
/// length of 1048576, the hard quota "Maximum size of state machine definition: 1 MB".
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

/// Why an input cannot be used at all (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// A text that diagnostics are shown in: a file, or a definition string of a template.
#[derive(Debug)]
pub struct Source {
    /// The name shown before the line and column: `flow.asl.json`, or
    /// `template.yaml: Resources/Flow/Properties/DefinitionString`.
    pub name: String,
    /// The text.
    pub text: String,
    /// Where each JSON pointer of the text is.
    pub map: SourceMap,
}

/// One state machine definition, ready to check.
#[derive(Debug)]
pub struct Definition {
    /// What to call it: `flow.asl.json`, or `template.yaml: Resources/Flow/Properties/Definition`.
    pub origin: String,
    /// The template resource it comes from.
    pub logical_id: Option<String>,
    /// `STANDARD` unless the template says `EXPRESS`.
    pub machine_type: MachineType,
    /// Where its diagnostics are shown.
    pub source: Rc<Source>,
    /// Where the definition's root is in [`Source::map`] (`/Resources/Flow/Properties/Definition`
    /// for a template's `Definition` object, the root otherwise).
    pub root: Pointer,
    body: Body,
}

/// A definition as AWS would receive it.
#[derive(Debug)]
enum Body {
    /// JSON text: a file, a `DefinitionString`. Checked as text, so that syntax errors and
    /// duplicate keys are found as AWS finds them.
    Text(String),
    /// A JSON value inside a larger document (a template's `Definition`, a YAML file), with
    /// the keys its document wrote twice, relative to the definition.
    Value {
        value: Value,
        duplicates: Vec<Pointer>,
    },
}

impl Definition {
    /// The size AWS counts: the definition's JSON text, compact when it came as an object.
    pub fn size(&self) -> usize {
        match &self.body {
            Body::Text(text) => text.len(),
            Body::Value { value, .. } => {
                serde_json::to_string(value).map_or(usize::MAX, |s| s.len())
            }
        }
    }

    /// The definition's JSON text, as AWS would receive it (compact when it came as an
    /// object or as YAML).
    pub fn json_text(&self) -> String {
        match &self.body {
            Body::Text(text) => text.clone(),
            Body::Value { value, .. } => value.to_string(),
        }
    }

    /// AWS's size limit: a larger definition is not even validated.
    pub fn check_size(&self) -> Result<(), InputError> {
        let size = self.size();
        if size <= MAX_DEFINITION_BYTES {
            return Ok(());
        }
        Err(InputError(format!(
            "{}: 1 validation error detected: Value at 'definition' failed to satisfy constraint: \
             Member must have length less than or equal to {MAX_DEFINITION_BYTES} \
             (the definition is {size} bytes; a state machine definition is limited to 1 MB)",
            self.origin
        )))
    }

    /// Parses and validates the definition with the validator `workflow!` uses.
    pub fn check(&self) -> Result<StateMachine, InvalidDefinition> {
        match &self.body {
            Body::Text(text) => StateMachine::from_json_str_as(text, self.machine_type),
            Body::Value { value, duplicates } => {
                let mut found: Vec<Diagnostic> =
                    duplicates.iter().cloned().map(duplicate_key).collect();
                match check_as(value, self.machine_type) {
                    Ok(machine) if found.is_empty() => Ok(machine),
                    Ok(_) => Err(InvalidDefinition(found)),
                    Err(InvalidDefinition(more)) => {
                        found.extend(more);
                        Err(InvalidDefinition(found))
                    }
                }
            }
        }
    }

    /// The definition as a JSON value, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        match &self.body {
            Body::Text(text) => serde_json::from_str(text).ok(),
            Body::Value { value, .. } => Some(value.clone()),
        }
    }
}

/// What one file holds.
#[derive(Debug)]
pub struct Loaded {
    /// Its state machine definitions, in file order.
    pub definitions: Vec<Definition>,
    /// State machines that cannot be checked locally (a definition in S3), said once each.
    pub warnings: Vec<String>,
}

/// Reads a file and finds the definitions it holds.
pub fn load(path: &Path) -> Result<Loaded, InputError> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    let syntax = Syntax::of(path);
    let json = match syntax {
        Syntax::Yaml => None,
        Syntax::Json | Syntax::Either => Some(serde_json::from_str::<Value>(&text)),
    };
    match json {
        Some(Ok(document)) if template::is_template(&document) => {
            let map = SourceMap::from_json(&text);
            let source = Rc::new(Source { name, text, map });
            template::definitions(&source, &document, &[], base_dir(path))
        }
        Some(Ok(_)) => Ok(single(plain_text(name, text))),
        Some(Err(_)) if syntax == Syntax::Json || looks_like_json(&text) => {
            Ok(single(plain_text(name, text)))
        }
        _ => load_yaml(path, name, text),
    }
}

fn load_yaml(path: &Path, name: String, text: String) -> Result<Loaded, InputError> {
    let document = yaml::parse(&text).map_err(|e| {
        InputError(format!(
            "`{name}` is neither JSON nor YAML: {} at line {}, column {}",
            e.message, e.line, e.column
        ))
    })?;
    if template::is_template(&document.value) {
        let source = Rc::new(Source {
            name,
            text,
            map: document.map,
        });
        return template::definitions(
            &source,
            &document.value,
            &document.duplicates,
            base_dir(path),
        );
    }
    if !document.value.is_object() {
        return Err(not_a_definition(&name));
    }
    let origin = name.clone();
    let source = Rc::new(Source {
        name,
        text,
        map: document.map,
    });
    Ok(single(Definition {
        origin,
        logical_id: None,
        machine_type: MachineType::Standard,
        source,
        root: Pointer::root(),
        body: Body::Value {
            value: document.value,
            duplicates: document.duplicates,
        },
    }))
}

fn not_a_definition(name: &str) -> InputError {
    InputError(format!(
        "`{name}` holds no state machine: expected an ASL definition (a JSON object) or a \
         CloudFormation template"
    ))
}

/// A definition that is the whole of a JSON text.
fn plain_text(name: String, text: String) -> Definition {
    let map = SourceMap::from_json(&text);
    Definition {
        origin: name.clone(),
        logical_id: None,
        machine_type: MachineType::Standard,
        source: Rc::new(Source {
            name,
            text: text.clone(),
            map,
        }),
        root: Pointer::root(),
        body: Body::Text(text),
    }
}

fn single(definition: Definition) -> Loaded {
    Loaded {
        definitions: vec![definition],
        warnings: Vec::new(),
    }
}

/// The most the command reads of any one input (a definition, a template, a mocks file,
/// an execution input, a history): AWS's largest quota among them, a 1 MiB definition,
/// with room for a template's other resources, so that `/dev/zero` or an endless pipe is
/// an error in milliseconds rather than a process that fills memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads at most [`MAX_INPUT_BYTES`] from `reader`; more is an error naming `name`.
pub fn read_capped(reader: impl std::io::Read, name: &str) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut reader.take(MAX_INPUT_BYTES + 1), &mut bytes)
        .map_err(|e| InputError(format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError(format!(
            "{name} is larger than {} MiB, more than any AWS quota allows",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Reads a file as text (at most [`MAX_INPUT_BYTES`]), without a byte-order mark.
pub fn read_text(path: &Path, name: &str) -> Result<String, InputError> {
    let file = std::fs::File::open(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string(),
        };
        InputError(format!("cannot read `{name}`: {why}"))
    })?;
    let bytes = read_capped(file, &format!("`{name}`"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| InputError(format!("`{name}` is not UTF-8 text")))?;
    // Editors on Windows write a byte-order mark that no JSON parser accepts.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

fn base_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// Which syntax a file's name promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Yaml,
    Either,
}

impl Syntax {
    fn of(path: &Path) -> Syntax {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Syntax::Json,
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => Syntax::Either,
        }
    }
}

/// Picks the definition a command runs: the only one, or the one `--state-machine` names.
pub fn select(
    loaded: Loaded,
    path: &Path,
    logical_id: Option<&str>,
) -> Result<Definition, InputError> {
    let name = path.display();
    let mut definitions = loaded.definitions;
    if let Some(id) = logical_id {
        let ids = ids(&definitions);
        return match definitions
            .into_iter()
            .find(|d| d.logical_id.as_deref() == Some(id))
        {
            Some(definition) => Ok(definition),
            None => Err(InputError(format!(
                "`{name}` has no state machine `{id}`{}",
                if ids.is_empty() {
                    String::new()
                } else {
                    format!(" (it has {ids})")
                }
            ))),
        };
    }
    match definitions.len() {
        1 => Ok(definitions.remove(0)),
        _ => Err(InputError(format!(
            "`{name}` holds {} state machines ({}): choose one with --state-machine LOGICAL_ID",
            definitions.len(),
            ids(&definitions)
        ))),
    }
}

fn ids(definitions: &[Definition]) -> String {
    definitions
        .iter()
        .filter_map(|d| d.logical_id.as_deref())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value given on the command line: inline JSON, `@file`, or `@-` for standard input.
pub fn json_argument(flag: &str, argument: &str) -> Result<Value, InputError> {
    json_argument_as(flag, argument, |text| serde_json::from_str(text))
}

/// [`json_argument`], read by `parse` from its text (an execution's input keeps the size of
/// the text as given, which AWS's payload quota measures).
pub fn json_argument_as<T>(
    flag: &str,
    argument: &str,
    parse: impl FnOnce(&str) -> serde_json::Result<T>,
) -> Result<T, InputError> {
    let (text, from) = match argument.strip_prefix('@') {
        Some("-") => {
            let bytes = read_capped(std::io::stdin(), "standard input")
                .map_err(|e| InputError(format!("{flag}: {e}")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| InputError(format!("{flag}: standard input is not UTF-8 text")))?;
            (text, "standard input".to_owned())
        }
        Some(file) => (
            read_text(Path::new(file), file).map_err(|e| InputError(format!("{flag}: {e}")))?,
            format!("`{file}`"),
        ),
        None => (argument.to_owned(), "the argument".to_owned()),
    };
    parse(&text).map_err(|e| InputError(format!("{flag}: {from} is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        (dir, path)
    }

    #[test]
    fn a_json_file_is_checked_as_text() {
        let (_dir, path) = file(
            "a.json",
            r#"{"StartAt": "A", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#,
        );
        let loaded = load(&path).unwrap();
        let invalid = loaded.definitions[0].check().unwrap_err();
        assert_eq!(invalid.0[0].code.as_str(), "SCHEMA_VALIDATION_FAILED");
    }

    #[test]
    fn broken_json_is_an_invalid_definition_not_an_input_error() {
        let (_dir, path) = file("a.json", "not a definition");
        let loaded = load(&path).unwrap();
        let invalid = loaded.definitions[0].check().unwrap_err();
        assert_eq!(invalid.0[0].code.as_str(), "INVALID_JSON_DESCRIPTION");
    }

    #[test]
    fn yaml_definitions_keep_duplicates_and_locations() {
        let text = "StartAt: A\nStates:\n  A:\n    Type: Succeed\n  A:\n    Type: Succeed\n";
        let (_dir, path) = file("flow.yaml", text);
        let loaded = load(&path).unwrap();
        let invalid = loaded.definitions[0].check().unwrap_err();
        assert_eq!(invalid.0[0].code.as_str(), "DUPLICATE_STATE_NAME");
    }

    #[test]
    fn unusable_files_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            load(&dir.path().join("missing.json"))
                .unwrap_err()
                .0
                .contains("no such file")
        );
        let (_d1, bad) = file("x.yaml", "a: [1, 2\nb: c");
        assert!(load(&bad).unwrap_err().0.contains("neither JSON nor YAML"));
        let (_d2, scalar) = file("x.txt", "hello");
        assert!(
            load(&scalar)
                .unwrap_err()
                .0
                .contains("holds no state machine")
        );
        let (_d3, binary) = file("x.bin", "\u{0}\u{1}");
        assert!(load(&binary).is_err());
        std::fs::write(dir.path().join("latin1.json"), [0xe9u8, 0x7b]).unwrap();
        assert!(
            load(&dir.path().join("latin1.json"))
                .unwrap_err()
                .0
                .contains("UTF-8")
        );
    }

    #[test]
    fn oversized_definitions_are_refused_with_aws_words() {
        let big = format!(
            r#"{{"StartAt": "A", "Comment": "{}", "States": {{"A": {{"Type": "Succeed"}}}}}}"#,
            "x".repeat(MAX_DEFINITION_BYTES)
        );
        let (_dir, path) = file("big.json", &big);
        let loaded = load(&path).unwrap();
        let err = loaded.definitions[0].check_size().unwrap_err();
        assert!(
            err.0
                .contains("Member must have length less than or equal to 1048576")
        );
    }
}
