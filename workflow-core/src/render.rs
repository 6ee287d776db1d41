//! Model -> ASL JSON text: the one renderer, used by the macro at compile time and by the
//! runtime, so both produce the same bytes for the same model.

use crate::model::{StateKind, StateMachine};

/// The ASL document, pretty-printed with two-space indents, fields in the order the AWS
/// documentation writes them.
pub fn render(machine: &StateMachine) -> String {
    // Serializing plain data to a String cannot fail: every map key is a string and every
    // float in the model came from JSON, so it is finite.
    serde_json::to_string_pretty(machine).unwrap_or_default()
}

/// Like [`render`], with each Task `Resource` equal to a key of `resources` replaced by
/// its value: the emit-time substitution of handler placeholders by real ARNs.
pub fn render_with_resources(machine: &StateMachine, resources: &[(String, String)]) -> String {
    let mut machine = machine.clone();
    substitute(&mut machine, resources);
    render(&machine)
}

fn substitute(machine: &mut StateMachine, resources: &[(String, String)]) {
    for state in &mut machine.states {
        match &mut state.kind {
            StateKind::Task(task) => {
                if let Some((_, arn)) = resources.iter().find(|(from, _)| *from == task.resource) {
                    task.resource = arn.clone();
                }
            }
            StateKind::Parallel(p) => {
                for branch in &mut p.branches {
                    substitute(branch, resources);
                }
            }
            StateKind::Map(m) => substitute(&mut m.item_processor.machine, resources),
            _ => {}
        }
    }
}

/// The `Resource` a `workflow!` handler is exported with when no ARN is given: a
/// CloudFormation `DefinitionSubstitutions` placeholder, `send_message` ->
/// `${SendMessageFunctionArn}`.
pub fn resource_placeholder(handler: &str) -> String {
    format!(
        "${{{}FunctionArn}}",
        crate::diagnostic::pascal_case(handler)
    )
}
