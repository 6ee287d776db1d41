//! A local AWS Step Functions API server: the Step Functions API (AWS JSON 1.0) over the
//! workflow runtime's interpreter, with state machines, executions and their histories kept
//! in a [`Store`] so that they survive a restart.
//!
//! One module per AWS concept: [`protocol`] (the wire format and errors), [`arn`], [`names`],
//! [`pagination`], [`state_machines`], [`versions`], [`aliases`], [`executions`], [`history`],
//! [`tags`], [`activities`], [`map_runs`], [`validate`], [`test_state`]; and [`console`],
//! the web console on the same port.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use workflow_runtime::store::{Store, StoreError};
use workflow_runtime::{Durable, Executor, Resources};

pub mod activities;
pub mod aliases;
pub mod arn;
pub mod console;
pub mod executions;
pub mod history;
pub mod map_runs;
pub mod names;
pub mod pagination;
pub mod protocol;
pub mod sigv4;
pub mod state_machines;
pub mod tags;
pub mod task_tokens;
pub mod tasks;
pub mod test_state;
pub mod validate;
pub mod variable_references;
pub mod versions;

use protocol::{ApiError, Request};
pub use tasks::Tasks;

/// Who the server answers as.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The 12-digit account in every ARN.
    pub account: String,
    /// The region in every ARN.
    pub region: String,
    /// Whether DescribeStateMachine and DescribeActivity show `encryptionConfiguration:
    /// {"type": "AWS_OWNED_KEY"}` for resources created without one, as AWS does since late
    /// 2024 (AWS's answers recorded before then lack it).
    pub default_encryption: bool,
    /// With keys, every request must carry a valid SigV4 signature made with one of them;
    /// without, any signature or none is accepted.
    pub credentials: Option<Arc<sigv4::Credentials>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            account: "123456789012".to_owned(),
            region: "us-east-1".to_owned(),
            default_encryption: true,
            credentials: None,
        }
    }
}

/// The `encryptionConfiguration` AWS shows for a resource created without one.
pub(crate) fn default_encryption() -> Value {
    json!({ "type": "AWS_OWNED_KEY" })
}

impl ServerConfig {
    /// `arn:aws:states:<region>:<account>:<resource_type>:<name>`.
    pub fn arn(&self, resource_type: &str, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:{resource_type}:{name}",
            self.region, self.account
        )
    }
}

/// The Step Functions service: the durable runner, its store, and the server's names.
pub struct Service {
    pub(crate) config: ServerConfig,
    pub(crate) durable: Arc<Durable>,
    /// Where Tasks go; StartExecution accepts the `MockConfigFile`'s test cases after a `#`.
    pub(crate) tasks: Tasks,
    /// Serializes read-modify-write changes of resources (a state machine's update, tags),
    /// so that two concurrent requests cannot lose one another's change.
    pub(crate) writes: tokio::sync::Mutex<()>,
}

impl Service {
    /// A service over `store`, whose Tasks call `resources`; resumes every execution the
    /// store has as `RUNNING` (after a restart: all of them). Must be called within a tokio
    /// runtime, which runs the executions.
    pub async fn open(
        config: ServerConfig,
        store: Arc<dyn Store>,
        resources: Resources,
    ) -> Result<Arc<Service>, StoreError> {
        let tasks = Tasks {
            resources: Arc::new(resources),
            ..Tasks::default()
        };
        Self::open_with_tasks(config, store, tasks).await
    }

    /// A service whose Tasks go to a `MockConfigFile`, a Lambda endpoint and Rust handlers,
    /// as [`tasks`] describes; resumes as [`Service::open`] does.
    pub async fn open_with_tasks(
        config: ServerConfig,
        store: Arc<dyn Store>,
        tasks: Tasks,
    ) -> Result<Arc<Service>, StoreError> {
        let service = Arc::new_cyclic(|service| {
            // Nested executions start the server's own state machines.
            let executor = Executor::new((*tasks.resources).clone())
                .with_executions(Arc::new(executions::NestedExecutions(service.clone())));
            let executor = match &tasks.object_store {
                Some(store) => executor.with_object_store(store.clone()),
                None => executor,
            };
            let for_execution = tasks.clone();
            let durable = Durable::with_resources_for(
                executor,
                store,
                Box::new(move |record| for_execution.for_execution(record)),
            );
            Service {
                config,
                durable,
                tasks,
                writes: tokio::sync::Mutex::new(()),
            }
        });
        service.durable.resume().await?;
        Ok(service)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        self.durable.store()
    }

