//! A distributed Map's `ItemReader`: its items read from S3 (here, an
//! [`ObjectStore`]) instead of its input ("ItemReader (Map)", AWS
//! docs):
//!
//! - `arn:aws:states:::s3:getObject` with `ReaderConfig.InputType` `JSON` (an array, or the
//!   array `ItemsPointer` points to in an object), `JSONL` (one value a line), `CSV` (one
//!   object a row, keyed by the headers of `CSVHeaderLocation` `FIRST_ROW` or `GIVEN` with
//!   `CSVHeaders`, split at `CSVDelimiter`), or `MANIFEST` (an S3 inventory's
//!   `manifest.json`, whose CSV files' rows are the items, keyed by its `fileSchema`);
//! - `arn:aws:states:::s3:listObjectsV2`: the objects under `Prefix`, each
//!   `{Etag, Key, LastModified, Size, StorageClass}`; with `ReaderConfig.Transformation`
//!   `LOAD_AND_FLATTEN`, the items of those objects instead, read as `InputType` says.
//!
//! `ReaderConfig.MaxItems` (or `MaxItemsPath`) keeps the first items only. `Parameters`
//! (JSONPath) or `Arguments` (JSONata) name the bucket and key and are evaluated against
//! the state's effective input. Whatever goes wrong reading fails the state with
//! `States.ItemReaderFailed`.

use std::io::Read;

use serde_json::{Map, Value, json};

use crate::data_flow::{Scope, States, compact};
use crate::error::{Failure, names};
use crate::limits;
use crate::s3::{MAX_LISTED_OBJECTS, MAX_OBJECT_BYTES, ObjectError, ObjectStore};

const GET_OBJECT: &str = "arn:aws:states:::s3:getObject";
const LIST_OBJECTS: &str = "arn:aws:states:::s3:listObjectsV2";

const MAX_ITEMS: u64 = limits::ITEM_READER_MAX_ITEMS;
const MAX_CSV_HEADER_BYTES: usize = limits::ITEM_READER_MAX_CSV_HEADER_BYTES;

