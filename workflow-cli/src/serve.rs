//! `workflow serve`: the local AWS Step Functions API server (`workflow-server`) on a SQLite
//! store, so that state machines and executions survive a restart.
//!
//! ```text
//! workflow serve [--port 8083] [--host 127.0.0.1] [--db ./workflow.db]
//!                [--account 123456789012] [--region us-east-1] [--credentials FILE]
//!                [--s3-dir DIR]
//! ```
//!
//! Point an AWS SDK or the AWS CLI at it with `--endpoint-url http://127.0.0.1:8083`, and a
//! browser at `http://127.0.0.1:8083/` for the web console (with `--credentials`, served
//! on a loopback address only).
//! Executions left `RUNNING` by a previous process resume on start. With `--credentials`,
//! every request must be signed (SigV4) with one of the file's keys. Exit code 2 when the
//! store or the credentials file cannot be read, the `--s3-dir` is not a directory, or the
//! address cannot be bound.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use workflow_runtime::mock_config::MockConfig;
use workflow_runtime::store::SqliteStore;
use workflow_runtime::{LocalS3, ObjectStore, Resources};
use workflow_server::sigv4::Credentials;
use workflow_server::{ServerConfig, Service, Tasks};

/// Arguments of `workflow serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port to listen on.
    #[arg(long, default_value_t = 8083)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The SQLite file that keeps state machines and executions (created when missing).
    #[arg(long, value_name = "FILE", default_value = "./workflow.db")]
    pub db: PathBuf,
    /// The account id in every ARN.
    #[arg(long, default_value = "123456789012")]
    pub account: String,
    /// The region in every ARN.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Step Functions Local's `MockConfigFile`: an execution started with
    /// `<state machine ARN>#<test case>` answers the states its test case names with their
    /// mocked responses.
    #[arg(long, value_name = "FILE")]
    pub mock_config: Option<PathBuf>,
    /// A Task `Resource` whose tasks run at most once per attempt (repeatable): each attempt
    /// is committed before it runs, and one under way when the server died fails with
    /// `Workflow.TaskInterrupted` after the restart instead of running again. Other tasks
    /// run at least once, with a stable idempotency key.
    #[arg(long, value_name = "RESOURCE")]
    pub at_most_once: Vec<String>,
    /// An endpoint of the Lambda Invoke API (`cargo lambda watch`, `sam local
    /// start-lambda`, ...) that Lambda Tasks not mocked call, such as http://127.0.0.1:9001.
    #[arg(long, value_name = "URL")]
    pub lambda_endpoint: Option<String>,
    /// Leave `encryptionConfiguration` out of DescribeStateMachine and DescribeActivity for
    /// resources created without one, as AWS did before late 2024 (today it shows
    /// `{"type": "AWS_OWNED_KEY"}`).
    #[arg(long)]
    pub no_default_encryption: bool,
    /// Require AWS Signature Version 4 on every request, made with a key from FILE: one
    /// `ACCESS_KEY_ID SECRET` pair per line (blank lines and `#` comments ignored). Without
    /// it, any signature or none is accepted.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// A directory standing in for Amazon S3, one sub-directory per bucket: distributed
    /// Maps' `ItemReader` reads objects from it and `ResultWriter` writes results to it.
    /// A local stand-in for trying workflows, not an S3 implementation.
    #[arg(long, value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
}

/// Runs `workflow serve` until the process is killed.
pub fn main(args: Args) -> ExitCode {
    // Warnings and errors of the runtime (a commit that failed, say) on standard error.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> ExitCode {
    // Read before the store is opened: a typo in the file must not start an open server.
    let credentials = match &args.credentials {
        None => None,
        Some(path) => match Credentials::load(path) {
            Ok(credentials) => Some(Arc::new(credentials)),
            Err(e) => {
                eprintln!("error: cannot read credentials {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let object_store = match &args.s3_dir {
        None => None,
        Some(dir) if dir.is_dir() => Some(Arc::new(LocalS3::new(dir)) as Arc<dyn ObjectStore>),
        Some(dir) => {
            eprintln!("error: --s3-dir {} is not a directory", dir.display());
            return ExitCode::from(2);
        }
    };
    let store = match SqliteStore::open(&args.db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", args.db.display());
            return ExitCode::from(2);
        }
    };
    let config = ServerConfig {
        account: args.account,
        region: args.region,
        default_encryption: !args.no_default_encryption,
        credentials,
    };
    let mock_config = match &args.mock_config {
        None => None,
        Some(path) => {
            let parsed = crate::source::read_text(path, &path.display().to_string())
                .map_err(|e| e.to_string())
                .and_then(|text| MockConfig::from_json_str(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(config) => Some(Arc::new(config)),
                Err(e) => {
                    eprintln!("error: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
    };
    let tasks = Tasks {
        mock_config,
        lambda_endpoint: args.lambda_endpoint,
        resources: Arc::new(
            args.at_most_once
                .iter()
                .fold(Resources::new(), |r, resource| {
                    r.at_most_once(resource.as_str())
                }),
        ),
        object_store,
    };
    let service = match Service::open_with_tasks(config, Arc::new(store), tasks).await {
        Ok(service) => service,
        Err(e) => {
            eprintln!(
                "error: cannot resume the executions of {}: {e}",
                args.db.display()
            );
            return ExitCode::from(2);
        }
    };
    let listener = match workflow_server::listen((args.host.as_str(), args.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(address) => {
            eprintln!("workflow serve: listening on http://{address}");
            let access =
                workflow_server::console::Access::of(service.config(), address.ip().is_loopback());
            match access {
                workflow_server::console::Access::Refused => eprintln!(
                    "workflow serve: no web console (--credentials on an address other \
                     machines reach)"
                ),
                _ => eprintln!("workflow serve: web console at http://{address}/"),
            }
        }
        Err(_) => eprintln!("workflow serve: listening on {}:{}", args.host, args.port),
    }
    match workflow_server::serve(listener, service).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
