//! `workflow validate FILE...`: checks ASL definitions and the state machines of
//! CloudFormation/SAM templates with the validator the `workflow!` macro uses.
//!
//! Human output (the default) goes to standard error, rustc-style: the AWS code, the
//! message, the offending line with the key or value underlined and labelled with its JSON
//! pointer, and the hint. A valid definition prints `<source>: OK` on standard output.
//!
//! `--format json` prints, on standard output, the shape of AWS's
//! `ValidateStateMachineDefinition` response for each definition:
//!
//! ```json
//! {"source": "flow.asl.json", "result": "FAIL",
//!  "diagnostics": [{"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
//!                   "location": "/States/A/Next", "message": "...", "help": "..."}]}
//! ```
//!
//! One object when one file holding one state machine is given, else an array with one
//! object per state machine, in order. `location` is the JSON pointer inside the definition;
//! `source` names the file, and for a template the resource property holding the definition
//! (`template.yaml: Resources/Flow/Properties/Definition`). Inputs that cannot be used are
//! reported on standard error only.
//!
//! Exit codes: 0 when every definition is valid, 1 when one is invalid, 2 when an input
//! cannot be used (missing or unreadable file, neither JSON nor YAML, a template with no
//! state machine, a definition over AWS's 1 MB quota); the highest applies.

mod human;
mod json;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

pub use human::{Style, render};
use workflow_core::{InvalidDefinition, MachineType};

use crate::source::{self, Definition};

/// Arguments of `workflow validate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// ASL definitions (JSON or YAML) or CloudFormation/SAM templates (JSON or YAML).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// `human` (rustc-style, on standard error) or `json` (AWS's
    /// ValidateStateMachineDefinition shape, on standard output).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The state machine type of plain definitions (a template says its own).
    #[arg(long = "type", value_name = "TYPE", value_enum, default_value_t = Type::Standard, ignore_case = true)]
    pub machine_type: Type,
    /// Colour the human output: `auto` (when standard error is a terminal and NO_COLOR is
    /// unset), `always` or `never`.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Output formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style diagnostics.
    Human,
    /// AWS's ValidateStateMachineDefinition response shape.
    Json,
}

/// State machine types: Express machines allow fewer integrations.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// `STANDARD`.
    #[value(name = "STANDARD")]
    Standard,
    /// `EXPRESS`.
    #[value(name = "EXPRESS")]
    Express,
}

impl From<Type> for MachineType {
    fn from(t: Type) -> Self {
        match t {
            Type::Standard => MachineType::Standard,
            Type::Express => MachineType::Express,
        }
    }
}

/// When to colour diagnostics.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// When standard error is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Color {
    /// The style for standard error.
    pub fn style(self) -> Style {
        let auto = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        match self {
            Color::Always => Style::Styled,
            Color::Auto if auto => Style::Styled,
            _ => Style::Plain,
        }
    }
}

/// The exit codes, in order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Valid = 0,
    Invalid = 1,
    Unusable = 2,
}

/// Runs `workflow validate`.
pub fn main(args: Args) -> ExitCode {
    let style = args.color.style();
    let mut verdict = Verdict::Valid;
    let mut reports = Vec::new();
    for file in &args.files {
        let loaded = match source::load(file) {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("error: {e}");
                verdict = verdict.max(Verdict::Unusable);
                continue;
            }
        };
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
        for mut definition in loaded.definitions {
            if definition.logical_id.is_none() {
                definition.machine_type = args.machine_type.into();
            }
            let definition = &definition;
            if let Err(e) = definition.check_size() {
                eprintln!("error: {e}");
                verdict = verdict.max(Verdict::Unusable);
                continue;
            }
            let diagnostics = definition.check().err().map(|e| e.0).unwrap_or_default();
            if !diagnostics.is_empty() {
                verdict = verdict.max(Verdict::Invalid);
            }
            match args.format {
                Format::Human if diagnostics.is_empty() => println!("{}: OK", definition.origin),
                Format::Human => {
                    report(definition, &InvalidDefinition(diagnostics), style);
                }
                Format::Json => {
                    reports.push(json::Report::new(definition.origin.clone(), &diagnostics))
                }
            }
        }
    }
    if args.format == Format::Json {
        let text = if args.files.len() == 1 && reports.len() == 1 {
            serde_json::to_string_pretty(&reports[0])
        } else {
            serde_json::to_string_pretty(&reports)
        };
        match text {
            Ok(text) if !(reports.is_empty() && args.files.len() == 1) => println!("{text}"),
            _ => {}
        }
    }
    ExitCode::from(verdict as u8)
}

/// Prints every diagnostic of an invalid definition on standard error, then a summary.
pub fn report(definition: &Definition, invalid: &InvalidDefinition, style: Style) {
    for diagnostic in &invalid.0 {
        eprintln!("{}\n", render(definition, diagnostic, style));
    }
    let n = invalid.0.len();
    eprintln!(
        "error: `{}` is not a valid state machine: {n} error{}\n",
        definition.origin,
        if n == 1 { "" } else { "s" }
    );
}
