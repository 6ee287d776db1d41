//! Names of state machines, executions and activities: 1 to 80 characters, none of the
//! characters AWS refuses (`InvalidName`).

use crate::protocol::ApiError;

/// Characters AWS refuses in a name (besides whitespace and control characters).
const FORBIDDEN: &str = "\"#$%&/:;<>?\\`{|}~[]*^,";

/// Checks a resource name; the error is AWS's `InvalidName`.
pub fn check(name: &str) -> Result<(), ApiError> {
    let length = name.chars().count();
    let bad = length == 0
        || length > 80
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(c));
    if bad {
        return Err(ApiError::new(
            "InvalidName",
            format!("Invalid Name: '{name}'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_follow_aws_rules() {
        assert!(super::check("ok-name_1.2").is_ok());
        for bad in ["", "a b", "a:b", "a\u{7f}", "a{b", &"x".repeat(81)] {
            let error = super::check(bad).unwrap_err();
            assert_eq!(error.code, "InvalidName");
            assert_eq!(error.message, format!("Invalid Name: '{bad}'"));
        }
    }
}
