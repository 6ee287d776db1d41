//! `workflow serve`'s costs: (a) StartExecution calls per second through the HTTP API on
//! 127.0.0.1 (SQLite store, a Pass-only machine), beside the same number of
//! ListStateMachines calls, a read that commits nothing, so that the ratio shows what a
//! durable start costs; (b) the server process's resident memory with 10,000 executions
//! waiting in a Wait state (target: under 200 MiB).
//!
//! `cargo bench --bench server`; the memory numbers are printed first.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use serde_json::{Value, json};
use workflow_runtime::Resources;
use workflow_runtime::store::SqliteStore;
use workflow_server::protocol::Request;
use workflow_server::{ServerConfig, Service};

const ROLE: &str = "arn:aws:iam::123456789012:role/bench";
const PASS: &str = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;
const WAITING: usize = 10_000;

/// A fresh directory for one SQLite store, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("wf-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn open(dir: &TempDir) -> Arc<Service> {
    let store = SqliteStore::open(dir.0.join("wf.db")).expect("store");
    Service::open(ServerConfig::default(), Arc::new(store), Resources::new())
        .await
        .expect("service")
}

async fn call(service: &Service, op: &str, body: Value) -> Value {
    let Value::Object(members) = body else {
        unreachable!("bodies here are objects")
    };
    service
        .call(op, Request(members))
        .await
        .unwrap_or_else(|e| panic!("{op}: {e}"))
}

/// One kept-alive HTTP/1.1 connection: the smallest client, so that the client's own cost
/// stays out of the numbers.
struct Client {
    reader: BufReader<TcpStream>,
    address: SocketAddr,
}

impl Client {
    fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            reader: BufReader::new(stream),
            address,
        }
    }

    /// Posts one operation; panics on anything but 200.
    fn call(&mut self, op: &str, body: &str) -> Vec<u8> {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: AWSStepFunctions.{op}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
            self.address,
            body.len()
        );
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .expect("send");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        assert!(line.starts_with("HTTP/1.1 200"), "{op}: {line}");
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("length");
            }
        }
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer).expect("body");
        answer
    }
}

fn http(c: &mut Criterion) {
    let dir = TempDir::new("http");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (address, machine) = runtime.block_on(async {
        let service = open(&dir).await;
        let created = call(
            &service,
            "CreateStateMachine",
            json!({"name": "pass", "definition": PASS, "roleArn": ROLE}),
        )
        .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(workflow_server::serve(listener, service));
        (
            address,
            created["stateMachineArn"].as_str().unwrap().to_owned(),
        )
    });
    let mut client = Client::connect(address);
    let start = json!({ "stateMachineArn": machine }).to_string();

    let mut group = c.benchmark_group("server_http");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("ListStateMachines", |b| {
        b.iter(|| client.call("ListStateMachines", "{}"))
    });
    group.bench_function("StartExecution", |b| {
        b.iter(|| client.call("StartExecution", &start))
    });
    group.finish();
    drop(runtime);
}

/// VmRSS of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn memory() {
    let dir = TempDir::new("memory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let service = open(&dir).await;
        let waits = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "End": true}}})
        .to_string();
        let created = call(
            &service,
            "CreateStateMachine",
            json!({"name": "waits", "definition": waits, "roleArn": ROLE}),
        )
        .await;
        let machine = created["stateMachineArn"].as_str().unwrap().to_owned();
        let before = rss_kib();
        let started = Instant::now();
        // 50 callers at a time, as concurrent clients would.
        let mut tasks = tokio::task::JoinSet::new();
        for caller in 0..50 {
            let (service, machine) = (service.clone(), machine.clone());
            tasks.spawn(async move {
                for i in (caller..WAITING).step_by(50) {
                    call(
                        &service,
                        "StartExecution",
                        json!({"stateMachineArn": machine, "name": format!("w{i}"),
                               "input": json!({"i": i}).to_string()}),
                    )
                    .await;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("caller");
        }
        let elapsed = started.elapsed();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kib();
        let running = call(
            &service,
            "ListExecutions",
            json!({"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1000}),
        )
        .await;
        assert_eq!(running["executions"].as_array().map(Vec::len), Some(1000));
        println!(
            "server_memory: {WAITING} executions waiting: RSS {:.1} MiB before, {:.1} MiB after \
             (+{:.1} MiB, {:.1} KiB each); started in {:.2} s ({:.0} starts/s in process)",
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            after.saturating_sub(before) as f64 / 1024.0,
            after.saturating_sub(before) as f64 / WAITING as f64,
            elapsed.as_secs_f64(),
            WAITING as f64 / elapsed.as_secs_f64()
        );
    });
}

fn main() {
    // First, in a process that has not yet run anything else, so RSS is the server's.
    memory();
    let mut criterion = Criterion::default().configure_from_args();
    http(&mut criterion);
    criterion.final_summary();
}
