//! State machines: Create, Describe, List, Update, Delete, kept in the store as resources of
//! kind [`KIND`] (the document below, with millisecond timestamps).

use serde_json::{Map, Value, json};
use workflow_runtime::asl::MachineType;

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, now_millis, seconds, uuid};
use crate::{
    Service, aliases, empty, members, names, tags, validate, variable_references, versions,
};

/// The store's kind for state machines.
pub const KIND: &str = "stateMachine";

/// `STANDARD` or `EXPRESS`, validated.
fn machine_type(request: &Request) -> Result<&'static str, ApiError> {
    match request.str_opt("type")? {
        None | Some("STANDARD") => Ok("STANDARD"),
        Some("EXPRESS") => Ok("EXPRESS"),
        Some(other) => Err(ApiError::constraint(
            "type",
            other,
            "Member must satisfy enum value set: [STANDARD, EXPRESS]",
        )),
    }
}

pub(crate) fn as_machine_type(text: &str) -> MachineType {
    if text == "EXPRESS" {
        MachineType::Express
    } else {
        MachineType::Standard
    }
}

/// The logging configuration as AWS returns it: `level` (OFF by default),
/// `includeExecutionData` (false by default) and `destinations` as given. A level other
/// than OFF needs exactly one destination.
fn logging(given: Option<&Map<String, Value>>) -> Result<Value, ApiError> {
    let empty = Map::new();
    let given = given.unwrap_or(&empty);
    let level = match given.get("level") {
        None | Some(Value::Null) => "OFF".to_owned(),
        Some(Value::String(level)) => level.clone(),
        Some(_) => {
            return Err(ApiError::new(
                "SerializationException",
                "Member 'loggingConfiguration.level' must be a string",
            ));
        }
    };
    if !["ALL", "ERROR", "FATAL", "OFF"].contains(&level.as_str()) {
        return Err(ApiError::constraint(
            "loggingConfiguration.level",
            &level,
            "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
        ));
    }
    let include = given
        .get("includeExecutionData")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let destinations = given.get("destinations").filter(|d| !d.is_null());
    let count = destinations.and_then(Value::as_array).map_or(0, Vec::len);
    if level != "OFF" && count != 1 {
        return Err(ApiError::new(
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
        ));
    }
    let mut out = json!({ "level": level, "includeExecutionData": include });
    if let Some(destinations) = destinations {
        out["destinations"] = destinations.clone();
    }
    Ok(out)
}

fn tracing(given: Option<&Map<String, Value>>) -> Value {
    let enabled = given
        .and_then(|t| t.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    json!({ "enabled": enabled })
}

/// The definition member: at most 1 MiB, and valid for the machine's type.
fn definition<'r>(
    request: &'r Request,
    machine_type: &str,
    required: bool,
) -> Result<Option<&'r str>, ApiError> {
    let text = request.str_opt("definition")?;
    let Some(text) = text else {
        return if required {
            Err(ApiError::missing("definition"))
        } else {
            Ok(None)
        };
    };
    if text.len() > 1024 * 1024 {
        return Err(ApiError::new(
            "ValidationException",
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576",
        ));
    }
    validate::require_valid(text, as_machine_type(machine_type))?;
    Ok(Some(text))
}

/// The stored state machine named by `arn_text`, which must be unqualified;
/// `StateMachineDoesNotExist` for an unknown one, and for a version or alias ARN.
pub(crate) fn find(service: &Service, arn_text: &str) -> Result<Value, ApiError> {
    let arn = Arn::parse_as(arn_text, &["stateMachine"])?;
    let missing = || {
        ApiError::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn_text}'"),
        )
    };
    if arn.qualifier.is_some() {
        return Err(missing());
    }
    service
        .store()
        .resource(KIND, arn_text)?
        .ok_or_else(missing)
}

/// What a state machine ARN, unqualified or qualified with a version or an alias, starts.
pub(crate) struct Target {
    /// The configuration the execution runs: the state machine's current one, or the
    /// version's (its `stateMachineArn` is the unqualified machine's either way).
    pub run: Value,
    /// The version started, directly or through the alias.
    pub version_arn: Option<String>,
    /// The alias started through.
    pub alias_arn: Option<String>,
}

