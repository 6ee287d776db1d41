//! SigV4 verification (`workflow serve --credentials`): known answers computed by botocore
//! (tests/fixtures/sigv4_vectors.py), AWS's refusals, and a real boto3 client.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use workflow_runtime::Resources;
use workflow_runtime::store::MemoryStore;
use workflow_server::sigv4::{self, Credentials, Signer};
use workflow_server::{ServerConfig, Service, router};

const KEY: &str = "AKIDLOCAL";
const SECRET: &str = "local/secret+key";

struct Vector {
    name: String,
    uri: Uri,
    headers: HeaderMap,
    body: String,
    access_key_id: String,
    secret: String,
    now: i64,
    canonical_request: String,
    authorization: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("fixtures/sigv4_vectors.json");
    let vectors: Vec<Value> = serde_json::from_str(text).expect("fixture is JSON");
    vectors
        .iter()
        .map(|v| {
            let mut headers = HeaderMap::new();
            for pair in v["headers"].as_array().expect("headers") {
                headers.append(
                    HeaderName::from_bytes(pair[0].as_str().expect("name").as_bytes())
                        .expect("header name"),
                    HeaderValue::from_str(pair[1].as_str().expect("value")).expect("value"),
                );
            }
            let s = |key: &str| v[key].as_str().expect(key).to_owned();
            Vector {
                name: s("name"),
                uri: s("target").parse().expect("uri"),
                headers,
                body: s("body"),
                access_key_id: s("access_key_id"),
                secret: s("secret"),
                now: sigv4::parse_amz_date(&s("now")).expect("date"),
                canonical_request: s("canonical_request"),
                authorization: s("authorization"),
            }
        })
        .collect()
}

fn fixture_credentials() -> Credentials {
    Credentials::new(vectors().into_iter().map(|v| (v.access_key_id, v.secret)))
}

