//! State machine aliases: a name (`arn:...:stateMachine:<name>:<alias>`) that routes
//! StartExecution to one version of the state machine, or splits it between two by weight.
//! Kept in the store as resources of kind [`KIND`]: `stateMachineAliasArn`,
//! `stateMachineArn` (the unqualified machine), `name`, `description`,
//! `routingConfiguration` (as AWS returns it), `creationDate` and `updateDate`.

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, now_millis, seconds};
use crate::{Service, empty, members, state_machines, versions};

/// The store's kind for aliases.
pub const KIND: &str = "stateMachineAlias";

/// AWS's quota of aliases per state machine.
const MAX_ALIASES: usize = 100;

const NAME_PATTERN: &str = "^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$";

fn not_found() -> ApiError {
    ApiError::new(
        "ResourceNotFound",
        "Request references a resource that does not exist.",
    )
}

/// The aliases of the state machine `machine_arn`, oldest first.
pub(crate) fn of_machine(service: &Service, machine_arn: &str) -> Result<Vec<Value>, ApiError> {
    let mut aliases: Vec<Value> = service
        .store()
        .resources(KIND)?
        .into_iter()
        .filter(|a| a["stateMachineArn"] == machine_arn)
        .collect();
    aliases.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                v["creationDate"].as_i64().unwrap_or(0),
                v["name"].to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(aliases)
}

/// Whether `alias` routes any executions to the version `version_arn`.
pub(crate) fn routes_to(alias: &Value, version_arn: &str) -> bool {
    alias["routingConfiguration"]
        .as_array()
        .is_some_and(|routes| {
            routes
                .iter()
                .any(|r| r["stateMachineVersionArn"] == version_arn)
        })
}

/// The stored alias `arn_text` names, or `None`.
pub(crate) fn get(service: &Service, arn_text: &str) -> Result<Option<Value>, ApiError> {
    Ok(service.store().resource(KIND, arn_text)?)
}

/// The version an execution started through `alias` runs: the only one, or one of two
/// chosen at random in proportion to their weights.
pub(crate) fn pick_version(alias: &Value) -> String {
    let routes = alias["routingConfiguration"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total: u64 = routes
        .iter()
        .map(|r| r["weight"].as_u64().unwrap_or(0))
        .sum();
    let mut roll = fastrand::u64(0..total.max(1));
    for route in &routes {
        let weight = route["weight"].as_u64().unwrap_or(0);
        if roll < weight {
            return route["stateMachineVersionArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        roll -= weight;
    }
    routes
        .last()
        .and_then(|r| r["stateMachineVersionArn"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A routing configuration as given: one or two versions of one state machine, distinct,
/// each weighted 0–100, the weights summing to 100, the versions existing. Checks in AWS's
/// order (the model's constraints first, all of them in one message) and answers the
/// configuration as AWS returns it and the unqualified state machine ARN.
fn routing(service: &Service, given: &[Value]) -> Result<(Value, String), ApiError> {
    let mut routes = Vec::new();
    for item in given {
        let arn = item
            .get("stateMachineVersionArn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::missing("routingConfiguration.member.stateMachineVersionArn")
            })?;
        let weight = item
            .get("weight")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::missing("routingConfiguration.member.weight"))?;
        routes.push((arn.to_owned(), weight));
    }
    let mut violations = Vec::new();
    let shown = || {
        let items: Vec<String> = routes
            .iter()
            .map(|(arn, weight)| {
                format!(
                    "RoutingConfigurationListItem(stateMachineVersionArn={arn}, weight={weight})"
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    if routes.len() > 2 {
        violations.push(format!(
            "Value '{}' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2",
            shown()
        ));
    }
    if routes.is_empty() {
        violations.push(
            "Value '[]' at 'routingConfiguration' failed to satisfy constraint: Member must have length greater than or equal to 1"
                .to_owned(),
        );
    }
    for (i, (arn, weight)) in routes.iter().enumerate() {
        let at = i + 1;
        if arn.is_empty() || arn.chars().count() > 256 {
            let bound = if arn.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 256"
            };
            violations.push(format!(
                "Value '{arn}' at 'routingConfiguration.{at}.member.stateMachineVersionArn' failed to satisfy constraint: Member must have length {bound}"
            ));
        }
        if *weight > 100 {
            violations.push(format!(
                "Value '{weight}' at 'routingConfiguration.{at}.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"
            ));
        }
        if *weight < 0 {
            violations.push(format!(
                "Value '{weight}' at 'routingConfiguration.{at}.member.weight' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ));
        }
    }
    validation(violations)?;
    let arns: Vec<&str> = routes.iter().map(|(arn, _)| arn.as_str()).collect();
    let received = format!("[{}]", arns.join(", "));
    let parsed: Vec<Option<Arn>> = arns
        .iter()
        .map(|arn| {
            Arn::parse(arn).ok().filter(|a| {
                a.resource_type == "stateMachine"
                    && a.qualifier.as_deref().and_then(versions::number).is_some()
            })
        })
        .collect();
    if parsed.iter().any(Option::is_none) {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Routing configuration must contain state machine version ARNs. Received: {received}"
            ),
        ));
    }
    if arns.len() == 2 && arns[0] == arns[1] {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Routing configuration must contain distinct state machine version ARNs. Received: {received}"
            ),
        ));
    }
    let names: Vec<&str> = parsed.iter().flatten().map(|a| a.name.as_str()).collect();
    if names.windows(2).any(|w| w[0] != w[1]) {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Routing configuration must contain state machine version ARNs of the same state machine. Received: {received}"
            ),
        ));
    }
    if routes.iter().map(|(_, w)| w).sum::<i64>() != 100 {
        let weights: Vec<String> = routes.iter().map(|(_, w)| w.to_string()).collect();
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Sum of routing configuration weights must equal 100. Received: [{}]",
                weights.join(", ")
            ),
        ));
    }
    for arn in &arns {
        if service.store().resource(versions::KIND, arn)?.is_none() {
            return Err(not_found());
        }
    }
    let machine_arn = service.config.arn(state_machines::KIND, names[0]);
    let configuration = routes
        .iter()
        .map(|(arn, weight)| json!({ "stateMachineVersionArn": arn, "weight": weight }))
        .collect();
    Ok((Value::Array(configuration), machine_arn))
}

