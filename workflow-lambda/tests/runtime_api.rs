//! `workflow_lambda::run` end to end, as Lambda runs a `bootstrap`: against a fake Lambda
//! Runtime API on 127.0.0.1 that hands out scripted events and records what the function
//! posts back. This checks the requests lambda_runtime really sends, in particular the
//! `/error` body whose `errorType` Step Functions names the task failure after.
//!
//! One test in this file: it sets the process environment Lambda would set.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use workflow_runtime::TaskError;

/// What the function posted for an invocation: the path (`.../<id>/response` or
/// `.../<id>/error`) and the JSON body.
type Posted = (String, Value);

/// Serves `/next` from `events` (then never answers again, as when no event comes), and
/// sends every other request's path and body to `posted`.
async fn fake_runtime_api(
    listener: TcpListener,
    events: Arc<Mutex<VecDeque<(String, Value)>>>,
    posted: mpsc::UnboundedSender<Posted>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(connection(stream, events.clone(), posted.clone()));
    }
}

/// One HTTP/1.1 connection, with keep-alive: requests are read one after another.
async fn connection(
    stream: TcpStream,
    events: Arc<Mutex<VecDeque<(String, Value)>>>,
    posted: mpsc::UnboundedSender<Posted>,
) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut length = 0;
        loop {
            let mut header = String::new();
            stream.read_line(&mut header).await.unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();

        let response = if path.ends_with("/invocation/next") {
            let next = events.lock().unwrap().pop_front();
            let Some((request_id, payload)) = next else {
                // No more events: keep the function waiting, as Lambda does between events.
                std::future::pending::<()>().await;
                return;
            };
            let payload = payload.to_string();
            format!(
                "HTTP/1.1 200 OK\r\n\
                 content-type: application/json\r\n\
                 lambda-runtime-aws-request-id: {request_id}\r\n\
                 lambda-runtime-deadline-ms: 4102444800000\r\n\
                 lambda-runtime-invoked-function-arn: \
                 arn:aws:lambda:us-east-1:123456789012:function:reserve\r\n\
                 content-length: {}\r\n\r\n{payload}",
                payload.len()
            )
        } else {
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            posted.send((path, body)).unwrap();
            "HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}".to_owned()
        };
        stream
            .get_mut()
            .write_all(response.as_bytes())
            .await
            .unwrap();
    }
}

async fn reserve(order: Value) -> Result<Value, TaskError> {
    match order["quantity"].as_u64() {
        Some(q) if q <= 5 => Ok(json!({ "id": order["id"], "reserved": true })),
        Some(q) => Err(TaskError::new("OutOfStock", format!("{q} wanted, 5 left"))),
        None => Err(TaskError::new("BadOrder", "no quantity")),
    }
}

#[tokio::test]
async fn run_answers_each_event_through_the_runtime_api() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // SAFETY: this is the only test in this binary and no other thread reads the
    // environment while it is set; lambda_runtime reads it when `run` starts.
    unsafe {
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", address.to_string());
        std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "reserve");
        std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        std::env::set_var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    }
    let events = Arc::new(Mutex::new(VecDeque::from([
        ("req-1".to_owned(), json!({ "id": "o-1", "quantity": 2 })),
        ("req-2".to_owned(), json!({ "id": "o-2", "quantity": 9 })),
    ])));
    let (posted_tx, mut posted_rx) = mpsc::unbounded_channel();
    tokio::spawn(fake_runtime_api(listener, events, posted_tx));

    let answers = async {
        let mut answers = Vec::new();
        while answers.len() < 2 {
            answers.push(posted_rx.recv().await.unwrap());
        }
        answers
    };
    let answers = tokio::select! {
        result = workflow_lambda::run(reserve) => panic!("run stopped: {result:?}"),
        answers = answers => answers,
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => panic!("no answers"),
    };

    assert_eq!(
        answers,
        [
            (
                "/2018-06-01/runtime/invocation/req-1/response".to_owned(),
                json!({ "id": "o-1", "reserved": true })
            ),
            (
                "/2018-06-01/runtime/invocation/req-2/error".to_owned(),
                json!({ "errorType": "OutOfStock", "errorMessage": "9 wanted, 5 left" })
            ),
        ]
    );
}
