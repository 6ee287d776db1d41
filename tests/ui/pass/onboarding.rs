//! The reference workflow of `examples/onboarding.rs`: its ASL, its states and its handlers.

#[path = "../export.rs"]
mod export;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use workflow_runtime::{TaskError, Workflow, WorkflowState, workflow};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    #[serde(default)]
    pub messages_sent: u32,
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
            /// Sends the user an onboarding message.
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

struct Handlers;

impl OnboardingHandlers for Handlers {
    async fn send_message(&self, mut user: User) -> Result<User, TaskError> {
        user.messages_sent += 1;
        Ok(user)
    }

    async fn fetch_activity_count(&self, mut user: User) -> Result<User, TaskError> {
        user.activities = Some(0);
        Ok(user)
    }
}

fn main() {
    export::asl("ui-onboarding.json", Onboarding::ASL);
    let asl: Value = serde_json::from_str(Onboarding::ASL).expect("ASL is JSON");
    assert_eq!(Onboarding::ASL, <Onboarding as Workflow>::ASL);
    assert_eq!(<Onboarding as Workflow>::NAME, "Onboarding");
    assert_eq!(asl["Comment"], "AWS Step Functions Example");
    assert_eq!(asl["StartAt"], "SendMessage1");
    assert_eq!(asl["Version"], "1.0");

    // States keep the order they are written in.
    let names: Vec<&str> = asl["States"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let all: Vec<&str> = OnboardingState::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names, all);
    assert_eq!(all.len(), 10);
    assert_eq!(all.first(), Some(&"SendMessage1"));
    assert_eq!(all.last(), Some(&"Done"));

    let send = &asl["States"]["SendMessage1"];
    assert_eq!(send["Type"], "Task");
    assert_eq!(send["Resource"], "${SendMessageFunctionArn}");
    assert_eq!(send["Next"], "Wait1");
    assert_eq!(send["Retry"][0]["ErrorEquals"][0], "States.TaskFailed");
    assert_eq!(send["Retry"][0]["IntervalSeconds"], 2);
    assert_eq!(send["Retry"][0]["MaxAttempts"], 16);
    assert_eq!(send["Retry"][0]["BackoffRate"], 2.0);
    assert_eq!(asl["States"]["Wait1"]["Seconds"], 3);
    let check = &asl["States"]["CheckActivityCount1"];
    assert_eq!(check["Choices"][0]["Variable"], "$.activities");
    assert_eq!(check["Choices"][0]["NumericEquals"], 0);
    assert_eq!(check["Default"], "Done");
    assert_eq!(
        asl["States"]["Done"],
        serde_json::json!({ "Type": "Succeed" })
    );

    assert_eq!(
        OnboardingState::from_name("Wait2"),
        Some(OnboardingState::Wait2)
    );
    assert_eq!(OnboardingState::from_name("Wait3"), None);
    assert_eq!(
        OnboardingState::CheckActivityCount2.name(),
        "CheckActivityCount2"
    );

    assert_eq!(
        Onboarding::RESOURCES,
        &[
            ("${SendMessageFunctionArn}", "send_message"),
            ("${FetchActivityCountFunctionArn}", "fetch_activity_count"),
        ]
    );
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:send-message";
    let exported: Value =
        serde_json::from_str(&Onboarding::asl_with_resources(&[("send_message", arn)]).unwrap())
            .unwrap();
    assert_eq!(exported["States"]["SendMessage2"]["Resource"], arn);
    assert_eq!(
        exported["States"]["FetchActivityCount1"]["Resource"],
        "${FetchActivityCountFunctionArn}"
    );

    fn handlers<H: OnboardingHandlers>(_: &H) {}
    handlers(&Handlers);
}
