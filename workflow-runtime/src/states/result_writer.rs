//! A distributed Map's `ResultWriter` ("ResultWriter (Map)", AWS docs): where its child
//! executions' results go and in what form.
//!
//! - With `Resource: arn:aws:states:::s3:putObject` and `Parameters` (JSONPath) or
//!   `Arguments` (JSONata) `{Bucket, Prefix}`, the results are written under
//!   `<Prefix>/<map run id>/`: `SUCCEEDED_0.json` and `FAILED_0.json` (the executions of
//!   each status; a file only for a status that has some), and `manifest.json`, which lists
//!   them as `{DestinationBucket, MapRunArn, ResultFiles: {FAILED, PENDING, SUCCEEDED}}`,
//!   each file `{Key, Size}`. The Map's result is then
//!   `{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": ".../manifest.json"}}`.
//!   A map run that fails (more failed items than it tolerates) writes its results too:
//!   the children still running are `ABORTED` (listed with the failed ones) and those it
//!   never started go to `PENDING_0.json`.
//! - `WriterConfig.Transformation`: `NONE` (each execution's metadata with its input and
//!   output as JSON text; the default when exporting), `COMPACT` (the outputs only; the
//!   default without a `ResultWriter`) or `FLATTEN` (the outputs, arrays spread into the
//!   list). A failed execution is always given as `NONE` gives it. `OutputType` `JSON` (an
//!   array) or `JSONL` (one per line) is the files' format.
//! - With `WriterConfig` only, nothing is written: the transformed results are the Map's
//!   result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use workflow_core::timestamp::Timestamp;

use crate::clock::Clock;
use crate::data_flow::{Scope, States, compact};
use crate::error::{Failure, names};
use crate::executor::lock;
use crate::s3::ObjectStore;

const PUT_OBJECT: &str = "arn:aws:states:::s3:putObject";

/// How one child execution of a map run went, or that it never started.
pub(crate) struct ChildResult {
    /// Its input.
    pub input: Value,
    pub status: ChildStatus,
    /// When it started and stopped (`now` for a child that finished before a restart, whose
    /// times are not kept).
    pub start: Timestamp,
    pub stop: Timestamp,
}

/// Where a child ended up, which says the file it is listed in.
pub(crate) enum ChildStatus {
    Succeeded(Value),
    Failed(Failure),
    /// Still running when the map run failed.
    Aborted,
    /// Never started: the map run failed first.
    Pending,
}

impl ChildResult {
    /// A child this process did not see start: one that finished with `done` before a
    /// restart, or, without it, one that never started.
    pub fn unseen(input: Value, done: Option<Value>, now: Timestamp) -> Self {
        ChildResult {
            input,
            status: done.map_or(ChildStatus::Pending, ChildStatus::Succeeded),
            start: now,
            stop: now,
        }
    }
}

/// When each child of a map run started and stopped, and how it ended, by item index.
pub(crate) struct ChildLog {
    clock: Arc<dyn Clock>,
    runs: Mutex<HashMap<usize, ChildRun>>,
}

struct ChildRun {
    input: Value,
    start: Timestamp,
    /// When it stopped, and its output or failure.
    end: Option<(Timestamp, Result<Value, Failure>)>,
}

impl ChildLog {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        ChildLog {
            clock,
            runs: Mutex::default(),
        }
    }

    /// Child `index` starts on `input`.
    pub fn started(&self, index: usize, input: &Value) {
        let run = ChildRun {
            input: input.clone(),
            start: self.clock.now(),
            end: None,
        };
        lock(&self.runs).insert(index, run);
    }

    /// Child `index` stopped with its output or failure.
    pub fn stopped(&self, index: usize, outcome: Result<&Value, &Failure>) {
        if let Some(run) = lock(&self.runs).get_mut(&index) {
            let outcome = outcome.cloned().map_err(Clone::clone);
            run.end = Some((self.clock.now(), outcome));
        }
    }

    /// How child `index` went, if this log saw it start (one still running is aborted,
    /// at `now`).
    pub fn result(&self, index: usize, now: Timestamp) -> Option<ChildResult> {
        let runs = lock(&self.runs);
        let run = runs.get(&index)?;
        let (stop, status) = match &run.end {
            Some((stop, Ok(output))) => (*stop, ChildStatus::Succeeded(output.clone())),
            Some((stop, Err(failure))) => (*stop, ChildStatus::Failed(failure.clone())),
            None => (now, ChildStatus::Aborted),
        };
        Some(ChildResult {
            input: run.input.clone(),
            status,
            start: run.start,
            stop,
        })
    }
}

