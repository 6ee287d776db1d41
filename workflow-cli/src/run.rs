//! `workflow run FILE --input JSON`: runs a state machine on the local runtime, with Task
//! handlers scripted by a mocks file (see [`crate::mocks`]).
//!
//! The execution log (one line per history event, as the console shows it) goes to
//! standard error as the execution moves on, unless `--quiet`; then the output, pretty JSON,
//! goes to standard output, or the error and cause to standard error. `--history json`
//! prints AWS's `GetExecutionHistory` shape (`{"events": [...]}`) on standard output
//! instead of the log and the output. On a terminal, a status line under the log shows the
//! state running, the time elapsed by the execution's clock and by the wall clock, and how
//! far running Map and Parallel states have got (see [`crate::status_line`]).
//!
//! `--fast` runs on the virtual clock: Wait states, retry delays, mock delays and timeouts
//! take no time while timestamps move as they would (`--start-time` fixes where the clock
//! starts, for reproducible logs; with `--seed`, runs are byte-identical).
//!
//! `--s3-dir DIR` gives distributed Maps a directory standing in for S3 (one sub-directory
//! per bucket) to read `ItemReader` objects from and write `ResultWriter` results to.
//!
//! Exit codes: 0 SUCCEEDED, 1 FAILED, 3 TIMED_OUT, 2 when the inputs cannot be used (the
//! file, an invalid definition, the input, the mocks file).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use workflow_core::StateMachine;
use workflow_core::timestamp::Timestamp;
use workflow_runtime::history::log_line;
use workflow_runtime::{
    Clock, ExecutionConfig, ExecutionInput, Executor, LocalS3, Outcome, Resources, Status,
    SystemClock, VirtualClock,
};

use crate::mocks::Mocks;
use crate::source::{self, InputError};
use crate::status_line::StatusLine;
use crate::validate::{self, Color};

/// Arguments of `workflow run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// An ASL definition (JSON or YAML) or a CloudFormation/SAM template.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The execution input: JSON, `@file`, or `@-` for standard input.
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    pub input: String,
    /// What Task resources answer (see the mocks file format in the README).
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<PathBuf>,
    /// Run on the virtual clock: waits, retries and timeouts take no time.
    #[arg(long)]
    pub fast: bool,
    /// Where the virtual clock starts, such as 2024-01-01T00:00:00Z (implies --fast).
    #[arg(long, value_name = "TIMESTAMP")]
    pub start_time: Option<String>,
    /// Seed the retry jitter and generated request ids, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Print no execution log.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also print the runtime's tracing: a span per execution step and per state, with how
    /// long it took (`-vv`: each history event as a tracing event too).
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the AWS-shaped execution history instead of the log and the output.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub history: Option<HistoryFormat>,
    /// The state machine to run, by logical id, when a template has several.
    #[arg(long, value_name = "LOGICAL_ID")]
    pub state_machine: Option<String>,
    /// Colour diagnostics of an invalid definition: auto, always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// A directory standing in for Amazon S3, one sub-directory per bucket: distributed
    /// Maps' `ItemReader` reads objects from it and `ResultWriter` writes results to it.
    #[arg(long, value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
}

/// How `--history` prints the history.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFormat {
    /// AWS's `GetExecutionHistory` response shape.
    Json,
}

