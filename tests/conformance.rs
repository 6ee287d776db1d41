//! Runs the recorded AWS executions of the conformance corpus against the runtime.
//!
//! Every case in `$CONFORMANCE_DIR/cases/<group>/*.json` (default `../shared/conformance`)
//! runs on the virtual clock with the mock Lambda functions its README describes (twice:
//! with a millisecond per transition, and with none, so that both ways the executor drives
//! a state are checked; see `run_case`), and is compared on status, output, error, cause (placeholders as wildcards) and history event
//! types. Cases that need features the runtime does not have yet are listed, with a reason,
//! in `tests/conformance_known_failures.txt`: the test fails on any other failure, and on a
//! listed case that now passes, so the list stays honest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::timestamp::Timestamp;
use workflow_runtime::{ExecutionConfig, Executor, Outcome, Resources, TaskError, VirtualClock};

const ACCOUNT: &str = "111111111111";
const REGION: &str = "us-east-1";

fn corpus_dir() -> PathBuf {
    std::env::var_os("CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"))
}

/// A mock Lambda function, as the corpus README describes each behaviour.
fn mock(spec: &Value) -> impl workflow_runtime::Handler + use<> {
    let spec = spec.clone();
    move |input: Value| {
        let spec = spec.clone();
        async move {
            match spec["behaviour"].as_str().unwrap_or_default() {
                "identity" => Ok(input),
                "return" => Ok(spec["value"].clone()),
                "raise" => {
                    let error_type = spec["errorType"].as_str().unwrap_or("Exception").to_owned();
                    let payload = serde_json::json!({
                        "errorMessage": spec["errorMessage"],
                        "errorType": error_type,
                        "requestId": "00000000-0000-4000-8000-000000000000",
                        "stackTrace": [],
                    });
                    Err(TaskError::new(error_type, payload.to_string()))
                }
                "return_raw" => Ok(match spec["payload"].as_str() {
                    Some(raw) => {
                        serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
                    }
                    None => Value::String(
                        "a".repeat(spec["payload_size_bytes"].as_u64().unwrap_or(0) as usize),
                    ),
                }),
                "sleep_then_identity" => {
                    let seconds = spec["sleep_seconds"].as_u64().unwrap_or(0);
                    tokio::time::sleep(Duration::from_secs(seconds)).await;
                    Ok(input)
                }
                other => Err(TaskError::new(
                    "MockError",
                    format!("unknown mock behaviour {other}"),
                )),
            }
        }
    }
}

/// `expected` with placeholder tokens as wildcards (each a non-empty run of characters).
fn wildcard_eq(expected: &str, actual: &str, tokens: &[String]) -> bool {
    /// A piece of the expected text: literal, or a wildcard.
    enum Piece<'a> {
        Literal(&'a str),
        Any,
    }
    let mut pieces = Vec::new();
    let mut rest = expected;
    while let Some((at, token)) = tokens
        .iter()
        .filter_map(|t| rest.find(t.as_str()).map(|at| (at, t)))
        .min_by_key(|(at, _)| *at)
    {
        pieces.push(Piece::Literal(&rest[..at]));
        pieces.push(Piece::Any);
        rest = &rest[at + token.len()..];
    }
    pieces.push(Piece::Literal(rest));
    fn go(pieces: &[Piece], actual: &str) -> bool {
        match pieces.split_first() {
            None => actual.is_empty(),
            Some((Piece::Any, rest)) => (1..=actual.len())
                .filter(|i| actual.is_char_boundary(*i))
                .any(|i| go(rest, &actual[i..])),
            Some((Piece::Literal(p), rest)) => {
                actual.strip_prefix(p).is_some_and(|tail| go(rest, tail))
            }
        }
    }
    go(&pieces, actual)
}

fn json_eq(expected: &Value, actual: &Value, tokens: &[String]) -> bool {
    match (expected, actual) {
        // LocalStack replaced some whole values (a header's list) by a token.
        (Value::String(e), _) if tokens.contains(e) => true,
        (Value::String(e), Value::String(a)) => cause_eq(e, a, tokens),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| json_eq(e, a, tokens))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| json_eq(v, av, tokens)))
        }
        _ => expected == actual,
    }
}