/// Resolves `arn_text` for StartExecution: the machine, a version of it, or an alias of it
/// (which picks one of its versions by weight). `StateMachineDoesNotExist` when any of
/// them does not exist.
pub(crate) fn resolve(service: &Service, arn_text: &str) -> Result<Target, ApiError> {
    let arn = Arn::parse_as(arn_text, &["stateMachine"])?;
    let missing = || {
        ApiError::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn_text}'"),
        )
    };
    let Some(qualifier) = arn.qualifier.as_deref() else {
        let run = find(service, arn_text)?;
        return Ok(Target {
            run,
            version_arn: None,
            alias_arn: None,
        });
    };
    let (version_arn, alias_arn) = if versions::number(qualifier).is_some() {
        (arn_text.to_owned(), None)
    } else {
        let alias = aliases::get(service, arn_text)?.ok_or_else(missing)?;
        (aliases::pick_version(&alias), Some(arn_text.to_owned()))
    };
    let run = service
        .store()
        .resource(versions::KIND, &version_arn)?
        .ok_or_else(missing)?;
    Ok(Target {
        run,
        version_arn: Some(version_arn),
        alias_arn,
    })
}

pub async fn create(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let name = request.str("name")?;
    request.str("definition")?;
    let role = request.str("roleArn")?;
    let kind = machine_type(request)?;
    let publish = request.bool_opt("publish")?.unwrap_or(false);
    let version_description = versions::version_description(request, publish)?;
    names::check(name)?;
    let logging = logging(request.object_opt("loggingConfiguration")?)?;
    let tracing = tracing(request.object_opt("tracingConfiguration")?);
    let encryption = request.object_opt("encryptionConfiguration")?.cloned();
    let definition = definition(request, kind, true)?.unwrap_or_default();
    let arn = service.config.arn(KIND, name);
    let _guard = service.writes.lock().await;
    if let Some(existing) = service.store().resource(KIND, &arn)? {
        // AWS answers an exactly repeated request with the machine it made; any difference,
        // even in the definition's whitespace, is a conflict.
        let same = existing["definition"] == definition
            && existing["roleArn"] == role
            && existing["type"] == kind
            && existing["loggingConfiguration"] == logging
            && existing["tracingConfiguration"] == tracing;
        if !same {
            return Err(ApiError::new(
                "StateMachineAlreadyExists",
                format!("State Machine Already Exists: '{arn}'"),
            ));
        }
        let mut existing = existing;
        let version = if publish {
            Some(versions::publish(service, &mut existing, version_description).await?)
        } else {
            None
        };
        return Ok(members(vec![
            ("stateMachineArn", Some(json!(arn))),
            (
                "creationDate",
                Some(seconds(existing["creationDate"].as_i64().unwrap_or(0))),
            ),
            ("stateMachineVersionArn", version.map(|v| json!(v.arn))),
        ]));
    }
    let now = now_millis();
    let mut record = members(vec![
        ("name", Some(json!(name))),
        ("stateMachineArn", Some(json!(arn))),
        ("type", Some(json!(kind))),
        ("definition", Some(json!(definition))),
        ("roleArn", Some(json!(role))),
        ("loggingConfiguration", Some(logging)),
        ("tracingConfiguration", Some(tracing)),
        ("encryptionConfiguration", encryption.map(Value::Object)),
        ("creationDate", Some(json!(now))),
        ("updateDate", Some(json!(now))),
    ]);
    service
        .store()
        .put_resource(KIND, arn.clone(), record.clone())
        .await?;
    if let Some(given) = request.array_opt("tags")? {
        tags::put(service, &arn, given).await?;
    }
    let version = if publish {
        Some(versions::publish(service, &mut record, version_description).await?)
    } else {
        None
    };
    Ok(members(vec![
        ("stateMachineArn", Some(json!(arn))),
        ("creationDate", Some(seconds(now))),
        ("stateMachineVersionArn", version.map(|v| json!(v.arn))),
    ]))
}

/// What DescribeStateMachine and DescribeStateMachineForExecution share.
pub(crate) fn configuration(
    service: &Service,
    record: &Value,
) -> Vec<(&'static str, Option<Value>)> {
    let definition = record["definition"].as_str().unwrap_or_default();
    let references = variable_references::of_definition(definition);
    let encryption = record.get("encryptionConfiguration").cloned().or_else(|| {
        service
            .config
            .default_encryption
            .then(crate::default_encryption)
    });
    vec![
        ("stateMachineArn", record.get("stateMachineArn").cloned()),
        ("name", record.get("name").cloned()),
        ("definition", Some(json!(definition))),
        ("roleArn", record.get("roleArn").cloned()),
        (
            "loggingConfiguration",
            record.get("loggingConfiguration").cloned(),
        ),
        (
            "tracingConfiguration",
            record.get("tracingConfiguration").cloned(),
        ),
        ("revisionId", record.get("revisionId").cloned()),
        ("encryptionConfiguration", encryption),
        (
            "variableReferences",
            (!references.is_empty()).then_some(Value::Object(references)),
        ),
    ]
}

