//! Distributed Maps reading their items from, and writing their results to, a directory
//! standing in for S3 ([`LocalS3`]), on the virtual clock.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

mod common;

use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::s3::{ObjectError, ObjectFuture, ObjectSummary};
use workflow_runtime::{Executor, LocalS3, ObjectStore, Outcome, Resources, Status, VirtualClock};

/// A directory with the buckets `in` and `out`.
fn buckets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    dir
}

fn put(dir: &Path, path: &str, body: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn executor(dir: Option<&Path>) -> Executor {
    let start = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
    let executor = Executor::new(Resources::new()).with_clock(VirtualClock::new(start));
    match dir {
        Some(dir) => executor.with_object_store(Arc::new(LocalS3::new(dir))),
        None => executor,
    }
}

/// A distributed Map with `fields`, whose children pass their input on (or fail on `"bad"`).
fn map(fields: Value) -> Value {
    let mut state = json!({
        "Type": "Map", "End": true,
        "ItemProcessor": {
            "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
            "StartAt": "Check", "States": {
                "Check": { "Type": "Choice", "Choices": [
                    { "Variable": "$", "StringEquals": "bad", "Next": "Boom" }
                ], "Default": "Done" },
                "Boom": { "Type": "Fail", "Error": "Item.Bad", "Cause": "bad item" },
                "Done": { "Type": "Pass", "End": true }
            }
        }
    });
    state
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    json!({ "StartAt": "M", "States": { "M": state } })
}

async fn run(executor: &Executor, definition: Value, input: Value) -> Outcome {
    let machine = StateMachine::from_json_str(&definition.to_string()).unwrap();
    executor
        .start(Arc::new(machine), input)
        .unwrap()
        .run()
        .await
}

fn get_object(key: &str, config: Value) -> Value {
    json!({ "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": { "Bucket": "in", "Key": key }
    } })
}

#[tokio::test(start_paused = true)]
async fn json_jsonl_and_csv_objects_are_items() {
    let dir = buckets();
    put(dir.path(), "in/items.json", br#"[{"n":1},{"n":2},{"n":3}]"#);
    put(
        dir.path(),
        "in/nested.json",
        br#"{"data":{"rows":["a","b"]}}"#,
    );
    put(dir.path(), "in/items.jsonl", b"{\"n\":1}\n{\"n\":2}\n");
    put(dir.path(), "in/rows.csv", b"id,name\n1,ann\n2,bob\n");
    put(dir.path(), "in/rows.tsv", b"1\tann\n");
    let executor = executor(Some(dir.path()));
    let cases = [
        (
            get_object("items.json", json!({ "InputType": "JSON", "MaxItems": 2 })),
            json!([{ "n": 1 }, { "n": 2 }]),
        ),
        (
            get_object(
                "nested.json",
                json!({ "InputType": "JSON", "ItemsPointer": "/data/rows" }),
            ),
            json!(["a", "b"]),
        ),
        (
            get_object("items.jsonl", json!({ "InputType": "JSONL" })),
            json!([{ "n": 1 }, { "n": 2 }]),
        ),
        (
            get_object(
                "rows.csv",
                json!({ "InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW" }),
            ),
            json!([{ "id": "1", "name": "ann" }, { "id": "2", "name": "bob" }]),
        ),
        (
            get_object(
                "rows.tsv",
                json!({ "InputType": "CSV", "CSVHeaderLocation": "GIVEN",
                        "CSVHeaders": ["id", "name"], "CSVDelimiter": "TAB" }),
            ),
            json!([{ "id": "1", "name": "ann" }]),
        ),
    ];
    for (fields, expected) in cases {
        let outcome = run(&executor, map(fields.clone()), json!({})).await;
        assert_eq!(
            outcome.status,
            Status::Succeeded,
            "{fields}: {:?}",
            outcome.cause
        );
        assert_eq!(outcome.output, Some(expected), "{fields}");
    }
}

#[tokio::test(start_paused = true)]
async fn parameters_max_items_path_and_item_selector_apply() {
    let dir = buckets();
    put(dir.path(), "in/a/items.json", b"[10, 20, 30]");
    let fields = json!({
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": { "InputType": "JSON", "MaxItemsPath": "$.most" },
            "Parameters": { "Bucket.$": "$.bucket", "Key": "a/items.json" }
        },
        "ItemSelector": { "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index" }
    });
    let input = json!({ "bucket": "in", "most": 2 });
    let outcome = run(&executor(Some(dir.path())), map(fields), input).await;
    assert_eq!(
        outcome.output,
        Some(json!([{ "value": 10, "index": 0 }, { "value": 20, "index": 1 }])),
        "{:?}",
        outcome.cause
    );
}