/// Lambda error causes carry a Python stack trace a Rust mock cannot reproduce: compare the
/// error type and message only.
fn cause_eq(expected: &str, actual: &str, tokens: &[String]) -> bool {
    if wildcard_eq(expected, actual, tokens) {
        return true;
    }
    let parse = |s: &str| {
        serde_json::from_str::<Value>(s)
            .ok()
            .filter(|v| v.get("errorType").is_some())
    };
    // One recording lost the opening quote of its `requestId` to the placeholder
    // (`"requestId":<request-id>"`): put it back so that the JSON parses.
    let mut repaired = expected.to_owned();
    for token in tokens {
        repaired = repaired.replace(&format!(":{token}\""), &format!(":\"{token}\""));
    }
    match (parse(&repaired), parse(actual)) {
        (Some(e), Some(a)) => {
            e["errorType"] == a["errorType"] && e["errorMessage"] == a["errorMessage"]
        }
        _ => false,
    }
}

/// Event types in order, with the events inside Map and Parallel blocks as multisets.
fn history_eq(expected: &[String], actual: &[String]) -> bool {
    fn blocks(types: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut depth = 0usize;
        for t in types {
            let opens =
                t.ends_with("StateStarted") && (t.starts_with("Map") || t.starts_with("Parallel"));
            let closes = (t.starts_with("Map") || t.starts_with("Parallel"))
                && (t.ends_with("StateSucceeded")
                    || t.ends_with("StateFailed")
                    || t.ends_with("StateAborted"));
            if depth == 0 {
                out.push(vec![t.clone()]);
            } else if let Some(block) = out.last_mut() {
                block.push(t.clone());
            }
            if opens {
                depth += 1;
                out.push(Vec::new());
            }
            if closes {
                depth = depth.saturating_sub(1);
            }
        }
        for block in &mut out {
            block.sort();
        }
        out
    }
    blocks(expected) == blocks(actual)
}

/// Runs a case twice: on the virtual clock as it is, where each transition takes a
/// millisecond and every state runs as a future; and with transitions that take no time,
/// where the states that never wait run in place (`Interpreter::run_state_inline`, the
/// path a system-clock execution takes). Both must match the recording.
fn run_case(case: &Value) -> Result<(), String> {
    run_case_with(case, VirtualClock::TRANSITION_TIME)?;
    run_case_with(case, Duration::ZERO).map_err(|e| format!("with states run in place: {e}"))
}

