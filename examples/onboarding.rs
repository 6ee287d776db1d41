//! The reference workflow: engage a new user after sign-up.
//!
//! Send a message (a task that fails now and then, so it is retried with backoff), wait,
//! fetch the user's activity count, and if it is still 0 send another message, up to three
//! times, then succeed.
//!
//! ```text
//! cargo run --example onboarding                       # run it, in real time
//! cargo run --example onboarding -- --fast --seed 7    # on the virtual clock, repeatably
//! cargo run --example onboarding -- --emit-asl
//! cargo run --example onboarding -- --emit-cloudformation > onboarding.yaml
//! cargo run --example onboarding -- --graph mermaid    # or dot, svg
//! cargo run --example onboarding -- --emit-asl \
//!     --resource send_message=arn:aws:lambda:us-east-1:123456789012:function:send-message
//! ```

use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use serde::{Deserialize, Serialize};
use workflow_runtime::{
    Clock, Executor, Status, SystemClock, TaskError, VirtualClock, Workflow, workflow,
};

/// The user being onboarded: the input of the execution, and of every task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub user_id: String,
    /// How many onboarding messages were sent so far.
    #[serde(default)]
    pub messages_sent: u32,
    /// The activity count, once fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<u64>,
}

workflow! {
    /// Engages a new user after sign-up.
    pub Onboarding {
        comment: "AWS Step Functions Example",
        start_at: SendMessage1,
        version: "1.0",
        handlers: {
            /// Sends the user an onboarding message. The mail service fails now and then.
            send_message(User) -> User,
            /// Counts what the user did since signing up.
            fetch_activity_count(User) -> User,
        },
        states: {
            SendMessage1: Task {
                resource: send_message,
                retry: [{ error_equals: [States.TaskFailed], interval_seconds: 2,
                          max_attempts: 16, backoff_rate: 2.0 }],
                next: Wait1,
            },
            Wait1: Wait { seconds: 3, next: FetchActivityCount1 },
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
            Wait2: Wait { seconds: 3, next: FetchActivityCount2 },
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

/// The handlers this example runs with: a mail service that fails 30% of the time, and an
/// activity count that is 0 or 1 at random. Seeded, so a run can be repeated exactly.
pub struct ExampleHandlers {
    rng: Mutex<fastrand::Rng>,
}

impl OnboardingHandlers for ExampleHandlers {
    async fn send_message(&self, mut user: User) -> Result<User, TaskError> {
        let fails = self.rng.lock().map(|mut r| r.f64() < 0.3).unwrap_or(false);
        if fails {
            return Err(TaskError::new(
                "States.TaskFailed",
                "the mail service is unavailable",
            ));
        }
        user.messages_sent += 1;
        Ok(user)
    }

    async fn fetch_activity_count(&self, mut user: User) -> Result<User, TaskError> {
        let activities = self.rng.lock().map(|mut r| r.u64(0..2)).unwrap_or(0);
        user.activities = Some(activities);
        Ok(user)
    }
}

#[derive(Parser)]
#[command(about = "The onboarding workflow: run it locally, export it, or draw it")]
struct Args {
    /// Print the Amazon States Language document and exit.
    #[arg(long)]
    emit_asl: bool,
    /// Print a CloudFormation template (YAML) that deploys the workflow with one Lambda
    /// function per handler, and exit.
    #[arg(long, conflicts_with_all = ["emit_asl", "resources"])]
    emit_cloudformation: bool,
    /// Draw the workflow, as the AWS console's visual workflow, and exit.
    #[arg(long, value_name = "mermaid|dot|svg", conflicts_with_all = ["emit_asl", "emit_cloudformation"])]
    graph: Option<workflow_cli::graph::Format>,
    /// Replace a handler's placeholder Resource by an ARN: `--resource send_message=arn:...`.
    #[arg(long = "resource", value_name = "HANDLER=ARN", value_parser = parse_resource)]
    resources: Vec<(String, String)>,
    /// Seed the handlers' randomness, to repeat a run exactly.
    #[arg(long)]
    seed: Option<u64>,
    /// Run on the virtual clock: waits and retry delays take no time, timestamps still move.
    #[arg(long)]
    fast: bool,
    /// The user id to onboard.
    #[arg(long, default_value = "user-1")]
    user: String,
}

fn parse_resource(text: &str) -> Result<(String, String), String> {
    let (handler, arn) = text
        .split_once('=')
        .ok_or_else(|| format!("expected HANDLER=ARN, found `{text}`"))?;
    if !Onboarding::RESOURCES.iter().any(|(_, h)| *h == handler) {
        let known: Vec<&str> = Onboarding::RESOURCES.iter().map(|(_, h)| *h).collect();
        return Err(format!(
            "no handler `{handler}`; the handlers are {}",
            known.join(", ")
        ));
    }
    Ok((handler.to_owned(), arn.to_owned()))
}

fn emit_cloudformation() -> ExitCode {
    match workflow_cli::cloudformation::for_workflow::<Onboarding>() {
        Ok(template) => {
            print!("{}", template.to_yaml());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn emit_asl(args: &Args) -> ExitCode {
    let arns: Vec<(&str, &str)> = args
        .resources
        .iter()
        .map(|(h, a)| (h.as_str(), a.as_str()))
        .collect();
    match Onboarding::asl_with_resources(&arns) {
        Ok(asl) => {
            println!("{asl}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the workflow, printing each event as it happens, then the outcome.
async fn run(args: &Args) -> ExitCode {
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let handlers = ExampleHandlers {
        rng: Mutex::new(fastrand::Rng::with_seed(seed)),
    };
    let mut executor = Executor::new(Onboarding::resources(handlers)).with_seed(seed);
    if args.fast {
        executor = executor.with_clock(VirtualClock::new(SystemClock.now()));
    }
    let input = serde_json::json!({ "user_id": args.user });
    let mut execution = match executor.start_workflow::<Onboarding>(input) {
        Ok(execution) => execution,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "onboarding {} (seed {seed}{})",
        args.user,
        if args.fast { ", virtual clock" } else { "" }
    );
    let mut shown = 0;
    while execution.step().await.is_some() {
        let events = execution.history().events();
        for event in &events[shown..] {
            println!("{}", workflow_runtime::history::log_line(event));
        }
        shown = events.len();
    }
    let outcome = execution.into_outcome();
    match outcome.status {
        Status::Succeeded => {
            println!("SUCCEEDED: {}", outcome.output.unwrap_or_default());
            ExitCode::SUCCESS
        }
        status => {
            println!(
                "{status:?}: {} {}",
                outcome.error.unwrap_or_default(),
                outcome.cause.unwrap_or_default()
            );
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.emit_asl {
        return emit_asl(&args);
    }
    if args.emit_cloudformation {
        return emit_cloudformation();
    }
    if let Some(format) = args.graph {
        return match Onboarding::definition() {
            Ok(machine) => {
                print!("{}", workflow_cli::graph::render(&machine, format, None));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(args.fast)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run(&args)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The benchmarks' copy of this workflow (an example cannot be linked into a bench), which a
/// test below keeps equal to this one.
#[cfg(test)]
#[path = "../benches/workloads/mod.rs"]
mod bench_workloads;

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use workflow_runtime::asl::StateMachine;
    use workflow_runtime::asl::timestamp::Timestamp;
    use workflow_runtime::{Mock, Resources, WorkflowState};

    use super::*;

    fn retry() -> Value {
        json!([{ "ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 16, "BackoffRate": 2.0 }])
    }

    /// The benchmarks measure this workflow: their copy is this one with zero-second waits.
    #[test]
    fn the_benchmarks_copy_is_this_workflow_with_zero_second_waits() {
        let mut ours: Value = serde_json::from_str(Onboarding::ASL).unwrap();
        for wait in ["Wait1", "Wait2"] {
            ours["States"][wait]["Seconds"] = json!(0);
        }
        let copy: Value = serde_json::from_str(super::bench_workloads::Onboarding::ASL).unwrap();
        assert_eq!(ours, copy);
        // And the handlers' names, which the copy's Resources are made from.
        assert_eq!(
            <Onboarding as Workflow>::RESOURCES,
            <super::bench_workloads::Onboarding as Workflow>::RESOURCES
        );
    }

    /// The flow the issue specifies, Resources aside.
    #[test]
    fn the_asl_is_exactly_the_onboarding_graph() {
        let mut asl: Value = serde_json::from_str(Onboarding::ASL).unwrap();
        for state in asl["States"].as_object_mut().unwrap().values_mut() {
            state.as_object_mut().unwrap().remove("Resource");
        }
        let send = |next: &str| json!({ "Type": "Task", "Retry": retry(), "Next": next });
        let check = |zero: &str| {
            json!({ "Type": "Choice",
                    "Choices": [{ "Variable": "$.activities", "NumericEquals": 0, "Next": zero }],
                    "Default": "Done" })
        };
        let expected = json!({
            "Comment": "AWS Step Functions Example",
            "StartAt": "SendMessage1",
            "Version": "1.0",
            "States": {
                "SendMessage1": send("Wait1"),
                "Wait1": { "Type": "Wait", "Seconds": 3, "Next": "FetchActivityCount1" },
                "FetchActivityCount1": { "Type": "Task", "Next": "CheckActivityCount1" },
                "CheckActivityCount1": check("SendMessage2"),
                "SendMessage2": send("Wait2"),
                "Wait2": { "Type": "Wait", "Seconds": 3, "Next": "FetchActivityCount2" },
                "FetchActivityCount2": { "Type": "Task", "Next": "CheckActivityCount2" },
                "CheckActivityCount2": check("SendMessage3"),
                "SendMessage3": send("Done"),
                "Done": { "Type": "Succeed" }
            }
        });
        assert_eq!(asl, expected);
        let order: Vec<&str> = asl["States"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let variants: Vec<&str> = OnboardingState::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(order, variants);
    }

    /// The constant the macro rendered at compile time is what the core renders at run time
    /// from the same model, byte for byte.
    #[test]
    fn compile_time_and_run_time_rendering_agree() {
        let machine = StateMachine::from_json_str(Onboarding::ASL).unwrap();
        assert_eq!(workflow_runtime::asl::render(&machine), Onboarding::ASL);
        assert_eq!(
            Onboarding::asl_with_resources(&[]).unwrap(),
            Onboarding::ASL
        );
    }

    #[test]
    fn handler_resources_are_placeholders_unless_substituted() {
        assert_eq!(
            Onboarding::RESOURCES,
            &[
                ("${SendMessageFunctionArn}", "send_message"),
                ("${FetchActivityCountFunctionArn}", "fetch_activity_count"),
            ]
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:send-message";
        let asl: Value = serde_json::from_str(
            &Onboarding::asl_with_resources(&[("send_message", arn)]).unwrap(),
        )
        .unwrap();
        assert_eq!(asl["States"]["SendMessage2"]["Resource"], arn);
        assert_eq!(
            asl["States"]["FetchActivityCount1"]["Resource"],
            "${FetchActivityCountFunctionArn}"
        );
    }

    fn virtual_executor(resources: Resources) -> Executor {
        let start = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        Executor::new(resources)
            .with_clock(VirtualClock::new(start))
            .with_seed(1)
    }

    /// The mock the issue describes: attempt 1 fails with States.TaskFailed, attempt 2
    /// returns `{"activities": 0}`; stepping shows each typed state with its input.
    #[tokio::test(start_paused = true)]
    async fn steps_through_typed_states_with_mocks() {
        let send = Mock::new().returns(json!({ "user_id": "u-1", "messages_sent": 1 }));
        let fetch = Mock::new()
            .fail(TaskError::new("States.TaskFailed", "stats service busy"))
            .returns(json!({ "user_id": "u-1", "activities": 0 }))
            .returns(json!({ "user_id": "u-1", "activities": 3 }));
        // FetchActivityCount has no retrier: its failure fails the execution on attempt 1.
        let resources = Resources::new()
            .register("send_message", send.clone())
            .register("fetch_activity_count", fetch);
        let mut execution = virtual_executor(resources)
            .start_workflow::<Onboarding>(json!({ "user_id": "u-1" }))
            .unwrap();
        let mut states = Vec::new();
        while let Some((state, _input)) = execution.step().await {
            states.push(state);
        }
        use OnboardingState::*;
        assert_eq!(states, [SendMessage1, Wait1, FetchActivityCount1]);
        let outcome = execution.into_outcome();
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
        assert_eq!(send.calls(), [json!({ "user_id": "u-1" })]);
    }

    /// Sixteen failures then success: every retry waits as AWS would (2, 4, 8, ... seconds),
    /// which the virtual clock shows in the timestamps and skips in wall time.
    #[tokio::test(start_paused = true)]
    async fn sixteen_retries_take_no_wall_time() {
        let mut send = Mock::new();
        for _ in 0..16 {
            send = send.fail(TaskError::new("States.TaskFailed", "mail server busy"));
        }
        let send = send.returns(json!({ "user_id": "u-1", "messages_sent": 1 }));
        let fetch = Mock::new().returns(json!({ "user_id": "u-1", "activities": 2 }));
        let resources = Resources::new()
            .register("send_message", send.clone())
            .register("fetch_activity_count", fetch);
        let wall = std::time::Instant::now();
        let outcome = virtual_executor(resources)
            .start_workflow::<Onboarding>(json!({ "user_id": "u-1" }))
            .unwrap()
            .run()
            .await;
        assert!(wall.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(send.calls().len(), 17);
        // 2 * (2^16 - 1) seconds of backoff, then the 3-second wait, and a millisecond for
        // each of the five states' transitions (the virtual clock's `TRANSITION_TIME`).
        let seconds = 2 * ((1u64 << 16) - 1) + 3;
        let end = Timestamp::from_unix_millis(
            Timestamp::parse("2024-01-01T00:00:00Z")
                .unwrap()
                .unix_millis()
                + seconds as i64 * 1000
                + 5,
        );
        assert_eq!(outcome.history.events().last().unwrap().timestamp, end);
    }

    /// The example's own handlers, typed through the generated trait, drive a full run.
    #[tokio::test(start_paused = true)]
    async fn the_example_handlers_run_the_flow() {
        let handlers = ExampleHandlers {
            rng: Mutex::new(fastrand::Rng::with_seed(7)),
        };
        let outcome = virtual_executor(Onboarding::resources(handlers))
            .start_workflow::<Onboarding>(json!({ "user_id": "u-7" }))
            .unwrap()
            .run()
            .await;
        assert_eq!(outcome.status, Status::Succeeded);
        let output: User = serde_json::from_value(outcome.output.unwrap()).unwrap();
        assert_eq!(output.user_id, "u-7");
        assert!((1..=3).contains(&output.messages_sent));
    }
}