#[tokio::test(start_paused = true)]
async fn jsonata_arguments_and_max_items_are_expressions() {
    let dir = buckets();
    put(dir.path(), "in/items.json", b"[1, 2, 3]");
    let mut definition = map(json!({ "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": { "InputType": "JSON", "MaxItems": "{% $states.input.most %}" },
        "Arguments": { "Bucket": "in", "Key": "{% $states.input.key %}" }
    } }));
    definition["QueryLanguage"] = json!("JSONata");
    definition["States"]["M"]["ItemProcessor"] = json!({
        "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
        "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } }
    });
    let input = json!({ "key": "items.json", "most": 2 });
    let outcome = run(&executor(Some(dir.path())), definition, input).await;
    assert_eq!(outcome.output, Some(json!([1, 2])), "{:?}", outcome.cause);
}

#[tokio::test(start_paused = true)]
async fn list_objects_v2_gives_the_objects_under_a_prefix() {
    let dir = buckets();
    put(dir.path(), "in/images/b.jpg", b"bb");
    put(dir.path(), "in/images/a.jpg", b"a");
    put(dir.path(), "in/other.txt", b"x");
    let fields = json!({ "ItemReader": {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": { "Bucket": "in", "Prefix": "images/" }
    } });
    let outcome = run(&executor(Some(dir.path())), map(fields), json!({})).await;
    let items = outcome.output.unwrap();
    let keys: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["images/a.jpg", "images/b.jpg"]);
    let first = items[0].as_object().unwrap();
    let fields: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    );
    assert_eq!(first["Size"], json!(1));
    assert_eq!(first["StorageClass"], json!("STANDARD"));
    assert!(first["LastModified"].is_i64());
}

#[tokio::test(start_paused = true)]
async fn load_and_flatten_reads_the_items_of_every_object_listed() {
    let dir = buckets();
    put(dir.path(), "in/logs/a.jsonl", b"{\"n\":1}\n{\"n\":2}\n");
    put(dir.path(), "in/logs/b.jsonl", b"{\"n\":3}\n");
    put(dir.path(), "in/other.jsonl", b"{\"n\":4}\n");
    let fields = json!({ "ItemReader": {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "ReaderConfig": { "InputType": "JSONL", "Transformation": "LOAD_AND_FLATTEN" },
        "Parameters": { "Bucket": "in", "Prefix": "logs/" }
    } });
    let outcome = run(&executor(Some(dir.path())), map(fields), json!({})).await;
    assert_eq!(
        outcome.output,
        Some(json!([{ "n": 1 }, { "n": 2 }, { "n": 3 }])),
        "{:?}",
        outcome.cause
    );
}

#[tokio::test(start_paused = true)]
async fn an_inventory_manifest_gives_the_rows_of_its_gzip_files() {
    let dir = buckets();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"\"in\",\"photos/1.jpg\",\"12\"\n\"in\",\"photos/2.jpg\",\"34\"\n")
        .unwrap();
    put(
        dir.path(),
        "out/inventory/data/1.csv.gz",
        &gz.finish().unwrap(),
    );
    let manifest = json!({
        "sourceBucket": "in",
        "destinationBucket": "arn:aws:s3:::out",
        "version": "2016-11-30",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{ "key": "inventory/data/1.csv.gz", "size": 60, "MD5checksum": "x" }]
    });
    put(
        dir.path(),
        "out/inventory/manifest.json",
        manifest.to_string().as_bytes(),
    );
    let fields = json!({ "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": { "InputType": "MANIFEST" },
        "Parameters": { "Bucket": "out", "Key": "inventory/manifest.json" }
    } });
    let outcome = run(&executor(Some(dir.path())), map(fields), json!({})).await;
    assert_eq!(
        outcome.output,
        Some(json!([
            { "Bucket": "in", "Key": "photos/1.jpg", "Size": "12" },
            { "Bucket": "in", "Key": "photos/2.jpg", "Size": "34" }
        ])),
        "{:?}",
        outcome.cause
    );
}

