//! TestState.

use serde_json::Value;

use crate::Service;
use crate::protocol::{ApiError, Request};

pub async fn operation(_service: &Service, request: &Request) -> Result<Value, ApiError> {
    request.str("definition")?;
    Err(ApiError::new(
        "ValidationException",
        "TestState is not supported yet",
    ))
}
