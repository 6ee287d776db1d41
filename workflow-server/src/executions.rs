//! Executions: StartExecution (durable, through the runtime's [`workflow_runtime::Durable`]),
//! StartSyncExecution (Express, in memory), Describe, DescribeStateMachineForExecution, List
//! and Stop.
//!
//! An execution keeps, in its record's attributes, the configuration of its state machine
//! when it started (`stateMachine`), so that later updates and deletion do not change what
//! DescribeStateMachineForExecution shows.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Value, json};
use workflow_runtime::asl::StateMachine;
use workflow_runtime::nested::{ChildExecution, StartExecution};
use workflow_runtime::store::{ExecutionRecord, Started};
use workflow_runtime::{
    DurableError, ExecutionConfig, ExecutionInput, Failure, RedriveError, StartError, StartRequest,
    Status,
};

use crate::arn::Arn;
use crate::pagination::Page;
use crate::protocol::{ApiError, Request, now_millis, seconds, uuid};
use crate::state_machines::{self, configuration};
use crate::{Service, aliases, members, names, versions};

/// The largest input AWS accepts, in characters.
const MAX_INPUT: usize = 262_144;

/// The attribute of an execution's record naming the version it runs, if started by a
/// version or an alias.
pub(crate) const VERSION: &str = "stateMachineVersionArn";
/// The attribute naming the alias an execution was started through.
pub(crate) const ALIAS: &str = "stateMachineAliasArn";

const STATUSES: &str = "[SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]";

/// The execution's name (a UUID when none is given) and its parsed input, measured as sent.
fn name_and_input(request: &Request) -> Result<(String, ExecutionInput), ApiError> {
    let name = match request.str_opt("name")? {
        Some(name) => {
            names::check(name)?;
            name.to_owned()
        }
        None => uuid(),
    };
    let text = request.str_opt("input")?.unwrap_or("{}");
    if text.len() > MAX_INPUT {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {MAX_INPUT}"
            ),
        ));
    }
    let input = ExecutionInput::from_json(text).map_err(|e| {
        ApiError::new(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    })?;
    Ok((name, input))
}

fn start_error(error: StartError) -> ApiError {
    match error {
        StartError::InputTooLarge(_) => ApiError::new("InvalidExecutionInput", error.to_string()),
        StartError::InvalidDefinition(_) => ApiError::new("InvalidDefinition", error.to_string()),
    }
}

/// The names an execution of `machine` runs with; an Express one gets its own id, which
/// ends its `express:` ARN (so that names may repeat, as AWS lets them for Express).
fn config(service: &Service, machine: &Value, name: &str) -> ExecutionConfig {
    ExecutionConfig {
        name: name.to_owned(),
        state_machine_name: machine["name"].as_str().unwrap_or_default().to_owned(),
        region: service.config.region.clone(),
        account: service.config.account.clone(),
        role_arn: machine["roleArn"].as_str().unwrap_or_default().to_owned(),
        express_id: (machine["type"] == "EXPRESS").then(uuid),
        ..ExecutionConfig::default()
    }
}

/// The state machine ARN of a start, and the `MockConfigFile` test case after its `#`
/// (Step Functions Local's convention), which must exist.
fn machine_and_test_case<'r>(
    service: &Service,
    request: &'r Request,
) -> Result<(&'r str, Option<&'r str>), ApiError> {
    let text = request.str("stateMachineArn")?;
    let Some((machine_arn, case)) = text.split_once('#') else {
        return Ok((text, None));
    };
    let name = Arn::parse(machine_arn)?.name;
    let name = name.as_str();
    match &service.tasks.mock_config {
        Some(config) if config.has_test_case(name, case) => Ok((machine_arn, Some(case))),
        Some(_) => Err(ApiError::new(
            "ValidationException",
            format!("Test case {case} is not in the mock configuration of state machine {name}"),
        )),
        None => Err(ApiError::new(
            "ValidationException",
            format!(
                "Test case {case} was given, but the server has no mock configuration (--mock-config)"
            ),
        )),
    }
}

/// StartExecution on a state machine, a version or an alias: runs the configuration the
/// ARN resolves to, records the version and alias it came through, and lists the
/// execution under the unqualified state machine (its ARN names no version).
pub async fn start(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let (machine_arn, test_case) = machine_and_test_case(service, request)?;
    let (name, input) = name_and_input(request)?;
    let trace_header = request.str_opt("traceHeader")?;
    let record =
        start_execution(service, machine_arn, test_case, name, input, trace_header).await?;
    Ok(json!({ "executionArn": record.arn, "startDate": seconds(record.start_date) }))
}