#[tokio::test(start_paused = true)]
async fn reading_fails_with_item_reader_failed_which_catch_handles() {
    let dir = buckets();
    put(dir.path(), "in/bad.json", b"[1, 2");
    put(dir.path(), "secret.json", b"[1]");
    let big = format!("[\"{}\"]", "x".repeat(300 * 1024));
    put(dir.path(), "in/big.json", big.as_bytes());
    let failures = [
        (None, "items.json", "No S3 is configured"),
        (Some(dir.path()), "missing.json", "NoSuchKey"),
        (Some(dir.path()), "bad.json", "not valid JSON"),
        (Some(dir.path()), "../secret.json", "is not valid here"),
        (Some(dir.path()), "big.json", "more than the 262144"),
        (
            Some(dir.path()),
            "items.parquet",
            "PARQUET is not supported",
        ),
    ];
    for (store, key, cause) in failures {
        let input_type = if key.ends_with(".parquet") {
            "PARQUET"
        } else {
            "JSON"
        };
        let fields = get_object(key, json!({ "InputType": input_type }));
        let outcome = run(&executor(store), map(fields), json!({})).await;
        assert_eq!(outcome.status, Status::Failed, "{key}");
        assert_eq!(outcome.error.as_deref(), Some("States.ItemReaderFailed"));
        let text = outcome.cause.unwrap_or_default();
        assert!(text.contains(cause), "{key}: {text}");
    }
    let mut caught = map(get_object("missing.json", json!({ "InputType": "JSON" })));
    caught["States"]["M"]["Catch"] =
        json!([{ "ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught" }]);
    caught["States"]["M"].as_object_mut().unwrap().remove("End");
    caught["States"]["M"]["Next"] = json!("Caught");
    caught["States"]["Caught"] = json!({ "Type": "Pass", "End": true });
    let outcome = run(&executor(Some(dir.path())), caught, json!({})).await;
    assert_eq!(outcome.status, Status::Succeeded);
    assert_eq!(
        outcome.output.unwrap()["Error"],
        json!("States.ItemReaderFailed")
    );
}

#[tokio::test(start_paused = true)]
async fn item_batcher_groups_the_items_read() {
    let dir = buckets();
    put(dir.path(), "in/items.json", b"[1, 2, 3, 4, 5]");
    let mut fields = get_object("items.json", json!({ "InputType": "JSON" }));
    fields["ItemBatcher"] = json!({ "MaxItemsPerBatch": 2, "BatchInput": { "job": "j" } });
    let outcome = run(&executor(Some(dir.path())), map(fields), json!({})).await;
    assert_eq!(
        outcome.output,
        Some(json!([
            { "BatchInput": { "job": "j" }, "Items": [1, 2] },
            { "BatchInput": { "job": "j" }, "Items": [3, 4] },
            { "BatchInput": { "job": "j" }, "Items": [5] }
        ]))
    );
}

#[tokio::test(start_paused = true)]
async fn result_writer_writes_the_manifest_and_a_file_per_status() {
    let dir = buckets();
    let fields = json!({
        "ToleratedFailureCount": 1,
        "Label": "Each",
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": { "Bucket": "out", "Prefix": "runs" }
        }
    });
    let outcome = run(
        &executor(Some(dir.path())),
        map(fields),
        json!(["a", "bad", "c"]),
    )
    .await;
    assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
    let output = outcome.output.unwrap();
    let map_run_arn = output["MapRunArn"].as_str().unwrap();
    assert!(map_run_arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:workflow/Each:"));
    let id = map_run_arn.rsplit(':').next().unwrap();
    let manifest_key = format!("runs/{id}/manifest.json");
    assert_eq!(
        output["ResultWriterDetails"],
        json!({ "Bucket": "out", "Key": manifest_key })
    );
    let read = |key: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.path().join("out").join(key)).unwrap()).unwrap()
    };
    let manifest = read(&manifest_key);
    let succeeded_key = format!("runs/{id}/SUCCEEDED_0.json");
    let failed_key = format!("runs/{id}/FAILED_0.json");
    assert_eq!(manifest["DestinationBucket"], json!("out"));
    assert_eq!(manifest["MapRunArn"], json!(map_run_arn));
    assert_eq!(manifest["ResultFiles"]["PENDING"], json!([]));
    assert_eq!(
        manifest["ResultFiles"]["SUCCEEDED"][0]["Key"],
        json!(succeeded_key)
    );
    assert_eq!(
        manifest["ResultFiles"]["FAILED"][0]["Key"],
        json!(failed_key)
    );
    let size = std::fs::metadata(dir.path().join("out").join(&succeeded_key))
        .unwrap()
        .len();
    assert_eq!(manifest["ResultFiles"]["SUCCEEDED"][0]["Size"], json!(size));

    let succeeded = read(&succeeded_key);
    assert_eq!(succeeded.as_array().unwrap().len(), 2);
    let first = &succeeded[0];
    assert_eq!(first["Input"], json!("\"a\""));
    assert_eq!(first["Output"], json!("\"a\""));
    assert_eq!(first["Status"], json!("SUCCEEDED"));
    assert_eq!(first["InputDetails"], json!({ "Included": true }));
    // A child starts when the Map does, after the transition into it (a millisecond).
    assert_eq!(first["StartDate"], json!("2024-01-01T00:00:00.001Z"));
    let name = first["Name"].as_str().unwrap();
    assert_eq!(
        first["ExecutionArn"],
        json!(format!(
            "arn:aws:states:us-east-1:123456789012:execution:workflow/Each:{name}"
        ))
    );
    assert_eq!(
        first["StateMachineArn"],
        json!("arn:aws:states:us-east-1:123456789012:stateMachine:workflow/Each")
    );
    let failed = read(&failed_key);
    assert_eq!(failed[0]["Status"], json!("FAILED"));
    assert_eq!(failed[0]["Error"], json!("Item.Bad"));
    assert_eq!(failed[0]["Cause"], json!("bad item"));
    assert_eq!(failed[0]["Input"], json!("\"bad\""));
}

