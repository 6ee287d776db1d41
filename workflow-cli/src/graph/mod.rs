//! `workflow graph FILE [--format mermaid|dot|svg] [--history history.json] [--output FILE]`:
//! the picture the AWS console shows as "visual workflow".
//!
//! One state per node, styled by type; `Next`, choice rules (labelled with the rule), catchers
//! (dashed, labelled with the errors) and `End` as edges; Parallel branches and Map item
//! processors as nested boxes. With an execution history, the path taken is highlighted, each
//! edge numbered with the steps that followed it, and failed states outlined in red.
//!
//! The drawing is [`workflow_core::graph`]'s, shared with `workflow serve`'s console; this
//! module reads the files and writes the picture.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use workflow_core::StateMachine;
pub use workflow_core::graph::{Event, Format, Graph, UnknownFormat};

/// Draws `machine` in `format`; with `history`, highlights the path that execution took.
pub fn render(machine: &StateMachine, format: Format, history: Option<&History>) -> String {
    let events = history.map(History::events);
    workflow_core::graph::render(machine, format, events.as_deref())
}

/// An execution history as `GetExecutionHistory` returns it: its event objects.
#[derive(Debug, Clone, PartialEq)]
pub struct History(Vec<Value>);

impl History {
    /// What the picture reads of each event.
    pub fn events(&self) -> Vec<Event<'_>> {
        self.0.iter().filter_map(Event::from_json).collect()
    }

    /// How many events it has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The `--format` values, for `--help`.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["mermaid", "dot", "svg"])
        .map(|name| name.parse().expect("a listed format"))
}

/// Arguments of `workflow graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An ASL definition (JSON or YAML) or a CloudFormation/SAM template.
    pub file: PathBuf,
    /// The state machine to draw, by logical id, when a template has several.
    #[arg(long, value_name = "LOGICAL_ID")]
    pub state_machine: Option<String>,
    /// The output format; by default the `--output` file's extension says, else mermaid.
    #[arg(long, short, value_parser = format_parser())]
    pub format: Option<Format>,
    /// An execution history (GetExecutionHistory JSON, `{"events": [...]}`) whose path to
    /// highlight.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Where to write the picture; standard output by default.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs `workflow graph`: 0 when drawn, 1 for an invalid definition or history, 2 when a
/// file cannot be read or written.
pub fn main(args: Args) -> ExitCode {
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, code }) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

struct Failure {
    message: String,
    code: u8,
}

fn run(args: &Args) -> Result<(), Failure> {
    let io = |path: &Path, e: std::io::Error| Failure {
        message: format!("{}: {e}", path.display()),
        code: 2,
    };
    // The inputs `validate` and `run` read: ASL in JSON or YAML, or a template.
    let unusable = |e: crate::source::InputError| Failure {
        message: e.0,
        code: 2,
    };
    let loaded = crate::source::load(&args.file).map_err(unusable)?;
    let definition = crate::source::select(loaded, &args.file, args.state_machine.as_deref())
        .map_err(unusable)?;
    let machine = definition.check().map_err(|e| Failure {
        message: format!("{}: {e}", definition.origin),
        code: 1,
    })?;
    let history = match &args.history {
        Some(path) => {
            let text =
                crate::source::read_text(path, &path.display().to_string()).map_err(unusable)?;
            Some(parse_history(&text).map_err(|e| Failure {
                message: format!("{}: not an execution history: {e}", path.display()),
                code: 1,
            })?)
        }
        None => None,
    };
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(Format::from_extension))
        .unwrap_or(Format::Mermaid);
    let mut picture = render(&machine, format, history.as_ref());
    if !picture.ends_with('\n') {
        picture.push('\n');
    }
    match &args.output {
        Some(path) => std::fs::write(path, picture).map_err(|e| io(path, e)),
        None => {
            print!("{picture}");
            Ok(())
        }
    }
}

