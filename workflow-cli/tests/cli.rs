//! The `workflow` binary, run as a user runs it: `validate`, `run` and `test-state`, every
//! exit code, golden outputs (`tests/snapshots/`, reviewed by hand; regenerate with
//! `INSTA_UPDATE=always` and read the diff), AWS's recorded validation results, and inputs
//! that must be refused cleanly, never with a panic.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const DANGLING_NEXT: &str = r#"{
  "Comment": "A Next that names no state",
  "StartAt": "SendMessage",
  "States": {
    "SendMessage": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:send_message",
      "Next": "Wiat1"
    },
    "Wait1": { "Type": "Wait", "Seconds": 3, "Next": "Done" },
    "Done": { "Type": "Succeed" }
  }
}
"#;

const UNREACHABLE: &str = r#"{
  "StartAt": "Greet",
  "States": {
    "Greet": { "Type": "Pass", "Result": "hello", "End": true },
    "Forgotten": { "Type": "Pass", "Next": "Greet" }
  }
}
"#;

const BAD_TIMESTAMP: &str = r#"{
  "StartAt": "WaitUntil",
  "States": {
    "WaitUntil": {
      "Type": "Wait",
      "Timestamp": "2016-12-05T21:29:29",
      "End": true
    }
  }
}
"#;

const UNKNOWN_FIELD: &str = r#"{
  "StartAt": "Greet",
  "States": {
    "Greet": { "Type": "Pass", "Reslut": "hello", "End": true }
  }
}
"#;

/// A short onboarding flow: a Lambda task with input and output processing, a retrier and
/// a catcher, a Wait and a Choice.
const FLOW: &str = r#"{
  "Comment": "Onboarding, in short",
  "StartAt": "SendMessage",
  "States": {
    "SendMessage": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:send_message",
      "InputPath": "$.user",
      "Parameters": { "to.$": "$.email", "text": "welcome" },
      "ResultSelector": { "sent.$": "$.ok" },
      "ResultPath": "$.result",
      "Retry": [{ "ErrorEquals": ["Busy"], "IntervalSeconds": 2, "MaxAttempts": 3 }],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotSent" }],
      "Next": "Wait1"
    },
    "Wait1": { "Type": "Wait", "Seconds": 3, "Next": "CheckSent" },
    "CheckSent": {
      "Type": "Choice",
      "Choices": [{ "Variable": "$.result.sent", "BooleanEquals": true, "Next": "Done" }],
      "Default": "NotSent"
    },
    "NotSent": { "Type": "Fail", "Error": "NotSent", "Cause": "the message was not sent" },
    "Done": { "Type": "Succeed" }
  }
}
"#;

const FLOW_INPUT: &str = r#"{ "user": { "email": "ada@example.com" } }"#;

/// The mail server is busy once, then sends after half a second.
const FLOW_MOCKS: &str = r#"{
  "Resources": {
    "send_message": [
      { "Throw": { "Error": "Busy", "Cause": "mail server busy" } },
      { "Return": { "ok": true }, "Delay": 0.5 }
    ]
  }
}
"#;

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
  OrderFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      DefinitionSubstitutions:
        Table: orders
      Definition:
        StartAt: Charge
        States:
          Charge:
            Type: Task
            Resource: !GetAtt Worker.Arn
            Parameters:
              table: ${Table}
            Next: Ship
          Ship:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke.waitForTaskToken
            Parameters:
              FunctionName: !Ref Worker
            End: true
  LegacyFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: !Sub |
        {
          "StartAt": "Go",
          "States": {
            "Go": { "Type": "Task", "Resource": "${WorkerArn}", "Next": "Gone" }
          }
        }
      DefinitionSubstitutions:
        WorkerArn: !GetAtt Worker.Arn
"#;

/// Two valid state machines in one JSON template.
const TWO_MACHINES: &str = r#"{
  "Resources": {
    "First": {
      "Type": "AWS::StepFunctions::StateMachine",
      "Properties": {
        "Definition": { "StartAt": "A", "States": { "A": { "Type": "Pass", "Result": 1, "End": true } } }
      }
    },
    "Second": {
      "Type": "AWS::StepFunctions::StateMachine",
      "Properties": {
        "DefinitionString": { "Fn::Join": ["", ["{\"StartAt\": \"B\", \"States\": {\"B\": {\"Type\": \"Pass\", \"Result\": \"${Answer}\", \"End\": true}}}"]] },
        "DefinitionSubstitutions": { "Answer": 42 }
      }
    }
  }
}
"#;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

