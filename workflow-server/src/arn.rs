//! Step Functions ARNs: `arn:<partition>:states:<region>:<account>:<type>:<name>[:<qualifier>]`.

use crate::protocol::ApiError;

/// A parsed Step Functions ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub region: String,
    pub account: String,
    /// `stateMachine`, `execution`, `express`, `activity`.
    pub resource_type: String,
    /// The name (for an execution, its state machine's name).
    pub name: String,
    /// What follows the name: a version number or alias (state machines), the execution's
    /// name (executions).
    pub qualifier: Option<String>,
}

impl Arn {
    /// Parses an ARN; the error is AWS's `InvalidArn`.
    pub fn parse(text: &str) -> Result<Arn, ApiError> {
        let invalid = |why: String| ApiError::new("InvalidArn", format!("Invalid Arn: '{why}'"));
        if !text.starts_with("arn:") {
            return Err(invalid(format!("Invalid ARN prefix: {text}")));
        }
        let parts: Vec<&str> = text.splitn(7, ':').collect();
        let [_, _partition, service, region, account, resource_type, rest] = parts[..] else {
            return Err(invalid(format!("Invalid ARN format: {text}")));
        };
        if service != "states" {
            return Err(invalid(format!("Invalid service: {service}")));
        }
        let (name, qualifier) = match rest.split_once(':') {
            Some((name, qualifier)) => (name, Some(qualifier.to_owned())),
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(invalid(format!("Invalid ARN format: {text}")));
        }
        Ok(Arn {
            region: region.to_owned(),
            account: account.to_owned(),
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            qualifier,
        })
    }

    /// Parses an ARN that must be of one of `types`.
    pub fn parse_as(text: &str, types: &[&str]) -> Result<Arn, ApiError> {
        let arn = Arn::parse(text)?;
        if !types.contains(&arn.resource_type.as_str()) {
            return Err(ApiError::new(
                "InvalidArn",
                format!(
                    "Invalid Arn: 'Resource type not valid in this context: {}'",
                    arn.resource_type
                ),
            ));
        }
        Ok(arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_state_machine_and_execution_arns() {
        let arn = Arn::parse("arn:aws:states:us-east-1:123456789012:stateMachine:sm:3").unwrap();
        assert_eq!(arn.name, "sm");
        assert_eq!(arn.qualifier.as_deref(), Some("3"));
        let arn = Arn::parse("arn:aws:states:us-east-1:123456789012:execution:sm:e1").unwrap();
        assert_eq!(
            (arn.resource_type.as_str(), arn.qualifier.as_deref()),
            ("execution", Some("e1"))
        );
    }

    #[test]
    fn bad_arns_say_why() {
        let error = Arn::parse("nope").unwrap_err();
        assert_eq!(error.message, "Invalid Arn: 'Invalid ARN prefix: nope'");
        let error =
            Arn::parse_as("arn:aws:states:us-east-1:1:activity:a", &["stateMachine"]).unwrap_err();
        assert_eq!(
            error.message,
            "Invalid Arn: 'Resource type not valid in this context: activity'"
        );
    }
}
