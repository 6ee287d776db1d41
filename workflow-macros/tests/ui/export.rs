//! Shared by the pass cases (`#[path = "../export.rs"] mod export;`): CI (`.ci/run`) sets
//! `WORKFLOW_ASL_OUT` and checks every document written there with asl-validator.

/// Writes `asl` to `$WORKFLOW_ASL_OUT/<file>` when the variable is set.
pub fn asl(file: &str, asl: &str) {
    if let Some(dir) = std::env::var_os("WORKFLOW_ASL_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(file), asl).expect("write the ASL");
    }
}
