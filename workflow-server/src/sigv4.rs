//! AWS Signature Version 4 verification, for `workflow serve --credentials FILE`.
//!
//! Written by hand on `hmac` and `sha2` because the server has to *verify*: rebuild the
//! canonical request from what arrived on the wire (the raw path and query, the headers the
//! client says it signed, the body) and compare signatures. The `aws-sigv4` crate signs
//! outgoing requests from its own request type and offers no such check.
//!
//! The credential scope's region is taken as the client sent it (any region is accepted);
//! its service must be `states`. Session tokens (`X-Amz-Security-Token`) are accepted
//! without check: there is no STS here, only the listed keys. Errors are AWS's, with the
//! `com.amazon.coral.service#` namespace AWS's front end answers them with.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use workflow_runtime::asl::timestamp::Timestamp;

use axum::http::{HeaderMap, Method, Uri};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::protocol::ApiError;

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "states";
const TERMINATOR: &str = "aws4_request";
/// AWS refuses a signature dated more than 15 minutes from its clock.
const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// The access keys the server accepts: access key id → secret access key.
#[derive(Clone, Default)]
pub struct Credentials {
    keys: HashMap<String, String>,
}

/// Only the key ids: a log line or a panic message must never show a secret.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("Credentials").field("keys", &ids).finish()
    }
}

impl Credentials {
    /// Credentials from `(access key id, secret)` pairs.
    pub fn new<I, K, S>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, S)>,
        K: Into<String>,
        S: Into<String>,
    {
        Credentials {
            keys: pairs
                .into_iter()
                .map(|(k, s)| (k.into(), s.into()))
                .collect(),
        }
    }

    /// Parses the credentials file format: one `ACCESS_KEY_ID SECRET` pair per line
    /// (separated by spaces or tabs); blank lines and lines starting with `#` are ignored.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = HashMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [id, secret] = fields[..] else {
                return Err(format!(
                    "line {}: expected `ACCESS_KEY_ID SECRET`, found {} field(s)",
                    number + 1,
                    fields.len()
                ));
            };
            // A '/' would make the credential scope `id/date/region/...` ambiguous.
            if id.contains('/') {
                return Err(format!(
                    "line {}: an access key id cannot contain '/'",
                    number + 1
                ));
            }
            if keys.insert(id.to_owned(), secret.to_owned()).is_some() {
                return Err(format!(
                    "line {}: access key id {id} listed twice",
                    number + 1
                ));
            }
        }
        if keys.is_empty() {
            return Err("no `ACCESS_KEY_ID SECRET` line".to_owned());
        }
        Ok(Credentials { keys })
    }

    /// Reads and parses a credentials file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Credentials::parse(&text)
    }

    /// How many keys are listed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is listed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What a verified request was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub access_key_id: String,
    /// The credential scope's region.
    pub region: String,
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn coral(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

fn invalid_signature(message: impl Into<String>) -> ApiError {
    coral("InvalidSignatureException", message)
}

/// Parses the Authorization header; what is missing is reported all at once, as AWS does.
fn parse_authorization<'a>(value: &'a str, has_date: bool) -> Result<Authorization<'a>, ApiError> {
    let Some(rest) = value.strip_prefix(ALGORITHM) else {
        let algorithm = value.split_whitespace().next().unwrap_or_default();
        return Err(coral(
            "IncompleteSignatureException",
            format!("Unsupported AWS 'algorithm': '{algorithm}'"),
        ));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some((key, value)) = part.split_once('=') {
            match key.trim() {
                "Credential" => credential = Some(value.trim()),
                "SignedHeaders" => signed_headers = Some(value.trim()),
                "Signature" => signature = Some(value.trim()),
                _ => {}
            }
        }
    }
    let mut missing = String::new();
    for (name, present) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) if has_date => {
            Ok(Authorization {
                credential,
                signed_headers,
                signature,
            })
        }
        _ => Err(coral(
            "IncompleteSignatureException",
            format!("{missing}Authorization={value}"),
        )),
    }
}

