//! A distributed Map's `ItemBatcher`: its items (after `ItemSelector`) grouped so that each
//! child execution gets several ("ItemBatcher (Map)", AWS docs). A batch is at most
//! `MaxItemsPerBatch` items and at most `MaxInputBytesPerBatch` bytes (each also as a
//! `*Path` into the effective input, or in JSONata an expression), and each child's input
//! is `{"BatchInput": <BatchInput>, "Items": [...]}`, as AWS's example of the input each
//! child receives shows (`BatchInput` only when the batcher has one).

use serde_json::{Map, Value};

use crate::data_flow::{Scope, States, compact};
use crate::error::Failure;
use crate::limits;
use crate::states::item_reader::count_field;

/// `batcher`'s batches of `items`, each a child execution's input.
pub(crate) fn batches(
    scope: &Scope<'_>,
    batcher: &Value,
    effective: &Value,
    items: Vec<Value>,
) -> Result<Vec<Value>, Failure> {
    let max_items = limit(scope, batcher, effective, "MaxItemsPerBatch")?;
    // A batch is a child execution's input: never more than a payload may be.
    let max_bytes = limit(scope, batcher, effective, "MaxInputBytesPerBatch")?
        .map_or(limits::MAX_PAYLOAD_BYTES, |n| {
            n.min(limits::MAX_PAYLOAD_BYTES)
        });
    let batch_input = match batcher.get("BatchInput") {
        Some(input) if scope.jsonata => {
            Some(scope.evaluate("ItemBatcher/BatchInput", input, States::input(effective))?)
        }
        Some(input) => Some(scope.template(input, effective)?),
        None => None,
    };
    // The size of `{"BatchInput":...,"Items":[]}`; each item adds its size and a comma.
    let empty = batch_of(&batch_input, Vec::new());
    let base = limits::payload_size(&empty);
    let mut batches = Vec::new();
    let mut current = Vec::new();
    let mut size = base;
    for item in items {
        let item_size = limits::payload_size(&item);
        if base + item_size > max_bytes {
            return Err(scope.runtime(format!(
                "An item of {item_size} bytes does not fit in a batch of at most {max_bytes} bytes (MaxInputBytesPerBatch)"
            )));
        }
        let separator = usize::from(!current.is_empty());
        let full = max_items.is_some_and(|most| current.len() >= most)
            || size + separator + item_size > max_bytes;
        if full {
            batches.push(batch_of(&batch_input, std::mem::take(&mut current)));
            size = base;
        }
        size += usize::from(!current.is_empty()) + item_size;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(batch_of(&batch_input, current));
    }
    Ok(batches)
}

fn batch_of(batch_input: &Option<Value>, items: Vec<Value>) -> Value {
    let mut batch = Map::new();
    if let Some(input) = batch_input {
        batch.insert("BatchInput".to_owned(), input.clone());
    }
    batch.insert("Items".to_owned(), Value::Array(items));
    Value::Object(batch)
}

/// `<field>` or `<field>Path`: a positive integer; `None` when neither is set.
fn limit(
    scope: &Scope<'_>,
    batcher: &Value,
    effective: &Value,
    field: &str,
) -> Result<Option<usize>, Failure> {
    let fields = batcher.as_object().cloned().unwrap_or_default();
    let name = format!("ItemBatcher/{field}");
    match count_field(scope, &fields, field, &name, effective)? {
        None => Ok(None),
        Some((Some(n), value)) => match usize::try_from(n) {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(not_positive(scope, field, &value)),
        },
        Some((None, value)) => Err(not_positive(scope, field, &value)),
    }
}

fn not_positive(scope: &Scope<'_>, field: &str, value: &Value) -> Failure {
    scope.runtime(format!(
        "The {field} field must be a positive integer, but was {}",
        compact(value)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::states::test_support;

    /// The children's inputs: each child's output, as its processor is a Pass.
    async fn batched(batcher: Value, items: Value) -> Value {
        let definition = json!({
            "StartAt": "M",
            "States": { "M": {
                "Type": "Map", "ItemBatcher": batcher, "End": true,
                "ItemProcessor": {
                    "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
                    "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } }
                }
            } }
        });
        let outcome = test_support::run(definition, items).await;
        outcome.output.unwrap_or_else(|| json!(outcome.cause))
    }

    #[tokio::test(start_paused = true)]
    async fn batches_by_count_with_the_batch_input() {
        assert_eq!(
            batched(
                json!({ "MaxItemsPerBatch": 2, "BatchInput": { "tag.$": "$[0]" } }),
                json!([1, 2, 3])
            )
            .await,
            json!([
                { "BatchInput": { "tag": 1 }, "Items": [1, 2] },
                { "BatchInput": { "tag": 1 }, "Items": [3] }
            ])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn batches_by_bytes() {
        // `{"Items":[]}` is 12 bytes; each item "xxxx" is 6, plus a comma after the first.
        assert_eq!(
            batched(
                json!({ "MaxInputBytesPerBatch": 25 }),
                json!(["xxxx", "xxxx", "xxxx"])
            )
            .await,
            json!([{ "Items": ["xxxx", "xxxx"] }, { "Items": ["xxxx"] }])
        );
        let too_big = batched(json!({ "MaxInputBytesPerBatch": 13 }), json!(["xxxx"])).await;
        assert!(
            too_big.as_str().is_some_and(|c| c.contains("does not fit")),
            "{too_big}"
        );
        let zero = batched(json!({ "MaxItemsPerBatch": 0 }), json!([1])).await;
        assert!(
            zero.as_str()
                .is_some_and(|c| c.contains("positive integer")),
            "{zero}"
        );
    }
}
