//! Distributed Maps through the API on a server given a directory standing in for S3 (what
//! `workflow serve --s3-dir DIR` does): items read with `ItemReader`, results written with
//! `ResultWriter`.

use std::sync::Arc;

mod common;

use common::{finished, ok};
use serde_json::{Value, json};
use workflow_runtime::LocalS3;
use workflow_runtime::store::MemoryStore;
use workflow_server::{ServerConfig, Service, Tasks};

const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/StepFunctions";

#[tokio::test]
async fn a_distributed_map_reads_csv_items_and_writes_its_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/in")).unwrap();
    std::fs::create_dir(dir.path().join("results")).unwrap();
    std::fs::write(
        dir.path().join("data/in/people.csv"),
        "name;age\nann;31\nbob;42\ncy;27\n",
    )
    .unwrap();
    let tasks = Tasks {
        object_store: Some(Arc::new(LocalS3::new(dir.path()))),
        ..Tasks::default()
    };
    let service =
        Service::open_with_tasks(ServerConfig::default(), Arc::new(MemoryStore::new()), tasks)
            .await
            .unwrap();
    let definition = json!({
        "StartAt": "People",
        "States": { "People": {
            "Type": "Map", "Label": "People", "End": true,
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": { "InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                  "CSVDelimiter": "SEMICOLON", "MaxItems": 2 },
                "Parameters": { "Bucket": "data", "Key.$": "$.key" }
            },
            "ItemBatcher": { "MaxItemsPerBatch": 2, "BatchInput": { "source.$": "$.key" } },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": { "Bucket": "results", "Prefix": "people" },
                "WriterConfig": { "Transformation": "COMPACT", "OutputType": "JSONL" }
            },
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Count", "States": { "Count": { "Type": "Pass",
                    "Parameters": { "count.$": "States.ArrayLength($.Items)", "source.$": "$.BatchInput.source" },
                    "End": true } }
            }
        } }
    });
    let machine = ok(
        &service,
        "CreateStateMachine",
        json!({ "name": "people", "definition": definition.to_string(), "roleArn": ROLE }),
    )
    .await;
    let started = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": machine["stateMachineArn"], "input": r#"{"key":"in/people.csv"}"# }),
    )
    .await;
    let execution = finished(&service, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(execution["status"], "SUCCEEDED", "{execution}");
    let output: Value = serde_json::from_str(execution["output"].as_str().unwrap()).unwrap();
    let map_run_arn = output["MapRunArn"].as_str().unwrap();
    assert!(
        map_run_arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:people/People:"),
        "{map_run_arn}"
    );
    let key = output["ResultWriterDetails"]["Key"].as_str().unwrap();
    assert_eq!(output["ResultWriterDetails"]["Bucket"], "results");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results").join(key)).unwrap())
            .unwrap();
    let results_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    let lines = std::fs::read_to_string(dir.path().join("results").join(results_key)).unwrap();
    assert_eq!(lines, "{\"count\":2,\"source\":\"in/people.csv\"}\n");
}

#[tokio::test]
async fn without_s3_an_item_reader_fails_with_item_reader_failed() {
    let service = common::service().await;
    let definition = json!({
        "StartAt": "M",
        "States": { "M": {
            "Type": "Map", "End": true,
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:listObjectsV2",
                "Parameters": { "Bucket": "data" }
            },
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } }
            }
        } }
    });
    let machine = ok(
        &service,
        "CreateStateMachine",
        json!({ "name": "list", "definition": definition.to_string(), "roleArn": ROLE }),
    )
    .await;
    let started = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": machine["stateMachineArn"] }),
    )
    .await;
    let execution = finished(&service, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(execution["status"], "FAILED");
    assert_eq!(execution["error"], "States.ItemReaderFailed");
    assert!(
        execution["cause"]
            .as_str()
            .unwrap()
            .contains("No S3 is configured"),
        "{execution}"
    );
}