/// The names of a map run that its results show.
pub(crate) struct MapRunNames {
    /// `arn:aws:states:<region>:<account>:mapRun:<state machine>/<label>:<id>`.
    pub map_run_arn: String,
    /// The children's state machine: `...:stateMachine:<state machine>/<label>`.
    pub state_machine_arn: String,
    /// The children's ARNs before their names: `...:execution:<state machine>/<label>`.
    pub execution_arn_prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Transformation {
    None,
    Compact,
    Flatten,
}

/// A `ResultWriter`, evaluated against the state's effective input.
pub(crate) struct ResultWriter {
    /// The bucket and prefix to write to; `None` with `WriterConfig` only.
    destination: Option<(String, String)>,
    transformation: Transformation,
    /// `OutputType: JSONL`.
    lines: bool,
}

fn failed(cause: impl Into<String>) -> Failure {
    Failure::new(names::RESULT_WRITER_FAILED, cause)
}

impl ResultWriter {
    /// The writer `writer` describes for a state whose effective input is `effective`.
    pub fn of(scope: &Scope<'_>, writer: &Value, effective: &Value) -> Result<Self, Failure> {
        let destination = match writer.get("Resource") {
            None => None,
            Some(Value::String(resource)) if resource == PUT_OBJECT => {
                let arguments = if scope.jsonata {
                    let arguments = writer.get("Arguments").cloned().unwrap_or(json!({}));
                    let field = "ResultWriter/Arguments";
                    scope.evaluate(field, &arguments, States::input(effective))?
                } else {
                    let template = writer.get("Parameters").cloned().unwrap_or(json!({}));
                    scope.template(&template, effective)?
                };
                let bucket = arguments
                    .get("Bucket")
                    .and_then(Value::as_str)
                    .ok_or_else(|| failed("The ResultWriter's Bucket must be a string"))?;
                let prefix = match arguments.get("Prefix") {
                    None => "",
                    Some(Value::String(prefix)) => prefix,
                    Some(_) => return Err(failed("The ResultWriter's Prefix must be a string")),
                };
                Some((bucket.to_owned(), prefix.to_owned()))
            }
            Some(other) => {
                return Err(failed(format!(
                    "The ResultWriter Resource {} is not supported: use {PUT_OBJECT}",
                    compact(other)
                )));
            }
        };
        let config = writer.get("WriterConfig");
        let transformation = match config.and_then(|c| c.get("Transformation")) {
            None if destination.is_some() => Transformation::None,
            None => Transformation::Compact,
            Some(value) => match value.as_str() {
                Some("NONE") => Transformation::None,
                Some("COMPACT") => Transformation::Compact,
                Some("FLATTEN") => Transformation::Flatten,
                _ => {
                    return Err(failed(format!(
                        "Unknown Transformation {}: use NONE, COMPACT or FLATTEN",
                        compact(value)
                    )));
                }
            },
        };
        let lines = match config.and_then(|c| c.get("OutputType")) {
            None => false,
            Some(value) => match value.as_str() {
                Some("JSON") => false,
                Some("JSONL") => true,
                _ => {
                    return Err(failed(format!(
                        "Unknown OutputType {}: use JSON or JSONL",
                        compact(value)
                    )));
                }
            },
        };
        Ok(ResultWriter {
            destination,
            transformation,
            lines,
        })
    }

