//! Benchmarks, each against a baseline measured in the same run: the ratios are what count.
//!
//! - `jsonpath`: our ASL JSONPath against `serde_json_path` (RFC 9535) on the same queries;
//! - `validate`: parsing and validating the onboarding ASL against parsing its JSON alone;
//! - `execute`: a 20-state Pass chain through the executor against the same 20 transforms
//!   done by hand, which is the interpreter's overhead per state.
//!
//! `cargo bench --bench runtime`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::path::Path;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::{Executor, Resources, VirtualClock};

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
    group.bench_function("workflow parse + validate onboarding", |b| {
        b.iter(|| StateMachine::from_json_str(black_box(ONBOARDING)).unwrap())
    });
    group.bench_function("baseline serde_json parse onboarding", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(ONBOARDING)).unwrap())
    });
    group.finish();
}

fn pass_chain(states: usize) -> Arc<StateMachine> {
    let mut map = serde_json::Map::new();
    for i in 0..states {
        let mut state = json!({ "Type": "Pass", "Result": i, "ResultPath": format!("$.s{i}") });
        if i + 1 < states {
            state["Next"] = json!(format!("S{}", i + 1));
        } else {
            state["End"] = json!(true);
        }
        map.insert(format!("S{i}"), state);
    }
    let definition = json!({ "StartAt": "S0", "States": map });
    Arc::new(StateMachine::from_json_str(&definition.to_string()).unwrap())
}

fn execute(c: &mut Criterion) {
    const STATES: usize = 20;
    let machine = pass_chain(STATES);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let executor = runtime.block_on(async {
        Executor::new(Resources::new()).with_clock(VirtualClock::new(
            Timestamp::parse("2024-01-01T00:00:00Z").unwrap(),
        ))
    });
    let mut group = c.benchmark_group("execute");
    group.bench_function("workflow 20 Pass states", |b| {
        b.iter(|| {
            runtime.block_on(async {
                executor
                    .start(machine.clone(), json!({ "user": "u-1" }))
                    .unwrap()
                    .run()
                    .await
                    .output
            })
        })
    });
    group.bench_function("baseline 20 hand-written transforms", |b| {
        b.iter(|| {
            let mut value = json!({ "user": "u-1" });
            for i in 0..STATES {
                let input = value.clone();
                value = input;
                value[format!("s{i}")] = json!(i);
            }
            black_box(value)
        })
    });
    group.finish();
}

criterion_group!(benches, jsonpath, validate, execute);
criterion_main!(benches);
