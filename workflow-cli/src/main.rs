//! `workflow`: validate, run, picture and export Amazon States Language state machines.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "workflow",
    version,
    about = "Validate, run, picture and export AWS Step Functions state machines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Each subcommand's `--help` ends with an example and its exit codes.
#[derive(Subcommand)]
enum Command {
    /// Check ASL files or CloudFormation/SAM templates with the validator `workflow!` uses.
    #[command(
        after_help = "Example:\n  workflow validate flow.asl.json template.yaml --format json\n\n\
        Exit codes:\n  0  every definition is valid\n  1  a definition is invalid\n  \
        2  an input cannot be used (missing, neither JSON nor YAML, over 1 MB, ...)"
    )]
    Validate(workflow_cli::validate::Args),
    /// Run a state machine locally.
    #[command(
        after_help = "Example:\n  workflow run flow.asl.json --input '{\"user_id\": \"u-1\"}' \
        --mocks mocks.json --fast\n\n\
        Exit codes:\n  0  SUCCEEDED\n  1  FAILED\n  2  an input cannot be used (the file, an \
        invalid definition, the input, the mocks)\n  3  TIMED_OUT"
    )]
    Run(workflow_cli::run::Args),
    /// Draw a state machine (Mermaid, Graphviz DOT or SVG).
    #[command(
        after_help = "Example:\n  workflow graph flow.asl.json --history history.json \
        -o flow.svg\n\n\
        Exit codes:\n  0  drawn\n  1  an invalid definition or history\n  \
        2  a file cannot be read or written"
    )]
    Graph(workflow_cli::graph::Args),
    /// Serve the AWS Step Functions API locally (state machines, executions, histories).
    #[command(
        after_help = "Example:\n  workflow serve --port 8083 --db workflow.db \
        --mock-config MockConfigFile.json\n  \
        aws stepfunctions list-state-machines --endpoint-url http://127.0.0.1:8083\n\n\
        Exit codes:\n  0  stopped (Ctrl-C)\n  2  the database, the address or a file cannot \
        be used"
    )]
    Serve(workflow_cli::serve::Args),
    /// Run one state, like AWS's TestState API.
    #[command(
        after_help = "Example:\n  workflow test-state flow.asl.json --state-name \
        SendMessage1 --input '{}' --mock '{\"result\": \"{}\"}' --inspection-level DEBUG\n\n\
        Exit codes:\n  0  the state succeeded or caught its error\n  \
        1  it failed or would be retried\n  2  an input cannot be used"
    )]
    TestState(workflow_cli::test_state::Args),
    /// Export a state machine for deployment.
    #[command(subcommand)]
    Export(Export),
}

#[derive(Subcommand)]
enum Export {
    /// A CloudFormation template: the state machine, its role, one Lambda per handler.
    #[command(
        after_help = "Example:\n  workflow export cloudformation flow.asl.json \
        --name Onboarding -o template.yaml\n\n\
        Exit codes:\n  0  exported\n  1  the input cannot be read or exported"
    )]
    Cloudformation(workflow_cli::cloudformation::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => workflow_cli::validate::main(args),
        Command::Run(args) => workflow_cli::run::main(args),
        Command::Graph(args) => workflow_cli::graph::main(args),
        Command::Serve(args) => workflow_cli::serve::main(args),
        Command::TestState(args) => workflow_cli::test_state::main(args),
        Command::Export(Export::Cloudformation(args)) => workflow_cli::cloudformation::main(args),
    }
}
