//! State machine versions: immutable, numbered snapshots of a state machine's revision
//! (`arn:...:stateMachine:<name>:<N>`), made by PublishStateMachineVersion or by `publish`
//! on CreateStateMachine and UpdateStateMachine; listed, described (DescribeStateMachine on
//! the version ARN), started, and deleted. Kept in the store as resources of kind [`KIND`]:
//! the state machine's record as it was when published, plus `stateMachineVersionArn`,
//! `version` (N), `description` and the version's `creationDate`.
//!
//! Numbers are never reused: the state machine's record keeps the last number it gave out
//! (`lastVersion`), and deleting a version does not lower it.

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, now_millis, seconds};
use crate::{Service, aliases, empty, members, state_machines};

/// The store's kind for versions.
pub const KIND: &str = "stateMachineVersion";

/// AWS's quota of versions per state machine.
const MAX_VERSIONS: usize = 1000;

/// The version number of a qualifier (`3` in `...:stateMachine:sm:3`): digits only, as an
/// alias name must have a character other than a digit.
pub(crate) fn number(qualifier: &str) -> Option<u64> {
    (!qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit()))
        .then(|| qualifier.parse().ok())
        .flatten()
}

/// The versions of the state machine `machine_arn`, highest number first.
pub(crate) fn of_machine(service: &Service, machine_arn: &str) -> Result<Vec<Value>, ApiError> {
    let mut versions: Vec<Value> = service
        .store()
        .resources(KIND)?
        .into_iter()
        .filter(|v| v["stateMachineArn"] == machine_arn)
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v["version"].as_u64().unwrap_or(0)));
    Ok(versions)
}

/// The stored version `arn_text` names, or `StateMachineDoesNotExist`.
pub(crate) fn find(service: &Service, arn_text: &str) -> Result<Value, ApiError> {
    service.store().resource(KIND, arn_text)?.ok_or_else(|| {
        ApiError::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn_text}'"),
        )
    })
}

/// A published version: its ARN and creation date (milliseconds).
pub(crate) struct Published {
    pub arn: String,
    pub creation_date: i64,
}

/// Publishes the current revision of `machine` (the stored record, which gets its
/// `lastVersion` raised and is written back). Idempotent, as on AWS: when the newest
/// version was published from the same revision (both without one included), that
/// version is the answer and nothing is made. The caller holds `service.writes`.
pub(crate) async fn publish(
    service: &Service,
    machine: &mut Value,
    description: Option<&str>,
) -> Result<Published, ApiError> {
    let machine_arn = machine["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let existing = of_machine(service, &machine_arn)?;
    if let Some(latest) = existing.first()
        && latest.get("revisionId") == machine.get("revisionId")
    {
        return Ok(Published {
            arn: latest["stateMachineVersionArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            creation_date: latest["creationDate"].as_i64().unwrap_or(0),
        });
    }
    if existing.len() >= MAX_VERSIONS {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!(
                "Failed to publish the State Machine version: the state machine has {MAX_VERSIONS} versions, the most it may have. Delete unused versions with DeleteStateMachineVersion"
            ),
        ));
    }
    let number = machine["lastVersion"].as_u64().unwrap_or(0) + 1;
    let arn = format!("{machine_arn}:{number}");
    let now = now_millis();
    let mut version = machine.clone();
    if let Some(object) = version.as_object_mut() {
        object.remove("lastVersion");
        object.insert("stateMachineVersionArn".to_owned(), json!(arn));
        object.insert("version".to_owned(), json!(number));
        object.insert("creationDate".to_owned(), json!(now));
        if let Some(description) = description {
            object.insert("description".to_owned(), json!(description));
        }
    }
    machine["lastVersion"] = json!(number);
    service
        .store()
        .put_resource(state_machines::KIND, machine_arn, machine.clone())
        .await?;
    service
        .store()
        .put_resource(KIND, arn.clone(), version)
        .await?;
    Ok(Published {
        arn,
        creation_date: now,
    })
}

/// `versionDescription` of CreateStateMachine and UpdateStateMachine: at most 256
/// characters, and only with `publish`.
pub(crate) fn version_description(
    request: &Request,
    publish: bool,
) -> Result<Option<&str>, ApiError> {
    let description = request.str_len("versionDescription", 256)?;
    if description.is_some() && !publish {
        return Err(ApiError::new(
            "ValidationException",
            "Version description can only be set when publish is true",
        ));
    }
    Ok(description)
}

pub async fn publish_operation(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let revision = request.str_opt("revisionId")?;
    let description = request.str_len("description", 256)?;
    let _guard = service.writes.lock().await;
    let mut machine = state_machines::find(service, arn)?;
    if let Some(revision) = revision {
        let current = machine["revisionId"].as_str();
        if current != Some(revision) {
            return Err(ApiError::new(
                "ConflictException",
                format!(
                    "Failed to publish the State Machine version for revision {revision}. The current State Machine revision is {}.",
                    current.unwrap_or("null")
                ),
            ));
        }
    }
    let published = publish(service, &mut machine, description).await?;
    Ok(json!({
        "stateMachineVersionArn": published.arn,
        "creationDate": seconds(published.creation_date),
    }))
}

/// DescribeStateMachine on a version ARN: the configuration it was published with, under
/// its own ARN, with its `description`.
pub(crate) fn describe(service: &Service, arn_text: &str) -> Result<Value, ApiError> {
    let mut version = find(service, arn_text)?;
    version["stateMachineArn"] = json!(arn_text);
    let mut fields = state_machines::configuration(service, &version);
    fields.extend([
        ("status", Some(json!("ACTIVE"))),
        ("type", version.get("type").cloned()),
        (
            "creationDate",
            version["creationDate"].as_i64().map(seconds),
        ),
        ("description", version.get("description").cloned()),
    ]);
    Ok(members(fields))
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let page = Page::read(request, 1024, &format!("ListStateMachineVersions {arn}"))?;
    state_machines::find(service, arn)?;
    let items = of_machine(service, arn)?
        .iter()
        .map(|v| {
            json!({
                "stateMachineVersionArn": v["stateMachineVersionArn"],
                "creationDate": seconds(v["creationDate"].as_i64().unwrap_or(0)),
            })
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(members(vec![
        ("stateMachineVersions", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}

/// Deletes a version; one that does not exist (any more) is deleted already. A version an
/// alias routes to is kept, with AWS's `ConflictException`. Its running executions go on.
pub async fn delete(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str_len("stateMachineVersionArn", 2000)?;
    let arn = arn.ok_or_else(|| ApiError::missing("stateMachineVersionArn"))?;
    let parsed = Arn::parse_as(arn, &["stateMachine"])?;
    if parsed.qualifier.as_deref().and_then(number).is_none() {
        return Err(ApiError::new(
            "ValidationException",
            format!("Invalid State Machine Version Arn: '{arn}'"),
        ));
    }
    let _guard = service.writes.lock().await;
    let machine_arn = service.config.arn(state_machines::KIND, &parsed.name);
    let referencing: Vec<String> = aliases::of_machine(service, &machine_arn)?
        .iter()
        .filter(|alias| aliases::routes_to(alias, arn))
        .filter_map(|alias| alias["name"].as_str().map(str::to_owned))
        .collect();
    if !referencing.is_empty() {
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                referencing.join(", ")
            ),
        ));
    }
    service
        .store()
        .delete_resource(KIND, arn.to_owned())
        .await?;
    Ok(empty())
}
