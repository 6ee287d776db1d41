//! The runtime's side of `bench/compare.sh`: runs one workload of `benches/workloads` and
//! prints its times, as `bench/peer-driver.mjs` does for aws-local-stepfunctions. A bench
//! target (not an example) so that `cargo test` does not build it; the script builds it with
//! `cargo bench --no-run` and runs the binary itself, so that its peak RSS is its own.
//!
//! ```text
//! compare_driver asl <workload>            # the definition the peer runs
//! compare_driver run <workload> [rounds]   # one warm-up round, then `rounds` timed ones
//! ```
//!
//! It prints `key=value` pairs on one line: `median_ms`, `min_ms`, and `events` (the history
//! of one execution, which must stay under 25,000) or, for `waiting`, `bytes_per_execution`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;
use workflow_runtime::asl::StateMachine;
use workflow_runtime::{Executor, Status};

mod workloads;

const WORKLOADS: &[&str] = &[
    "onboarding-sequential",
    "onboarding-concurrent",
    "onboarding-typed",
    "pass-chain",
    "counter-loop",
    "waiting",
    "validate-1000",
    "validate-10000",
];

fn asl(workload: &str) -> Option<String> {
    Some(match workload {
        "onboarding-sequential" | "onboarding-concurrent" | "onboarding-typed" => {
            workloads::onboarding_asl()
        }
        "pass-chain" => workloads::pass_chain_asl(workloads::CHAIN),
        "counter-loop" => workloads::counter_asl(workloads::ITERATIONS),
        "waiting" => workloads::wait_asl(),
        "validate-1000" => workloads::pass_chain_asl(1_000),
        "validate-10000" => workloads::pass_chain_asl(10_000),
        _ => return None,
    })
}

/// This process's resident set, in bytes, from /proc.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Events in the history of one execution of the workload: it must fit AWS's limit.
async fn events(workload: &str, executor: &Executor, text: &str) -> usize {
    let input = match workload {
        "pass-chain" => json!({ "user": "u-1" }),
        "counter-loop" => json!({}),
        _ => workloads::user(0),
    };
    let outcome = if workload == "onboarding-typed" {
        workloads::typed_executor()
            .start_workflow::<workloads::Onboarding>(input)
            .expect("starts")
            .run()
            .await
    } else {
        executor
            .start(workloads::machine(text), input)
            .expect("starts")
            .run()
            .await
    };
    assert_eq!(outcome.status, Status::Succeeded);
    outcome.history.events().len()
}

/// Parks [`workloads::WAITING`] executions in an hour-long Wait and prints what each costs.
fn waiting(text: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let executor = Executor::new(workloads::resources());
    let machine = workloads::machine(text);
    let before = rss_bytes();
    let start = Instant::now();
    runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let mut future_bytes = 0;
        for i in 0..workloads::WAITING {
            let execution = executor
                .start(machine.clone(), json!({ "i": i }))
                .expect("starts");
            let run = execution.run();
            future_bytes = std::mem::size_of_val(&run);
            set.spawn(run);
        }
        let started = start.elapsed().as_secs_f64() * 1000.0;
        // Every execution runs up to its Wait before the timer fires.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let after = rss_bytes();
        println!(
            "median_ms={started:.1} min_ms={started:.1} bytes_per_execution={} rss_mib={:.1} \
             run_future_bytes={future_bytes}",
            after.saturating_sub(before) / workloads::WAITING as u64,
            after as f64 / (1024.0 * 1024.0)
        );
        // Exit with the executions still waiting: dropping them is not the workload.
        std::process::exit(0);
    });
}

fn run(workload: &str, rounds: usize) {
    let text = asl(workload).expect("a known workload");
    if workload == "waiting" {
        return waiting(&text);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let executor = Executor::new(workloads::resources());
    let typed = workloads::typed_executor();
    let machine = workloads::machine(&text);
    let one_round = || {
        let start = Instant::now();
        match workload {
            "validate-1000" | "validate-10000" => {
                std::hint::black_box(StateMachine::from_json_str(&text).expect("valid"));
            }
            "onboarding-sequential" => {
                runtime.block_on(workloads::onboarding_sequential(&executor, &machine))
            }
            "onboarding-concurrent" => {
                runtime.block_on(workloads::onboarding_concurrent(&executor, &machine))
            }
            "onboarding-typed" => runtime.block_on(workloads::onboarding_typed(&typed)),
            "pass-chain" => runtime.block_on(workloads::run_once(
                &executor,
                &machine,
                json!({ "user": "u-1" }),
            )),
            "counter-loop" => runtime.block_on(workloads::run_once(&executor, &machine, json!({}))),
            _ => unreachable!("checked by asl()"),
        }
        start.elapsed().as_secs_f64() * 1000.0
    };
    one_round();
    let mut times: Vec<f64> = (0..rounds).map(|_| one_round()).collect();
    times.sort_by(f64::total_cmp);
    let events = if workload.starts_with("validate") {
        0
    } else {
        runtime.block_on(events(workload, &executor, &text))
    };
    println!(
        "median_ms={:.2} min_ms={:.2} events={events}",
        times[times.len() / 2],
        times[0]
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["asl", workload] if asl(workload).is_some() => {
            println!("{}", asl(workload).unwrap_or_default());
            ExitCode::SUCCESS
        }
        ["run", workload, rest @ ..] if asl(workload).is_some() => {
            let rounds = rest
                .first()
                .and_then(|r| r.parse().ok())
                .unwrap_or(5)
                .max(1);
            run(workload, rounds);
            ExitCode::SUCCESS
        }
        // `cargo bench` runs every bench target with `--bench`: nothing to measure here.
        [.., "--bench"] => {
            println!("compare_driver: run by bench/compare.sh, not by cargo bench");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: compare_driver asl|run WORKLOAD [ROUNDS]; workloads: {}",
                WORKLOADS.join(", ")
            );
            ExitCode::FAILURE
        }
    }
}
