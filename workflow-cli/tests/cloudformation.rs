//! `workflow export cloudformation`: the template for the onboarding example, and what every
//! template must hold (a substitution for every placeholder, a role that may invoke exactly
//! the handler functions).
//!
//! `fixtures/onboarding.asl.json` is `cargo run -q --example onboarding -- --emit-asl`;
//! regenerate it when the example changes. `.ci/cfn-lint.sh` lints the same template.

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::{Value, json};
use workflow_cli::cloudformation::{
    ExportError, Template, for_workflow, handler_placeholders, template,
};
use workflow_runtime::{TaskError, workflow};

const ONBOARDING: &str = include_str!("fixtures/onboarding.asl.json");

fn onboarding() -> Template {
    let handlers = handler_placeholders(ONBOARDING).expect("the fixture is JSON");
    template("onboarding", ONBOARDING, &handlers).expect("the onboarding template")
}

/// The logical IDs of the template's resources of type `kind`.
fn resources_of_type(document: &Value, kind: &str) -> BTreeSet<String> {
    document["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, _)| id.clone())
        .collect()
}

/// `{"Fn::GetAtt": [id, "Arn"]}` -> `id`.
fn arn_of(value: &Value) -> Option<&str> {
    match value["Fn::GetAtt"].as_array()?.as_slice() {
        [Value::String(id), Value::String(attribute)] if attribute == "Arn" => Some(id),
        _ => None,
    }
}

#[test]
fn the_onboarding_template() {
    insta::assert_snapshot!("onboarding.yaml", onboarding().to_yaml());
}

#[test]
fn the_handlers_of_an_asl_file_are_its_function_placeholders() {
    assert_eq!(
        handler_placeholders(ONBOARDING).unwrap(),
        [
            (
                "send_message".to_owned(),
                "${SendMessageFunctionArn}".to_owned()
            ),
            (
                "fetch_activity_count".to_owned(),
                "${FetchActivityCountFunctionArn}".to_owned()
            ),
        ]
    );
}

#[test]
fn every_placeholder_is_substituted_by_a_handler_function() {
    let template = onboarding();
    let document = template.document();
    let machine = &document["Resources"]["OnboardingStateMachine"]["Properties"];
    assert_eq!(
        machine["DefinitionString"],
        ONBOARDING.trim_end(),
        "the ASL is deployed as it is, but for the final line break"
    );

    let functions = resources_of_type(document, "AWS::Lambda::Function");
    assert_eq!(
        functions,
        BTreeSet::from([
            "SendMessageFunction".into(),
            "FetchActivityCountFunction".into()
        ])
    );
    let substitutions = machine["DefinitionSubstitutions"].as_object().unwrap();
    let definition = machine["DefinitionString"].as_str().unwrap();
    let mut used = BTreeSet::new();
    for piece in definition.split("${").skip(1) {
        let variable = piece.split('}').next().unwrap();
        let function = substitutions
            .get(variable)
            .and_then(arn_of)
            .unwrap_or_else(|| panic!("`${{{variable}}}` has no substitution"));
        assert!(functions.contains(function), "{function} is not a function");
        used.insert(function.to_owned());
    }
    assert_eq!(
        used, functions,
        "every function is called by the definition"
    );
}

#[test]
fn the_state_machine_role_may_invoke_exactly_the_handler_functions() {
    let template = onboarding();
    let document = template.document();
    let machine = &document["Resources"]["OnboardingStateMachine"]["Properties"];
    let role_id = arn_of(&machine["RoleArn"]).unwrap();
    let role = &document["Resources"][role_id];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    assert_eq!(
        role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({ "Service": "states.amazonaws.com" })
    );

    let policies = role["Properties"]["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    let statements = policies[0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["Effect"], "Allow");
    assert_eq!(statements[0]["Action"], "lambda:InvokeFunction");
    let invocable: BTreeSet<String> = statements[0]["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| arn_of(r).expect("a function ARN").to_owned())
        .collect();
    assert_eq!(
        invocable,
        resources_of_type(document, "AWS::Lambda::Function")
    );
}

#[test]
fn each_function_runs_a_rust_bootstrap_from_the_code_bucket_with_its_own_role() {
    let template = onboarding();
    let document = template.document();
    let function = &document["Resources"]["SendMessageFunction"]["Properties"];
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(function["Handler"], "bootstrap");
    assert_eq!(
        function["Architectures"],
        json!([{ "Ref": "Architecture" }])
    );
    assert_eq!(
        function["Code"],
        json!({ "S3Bucket": { "Ref": "CodeBucket" }, "S3Key": { "Ref": "SendMessageCodeKey" } })
    );
    let role = &document["Resources"][arn_of(&function["Role"]).unwrap()]["Properties"];
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({ "Service": "lambda.amazonaws.com" })
    );
    assert_eq!(
        document["Parameters"]["SendMessageCodeKey"]["Default"],
        "send_message.zip"
    );
    assert_eq!(
        document["Outputs"]["OnboardingStateMachineArn"]["Value"],
        json!({ "Ref": "OnboardingStateMachine" })
    );
}

#[test]
fn the_json_form_is_the_document() {
    let template = onboarding();
    let json: Value = serde_json::from_str(&template.to_json()).unwrap();
    assert_eq!(&json, template.document());
}

#[test]
fn the_command_writes_the_library_template() {
    let dir = tempfile::tempdir().unwrap();
    let asl = dir.path().join("onboarding.asl.json");
    std::fs::write(&asl, ONBOARDING).unwrap();
    let yaml = Command::cargo_bin("workflow")
        .unwrap()
        .args(["export", "cloudformation"])
        .arg(&asl)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(yaml).unwrap(), onboarding().to_yaml());

    let output = dir.path().join("template.json");
    Command::cargo_bin("workflow")
        .unwrap()
        .args([
            "export",
            "cloudformation",
            "--format",
            "json",
            "--name",
            "Onboarding",
            "-o",
        ])
        .arg(&output)
        .arg(&asl)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        onboarding().to_json()
    );
}

