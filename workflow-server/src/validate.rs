//! ValidateStateMachineDefinition, and the `InvalidDefinition` error of Create and Update:
//! the runtime's one validator ([`StateMachine::from_json_str_as`]), its diagnostics shaped
//! as AWS writes them.

use serde_json::{Value, json};
use workflow_runtime::asl::{Code, MachineType, Spelling, StateMachine};

use crate::protocol::{ApiError, Request};
use crate::state_machines::as_machine_type;

/// One diagnostic, as AWS writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: String,
    pub message: String,
    /// A JSON pointer (`/States/A/Next`); `None` where AWS gives no location.
    pub location: Option<String>,
}

/// Every problem AWS would report for `text` as a machine of `machine_type`.
pub fn diagnostics(text: &str, machine_type: MachineType) -> Vec<Diagnostic> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return vec![Diagnostic {
            code: "SCHEMA_VALIDATION_FAILED".to_owned(),
            message: "Definition must be a valid JSON object".to_owned(),
            location: None,
        }];
    }
    match StateMachine::from_json_str_as(text, machine_type) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid
            .0
            .iter()
            .map(|d| {
                if d.code == Code::InvalidJson
                    && let Some(jackson) = jackson_token_error(text)
                {
                    return jackson;
                }
                Diagnostic {
                    code: d.code.as_str().to_owned(),
                    message: d.message(Spelling::Asl),
                    location: Some(d.pointer.to_string()),
                }
            })
            .collect(),
    }
}

/// AWS parses with Jackson: text that does not start like JSON is reported as an
/// unrecognized token, with Jackson's wording and position.
fn jackson_token_error(text: &str) -> Option<Diagnostic> {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let first = rest.chars().next()?;
    if "{[\"-0123456789".contains(first) {
        return None;
    }
    let token: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    if token.is_empty() || ["true", "false", "null"].contains(&token.as_str()) {
        return None;
    }
    let before = &text[..start];
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + token.chars().count() + 1;
    let location = format!("[Source: (String)\"{text}\"; line: {line}, column: {column}]");
    Some(Diagnostic {
        code: "INVALID_JSON_DESCRIPTION".to_owned(),
        message: format!(
            "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at {location}"
        ),
        location: Some(location),
    })
}

/// `InvalidDefinition` for a definition with problems.
pub fn require_valid(text: &str, machine_type: MachineType) -> Result<(), ApiError> {
    let found = diagnostics(text, machine_type);
    if found.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = found
        .iter()
        .map(|d| match &d.location {
            Some(location) => format!("{}: {} at {location}", d.code, d.message),
            None => format!("{}: {}", d.code, d.message),
        })
        .collect();
    Err(ApiError::new(
        "InvalidDefinition",
        format!("Invalid State Machine Definition: '{}'", listed.join(", ")),
    ))
}

/// ValidateStateMachineDefinition.
pub fn operation(request: &Request) -> Result<Value, ApiError> {
    let definition = request.str("definition")?;
    let machine_type = match request.str_opt("type")? {
        None | Some("STANDARD") => MachineType::Standard,
        Some("EXPRESS") => MachineType::Express,
        Some(other) => {
            return Err(ApiError::constraint(
                "type",
                other,
                "Member must satisfy enum value set: [STANDARD, EXPRESS]",
            ));
        }
    };
    match request.str_opt("severity")? {
        None | Some("ERROR") | Some("WARNING") => {}
        Some(other) => {
            return Err(ApiError::constraint(
                "severity",
                other,
                "Member must satisfy enum value set: [ERROR, WARNING]",
            ));
        }
    }
    let max = match request.int_opt("maxResults")? {
        None | Some(0) => 100,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(ApiError::constraint(
                "maxResults",
                &n.to_string(),
                if n < 0 {
                    "Member must have value greater than or equal to 0"
                } else {
                    "Member must have value less than or equal to 100"
                },
            ));
        }
    };
    let found = diagnostics(definition, machine_type);
    let truncated = found.len() > max;
    let result = if found.is_empty() { "OK" } else { "FAIL" };
    let items: Vec<Value> = found
        .into_iter()
        .take(max)
        .map(|d| {
            let mut item = json!({ "severity": "ERROR", "code": d.code, "message": d.message });
            if let Some(location) = d.location {
                item["location"] = json!(location);
            }
            item
        })
        .collect();
    Ok(json!({ "result": result, "diagnostics": items, "truncated": truncated }))
}

/// The type member of a stored machine, for validation.
pub fn machine_type_of(record: &Value) -> MachineType {
    as_machine_type(record["type"].as_str().unwrap_or("STANDARD"))
}
