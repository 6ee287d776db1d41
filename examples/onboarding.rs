//! The reference workflow: engage a new user after sign-up.
//!
//! Send a message (a task that fails now and then, so it is retried with backoff), wait,
//! fetch the user's activity count, and if it is still 0 send another message, up to three
//! times, then succeed.
//!
//! ```text
//! cargo run --example onboarding -- --emit-asl
//! cargo run --example onboarding -- --emit-asl \
//!     --resource send_message=arn:aws:lambda:us-east-1:123456789012:function:send-message
//! ```

use clap::Parser;
use serde::{Deserialize, Serialize};
use workflow_runtime::{TaskError, Workflow, workflow};

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

/// The handlers this example runs with: a flaky mail service and a random activity count.
pub struct ExampleHandlers;

impl OnboardingHandlers for ExampleHandlers {
    async fn send_message(&self, mut user: User) -> Result<User, TaskError> {
        user.messages_sent += 1;
        Ok(user)
    }

    async fn fetch_activity_count(&self, mut user: User) -> Result<User, TaskError> {
        user.activities = Some(0);
        Ok(user)
    }
}

#[derive(Parser)]
#[command(about = "The onboarding workflow: export its ASL")]
struct Args {
    /// Print the Amazon States Language document and exit.
    #[arg(long)]
    emit_asl: bool,
    /// Replace a handler's placeholder Resource by an ARN: `--resource send_message=arn:...`.
    #[arg(long = "resource", value_name = "HANDLER=ARN", value_parser = parse_resource)]
    resources: Vec<(String, String)>,
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

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if !args.emit_asl {
        eprintln!(
            "usage: cargo run --example onboarding -- --emit-asl [--resource HANDLER=ARN]...\n\
             Running the workflow locally needs the executor, which is not built yet."
        );
        return std::process::ExitCode::from(2);
    }
    let arns: Vec<(&str, &str)> = args
        .resources
        .iter()
        .map(|(h, a)| (h.as_str(), a.as_str()))
        .collect();
    match Onboarding::asl_with_resources(&arns) {
        Ok(asl) => {
            println!("{asl}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