    /// The server's names.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs one operation on its request members.
    pub async fn call(&self, operation: &str, request: Request) -> Result<Value, ApiError> {
        match operation {
            "CreateStateMachine" => state_machines::create(self, &request).await,
            "DescribeStateMachine" => state_machines::describe(self, &request),
            "ListStateMachines" => state_machines::list(self, &request),
            "UpdateStateMachine" => state_machines::update(self, &request).await,
            "DeleteStateMachine" => state_machines::delete(self, &request).await,
            "PublishStateMachineVersion" => versions::publish_operation(self, &request).await,
            "ListStateMachineVersions" => versions::list(self, &request),
            "DeleteStateMachineVersion" => versions::delete(self, &request).await,
            "CreateStateMachineAlias" => aliases::create(self, &request).await,
            "DescribeStateMachineAlias" => aliases::describe(self, &request),
            "UpdateStateMachineAlias" => aliases::update(self, &request).await,
            "DeleteStateMachineAlias" => aliases::delete(self, &request).await,
            "ListStateMachineAliases" => aliases::list(self, &request),
            "ValidateStateMachineDefinition" => validate::operation(&request),
            "StartExecution" => executions::start(self, &request).await,
            "StartSyncExecution" => executions::start_sync(self, &request).await,
            "DescribeExecution" => executions::describe(self, &request),
            "DescribeStateMachineForExecution" => {
                executions::describe_state_machine_for_execution(self, &request)
            }
            "ListExecutions" => executions::list(self, &request),
            "StopExecution" => executions::stop(self, &request).await,
            "RedriveExecution" => executions::redrive(self, &request).await,
            "ListMapRuns" => map_runs::list(self, &request),
            "DescribeMapRun" => map_runs::describe(self, &request),
            "UpdateMapRun" => map_runs::update(self, &request),
            "GetExecutionHistory" => history::get(self, &request),
            "TagResource" => tags::tag(self, &request).await,
            "UntagResource" => tags::untag(self, &request).await,
            "ListTagsForResource" => tags::list(self, &request),
            "CreateActivity" => activities::create(self, &request).await,
            "DescribeActivity" => activities::describe(self, &request),
            "DeleteActivity" => activities::delete(self, &request).await,
            "ListActivities" => activities::list(self, &request),
            "GetActivityTask" => activities::get_task(self, &request).await,
            "SendTaskSuccess" => task_tokens::success(self, &request),
            "SendTaskFailure" => task_tokens::failure(self, &request),
            "SendTaskHeartbeat" => task_tokens::heartbeat(self, &request),
            "TestState" => test_state::operation(self, &request).await,
            _ => Err(ApiError::new(
                "UnknownOperationException",
                format!("Unknown operation: '{operation}'"),
            )),
        }
    }
}

/// The API's routes: `POST /`, the operation named by `X-Amz-Target`; and the console's
/// (`GET /` and the pages below it), unless the server requires signatures (the console's
/// calls are not signed; [`serve`] serves it then on a loopback address).
pub fn router(service: Arc<Service>) -> Router {
    let access = console::Access::of(&service.config, false);
    router_with(service, access)
}

/// The API's routes and, as `access` says, the console's.
pub fn router_with(service: Arc<Service>, access: console::Access) -> Router {
    console::routes(access, post(handle)).with_state(service)
}

async fn handle(State(service): State<Arc<Service>>, request: axum::extract::Request) -> Response {
    let answer = async {
        let credentials = service.config.credentials.as_deref();
        let (operation, members) = protocol::read_request(credentials, request).await?;
        service.call(&operation, Request(members)).await
    }
    .await;
    match answer {
        Ok(body) => protocol::json_response(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

/// How many connections may wait to be accepted. Tokio's default (1,024) is below what a
/// burst of SDK clients opens at once; past it, the kernel answers new connections with a
/// reset. Linux caps it at `net.core.somaxconn`.
const BACKLOG: u32 = 4096;

/// A listener on `address` (resolved; the first address that binds), with room for a
/// burst of connections.
pub async fn listen(
    address: impl tokio::net::ToSocketAddrs,
) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on");
    for address in tokio::net::lookup_host(address).await? {
        let socket = if address.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(address).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Serves the API and the console on `listener` until the process ends. With credentials,
/// the console is served only when `listener` is on a loopback address.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
) -> std::io::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let access = console::Access::of(&service.config, loopback);
    axum::serve(listener, router_with(service, access)).await
}

/// An object of the members that are present: the API never writes `null`.
pub(crate) fn members(pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut object = serde_json::Map::new();
    for (key, value) in pairs {
        if let Some(value) = value
            && !value.is_null()
        {
            object.insert(key.to_owned(), value);
        }
    }
    Value::Object(object)
}

/// `{}`: the answer of operations with no output.
pub(crate) fn empty() -> Value {
    json!({})
}