fn error_of(result: Result<Signer, workflow_server::protocol::ApiError>) -> (String, String) {
    let error = result.expect_err("refused");
    (error.code.to_owned(), error.message)
}

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[test]
fn botocore_signatures_verify() {
    let credentials = fixture_credentials();
    let vectors = vectors();
    assert_eq!(vectors.len(), 3);
    for v in &vectors {
        let signer = sigv4::verify(
            &credentials,
            &Method::POST,
            &v.uri,
            &v.headers,
            v.body.as_bytes(),
            v.now,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(signer.access_key_id, v.access_key_id, "{}", v.name);
        // The region is the credential scope's, whatever the server's own region.
        let scope_region = v.authorization.split('/').nth(2).expect("region");
        assert_eq!(signer.region, scope_region, "{}", v.name);
    }
    let regions: Vec<String> = vectors
        .iter()
        .map(|v| v.authorization.split('/').nth(2).unwrap().to_owned())
        .collect();
    assert_eq!(regions, ["us-east-1", "eu-west-3", "ap-southeast-2"]);
}

#[test]
fn the_canonical_request_and_signature_match_botocore() {
    for v in vectors() {
        let mut headers = v.headers.clone();
        let signed: Vec<String> = headers
            .keys()
            .map(|n| n.as_str().to_owned())
            .filter(|n| n != "authorization")
            .collect();
        let mut signed: Vec<&str> = signed.iter().map(String::as_str).collect();
        signed.sort_unstable();
        let payload = v.canonical_request.rsplit('\n').next().unwrap().to_owned();
        let canonical =
            sigv4::canonical_request(&Method::POST, &v.uri, &headers, &signed, &payload);
        assert_eq!(canonical, v.canonical_request, "{}", v.name);

        headers.remove("authorization");
        let region = v.authorization.split('/').nth(2).unwrap();
        let authorization = sigv4::authorization(
            &v.access_key_id,
            &v.secret,
            region,
            &Method::POST,
            &v.uri,
            &headers,
            v.body.as_bytes(),
        );
        assert_eq!(authorization, v.authorization, "{}", v.name);
    }
}

#[test]
fn a_wrong_secret_a_changed_body_or_header_is_an_invalid_signature() {
    let v = &vectors()[0];
    let wrong = Credentials::new([(v.access_key_id.clone(), "not-the-secret")]);
    let verify = |credentials: &Credentials, headers: &HeaderMap, body: &str| {
        sigv4::verify(
            credentials,
            &Method::POST,
            &v.uri,
            headers,
            body.as_bytes(),
            v.now,
        )
    };
    let (code, message) = error_of(verify(&wrong, &v.headers, &v.body));
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(message, MISMATCH);

    let right = fixture_credentials();
    let (code, _) = error_of(verify(&right, &v.headers, r#"{"maxResults":1}"#));
    assert_eq!(code, "InvalidSignatureException");

    let mut headers = v.headers.clone();
    headers.insert(
        "x-amz-target",
        HeaderValue::from_static("AWSStepFunctions.DeleteStateMachine"),
    );
    let (code, _) = error_of(verify(&right, &headers, &v.body));
    assert_eq!(code, "InvalidSignatureException");

    // A header the client did not sign may change freely.
    let mut headers = v.headers.clone();
    headers.insert("user-agent", HeaderValue::from_static("anything"));
    assert!(verify(&right, &headers, &v.body).is_ok());

    // The x-amz-content-sha256 vector: the header must be the body's hash.
    let v3 = &vectors()[2];
    let (code, message) = error_of(sigv4::verify(
        &right,
        &Method::POST,
        &v3.uri,
        &v3.headers,
        b"{}",
        v3.now,
    ));
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(
        message,
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );
}

#[test]
fn an_unknown_key_is_unrecognized() {
    let v = &vectors()[0];
    let others = Credentials::new([("AKIDOTHER", v.secret.clone())]);
    let (code, message) = error_of(sigv4::verify(
        &others,
        &Method::POST,
        &v.uri,
        &v.headers,
        v.body.as_bytes(),
        v.now,
    ));
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
}

#[test]
fn missing_incomplete_and_expired_signatures_are_refused() {
    let v = &vectors()[0];
    let credentials = fixture_credentials();
    let verify = |headers: &HeaderMap, now: i64| {
        sigv4::verify(
            &credentials,
            &Method::POST,
            &v.uri,
            headers,
            v.body.as_bytes(),
            now,
        )
    };
    let mut unsigned = v.headers.clone();
    unsigned.remove("authorization");
    assert_eq!(
        error_of(verify(&unsigned, v.now)),
        (
            "MissingAuthenticationTokenException".to_owned(),
            "Request is missing Authentication Token".to_owned()
        )
    );

    let mut incomplete = v.headers.clone();
    incomplete.insert(
        "authorization",
        HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/states/aws4_request",
        ),
    );
    incomplete.remove("x-amz-date");
    let (code, message) = error_of(verify(&incomplete, v.now));
    assert_eq!(code, "IncompleteSignatureException");
    assert!(
        message.starts_with(
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        ),
        "{message}"
    );

    let (code, message) = error_of(verify(&v.headers, v.now + 16 * 60));
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(
        message,
        "Signature expired: 20260314T150926Z is now earlier than 20260314T151026Z (20260314T152526Z - 15 min.)"
    );
    let (_, message) = error_of(verify(&v.headers, v.now - 16 * 60));
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );
    // Within 15 minutes either way is fine.
    assert!(verify(&v.headers, v.now + 14 * 60).is_ok());
    assert!(verify(&v.headers, v.now - 14 * 60).is_ok());

    let mut other_service = v.headers.clone();
    let header = v.authorization.replace("/states/", "/lambda/");
    other_service.insert("authorization", HeaderValue::from_str(&header).unwrap());
    assert_eq!(
        error_of(verify(&other_service, v.now)).1,
        "Credential should be scoped to correct service: 'states'."
    );
}

async fn service(credentials: Option<Credentials>) -> Arc<Service> {
    let config = ServerConfig {
        credentials: credentials.map(Arc::new),
        ..ServerConfig::default()
    };
    Service::open(config, Arc::new(MemoryStore::new()), Resources::new())
        .await
        .expect("opens")
}

fn amz_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    sigv4::format_amz_date(now as i64)
}

