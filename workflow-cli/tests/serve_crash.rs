//! Crash safety of `workflow serve`, measured: start executions through the API (their Task
//! calls a Lambda endpoint in this process), kill the server with SIGKILL at random moments, restart it on the same database, and check that
//! nothing acknowledged was lost or duplicated and that every execution ends as it should.
//!
//! `cargo test` runs 50 executions and one kill. `scripts/crash-test.sh` runs the full
//! measure (1,000 executions, three to five kills) through the same test:
//! `CRASH_EXECUTIONS=1000 CRASH_KILLS=4 cargo test -p workflow-cli --test serve_crash`.
//!
//! What `kill -9` proves: every commit the server acknowledged was on disk (fsync'd) when it
//! answered, and a restart resumes from there. What it does not prove: survival of a power
//! loss, which also depends on the disk honouring fsync.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

/// Pass with intrinsics, a Task whose function fails its first two attempts (retried),
/// Waits, Choice, Parallel and an inline Map of 20 items; its output is a function of its
/// input alone.
fn definition() -> Value {
    json!({
        "StartAt": "Init",
        "States": {
            "Init": { "Type": "Pass", "Next": "Charge",
                "Parameters": {
                    "id.$": "$.id",
                    "label.$": "States.Format('run-{}', $.id)",
                    "items.$": "States.ArrayRange(1, 20, 1)"
                } },
            "Charge": { "Type": "Task", "Next": "Pause",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
                "Parameters": { "id.$": "$.id" }, "ResultPath": "$.charge",
                "Retry": [{ "ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 1.0,
                            "MaxAttempts": 3 }] },
            "Pause": { "Type": "Wait", "Seconds": 1, "Next": "Route" },
            "Route": { "Type": "Choice",
                "Choices": [{ "Variable": "$.id", "NumericGreaterThanEquals": 0, "Next": "Fan" }],
                "Default": "Bad" },
            "Bad": { "Type": "Fail", "Error": "Unexpected" },
            "Fan": { "Type": "Parallel", "ResultPath": "$.fan", "Next": "Done",
                "Branches": [
                    { "StartAt": "Each", "States": {
                        "Each": { "Type": "Map", "ItemsPath": "$.items", "End": true,
                            "ItemProcessor": { "StartAt": "Add", "States": {
                                "Add": { "Type": "Pass", "End": true,
                                    "Parameters": { "v.$": "States.MathAdd($, 1)" } } } } } } },
                    { "StartAt": "Nap", "States": {
                        "Nap": { "Type": "Wait", "Seconds": 1, "Next": "Echo" },
                        "Echo": { "Type": "Pass", "Parameters": { "label.$": "$.label" }, "End": true } } }
                ] },
            "Done": { "Type": "Pass", "End": true,
                "Parameters": { "id.$": "$.id", "label.$": "$.label", "first.$": "$.fan[0][0].v",
                                "last.$": "$.fan[0][19].v", "echo.$": "$.fan[1].label",
                                "charged.$": "$.charge.charged" } }
        }
    })
}