/// A scratch directory the command runs in, so paths in its output are the short names
/// the test wrote.
struct Scratch(tempfile::TempDir);

/// What a command did.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Scratch {
    fn new() -> Self {
        Scratch(tempfile::tempdir().expect("a temporary directory"))
    }

    fn with(self, name: &str, text: &str) -> Self {
        self.write(name, text.as_bytes());
        self
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).expect("a writable scratch file");
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_workflow"));
        command
            .args(args)
            .current_dir(self.0.path())
            .env("NO_COLOR", "1");
        command
    }

    fn run(&self, args: &[&str]) -> Ran {
        let output = self.command(args).output().expect("the binary runs");
        let ran = Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !ran.stderr.contains("panicked"),
            "`workflow {}` panicked:\n{}",
            args.join(" "),
            ran.stderr
        );
        ran
    }
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

// ---------------------------------------------------------------------------------------
// workflow validate
// ---------------------------------------------------------------------------------------

#[test]
fn validate_accepts_a_valid_definition() {
    let dir = Scratch::new().with("flow.asl.json", FLOW);
    dir.command(&["validate", "flow.asl.json"])
        .assert()
        .code(0)
        .stdout("flow.asl.json: OK\n");
    let ran = dir.run(&["validate", "--format", "json", "flow.asl.json"]);
    assert_eq!(ran.code, 0);
    assert_eq!(
        ran.json(),
        json!({ "source": "flow.asl.json", "result": "OK", "diagnostics": [] })
    );
}

#[test]
fn validate_golden_diagnostics() {
    for (case, definition) in [
        ("dangling_next", DANGLING_NEXT),
        ("unreachable_state", UNREACHABLE),
        ("bad_timestamp", BAD_TIMESTAMP),
        ("unknown_field", UNKNOWN_FIELD),
    ] {
        let file = format!("{case}.asl.json");
        let dir = Scratch::new().with(&file, definition);
        let human = dir.run(&["validate", &file]);
        assert_eq!(human.code, 1, "{case}");
        assert_eq!(human.stdout, "", "{case}");
        insta::assert_snapshot!(format!("validate_{case}_human"), human.stderr);
        let json = dir.run(&["validate", "--format", "json", &file]);
        assert_eq!(json.code, 1, "{case}");
        insta::assert_snapshot!(format!("validate_{case}_json"), json.stdout);
    }
}

#[test]
fn validate_finds_every_state_machine_of_a_template() {
    let dir = Scratch::new().with("template.yaml", TEMPLATE);
    let human = dir.run(&["validate", "template.yaml"]);
    assert_eq!(human.code, 1);
    insta::assert_snapshot!("validate_template_human", human.stderr);
    let json = dir.run(&["validate", "--format", "json", "template.yaml"]);
    assert_eq!(json.code, 1);
    insta::assert_snapshot!("validate_template_json", json.stdout);
}

