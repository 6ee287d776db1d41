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
    if resource.starts_with("arn:")
        && let Some(problem) = arn_problem(resource)
    {
        cx.push(
            Diagnostic::new(
                Code::InvalidResource,
                at.clone(),
                format!("{} \"{resource}\" {problem}", field("Resource")),
            )
            .with_help(
                "a Task ARN is arn:partition:service:region:account:task_type:name, such as \
                 \"arn:aws:lambda:us-east-1:123456789012:function:name\" or \
                 \"arn:aws:states:::lambda:invoke\"",
            ),
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

/// What is wrong with a Task ARN, if anything. AWS documents one shape for every task type
/// but the HTTP Task: `arn:partition:service:region:account:task_type:name` ("Task workflow
/// state", AWS docs). Lambda functions and activities live in a region and an account;
/// service integrations (`arn:aws:states:::sns:publish`) leave both empty.
fn arn_problem(resource: &str) -> Option<String> {
    let parts: Vec<&str> = resource.split(':').collect();
    if parts.len() < 7 {
        return Some(format!("has {} of the 7 parts of a Task ARN", parts.len()));
    }
    let [_, partition, service, region, account, task_type, name, ..] = parts[..] else {
        return None;
    };
    let empty = [
        ("partition", partition),
        ("service", service),
        ("task type", task_type),
        ("name", name),
    ]
    .into_iter()
    .find(|(_, part)| part.is_empty());
    if let Some((what, _)) = empty {
        return Some(format!("has an empty {what}"));
    }
    let located = match (service, task_type) {
        ("lambda", "function") => "a Lambda function",
        ("lambda", other) => {
            return Some(format!(
                "names a Lambda `{other}`: a Lambda Task names a `function`"
            ));
        }
        ("states", "activity") => "an activity",
        _ => return None,
    };
    if region.is_empty() || account.is_empty() {
        return Some(format!("names {located} without a region or an account"));
    }
    None
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

    fn errors(resource: &str) -> Vec<String> {
        let definition = serde_json::json!({ "StartAt": "T", "States": {
            "T": { "Type": "Task", "Resource": resource, "End": true } } });
        match StateMachine::from_json_str(&definition.to_string()) {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn task_arns_have_the_documented_shape() {
        for ok in [
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::aws-sdk:s3:getObject",
            "arn:aws-cn:states:::sqs:sendMessage.waitForTaskToken",
            "arn:aws:states:us-east-1:123456789012:activity:review",
            "${Handler}",
        ] {
            assert_eq!(errors(ok), Vec::<String>::new(), "{ok}");
        }
        for (bad, problem) in [
            ("arn:aws:lambda", "has 3 of the 7 parts"),
            ("arn:aws:states:::lambda", "has 6 of the 7 parts"),
            ("arn:aws:states:::lambda:", "has an empty name"),
            (
                "arn::lambda:us-east-1:1:function:f",
                "has an empty partition",
            ),
            (
                "arn:aws:lambda:::function:f",
                "names a Lambda function without a region",
            ),
            (
                "arn:aws:lambda:us-east-1:1:layer:f",
                "names a Lambda `layer`",
            ),
            (
                "arn:aws:states:::activity:review",
                "names an activity without a region",
            ),
        ] {
            let found = errors(bad);
            assert_eq!(found.len(), 1, "{bad}: {found:?}");
            assert!(found[0].contains(problem), "{bad}: {found:?}");
        }
    }
}