/// DescribeStateMachine: the state machine, or the version a version ARN names.
pub fn describe(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let parsed = Arn::parse_as(arn, &["stateMachine"])?;
    if parsed
        .qualifier
        .as_deref()
        .and_then(versions::number)
        .is_some()
    {
        return versions::describe(service, arn);
    }
    let record = find(service, arn)?;
    let mut fields = configuration(service, &record);
    fields.extend([
        ("status", Some(json!("ACTIVE"))),
        ("type", record.get("type").cloned()),
        ("creationDate", record["creationDate"].as_i64().map(seconds)),
    ]);
    Ok(members(fields))
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let page = Page::read(request, 1024, "ListStateMachines")?;
    let items = service
        .store()
        .resources(KIND)?
        .iter()
        .map(|r| {
            json!({
                "stateMachineArn": r["stateMachineArn"],
                "name": r["name"],
                "type": r["type"],
                "creationDate": seconds(r["creationDate"].as_i64().unwrap_or(0)),
            })
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(members(vec![
        ("stateMachines", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}

pub async fn update(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let given_definition = request.str_opt("definition")?;
    let role = request.str_opt("roleArn")?;
    let given_logging = request.object_opt("loggingConfiguration")?;
    let given_tracing = request.object_opt("tracingConfiguration")?;
    if given_definition.is_none()
        && role.is_none()
        && given_logging.is_none()
        && given_tracing.is_none()
    {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    let publish = request.bool_opt("publish")?.unwrap_or(false);
    let version_description = versions::version_description(request, publish)?;
    let logging = given_logging.map(|l| logging(Some(l))).transpose()?;
    let _guard = service.writes.lock().await;
    let mut record = find(service, arn)?;
    let kind = record["type"].as_str().unwrap_or("STANDARD").to_owned();
    let definition = definition(request, &kind, false)?;
    let mut changed = false;
    let mut set = |key: &str, value: Value| {
        if record[key] != value {
            record[key] = value;
            changed = true;
        }
    };
    if let Some(definition) = definition {
        set("definition", json!(definition));
    }
    if let Some(role) = role {
        set("roleArn", json!(role));
    }
    if let Some(logging) = logging {
        set("loggingConfiguration", logging);
    }
    if given_tracing.is_some() {
        set("tracingConfiguration", tracing(given_tracing));
    }
    // Only a real change makes a new revision: AWS answers an identical update with the
    // revision it already had.
    if changed {
        record["revisionId"] = json!(uuid());
        record["updateDate"] = json!(now_millis());
    }
    let update_date = record["updateDate"].as_i64().unwrap_or(0);
    let revision = record.get("revisionId").cloned();
    if changed {
        let arn = arn.to_owned();
        service
            .store()
            .put_resource(KIND, arn, record.clone())
            .await?;
    }
    // Publishing is idempotent too: an unchanged machine whose revision has a version
    // answers with that version.
    let version = if publish {
        Some(versions::publish(service, &mut record, version_description).await?)
    } else {
        None
    };
    Ok(members(vec![
        ("updateDate", Some(seconds(update_date))),
        ("revisionId", revision),
        ("stateMachineVersionArn", version.map(|v| json!(v.arn))),
    ]))
}

pub async fn delete(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let parsed = Arn::parse_as(arn, &["stateMachine"])?;
    // Deleting a machine that does not exist succeeds, as in AWS; its running executions
    // are left to finish. Its versions and aliases go with it.
    if parsed.qualifier.is_none() {
        let _guard = service.writes.lock().await;
        for alias in aliases::of_machine(service, arn)? {
            let alias_arn = alias["stateMachineAliasArn"].as_str().unwrap_or_default();
            service
                .store()
                .delete_resource(aliases::KIND, alias_arn.to_owned())
                .await?;
        }
        for version in versions::of_machine(service, arn)? {
            let version_arn = version["stateMachineVersionArn"]
                .as_str()
                .unwrap_or_default();
            service
                .store()
                .delete_resource(versions::KIND, version_arn.to_owned())
                .await?;
        }
        service
            .store()
            .delete_resource(KIND, arn.to_owned())
            .await?;
        service
            .store()
            .delete_resource(tags::KIND, arn.to_owned())
            .await?;
    }
    Ok(empty())
}
