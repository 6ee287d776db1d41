//! Durable transitions per second: 1,000 concurrent onboarding executions (zero-second
//! waits, two handlers that answer at once) through [`Durable`] on the SQLite store with
//! fsync on (`synchronous=FULL`), against the same run on the in-memory store, in the same
//! run. The throughput criterion prints is commits (a start, or a state's transition) per
//! second; the
//! ratio between the two is what durability costs. Group commit is what makes the SQLite
//! run possible at all: one fsync per transition would cap it at the disk's fsync rate.
//!
//! `cargo bench --bench durable`

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use workflow_runtime::store::{MemoryStore, SqliteStore, Store};
use workflow_runtime::{Durable, ExecutionConfig, Executor, Resources, StartRequest};

const EXECUTIONS: usize = 1_000;

/// The onboarding flow with zero-second waits and an activity count that stays 0, so each
/// execution sends all three messages: 13 states, 14 commits.
fn definition() -> String {
    include_str!("../workflow-cli/tests/fixtures/onboarding.asl.json")
        .replace("\"Seconds\": 3", "\"Seconds\": 0")
        .replace(
            "${SendMessageFunctionArn}",
            "arn:aws:lambda:us-east-1:123456789012:function:send",
        )
        .replace(
            "${FetchActivityCountFunctionArn}",
            "arn:aws:lambda:us-east-1:123456789012:function:fetch",
        )
}

fn resources() -> Resources {
    Resources::new()
        .register("send", |input: Value| async move { Ok(input) })
        .register("fetch", |_input: Value| async move {
            Ok(json!({ "activities": 0 }))
        })
}

/// Starts every execution, then waits for all to end; returns the commits made: one for
/// each start and one for each state (a transition), counted by their entered events.
async fn run_all(store: Arc<dyn Store>, round: usize) -> u64 {
    let durable = Durable::new(Executor::new(resources()), store.clone());
    let definition = definition();
    for i in 0..EXECUTIONS {
        let config = ExecutionConfig {
            name: format!("r{round}-e{i}"),
            state_machine_name: "onboarding".to_owned(),
            ..ExecutionConfig::default()
        };
        durable
            .start(StartRequest {
                state_machine_arn: config.state_machine_arn(),
                config,
                definition: definition.clone(),
                input: json!({ "user_id": i }).into(),
                attributes: json!({}),
            })
            .await
            .expect("starts");
    }
    durable.idle().await;
    store
        .executions(None)
        .expect("lists")
        .iter()
        .filter(|e| e.name.starts_with(&format!("r{round}-")))
        .map(|e| {
            let history = store.history(&e.arn).expect("history");
            let states = history
                .iter()
                .filter(|event| event.event_type.as_str().ends_with("StateEntered"))
                .count();
            1 + states as u64
        })
        .sum()
}

fn transitions(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Commits per run, measured once: the throughput unit.
    let commits = runtime.block_on(run_all(Arc::new(MemoryStore::new()), usize::MAX));
    let mut group = c.benchmark_group("durable");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(commits));

    let dir = std::env::temp_dir().join(format!("workflow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("bench.db")).expect("opens"));
    let mut round = 0;
    group.bench_function("1000 onboarding executions, SQLite with fsync", |b| {
        b.iter(|| {
            round += 1;
            runtime.block_on(run_all(sqlite.clone(), round))
        })
    });
    group.bench_function("baseline: the same on the in-memory store", |b| {
        b.iter(|| {
            round += 1;
            runtime.block_on(run_all(Arc::new(MemoryStore::new()), round))
        })
    });
    group.finish();
    drop(sqlite);
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, transitions);
criterion_main!(benches);
