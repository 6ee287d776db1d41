//! `--format json`: the shape of AWS's `ValidateStateMachineDefinition` response.

use serde::Serialize;
use workflow_core::{Diagnostic, Spelling};

/// The result for one definition: AWS's `result` and `diagnostics`, with `source` naming
/// the definition (`flow.asl.json`, `template.yaml: Resources/Flow/Properties/Definition`).
#[derive(Debug, Serialize)]
pub struct Report {
    /// Which definition this is.
    pub source: String,
    /// `OK` or `FAIL`.
    pub result: &'static str,
    /// Every problem found, in document order.
    pub diagnostics: Vec<Item>,
}

/// One diagnostic, as AWS writes it, with our hint when there is one.
#[derive(Debug, Serialize)]
pub struct Item {
    /// Always `ERROR`: everything the validator reports makes AWS refuse the definition.
    pub severity: &'static str,
    /// AWS's code, such as `MISSING_TRANSITION_TARGET`.
    pub code: &'static str,
    /// The JSON pointer inside the definition (`/` for the root).
    pub location: String,
    /// The message.
    pub message: String,
    /// A hint, such as "did you mean `Wait1`?".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Report {
    /// The report for a definition and what its check found.
    pub fn new(source: String, diagnostics: &[Diagnostic]) -> Self {
        Report {
            source,
            result: if diagnostics.is_empty() { "OK" } else { "FAIL" },
            diagnostics: diagnostics
                .iter()
                .map(|d| Item {
                    severity: "ERROR",
                    code: d.code.as_str(),
                    location: d.pointer.to_string(),
                    message: d.message(Spelling::Asl),
                    help: d.help(Spelling::Asl),
                })
                .collect(),
        }
    }
}
