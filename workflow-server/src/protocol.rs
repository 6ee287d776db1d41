//! AWS JSON 1.0, as Step Functions speaks it: `POST /` with `X-Amz-Target:
//! AWSStepFunctions.<Operation>`, a JSON object in and out, errors as HTTP 400 with
//! `{"__type": "com.amazonaws.states#<Code>", "message": ...}`.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::sigv4::{self, Credentials};

/// The largest request body read: a 1 MiB definition, escaped as a JSON string, plus the
/// other members. Anything larger is refused before it is parsed.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// An error as the API returns it: AWS's error code and message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The code after `com.amazonaws.states#`, such as `InvalidArn`.
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// AWS's Smithy constraint message for one member.
    pub fn constraint(member: &str, value: &str, constraint: &str) -> Self {
        ApiError::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
            ),
        )
    }

    /// A required member that is missing.
    pub fn missing(member: &str) -> Self {
        ApiError::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ),
        )
    }

    /// A store failure: the service's fault, not the caller's.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::new("InternalFailure", error.to_string())
    }
}

impl From<workflow_runtime::store::StoreError> for ApiError {
    fn from(error: workflow_runtime::store::StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "__type": format!("{}#{}", namespace(self.code), self.code),
            "message": self.message,
        });
        let status = if self.code == "InternalFailure" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        json_response(status, &body)
    }
}

/// The namespace of an error code: AWS's front end answers authentication errors before
/// Step Functions sees the request, under its own namespace.
fn namespace(code: &str) -> &'static str {
    match code {
        "MissingAuthenticationTokenException"
        | "IncompleteSignatureException"
        | "InvalidSignatureException"
        | "UnrecognizedClientException" => "com.amazon.coral.service",
        _ => "com.amazonaws.states",
    }
}

/// A JSON answer with AWS's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// The operation named by `X-Amz-Target`.
pub fn operation(headers: &HeaderMap) -> Result<String, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match target.strip_prefix("AWSStepFunctions.") {
        Some(op) if !op.is_empty() => Ok(op.to_owned()),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation: '{target}'"),
        )),
    }
}

/// Reads the body, at most [`MAX_BODY_BYTES`]: a larger one is refused as soon as the
/// limit is passed, so a client cannot make the server buffer without bound.
pub async fn read_bytes(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                "ValidationException",
                format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
            )
        })
}

/// The body as a JSON object; an empty body is `{}`.
pub fn parse_members(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            "SerializationException",
            "Start of structure or map found where not expected.",
        )),
        Err(e) => Err(ApiError::new(
            "SerializationException",
            format!("Malformed request body: {e}"),
        )),
    }
}

/// Reads the body (at most [`MAX_BODY_BYTES`]) as a JSON object; an empty body is `{}`.
pub async fn read_body(body: Body) -> Result<Map<String, Value>, ApiError> {
    parse_members(&read_bytes(body).await?)
}

/// Reads a request: with `credentials`, checks its SigV4 signature first (an unsigned
/// request is refused before its body is read); then the operation and its members.
pub async fn read_request(
    credentials: Option<&Credentials>,
    request: axum::extract::Request,
) -> Result<(String, Map<String, Value>), ApiError> {
    let (parts, body) = request.into_parts();
    if let Some(credentials) = credentials {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(ApiError::new(
                "MissingAuthenticationTokenException",
                "Request is missing Authentication Token",
            ));
        }
        let bytes = read_bytes(body).await?;
        sigv4::verify(
            credentials,
            &parts.method,
            &parts.uri,
            &parts.headers,
            &bytes,
            now_millis() / 1000,
        )?;
        let operation = operation(&parts.headers)?;
        return Ok((operation, parse_members(&bytes)?));
    }
    let operation = operation(&parts.headers)?;
    Ok((operation, read_body(body).await?))
}

/// Typed access to a request's members, with AWS's validation errors.
pub struct Request(pub Map<String, Value>);

impl Request {
    fn present(&self, member: &str) -> Option<&Value> {
        self.0.get(member).filter(|v| !v.is_null())
    }

    /// A string member, absent → `None`; another JSON type is a serialization error.
    pub fn str_opt(&self, member: &str) -> Result<Option<&str>, ApiError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(member, "string")),
        }
    }

    pub fn str(&self, member: &str) -> Result<&str, ApiError> {
        self.str_opt(member)?
            .ok_or_else(|| ApiError::missing(member))
    }

    pub fn bool_opt(&self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(member, "boolean")),
        }
    }

    pub fn int_opt(&self, member: &str) -> Result<Option<i64>, ApiError> {
        match self.present(member) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(member, "integer")),
        }
    }

    pub fn object_opt(&self, member: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(wrong_type(member, "structure")),
        }
    }

    pub fn array_opt(&self, member: &str) -> Result<Option<&Vec<Value>>, ApiError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(wrong_type(member, "list")),
        }
    }

    /// A string member checked against the model's length bounds.
    pub fn str_len(&self, member: &str, max: usize) -> Result<Option<&str>, ApiError> {
        let value = self.str_opt(member)?;
        if let Some(v) = value
            && v.chars().count() > max
        {
            return Err(ApiError::constraint(
                member,
                v,
                &format!("Member must have length less than or equal to {max}"),
            ));
        }
        Ok(value)
    }
}

fn wrong_type(member: &str, expected: &str) -> ApiError {
    ApiError::new(
        "SerializationException",
        format!("Member '{member}' must be a {expected}"),
    )
}

/// Epoch seconds, as the API writes timestamps, from milliseconds.
pub fn seconds(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A random UUID v4, lowercase and hyphenated, as AWS names executions and revisions.
pub fn uuid() -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = fastrand::u8(..);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