/// Starts an execution (StartExecution's work, also a nested execution's start).
async fn start_execution(
    service: &Service,
    machine_arn: &str,
    test_case: Option<&str>,
    name: String,
    input: ExecutionInput,
    trace_header: Option<&str>,
) -> Result<ExecutionRecord, ApiError> {
    let target = state_machines::resolve(service, machine_arn)?;
    let machine = &target.run;
    let mut snapshot = machine.clone();
    if let Some(header) = trace_header {
        snapshot["traceHeader"] = json!(header);
    }
    let mut attributes = json!({ "stateMachine": snapshot });
    if let Some(version) = &target.version_arn {
        attributes[VERSION] = json!(version);
    }
    if let Some(alias) = &target.alias_arn {
        attributes[ALIAS] = json!(alias);
    }
    if let Some(case) = test_case {
        attributes[crate::tasks::TEST_CASE] = json!(case);
    }
    let start = StartRequest {
        config: config(service, machine, &name),
        state_machine_arn: machine["stateMachineArn"]
            .as_str()
            .unwrap_or(machine_arn)
            .to_owned(),
        definition: machine["definition"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        input: input.clone(),
        attributes,
    };
    let (record, started) = service.durable.start(start).await.map_err(|e| match e {
        DurableError::Start(e) => start_error(e),
        DurableError::Store(e) => ApiError::from(e),
    })?;
    if let Started::Existing(existing) = &started {
        // AWS starts a name once: the same request while it runs is answered with it, any
        // other is a conflict.
        let same_input =
            serde_json::from_str::<Value>(&existing.input).ok().as_ref() == Some(input.value());
        if !same_input || existing.status != Status::Running {
            return Err(ApiError::new(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{}'", existing.arn),
            ));
        }
    }
    Ok(record)
}

/// Starts the executions that `states:startExecution` tasks ask for, as StartExecution
/// does; a refusal fails the task with the error AWS's integration gives
/// (`StepFunctions.<code>Exception`, the message with the service's details as the cause).
pub(crate) struct NestedExecutions(pub(crate) std::sync::Weak<Service>);

impl StartExecution for NestedExecutions {
    fn start_execution(
        &self,
        child: ChildExecution,
    ) -> Pin<Box<dyn Future<Output = Result<ExecutionRecord, Failure>> + Send + '_>> {
        Box::pin(async move {
            let service = self
                .0
                .upgrade()
                .ok_or_else(|| Failure::new("States.TaskFailed", "the server is shutting down"))?;
            names::check(&child.name).map_err(integration_failure)?;
            start_execution(
                &service,
                &child.state_machine_arn,
                None,
                child.name,
                child.input.into(),
                None,
            )
            .await
            .map_err(integration_failure)
        })
    }
}

fn integration_failure(error: ApiError) -> Failure {
    Failure::new(
        format!("StepFunctions.{}Exception", error.code),
        format!(
            "{} (Service: AWSStepFunctions; Status Code: 400; Error Code: {}; Request ID: {}; Proxy: null)",
            error.message,
            error.code,
            uuid()
        ),
    )
}

pub async fn start_sync(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let (machine_arn, test_case) = machine_and_test_case(service, request)?;
    let machine = state_machines::resolve(service, machine_arn)?.run;
    if machine["type"] != "EXPRESS" {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let (name, input) = name_and_input(request)?;
    let definition = machine["definition"].as_str().unwrap_or_default();
    let parsed =
        StateMachine::from_json_str_as(definition, crate::validate::machine_type_of(&machine))
            .map_err(|e| ApiError::new("InvalidDefinition", e.to_string()))?;
    let config = config(service, &machine, &name);
    let arn = config.execution_arn();
    let mut executor = service.durable.executor().clone().with_config(config);
    let machine_name = machine["name"].as_str().unwrap_or_default();
    if let Some(resources) = service.tasks.for_test_case(machine_name, test_case) {
        executor = executor.with_resources(resources);
    }
    let started = now_millis();
    let outcome = executor
        .start(Arc::new(parsed), input.clone())
        .map_err(start_error)?
        .run()
        .await;
    let stopped = now_millis();
    // AWS bills at least 100 ms, in 100 ms steps.
    let billed = ((stopped - started).max(1) as u64).div_ceil(100) * 100;
    Ok(members(vec![
        ("executionArn", Some(json!(arn))),
        ("stateMachineArn", Some(json!(machine_arn))),
        ("name", Some(json!(name))),
        ("startDate", Some(seconds(started))),
        ("stopDate", Some(seconds(stopped))),
        ("status", Some(json!(outcome.status.as_str()))),
        ("input", Some(json!(compact(input.value())))),
        ("inputDetails", Some(json!({ "included": true }))),
        ("output", outcome.output.as_ref().map(|o| json!(compact(o)))),
        ("outputDetails", Some(json!({ "included": true }))),
        ("error", outcome.error.map(Value::String)),
        ("cause", outcome.cause.map(Value::String)),
        (
            "traceHeader",
            request.str_opt("traceHeader")?.map(|h| json!(h)),
        ),
        (
            "billingDetails",
            Some(json!({ "billedDurationInMilliseconds": billed, "billedMemoryUsedInMB": 64 })),
        ),
    ]))
}

fn compact(value: &Value) -> String {
    value.to_string()
}

/// The stored execution named by `arn_text`.
pub(crate) fn find(service: &Service, arn_text: &str) -> Result<ExecutionRecord, ApiError> {
    let arn = Arn::parse_as(arn_text, &["execution", "express"])?;
    let missing = || {
        ApiError::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn_text}'"),
        )
    };
    if arn.resource_type == "express" {
        return Err(missing());
    }
    service.store().execution(arn_text)?.ok_or_else(missing)
}

