//! An activity worker: executions wait in a Task on an activity ARN until a worker takes the
//! task with `GetActivityTask`, keeps it alive with `SendTaskHeartbeat` and answers with
//! `SendTaskSuccess` (or `SendTaskFailure`). Here the executions and the worker share one
//! process, through the runtime's `Durable`; against `workflow serve`, a worker makes the
//! same calls through the Step Functions API (boto3's `get_activity_task`, say).
//!
//! ```sh
//! cargo run --example activity_worker
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::store::{MemoryStore, Store};
use workflow_runtime::{Durable, ExecutionConfig, Executor, Resources, StartRequest};

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:review";

/// A state machine whose one Task is done by a worker of the `review` activity.
fn definition() -> String {
    json!({
        "StartAt": "Review",
        "States": {
            "Review": { "Type": "Task", "Resource": ACTIVITY,
                "TimeoutSeconds": 60, "HeartbeatSeconds": 10, "End": true }
        }
    })
    .to_string()
}

/// The worker: takes tasks until none comes for `idle`, and answers each.
async fn work(durable: Arc<Durable>, name: &str, idle: Duration) -> usize {
    let mut done = 0;
    while let Some((token, input)) = durable.get_activity_task(ACTIVITY, name, idle).await {
        let input: Value = serde_json::from_str(&input).unwrap_or_default();
        // A long job says it is alive before its HeartbeatSeconds run out.
        let _ = durable.send_task_heartbeat(&token);
        let words = input["text"]
            .as_str()
            .unwrap_or_default()
            .split_whitespace()
            .count();
        let answer = if words > 0 {
            durable.send_task_success(&token, json!({ "words": words, "reviewer": name }))
        } else {
            durable.send_task_failure(&token, Some("Review.Empty".into()), Some("no text".into()))
        };
        if answer.is_ok() {
            done += 1;
        }
    }
    done
}

/// Starts one execution per text, runs the worker until they have ended, and returns each
/// execution's status and output (or error).
async fn review(texts: &[&str]) -> Vec<(String, String)> {
    let store = Arc::new(MemoryStore::new());
    let durable = Durable::new(Executor::new(Resources::new()), store.clone());
    let mut arns = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let config = ExecutionConfig {
            name: format!("review-{i}"),
            state_machine_name: "reviews".into(),
            ..ExecutionConfig::default()
        };
        let (record, _) = durable
            .start(StartRequest {
                state_machine_arn: config.state_machine_arn(),
                config,
                definition: definition(),
                input: json!({ "text": text }).into(),
                attributes: json!({}),
            })
            .await
            .expect("the start is committed");
        arns.push(record.arn);
    }
    let worker = tokio::spawn(work(durable.clone(), "worker-1", Duration::from_secs(1)));
    durable.idle().await;
    let _ = worker.await;
    arns.iter()
        .map(|arn| {
            let record = store.execution(arn).ok().flatten().expect("stored");
            let result = record.output.or(record.error).unwrap_or_default();
            (record.status.as_str().to_owned(), result)
        })
        .collect()
}

#[tokio::main]
async fn main() {
    for (status, result) in review(&["the quick brown fox", "", "jumps over"]).await {
        println!("{status:<9} {result}");
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_worker_answers_every_task() {
        let results = super::review(&["a b c", ""]).await;
        assert_eq!(
            results,
            [
                (
                    "SUCCEEDED".to_owned(),
                    r#"{"words":3,"reviewer":"worker-1"}"#.to_owned()
                ),
                ("FAILED".to_owned(), "Review.Empty".to_owned())
            ]
        );
    }
}