/// The items `reader` reads for a state whose effective input is `effective`.
pub(crate) async fn read_items(
    scope: &Scope<'_>,
    reader: &Value,
    effective: &Value,
    store: Option<&dyn ObjectStore>,
) -> Result<Vec<Value>, Failure> {
    let config = reader
        .get("ReaderConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let max_items = max_items(scope, &config, effective)?;
    refuse_unsupported(&config)?;
    let resource = reader.get("Resource").and_then(Value::as_str).unwrap_or("");
    let arguments = arguments(scope, reader, effective)?;
    let Some(store) = store else {
        return Err(failed(
            "No S3 is configured: this runtime reads ItemReader objects from a local directory \
             standing in for S3 (`--s3-dir DIR` for `workflow run` and `workflow serve`, or \
             `Executor::with_object_store`)",
        ));
    };
    let bucket = string_argument(&arguments, "Bucket")?;
    let mut items = match resource {
        LIST_OBJECTS => {
            let prefix = arguments
                .get("Prefix")
                .and_then(Value::as_str)
                .unwrap_or("");
            if config.get("Transformation").and_then(Value::as_str) == Some("LOAD_AND_FLATTEN") {
                load_and_flatten(store, bucket, prefix, &config, max_items).await?
            } else {
                let most = max_items.map_or(MAX_LISTED_OBJECTS, |n| n.min(MAX_LISTED_OBJECTS));
                list_objects(store, bucket, prefix, most).await?
            }
        }
        GET_OBJECT => {
            let key = string_argument(&arguments, "Key")?;
            let body = store
                .get_object(bucket, key, MAX_OBJECT_BYTES)
                .await
                .map_err(object_failure)?;
            if config.get("InputType").and_then(Value::as_str) == Some("MANIFEST") {
                manifest_items(store, &body, max_items).await?
            } else {
                object_items(&body, &config)?
            }
        }
        other => {
            return Err(failed(format!(
                "The ItemReader Resource '{other}' is not supported: use {GET_OBJECT} or {LIST_OBJECTS}"
            )));
        }
    };
    if let Some(most) = max_items {
        items.truncate(most);
    }
    // Each item reaches a child execution as (part of) its input, which is a payload.
    if let Some((index, size)) = items
        .iter()
        .map(limits::payload_size)
        .enumerate()
        .find(|(_, size)| *size > limits::MAX_PAYLOAD_BYTES)
    {
        return Err(failed(format!(
            "Item {index} has {size} bytes, more than the {} a state's payload may have",
            limits::MAX_PAYLOAD_BYTES
        )));
    }
    Ok(items)
}

/// The items of one object of `ReaderConfig.InputType` `JSON`, `JSONL` or `CSV`.
fn object_items(body: &[u8], config: &Map<String, Value>) -> Result<Vec<Value>, Failure> {
    match config.get("InputType").and_then(Value::as_str) {
        Some("JSON") => json_items(body, config.get("ItemsPointer")),
        Some("JSONL") => json_lines(body),
        Some("CSV") => csv_items(body, &CsvConfig::of(config)?),
        Some(other) => Err(failed(format!("Unknown InputType '{other}'"))),
        None => Err(failed(
            "ReaderConfig.InputType is required to read an object's items",
        )),
    }
}

/// `s3:listObjectsV2` with `ReaderConfig.Transformation: LOAD_AND_FLATTEN`: the items of
/// every object under the prefix, each read as `InputType` says, one list after another.
/// All of them together may hold at most [`MAX_OBJECT_BYTES`], as one object may.
async fn load_and_flatten(
    store: &dyn ObjectStore,
    bucket: &str,
    prefix: &str,
    config: &Map<String, Value>,
    max_items: Option<usize>,
) -> Result<Vec<Value>, Failure> {
    let objects = store
        .list_objects(bucket, prefix, MAX_LISTED_OBJECTS)
        .await
        .map_err(object_failure)?;
    let mut items = Vec::new();
    let mut remaining = MAX_OBJECT_BYTES;
    for object in objects {
        if max_items.is_some_and(|most| items.len() >= most) {
            break;
        }
        let body = store
            .get_object(bucket, &object.key, remaining)
            .await
            .map_err(object_failure)?;
        remaining -= body.len() as u64;
        items.extend(object_items(&body, config)?);
    }
    Ok(items)
}

/// AWS's newer reader options that this runtime does not read (Parquet objects, Athena
/// manifests): fail clearly rather than read wrongly.
fn refuse_unsupported(config: &Map<String, Value>) -> Result<(), Failure> {
    let unsupported = [("InputType", "PARQUET"), ("ManifestType", "ATHENA_DATA")];
    for (field, value) in unsupported {
        if config.get(field).and_then(Value::as_str) == Some(value) {
            return Err(failed(format!(
                "ReaderConfig.{field} {value} is not supported by this runtime"
            )));
        }
    }
    Ok(())
}

fn failed(cause: impl Into<String>) -> Failure {
    Failure::new(names::ITEM_READER_FAILED, cause)
}

fn object_failure(error: ObjectError) -> Failure {
    failed(error.to_string())
}

/// `Parameters` (JSONPath, a payload template) or `Arguments` (JSONata), evaluated.
fn arguments(scope: &Scope<'_>, reader: &Value, effective: &Value) -> Result<Value, Failure> {
    if scope.jsonata {
        match reader.get("Arguments") {
            Some(arguments) => {
                scope.evaluate("ItemReader/Arguments", arguments, States::input(effective))
            }
            None => Ok(Value::Object(Map::new())),
        }
    } else {
        match reader.get("Parameters") {
            Some(template) => scope.template(template, effective),
            None => Ok(Value::Object(Map::new())),
        }
    }
}

fn string_argument<'a>(arguments: &'a Value, name: &str) -> Result<&'a str, Failure> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| failed(format!("The ItemReader's {name} must be a string")))
}

