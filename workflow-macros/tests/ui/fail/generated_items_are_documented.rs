//! The generated items carry docs and UpperCamelCase variants: under these lints the only
//! error is the undocumented function below, which shows that the lints are on.
#![deny(missing_docs, non_camel_case_types)]

use workflow_runtime::workflow;

workflow! {
    /// Greets.
    pub Flow {
        start_at: first_step,
        handlers: { greet },
        states: {
            /// Says hello.
            first_step: Task { resource: greet, next: "last step" },
            "last step": Succeed,
        }
    }
}

pub fn undocumented() {}

fn main() {}
