//! SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: a worker completes, fails or
//! keeps alive the task whose token it holds (an activity task from GetActivityTask).

use serde_json::Value;
use workflow_runtime::TaskTokenError;

use crate::protocol::{ApiError, Request};
use crate::{Service, empty};

/// The token a request names: AWS's length limits, then the shape of this server's tokens.
fn token(request: &Request) -> Result<&str, ApiError> {
    let token = request.str("taskToken")?;
    if token.is_empty() || token.len() > 2048 {
        return Err(too_long("taskToken", token, 2048));
    }
    // This server's tokens are 64 hex digits; anything else was never one.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new("InvalidToken", "Invalid token"));
    }
    Ok(token)
}

fn too_long(member: &str, value: &str, max: usize) -> ApiError {
    ApiError::new(
        "ValidationException",
        format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        ),
    )
}

fn answer(result: Result<(), TaskTokenError>) -> Result<Value, ApiError> {
    match result {
        Ok(()) => Ok(empty()),
        Err(error @ TaskTokenError::TaskDoesNotExist) => {
            Err(ApiError::new("TaskDoesNotExist", error.to_string()))
        }
        Err(error @ TaskTokenError::TaskTimedOut) => {
            Err(ApiError::new("TaskTimedOut", error.to_string()))
        }
    }
}

pub fn success(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    let text = request.str("output")?;
    if text.len() > 262_144 {
        return Err(too_long("output", "...", 262_144));
    }
    let output: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::new("InvalidOutput", format!("Invalid Output: '{e}'")))?;
    answer(service.durable.send_task_success(token, output))
}

pub fn failure(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    let error = request.str_opt("error")?;
    let cause = request.str_opt("cause")?;
    if let Some(error) = error.filter(|e| e.chars().count() > 256) {
        return Err(too_long("error", error, 256));
    }
    if cause.is_some_and(|c| c.chars().count() > 32_768) {
        return Err(too_long("cause", "...", 32_768));
    }
    answer(service.durable.send_task_failure(
        token,
        error.map(str::to_owned),
        cause.map(str::to_owned),
    ))
}

pub fn heartbeat(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let token = token(request)?;
    answer(service.durable.send_task_heartbeat(token))
}
