//! `workflow run --s3-dir DIR`: a distributed Map reading its items from, and writing its
//! results to, a directory standing in for S3.

use assert_cmd::Command;
use serde_json::{Value, json};

const DEFINITION: &str = r#"{
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map", "End": true,
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": { "Bucket": "photos", "Prefix": "2024/" }
      },
      "ItemSelector": { "key.$": "$$.Map.Item.Value.Key" },
      "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": { "Bucket": "photos", "Prefix": "results" },
        "WriterConfig": { "Transformation": "COMPACT" }
      },
      "ItemProcessor": {
        "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
        "StartAt": "Done", "States": { "Done": { "Type": "Pass", "End": true } }
      }
    }
  }
}"#;

#[test]
fn run_with_an_s3_dir_lists_objects_and_writes_results() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = dir.path().join("s3");
    std::fs::create_dir_all(s3.join("photos/2024")).unwrap();
    std::fs::write(s3.join("photos/2024/a.jpg"), "a").unwrap();
    std::fs::write(s3.join("photos/2024/b.jpg"), "b").unwrap();
    std::fs::write(s3.join("photos/old.jpg"), "o").unwrap();
    std::fs::write(dir.path().join("flow.json"), DEFINITION).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", "flow.json", "--fast", "-q", "--s3-dir", "s3"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["ResultWriterDetails"]["Bucket"], "photos");
    let manifest_key = result["ResultWriterDetails"]["Key"].as_str().unwrap();
    assert!(manifest_key.starts_with("results/") && manifest_key.ends_with("/manifest.json"));
    let read = |key: &str| -> Value {
        serde_json::from_slice(&std::fs::read(s3.join("photos").join(key)).unwrap()).unwrap()
    };
    let manifest = read(manifest_key);
    let key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    assert_eq!(
        read(key),
        json!([{ "key": "2024/a.jpg" }, { "key": "2024/b.jpg" }])
    );

    // Without the directory, the Map fails as AWS names it, and says why.
    let output = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", "flow.json", "--fast", "-q"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("States.ItemReaderFailed"), "{stderr}");
    assert!(stderr.contains("--s3-dir"), "{stderr}");

    // A directory that is not there is unusable input.
    let output = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", "flow.json", "--fast", "--s3-dir", "nowhere"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn serve_refuses_an_s3_dir_that_is_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args([
            "serve", "--port", "0", "--db", "w.db", "--s3-dir", "nowhere",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--s3-dir nowhere is not a directory"),
        "{stderr}"
    );
    // Refused before the store was opened.
    assert!(!dir.path().join("w.db").exists());
}
