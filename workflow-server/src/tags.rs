//! TagResource, UntagResource, ListTagsForResource: the tags of state machines and
//! activities, kept in the store as one resource of kind [`KIND`] per tagged ARN
//! (`{"tags": [{"key", "value"}, ...]}`, in the order they were first set).

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::protocol::{ApiError, Request};
use crate::{Service, activities, empty, state_machines};

/// The store's kind for tag lists.
pub const KIND: &str = "tags";

/// AWS's limit of tags per resource.
const MAX_TAGS: usize = 50;

/// Checks that `arn` names a taggable resource that exists; versions and aliases are not
/// taggable, and unknown resources are `ResourceNotFound`.
fn require_resource(service: &Service, arn: &str) -> Result<(), ApiError> {
    let parsed = Arn::parse(arn)?;
    let kind = match parsed.resource_type.as_str() {
        "stateMachine" if parsed.qualifier.is_none() => Some(state_machines::KIND),
        "activity" => Some(activities::KIND),
        _ => None,
    };
    let exists = match kind {
        Some(kind) => service.store().resource(kind, arn)?.is_some(),
        None => false,
    };
    if !exists {
        return Err(ApiError::new(
            "ResourceNotFound",
            format!("Resource not found: '{arn}'"),
        ));
    }
    Ok(())
}

fn current(service: &Service, arn: &str) -> Result<Vec<(String, String)>, ApiError> {
    let stored = service.store().resource(KIND, arn)?.unwrap_or(Value::Null);
    Ok(stored["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    let text = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                    (text("key"), text("value"))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Adds or replaces `given` (`[{"key", "value"}]`) in the tags of `arn`.
pub(crate) async fn put(service: &Service, arn: &str, given: &[Value]) -> Result<(), ApiError> {
    let mut tags = current(service, arn)?;
    for tag in given {
        let key = tag["key"]
            .as_str()
            .ok_or_else(|| ApiError::missing("tags.member.key"))?;
        let value = tag["value"].as_str().unwrap_or_default();
        match tags.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value.to_owned(),
            None => tags.push((key.to_owned(), value.to_owned())),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            "TooManyTags",
            format!("Too many tags: a resource may have at most {MAX_TAGS}"),
        ));
    }
    store(service, arn, &tags).await
}

async fn store(service: &Service, arn: &str, tags: &[(String, String)]) -> Result<(), ApiError> {
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    service
        .store()
        .put_resource(KIND, arn.to_owned(), json!({ "tags": list }))
        .await?;
    Ok(())
}

pub async fn tag(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("resourceArn")?;
    let given = request
        .array_opt("tags")?
        .ok_or_else(|| ApiError::missing("tags"))?;
    let _guard = service.writes.lock().await;
    require_resource(service, arn)?;
    put(service, arn, given).await?;
    Ok(empty())
}

pub async fn untag(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("resourceArn")?;
    let keys: Vec<&str> = request
        .array_opt("tagKeys")?
        .ok_or_else(|| ApiError::missing("tagKeys"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let _guard = service.writes.lock().await;
    require_resource(service, arn)?;
    let mut tags = current(service, arn)?;
    tags.retain(|(k, _)| !keys.contains(&k.as_str()));
    store(service, arn, &tags).await?;
    Ok(empty())
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("resourceArn")?;
    require_resource(service, arn)?;
    let tags: Vec<Value> = current(service, arn)?
        .into_iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    Ok(json!({ "tags": tags }))
}