/// A history as `GetExecutionHistory` returns it (`{"events": [...]}`), or the bare array.
fn parse_history(text: &str) -> Result<History, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let events = match value {
        Value::Array(events) => events,
        Value::Object(mut fields) => match fields.remove("events") {
            Some(Value::Array(events)) => events,
            _ => return Err("no `events` array".to_owned()),
        },
        _ => return Err("expected an object with `events`, or an array".to_owned()),
    };
    if let Some(bad) = events.iter().position(|e| Event::from_json(e).is_none()) {
        return Err(format!("event {} has no `type`", bad + 1));
    }
    Ok(History(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> StateMachine {
        let text = match name {
            "onboarding" => {
                include_str!("../../../workflow-core/src/graph/fixtures/onboarding.asl.json")
            }
            _ => include_str!("../../../workflow-core/src/graph/fixtures/nested.asl.json"),
        };
        StateMachine::from_json_str(text).expect("fixture is valid ASL")
    }

    fn history(name: &str) -> History {
        let text = match name {
            "onboarding" => {
                include_str!("../../../workflow-core/src/graph/fixtures/onboarding.history.json")
            }
            _ => include_str!("../../../workflow-core/src/graph/fixtures/nested.history.json"),
        };
        parse_history(text).expect("fixture is a history")
    }

    #[test]
    fn onboarding_mermaid() {
        insta::assert_snapshot!(render(&fixture("onboarding"), Format::Mermaid, None));
    }

    #[test]
    fn onboarding_dot() {
        insta::assert_snapshot!(render(&fixture("onboarding"), Format::Dot, None));
    }

    #[test]
    fn onboarding_with_history_mermaid() {
        let h = history("onboarding");
        insta::assert_snapshot!(render(&fixture("onboarding"), Format::Mermaid, Some(&h)));
    }

    #[test]
    fn onboarding_with_history_dot() {
        let h = history("onboarding");
        insta::assert_snapshot!(render(&fixture("onboarding"), Format::Dot, Some(&h)));
    }

    /// Parallel with a Map inside one branch and a loop in the other, a Catch on the
    /// Parallel state, a Choice with a compound rule.
    #[test]
    fn nested_mermaid() {
        insta::assert_snapshot!(render(&fixture("nested"), Format::Mermaid, None));
    }

    #[test]
    fn nested_dot() {
        insta::assert_snapshot!(render(&fixture("nested"), Format::Dot, None));
    }

    #[test]
    fn nested_with_history_mermaid() {
        let h = history("nested");
        insta::assert_snapshot!(render(&fixture("nested"), Format::Mermaid, Some(&h)));
    }

    #[test]
    fn nested_with_history_dot() {
        let h = history("nested");
        insta::assert_snapshot!(render(&fixture("nested"), Format::Dot, Some(&h)));
    }

    #[test]
    fn the_command_writes_the_format_its_output_asks_for() {
        let dir = std::env::temp_dir().join(format!("workflow-graph-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let asl = dir.join("flow.asl.json");
        std::fs::write(
            &asl,
            include_str!("../../../workflow-core/src/graph/fixtures/onboarding.asl.json"),
        )
        .unwrap();
        let out = dir.join("flow.svg");
        let args = Args {
            file: asl.clone(),
            state_machine: None,
            format: None,
            history: None,
            output: Some(out.clone()),
        };
        assert!(run(&args).is_ok());
        assert!(std::fs::read_to_string(&out).unwrap().starts_with("<svg "));

        let missing = Args {
            file: dir.join("missing.json"),
            state_machine: None,
            format: Some(Format::Dot),
            history: None,
            output: None,
        };
        assert_eq!(run(&missing).err().map(|f| f.code), Some(2));
        std::fs::write(&asl, r#"{"StartAt": "Nowhere", "States": {}}"#).unwrap();
        let invalid = Args {
            file: asl,
            state_machine: None,
            format: Some(Format::Dot),
            history: None,
            output: None,
        };
        let failure = run(&invalid).err().unwrap();
        assert_eq!(failure.code, 1);
        assert!(
            failure.message.contains("flow.asl.json"),
            "{}",
            failure.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bare_event_array_is_a_history() {
        let h = parse_history(
            r#"[{"id":1,"previousEventId":0,"timestamp":"t","type":"ExecutionStarted"}]"#,
        )
        .unwrap();
        assert_eq!(h.len(), 1);
    }
}
