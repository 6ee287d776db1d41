use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::{Value, json};
use workflow_core::model::{IntOrExpr, Task};
use workflow_core::timestamp::Timestamp;

use crate::data_flow::{Scope, States, Variables, compact, selects_all};
use crate::error::{Failure, names};
use crate::executor::failure_details;
use crate::executor::{Interpreter, StateRun};
use crate::handlers::{Handler, Invocation, Resources, Route, lambda_invoke_envelope};
use crate::history::{Details, EventType, Scheduled, Text};
use crate::limits;
use crate::nested::{self, ChildWait};
use crate::states::recovery::{Attempted, Awaiting, Completion, Recovered, Recovery};
use crate::states::result::{ResultFields, process_result};

/// How one attempt ended.
enum Attempt {
    Succeeded(Value),
    Failed(Failure),
    TimedOut,
}

impl Interpreter<'_> {
    /// Task: `InputPath` -> `Parameters` -> the handler (retried as `Retry` says, each
    /// attempt bounded by `TimeoutSeconds`) -> `ResultSelector` -> `Assign` (reading that
    /// result as `$`) -> `ResultPath` -> `OutputPath`. An error that outlives its retriers
    /// goes to the first matching catcher, whose `ResultPath` places `{Error, Cause}` in the
    /// raw input.
    pub(crate) async fn run_task(
        &self,
        run: &StateRun<'_>,
        task: &Task,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Recovered, Failure> {
        self.recover(
            run,
            Recovery {
                retriers: &task.retry,
                catchers: &task.catch,
                transition: &task.transition,
                gave_up: None,
            },
            &input,
            variables,
            |retry_count| self.task_attempt(run, task, &input, retry_count, variables),
        )
        .await
    }

    /// One attempt, from the raw input to the output.
    async fn task_attempt(
        &self,
        run: &StateRun<'_>,
        task: &Task,
        input: &Value,
        retry_count: u32,
        variables: &Variables<'_>,
    ) -> Result<Attempted, Failure> {
        // A callback's token is in its context object (`$$.Task.Token`), for its parameters
        // to hand out.
        let token = is_callback(&task.resource).then(|| self.task_token(run, retry_count));
        let context = match &token {
            Some(token) => self.context_with_token(run, retry_count, token.clone()),
            None => self.context(run, Some(retry_count)),
        };
        let scope = Scope::new(run, &context, variables);
        if run.jsonata {
            let states = States::input(input);
            let timeout = jsonata_timeout(&scope, task, states)?;
            let payload = match &task.arguments {
                Some(arguments) => scope.evaluate("Arguments", arguments, states)?,
                None => input.clone(),
            };
            let unchanged = task.arguments.is_none();
            run.inspect(|i| i.after_arguments = Some(payload.clone()));
            let result = match self
                .attempt(run, task, (payload, unchanged), timeout, retry_count, token)
                .await
            {
                Ok(result) => result,
                Err(failure) => return Ok(Attempted::Failed(failure)),
            };
            return Ok(
                process_result(&scope, run, task_result_fields(task), input, result)?.into(),
            );
        }
        let effective = scope.input_path(run, &task.common.input_path, input.clone())?;
        let timeout = task_timeout(&scope, task, &effective)?;
        let payload = match &task.parameters {
            Some(template) => scope.template(template, &effective)?,
            None => effective,
        };
        let unchanged = task.parameters.is_none() && selects_all(&task.common.input_path);
        run.inspect(|i| i.after_parameters = Some(payload.clone()));
        let result = match self
            .attempt(run, task, (payload, unchanged), timeout, retry_count, token)
            .await
        {
            Ok(result) => result,
            Err(failure) => return Ok(Attempted::Failed(failure)),
        };
        Ok(process_result(&scope, run, task_result_fields(task), input, result)?.into())
    }

    /// One attempt: the scheduled/started/ended events of the resource's kind, around the
    /// handler call. The handler is the one the resource names, or the mock of a TestState
    /// run.
    ///
    /// `payload` comes with whether it is the state's input unchanged, whose text the
    /// scheduled event then shows as the entered event did.
    async fn attempt(
        &self,
        run: &StateRun<'_>,
        task: &Task,
        (payload, unchanged): (Value, bool),
        timeout: Duration,
        retry_count: u32,
        token: Option<String>,
    ) -> Result<Value, Failure> {
        // TestState's mock is the service's answer: nothing is called, nothing waits.
        if let Some(mock) = run.mock() {
            return mock.outcome();
        }
        let resource = task.resource.as_str();
        // A `.sync` nested execution waits for its child as a callback waits for its token.
        let child_wait = self
            .nested(run, resource)
            .filter(|wait| *wait != nested::Wait::Started);
        if token.is_some() || child_wait.is_some() {
            // The callback's worker, the child (or the clock) has answered: the attempt
            // goes on.
            if let Some(Awaiting {
                completion: Some(completion),
                ..
            }) = run.take_parked()
            {
                let events = [
                    EventType::TaskSucceeded,
                    EventType::TaskFailed,
                    EventType::TaskTimedOut,
                ];
                return self.completed(resource, completion, events);
            }
            // Checked before the call: the integration must not hand out a token (or start
            // a child) nothing will wait for.
            if !self.can_wait(run) {
                let kind = if token.is_some() {
                    "callback"
                } else {
                    "synchronous"
                };
                return Err(needs_durable(kind, resource));
            }
            // The integration's call hands the token out (or starts the child); then the
            // attempt parks. Boxed, as are the other rare ways below (a child execution, an
            // activity): inline, their futures would size every attempt's.
            let submitted = Box::pin(self.dispatch(
                run,
                task,
                (payload, unchanged),
                timeout,
                retry_count,
                true,
            ))
            .await?;
            let child = child_wait.map(|wait| ChildWait {
                arn: submitted["ExecutionArn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                json: wait == nested::Wait::Sync2,
            });
            let token = token.unwrap_or_else(|| self.task_token(run, retry_count));
            let awaiting = self.awaiting(task, token, "", &submitted, timeout, child);
            let events = [
                EventType::TaskSucceeded,
                EventType::TaskFailed,
                EventType::TaskTimedOut,
            ];
            return Box::pin(self.wait_for_token(run, resource, awaiting, events)).await;
        }
        self.dispatch(run, task, (payload, unchanged), timeout, retry_count, false)
            .await
    }

    /// How a parked task ended, as its events say: `succeeded` with the output its worker
    /// sent, `failed` with the error and cause, or `timed_out` (with no cause, as AWS
    /// records a task-token timeout).
    fn completed(
        &self,
        resource: &str,
        completion: Completion,
        [succeeded, failed, timed_out]: [EventType; 3],
    ) -> Result<Value, Failure> {
        let source = states_source(resource);
        match completion {
            Completion::Succeeded(output) => self.finish_attempt(
                Attempt::Succeeded(output),
                resource,
                [succeeded, failed, timed_out],
                source,
            ),
            Completion::Failed { error, cause } => self.finish_attempt(
                Attempt::Failed(Failure { error, cause }),
                resource,
                [succeeded, failed, timed_out],
                source,
            ),
            Completion::TimedOut { error } => {
                let mut details = json!({ "error": error });
                if let Some((resource_type, resource)) = source {
                    details["resourceType"] = json!(resource_type);
                    details["resource"] = json!(resource);
                }
                self.event(timed_out, details);
                Err(Failure {
                    error: Some(error),
                    cause: None,
                })
            }
        }
    }

    /// Calls the task's resource: the scheduled/started/ended events of its kind around
    /// the handler call. For a callback, the call's success is `TaskSubmitted`: the task
    /// itself succeeds when its token is completed.
    async fn dispatch(
        &self,
        run: &StateRun<'_>,
        task: &Task,
        (payload, unchanged): (Value, bool),
        timeout: Duration,
        retry_count: u32,
        callback: bool,
    ) -> Result<Value, Failure> {
        let succeeded = |event| {
            if callback {
                EventType::TaskSubmitted
            } else {
                event
            }
        };
        let resource = task.resource.as_str();
        let mut invocation = Invocation {
            execution_arn: self.executor.execution_arn.to_string(),
            state: run.name.to_owned(),
            entered_event_id: run.entered,
            attempt: retry_count,
            resource: resource.to_owned(),
            function: None,
        };
        // Read where an event or a call shows it (a Lambda ARN's events do not).
        let region = || self.executor.config.region.clone();
        if let Some(starter) = self
            .executor
            .executions
            .clone()
            .filter(|_| self.nested(run, resource).is_some())
        {
            return Box::pin(self.start_child(
                &*starter,
                task,
                payload,
                timeout,
                &invocation,
                region(),
                succeeded,
            ))
            .await;
        }
        let resources = self.executor.resources.clone();
        let find = |name: &str| resources.find(name);
        let payload_text = || {
            if unchanged {
                run.input_text.clone()
            } else {
                Text::from(compact(&payload))
            }
        };
        match Resources::route(resource) {
            Route::LambdaFunction => {
                invocation.function = Some(resource.to_owned());
                self.record(
                    EventType::LambdaFunctionScheduled,
                    Details::LambdaScheduled {
                        resource: resource.to_owned(),
                        input: payload_text(),
                        timeout: timeout.as_secs(),
                    },
                );
                let (_, started) = self.record_at(EventType::LambdaFunctionStarted, Details::None);
                let outcome = match find(resource) {
                    Some(handler) => {
                        self.call(handler, payload, &invocation, (started, timeout))
                            .await
                    }
                    None => Attempt::Failed(self.function_not_found(resource)),
                };
                self.finish_attempt(
                    outcome,
                    resource,
                    [
                        EventType::LambdaFunctionSucceeded,
                        EventType::LambdaFunctionFailed,
                        EventType::LambdaFunctionTimedOut,
                    ],
                    None,
                )
            }
            Route::Activity => {
                Box::pin(self.activity(run, task, payload, timeout, retry_count)).await
            }
            Route::LambdaInvoke => {
                let (service, action) = ("lambda", "invoke");
                self.record(
                    EventType::TaskScheduled,
                    Details::TaskScheduled(Box::new(Scheduled {
                        resource_type: service,
                        resource: action.to_owned(),
                        region: region(),
                        parameters: payload_text(),
                        timeout: timeout.as_secs(),
                    })),
                );
                let (_, started) = self.record_at(
                    EventType::TaskStarted,
                    Details::Resource {
                        resource_type: service,
                        resource: action.to_owned(),
                    },
                );
                let function = payload
                    .get("FunctionName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                invocation.function = Some(function.clone());
                // AWS hands a function with no (or a null) Payload an empty object, and sends a
                // string Payload as the raw request body, so the function sees the JSON the
                // string holds.
                let body = match payload.get("Payload") {
                    None | Some(Value::Null) => json!({}),
                    Some(Value::String(raw)) => {
                        serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.clone()))
                    }
                    Some(body) => body.clone(),
                };
                let outcome = match find(&function) {
                    // A mocked service response is the task's result as it is.
                    Some(handler) if handler.returns_service_response(&invocation) => {
                        self.call(handler, body, &invocation, (started, timeout))
                            .await
                    }
                    Some(handler) => match self
                        .call(handler, body, &invocation, (started, timeout))
                        .await
                    {
                        Attempt::Succeeded(result) => {
                            let date = http_date(self.now());
                            let request_id = self.request_id();
                            if limits::payload_size(&result) > limits::MAX_PAYLOAD_BYTES {
                                Attempt::Failed(Failure::data_limit(service))
                            } else {
                                let log_tail =
                                    payload.get("LogType").and_then(Value::as_str) == Some("Tail");
                                Attempt::Succeeded(lambda_invoke_envelope(
                                    result,
                                    &date,
                                    &request_id,
                                    log_tail,
                                ))
                            }
                        }
                        other => other,
                    },
                    None => Attempt::Failed(self.function_not_found(&function)),
                };
                self.finish_attempt(
                    outcome,
                    service,
                    [
                        succeeded(EventType::TaskSucceeded),
                        EventType::TaskFailed,
                        EventType::TaskTimedOut,
                    ],
                    None,
                )
            }
            Route::Other => {
                self.record(
                    EventType::TaskScheduled,
                    Details::TaskScheduled(Box::new(Scheduled {
                        resource_type: "workflow",
                        resource: resource.to_owned(),
                        region: region(),
                        parameters: payload_text(),
                        timeout: timeout.as_secs(),
                    })),
                );
                let (_, started) = self.record_at(
                    EventType::TaskStarted,
                    Details::Resource {
                        resource_type: "workflow",
                        resource: resource.to_owned(),
                    },
                );
                // A callback's integration may be registered with or without its suffix.
                let base = resource.trim_end_matches(".waitForTaskToken");
                let outcome = match find(resource).or_else(|| find(base)) {
                    Some(handler) => {
                        self.call(handler, payload, &invocation, (started, timeout))
                            .await
                    }
                    None => Attempt::Failed(Failure::new(
                        names::TASK_FAILED,
                        format!("no handler is registered for the resource '{resource}'"),
                    )),
                };
                self.finish_attempt(
                    outcome,
                    resource,
                    [
                        succeeded(EventType::TaskSucceeded),
                        EventType::TaskFailed,
                        EventType::TaskTimedOut,
                    ],
                    None,
                )
            }
        }
    }

    /// An activity task: scheduled, and the attempt parked (a durable point) until a worker
    /// takes it with `GetActivityTask` and completes its token, or it times out; then, when
    /// the attempt goes on, how it ended.
    async fn activity(
        &self,
        run: &StateRun<'_>,
        task: &Task,
        payload: Value,
        timeout: Duration,
        retry_count: u32,
    ) -> Result<Value, Failure> {
        let resource = task.resource.as_str();
        let events = [
            EventType::ActivitySucceeded,
            EventType::ActivityFailed,
            EventType::ActivityTimedOut,
        ];
        if let Some(Awaiting {
            completion: Some(completion),
            ..
        }) = run.take_parked()
        {
            return self.completed(resource, completion, events);
        }
        if !self.can_wait(run) {
            return Err(needs_durable("activity", resource));
        }
        let heartbeat = heartbeat_seconds(task);
        let mut details = json!({ "resource": resource, "input": compact(&payload) });
        if task.timeout_seconds.is_some() || task.timeout_seconds_path.is_some() {
            details["timeoutInSeconds"] = json!(timeout.as_secs());
        }
        if let Some(seconds) = heartbeat {
            details["heartbeatInSeconds"] = json!(seconds);
        }
        self.event(EventType::ActivityScheduled, details);
        let token = self.task_token(run, retry_count);
        let awaiting = self.awaiting(task, token, resource, &payload, timeout, None);
        self.wait_for_token(run, resource, awaiting, events).await
    }

    /// Whether a task can wait for its token here: at the top level of a durable execution
    /// (a durable point), or in a Parallel branch or Map iteration of one (in place).
    fn can_wait(&self, run: &StateRun<'_>) -> bool {
        run.durable || self.executor.runner().is_some()
    }

    /// Waits for a task token to be completed (or for the task to time out). At the top level
    /// of a durable execution the attempt parks, a durable point (see `Awaiting`), and this
    /// returns a failure `recover` never sees: it takes the parked attempt first. In a
    /// Parallel branch or Map iteration it waits in place, its token registered with the
    /// durable runner; after a crash the top-level state runs again, and the task with it,
    /// handing out the same token.
    async fn wait_for_token(
        &self,
        run: &StateRun<'_>,
        resource: &str,
        mut awaiting: Awaiting,
        events: [EventType; 3],
    ) -> Result<Value, Failure> {
        let runner = match self.executor.runner() {
            Some(runner) if !run.durable => runner,
            _ => {
                run.park(awaiting);
                return Err(Failure::new(names::TASK_FAILED, "the task is parked"));
            }
        };
        let execution: &str = &self.executor.execution_arn;
        let mut messages = runner.tokens.register_nested(execution, &awaiting);
        runner.watch_child(execution, Some(&awaiting));
        // Released however the wait ends (its Map iteration aborted, say).
        let _release = Release {
            runner: &runner,
            token: awaiting.token.clone(),
        };
        let clock = self.executor.clock.clone();
        while awaiting.completion.is_none() {
            let left = awaiting.deadline() - clock.now().unix_millis();
            if left <= 0 {
                awaiting.completion = Some(awaiting.timed_out());
                break;
            }
            tokio::select! {
                Some(message) = messages.recv() => {
                    if let Some(started) = awaiting.hear(message, clock.now().unix_millis()) {
                        self.event(EventType::ActivityStarted, started);
                    }
                }
                () = clock.sleep(Duration::from_millis(left as u64)) => {}
            }
        }
        let completion = awaiting
            .completion
            .take()
            .unwrap_or_else(|| awaiting.timed_out());
        self.completed(resource, completion, events)
    }

    /// How a `states:startExecution` task waits, when this executor starts its children
    /// (a handler or mock registered for the resource takes precedence); `None` for any
    /// other task.
    fn nested(&self, run: &StateRun<'_>, resource: &str) -> Option<nested::Wait> {
        self.executor.executions.as_ref()?;
        let wait = nested::wait_of(resource.trim_end_matches(".waitForTaskToken"))?;
        let handled =
            run.mock().is_some() || self.executor.resources.find_registered(resource).is_some();
        (!handled).then_some(wait)
    }

    /// Starts a nested execution: `TaskScheduled` and `TaskStarted` (resource type `states`),
    /// then the `StartExecution` response as the task's result, or its failure.
    #[allow(clippy::too_many_arguments)]
    async fn start_child(
        &self,
        starter: &dyn nested::StartExecution,
        task: &Task,
        payload: Value,
        timeout: Duration,
        invocation: &Invocation,
        region: String,
        succeeded: impl Fn(EventType) -> EventType,
    ) -> Result<Value, Failure> {
        let resource = task.resource.as_str();
        let action = resource
            .strip_prefix("arn:aws:states:::states:")
            .unwrap_or(resource);
        let mut details = json!({ "resourceType": "states", "resource": action, "region": region, "parameters": compact(&payload) });
        if task.timeout_seconds.is_some() || task.timeout_seconds_path.is_some() {
            details["timeoutInSeconds"] = json!(timeout.as_secs());
        }
        self.event(EventType::TaskScheduled, details);
        self.event(
            EventType::TaskStarted,
            json!({ "resourceType": "states", "resource": action }),
        );
        let outcome = match nested::ChildExecution::from_parameters(
            &payload,
            &invocation.execution_arn,
            &invocation.idempotency_key(),
        ) {
            None => Attempt::Failed(Failure::new(
                names::RUNTIME,
                "The field 'StateMachineArn' is required by states:startExecution",
            )),
            Some(child) => match starter.start_execution(child).await {
                Ok(record) => {
                    let date = http_date(self.now());
                    let request_id = self.request_id();
                    Attempt::Succeeded(nested::started_output(&record, &date, &request_id))
                }
                Err(failure) => Attempt::Failed(failure),
            },
        };
        let events = [
            succeeded(EventType::TaskSucceeded),
            EventType::TaskFailed,
            EventType::TaskTimedOut,
        ];
        self.finish_attempt(outcome, "states", events, Some(("states", action)))
    }

    /// The wait of a task for its token: an activity's (`activity` its ARN) until a worker
    /// takes and completes it; a callback's (`activity` empty), whose integration handed
    /// the token out already, with its heartbeat running from now.
    fn awaiting(
        &self,
        task: &Task,
        token: String,
        activity: &str,
        input: &Value,
        timeout: Duration,
        child: Option<ChildWait>,
    ) -> Awaiting {
        let heartbeat = heartbeat_seconds(task);
        let now = self.now().unix_millis();
        let started = activity.is_empty();
        Awaiting {
            token,
            activity: activity.to_owned(),
            input: compact(input),
            worker: None,
            timeout_at: now + timeout.as_millis() as i64,
            heartbeat_seconds: heartbeat,
            heartbeat_at: heartbeat.filter(|_| started).map(|s| now + s as i64 * 1000),
            completion: None,
            child,
        }
    }

    /// Records how an attempt ended; a result over the payload limit fails with
    /// `States.DataLimitExceeded` naming `what`. `source` is the `resourceType` and
    /// `resource` the events name, for the integrations whose events carry them.
    fn finish_attempt(
        &self,
        outcome: Attempt,
        what: &str,
        [succeeded, failed, timed_out]: [EventType; 3],
        source: Option<(&str, &str)>,
    ) -> Result<Value, Failure> {
        let event = |event_type, mut details: Value| {
            if let Some((resource_type, resource)) = source {
                details["resourceType"] = json!(resource_type);
                details["resource"] = json!(resource);
            }
            self.event(event_type, details);
        };
        // The result's text is what the limit measures and what the event shows.
        let failure = match outcome {
            Attempt::Succeeded(result) => match limits::payload_text(&result) {
                Some(text) if text.len() <= limits::MAX_PAYLOAD_BYTES => {
                    let text = Text::from(text);
                    match source {
                        None => {
                            self.record(succeeded, Details::Output(text));
                        }
                        Some(_) => event(succeeded, json!({ "output": &*text })),
                    }
                    return Ok(result);
                }
                _ => Failure::data_limit(what),
            },
            Attempt::Failed(failure) => failure,
            Attempt::TimedOut => {
                event(timed_out, json!({ "error": names::TIMEOUT }));
                return Err(Failure::new(names::TIMEOUT, ""));
            }
        };
        event(failed, failure_details(&failure));
        Err(failure)
    }

    /// Calls a handler, polling its future in place (a spawned task and a timer per attempt
    /// were most of a quick handler's cost): a panic becomes a task failure, and the
    /// timeout, armed only if the handler does not answer at its first poll, abandons it.
    /// `called` is when the attempt's started event says the call was made.
    async fn call(
        &self,
        handler: Arc<dyn Handler>,
        input: Value,
        invocation: &Invocation,
        (called, timeout): (Timestamp, Duration),
    ) -> Attempt {
        // A handler may panic while it builds its future, before any `.await`: caught here,
        // as a panic inside the future is caught by `Isolated`.
        let invoked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handler.invoke(input, invocation)
        }));
        let future = match invoked {
            Ok(future) => future,
            Err(payload) => return panicked(&*payload),
        };
        let mut job = Isolated(future);
        let first = std::future::poll_fn(|cx| {
            Poll::Ready(match Pin::new(&mut job).poll(cx) {
                Poll::Ready(attempt) => Some(attempt),
                Poll::Pending => None,
            })
        })
        .await;
        // A handler that computed past its timeout without an `.await` (no timer can fire
        // while it holds the thread) timed out all the same.
        let overran =
            || self.now().unix_millis() - called.unix_millis() > timeout.as_millis() as i64;
        if let Some(attempt) = first {
            return if overran() {
                Attempt::TimedOut
            } else {
                attempt
            };
        }
        // The timeout counts from the call, as it would have on a timer armed before it.
        let spent = (self.now().unix_millis() - called.unix_millis()).max(0) as u64;
        let timer = self
            .executor
            .clock
            .sleep(timeout.saturating_sub(Duration::from_millis(spent)));
        tokio::select! {
            attempt = job => if overran() { Attempt::TimedOut } else { attempt },
            // Dropping the handler's future abandons it.
            () = timer => Attempt::TimedOut,
        }
    }

    fn function_not_found(&self, function: &str) -> Failure {
        let config = &self.executor.config;
        let name = crate::handlers::lambda_function_name(function)
            .unwrap_or(function)
            .to_owned();
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{name}:$LATEST",
            config.region, config.account
        );
        let request_id = self.request_id();
        Failure::new(
            "Lambda.ResourceNotFoundException",
            format!(
                "Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: {request_id}; Proxy: null)"
            ),
        )
    }

    /// A request id in the form AWS uses (a UUID), from the execution's random source.
    fn request_id(&self) -> String {
        self.uuid()
    }
}