/// `MaxItems` or `MaxItemsPath`; `None` for no limit. 0 means no limit, as for
/// `MaxConcurrency`.
fn max_items(
    scope: &Scope<'_>,
    config: &Map<String, Value>,
    effective: &Value,
) -> Result<Option<usize>, Failure> {
    let field = "ItemReader/ReaderConfig/MaxItems";
    match count_field(scope, config, "MaxItems", field, effective)? {
        None | Some((Some(0), _)) => Ok(None),
        Some((Some(n), _)) if n <= MAX_ITEMS => Ok(usize::try_from(n).ok()),
        Some((_, value)) => Err(failed(format!(
            "MaxItems must be an integer from 0 to {MAX_ITEMS}, but was {}",
            compact(&value)
        ))),
    }
}

/// A count of a reader's or batcher's `fields`: `name` (a number, or in JSONata an
/// expression, which `field` names in causes) or `<name>Path` (read from the effective
/// input, where a string holding a number counts too). The count if the value is a
/// non-negative integer, and the value; `None` when neither field is set.
pub(super) fn count_field(
    scope: &Scope<'_>,
    fields: &Map<String, Value>,
    name: &str,
    field: &str,
    effective: &Value,
) -> Result<Option<(Option<u64>, Value)>, Failure> {
    let value = match (fields.get(name), fields.get(&format!("{name}Path"))) {
        (Some(value), _) if scope.jsonata => {
            scope.evaluate_typed(field, value, States::input(effective), "number")?
        }
        (Some(value), _) => value.clone(),
        (None, Some(Value::String(path))) => scope.read(path, effective)?,
        _ => return Ok(None),
    };
    let count = match &value {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    Ok(Some((count, value)))
}

/// `ListObjectsV2`'s objects as AWS hands them to the Map: `LastModified` in seconds since
/// the epoch, `Etag` quoted ("ItemReader (Map)", AWS docs, the listObjectsV2 example).
async fn list_objects(
    store: &dyn ObjectStore,
    bucket: &str,
    prefix: &str,
    most: usize,
) -> Result<Vec<Value>, Failure> {
    let objects = store
        .list_objects(bucket, prefix, most)
        .await
        .map_err(object_failure)?;
    Ok(objects
        .into_iter()
        .map(|object| {
            json!({
                "Etag": object.etag,
                "Key": object.key,
                "LastModified": object.last_modified,
                "Size": object.size,
                "StorageClass": "STANDARD",
            })
        })
        .collect())
}

/// A JSON object's items: the array it is, or the one `ItemsPointer` (a JSON Pointer,
/// `/data/items`) selects in it.
fn json_items(body: &[u8], pointer: Option<&Value>) -> Result<Vec<Value>, Failure> {
    let document: Value = serde_json::from_slice(body)
        .map_err(|e| failed(format!("The object is not valid JSON: {e}")))?;
    let selected = match pointer {
        None => document,
        Some(Value::String(pointer)) => document
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| failed(format!("ItemsPointer '{pointer}' selects nothing")))?,
        Some(other) => {
            return Err(failed(format!(
                "ItemsPointer must be a string, but was {}",
                compact(other)
            )));
        }
    };
    match selected {
        Value::Array(items) => Ok(items),
        other => Err(failed(format!(
            "The JSON items must be an array, but were: {}",
            truncated(&compact(&other))
        ))),
    }
}

/// JSON Lines: each non-empty line one item.
fn json_lines(body: &[u8]) -> Result<Vec<Value>, Failure> {
    let text = std::str::from_utf8(body).map_err(|e| failed(format!("Not UTF-8: {e}")))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line)
                .map_err(|e| failed(format!("Line {} is not valid JSON: {e}", number + 1)))
        })
        .collect()
}

/// How a CSV object is read: its headers and delimiter.
struct CsvConfig {
    /// `CSVHeaderLocation: GIVEN`'s `CSVHeaders`; `None` for `FIRST_ROW` (the default).
    headers: Option<Vec<String>>,
    delimiter: u8,
}

