//! The workloads of the performance issue, shared by `benches/runtime.rs` (criterion, each
//! beside its hand-written baseline) and `benches/compare_driver.rs` (the runtime's side of
//! `bench/compare.sh`, which runs the same definitions through aws-local-stepfunctions).
//!
//! Every workload stays under the runtime's 25,000-event history limit (AWS's); the peer
//! enforces none. The runtime always records its full AWS-shaped history: there is no switch
//! to turn it off, and no path here that the conformance corpus does not also take.
//!
//! The baselines are plain Rust loops doing the same JSON work per transition as the
//! definition asks for (serde_json values, the same path selections, Choice comparisons and
//! `States.MathAdd`), appending one small [`Record`] per history event the runtime records.
//! They are what an interpreter could at best approach.

#![allow(dead_code)] // each of the two bench targets uses a part

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::{Executor, Outcome, Resources, Status, TaskError, workflow};

/// The mocked Lambda functions' ARNs in the ASL onboarding definition.
pub const SEND_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:send";
pub const FETCH_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:fetch";

/// Executions per onboarding workload.
pub const EXECUTIONS: usize = 1_000;
/// States in the Pass chain.
pub const CHAIN: usize = 1_000;
/// Iterations of the counter loop: 2 transitions each, plus `Init` and `Done`.
pub const ITERATIONS: u64 = 6_000;
/// Executions parked in a Wait state for the memory workload.
pub const WAITING: usize = 100_000;

/// The user being onboarded, as examples/onboarding.rs has it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    #[serde(default)]
    pub messages_sent: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<u64>,
}

workflow! {
    /// examples/onboarding.rs's workflow with zero-second waits: the benchmarks' copy, since
    /// an example cannot be linked into a bench target.
    pub Onboarding {
        comment: "AWS Step Functions Example",
        start_at: SendMessage1,
        version: "1.0",
        handlers: {
            send_message(User) -> User,
            fetch_activity_count(User) -> User,
        },
        states: {
            SendMessage1: Task {
                resource: send_message,
                retry: [{ error_equals: [States.TaskFailed], interval_seconds: 2,
                          max_attempts: 16, backoff_rate: 2.0 }],
                next: Wait1,
            },
            Wait1: Wait { seconds: 0, next: FetchActivityCount1 },
            FetchActivityCount1: Task { resource: fetch_activity_count, next: CheckActivityCount1 },
            CheckActivityCount1: Choice {
                choices: [{ variable: "$.activities", numeric_equals: 0, next: SendMessage2 }],
                default: Done,
            },
            SendMessage2: Task {
                resource: send_message,
                retry: [{ error_equals: [States.TaskFailed], interval_seconds: 2,
                          max_attempts: 16, backoff_rate: 2.0 }],
                next: Wait2,
            },
            Wait2: Wait { seconds: 0, next: FetchActivityCount2 },
            FetchActivityCount2: Task { resource: fetch_activity_count, next: CheckActivityCount2 },
            CheckActivityCount2: Choice {
                choices: [{ variable: "$.activities", numeric_equals: 0, next: SendMessage3 }],
                default: Done,
            },
            SendMessage3: Task {
                resource: send_message,
                retry: [{ error_equals: [States.TaskFailed], interval_seconds: 2,
                          max_attempts: 16, backoff_rate: 2.0 }],
                next: Done,
            },
            Done: Succeed,
        }
    }
}

/// Handlers that answer at once: a message is sent, and the activity count stays 0, so
/// every execution takes the long way, 10 states.
pub struct InstantHandlers;

impl OnboardingHandlers for InstantHandlers {
    async fn send_message(&self, mut user: User) -> Result<User, TaskError> {
        user.messages_sent += 1;
        Ok(user)
    }

    async fn fetch_activity_count(&self, mut user: User) -> Result<User, TaskError> {
        user.activities = Some(0);
        Ok(user)
    }
}

/// The untyped handlers: the same work on JSON values, as a Lambda function would do it.
pub async fn send(mut input: Value) -> Result<Value, TaskError> {
    let sent = input["messages_sent"].as_u64().unwrap_or(0);
    input["messages_sent"] = json!(sent + 1);
    Ok(input)
}

pub async fn fetch(mut input: Value) -> Result<Value, TaskError> {
    input["activities"] = json!(0);
    Ok(input)
}

pub fn resources() -> Resources {
    Resources::new()
        .register("send", send)
        .register("fetch", fetch)
}