/// `HeartbeatSeconds`, when written as a number (`HeartbeatSecondsPath` and JSONata
/// expressions are not read for task tokens yet).
fn heartbeat_seconds(task: &Task) -> Option<u64> {
    match task.heartbeat_seconds {
        Some(IntOrExpr::Int(seconds)) => Some(seconds),
        _ => None,
    }
}

/// Releases a nested task's token when its wait ends.
struct Release<'a> {
    runner: &'a crate::Durable,
    token: String,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.runner.tokens.release(&self.token);
    }
}

/// The failure of a task-token task outside a durable execution.
fn needs_durable(kind: &str, resource: &str) -> Failure {
    Failure::new(
        names::TASK_FAILED,
        format!(
            "the {kind} task '{resource}' needs a durable execution (workflow_runtime::Durable, or workflow serve), which completes its task token; it cannot run in a plain Executor run or in TestState"
        ),
    )
}

/// The `resourceType` and `resource` the end events of a `states:` integration name.
fn states_source(resource: &str) -> Option<(&'static str, &str)> {
    resource
        .strip_prefix("arn:aws:states:::states:")
        .map(|action| ("states", action))
}

/// Whether a Task waits for a task token after its call (`.waitForTaskToken`).
fn is_callback(resource: &str) -> bool {
    resource.ends_with(".waitForTaskToken")
}