/// Whether the execution can be redriven now; why not, if not.
fn redrivability(service: &Service, record: &ExecutionRecord) -> Result<(), ApiError> {
    let events = service.store().event_count(&record.arn)? as usize;
    workflow_runtime::redrivable(record, events, now_millis())
        .map_err(|reason| ApiError::new("ExecutionNotRedrivable", reason.to_string()))?;
    // A deleted state machine's executions cannot be redriven.
    state_machines::find(service, &base_machine(record)).map_err(|_| {
        ApiError::new(
            "ExecutionNotRedrivable",
            "State machine is in DELETING status",
        )
    })?;
    Ok(())
}

/// `RedriveExecution`: restarts a FAILED, TIMED_OUT or ABORTED execution from the state it
/// ended in (see [`workflow_runtime::Durable::redrive`]).
///
/// `clientToken` is checked but not remembered: a retried request after a redrive that
/// succeeded gets `ExecutionNotRedrivable` (the execution is running), not the first answer.
pub async fn redrive(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("executionArn")?;
    if let Some(token) = request.str_len("clientToken", 64)?
        && token.is_empty()
    {
        return Err(ApiError::constraint(
            "clientToken",
            token,
            "Member must have length greater than or equal to 1",
        ));
    }
    let record = find(service, arn)?;
    redrivability(service, &record)?;
    let record = service.durable.redrive(arn).await.map_err(|e| match e {
        RedriveError::DoesNotExist(_) => ApiError::new("ExecutionDoesNotExist", e.to_string()),
        RedriveError::NotRedrivable(reason) => {
            ApiError::new("ExecutionNotRedrivable", reason.to_string())
        }
        RedriveError::Store(e) => e.into(),
    })?;
    Ok(json!({ "redriveDate": seconds(record.redrive_date.unwrap_or_else(now_millis)) }))
}

/// The base state machine an execution ran (its record may name a version).
pub(crate) fn base_machine(record: &ExecutionRecord) -> String {
    record.attributes["stateMachine"]["stateMachineArn"]
        .as_str()
        .map_or_else(|| record.state_machine_arn.clone(), str::to_owned)
}

pub fn describe(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let record = find(service, request.str("executionArn")?)?;
    let (redrive_status, reason) = match redrivability(service, &record) {
        Ok(()) => ("REDRIVABLE", None),
        Err(not) => ("NOT_REDRIVABLE", Some(not.message)),
    };
    let succeeded = record.status == Status::Succeeded;
    Ok(members(vec![
        ("executionArn", Some(json!(record.arn))),
        ("stateMachineArn", Some(json!(base_machine(&record)))),
        ("name", Some(json!(record.name))),
        ("status", Some(json!(record.status.as_str()))),
        ("startDate", Some(seconds(record.start_date))),
        ("stopDate", record.stop_date.map(seconds)),
        ("input", Some(json!(record.input))),
        ("inputDetails", Some(json!({ "included": true }))),
        (
            "output",
            record
                .output
                .clone()
                .filter(|_| succeeded)
                .map(Value::String),
        ),
        (
            "outputDetails",
            succeeded.then(|| json!({ "included": true })),
        ),
        ("error", record.error.clone().map(Value::String)),
        ("cause", record.cause.clone().map(Value::String)),
        (
            "traceHeader",
            record.attributes["stateMachine"]
                .get("traceHeader")
                .cloned(),
        ),
        ("redriveCount", Some(json!(record.redrive_count))),
        ("redriveDate", record.redrive_date.map(seconds)),
        (
            "stateMachineVersionArn",
            record.attributes.get(VERSION).cloned(),
        ),
        (
            "stateMachineAliasArn",
            record.attributes.get(ALIAS).cloned(),
        ),
        ("redriveStatus", Some(json!(redrive_status))),
        ("redriveStatusReason", reason.map(Value::String)),
    ]))
}