/// The onboarding ASL with the mocked Lambdas' ARNs: what `--emit-asl` prints, waits at 0.
pub fn onboarding_asl() -> String {
    use workflow_runtime::Workflow;
    Onboarding::asl_with_resources(&[
        ("send_message", SEND_ARN),
        ("fetch_activity_count", FETCH_ARN),
    ])
    .expect("the ARNs are valid")
}

/// The input of onboarding execution `i`.
pub fn user(i: usize) -> Value {
    json!({ "user_id": format!("user-{i}") })
}

/// `states` Pass states, each passing its input on to the next.
pub fn pass_chain_asl(states: usize) -> String {
    let mut map = serde_json::Map::new();
    for i in 0..states {
        let state = if i + 1 < states {
            json!({ "Type": "Pass", "Next": format!("S{}", i + 1) })
        } else {
            json!({ "Type": "Pass", "End": true })
        };
        map.insert(format!("S{i}"), state);
    }
    json!({ "StartAt": "S0", "States": map }).to_string()
}

/// A counter from 0 to `iterations`: `States.MathAdd` in a Pass, then a Choice looping back.
pub fn counter_asl(iterations: u64) -> String {
    json!({
        "StartAt": "Init",
        "States": {
            "Init": { "Type": "Pass", "Result": { "count": 0 }, "Next": "Increment" },
            "Increment": {
                "Type": "Pass",
                "Parameters": { "count.$": "States.MathAdd($.count, 1)" },
                "Next": "Check"
            },
            "Check": {
                "Type": "Choice",
                "Choices": [
                    { "Variable": "$.count", "NumericLessThan": iterations, "Next": "Increment" }
                ],
                "Default": "Done"
            },
            "Done": { "Type": "Succeed" }
        }
    })
    .to_string()
}

/// One Wait state of an hour: executions park there.
pub fn wait_asl() -> String {
    json!({
        "StartAt": "Wait",
        "States": { "Wait": { "Type": "Wait", "Seconds": 3600, "End": true } }
    })
    .to_string()
}

pub fn machine(asl: &str) -> Arc<StateMachine> {
    Arc::new(StateMachine::from_json_str(asl).expect("a valid definition"))
}

fn succeeded(outcome: Outcome) {
    assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.error);
}

// --- The runtime's side ------------------------------------------------------------------

/// Onboarding executions one after another.
pub async fn onboarding_sequential(executor: &Executor, machine: &Arc<StateMachine>) {
    for i in 0..EXECUTIONS {
        let execution = executor.start(machine.clone(), user(i)).expect("starts");
        succeeded(execution.run().await);
    }
}

/// Onboarding executions all at once on the current tokio runtime.
pub async fn onboarding_concurrent(executor: &Executor, machine: &Arc<StateMachine>) {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..EXECUTIONS {
        let execution = executor.start(machine.clone(), user(i)).expect("starts");
        set.spawn(execution.run());
    }
    while let Some(outcome) = set.join_next().await {
        succeeded(outcome.expect("no panic"));
    }
}

/// Onboarding executions one after another through the typed `workflow!`.
pub async fn onboarding_typed(executor: &Executor) {
    for i in 0..EXECUTIONS {
        let execution = executor
            .start_workflow::<Onboarding>(user(i))
            .expect("starts");
        succeeded(execution.run().await);
    }
}

pub fn typed_executor() -> Executor {
    Executor::new(Onboarding::resources(InstantHandlers))
}

/// One execution of a machine without Tasks (the Pass chain, the counter).
pub async fn run_once(executor: &Executor, machine: &Arc<StateMachine>, input: Value) {
    succeeded(
        executor
            .start(machine.clone(), input)
            .expect("starts")
            .run()
            .await,
    );
}

// --- The hand-written baselines ----------------------------------------------------------

/// One history event as a hand-written loop would keep it: a number, a kind, a time, and
/// a shared reference to the value the event shows.
pub struct Record {
    pub id: u32,
    pub previous: u32,
    pub kind: &'static str,
    pub millis: i64,
    pub data: Option<Arc<Value>>,
}

#[derive(Default)]
pub struct Log(pub Vec<Record>);

impl Log {
    pub fn push(&mut self, kind: &'static str, data: Option<&Arc<Value>>) {
        let id = self.0.len() as u32 + 1;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.0.push(Record {
            id,
            previous: id - 1,
            kind,
            millis,
            data: data.cloned(),
        });
    }
}

