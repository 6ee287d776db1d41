use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pointer};
use crate::model::StateMachine;

/// AWS's limit on the length of a state name.
pub const MAX_STATE_NAME_LENGTH: usize = 80;

/// State names are at most 80 characters and free of control characters (AWS API
/// reference, `StateEnteredEventDetails.name`). AWS's API documentation also lists
/// whitespace and punctuation as forbidden in names, but the service accepts them in state
/// names (its own examples use "Hello World"), so only what it actually rejects is checked.
pub fn check_state_names(machine: &StateMachine, at: &Pointer, cx: &Diagnostics) {
    for state in &machine.states {
        // Made only for a diagnostic: most names are fine.
        let state_at = || at.key("States").key(&state.name);
        let length = state.name.chars().count();
        if length == 0 {
            cx.push(
                Diagnostic::new(Code::InvalidStateName, state_at(), "state name is empty").at_key(),
            );
        } else if length > MAX_STATE_NAME_LENGTH {
            cx.push(
                Diagnostic::new(
                    Code::InvalidStateName,
                    state_at(),
                    format!(
                        "state name is {length} characters long; AWS allows at most {MAX_STATE_NAME_LENGTH}"
                    ),
                )
                .at_key(),
            );
        } else if let Some(c) = state.name.chars().find(|c| is_forbidden(*c)) {
            cx.push(
                Diagnostic::new(
                    Code::InvalidStateName,
                    state_at(),
                    format!("state name contains the control character {c:?}"),
                )
                .at_key(),
            );
        }
    }
}

fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::diagnose;
    use serde_json::json;

    #[test]
    fn long_and_control_character_names_are_rejected() {
        let long = "A".repeat(81);
        let found = diagnose(json!({
            "StartAt": long,
            "States": { long.clone(): { "Type": "Pass", "Next": "B\u{7}" }, "B\u{7}": { "Type": "Succeed" } }
        }));
        assert_eq!(
            found,
            vec![
                (Code::InvalidStateName, format!("/States/{long}")),
                (Code::InvalidStateName, "/States/B\u{7}".to_owned()),
            ]
        );
    }

    #[test]
    fn eighty_characters_and_spaces_are_fine() {
        let name = format!("Hello World {}", "x".repeat(68));
        assert!(
            diagnose(json!({ "StartAt": name, "States": { name.clone(): { "Type": "Succeed" } } }))
                .is_empty()
        );
    }
}