/// Runs `workflow run`.
pub fn main(args: Args) -> ExitCode {
    if args.verbose > 0 {
        let level = if args.verbose > 1 {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_target(false)
            .init();
    }
    let prepared = match Prepared::new(
        &args.file,
        args.state_machine.as_deref(),
        args.mocks.as_deref(),
        args.seed,
        args.color,
    ) {
        Ok(prepared) => prepared,
        Err(e) => return unusable(e),
    };
    let input = match source::json_argument_as("--input", &args.input, ExecutionInput::from_json) {
        Ok(input) => input,
        Err(e) => return unusable(e),
    };
    let start = match args.start_time.as_deref().map(parse_start_time).transpose() {
        Ok(start) => start,
        Err(e) => return unusable(e),
    };
    if let Some(dir) = args.s3_dir.as_ref().filter(|dir| !dir.is_dir()) {
        let message = format!("--s3-dir {} is not a directory", dir.display());
        return unusable(InputError(message));
    }
    let fast = args.fast || start.is_some();
    let runtime = match current_thread(fast) {
        Ok(runtime) => runtime,
        Err(e) => return unusable(InputError(format!("cannot start the runtime: {e}"))),
    };
    let log = !args.quiet && args.history.is_none();
    let status = if args.quiet {
        None
    } else {
        StatusLine::on_terminal(&prepared.machine)
    };
    let outcome = runtime.block_on(async {
        let clock: Arc<dyn Clock> = if fast {
            VirtualClock::new(start.unwrap_or_else(|| SystemClock.now()))
        } else {
            Arc::new(SystemClock)
        };
        let mut executor = Executor::new(prepared.resources)
            .with_clock(clock)
            .with_config(prepared.config);
        if let Some(seed) = args.seed {
            executor = executor.with_seed(seed);
        }
        if let Some(dir) = &args.s3_dir {
            executor = executor.with_object_store(Arc::new(LocalS3::new(dir)));
        }
        let mut execution = executor
            .start(prepared.machine, input)
            .map_err(|e| InputError(e.to_string()))?;
        if log || status.is_some() {
            // Each event as it happens (a WaitStateEntered before the wait, a retried task's
            // failures before its backoff), not when its state ends. A closed standard error
            // (a reader that went away) ends the log, not the run.
            let status = status.clone();
            let print = move |event: &workflow_runtime::HistoryEvent| {
                let line = log.then(|| log_line(event).trim_end().to_owned());
                match (&status, line) {
                    (Some(status), line) => status.observe(event, line.as_deref()),
                    (None, Some(line)) => {
                        let _ = writeln!(std::io::stderr().lock(), "{line}");
                    }
                    (None, None) => {}
                }
            };
            execution.history().events().iter().for_each(&print);
            execution.observe(Arc::new(print));
        }
        while execution.step().await.is_some() {}
        if let Some(status) = &status {
            status.finish();
        }
        Ok::<Outcome, InputError>(execution.into_outcome())
    });
    match outcome {
        Ok(outcome) => finish(&outcome, args.history),
        Err(e) => unusable(e),
    }
}

/// A definition checked and ready to run, with its handlers.
pub(crate) struct Prepared {
    pub machine: Arc<StateMachine>,
    pub resources: Resources,
    pub config: ExecutionConfig,
}

impl Prepared {
    /// Loads, size-checks and validates the definition (printing its diagnostics when it is
    /// invalid), reads the mocks file (`seed` seeds its `FailRate` draws) and checks it
    /// against the definition's Task resources.
    pub fn new(
        file: &Path,
        state_machine: Option<&str>,
        mocks: Option<&Path>,
        seed: Option<u64>,
        color: Color,
    ) -> Result<Prepared, InputError> {
        let definition = source::select(source::load(file)?, file, state_machine)?;
        definition.check_size()?;
        let machine = match definition.check() {
            Ok(machine) => Arc::new(machine),
            Err(invalid) => {
                validate::report(&definition, &invalid, color.style());
                return Err(InputError(format!(
                    "`{}` cannot run until it is valid",
                    definition.origin
                )));
            }
        };
        let mocks = match mocks {
            Some(path) => Mocks::load(path)?,
            None => Mocks::new(),
        };
        mocks.check_against(&machine).map_err(InputError)?;
        let resources = mocks.with_seed(seed).resources();
        let name = definition.logical_id.clone().unwrap_or_else(|| stem(file));
        let config = ExecutionConfig {
            state_machine_name: name,
            ..ExecutionConfig::default()
        };
        Ok(Prepared {
            machine,
            resources,
            config,
        })
    }
}

/// `flow.asl.json` -> `flow`: the state machine's name in `$$` and ARNs.
fn stem(file: &Path) -> String {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("workflow");
    name.split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("workflow")
        .to_owned()
}

pub(crate) fn parse_start_time(text: &str) -> Result<Timestamp, InputError> {
    Timestamp::parse(text).ok_or_else(|| {
        InputError(format!(
            "--start-time: `{text}` is not an RFC 3339 timestamp such as 2024-01-01T00:00:00Z"
        ))
    })
}

/// A current-thread runtime; with paused time for the virtual clock, which jumps to the
/// next timer whenever every task waits.
pub(crate) fn current_thread(paused: bool) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time();
    if paused {
        builder.start_paused(true);
    }
    builder.build()
}

fn finish(outcome: &Outcome, history: Option<HistoryFormat>) -> ExitCode {
    if history == Some(HistoryFormat::Json) {
        match serde_json::to_string_pretty(&outcome.history) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: cannot print the history: {e}"),
        }
    } else {
        match outcome.status {
            Status::Succeeded => {
                let output = outcome.output.clone().unwrap_or(Value::Null);
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output).unwrap_or_default()
                );
            }
            Status::Failed => {
                eprintln!("execution failed");
                if let Some(error) = &outcome.error {
                    eprintln!("  error: {error}");
                }
                if let Some(cause) = &outcome.cause {
                    eprintln!("  cause: {cause}");
                }
            }
            Status::TimedOut => eprintln!("execution timed out"),
            Status::Running | Status::Aborted => eprintln!("execution stopped while running"),
        }
    }
    ExitCode::from(match outcome.status {
        Status::Succeeded => 0,
        Status::TimedOut => 3,
        Status::Failed | Status::Running | Status::Aborted => 1,
    })
}

pub(crate) fn unusable(e: InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