fn run_case_with(case: &Value, transition: Duration) -> Result<(), String> {
    let definition = case["definition"].to_string();
    let machine = StateMachine::from_json_str(&definition)
        .map_err(|e| format!("definition rejected: {e}"))?;
    let mut resources = Resources::new();
    if let Some(mocks) = case["mocks"].as_object() {
        for (arn, spec) in mocks {
            resources = resources.register(arn.clone(), mock(spec));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    let outcome: Outcome = runtime.block_on(async {
        let start = Timestamp::parse("2025-01-01T00:00:00Z").unwrap_or(Timestamp {
            seconds: 0,
            nanos: 0,
        });
        let clock = VirtualClock::with_transition_time(start, transition);
        let executor = Executor::new(resources)
            .with_clock(clock)
            .with_seed(1)
            .with_config(ExecutionConfig {
                name: "conformance".into(),
                state_machine_name: "conformance".into(),
                region: REGION.into(),
                account: ACCOUNT.into(),
                role_arn: format!("arn:aws:iam::{ACCOUNT}:role/conformance"),
                express_id: (case["source"]["state_machine_type"] == "EXPRESS")
                    .then(|| "00000000-0000-4000-8000-000000000000".to_owned()),
                ..ExecutionConfig::default()
            });
        match executor.start(Arc::new(machine), case["input"].clone()) {
            Ok(execution) => Ok(execution.run().await),
            Err(e) => Err(e.to_string()),
        }
    })?;
    let expected = &case["expected"];
    let tokens: Vec<String> = expected["placeholders"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let status = outcome.status.as_str();
    let mut problems = Vec::new();
    if expected["status"] != status {
        problems.push(format!("status {status}, expected {}", expected["status"]));
    }
    if let Some(output) = expected.get("output")
        && !outcome
            .output
            .as_ref()
            .is_some_and(|o| json_eq(output, o, &tokens))
    {
        problems.push(format!(
            "output {}, expected {output}",
            outcome.output.unwrap_or(Value::Null)
        ));
    }
    if expected["status"] == "FAILED" {
        if expected.get("error").and_then(Value::as_str) != outcome.error.as_deref() {
            problems.push(format!(
                "error {:?}, expected {}",
                outcome.error, expected["error"]
            ));
        }
        let cause_ok = match (
            expected.get("cause").and_then(Value::as_str),
            outcome.cause.as_deref(),
        ) {
            (Some(e), Some(a)) => cause_eq(e, a, &tokens),
            (None, None) => true,
            _ => false,
        };
        if !cause_ok {
            problems.push(format!(
                "cause {:?}, expected {}",
                outcome.cause, expected["cause"]
            ));
        }
    }
    if let Some(types) = case["history_types"].as_array() {
        let expected_types: Vec<String> = types
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        let actual = outcome.history.types();
        if !history_eq(&expected_types, &actual) {
            problems.push(format!("history {actual:?}, expected {expected_types:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn known_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance_known_failures.txt"),
    )
    .unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((case, reason)) => (case.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

#[test]
fn conformance() {
    let cases_dir = corpus_dir().join("cases");
    let mut groups: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e} (set CONFORMANCE_DIR)",
                cases_dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    groups.sort();
    let known = known_failures();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    let (mut passed, mut total, mut panicked) = (0, 0, 0);
    let mut regressions = Vec::new();
    let mut fixed = Vec::new();
    // Handlers that panic on purpose are expected; keep their noise out of the report.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for group in &groups {
        let group_name = group
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(group)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let (mut group_passed, mut group_ignored) = (0, 0);
        for file in &files {
            total += 1;
            let id = format!(
                "{group_name}/{}",
                file.file_stem().unwrap_or_default().to_string_lossy()
            );
            let result = std::fs::read_to_string(file)
                .map_err(|e| e.to_string())
                .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
                .and_then(|case| {
                    std::panic::catch_unwind(|| run_case(&case)).unwrap_or_else(|_| {
                        panicked += 1;
                        Err("panicked".to_owned())
                    })
                });
            match (result, known.contains_key(&id)) {
                (Ok(()), false) => {
                    passed += 1;
                    group_passed += 1;
                }
                (Ok(()), true) => {
                    passed += 1;
                    group_passed += 1;
                    fixed.push(id.clone());
                }
                (Err(_), true) => group_ignored += 1,
                (Err(why), false) => regressions.push(format!("{id}: {why}")),
            }
            if verbose && let Some(r) = regressions.last().filter(|r| r.starts_with(&id)) {
                eprintln!("{r}");
            }
        }
        println!(
            "{group_name:<22} {group_passed:>4}/{:<4} passed{}",
            files.len(),
            if group_ignored > 0 {
                format!(", {group_ignored} known failures")
            } else {
                String::new()
            }
        );
    }
    std::panic::set_hook(hook);
    println!(
        "conformance: {passed}/{total} passed ({panicked} panicked, {} known failures listed)",
        known.len()
    );
    let mut report = String::new();
    if !regressions.is_empty() {
        report += &format!(
            "{} cases fail that are not in tests/conformance_known_failures.txt:\n{}\n",
            regressions.len(),
            regressions.join("\n")
        );
    }
    if !fixed.is_empty() {
        report += &format!(
            "{} listed known failures now pass; remove them from the list:\n{}\n",
            fixed.len(),
            fixed.join("\n")
        );
    }
    assert!(report.is_empty(), "{report}");
}
