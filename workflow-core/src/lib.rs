//! The Amazon States Language, as a library: the document model, the one validator, ASL
//! JSONPath and intrinsic functions, the one renderer, and the one picture ([`graph`]).
//!
//! Both front ends use this crate: the `workflow!` macro at compile time, and the runtime
//! for ASL loaded at run time. A diagnostic found in either points at a JSON pointer, which
//! each front end maps to its own location (a span, a line and column).

#![warn(missing_docs)]

pub mod diagnostic;
pub mod graph;
pub mod intrinsics;
pub mod jsonata;
pub mod locate;
pub mod model;
mod parse;
pub mod path;
mod render;
pub mod suggest;
pub mod timestamp;
pub mod validate;

pub use diagnostic::{Code, Diagnostic, Diagnostics, InvalidDefinition, Pointer, Spelling};
pub use model::StateMachine;
pub use parse::{duplicate_key, parse};
pub use render::{render, render_with_resources, resource_placeholder};
pub use validate::MachineType;

/// Parses and validates an ASL document: every problem is reported, none is fatal to the
/// search for the others.
pub fn check(document: &serde_json::Value) -> Result<StateMachine, InvalidDefinition> {
    check_as(document, MachineType::Standard)
}

/// [`check`] for a state machine of the given type (Express machines allow fewer
/// integrations).
pub fn check_as(
    document: &serde_json::Value,
    machine_type: MachineType,
) -> Result<StateMachine, InvalidDefinition> {
    let cx = Diagnostics::new();
    let machine = parse(document, &cx);
    if let Some(machine) = &machine {
        validate::validate_as(machine, machine_type, &cx);
    }
    let diagnostics = cx.into_vec();
    match machine {
        Some(machine) if diagnostics.is_empty() => Ok(machine),
        _ => Err(InvalidDefinition(diagnostics)),
    }
}

impl StateMachine {
    /// Parses and validates ASL JSON text, as `CreateStateMachine` would.
    pub fn from_json_str(text: &str) -> Result<StateMachine, InvalidDefinition> {
        Self::from_json_str_as(text, MachineType::Standard)
    }

    /// [`StateMachine::from_json_str`] for a state machine of the given type.
    pub fn from_json_str_as(
        text: &str,
        machine_type: MachineType,
    ) -> Result<StateMachine, InvalidDefinition> {
        let document = parse::parse_json_text(text)?;
        check_as(&document, machine_type)
    }
}
