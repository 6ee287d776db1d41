//! Replays the recorded AWS cases of `conformance/cases/intrinsics` through [`Call`].
//!
//! Each case is a one-state machine: a `Pass` state whose `Parameters` hold `.$` fields
//! with intrinsic calls (or plain paths). This test evaluates those `Parameters` against the
//! case's input, the way the state would, and compares the result with what AWS returned.
//! Cases that need more of the runtime (other state types, `InputPath`, `ResultPath`...)
//! are skipped and counted.
//!
//! The corpus lives in `shared/conformance` next to the repository, or in `$CONFORMANCE_DIR`;
//! without it the test reports that it was skipped and passes.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use workflow_core::intrinsics::is_intrinsic;
use workflow_core::path::{Path, Root};

use super::{Call, Evaluate, IntrinsicError, SeededEntropy};

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        });
    let cases = dir.join("cases/intrinsics");
    cases.is_dir().then_some(cases)
}

enum Outcome {
    Passed,
    Skipped(String),
    Failed(String),
}

#[test]
fn recorded_intrinsic_cases() {
    let Some(dir) = corpus_dir() else {
        eprintln!("intrinsics corpus: skipped, no conformance directory (set CONFORMANCE_DIR)");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable corpus directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut passed, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for file in &files {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(file).expect("readable case");
        let case: Value = serde_json::from_str(&text).expect("case is JSON");
        match run(&case) {
            Outcome::Passed => passed += 1,
            Outcome::Skipped(why) => skipped.push(format!("{name}: {why}")),
            Outcome::Failed(why) => failed.push(format!("{name}: {why}")),
        }
    }
    eprintln!(
        "intrinsics corpus: {passed} passed, {} failed, {} skipped of {}",
        failed.len(),
        skipped.len(),
        files.len()
    );
    for line in &skipped {
        eprintln!("  skipped {line}");
    }
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
    assert!(passed > 0, "no case ran");
}

fn run(case: &Value) -> Outcome {
    let Some(states) = case["definition"]["States"].as_object() else {
        return Outcome::Skipped("no States".into());
    };
    let Some((state_name, state)) = states.iter().next().filter(|_| states.len() == 1) else {
        return Outcome::Skipped("more than one state".into());
    };
    if state["Type"] != "Pass" {
        return Outcome::Skipped("not a Pass state".into());
    }
    let extra = ["InputPath", "OutputPath", "ResultPath", "Result", "Assign"];
    if let Some(field) = extra.iter().find(|f| state.get(**f).is_some()) {
        return Outcome::Skipped(format!("uses {field}"));
    }
    let Some(parameters) = state.get("Parameters") else {
        return Outcome::Skipped("no Parameters".into());
    };
    let input = &case["input"];
    let context = context_object(input, state_name);
    let expected = &case["expected"];
    let placeholders: Vec<&str> = expected["placeholders"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let result = evaluate_parameters(parameters, input, &context);
    match (expected["status"].as_str(), result) {
        (Some("SUCCEEDED"), Ok(output)) if matches(&expected["output"], &output, &placeholders) => {
            Outcome::Passed
        }
        (Some("SUCCEEDED"), Ok(output)) => {
            Outcome::Failed(format!("expected {}, got {output}", expected["output"]))
        }
        (Some("SUCCEEDED"), Err(e)) => Outcome::Failed(format!("expected success, got error: {e}")),
        (Some("FAILED"), Err(_)) => Outcome::Passed,
        (Some("FAILED"), Ok(output)) => Outcome::Failed(format!("expected failure, got {output}")),
        (status, _) => Outcome::Skipped(format!("status {status:?}")),
    }
}

/// A context object with the placeholders LocalStack left in the recordings, so that a
/// value read from it compares equal to the recorded output.
fn context_object(input: &Value, state_name: &str) -> Value {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>",
            "Input": input,
            "Name": "<ExecArnPart_0idx>",
            "RoleArn": "snf_role_arn",
            "StartTime": "date",
        },
        "State": {"EnteredTime": "date", "Name": state_name, "RetryCount": 0},
        "StateMachine": {
            "Id": "arn:aws:states:us-east-1:111111111111:stateMachine:<ArnPart_0idx>",
            "Name": "<ArnPart_0idx>",
        },
    })
}

/// `Parameters` as a Pass state applies them: `.$` fields are evaluated, others copied.
fn evaluate_parameters(template: &Value, input: &Value, context: &Value) -> Result<Value, String> {
    let Value::Object(fields) = template else {
        return Ok(template.clone());
    };
    let resolve = |path: &Path| -> Result<Value, IntrinsicError> {
        let root = match path.root() {
            Root::Input => input,
            Root::Context => context,
            Root::Variable(name) => {
                return Err(IntrinsicError::new(format!("no variable ${name}")));
            }
        };
        path.read(root)
            .ok_or_else(|| IntrinsicError::new(format!("{path} names nothing")))
    };
    let mut out = Map::new();
    for (key, value) in fields {
        match (key.strip_suffix(".$"), value) {
            (Some(name), Value::String(text)) if is_intrinsic(text) => {
                let call = Call::parse(text).map_err(|e| e.to_string())?;
                let result = call
                    .evaluate_with(&resolve, &mut SeededEntropy::new(0))
                    .map_err(|e| e.to_string())?;
                out.insert(name.to_owned(), result);
            }
            (Some(name), Value::String(text)) => {
                let path = Path::parse(text).map_err(|e| e.to_string())?;
                out.insert(name.to_owned(), resolve(&path).map_err(|e| e.to_string())?);
            }
            (Some(_), other) => return Err(format!("`{key}` holds {other}, not a string")),
            (None, nested) => {
                out.insert(key.clone(), evaluate_parameters(nested, input, context)?);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Compares like the corpus README says: objects ignore member order, and a placeholder
/// token matches any value (alone) or any non-empty text (inside a string).
fn matches(expected: &Value, actual: &Value, placeholders: &[&str]) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if placeholders.contains(&e.as_str()) => true,
        (Value::String(e), Value::String(a)) if placeholders.iter().any(|p| e.contains(p)) => {
            wildcard_match(e, a, placeholders)
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a, placeholders))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, e)| a.get(k).is_some_and(|a| matches(e, a, placeholders)))
        }
        _ => expected == actual,
    }
}

/// Whether `actual` is `expected` with each placeholder replaced by some non-empty text.
fn wildcard_match(expected: &str, actual: &str, placeholders: &[&str]) -> bool {
    let Some((at, token)) = placeholders
        .iter()
        .filter_map(|p| expected.find(p).map(|at| (at, *p)))
        .min_by_key(|(at, _)| *at)
    else {
        return expected == actual;
    };
    let (prefix, rest) = (&expected[..at], &expected[at + token.len()..]);
    let Some(tail) = actual.strip_prefix(prefix) else {
        return false;
    };
    // Try every non-empty stretch for the wildcard; the strings are short.
    tail.char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(tail.len()))
        .filter(|&i| i > 0)
        .any(|i| wildcard_match(rest, &tail[i..], placeholders))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_match_loosely() {
        let p = ["<uuid:1>", "RandomNumberGenerated"];
        assert!(matches(
            &json!({"a": "RandomNumberGenerated"}),
            &json!({"a": 17}),
            &p
        ));
        assert!(matches(&json!("id=<uuid:1>!"), &json!("id=1234-5!"), &p));
        assert!(!matches(&json!("id=<uuid:1>!"), &json!("id=!"), &p));
        assert!(!matches(&json!({"a": 1}), &json!({"a": 1, "b": 2}), &p));
    }
}
