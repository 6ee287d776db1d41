//! Benchmarks, each against a baseline measured in the same run: the ratios are what count.
//!
//! - `jsonpath`: our ASL JSONPath against `serde_json_path` (RFC 9535) on the same queries;
//! - `validate`: parsing and validating the onboarding ASL and 1,000- and 10,000-state Pass
//!   chains, against parsing their JSON alone;
//! - `execute`: the workloads of `benches/workloads` (onboarding one after another, at once,
//!   and typed; 1,000 chained Pass states; a 6,000-iteration counter loop), each against the
//!   hand-written loop doing the same JSON work with one history record per event. The
//!   memory of waiting executions is not a time: `bench/compare.sh` measures it.
//!
//! `cargo bench --bench runtime`; one group: `cargo bench --bench runtime -- execute`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use workflow_runtime::Executor;
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::path::Path;

mod workloads;

fn document() -> Value {
    let items: Vec<Value> = (0..1000)
        .map(
            |i| json!({ "name": format!("item-{i}"), "price": i as f64 * 1.5, "tags": ["a", "b"] }),
        )
        .collect();
    json!({ "store": { "items": items } })
}

fn jsonpath(c: &mut Criterion) {
    let doc = document();
    let mut group = c.benchmark_group("jsonpath");
    for query in [
        "$.store.items[*].name",
        "$..price",
        "$.store.items[500].tags[1]",
    ] {
        let ours = Path::parse(query).unwrap();
        let theirs = serde_json_path::JsonPath::parse(query).unwrap();
        group.bench_function(format!("workflow {query}"), |b| {
            b.iter(|| black_box(ours.select(black_box(&doc))).len())
        });
        group.bench_function(format!("baseline serde_json_path {query}"), |b| {
            b.iter(|| black_box(theirs.query(black_box(&doc))).len())
        });
    }
    group.finish();
}

const ONBOARDING: &str = include_str!("../workflow-cli/tests/fixtures/onboarding.asl.json");

fn validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    // 10,000 states take seconds today (the validator is superlinear): few samples.
    group.sample_size(10);
    group.bench_function("workflow parse + validate onboarding", |b| {
        b.iter(|| StateMachine::from_json_str(black_box(ONBOARDING)).unwrap())
    });
    group.bench_function("baseline serde_json parse onboarding", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(ONBOARDING)).unwrap())
    });
    for states in [1_000, 10_000] {
        let asl = workloads::pass_chain_asl(states);
        group.bench_function(format!("workflow parse + validate {states} states"), |b| {
            b.iter(|| StateMachine::from_json_str(black_box(&asl)).unwrap())
        });
        group.bench_function(format!("baseline serde_json parse {states} states"), |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(&asl)).unwrap())
        });
    }
    group.finish();
}

fn execute(c: &mut Criterion) {
    // One thread, as Node runs the peer in `bench/compare.sh`; the system clock (waits are 0).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let executor = Executor::new(workloads::resources());
    let typed = workloads::typed_executor();
    let onboarding = workloads::machine(&workloads::onboarding_asl());
    let chain = workloads::machine(&workloads::pass_chain_asl(workloads::CHAIN));
    let counter = workloads::machine(&workloads::counter_asl(workloads::ITERATIONS));

    let mut group = c.benchmark_group("execute");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("workflow onboarding 1000 one after another", |b| {
        b.iter(|| runtime.block_on(workloads::onboarding_sequential(&executor, &onboarding)))
    });
    group.bench_function("baseline onboarding 1000 one after another", |b| {
        b.iter(|| runtime.block_on(workloads::baseline_onboarding_sequential(false)))
    });
    group.bench_function("workflow onboarding 1000 at once", |b| {
        b.iter(|| runtime.block_on(workloads::onboarding_concurrent(&executor, &onboarding)))
    });
    group.bench_function("baseline onboarding 1000 at once", |b| {
        b.iter(|| runtime.block_on(workloads::baseline_onboarding_concurrent()))
    });
    group.bench_function("workflow onboarding 1000 typed workflow!", |b| {
        b.iter(|| runtime.block_on(workloads::onboarding_typed(&typed)))
    });
    group.bench_function("baseline onboarding 1000 typed handlers", |b| {
        b.iter(|| runtime.block_on(workloads::baseline_onboarding_sequential(true)))
    });
    group.bench_function("workflow 1000 chained Pass states", |b| {
        b.iter(|| {
            runtime.block_on(workloads::run_once(
                &executor,
                &chain,
                json!({ "user": "u-1" }),
            ))
        })
    });
    group.bench_function("baseline 1000 chained Pass states", |b| {
        b.iter(|| workloads::baseline_pass_chain(json!({ "user": "u-1" }), workloads::CHAIN))
    });
    group.bench_function("workflow counter loop 6000 iterations", |b| {
        b.iter(|| runtime.block_on(workloads::run_once(&executor, &counter, json!({}))))
    });
    group.bench_function("baseline counter loop 6000 iterations", |b| {
        b.iter(|| workloads::baseline_counter(workloads::ITERATIONS))
    });
    group.finish();
}

criterion_group!(benches, jsonpath, validate, execute);
criterion_main!(benches);