/// Checks the request's SigV4 signature against `credentials`; `now` is the server's clock
/// in seconds since the epoch. Returns who signed it.
pub fn verify(
    credentials: &Credentials,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Signer, ApiError> {
    let Some(header) = headers.get("authorization") else {
        return Err(coral(
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        ));
    };
    let header = header.to_str().map_err(|_| {
        coral(
            "IncompleteSignatureException",
            "The Authorization header is not valid ASCII",
        )
    })?;
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let authorization = parse_authorization(header, amz_date.is_some())?;
    let amz_date = amz_date.unwrap_or_default();

    let scope: Vec<&str> = authorization.credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(coral(
            "IncompleteSignatureException",
            format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
                authorization.credential
            ),
        ));
    };
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(coral(
            "IncompleteSignatureException",
            format!(
                "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ),
        ));
    };
    if terminator != TERMINATOR {
        return Err(invalid_signature(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'."
        )));
    }
    if service != SERVICE {
        return Err(invalid_signature(format!(
            "Credential should be scoped to correct service: '{SERVICE}'."
        )));
    }
    if date != &amz_date[..8] {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{}', from '{amz_date}'.",
            &amz_date[..8]
        )));
    }
    if signed_at < now - MAX_SKEW_SECONDS {
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            format_amz_date(now - MAX_SKEW_SECONDS),
            format_amz_date(now)
        )));
    }
    if signed_at > now + MAX_SKEW_SECONDS {
        return Err(invalid_signature(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format_amz_date(now + MAX_SKEW_SECONDS),
            format_amz_date(now)
        )));
    }

    let signed_headers = signed_header_names(authorization.signed_headers);
    if !signed_headers.contains(&"host") {
        return Err(invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let Some(secret) = credentials.keys.get(access_key_id) else {
        return Err(coral(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    };

    let body_hash = hex(&Sha256::digest(body));
    let payload_hash = match headers.get("x-amz-content-sha256") {
        // The client names the body's hash; it is signed, but must also be the body's, or a
        // captured signature could carry another body.
        Some(value) => {
            if value.as_bytes() != body_hash.as_bytes() {
                return Err(invalid_signature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ));
            }
            body_hash
        }
        None => body_hash,
    };
    let canonical = canonical_request(method, uri, headers, &signed_headers, &payload_hash);
    let scope = format!("{date}/{region}/{service}/{terminator}");
    let key = signing_key(secret, date, region, service);
    let mut mac = hmac(&key);
    mac.update(string_to_sign(amz_date, &scope, &canonical).as_bytes());
    let matches = unhex(authorization.signature).is_some_and(|sig| mac.verify_slice(&sig).is_ok());
    if !matches {
        return Err(invalid_signature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(Signer {
        access_key_id: access_key_id.to_owned(),
        region: region.to_owned(),
    })
}

/// The `Authorization` header value that signs a request with every header it carries
/// (`Host` and `X-Amz-Date` among them), as a client would: for tests and benchmarks.
pub fn authorization(
    access_key_id: &str,
    secret: &str,
    region: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> String {
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let date = amz_date.get(..8).unwrap_or_default();
    let mut names: Vec<&str> = headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| *name != "authorization")
        .collect();
    names.sort_unstable();
    names.dedup();
    let payload_hash = hex(&Sha256::digest(body));
    let canonical = canonical_request(method, uri, headers, &names, &payload_hash);
    let scope = format!("{date}/{region}/{SERVICE}/{TERMINATOR}");
    let mut mac = hmac(&signing_key(secret, date, region, SERVICE));
    mac.update(string_to_sign(amz_date, &scope, &canonical).as_bytes());
    format!(
        "{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={}, Signature={}",
        names.join(";"),
        hex(&mac.finalize().into_bytes())
    )
}

/// `SignedHeaders=a;b;c` as a sorted list of lowercase names.
fn signed_header_names(list: &str) -> Vec<&str> {
    let mut names: Vec<&str> = list.split(';').filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The canonical request: method, canonical URI, canonical query, the signed headers with
/// their values, the list of signed headers, the payload hash.
pub fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[&str],
    payload_hash: &str,
) -> String {
    let mut out = String::new();
    out.push_str(method.as_str());
    out.push('\n');
    out.push_str(&canonical_uri(uri.path()));
    out.push('\n');
    out.push_str(&canonical_query(uri.query().unwrap_or_default()));
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        let values: Vec<String> = headers
            .get_all(*name)
            .iter()
            .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

/// Trims a header value and collapses runs of spaces to one.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path with dot segments and empty segments removed, then URI-encoded (again: for
/// services other than S3 the already-encoded path is encoded a second time).
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = String::from("/");
    normalized.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    uri_encode(normalized.as_bytes(), false)
}

/// The query's `name=value` pairs, decoded and re-encoded strictly, sorted by name then
/// value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), true),
                uri_encode(&percent_decode(value), true),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes every byte but the unreserved ones (and `/` unless `encode_slash`).
fn uri_encode(bytes: &[u8], encode_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (b == b'/' && !encode_slash) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    )
}

fn hmac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"))
}

fn hmac_bytes(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = hmac(key);
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_bytes(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac_bytes(&k_date, region);
    let k_service = hmac_bytes(&k_region, service);
    hmac_bytes(&k_service, TERMINATOR)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch (the calendar is the core's
/// [`Timestamp`]).
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !digits(0..8) || !digits(9..15) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    Timestamp::parse(&iso).map(|t| t.unix_millis().div_euclid(1000))
}

/// Seconds since the epoch as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(seconds: i64) -> String {
    // `2024-01-02T03:04:05.000Z` without its separators and milliseconds.
    let iso = Timestamp::from_unix_millis(seconds * 1000).to_string();
    let compact: String = iso[..19]
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("{compact}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20260314T150926Z"), Some(1_773_500_966));
        assert_eq!(format_amz_date(1_773_500_966), "20260314T150926Z");
        assert_eq!(format_amz_date(951_782_400), "20000229T000000Z");
        for bad in [
            "",
            "20260314",
            "20261314T000000Z",
            "2026031AT000000Z",
            "20260314 000000Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_credentials_file_is_pairs_and_comments() {
        let credentials =
            Credentials::parse("# local keys\n\nAKID1 secret1\n  AKID2\tsecret/2  \n").unwrap();
        assert_eq!(credentials.keys["AKID1"], "secret1");
        assert_eq!(credentials.keys["AKID2"], "secret/2");
        assert_eq!(
            format!("{credentials:?}"),
            r#"Credentials { keys: ["AKID1", "AKID2"] }"#
        );
        assert_eq!(
            Credentials::parse("AKID1 a b").unwrap_err(),
            "line 1: expected `ACCESS_KEY_ID SECRET`, found 3 field(s)"
        );
        assert_eq!(
            Credentials::parse("A s\nA t").unwrap_err(),
            "line 2: access key id A listed twice"
        );
        assert_eq!(
            Credentials::parse("# none\n").unwrap_err(),
            "no `ACCESS_KEY_ID SECRET` line"
        );
    }

    #[test]
    fn the_canonical_uri_and_query_follow_sigv4() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/./b%20c/"), "/a/b%2520c/");
        assert_eq!(canonical_uri("/a/../b//c"), "/b/c");
        assert_eq!(
            canonical_query("b=2&a=1&a=0&e=x%2Fy"),
            "a=0&a=1&b=2&e=x%2Fy"
        );
        assert_eq!(canonical_query("k&x=a b"), "k=&x=a%20b");
    }
}