impl CsvConfig {
    fn of(config: &Map<String, Value>) -> Result<Self, Failure> {
        let headers = match config.get("CSVHeaderLocation").and_then(Value::as_str) {
            None | Some("FIRST_ROW") => None,
            Some("GIVEN") => {
                let headers = config
                    .get("CSVHeaders")
                    .and_then(Value::as_array)
                    .and_then(|headers| {
                        headers
                            .iter()
                            .map(|h| h.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| {
                        failed("CSVHeaderLocation GIVEN needs CSVHeaders, an array of strings")
                    })?;
                Some(headers)
            }
            Some(other) => return Err(failed(format!("Unknown CSVHeaderLocation '{other}'"))),
        };
        // "CSVDelimiter": COMMA (the default), PIPE, SEMICOLON, SPACE, TAB ("ReaderConfig").
        let delimiter = match config.get("CSVDelimiter").and_then(Value::as_str) {
            None | Some("COMMA") => b',',
            Some("PIPE") => b'|',
            Some("SEMICOLON") => b';',
            Some("SPACE") => b' ',
            Some("TAB") => b'\t',
            Some(other) => return Err(failed(format!("Unknown CSVDelimiter '{other}'"))),
        };
        Ok(CsvConfig { headers, delimiter })
    }
}

/// CSV rows as objects from header to value; every value a string, as AWS gives them.
fn csv_items(body: &[u8], config: &CsvConfig) -> Result<Vec<Value>, Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows of another length get this module's cause, which names the headers.
        .flexible(true)
        .delimiter(config.delimiter)
        .from_reader(body);
    let mut records = reader.records();
    let headers = match &config.headers {
        Some(headers) => headers.clone(),
        None => match records.next() {
            Some(row) => {
                let row = row.map_err(csv_failure)?;
                let size = row.as_byte_record().as_slice().len();
                if size > MAX_CSV_HEADER_BYTES {
                    return Err(failed(format!(
                        "The CSV header row has {size} bytes; at most {MAX_CSV_HEADER_BYTES} are supported"
                    )));
                }
                row.iter().map(str::to_owned).collect()
            }
            None => return Ok(Vec::new()),
        },
    };
    records
        .map(|row| {
            let row = row.map_err(csv_failure)?;
            if row.len() != headers.len() {
                return Err(failed(format!(
                    "A CSV row has {} fields, but there are {} headers (line {})",
                    row.len(),
                    headers.len(),
                    row.position().map_or(0, |p| p.line())
                )));
            }
            let fields = headers
                .iter()
                .zip(row.iter())
                .map(|(header, value)| (header.clone(), Value::String(value.to_owned())));
            Ok(Value::Object(fields.collect()))
        })
        .collect()
}

fn csv_failure(error: csv::Error) -> Failure {
    failed(format!("The object is not valid CSV: {error}"))
}

/// An S3 inventory's items: the rows of the CSV files its `manifest.json` lists, each keyed
/// by the manifest's `fileSchema` ("Amazon S3 Inventory", AWS docs: `destinationBucket` is
/// a bucket ARN, `files` hold `key`s of gzip-compressed CSV files, which have no header
/// row). AWS reads CSV inventories only. All the files together may hold at most
/// [`MAX_OBJECT_BYTES`] of CSV, as one object may: the items are held in memory.
async fn manifest_items(
    store: &dyn ObjectStore,
    body: &[u8],
    max_items: Option<usize>,
) -> Result<Vec<Value>, Failure> {
    let manifest: Value = serde_json::from_slice(body)
        .map_err(|e| failed(format!("The manifest is not valid JSON: {e}")))?;
    let format = manifest.get("fileFormat").and_then(Value::as_str);
    if format != Some("CSV") {
        return Err(failed(format!(
            "The inventory's fileFormat must be CSV, but was {}",
            format.unwrap_or("missing")
        )));
    }
    let headers = manifest
        .get("fileSchema")
        .and_then(Value::as_str)
        .ok_or_else(|| failed("The manifest has no fileSchema"))?
        .split(',')
        .map(|h| h.trim().to_owned())
        .collect();
    let bucket = manifest
        .get("destinationBucket")
        .and_then(Value::as_str)
        .map(|arn| arn.strip_prefix("arn:aws:s3:::").unwrap_or(arn))
        .ok_or_else(|| failed("The manifest has no destinationBucket"))?;
    let files = manifest
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| failed("The manifest has no files"))?;
    let config = CsvConfig {
        headers: Some(headers),
        delimiter: b',',
    };
    let mut items = Vec::new();
    let mut remaining = MAX_OBJECT_BYTES;
    for file in files {
        if max_items.is_some_and(|most| items.len() >= most) {
            break;
        }
        let key = file
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| failed("A manifest file has no key"))?;
        let object = store
            .get_object(bucket, key, remaining)
            .await
            .map_err(object_failure)?;
        let csv = if key.ends_with(".gz") {
            gunzip(&object, key, remaining)?
        } else {
            object
        };
        remaining -= csv.len() as u64;
        items.extend(csv_items(&csv, &config)?);
    }
    Ok(items)
}