#[tokio::test(start_paused = true)]
async fn a_failed_map_run_writes_its_results_with_the_items_it_never_started() {
    let dir = buckets();
    let fields = json!({
        "MaxConcurrency": 1,
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": { "Bucket": "out", "Prefix": "runs/" }
        }
    });
    let input = json!(["a", "bad", "c", "d"]);
    let outcome = run(&executor(Some(dir.path())), map(fields), input).await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let run_dir = std::fs::read_dir(dir.path().join("out/runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(run_dir.join(name)).unwrap()).unwrap()
    };
    let manifest = read("manifest.json");
    let files = &manifest["ResultFiles"];
    assert_eq!(files["SUCCEEDED"].as_array().unwrap().len(), 1);
    assert_eq!(files["FAILED"].as_array().unwrap().len(), 1);
    assert_eq!(files["PENDING"].as_array().unwrap().len(), 1);
    assert_eq!(read("SUCCEEDED_0.json")[0]["Output"], json!("\"a\""));
    assert_eq!(read("FAILED_0.json")[0]["Error"], json!("Item.Bad"));
    let pending = read("PENDING_0.json");
    let inputs: Vec<&Value> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["Input"])
        .collect();
    assert_eq!(inputs, [&json!("\"c\""), &json!("\"d\"")]);
    assert_eq!(pending[0]["Status"], json!("PENDING"));
}

#[tokio::test(start_paused = true)]
async fn writer_config_alone_transforms_the_state_output() {
    let executor = executor(None);
    let flatten = map(
        json!({ "ItemSelector": { "v.$": "States.Array($$.Map.Item.Value)" },
        "ResultWriter": { "WriterConfig": { "Transformation": "FLATTEN", "OutputType": "JSON" } } }),
    );
    let mut flatten_pass = flatten.clone();
    // Each child outputs `[item]`; FLATTEN spreads them.
    flatten_pass["States"]["M"]["ItemProcessor"]["States"]["Done"] =
        json!({ "Type": "Pass", "OutputPath": "$.v", "End": true });
    let outcome = run(&executor, flatten_pass, json!(["a", "b"])).await;
    assert_eq!(
        outcome.output,
        Some(json!(["a", "b"])),
        "{:?}",
        outcome.cause
    );

    let none = map(json!({ "ResultWriter": { "WriterConfig": { "Transformation": "NONE" } } }));
    let outcome = run(&executor, none, json!(["a"])).await;
    let record = &outcome.output.unwrap()[0];
    assert_eq!(record["Output"], json!("\"a\""));
    assert_eq!(record["Status"], json!("SUCCEEDED"));

    let missing = map(json!({ "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": { "Bucket": "out", "Prefix": "p" } } }));
    let outcome = run(&executor, missing, json!(["a"])).await;
    assert_eq!(outcome.error.as_deref(), Some("States.ResultWriterFailed"));
}

/// A library user's own store: objects in memory.
#[derive(Default)]
struct MemoryS3(std::sync::Mutex<std::collections::BTreeMap<(String, String), Vec<u8>>>);

