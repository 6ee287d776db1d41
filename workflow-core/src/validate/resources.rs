use super::{MachineType, StateAt};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, field};
use crate::model::{StateKind, is_activity_arn};

/// A Task `Resource` is an ARN, or a `${Name}` placeholder that CloudFormation's
/// `DefinitionSubstitutions` fills in (which is how `workflow!` exports handlers). Express
/// state machines cannot wait for callbacks, `.sync` jobs or activity workers (AWS rejects
/// all three at creation).
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
        if is_activity_arn(resource) {
            cx.schema(&at, "Express state machine does not support Activity ARN");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::StateMachine;
    use crate::validate::MachineType;

    fn express_errors(resource: &str) -> Vec<String> {
        let definition = serde_json::json!({ "StartAt": "T", "States": {
            "T": { "Type": "Task", "Resource": resource, "End": true } } });
        match StateMachine::from_json_str_as(&definition.to_string(), MachineType::Express) {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn express_machines_refuse_activities_callbacks_and_sync_jobs() {
        let activity = express_errors("arn:aws:states:us-east-1:123456789012:activity:review");
        assert_eq!(activity.len(), 1, "{activity:?}");
        assert!(
            activity[0].contains("Express state machine does not support Activity ARN"),
            "{activity:?}"
        );
        assert_eq!(
            express_errors("arn:aws:states:::sqs:sendMessage.waitForTaskToken").len(),
            1
        );
        assert!(express_errors("arn:aws:states:::sqs:sendMessage").is_empty());
        // Standard machines take them all.
        let definition = r#"{"StartAt":"T","States":{"T":{"Type":"Task","End":true,
            "Resource":"arn:aws:states:us-east-1:123456789012:activity:review"}}}"#;
        assert!(StateMachine::from_json_str(definition).is_ok());
    }
}
