use super::{MachineType, StateAt};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, field};
use crate::model::StateKind;

/// A Task `Resource` is an ARN, or a `${Name}` placeholder that CloudFormation's
/// `DefinitionSubstitutions` fills in (which is how `workflow!` exports handlers). Express
/// state machines cannot wait for callbacks or `.sync` jobs (AWS rejects both at creation).
pub fn check_resources(s: &StateAt, machine_type: MachineType, cx: &Diagnostics) {
    let StateKind::Task(task) = &s.state.kind else {
        return;
    };
    let at = s.field("Resource");
    let resource = task.resource.as_str();
    let placeholder = resource.starts_with("${") && resource.ends_with('}') && resource.len() > 3;
    if !resource.is_empty() && !resource.starts_with("arn:") && !placeholder {
        cx.push(
            Diagnostic::new(
                Code::InvalidResource,
                at.clone(),
                format!(
                    "{} must be an ARN or a `${{Placeholder}}`, found \"{resource}\"",
                    field("Resource")
                ),
            )
            .with_help("for example \"arn:aws:states:::lambda:invoke\""),
        );
    }
    if machine_type == MachineType::Express {
        for pattern in [".sync", ".waitForTaskToken"] {
            if resource.contains(&format!("{pattern}:")) || resource.ends_with(pattern) {
                cx.schema(
                    &at,
                    format!(
                        "Express state machine does not support '{pattern}' service integration"
                    ),
                );
            }
        }
    }
}