/// `TimeoutSeconds`, or `TimeoutSecondsPath` read from the effective input, the context
/// object or a variable; `HeartbeatSecondsPath` is read too, for its errors (heartbeats
/// read only `HeartbeatSeconds` for now).
fn task_timeout(scope: &Scope<'_>, task: &Task, effective: &Value) -> Result<Duration, Failure> {
    let seconds = match (&task.timeout_seconds, &task.timeout_seconds_path) {
        (Some(IntOrExpr::Int(n)), _) => *n,
        (_, Some(path)) => seconds_path(scope, "TimeoutSecondsPath", path, effective)?,
        _ => limits::DEFAULT_TASK_TIMEOUT_SECONDS,
    };
    if let Some(path) = &task.heartbeat_seconds_path {
        seconds_path(scope, "HeartbeatSecondsPath", path, effective)?;
    }
    Ok(Duration::from_secs(seconds))
}

/// A Task's `TimeoutSecondsPath` or `HeartbeatSecondsPath`: a positive integer number of
/// seconds, at most the 99999999 that `TimeoutSeconds` and `HeartbeatSeconds` allow. Whatever
/// else it selects (nothing, a fraction, zero, a negative number, a string, a number past
/// that) fails the state with AWS's cause for it.
fn seconds_path(
    scope: &Scope<'_>,
    field: &str,
    path: &str,
    effective: &Value,
) -> Result<u64, Failure> {
    let parsed = scope.path(path)?;
    let value = parsed.read(scope.document(&parsed, effective)?);
    value
        .as_ref()
        .and_then(Value::as_u64)
        .filter(|n| (1..=limits::MAX_TASK_SECONDS).contains(n))
        .ok_or_else(|| {
            scope.runtime(format!(
                "The {field} parameter does not reference a positive integer: {path}"
            ))
        })
}

