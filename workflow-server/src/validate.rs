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
    let found: Vec<Diagnostic> = match StateMachine::from_json_str_as(text, machine_type) {
        Ok(_) => return Vec::new(),
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
                    message: aws_wording(&d.message(Spelling::Asl)),
                    location: Some(d.pointer.to_string()),
                }
            })
            .collect(),
    };
    // AWS checks the schema first and reports nothing else when it fails.
    let schema: Vec<Diagnostic> = found
        .iter()
        .filter(|d| d.code == "SCHEMA_VALIDATION_FAILED")
        .cloned()
        .collect();
    merge_required(if schema.is_empty() { found } else { schema })
}

const REQUIRED: &str = "missing required field `";

/// AWS reports the missing fields of one object in one diagnostic:
/// `These fields are required: [States, StartAt]`.
fn merge_required(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut fields: Vec<(usize, Vec<String>)> = Vec::new();
    for d in found {
        let field = d
            .message
            .strip_prefix(REQUIRED)
            .and_then(|rest| rest.strip_suffix('`'));
        let Some(field) = field else {
            out.push(d);
            continue;
        };
        let same_place = fields
            .iter_mut()
            .find(|(i, _)| out[*i].location == d.location);
        match same_place {
            Some((_, list)) => list.push(field.to_owned()),
            None => {
                fields.push((out.len(), vec![field.to_owned()]));
                out.push(d);
            }
        }
    }
    for (i, mut list) in fields {
        // AWS lists `States` before `StartAt`.
        list.sort_by_key(|f| match f.as_str() {
            "States" => 0,
            "StartAt" => 1,
            _ => 2,
        });
        out[i].message = format!("These fields are required: [{}]", list.join(", "));
    }
    out
}

/// The validator's messages that AWS words differently, in AWS's words (they are compared
/// verbatim by clients' tests).
fn aws_wording(message: &str) -> String {
    if message.starts_with("Express state machine does not support '.waitForTaskToken'") {
        // AWS's message ends with a space.
        return format!("{message} ");
    }
    if message == "`QueryLanguage` cannot be \"JSONPath\" when the state machine's is \"JSONata\"" {
        return "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
            .to_owned();
    }
    // AWS's schema words an empty array alike wherever it is (recorded for a Parallel's
    // `Branches`, through TestState).
    if message == "`Branches` must have at least one branch" {
        return "Value cannot be empty".to_owned();
    }
    message.to_owned()
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
