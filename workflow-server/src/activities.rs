//! Activities, as records only (CreateActivity, DescribeActivity, DeleteActivity,
//! ListActivities): no worker API, so a Task on an activity has no one to answer it.

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, now_millis, seconds};
use crate::{Service, empty, names, tags};

/// The store's kind for activities.
pub const KIND: &str = "activity";

pub async fn create(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let name = request.str("name")?;
    names::check(name)?;
    let arn = service.config.arn(KIND, name);
    let _guard = service.writes.lock().await;
    // Creating an activity again answers the one that exists, as AWS does.
    let created = match service.store().resource(KIND, &arn)? {
        Some(existing) => existing["creationDate"].as_i64().unwrap_or(0),
        None => {
            let now = now_millis();
            let mut record = json!({ "activityArn": arn, "name": name, "creationDate": now });
            if let Some(encryption) = request.object_opt("encryptionConfiguration")? {
                record["encryptionConfiguration"] = Value::Object(encryption.clone());
            }
            service
                .store()
                .put_resource(KIND, arn.clone(), record)
                .await?;
            now
        }
    };
    if let Some(given) = request.array_opt("tags")? {
        tags::put(service, &arn, given).await?;
    }
    Ok(json!({ "activityArn": arn, "creationDate": seconds(created) }))
}

fn find(service: &Service, arn: &str) -> Result<Value, ApiError> {
    Arn::parse_as(arn, &[KIND])?;
    service.store().resource(KIND, arn)?.ok_or_else(|| {
        ApiError::new(
            "ActivityDoesNotExist",
            format!("Activity Does Not Exist: '{arn}'"),
        )
    })
}

pub fn describe(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let record = find(service, request.str("activityArn")?)?;
    let encryption = record.get("encryptionConfiguration").cloned().or_else(|| {
        service
            .config
            .default_encryption
            .then(crate::default_encryption)
    });
    Ok(crate::members(vec![
        ("activityArn", Some(record["activityArn"].clone())),
        ("name", Some(record["name"].clone())),
        (
            "creationDate",
            Some(seconds(record["creationDate"].as_i64().unwrap_or(0))),
        ),
        ("encryptionConfiguration", encryption),
    ]))
}

pub async fn delete(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("activityArn")?;
    Arn::parse_as(arn, &[KIND])?;
    let _guard = service.writes.lock().await;
    service
        .store()
        .delete_resource(KIND, arn.to_owned())
        .await?;
    service
        .store()
        .delete_resource(tags::KIND, arn.to_owned())
        .await?;
    Ok(empty())
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let page = Page::read(request, 1024, "ListActivities")?;
    let items = service
        .store()
        .resources(KIND)?
        .iter()
        .map(|r| {
            json!({
                "activityArn": r["activityArn"],
                "name": r["name"],
                "creationDate": seconds(r["creationDate"].as_i64().unwrap_or(0)),
            })
        })
        .collect();
    let (items, next) = page.slice(items);
    let mut out = json!({ "activities": items });
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Ok(out)
}

/// How long GetActivityTask waits for a task, as AWS does.
const POLL: std::time::Duration = std::time::Duration::from_secs(60);

/// GetActivityTask: a long poll (up to 60 s) for the oldest task of the activity no worker
/// has taken; `{}` when none comes.
pub async fn get_task(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("activityArn")?;
    find(service, arn)?;
    let worker = request.str_opt("workerName")?.unwrap_or_default();
    if worker.chars().count() > 80 {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{worker}' at 'workerName' failed to satisfy constraint: Member must have length less than or equal to 80"
            ),
        ));
    }
    Ok(
        match service.durable.get_activity_task(arn, worker, POLL).await {
            Some((token, input)) => json!({ "taskToken": token, "input": input }),
            None => empty(),
        },
    )
}
