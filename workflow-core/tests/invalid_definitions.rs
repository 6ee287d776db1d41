//! The 23 definition-validation records of the conformance corpus: reject what AWS
//! rejected, at the location AWS named, and accept what AWS accepted.

use std::path::PathBuf;

use serde_json::Value;
use workflow_core::{MachineType, StateMachine};

fn corpus() -> PathBuf {
    std::env::var_os("CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        })
        .join("invalid_definitions")
}

#[test]
fn records_are_judged_as_aws_judged_them() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the conformance corpus is next to the repository (or set CONFORMANCE_DIR)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 23, "expected the 23 records");
    let mut failures = Vec::new();
    for file in &files {
        let record: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = match &record["definition"] {
            Value::String(raw) => raw.clone(),
            other => other.to_string(),
        };
        let machine_type = match record["state_machine_type"].as_str() {
            Some("EXPRESS") => MachineType::Express,
            _ => MachineType::Standard,
        };
        let expected = &record["expected"];
        let result = StateMachine::from_json_str_as(&text, machine_type);
        match (expected["valid"].as_bool().unwrap(), result) {
            (true, Ok(_)) => {}
            (true, Err(e)) => failures.push(format!("{name}: AWS accepted it, we said {e}")),
            (false, Ok(_)) => failures.push(format!("{name}: AWS rejected it, we accepted it")),
            (false, Err(e)) => {
                let aws = &expected["diagnostics"][0];
                let code = aws["code"].as_str().unwrap();
                // AWS names the enclosing field (`/States/X/Parameters`) where we name the
                // exact key inside it, so its location must be a prefix of ours. A JSON syntax
                // error's location is a parser position, not a pointer.
                let location = aws["location"]
                    .as_str()
                    .filter(|_| code != "INVALID_JSON_DESCRIPTION");
                let matched = e.0.iter().any(|d| {
                    d.code.as_str() == code
                        && location.is_none_or(|l| {
                            let ours = d.pointer.to_string();
                            ours == l || ours.starts_with(&format!("{}/", l.trim_end_matches('/')))
                        })
                });
                if !matched {
                    failures.push(format!(
                        "{name}: expected {code} at {location:?}, we said {e}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} records differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