/// `TimeoutSeconds` (and `HeartbeatSeconds`, evaluated for its errors only: heartbeats are
/// not modelled) of a JSONata task: a number or an expression that gives a positive integer.
fn jsonata_timeout(
    scope: &Scope<'_>,
    task: &Task,
    states: States<'_>,
) -> Result<Duration, Failure> {
    let seconds = |field: &str, value: &Option<IntOrExpr>| -> Result<Option<u64>, Failure> {
        match value {
            None => Ok(None),
            Some(IntOrExpr::Int(n)) => Ok(Some(*n)),
            Some(IntOrExpr::Expr(text)) => {
                let value =
                    scope.evaluate_typed(field, &Value::String(text.clone()), states, "number")?;
                match value
                    .as_u64()
                    .filter(|n| (1..=limits::MAX_TASK_SECONDS).contains(n))
                {
                    Some(n) => Ok(Some(n)),
                    None => Err(scope.query_error(format!(
                        "The JSONata expression '{}' specified for the field '{field}' returned an unexpected result type. Expected 'positive integer', but was '{value}'",
                        crate::data_flow::expression_text(text)
                    ))),
                }
            }
        }
    };
    let timeout = seconds("TimeoutSeconds", &task.timeout_seconds)?;
    seconds("HeartbeatSeconds", &task.heartbeat_seconds)?;
    Ok(Duration::from_secs(
        timeout.unwrap_or(limits::DEFAULT_TASK_TIMEOUT_SECONDS),
    ))
}