/// A gzip object's content, no larger than `limit` (a small object can inflate to a huge
/// one).
fn gunzip(object: &[u8], key: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(object)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| failed(format!("The inventory file '{key}' is not valid gzip: {e}")))?;
    if out.len() as u64 > limit {
        return Err(failed(format!(
            "The inventory's files inflate to more than the {MAX_OBJECT_BYTES} bytes this runtime reads (at '{key}')"
        )));
    }
    Ok(out)
}

/// A long value cut for a cause.
fn truncated(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{CsvConfig, csv_items, gunzip, json_items, json_lines};

    fn csv(
        body: &str,
        headers: Option<Vec<&str>>,
        delimiter: u8,
    ) -> Result<Vec<serde_json::Value>, String> {
        let config = CsvConfig {
            headers: headers.map(|h| h.into_iter().map(str::to_owned).collect()),
            delimiter,
        };
        csv_items(body.as_bytes(), &config).map_err(|f| f.cause.unwrap_or_default())
    }

    #[test]
    fn csv_rows_are_objects_of_strings() {
        assert_eq!(
            csv("a,b\n1,\"x,y\"\n2,z\n", None, b','),
            Ok(vec![
                json!({"a": "1", "b": "x,y"}),
                json!({"a": "2", "b": "z"})
            ])
        );
        assert_eq!(
            csv("1|2\n", Some(vec!["x", "y"]), b'|'),
            Ok(vec![json!({"x": "1", "y": "2"})])
        );
        assert_eq!(csv("", None, b','), Ok(vec![]));
        let ragged = csv("a,b\n1\n", None, b',').unwrap_err();
        assert!(
            ragged.contains("1 fields, but there are 2 headers"),
            "{ragged}"
        );
        let long = format!("{}\n", "h".repeat(11 * 1024));
        assert!(csv(&long, None, b',').unwrap_err().contains("10240"));
    }

    #[test]
    fn json_arrays_pointers_and_lines() {
        assert_eq!(json_items(b"[1,2]", None), Ok(vec![json!(1), json!(2)]));
        assert_eq!(
            json_items(br#"{"d":{"xs":[3]}}"#, Some(&json!("/d/xs"))),
            Ok(vec![json!(3)])
        );
        assert!(json_items(br#"{"a":1}"#, None).is_err());
        assert!(json_items(b"[1,", None).is_err());
        assert_eq!(
            json_lines(b"{\"a\":1}\n\n2\n"),
            Ok(vec![json!({"a": 1}), json!(2)])
        );
        let bad = json_lines(b"1\n{\n").unwrap_err();
        assert!(bad.cause.unwrap_or_default().starts_with("Line 2"));
    }

    #[test]
    fn gzip_is_inflated_no_further_than_allowed() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&[b'0'; 100_000]).unwrap();
        let small = gz.finish().unwrap();
        assert_eq!(gunzip(&small, "k", 100_000).map(|v| v.len()), Ok(100_000));
        let bomb = gunzip(&small, "k", 1_000).unwrap_err();
        assert!(bomb.cause.unwrap_or_default().contains("inflate to more"));
        assert!(gunzip(b"not gzip", "k", 10).is_err());
    }
}