impl ObjectStore for MemoryS3 {
    fn get_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        _max: u64,
    ) -> ObjectFuture<'a, Vec<u8>> {
        let found = self
            .0
            .lock()
            .unwrap()
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned();
        Box::pin(async move { found.ok_or_else(|| ObjectError::NoSuchKey(key.to_owned())) })
    }

    fn list_objects<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: usize,
    ) -> ObjectFuture<'a, Vec<ObjectSummary>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn put_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> ObjectFuture<'a, ()> {
        self.0
            .lock()
            .unwrap()
            .insert((bucket.to_owned(), key.to_owned()), body);
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(start_paused = true)]
async fn any_object_store_can_stand_in_for_s3() {
    let store = Arc::new(MemoryS3::default());
    store
        .put_object("in", "items.json", b"[1, 2]".to_vec())
        .await
        .unwrap();
    let executor = executor(None).with_object_store(store.clone());
    let mut fields = get_object("items.json", json!({ "InputType": "JSON" }));
    fields["ResultWriter"] = json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": { "Bucket": "out", "Prefix": "p" },
        "WriterConfig": { "Transformation": "COMPACT" }
    });
    let outcome = run(&executor, map(fields), json!({})).await;
    assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
    let key = outcome.output.unwrap()["ResultWriterDetails"]["Key"]
        .as_str()
        .unwrap()
        .to_owned();
    let manifest = store.get_object("out", &key, 1 << 20).await.unwrap();
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    let results_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    let results = store.get_object("out", results_key, 1 << 20).await.unwrap();
    assert_eq!(results, b"[1,2]");
}

#[tokio::test(start_paused = true)]
async fn an_inline_map_refuses_item_reader() {
    let mut definition = map(get_object("items.json", json!({ "InputType": "JSON" })));
    definition["States"]["M"]["ItemProcessor"]
        .as_object_mut()
        .unwrap()
        .remove("ProcessorConfig");
    let outcome = run(&executor(None), definition, json!({})).await;
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    assert!(outcome.cause.unwrap().contains("needs a distributed Map"));
}

/// A durable execution whose distributed Map reads, batches and writes through S3 dies
/// part way; after the restart it finishes, with each batch's result written once.
#[cfg(feature = "sqlite")]
#[test]
fn a_reading_writing_map_survives_a_crash() {
    use std::time::Duration;
    use workflow_runtime::Durable;
    use workflow_runtime::store::{SqliteStore, Store};

    let dir = buckets();
    let items: Vec<u64> = (0..20).collect();
    put(
        dir.path(),
        "in/items.json",
        json!(items).to_string().as_bytes(),
    );
    let definition = json!({
        "StartAt": "M",
        "States": { "M": {
            "Type": "Map", "End": true, "MaxConcurrency": 2,
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": { "InputType": "JSON" },
                "Parameters": { "Bucket": "in", "Key": "items.json" }
            },
            "ItemBatcher": { "MaxItemsPerBatch": 2 },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": { "Bucket": "out", "Prefix": "results" },
                "WriterConfig": { "Transformation": "COMPACT" }
            },
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                "StartAt": "Slow", "States": {
                    "Slow": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "End": true }
                }
            }
        } }
    })
    .to_string();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let executor = |calls: Arc<std::sync::atomic::AtomicUsize>| {
        let resources = Resources::new().register("slow", move |input: Value| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(input)
            }
        });
        Executor::new(resources).with_object_store(Arc::new(LocalS3::new(dir.path())))
    };
    let process = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let path = dir.path().join("store.db");
    let arn = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let durable = Durable::new(executor(calls.clone()), store);
        let first = process();
        let arn = first.block_on(async {
            let request = common::request("mapping", definition.clone(), json!({}));
            let (record, _) = durable.start(request).await.unwrap();
            // About half of the 10 batches, 2 at a time, 50 ms each.
            tokio::time::sleep(Duration::from_millis(130)).await;
            record.arn
        });
        drop(first);
        arn
    };
    let before = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (2..10).contains(&before),
        "{before} batches before the crash"
    );

    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let durable = Durable::new(executor(calls.clone()), store.clone());
    let record = process().block_on(async {
        assert_eq!(durable.resume().await.unwrap(), 1);
        common::until_ended(store.as_ref(), &arn).await
    });
    assert_eq!(record.status, Status::Succeeded, "{record:?}");
    // Only the batches running at the crash (at most MaxConcurrency) ran twice.
    let after = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!((10..=12).contains(&after), "{after} batch runs");
    let output: Value = serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
    let key = output["ResultWriterDetails"]["Key"].as_str().unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out").join(key)).unwrap()).unwrap();
    let results_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    let results: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out").join(results_key)).unwrap())
            .unwrap();
    let expected: Vec<Value> = items
        .chunks(2)
        .map(|pair| json!({ "Items": pair }))
        .collect();
    assert_eq!(results, json!(expected));
    drop(store.history(&arn).unwrap());
}