fn expected_output(id: u64) -> Value {
    json!({ "id": id, "label": format!("run-{id}"), "first": 2, "last": 21,
            "echo": format!("run-{id}"), "charged": id })
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(db: &Path, port: u16, lambda: &str) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_workflow"))
            .args(["serve", "--port", &port.to_string(), "--db"])
            .arg(db)
            .args(["--account", ACCOUNT, "--lambda-endpoint", lambda])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("workflow serve starts");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if server.call("ListStateMachines", json!({})).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("workflow serve did not answer within 30 s");
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }

    /// One API call; `Err` when the connection failed (the server is down or died).
    fn call(&self, operation: &str, body: Value) -> Result<(u16, Value), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut response = agent
            .post(&format!("http://127.0.0.1:{}/", self.port))
            .header("Content-Type", "application/x-amz-json-1.0")
            .header("X-Amz-Target", &format!("AWSStepFunctions.{operation}"))
            .send(body.to_string())
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        Ok((status, value))
    }

    fn ok(&self, operation: &str, body: Value) -> Value {
        match self.call(operation, body) {
            Ok((200, value)) => value,
            other => panic!("{operation} failed: {other:?}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("workflow-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn executions_survive_kill_9() {
    let executions = env_number("CRASH_EXECUTIONS", 50) as u64;
    let kills = env_number("CRASH_KILLS", 1);
    let seed = env_number("CRASH_SEED", fastrand::usize(..)) as u64;
    eprintln!("crash test: {executions} executions, {kills} kills, CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = temp_dir();
    let db = dir.join("workflow.db");
    let port = free_port();
    let lambda = Lambda::start();

    let mut server = Server::start(&db, port, &lambda.url);
    let created = server.ok(
        "CreateStateMachine",
        json!({ "name": "crash", "definition": definition().to_string(),
                "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/crash") }),
    );
    let machine = created["stateMachineArn"]
        .as_str()
        .expect("an ARN")
        .to_owned();

    // Kill points: most while starting, the last while the executions run.
    let mut kill_after: Vec<u64> = (0..kills.saturating_sub(1))
        .map(|_| rng.u64(1..executions.max(2)))
        .collect();
    kill_after.sort_unstable();
    let mut acknowledged: BTreeMap<u64, String> = BTreeMap::new();
    let mut next_kill = kill_after.into_iter().peekable();
    let mut id = 0;
    while id < executions {
        if next_kill.peek() == Some(&id) {
            next_kill.next();
            server.kill();
            server = Server::start(&db, port, &lambda.url);
            resend(&server, &machine, &acknowledged);
            continue;
        }
        let request = json!({ "stateMachineArn": machine, "name": format!("e{id}"),
                              "input": json!({ "id": id }).to_string() });
        match server.call("StartExecution", request) {
            Ok((200, body)) => {
                acknowledged.insert(id, body["executionArn"].as_str().unwrap().to_owned());
                id += 1;
            }
            Ok(other) => panic!("StartExecution e{id}: {other:?}"),
            // Not acknowledged: send it again (same name and input) once the server is back.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    if kills > 0 {
        std::thread::sleep(Duration::from_millis(rng.u64(0..1500)));
        server.kill();
        server = Server::start(&db, port, &lambda.url);
        resend(&server, &machine, &acknowledged);
    }

    // Every execution ends, as expected.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut pending: HashSet<u64> = acknowledged.keys().copied().collect();
    while !pending.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} executions still running",
            pending.len()
        );
        pending.retain(|id| {
            let described = server.ok(
                "DescribeExecution",
                json!({ "executionArn": acknowledged[id] }),
            );
            described["status"] == "RUNNING"
        });
        if !pending.is_empty() {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    // Exactly the acknowledged executions exist, once each.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({ "stateMachineArn": machine, "maxResults": 1000 });
        if let Some(t) = &token {
            request["nextToken"] = json!(t);
        }
        let page = server.ok("ListExecutions", request);
        for e in page["executions"].as_array().expect("executions") {
            listed.push(e["executionArn"].as_str().unwrap().to_owned());
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    listed.sort();
    let mut expected: Vec<String> = acknowledged.values().cloned().collect();
    expected.sort();
    assert_eq!(listed, expected);

    for (id, arn) in &acknowledged {
        let described = server.ok("DescribeExecution", json!({ "executionArn": arn }));
        assert_eq!(described["status"], "SUCCEEDED", "e{id}: {described}");
        let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
        assert_eq!(output, expected_output(*id), "e{id}");
        check_history(&server, arn);
    }

    // Each attempt was invoked at least once, and again at most once per kill; every
    // execution's function calls were its two failures and a success.
    let calls = lambda.calls();
    for (key, count) in &calls {
        assert!(
            (1..=1 + kills).contains(count),
            "{key} was invoked {count} times"
        );
    }
    for arn in acknowledged.values() {
        let attempts: Vec<&String> = calls
            .keys()
            .filter(|k| k.starts_with(&format!("{arn}/")))
            .collect();
        assert!(attempts.len() >= 3, "{arn}: {attempts:?}");
    }

    drop(server);
    let store = workflow_runtime::store::SqliteStore::open(&db).expect("the store opens");
    store.check_integrity().expect("integrity_check is ok");
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// StartExecution sent again after a restart, for the last execution started before it,
/// with the same name and input: the same ARN while it runs, as AWS answers;
/// `ExecutionAlreadyExists` only once it has ended.
fn resend(server: &Server, machine: &str, acknowledged: &BTreeMap<u64, String>) {
    let Some((id, arn)) = acknowledged.last_key_value() else {
        return;
    };
    let request = json!({ "stateMachineArn": machine, "name": format!("e{id}"),
                          "input": json!({ "id": id }).to_string() });
    match server.call("StartExecution", request) {
        Ok((200, body)) => assert_eq!(body["executionArn"], arn.as_str()),
        Ok((400, body)) => {
            assert_eq!(
                body["__type"],
                "com.amazonaws.states#ExecutionAlreadyExists"
            );
            let described = server.ok("DescribeExecution", json!({ "executionArn": arn }));
            assert_ne!(described["status"], "RUNNING");
        }
        other => panic!("StartExecution sent again: {other:?}"),
    }
}

/// The `charge` function behind a Lambda Invoke API endpoint, in this process so that it
/// outlives the server's kills: it fails the first two attempts of each visit (attempt 0
/// and 1 of the idempotency key) with `Flaky`, and counts invocations per key.
struct Lambda {
    url: String,
    calls: Arc<Mutex<HashMap<String, usize>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Lambda {
    fn start() -> Lambda {
        use axum::http::HeaderMap;
        use base64::Engine;
        let calls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counted = calls.clone();
        let invoke = move |headers: HeaderMap, body: String| {
            let counted = counted.clone();
            async move {
                let context = headers
                    .get("x-amz-client-context")
                    .and_then(|v| {
                        base64::engine::general_purpose::STANDARD
                            .decode(v.as_bytes())
                            .ok()
                    })
                    .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                    .unwrap_or_default();
                let key = context["custom"]["idempotencyKey"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                *counted.lock().unwrap().entry(key.clone()).or_default() += 1;
                let input: Value = serde_json::from_str(&body).unwrap_or_default();
                let mut response = HeaderMap::new();
                if key.ends_with("/0") || key.ends_with("/1") {
                    response.insert("X-Amz-Function-Error", "Unhandled".parse().unwrap());
                    return (
                        response,
                        json!({ "errorType": "Flaky", "errorMessage": "try again" }).to_string(),
                    );
                }
                (response, json!({ "charged": input["id"] }).to_string())
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new().route(
            "/2015-03-31/functions/{function}/invocations",
            axum::routing::post(invoke),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Lambda {
            url,
            calls,
            _runtime: runtime,
        }
    }

    fn calls(&self) -> HashMap<String, usize> {
        self.calls.lock().unwrap().clone()
    }
}

/// Ids 1..N without gaps, each previous id valid, exactly one start and one terminal event.
fn check_history(server: &Server, arn: &str) {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({ "executionArn": arn, "maxResults": 1000 });
        if let Some(t) = &token {
            request["nextToken"] = json!(t);
        }
        let page = server.ok("GetExecutionHistory", request);
        events.extend(page["events"].as_array().expect("events").iter().cloned());
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["id"], json!(i + 1), "{arn}: {event}");
        let previous = event["previousEventId"].as_u64().expect("previousEventId");
        assert!(previous <= i as u64, "{arn}: {event}");
    }
    let count = |kind: &str| events.iter().filter(|e| e["type"] == kind).count();
    assert_eq!(count("ExecutionStarted"), 1, "{arn}");
    let terminal = [
        "ExecutionSucceeded",
        "ExecutionFailed",
        "ExecutionTimedOut",
        "ExecutionAborted",
    ];
    assert_eq!(terminal.iter().map(|k| count(k)).sum::<usize>(), 1, "{arn}");
    assert_eq!(
        events.last().unwrap()["type"],
        "ExecutionSucceeded",
        "{arn}"
    );
}