/// A Task state by hand: entered, scheduled, started, succeeded, exited; the handler gets
/// its own copy of the input, as a Lambda function would.
async fn baseline_task<F, Fut>(log: &mut Log, value: Arc<Value>, handler: F) -> Arc<Value>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Result<Value, TaskError>>,
{
    log.push("TaskStateEntered", Some(&value));
    log.push("TaskScheduled", Some(&value));
    log.push("TaskStarted", None);
    let output = Arc::new(handler((*value).clone()).await.expect("answers"));
    log.push("TaskSucceeded", Some(&output));
    log.push("TaskStateExited", Some(&output));
    output
}

/// The onboarding flow written out by hand with the untyped handlers (or, with `typed`, the
/// typed ones behind serde, as `workflow!` calls them); returns the events recorded.
pub async fn baseline_onboarding(input: Value, typed: bool) -> usize {
    async fn typed_send(input: Value) -> Result<Value, TaskError> {
        let user: User = serde_json::from_value(input).expect("a user");
        let user = InstantHandlers.send_message(user).await?;
        Ok(serde_json::to_value(user).expect("serializes"))
    }
    async fn typed_fetch(input: Value) -> Result<Value, TaskError> {
        let user: User = serde_json::from_value(input).expect("a user");
        let user = InstantHandlers.fetch_activity_count(user).await?;
        Ok(serde_json::to_value(user).expect("serializes"))
    }
    let mut log = Log::default();
    let mut value = Arc::new(input);
    log.push("ExecutionStarted", Some(&value));
    for round in 1..=3 {
        value = if typed {
            baseline_task(&mut log, value, typed_send).await
        } else {
            baseline_task(&mut log, value, send).await
        };
        if round == 3 {
            break;
        }
        log.push("WaitStateEntered", Some(&value));
        log.push("WaitStateExited", Some(&value));
        value = if typed {
            baseline_task(&mut log, value, typed_fetch).await
        } else {
            baseline_task(&mut log, value, fetch).await
        };
        log.push("ChoiceStateEntered", Some(&value));
        let zero = value.get("activities").and_then(Value::as_f64) == Some(0.0);
        log.push("ChoiceStateExited", Some(&value));
        if !zero {
            break;
        }
    }
    log.push("SucceedStateEntered", Some(&value));
    log.push("SucceedStateExited", Some(&value));
    log.push("ExecutionSucceeded", Some(&value));
    std::hint::black_box(&log);
    log.0.len()
}

pub async fn baseline_onboarding_sequential(typed: bool) {
    for i in 0..EXECUTIONS {
        baseline_onboarding(user(i), typed).await;
    }
}

pub async fn baseline_onboarding_concurrent() {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..EXECUTIONS {
        set.spawn(baseline_onboarding(user(i), false));
    }
    while let Some(events) = set.join_next().await {
        std::hint::black_box(events.expect("no panic"));
    }
}

/// The Pass chain by hand: each state shows its input entering and leaving.
pub fn baseline_pass_chain(input: Value, states: usize) -> usize {
    let mut log = Log::default();
    let value = Arc::new(input);
    log.push("ExecutionStarted", Some(&value));
    for _ in 0..states {
        log.push("PassStateEntered", Some(&value));
        log.push("PassStateExited", Some(&value));
    }
    log.push("ExecutionSucceeded", Some(&value));
    std::hint::black_box(&log);
    log.0.len()
}

/// The counter by hand: `$.count` selected, added to, a new object built, compared.
pub fn baseline_counter(iterations: u64) -> usize {
    let mut log = Log::default();
    let mut value = Arc::new(json!({}));
    log.push("ExecutionStarted", Some(&value));
    log.push("PassStateEntered", Some(&value));
    value = Arc::new(json!({ "count": 0 }));
    log.push("PassStateExited", Some(&value));
    loop {
        log.push("PassStateEntered", Some(&value));
        let count = value.get("count").and_then(Value::as_i64).expect("a count");
        value = Arc::new(json!({ "count": count + 1 }));
        log.push("PassStateExited", Some(&value));
        log.push("ChoiceStateEntered", Some(&value));
        let more = value.get("count").and_then(Value::as_f64).expect("a count") < iterations as f64;
        log.push("ChoiceStateExited", Some(&value));
        if !more {
            break;
        }
    }
    log.push("SucceedStateEntered", Some(&value));
    log.push("SucceedStateExited", Some(&value));
    log.push("ExecutionSucceeded", Some(&value));
    std::hint::black_box(&log);
    log.0.len()
}