pub fn describe_state_machine_for_execution(
    service: &Service,
    request: &Request,
) -> Result<Value, ApiError> {
    let record = find(service, request.str("executionArn")?)?;
    let snapshot = &record.attributes["stateMachine"];
    let mut fields = configuration(service, snapshot);
    fields.push(("updateDate", snapshot["updateDate"].as_i64().map(seconds)));
    Ok(members(fields))
}

pub fn list(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let page_token_max = 3096;
    let machine_arn = request.str_opt("stateMachineArn")?;
    let filter = match request.str_opt("statusFilter")? {
        None => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::constraint(
                "statusFilter",
                text,
                &format!("Member must satisfy enum value set: {STATUSES}"),
            )
        })?),
    };
    let redriven = match request.str_opt("redriveFilter")? {
        None => None,
        Some("REDRIVEN") => Some(true),
        Some("NOT_REDRIVEN") => Some(false),
        Some(text) => {
            return Err(ApiError::constraint(
                "redriveFilter",
                text,
                "Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]",
            ));
        }
    };
    let page = Page::read(
        request,
        page_token_max,
        &format!(
            "ListExecutions {} {} {redriven:?}",
            machine_arn.unwrap_or_default(),
            filter.map_or("", |s| s.as_str())
        ),
    )?;
    let Some(machine_arn) = machine_arn else {
        return Err(ApiError::new(
            "ValidationException",
            "Must provide a StateMachine ARN or MapRun ARN",
        ));
    };
    // A version or alias ARN lists the executions started through it.
    let parsed = Arn::parse_as(machine_arn, &["stateMachine"])?;
    let base = service.config.arn(state_machines::KIND, &parsed.name);
    let through = match parsed.qualifier.as_deref() {
        None => None,
        Some(q) if versions::number(q).is_some() => {
            versions::find(service, machine_arn)?;
            Some(VERSION)
        }
        Some(_) => {
            aliases::get(service, machine_arn)?.ok_or_else(|| {
                ApiError::new(
                    "StateMachineDoesNotExist",
                    format!("State Machine Does Not Exist: '{machine_arn}'"),
                )
            })?;
            Some(ALIAS)
        }
    };
    let machine = state_machines::find(service, &base)?;
    if machine["type"] == "EXPRESS" {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let items = service
        .store()
        .executions(Some(&base))?
        .into_iter()
        .filter(|r| filter.is_none_or(|s| r.status == s))
        .filter(|r| redriven.is_none_or(|redriven| (r.redrive_count > 0) == redriven))
        .filter(|r| through.is_none_or(|key| r.attributes.get(key) == Some(&json!(machine_arn))))
        .map(|r| {
            members(vec![
                ("executionArn", Some(json!(r.arn))),
                ("stateMachineArn", Some(json!(base_machine(&r)))),
                ("name", Some(json!(r.name))),
                ("status", Some(json!(r.status.as_str()))),
                ("startDate", Some(seconds(r.start_date))),
                ("stopDate", r.stop_date.map(seconds)),
                ("redriveCount", Some(json!(r.redrive_count))),
                ("redriveDate", r.redrive_date.map(seconds)),
                ("stateMachineVersionArn", r.attributes.get(VERSION).cloned()),
                ("stateMachineAliasArn", r.attributes.get(ALIAS).cloned()),
            ])
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(members(vec![
        ("executions", Some(Value::Array(items))),
        ("nextToken", next.map(Value::String)),
    ]))
}

pub async fn stop(service: &Service, request: &Request) -> Result<Value, ApiError> {
    let arn = request.str("executionArn")?;
    let error = request.str_len("error", 256)?.map(str::to_owned);
    let cause = request.str_len("cause", 32768)?.map(str::to_owned);
    find(service, arn)?;
    let record = service
        .durable
        .stop(arn, error, cause)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                "ExecutionDoesNotExist",
                format!("Execution Does Not Exist: '{arn}'"),
            )
        })?;
    Ok(json!({ "stopDate": seconds(record.stop_date.unwrap_or_else(now_millis)) }))
}