    /// The Map's result: the files written and where, or the transformed results. `name`
    /// makes each child execution's name.
    pub async fn finish(
        &self,
        store: Option<&dyn ObjectStore>,
        run: &MapRunNames,
        children: &[ChildResult],
        mut name: impl FnMut() -> String,
    ) -> Result<Value, Failure> {
        let Some((bucket, prefix)) = &self.destination else {
            let mut results = Vec::with_capacity(children.len());
            for child in children {
                self.push_entry(&mut results, run, child, &mut name);
            }
            return Ok(Value::Array(results));
        };
        let Some(store) = store else {
            return Err(failed(
                "No S3 is configured: this runtime writes ResultWriter results to a local \
                 directory standing in for S3 (`--s3-dir DIR` for `workflow run` and \
                 `workflow serve`, or `Executor::with_object_store`)",
            ));
        };
        let (mut succeeded, mut failures, mut pending) = (Vec::new(), Vec::new(), Vec::new());
        for child in children {
            let list = match child.status {
                ChildStatus::Succeeded(_) => &mut succeeded,
                ChildStatus::Failed(_) | ChildStatus::Aborted => &mut failures,
                ChildStatus::Pending => &mut pending,
            };
            self.push_entry(list, run, child, &mut name);
        }
        let id = run.map_run_arn.rsplit(':').next().unwrap_or_default();
        let folder = match prefix.trim_end_matches('/') {
            "" => id.to_owned(),
            prefix => format!("{prefix}/{id}"),
        };
        let mut files = Map::new();
        for (status, entries) in [
            ("FAILED", failures),
            ("PENDING", pending),
            ("SUCCEEDED", succeeded),
        ] {
            let mut listed = Vec::new();
            if !entries.is_empty() {
                let key = format!("{folder}/{status}_0.json");
                let body = self.body(&entries);
                let size = body.len();
                store
                    .put_object(bucket, &key, body)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                listed.push(json!({ "Key": key, "Size": size }));
            }
            files.insert(status.to_owned(), Value::Array(listed));
        }
        let manifest = json!({
            "DestinationBucket": bucket,
            "MapRunArn": run.map_run_arn,
            "ResultFiles": files,
        });
        let key = format!("{folder}/manifest.json");
        store
            .put_object(bucket, &key, compact(&manifest).into_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok(json!({
            "MapRunArn": run.map_run_arn,
            "ResultWriterDetails": { "Bucket": bucket, "Key": key },
        }))
    }

    /// Adds `child` to `list` as the transformation gives it.
    fn push_entry(
        &self,
        list: &mut Vec<Value>,
        run: &MapRunNames,
        child: &ChildResult,
        name: &mut impl FnMut() -> String,
    ) {
        match (&child.status, self.transformation) {
            (ChildStatus::Succeeded(output), Transformation::Compact) => list.push(output.clone()),
            (ChildStatus::Succeeded(Value::Array(outputs)), Transformation::Flatten) => {
                list.extend(outputs.iter().cloned())
            }
            (ChildStatus::Succeeded(output), Transformation::Flatten) => list.push(output.clone()),
            // A child that never started has no name, no ARN and no times.
            (ChildStatus::Pending, _) => list.push(json!({
                "Input": compact(&child.input),
                "InputDetails": { "Included": true },
                "Status": "PENDING",
            })),
            _ => list.push(execution_record(run, child, &name())),
        }
    }

    /// A file's content: a JSON array, or JSON Lines.
    fn body(&self, entries: &[Value]) -> Vec<u8> {
        if self.lines {
            let mut body = String::new();
            for entry in entries {
                body.push_str(&compact(entry));
                body.push('\n');
            }
            body.into_bytes()
        } else {
            compact(&Value::Array(entries.to_vec())).into_bytes()
        }
    }
}

/// What `NONE` shows of a child execution: its `DescribeExecution`-like metadata, with input
/// and output as JSON text, keys in AWS's (alphabetical) order ("ResultWriter (Map)", AWS
/// docs, the `SUCCEEDED_0.json` example). A failed child of a map run is redriven with the
/// map run, hence `REDRIVABLE_BY_MAP_RUN` (a `RedriveStatus` of the Step Functions API).
fn execution_record(run: &MapRunNames, child: &ChildResult, name: &str) -> Value {
    let mut record = Map::new();
    let mut put = |key: &str, value: Value| {
        record.insert(key.to_owned(), value);
    };
    if let ChildStatus::Failed(failure) = &child.status {
        if let Some(cause) = &failure.cause {
            put("Cause", json!(cause));
        }
        if let Some(error) = &failure.error {
            put("Error", json!(error));
        }
    }
    put(
        "ExecutionArn",
        json!(format!("{}:{name}", run.execution_arn_prefix)),
    );
    put("Input", json!(compact(&child.input)));
    put("InputDetails", json!({ "Included": true }));
    put("Name", json!(name));
    let status = match &child.status {
        ChildStatus::Succeeded(output) => {
            put("Output", json!(compact(output)));
            put("OutputDetails", json!({ "Included": true }));
            put("RedriveCount", json!(0));
            put("RedriveStatus", json!("NOT_REDRIVABLE"));
            put(
                "RedriveStatusReason",
                json!("Execution is SUCCEEDED and cannot be redriven"),
            );
            "SUCCEEDED"
        }
        failed => {
            put("RedriveCount", json!(0));
            put("RedriveStatus", json!("REDRIVABLE_BY_MAP_RUN"));
            match failed {
                ChildStatus::Aborted => "ABORTED",
                _ => "FAILED",
            }
        }
    };
    put("StartDate", json!(child.start.to_string()));
    put("StateMachineArn", json!(run.state_machine_arn));
    put("Status", json!(status));
    put("StopDate", json!(child.stop.to_string()));
    Value::Object(record)
}