/// A handler's future, polled on the execution's task: a panic in a poll fails the attempt
/// with `States.TaskFailed`, as it would on a task of its own, instead of the execution. The
/// future is never polled again after it panicked (or answered).
struct Isolated(crate::handlers::HandlerFuture);

impl Future for Isolated {
    type Output = Attempt;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Attempt> {
        let polled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.0.as_mut().poll(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(result))) => Poll::Ready(Attempt::Succeeded(result)),
            Ok(Poll::Ready(Err(error))) => Poll::Ready(Attempt::Failed(error.into())),
            Err(payload) => Poll::Ready(panicked(&*payload)),
        }
    }
}

/// The failure of an attempt whose handler panicked.
fn panicked(payload: &(dyn std::any::Any + Send)) -> Attempt {
    Attempt::Failed(Failure::new(
        names::TASK_FAILED,
        format!("the handler panicked: {}", panic_message(payload)),
    ))
}

/// A panic's message, when it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// An HTTP `Date` header value for an instant: `Mon, 01 Jan 2024 00:00:00 GMT`.
fn http_date(t: workflow_core::timestamp::Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = t.to_string();
    let weekday = DAYS[(t.seconds.div_euclid(86_400).rem_euclid(7)) as usize];
    let month = iso[5..7].parse::<usize>().unwrap_or(1).clamp(1, 12);
    format!(
        "{weekday}, {} {} {} {} GMT",
        &iso[8..10],
        MONTHS[month - 1],
        &iso[0..4],
        &iso[11..19]
    )
}