/// A ListStateMachines request signed with `key`/`secret` (or unsigned).
fn list_request(signed_with: Option<(&str, &str)>) -> Request<Body> {
    let body = "{}";
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:8083"));
    headers.insert(
        "x-amz-target",
        HeaderValue::from_static("AWSStepFunctions.ListStateMachines"),
    );
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    headers.insert("x-amz-date", HeaderValue::from_str(&amz_now()).unwrap());
    let uri: Uri = "/".parse().unwrap();
    if let Some((key, secret)) = signed_with {
        let authorization = sigv4::authorization(
            key,
            secret,
            "eu-central-1",
            &Method::POST,
            &uri,
            &headers,
            body.as_bytes(),
        );
        headers.insert(
            "authorization",
            HeaderValue::from_str(&authorization).unwrap(),
        );
    }
    let mut request = Request::post(uri).body(Body::from(body)).unwrap();
    *request.headers_mut() = headers;
    request
}

async fn send(service: &Arc<Service>, request: Request<Body>) -> (StatusCode, Value) {
    let response = router(service.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).expect("JSON answer"))
}

#[tokio::test]
async fn with_credentials_the_server_answers_only_signed_requests() {
    let service = service(Some(Credentials::new([(KEY, SECRET)]))).await;

    let (status, answer) = send(&service, list_request(Some((KEY, SECRET)))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, serde_json::json!({"stateMachines": []}));

    let cases = [
        (
            None,
            "com.amazon.coral.service#MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        ),
        (
            Some(("AKIDUNKNOWN", SECRET)),
            "com.amazon.coral.service#UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            Some((KEY, "wrong")),
            "com.amazon.coral.service#InvalidSignatureException",
            MISMATCH,
        ),
    ];
    for (signed_with, code, message) in cases {
        let (status, answer) = send(&service, list_request(signed_with)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["__type"], code);
        assert_eq!(answer["message"], message);
    }

    // An unsigned request is refused before anything else is looked at.
    let request = Request::post("/")
        .header("X-Amz-Target", "AWSStepFunctions.NoSuchOperation")
        .body(Body::from("not json"))
        .unwrap();
    let (_, answer) = send(&service, request).await;
    assert_eq!(
        answer["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
}

#[tokio::test]
async fn without_credentials_any_signature_or_none_is_accepted() {
    let service = service(None).await;
    for request in [
        list_request(None),
        list_request(Some(("AKIDANY", "whatever"))),
    ] {
        let (status, answer) = send(&service, request).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
}

/// boto3 against the server on a real socket, when Python has boto3 (skipped otherwise).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_signs_requests_the_server_accepts() {
    let has_boto3 = std::process::Command::new("python3")
        .args(["-c", "import boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_boto3 {
        eprintln!("skipped: python3 with boto3 is not installed");
        return;
    }
    let service = service(Some(Credentials::new([(KEY, SECRET)]))).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(workflow_server::serve(listener, service));
    let script = r#"
import sys, boto3, botocore.exceptions
url, key, secret = sys.argv[1:4]
def client(secret):
    return boto3.client("stepfunctions", endpoint_url=url, region_name="ap-northeast-1",
                        aws_access_key_id=key, aws_secret_access_key=secret)
sfn = client(secret)
arn = sfn.create_state_machine(name="signed", roleArn="arn:aws:iam::123456789012:role/r",
    definition='{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}')["stateMachineArn"]
print(arn)
print(len(sfn.list_state_machines()["stateMachines"]))
try:
    client("wrong").list_state_machines()
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
"#;
    let url = format!("http://{address}");
    // The server runs on this runtime's workers while Python blocks another thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", script, &url, KEY, SECRET])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "arn:aws:states:us-east-1:123456789012:stateMachine:signed",
            "1",
            "InvalidSignatureException"
        ]
    );
}
