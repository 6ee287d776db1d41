//! A `workflow!` callback handler: declared `name(Input, TaskToken) -> Output`, it receives
//! its task's token, typed, and the task waits until the program completes it.

mod common;

use std::sync::Arc;

use common::{request, until_ended, virtual_clock};
use serde::{Deserialize, Serialize};
use serde_json::json;
use workflow_runtime::store::MemoryStore;
use workflow_runtime::{Durable, Status, TaskError, TaskToken, workflow};

#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    doc: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    approved: bool,
}

workflow! {
    /// A document waits for a reviewer's decision.
    pub Review {
        start_at: Ask,
        handlers: {
            /// Asks a reviewer, who answers later with the token.
            ask(Request, TaskToken) -> Decision,
        },
        states: {
            Ask: Task { resource: ask, heartbeat_seconds: 600, next: Done },
            Done: Succeed,
        }
    }
}

/// Hands each token to the rest of the program, as a handler would queue an email.
struct Reviewers {
    inbox: tokio::sync::mpsc::UnboundedSender<(String, TaskToken<Decision>)>,
}

impl ReviewHandlers for Reviewers {
    async fn ask(&self, input: Request, token: TaskToken<Decision>) -> Result<(), TaskError> {
        self.inbox
            .send((input.doc, token))
            .map_err(|_| TaskError::new("Review.NoOneListening", "the inbox is closed"))
    }
}

#[tokio::test(start_paused = true)]
async fn a_callback_handler_gets_its_token_and_the_program_completes_it() {
    // The ASL is what AWS runs for a callback: Lambda Invoke waiting for the token, which
    // the function gets beside its input.
    let asl: serde_json::Value = serde_json::from_str(Review::ASL).unwrap();
    let ask = &asl["States"]["Ask"];
    assert_eq!(
        ask["Resource"],
        "arn:aws:states:::lambda:invoke.waitForTaskToken"
    );
    assert_eq!(
        ask["Parameters"],
        json!({ "FunctionName": "${AskFunctionArn}",
            "Payload": { "input.$": "$", "token.$": "$$.Task.Token" } })
    );

    let (inbox, mut reviews) = tokio::sync::mpsc::unbounded_channel();
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(
        virtual_clock(Review::resources(Reviewers { inbox })),
        store.clone(),
    );
    let (record, _) = durable
        .start(request(
            "review",
            Review::ASL.to_owned(),
            json!({ "doc": "plan.md" }),
        ))
        .await
        .unwrap();
    let (doc, token) = reviews.recv().await.unwrap();
    assert_eq!(doc, "plan.md");
    token.heartbeat(&durable).unwrap();
    token
        .succeed(&durable, &Decision { approved: true })
        .unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.status, Status::Succeeded, "{ended:?}");
    assert_eq!(ended.output.as_deref(), Some(r#"{"approved":true}"#));

    // Failing it instead fails the task with the error given.
    let (record, _) = durable
        .start(request(
            "rejected",
            Review::ASL.to_owned(),
            json!({ "doc": "x.md" }),
        ))
        .await
        .unwrap();
    let (_, token) = reviews.recv().await.unwrap();
    // A token travels as its text.
    let sent = serde_json::to_string(&token).unwrap();
    let received: TaskToken<Decision> = serde_json::from_str(&sent).unwrap();
    received
        .fail(&durable, "Review.Rejected", "not now")
        .unwrap();
    let ended = until_ended(store.as_ref(), &record.arn).await;
    assert_eq!(ended.error.as_deref(), Some("Review.Rejected"));
}