/// Smithy's message for the constraint violations of a request, if any.
fn validation(violations: Vec<String>) -> Result<(), ApiError> {
    match violations.len() {
        0 => Ok(()),
        1 => Err(ApiError::new(
            "ValidationException",
            format!("1 validation error detected: {}", violations[0]),
        )),
        n => Err(ApiError::new(
            "ValidationException",
            format!("{n} validation errors detected: {}", violations.join("; ")),
        )),
    }
}

/// The alias name: 1–80 characters of letters, digits, `-`, `_` and `.`, not all digits
/// (which would read as a version number).
fn check_name(name: &str) -> Result<(), ApiError> {
    let length = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let mut violations = Vec::new();
    if length > 80 {
        violations.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
        ));
    }
    if length == 0 {
        violations.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ));
    }
    if length > 0 && (!allowed || name.chars().all(|c| c.is_ascii_digit())) {
        violations.push(format!(
            "Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}"
        ));
    }
    validation(violations)
}

fn routing_member(request: &Request) -> Result<Option<&Vec<Value>>, ApiError> {
    request.array_opt("routingConfiguration")
}

pub async fn create(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let name = request.str("name")?;
    let given =
        routing_member(request)?.ok_or_else(|| ApiError::missing("routingConfiguration"))?;
    let description = request.str_len("description", 256)?;
    check_name(name)?;
    let _guard = service.writes.lock().await;
    let (configuration, machine_arn) = routing(service, given)?;
    let machine = state_machines::find(service, &machine_arn)?;
    let arn = format!("{machine_arn}:{name}");
    if let Some(existing) = get(service, &arn)? {
        // The same request again is answered with the alias it made; a different one is a
        // conflict.
        let same = existing["routingConfiguration"] == configuration
            && existing.get("description").and_then(Value::as_str) == description;
        if !same {
            return Err(ApiError::new(
                "ConflictException",
                "Failed to create alias because an alias with the same name and a different routing configuration already exists.",
            ));
        }
        return Ok(json!({
            "stateMachineAliasArn": arn,
            "creationDate": seconds(existing["creationDate"].as_i64().unwrap_or(0)),
        }));
    }
    if of_machine(service, &machine_arn)?.len() >= MAX_ALIASES {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!(
                "Failed to create alias: the state machine {} has {MAX_ALIASES} aliases, the most it may have",
                machine["stateMachineArn"].as_str().unwrap_or_default()
            ),
        ));
    }
    let now = now_millis();
    let record = members(vec![
        ("stateMachineAliasArn", Some(json!(arn))),
        ("stateMachineArn", Some(json!(machine_arn))),
        ("name", Some(json!(name))),
        ("description", description.map(|d| json!(d))),
        ("routingConfiguration", Some(configuration)),
        ("creationDate", Some(json!(now))),
        ("updateDate", Some(json!(now))),
    ]);
    service
        .store()
        .put_resource(KIND, arn.clone(), record)
        .await?;
    Ok(json!({ "stateMachineAliasArn": arn, "creationDate": seconds(now) }))
}