#[test]
fn the_command_rejects_an_invalid_definition() {
    Command::cargo_bin("workflow")
        .unwrap()
        .args(["export", "cloudformation", "-"])
        .write_stdin(r#"{"StartAt": "Missing", "States": {"A": {"Type": "Succeed"}}}"#)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not a valid state machine"));
}

workflow! {
    /// Two handlers deployed by the template, one already deployed elsewhere.
    pub Orders {
        start_at: Reserve,
        handlers: {
            reserve_stock(serde_json::Value) -> serde_json::Value,
            charge_card,
            notify = "arn:aws:lambda:eu-west-1:123456789012:function:notify",
        },
        states: {
            Reserve: Task {
                resource: reserve_stock,
                catch: [{ error_equals: [OutOfStock], next: Notify }],
                next: Charge,
            },
            Charge: Task { resource: charge_card, next: Notify },
            Notify: Task { resource: notify, end: true },
        }
    }
}

/// Handlers that type-check against the generated trait; the template never runs them.
#[allow(dead_code)]
struct Shop;

impl OrdersHandlers for Shop {
    async fn reserve_stock(&self, order: Value) -> Result<Value, TaskError> {
        Ok(order)
    }
    async fn charge_card(&self, order: Value) -> Result<Value, TaskError> {
        Ok(order)
    }
    async fn notify(&self, order: Value) -> Result<Value, TaskError> {
        Ok(order)
    }
}

#[test]
fn a_workflow_macro_workflow_gets_the_same_template_as_its_asl_file() {
    let from_macro = for_workflow::<Orders>().unwrap();
    let handlers = handler_placeholders(<Orders as workflow_runtime::Workflow>::ASL).unwrap();
    let from_file = template(
        "Orders",
        <Orders as workflow_runtime::Workflow>::ASL,
        &handlers,
    )
    .unwrap();
    assert_eq!(from_macro, from_file);
}

#[test]
fn a_handler_with_a_lambda_arn_gets_no_function_but_may_be_invoked() {
    let template = for_workflow::<Orders>().unwrap();
    let document = template.document();
    assert_eq!(
        resources_of_type(document, "AWS::Lambda::Function"),
        BTreeSet::from(["ReserveStockFunction".into(), "ChargeCardFunction".into()])
    );
    let statement = &document["Resources"]["OrdersStateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"][0];
    assert_eq!(
        statement["Resource"],
        json!([
            { "Fn::GetAtt": ["ReserveStockFunction", "Arn"] },
            { "Fn::GetAtt": ["ChargeCardFunction", "Arn"] },
            "arn:aws:lambda:eu-west-1:123456789012:function:notify",
        ])
    );
    assert!(template.warnings().is_empty());
}

#[test]
fn a_placeholder_no_handler_fills_is_an_error() {
    let asl = r#"{
        "StartAt": "A",
        "States": {
            "A": { "Type": "Task", "Resource": "${QueueUrl}", "End": true }
        }
    }"#;
    let handlers = handler_placeholders(asl).unwrap();
    assert!(handlers.is_empty());
    assert_eq!(
        template("Flow", asl, &handlers),
        Err(ExportError::UnfilledPlaceholders(vec![
            "${QueueUrl}".into()
        ]))
    );
}

#[test]
fn a_task_that_is_not_lambda_is_left_to_the_user_with_a_warning() {
    let asl = r#"{
        "StartAt": "A",
        "States": {
            "A": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                   "Parameters": { "QueueUrl": "https://example.invalid/q", "MessageBody": "hi" },
                   "End": true }
        }
    }"#;
    let template = template("Flow", asl, &[("send", "arn:aws:states:::sqs:sendMessage")]).unwrap();
    assert_eq!(template.warnings().len(), 1);
    assert!(template.warnings()[0].contains("state `A` calls"));
    let role = &template.document()["Resources"]["FlowStateMachineRole"]["Properties"];
    assert!(role.get("Policies").is_none(), "no empty policy: {role}");
    assert!(template.document().get("Parameters").is_none());
}

#[test]
fn names_and_definitions_are_checked() {
    let no: &[(&str, &str)] = &[];
    assert_eq!(
        template("123", ONBOARDING, no),
        Err(ExportError::InvalidName("123".into()))
    );
    assert!(matches!(
        template("Flow", "{", no),
        Err(ExportError::InvalidAsl(_))
    ));
    assert!(matches!(
        template("Flow", r#"{"StartAt": "A", "States": {}}"#, no),
        Err(ExportError::InvalidAsl(_))
    ));
}
