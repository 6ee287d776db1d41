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

#[derive(Subcommand)]
enum Command {
    /// Check ASL files or CloudFormation/SAM templates with the validator `workflow!` uses.
    Validate(workflow_cli::validate::Args),
    /// Run a state machine locally.
    Run(workflow_cli::run::Args),
    /// Draw a state machine (Mermaid, Graphviz DOT or SVG).
    Graph(workflow_cli::graph::Args),
    /// Serve the AWS Step Functions API locally (state machines, executions, histories).
    Serve(workflow_cli::serve::Args),
    /// Run one state, like AWS's TestState API.
    TestState(workflow_cli::test_state::Args),
    /// Export a state machine for deployment.
    #[command(subcommand)]
    Export(Export),
}

#[derive(Subcommand)]
enum Export {
    /// A CloudFormation template: the state machine, its role, one Lambda per handler.
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