/// The alias ARN member of a request: a state machine ARN qualified with an alias name.
fn alias_arn(request: &Request) -> Result<&str, ApiError> {
    let arn = request
        .str_len("stateMachineAliasArn", 256)?
        .ok_or_else(|| ApiError::missing("stateMachineAliasArn"))?;
    let parsed = Arn::parse_as(arn, &["stateMachine"])?;
    match parsed.qualifier.as_deref() {
        Some(q) if versions::number(q).is_none() => Ok(arn),
        _ => Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Invalid alias ARN: {arn}'"),
        )),
    }
}

pub fn describe(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = alias_arn(request)?;
    let alias = get(service, arn)?.ok_or_else(not_found)?;
    Ok(members(vec![
        (
            "stateMachineAliasArn",
            alias.get("stateMachineAliasArn").cloned(),
        ),
        ("name", alias.get("name").cloned()),
        ("description", alias.get("description").cloned()),
        (
            "routingConfiguration",
            alias.get("routingConfiguration").cloned(),
        ),
        ("creationDate", alias["creationDate"].as_i64().map(seconds)),
        ("updateDate", alias["updateDate"].as_i64().map(seconds)),
    ]))
}

pub async fn update(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = alias_arn(request)?;
    let description = request.str_len("description", 256)?;
    let given = routing_member(request)?;
    if description.is_none() && given.is_none() {
        return Err(ApiError::new(
            "ValidationException",
            "Either the description or the routing configuration must be specified",
        ));
    }
    let _guard = service.writes.lock().await;
    let mut alias = get(service, arn)?.ok_or_else(not_found)?;
    let mut changed = false;
    if let Some(given) = given {
        let (configuration, machine_arn) = routing(service, given)?;
        if alias["stateMachineArn"] != machine_arn.as_str() {
            return Err(ApiError::new(
                "ValidationException",
                format!(
                    "Routing configuration must contain state machine version ARNs of the state machine of the alias: {}",
                    alias["stateMachineArn"].as_str().unwrap_or_default()
                ),
            ));
        }
        changed |= alias["routingConfiguration"] != configuration;
        alias["routingConfiguration"] = configuration;
    }
    if let Some(description) = description {
        changed |= alias["description"] != description;
        alias["description"] = json!(description);
    }
    if changed {
        alias["updateDate"] = json!(now_millis());
    }
    let update_date = alias["updateDate"].as_i64().unwrap_or(0);
    if changed {
        service
            .store()
            .put_resource(KIND, arn.to_owned(), alias)
            .await?;
    }
    Ok(json!({ "updateDate": seconds(update_date) }))
}

/// Deletes an alias (one that does not exist is deleted already); the versions it routes
/// to stay.
pub async fn delete(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = alias_arn(request)?;
    let _guard = service.writes.lock().await;
    service
        .store()
        .delete_resource(KIND, arn.to_owned())
        .await?;
    Ok(empty())
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("stateMachineArn")?;
    let page = Page::read(request, 1024, &format!("ListStateMachineAliases {arn}"))?;
    state_machines::find(service, arn)?;
    let items = of_machine(service, arn)?
        .iter()
        .map(|a| {
            json!({
                "stateMachineAliasArn": a["stateMachineAliasArn"],
                "creationDate": seconds(a["creationDate"].as_i64().unwrap_or(0)),
            })
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(members(vec![
        ("stateMachineAliases", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}