#[test]
fn validate_substitutes_literals_and_reports_each_machine() {
    let dir = Scratch::new().with("two.json", TWO_MACHINES);
    let ran = dir.run(&["validate", "two.json"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "two.json: Resources/First/Properties/Definition: OK\n\
         two.json: Resources/Second/Properties/DefinitionString: OK\n"
    );
}

#[test]
fn validate_reads_a_sam_definition_uri_next_to_the_template() {
    let template = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Flow:\n    \
                    Type: AWS::Serverless::StateMachine\n    Properties:\n      \
                    DefinitionUri: flow.asl.yaml\n      DefinitionSubstitutions:\n        \
                    Table: orders\n";
    let definition = "StartAt: Go\nStates:\n  Go:\n    Type: Pass\n    Parameters:\n      table: ${Table}\n    Next: Gone\n";
    let dir = Scratch::new()
        .with("template.yaml", template)
        .with("flow.asl.yaml", definition);
    let ran = dir.run(&["validate", "template.yaml"]);
    assert_eq!(ran.code, 1);
    // The diagnostic is shown in the definition file, named with the template's property.
    assert!(
        ran.stderr.contains(" --> flow.asl.yaml:7:11"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains(
        "in template.yaml: Resources/Flow/Properties/DefinitionUri (flow.asl.yaml), at /States/Go/Next"
    ));
}

#[test]
fn validate_several_files_prints_an_array_and_the_worst_exit_code() {
    let dir = Scratch::new()
        .with("good.json", FLOW)
        .with("bad.json", UNREACHABLE);
    let ran = dir.run(&["validate", "--format", "json", "good.json", "bad.json"]);
    assert_eq!(ran.code, 1);
    let reports = ran.json();
    let results: Vec<&Value> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["result"])
        .collect();
    assert_eq!(results, [&json!("OK"), &json!("FAIL")]);
    let ran = dir.run(&["validate", "good.json", "bad.json", "missing.json"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stdout.contains("good.json: OK"));
    assert!(ran.stderr.contains("UNREACHABLE_STATE"));
    assert!(
        ran.stderr
            .contains("cannot read `missing.json`: no such file")
    );
}

#[test]
fn validate_express_rules_apply_with_type_express() {
    let definition = r#"{"StartAt": "S", "States": {"S": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync", "End": true}}}"#;
    let dir = Scratch::new().with("sync.json", definition);
    assert_eq!(dir.run(&["validate", "sync.json"]).code, 0);
    let ran = dir.run(&[
        "validate",
        "--type",
        "EXPRESS",
        "--format",
        "json",
        "sync.json",
    ]);
    assert_eq!(ran.code, 1);
    assert_eq!(
        ran.json()["diagnostics"][0]["location"],
        "/States/S/Resource"
    );
}

/// AWS's recorded answers: the same result, and the same first code at the same place.
#[test]
fn validate_agrees_with_the_recorded_aws_results() {
    let corpus = std::env::var_os("CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"))
        .join("invalid_definitions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("the conformance corpus is next to the repository (or set CONFORMANCE_DIR)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the definition records");
    let mut differences = Vec::new();
    for file in &files {
        let record: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = match &record["definition"] {
            Value::String(raw) => raw.clone(),
            other => serde_json::to_string_pretty(other).unwrap(),
        };
        let machine_type = record["state_machine_type"].as_str().unwrap_or("STANDARD");
        let dir = Scratch::new().with("definition.json", &text);
        let ran = dir.run(&[
            "validate",
            "--format",
            "json",
            "--type",
            machine_type,
            "definition.json",
        ]);
        let ours = ran.json();
        let expected = &record["expected"];
        let valid = expected["valid"].as_bool().unwrap();
        let result = ours["result"].as_str().unwrap_or_default();
        if result != if valid { "OK" } else { "FAIL" } || ran.code != i32::from(!valid) {
            differences.push(format!(
                "{name}: expected valid={valid}, got {result} (exit {})",
                ran.code
            ));
            continue;
        }
        if valid {
            continue;
        }
        let aws = &expected["diagnostics"][0];
        let first = &ours["diagnostics"][0];
        let code = aws["code"].as_str().unwrap();
        let location = first["location"].as_str().unwrap_or_default();
        // AWS names the enclosing field where we may name the key inside it; a JSON syntax
        // error's location is a parser position, not a pointer.
        let located = code == "INVALID_JSON_DESCRIPTION"
            || aws["location"].as_str().is_none_or(|l| {
                location == l || location.starts_with(&format!("{}/", l.trim_end_matches('/')))
            });
        if first["code"] != code || !located {
            differences.push(format!(
                "{name}: expected {code} at {}, got {first}",
                aws["location"]
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} records differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn validate_refuses_unusable_input_with_exit_code_2() {
    let dir = Scratch::new()
        .with("notes.txt", "hello: [unclosed\n")
        .with("words.txt", "just some words")
        .with(
            "bucket.yaml",
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
        )
        .with(
            "s3.yaml",
            "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionS3Location: {Bucket: b, Key: k}\n",
        );
    dir.write("latin1.json", &[b'{', 0xe9, b'}']);
    for (file, message) in [
        ("missing.json", "cannot read `missing.json`: no such file"),
        ("notes.txt", "`notes.txt` is neither JSON nor YAML"),
        ("words.txt", "`words.txt` holds no state machine"),
        ("latin1.json", "`latin1.json` is not UTF-8 text"),
        ("bucket.yaml", "`bucket.yaml` has no state machine"),
        ("s3.yaml", "is in S3; it cannot be checked here"),
    ] {
        dir.command(&["validate", file])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains(message).and(predicate::str::contains("panicked").not()),
            );
    }
}

#[test]
fn definitions_over_one_mebibyte_are_refused_as_aws_refuses_them() {
    let comment = "x".repeat(1024 * 1024);
    let big = format!(
        r#"{{"Comment": "{comment}", "StartAt": "A", "States": {{"A": {{"Type": "Succeed"}}}}}}"#
    );
    let dir = Scratch::new().with("big.json", &big);
    let aws = "1 validation error detected: Value at 'definition' failed to satisfy constraint: \
               Member must have length less than or equal to 1048576";
    for args in [
        &["validate", "big.json"][..],
        &["validate", "--format", "json", "big.json"],
        &["run", "big.json"],
        &["test-state", "big.json", "A"],
    ] {
        let ran = dir.run(args);
        assert_eq!(ran.code, 2, "{args:?}");
        assert!(ran.stderr.contains(aws), "{args:?}: {}", ran.stderr);
    }
}

/// `graph` and `export cloudformation` read what `validate` and `run` read: ASL in YAML,
/// and the state machines of a CloudFormation or SAM template.
#[test]
fn graph_and_export_read_yaml_and_templates() {
    let dir = Scratch::new()
        .with(
            "flow.asl.yaml",
            "StartAt: Greet\nStates:\n  Greet: {Type: Pass, Next: Done}\n  Done: {Type: Succeed}\n",
        )
        .with(
            "template.yaml",
            "Resources:\n  First:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      \
             Definition: {StartAt: One, States: {One: {Type: Succeed}}}\n  Second:\n    \
             Type: AWS::Serverless::StateMachine\n    Properties:\n      \
             Definition: {StartAt: Two, States: {Two: {Type: Succeed}}}\n",
        );
    let ran = dir.run(&["graph", "flow.asl.yaml"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Greet") && ran.stdout.contains("Done"),
        "{}",
        ran.stdout
    );
    let ran = dir.run(&["graph", "template.yaml", "--state-machine", "Second"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Two") && !ran.stdout.contains("One"),
        "{}",
        ran.stdout
    );
    // Two state machines and no choice: the command says which there are.
    let ran = dir.run(&["graph", "template.yaml"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("First") && ran.stderr.contains("Second"),
        "{}",
        ran.stderr
    );
    let ran = dir.run(&["export", "cloudformation", "flow.asl.yaml"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("AWS::StepFunctions::StateMachine"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("Greet"), "{}", ran.stdout);
}

/// `/dev/zero` as a file, or an endless pipe on standard input, is an error after a bounded
/// read, not a process that fills memory.
#[test]
fn endless_inputs_are_refused_after_a_bounded_read() {
    let dir = Scratch::new().with(
        "flow.json",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
    );
    for args in [
        &["validate", "/dev/zero"][..],
        &["run", "/dev/zero"],
        &["run", "flow.json", "--input", "@/dev/zero"],
        &["run", "flow.json", "--mocks", "/dev/zero"],
        &["export", "cloudformation", "/dev/zero"],
    ] {
        let ran = dir.run(args);
        // `export` fails with 1 on any error, the others with 2 on unusable input.
        let code = if args[0] == "export" { 1 } else { 2 };
        assert_eq!(ran.code, code, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("larger than 16 MiB"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    // An endless pipe on standard input.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", "flow.json", "--input", "@-"])
        .current_dir(dir.0.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = vec![b' '; 1 << 16];
        // Ends when the command closes its end.
        while std::io::Write::write_all(&mut stdin, &block).is_ok() {}
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("standard input is larger"));
}

#[test]
fn no_input_makes_any_command_panic() {
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let inputs: Vec<(&str, String)> = vec![
        ("empty.json", String::new()),
        ("blank.yaml", "  \n".to_owned()),
        ("deep.json", deep.clone()),
        ("deep.txt", deep),
        ("laughs.yaml", laughs.to_owned()),
        ("number.json", "1e999999".to_owned()),
        ("array.json", "[1, 2]".to_owned()),
        ("states.json", r#"{"StartAt": 1, "States": []}"#.to_owned()),
        ("nulls.yaml", "StartAt: ~\nStates: {A: ~}\n".to_owned()),
        ("tags.yaml", "Resources: !Ref X\n".to_owned()),
        ("strange.yaml", "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Sub [1, 2]\n".to_owned()),
        ("uri.yaml", "Resources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: ../../nowhere.json\n".to_owned()),
        ("bom.json", "\u{feff}{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Succeed\"}}}".to_owned()),
        ("keys.json", r#"{"StartAt": "é/~", "States": {"é/~": {"Type": "Pass", "Next": "\ud83d"}}}"#.to_owned()),
    ];
    let dir = Scratch::new();
    for (name, text) in &inputs {
        dir.write(name, text.as_bytes());
        for args in [
            vec!["validate", name],
            vec!["validate", "--format", "json", name],
            vec!["run", name, "--fast"],
            vec!["test-state", name, "A"],
        ] {
            let ran = dir.run(&args);
            assert!((0..=2).contains(&ran.code), "{args:?} exited {}", ran.code);
        }
    }
}

// ---------------------------------------------------------------------------------------
// workflow run
// ---------------------------------------------------------------------------------------

fn flow_dir() -> Scratch {
    Scratch::new()
        .with("flow.asl.json", FLOW)
        .with("input.json", FLOW_INPUT)
        .with("mocks.json", FLOW_MOCKS)
}

const REPRODUCIBLE: [&str; 4] = ["--start-time", "2024-01-01T00:00:00Z", "--seed", "7"];

#[test]
fn run_logs_each_event_and_prints_the_output() {
    let dir = flow_dir();
    let mut args = vec![
        "run",
        "flow.asl.json",
        "--input",
        "@input.json",
        "--mocks",
        "mocks.json",
    ];
    args.extend(REPRODUCIBLE);
    let ran = dir.run(&args);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    insta::assert_snapshot!("run_succeeded_log", ran.stderr);
    insta::assert_snapshot!("run_succeeded_output", ran.stdout);
}

/// The log shows each event as it happens: a Wait's entered event while it waits.
#[test]
fn run_logs_a_wait_before_it_ends() {
    use std::io::BufRead;
    let dir = Scratch::new().with(
        "wait.json",
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3, "End": true}}}"#,
    );
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", "wait.json"])
        .current_dir(dir.0.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    for line in stderr.lines() {
        if line.unwrap().contains("WaitStateEntered") {
            break;
        }
    }
    // Seen while the 3-second wait goes on.
    assert!(started.elapsed() < std::time::Duration::from_millis(2500));
    assert!(child.try_wait().unwrap().is_none(), "still waiting");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn run_quiet_prints_only_the_output_and_reads_standard_input() {
    let dir = flow_dir();
    dir.command(&[
        "run",
        "flow.asl.json",
        "--input",
        "@-",
        "--mocks",
        "mocks.json",
        "--fast",
        "-q",
    ])
    .write_stdin(FLOW_INPUT)
    .assert()
    .code(0)
    .stderr("")
    .stdout(predicate::str::contains("\"sent\": true"));
}

#[test]
fn run_a_failed_execution_exits_1_with_error_and_cause() {
    let dir = flow_dir().with(
        "gone.json",
        r#"{"Resources": {"send_message": {"Throw": {"Error": "Lambda.ResourceNotFoundException"}}}}"#,
    );
    // The function is gone: the catcher sends the execution to NotSent.
    let ran = dir.run(&[
        "run",
        "flow.asl.json",
        "--input",
        FLOW_INPUT,
        "--mocks",
        "gone.json",
        "--fast",
    ]);
    assert_eq!(ran.code, 1);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr
            .contains("LambdaFunctionFailed      Lambda.ResourceNotFoundException")
    );
    assert!(
        ran.stderr
            .ends_with("execution failed\n  error: NotSent\n  cause: the message was not sent\n")
    );
}

/// The status line is for a terminal: piped standard error gets the event log alone.
#[test]
fn run_shows_no_status_line_when_standard_error_is_not_a_terminal() {
    let map = r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}}}}"#;
    let dir = Scratch::new().with("map.json", map);
    let ran = dir.run(&["run", "map.json", "--input", "[1, 2, 3]", "--fast"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("MapIterationSucceeded"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains(" real"), "{}", ran.stderr);
    assert!(!ran.stderr.contains('\r') && !ran.stderr.contains('\u{1b}'));
}

/// AWS measures the input as sent: spaces count, though the parsed value is small.
#[test]
fn run_measures_the_input_as_given() {
    let padded = format!("{{\"a\": 1{}}}", " ".repeat(300 * 1024));
    let dir = Scratch::new()
        .with(
            "pass.json",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
        )
        .with("padded.json", &padded);
    let ran = dir.run(&[
        "run",
        "pass.json",
        "--input",
        "@padded.json",
        "--fast",
        "-q",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&format!("is {} bytes", padded.len())),
        "{}",
        ran.stderr
    );
}

#[test]
fn run_a_timed_out_execution_exits_3() {
    let slow = r#"{"TimeoutSeconds": 5, "StartAt": "W",
                   "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}"#;
    let dir = Scratch::new().with("slow.json", slow);
    let ran = dir.run(&["run", "slow.json", "--fast", "-q"]);
    assert_eq!(ran.code, 3);
    assert_eq!(ran.stderr, "execution timed out\n");
}

#[test]
fn run_history_json_is_the_aws_shaped_history() {
    let dir = flow_dir();
    let mut args = vec![
        "run",
        "flow.asl.json",
        "--input",
        "@input.json",
        "--mocks",
        "mocks.json",
        "--history",
        "json",
    ];
    args.extend(REPRODUCIBLE);
    let ran = dir.run(&args);
    assert_eq!(ran.code, 0);
    assert_eq!(ran.stderr, "");
    let history = ran.json();
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "LambdaFunctionFailed")
            .count(),
        1
    );
    assert_eq!(events[1]["stateEnteredEventDetails"]["name"], "SendMessage");
    // As AWS records it: the first state's entered event links to no previous event.
    assert_eq!(events[1]["previousEventId"], 0);
    assert_eq!(events[2]["previousEventId"], 2);
}

#[test]
fn run_picks_a_state_machine_of_a_template() {
    let dir = Scratch::new().with("two.json", TWO_MACHINES);
    dir.command(&["run", "two.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`two.json` holds 2 state machines (First, Second): choose one with --state-machine LOGICAL_ID",
        ));
    dir.command(&["run", "two.json", "--state-machine", "Second", "-q"])
        .assert()
        .code(0)
        .stdout("\"42\"\n");
    dir.command(&["run", "two.json", "--state-machine", "Third"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "has no state machine `Third` (it has First, Second)",
        ));
}

#[test]
fn run_refuses_unusable_input_with_exit_code_2() {
    let dir = flow_dir()
        .with("invalid.json", DANGLING_NEXT)
        .with(
            "bad-mocks.json",
            r#"{"Resources": {"send_message": {"Retrun": 1}}}"#,
        )
        .with(
            "misspelt-mocks.json",
            r#"{"Resources": {"send_message": {"Return": 1}, "send_mesage": {"Return": 1}}}"#,
        );
    for (args, message) in [
        (
            vec!["run", "missing.json"],
            "cannot read `missing.json`: no such file",
        ),
        (
            vec!["run", "invalid.json"],
            "`invalid.json` cannot run until it is valid",
        ),
        (
            vec![
                "run",
                "flow.asl.json",
                "--mocks",
                "mocks.json",
                "--input",
                "{oops",
            ],
            "--input: the argument is not JSON",
        ),
        (
            vec![
                "run",
                "flow.asl.json",
                "--mocks",
                "mocks.json",
                "--input",
                "@nowhere.json",
            ],
            "--input: cannot read `nowhere.json`",
        ),
        // A Task without a mock is named before the run, not failed and retried.
        (
            vec!["run", "flow.asl.json"],
            "these Task resources have no mock: arn:aws:lambda:us-east-1:123456789012:function:send_message",
        ),
        (
            vec!["run", "flow.asl.json", "--mocks", "misspelt-mocks.json"],
            "`send_mesage` is not a Task resource of the definition",
        ),
        (
            vec!["run", "flow.asl.json", "--mocks", "bad-mocks.json"],
            "mocks file `bad-mocks.json`: /Resources/send_message/Retrun",
        ),
        (
            vec![
                "run",
                "flow.asl.json",
                "--mocks",
                "mocks.json",
                "--start-time",
                "yesterday",
            ],
            "--start-time: `yesterday` is not an RFC 3339 timestamp",
        ),
    ] {
        dir.command(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
    // The diagnostics of an invalid definition are shown as `validate` shows them.
    dir.command(&["run", "invalid.json"])
        .assert()
        .stderr(predicate::str::contains("error[MISSING_TRANSITION_TARGET]"));
}

// ---------------------------------------------------------------------------------------
// workflow test-state
// ---------------------------------------------------------------------------------------

#[test]
fn test_state_debug_shows_each_processing_step() {
    let dir = flow_dir();
    let ran = dir.run(&[
        "test-state",
        "flow.asl.json",
        "SendMessage",
        "--input",
        FLOW_INPUT,
        "--mock",
        r#"{"result": "{\"ok\": true}"}"#,
        "--inspection-level",
        "DEBUG",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    insta::assert_snapshot!("test_state_debug", ran.stdout);
}

#[test]
fn test_state_statuses_and_exit_codes() {
    let dir = flow_dir();
    let test = |state: &str, input: &str, extra: &[&str]| {
        let mut args = vec!["test-state", "flow.asl.json", state, "--input", input];
        args.extend(extra);
        let ran = dir.run(&args);
        (ran.code, ran.json())
    };
    // The mail server is busy: a retrier matches, so TestState would retry.
    let (code, response) = test("SendMessage", FLOW_INPUT, &["--mocks", "mocks.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        response,
        json!({ "error": "Busy", "cause": "mail server busy", "status": "RETRIABLE" })
    );
    // Another error: the catcher takes it.
    let (code, response) = test(
        "SendMessage",
        FLOW_INPUT,
        &[
            "--mock",
            r#"{"errorOutput": {"error": "Bounced", "cause": "no such user"}}"#,
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(response["status"], "CAUGHT_ERROR");
    assert_eq!(response["nextState"], "NotSent");
    assert_eq!(response["error"], "Bounced");
    let output: Value = serde_json::from_str(response["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output["error"],
        json!({ "Error": "Bounced", "Cause": "no such user" })
    );
    // A Choice goes where its rules say.
    let (code, response) = test("CheckSent", r#"{"result": {"sent": false}}"#, &[]);
    assert_eq!(code, 0);
    assert_eq!(response["nextState"], "NotSent");
    assert_eq!(response["status"], "SUCCEEDED");
    // A Wait takes no time and moves on.
    let (code, response) = test("Wait1", "{}", &[]);
    assert_eq!((code, &response["nextState"]), (0, &json!("CheckSent")));
    // A Fail state fails.
    let (code, response) = test("NotSent", "{}", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        response,
        json!({ "error": "NotSent", "cause": "the message was not sent", "status": "FAILED" })
    );
}

#[test]
fn test_state_a_retried_parallel_is_retriable() {
    let definition = r#"{"StartAt": "Fan", "States": {
        "Fan": {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a", "End": true}}}],
         "Retry": [{"ErrorEquals": ["Flaky"]}], "End": true}}}"#;
    let mocks =
        r#"{"Resources": {"a": [{"Throw": {"Error": "Flaky", "Cause": "once"}}, {"Return": 1}]}}"#;
    let dir = Scratch::new()
        .with("fan.json", definition)
        .with("mocks.json", mocks);
    let ran = dir.run(&["test-state", "fan.json", "Fan", "--mocks", "mocks.json"]);
    assert_eq!(ran.code, 1);
    assert_eq!(
        ran.json(),
        json!({ "error": "Flaky", "cause": "once", "status": "RETRIABLE" })
    );
}

#[test]
fn test_state_mocks_a_computed_lambda_invoke_and_reaches_nested_states() {
    let definition = r#"{"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName.$": "$.fn", "Payload": {"n.$": "$.n"}},
            "ResultSelector": {"out.$": "$.Payload"}, "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.xs", "End": true,
            "ItemProcessor": {"StartAt": "Twice", "States": {"Twice": {"Type": "Pass",
                "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": true}}}}}}"#;
    let dir = Scratch::new().with("invoke.json", definition);
    let inspection = |ran: &Ran, field: &str| -> Value {
        let data = &ran.json()["inspectionData"];
        serde_json::from_str(data[field].as_str().unwrap_or("null")).unwrap()
    };
    // As in AWS's TestState, the mock is the Lambda Invoke API's response, as it is.
    let ran = dir.run(&[
        "test-state",
        "invoke.json",
        "--state-name",
        "Call",
        "--input",
        r#"{"fn": "double", "n": 2}"#,
        "--mock",
        r#"{"result": "{\"StatusCode\": 200, \"Payload\": {\"v\": 4}}", "fieldValidationMode": "NONE"}"#,
        "--inspection-level",
        "TRACE",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        inspection(&ran, "afterParameters"),
        json!({ "FunctionName": "double", "Payload": { "n": 2 } })
    );
    assert_eq!(
        inspection(&ran, "result"),
        json!({ "StatusCode": 200, "Payload": { "v": 4 } })
    );
    assert_eq!(ran.json()["output"], json!("{\"out\":{\"v\":4}}"));
    assert_eq!(ran.json()["nextState"], json!("Each"));
    // STRICT (the default) checks the mock against the Invoke API's output shape.
    dir.command(&[
        "test-state",
        "invoke.json",
        "Call",
        "--mock",
        r#"{"result": "{\"StatusCode\": \"200\"}"}"#,
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "Mock result schema validation error: Field 'StatusCode' must be a number",
    ));
    // A state of a Map's item processor runs alone.
    let ran = dir.run(&["test-state", "invoke.json", "Twice", "--input", "3"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.json(),
        json!({ "output": "{\"v\":6}", "status": "SUCCEEDED" })
    );
}

#[test]
fn test_state_refuses_unknown_states_and_bad_mocks() {
    let dir = flow_dir();
    dir.command(&["test-state", "flow.asl.json", "CheckSnet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "there is no state `CheckSnet` (did you mean `CheckSent`?)",
        ));
    dir.command(&[
        "test-state",
        "flow.asl.json",
        "SendMessage",
        "--mock",
        r#"{"result": 1}"#,
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "--mock: Mocked result must be a JSON string.",
    ));
}

#[test]
fn test_state_takes_a_context_variables_and_a_state_configuration() {
    let definition = r#"{"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload": {"who.$": "$$.Execution.Name", "v.$": "$v"}},
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 2, "MaxAttempts": 3}],
            "ResultSelector": {"ctx.$": "$$.Execution.Name"}, "End": true}}}"#;
    let dir = Scratch::new().with("call.json", definition);
    let ran = dir.run(&[
        "test-state",
        "call.json",
        "--mock",
        r#"{"result": "{}"}"#,
        "--context",
        r#"{"Execution": {"Name": "given"}}"#,
        "--variables",
        r#"{"v": 1}"#,
        "--inspection-level",
        "DEBUG",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let data = &ran.json()["inspectionData"];
    assert_eq!(
        data["afterParameters"],
        json!(r#"{"FunctionName":"f","Payload":{"who":"given","v":1}}"#)
    );
    assert_eq!(data["variables"], json!(r#"{"v":1}"#));
    // The retrier has made one retry already: its next backoff is 4 s.
    let ran = dir.run(&[
        "test-state",
        "call.json",
        "Call",
        "--mock",
        r#"{"errorOutput": {"error": "Busy", "cause": "later"}}"#,
        "--variables",
        r#"{"v": 2}"#,
        "--state-configuration",
        r#"{"retrierRetryCount": 1}"#,
        "--inspection-level",
        "DEBUG",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.json()["status"], "RETRIABLE");
    assert_eq!(
        ran.json()["inspectionData"]["errorDetails"],
        json!({ "retryIndex": 0, "retryBackoffIntervalSeconds": 4 })
    );
    // `$$` takes only the fields AWS's context object has.
    dir.command(&[
        "test-state",
        "call.json",
        "--mock",
        r#"{"result": "{}"}"#,
        "--context",
        r#"{"Pokedex": {}}"#,
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "Invalid Context object provided: Field 'Pokedex' is not allowed",
    ));
}

#[test]
fn test_state_runs_a_state_of_a_template() {
    let dir = Scratch::new().with("two.json", TWO_MACHINES);
    let ran = dir.run(&["test-state", "two.json", "B", "--state-machine", "Second"]);
    assert_eq!(ran.code, 0);
    assert_eq!(
        ran.json(),
        json!({ "output": "\"42\"", "status": "SUCCEEDED" })
    );
}

#[test]
fn every_subcommand_help_shows_an_example_and_the_exit_codes() {
    let dir = Scratch::new();
    for command in [
        &["validate"][..],
        &["run"],
        &["graph"],
        &["serve"],
        &["test-state"],
        &["export", "cloudformation"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let ran = dir.run(&args);
        assert_eq!(ran.code, 0, "{args:?}");
        assert!(
            ran.stdout.contains("Example:\n  workflow ")
                && ran.stdout.contains("Exit codes:\n  0 "),
            "{args:?}:\n{}",
            ran.stdout
        );
    }
}

#[test]
fn run_verbose_prints_a_span_per_execution_step_and_state() {
    let dir = Scratch::new().with(
        "two.json",
        r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "W"}, "W": {"Type": "Wait", "Seconds": 1, "End": true}}}"#,
    );
    let ran = dir.run(&["run", "two.json", "--fast", "-v"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    for expected in [
        r#"state{name=P type="Pass"}: close time.busy="#,
        r#"state{name=W type="Wait"}: close"#,
        "execution{arn=arn:aws:states:us-east-1:123456789012:execution:two:local-execution}",
    ] {
        assert!(ran.stderr.contains(expected), "{expected}:\n{}", ran.stderr);
    }
    let quiet = dir.run(&["run", "two.json", "--fast"]);
    assert!(!quiet.stderr.contains("time.busy"), "{}", quiet.stderr);
}