fn task_result_fields(task: &Task) -> ResultFields<'_> {
    ResultFields {
        common: &task.common,
        result_selector: &task.result_selector,
        result_path: &task.result_path,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::states::test_support::run_with;
    use crate::{Mock, Resources, Status};

    #[tokio::test(start_paused = true)]
    async fn assign_reads_the_selected_result_and_timeout_reads_a_variable() {
        let resources =
            Resources::new().register("get", Mock::new().returns(json!({ "id": 7, "noise": 1 })));
        let definition = json!({ "StartAt": "Init", "States": {
            "Init": { "Type": "Pass", "Assign": { "timeout": 5 }, "Next": "T" },
            "T": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:get",
                "TimeoutSecondsPath": "$timeout",
                "ResultSelector": { "ident.$": "$.id" },
                "Assign": { "id.$": "$.ident" }, "ResultPath": null, "Next": "U" },
            "U": { "Type": "Pass", "Parameters": { "id.$": "$id" }, "End": true }
        } });
        let outcome = run_with(resources, definition, json!({})).await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(outcome.output, Some(json!({ "id": 7 })));
        let scheduled = outcome
            .history
            .events()
            .iter()
            .find_map(|e| e.detail("timeoutInSeconds").cloned());
        assert_eq!(scheduled, Some(json!(5)));
    }
}
