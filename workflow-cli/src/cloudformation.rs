//! `workflow export cloudformation FILE`: a CloudFormation template that deploys a state
//! machine and its handlers, like one a person would write by hand.
//!
//! The input is an ASL document whose Task resources are handler placeholders,
//! `${SendMessageFunctionArn}`, which is what `workflow!` exports by default. The template
//! (plain CloudFormation, no SAM transform) holds:
//!
//! - `<Name>StateMachine`, an `AWS::StepFunctions::StateMachine`: the ASL text as it is
//!   (less a final line break) as its `DefinitionString`, with `DefinitionSubstitutions` mapping each placeholder to
//!   `!GetAtt <Handler>Function.Arn`;
//! - `<Name>StateMachineRole`, the role Step Functions assumes, allowed
//!   `lambda:InvokeFunction` on exactly the functions the definition calls: the handler
//!   functions by their unqualified ARNs, which is what the substitutions put in the
//!   definition (`${Arn}:*`, any version or alias, only for a handler the definition calls
//!   as `${SendMessageFunctionArn}:alias`), and any Lambda function it names by ARN;
//! - per handler, `<Handler>Function`, an `AWS::Lambda::Function` running a Rust binary:
//!   runtime `provided.al2023`, handler `bootstrap`, code from the S3 object named by the
//!   `CodeBucket` and `<Handler>CodeKey` parameters, architecture from the `Architecture`
//!   parameter (`arm64` by default, or `x86_64`);
//! - per handler, `<Handler>FunctionRole`, its execution role, with the
//!   `AWSLambdaBasicExecutionRole` managed policy (CloudWatch Logs only).
//!
//! The output `<Name>StateMachineArn` is the state machine's ARN. No resource is given a
//! fixed physical name, so the same template deploys to several stacks side by side, and
//! deploying it needs `CAPABILITY_IAM` (not `CAPABILITY_NAMED_IAM`).
//!
//! A `workflow!` workflow gets the same template from [`for_workflow`], without going
//! through a file.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Map, Value, json};
use workflow_core::diagnostic::{pascal_case, snake_case};
use workflow_runtime::Workflow;

mod yaml;

/// Arguments of `workflow export cloudformation`.
#[derive(clap::Args)]
pub struct Args {
    /// The ASL (JSON or YAML; or a CloudFormation/SAM template holding it), with handler
    /// placeholders such as `${SendMessageFunctionArn}` as Task resources; `-` reads JSON
    /// from standard input.
    pub file: PathBuf,
    /// The state machine to export, by logical id, when a template has several.
    #[arg(long, value_name = "LOGICAL_ID")]
    pub state_machine: Option<String>,
    /// The workflow's name, the prefix of the state machine's logical IDs [default: the file
    /// name before its first `.`, in PascalCase].
    #[arg(long)]
    pub name: Option<String>,
    /// Write the template to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// The template's format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
}

/// The two formats CloudFormation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// YAML, with short-form intrinsics (`!GetAtt SendMessageFunction.Arn`).
    Yaml,
    /// JSON, with long-form intrinsics (`{"Fn::GetAtt": ["SendMessageFunction", "Arn"]}`).
    Json,
}

/// Runs `workflow export cloudformation`.
pub fn main(args: Args) -> ExitCode {
    match export(&args) {
        Ok(warnings) => {
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn export(args: &Args) -> Result<Vec<String>, String> {
    let from_stdin = args.file.as_os_str() == "-";
    let asl = if from_stdin {
        let bytes = crate::source::read_capped(std::io::stdin(), "standard input")
            .map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|_| "standard input is not UTF-8 text".to_owned())?
    } else {
        // The inputs `validate` and `run` read: ASL in JSON or YAML, or a template.
        let loaded = crate::source::load(&args.file).map_err(|e| e.to_string())?;
        crate::source::select(loaded, &args.file, args.state_machine.as_deref())
            .map_err(|e| e.to_string())?
            .json_text()
    };
    let name = match &args.name {
        Some(name) => name.clone(),
        None if from_stdin => "Workflow".to_owned(),
        None => default_name(&args.file),
    };
    let handlers = handler_placeholders(&asl).map_err(|e| e.to_string())?;
    let template = template(&name, &asl, &handlers).map_err(|e| e.to_string())?;
    let text = template.render(args.format);
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the template: {e}"))?,
    }
    Ok(template.warnings().to_vec())
}

/// `path/to/onboarding.asl.json` -> `onboarding`.
fn default_name(file: &std::path::Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.split_once('.') {
        Some((stem, _)) => stem.to_owned(),
        None => name,
    }
}

/// Why no template could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// The ASL is not JSON, or not a valid state machine; the diagnostics, one per line.
    InvalidAsl(String),
    /// The name gives no logical ID (it must contain a letter or digit and start with a
    /// letter).
    InvalidName(String),
    /// A handler's placeholder cannot name a function: its variable is not alphanumeric.
    InvalidPlaceholder {
        /// The handler.
        handler: String,
        /// Its resource.
        resource: String,
    },
    /// Two handlers would get the same logical ID.
    DuplicateLogicalId(String),
    /// `${...}` placeholders in the ASL that no handler fills: CloudFormation would leave
    /// them in the definition, and Step Functions would reject it.
    UnfilledPlaceholders(Vec<String>),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::InvalidAsl(why) => {
                write!(f, "the ASL is not a valid state machine: {why}")
            }
            ExportError::InvalidName(name) => write!(
                f,
                "`{name}` gives no CloudFormation logical ID: it must start with a letter, \
                 then letters, digits or separators"
            ),
            ExportError::InvalidPlaceholder { handler, resource } => write!(
                f,
                "handler `{handler}`: `{resource}` is not a placeholder the template can fill; \
                 expected `${{<Name>FunctionArn}}` with an alphanumeric name"
            ),
            ExportError::DuplicateLogicalId(id) => {
                write!(f, "two handlers would both be deployed as `{id}`")
            }
            ExportError::UnfilledPlaceholders(placeholders) => write!(
                f,
                "no handler fills {}: only `${{<Name>FunctionArn}}` placeholders become Lambda \
                 functions",
                placeholders
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for ExportError {}

/// A CloudFormation template, in its JSON form; [`Template::to_yaml`] writes it as YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    document: Value,
    warnings: Vec<String>,
}

impl Template {
    /// The template as CloudFormation's JSON form, with long-form intrinsics.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// What the template cannot do by itself: a Task state that calls something other than a
    /// Lambda function it can name, so the state machine role has no permission for it.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The template as pretty-printed JSON, ending with a line break.
    pub fn to_json(&self) -> String {
        // Plain JSON data always serializes.
        let mut text = serde_json::to_string_pretty(&self.document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The template as YAML, with short-form intrinsics and the definition as a literal block.
    pub fn to_yaml(&self) -> String {
        let mut text = String::from(
            "# Exported by `workflow export cloudformation`. Deploy with `aws cloudformation deploy\n\
             # --capabilities CAPABILITY_IAM`, after uploading one zip per handler to CodeBucket.\n",
        );
        text.push_str(&yaml::to_yaml(&self.document));
        text
    }

    /// The template in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Yaml => self.to_yaml(),
            Format::Json => self.to_json(),
        }
    }
}

/// The template for a `workflow!` workflow: [`template`] with its name, ASL and handlers.
///
/// ```
/// use workflow_runtime::{TaskError, workflow};
///
/// workflow! {
///     pub Greeting {
///         start_at: Greet,
///         handlers: { greet },
///         states: { Greet: Task { resource: greet, end: true } }
///     }
/// }
///
/// let template = workflow_cli::cloudformation::for_workflow::<Greeting>()?;
/// assert!(template.to_yaml().contains("GreetFunctionArn: !GetAtt GreetFunction.Arn"));
/// # Ok::<(), workflow_cli::cloudformation::ExportError>(())
/// ```
pub fn for_workflow<W: Workflow>() -> Result<Template, ExportError> {
    // RESOURCES is (resource, handler); `template` takes (handler, resource).
    let handlers: Vec<(&str, &str)> = W::RESOURCES.iter().map(|&(r, h)| (h, r)).collect();
    template(W::NAME, W::ASL, &handlers)
}

/// The `(handler, placeholder)` pairs for the handler placeholders in an ASL document, in
/// the order they first appear: `${SendMessageFunctionArn}` -> `("send_message",
/// "${SendMessageFunctionArn}")`. What `workflow export cloudformation` deploys for a file.
/// Other `${...}` placeholders are left out, for [`template`] to report.
pub fn handler_placeholders(asl: &str) -> Result<Vec<(String, String)>, ExportError> {
    let document: Value =
        serde_json::from_str(asl).map_err(|e| ExportError::InvalidAsl(e.to_string()))?;
    Ok(placeholders(&document)
        .into_iter()
        .filter_map(|placeholder| {
            let variable = placeholder_variable(&placeholder)?;
            let stem = variable.strip_suffix("FunctionArn")?;
            is_logical_id(stem).then(|| (snake_case(stem), placeholder.clone()))
        })
        .collect())
}

/// The template that deploys the state machine `asl` as `name`, with one Lambda function per
/// handler whose resource is a `${...}` placeholder. `handlers` are `(handler, resource)`
/// pairs, `("send_message", "${SendMessageFunctionArn}")`; a handler whose resource is
/// anything else (an ARN given in `workflow!`) gets no function.
///
/// Every `${...}` in the ASL must be some handler's placeholder. The state machine role may
/// invoke what the definition's Task states call: the handler functions, and the Lambda
/// functions they name by ARN. What else they call is left to the user, with a
/// [`Template::warnings`] entry.
pub fn template<H: AsRef<str>, R: AsRef<str>>(
    name: &str,
    asl: &str,
    handlers: &[(H, R)],
) -> Result<Template, ExportError> {
    let document: Value =
        serde_json::from_str(asl).map_err(|e| ExportError::InvalidAsl(e.to_string()))?;
    workflow_core::check(&document).map_err(|e| {
        let lines: Vec<String> = e.0.iter().map(ToString::to_string).collect();
        ExportError::InvalidAsl(lines.join("\n"))
    })?;
    let prefix = logical_name(name).ok_or_else(|| ExportError::InvalidName(name.to_owned()))?;

    let mut functions: Vec<Function> = Vec::new();
    for (handler, resource) in handlers {
        let (handler, resource) = (handler.as_ref(), resource.as_ref());
        let Some(variable) = placeholder_variable(resource) else {
            continue;
        };
        if functions.iter().any(|f| f.variable == variable) {
            continue;
        }
        let function =
            Function::new(handler, variable).ok_or_else(|| ExportError::InvalidPlaceholder {
                handler: handler.to_owned(),
                resource: resource.to_owned(),
            })?;
        if let Some(clash) = functions.iter().find(|f| f.stem == function.stem) {
            return Err(ExportError::DuplicateLogicalId(clash.logical_id()));
        }
        functions.push(function);
    }

    let unfilled: Vec<String> = placeholders(&document)
        .into_iter()
        .filter(|p| {
            let variable = placeholder_variable(p);
            !functions
                .iter()
                .any(|f| Some(f.variable.as_str()) == variable)
        })
        .collect();
    if !unfilled.is_empty() {
        return Err(ExportError::UnfilledPlaceholders(unfilled));
    }

    let calls = calls(&document);
    for function in &mut functions {
        // `${SendMessageFunctionArn}:live` (a version or alias) needs the `:*` permission.
        let qualified = format!("${{{}}}:", function.variable);
        function.qualified = calls.invoked.iter().any(|c| c.starts_with(&qualified));
    }
    let fixed_arns: Vec<String> = calls
        .invoked
        .into_iter()
        .filter(|c| is_lambda_function_arn(c))
        .collect();
    Ok(Template {
        document: build(&prefix, asl, &functions, &fixed_arns),
        warnings: calls.unknown,
    })
}

/// What the Task states of a definition call.
#[derive(Default)]
struct Calls {
    /// The Lambda functions they invoke, as the definition names them (placeholders, ARNs),
    /// each once.
    invoked: Vec<String>,
    /// A warning for each call whose permission the template cannot know.
    unknown: Vec<String>,
}

/// The calls of every Task state, in nested Parallel branches and Map processors too.
fn calls(document: &Value) -> Calls {
    fn walk(value: &Value, calls: &mut Calls) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        // In document order: each state, then what nests in it.
                        Value::Object(states) if key == "States" => {
                            for (name, state) in states {
                                if state["Type"] == "Task" {
                                    task(name, state, calls);
                                }
                                walk(state, calls);
                            }
                        }
                        _ => walk(value, calls),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, calls)),
            _ => {}
        }
    }
    fn task(name: &str, state: &Value, calls: &mut Calls) {
        let resource = state["Resource"].as_str().unwrap_or_default();
        let function = if is_lambda_invoke(resource) {
            // The optimised integration names the function in its arguments.
            ["Parameters", "Arguments"]
                .iter()
                .find_map(|field| state[field]["FunctionName"].as_str())
        } else {
            Some(resource)
        };
        match function {
            Some(f) if f.starts_with("${") || is_lambda_function_arn(f) => {
                if !calls.invoked.iter().any(|c| c == f) {
                    calls.invoked.push(f.to_owned());
                }
            }
            Some(f) if is_lambda_invoke(resource) => calls.unknown.push(format!(
                "state `{name}` invokes the function `{f}`: the state machine role may \
                 invoke it only once you add its ARN to the InvokeHandlers policy"
            )),
            None => calls.unknown.push(format!(
                "state `{name}` chooses its function at run time: the state machine role may \
                 invoke it only once you add its ARN to the InvokeHandlers policy"
            )),
            Some(_) => calls.unknown.push(format!(
                "state `{name}` calls `{resource}`: the state machine role gets no permission \
                 for it; add the one it needs"
            )),
        }
    }
    let mut calls = Calls::default();
    walk(document, &mut calls);
    calls
}

/// `arn:<partition>:states:::lambda:invoke`, with or without a `.waitForTaskToken` suffix.
fn is_lambda_invoke(resource: &str) -> bool {
    let mut parts = resource.splitn(7, ':');
    parts.next() == Some("arn")
        && parts.nth(1) == Some("states")
        && parts.nth(2).is_some_and(|service| service == "lambda")
        && parts
            .next()
            .is_some_and(|action| action == "invoke" || action.starts_with("invoke."))
}

/// A handler deployed as a Lambda function.
struct Function {
    handler: String,
    /// The placeholder's variable, `SendMessageFunctionArn`.
    variable: String,
    /// The logical-ID stem, `SendMessage`.
    stem: String,
    /// Whether the definition calls a version or alias of it (`${...}:live`).
    qualified: bool,
}

impl Function {
    fn new(handler: &str, variable: &str) -> Option<Function> {
        let stem = variable
            .strip_suffix("FunctionArn")
            .or_else(|| variable.strip_suffix("Arn"))
            .unwrap_or(variable);
        (is_logical_id(variable) && is_logical_id(stem)).then(|| Function {
            handler: handler.to_owned(),
            variable: variable.to_owned(),
            stem: stem.to_owned(),
            qualified: false,
        })
    }

    fn logical_id(&self) -> String {
        format!("{}Function", self.stem)
    }

    fn role_id(&self) -> String {
        format!("{}FunctionRole", self.stem)
    }

    fn code_key_parameter(&self) -> String {
        format!("{}CodeKey", self.stem)
    }
}

fn build(prefix: &str, asl: &str, functions: &[Function], fixed_arns: &[String]) -> Value {
    let state_machine = format!("{prefix}StateMachine");
    let state_machine_role = format!("{prefix}StateMachineRole");

    let mut parameters = Map::new();
    if !functions.is_empty() {
        parameters.insert(
            "CodeBucket".into(),
            json!({
                "Type": "String",
                "Description": "The S3 bucket holding the handlers' deployment packages: one \
                                zip per handler, each with a `bootstrap` executable at its root."
            }),
        );
        parameters.insert(
            "Architecture".into(),
            json!({
                "Type": "String",
                "Default": "arm64",
                "AllowedValues": ["arm64", "x86_64"],
                "Description": "The instruction set the handlers were built for: arm64 for \
                                aarch64-unknown-linux-gnu, x86_64 for x86_64-unknown-linux-gnu."
            }),
        );
    }
    for f in functions {
        parameters.insert(
            f.code_key_parameter(),
            json!({
                "Type": "String",
                "Default": format!("{}.zip", f.handler),
                "Description": format!(
                    "The S3 key of the `{}` handler's zip in CodeBucket. Give each build a new \
                     key: CloudFormation updates the function only when the key changes.",
                    f.handler
                )
            }),
        );
    }

    let mut resources = Map::new();
    let mut properties = Map::new();
    // Without the final line break a file usually ends with, so that a file and the
    // `workflow!` constant it was emitted from give the same template.
    properties.insert("DefinitionString".into(), json!(asl.trim_end()));
    if !functions.is_empty() {
        let substitutions: Map<String, Value> = functions
            .iter()
            .map(|f| (f.variable.clone(), get_att(&f.logical_id(), "Arn")))
            .collect();
        properties.insert("DefinitionSubstitutions".into(), substitutions.into());
    }
    properties.insert("RoleArn".into(), get_att(&state_machine_role, "Arn"));
    resources.insert(
        state_machine.clone(),
        json!({ "Type": "AWS::StepFunctions::StateMachine", "Properties": properties }),
    );

    let mut invocable: Vec<Value> = Vec::new();
    for f in functions {
        invocable.push(get_att(&f.logical_id(), "Arn"));
        if f.qualified {
            invocable.push(json!({ "Fn::Sub": format!("${{{}.Arn}}:*", f.logical_id()) }));
        }
    }
    invocable.extend(fixed_arns.iter().map(|arn| json!(arn)));
    let mut role = json!({
        "Type": "AWS::IAM::Role",
        "Properties": { "AssumeRolePolicyDocument": assume_role_policy("states.amazonaws.com") }
    });
    if !invocable.is_empty() {
        role["Properties"]["Policies"] = json!([{
            "PolicyName": "InvokeHandlers",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": invocable
                }]
            }
        }]);
    }
    resources.insert(state_machine_role, role);

    for f in functions {
        resources.insert(
            f.logical_id(),
            json!({
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Description": format!("The `{}` handler of the {prefix} workflow", f.handler),
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Architectures": [{ "Ref": "Architecture" }],
                    "Code": {
                        "S3Bucket": { "Ref": "CodeBucket" },
                        "S3Key": { "Ref": f.code_key_parameter() }
                    },
                    "Role": get_att(&f.role_id(), "Arn")
                }
            }),
        );
        resources.insert(
            f.role_id(),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": assume_role_policy("lambda.amazonaws.com"),
                    "ManagedPolicyArns": [{
                        // The partition keeps the template deployable in China and GovCloud.
                        "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/\
                                    AWSLambdaBasicExecutionRole"
                    }]
                }
            }),
        );
    }

    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    template.insert(
        "Description".into(),
        json!(format!(
            "The {prefix} state machine, its role, and one Lambda function per handler"
        )),
    );
    if !parameters.is_empty() {
        template.insert("Parameters".into(), parameters.into());
    }
    template.insert("Resources".into(), resources.into());
    template.insert(
        "Outputs".into(),
        json!({
            format!("{prefix}StateMachineArn"): {
                "Description": format!("The ARN of the {prefix} state machine"),
                "Value": { "Ref": state_machine }
            }
        }),
    );
    template.into()
}

fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

fn assume_role_policy(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// Every `${...}` in the document's strings, once each, in the order they first appear:
/// what `DefinitionSubstitutions` must fill, wherever it is (a Task's `Resource`, or the
/// `FunctionName` of an `arn:aws:states:::lambda:invoke` task).
fn placeholders(document: &Value) -> Vec<String> {
    fn walk(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                let mut rest = text.as_str();
                while let Some(start) = rest.find("${") {
                    let Some(len) = rest[start..].find('}') else {
                        break;
                    };
                    let placeholder = &rest[start..start + len + 1];
                    if !found.iter().any(|p| p == placeholder) {
                        found.push(placeholder.to_owned());
                    }
                    rest = &rest[start + len + 1..];
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            Value::Object(map) => map.values().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(document, &mut found);
    found
}

/// `${SendMessageFunctionArn}` -> `SendMessageFunctionArn`.
fn placeholder_variable(resource: &str) -> Option<&str> {
    resource.strip_prefix("${")?.strip_suffix('}')
}

/// CloudFormation logical IDs are ASCII alphanumeric; ours also start with a letter.
fn is_logical_id(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A name as a logical-ID prefix: `onboarding` -> `Onboarding`, `order-flow.v2` ->
/// `OrderFlowV2`. `None` when nothing usable is left.
fn logical_name(name: &str) -> Option<String> {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let prefix = pascal_case(&words.join("_"));
    is_logical_id(&prefix).then_some(prefix)
}

/// `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
fn is_lambda_function_arn(resource: &str) -> bool {
    let parts: Vec<&str> = resource.split(':').collect();
    parts.len() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_logical_ids() {
        assert_eq!(logical_name("onboarding").as_deref(), Some("Onboarding"));
        assert_eq!(logical_name("Onboarding").as_deref(), Some("Onboarding"));
        assert_eq!(
            logical_name("order-flow.v2").as_deref(),
            Some("OrderFlowV2")
        );
        assert_eq!(logical_name("my_flow").as_deref(), Some("MyFlow"));
        assert_eq!(logical_name("2fast"), None);
        assert_eq!(logical_name("--"), None);
        assert_eq!(
            default_name("dir/onboarding.asl.json".as_ref()),
            "onboarding"
        );
    }

    #[test]
    fn placeholders_are_found_anywhere_once() {
        let document = json!({
            "States": {
                "A": { "Resource": "${AFunctionArn}" },
                "B": { "Parameters": { "FunctionName": "${BFunctionArn}:$LATEST" } },
                "C": { "Resource": "${AFunctionArn}", "Comment": "${x} and ${y" }
            }
        });
        assert_eq!(
            placeholders(&document),
            ["${AFunctionArn}", "${BFunctionArn}", "${x}"]
        );
    }

    #[test]
    fn lambda_arns_are_recognised() {
        assert!(is_lambda_function_arn(
            "arn:aws:lambda:us-east-1:123456789012:function:send"
        ));
        assert!(is_lambda_function_arn(
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:send:live"
        ));
        assert!(!is_lambda_function_arn("arn:aws:states:::lambda:invoke"));
        assert!(!is_lambda_function_arn("${SendFunctionArn}"));
        assert!(is_lambda_invoke("arn:aws:states:::lambda:invoke"));
        assert!(is_lambda_invoke(
            "arn:aws-cn:states:::lambda:invoke.waitForTaskToken"
        ));
        assert!(!is_lambda_invoke("arn:aws:states:::lambda:invokeAsync"));
        assert!(!is_lambda_invoke("arn:aws:states:::sqs:sendMessage"));
    }

    #[test]
    fn calls_are_found_in_every_task_and_named_as_the_definition_names_them() {
        let document = json!({
            "StartAt": "P",
            "States": {
                "P": { "Type": "Parallel", "Branches": [{
                    "StartAt": "A",
                    "States": {
                        "A": { "Type": "Task", "Resource": "${AFunctionArn}", "End": true }
                    }
                }], "Next": "M" },
                "M": { "Type": "Map", "ItemProcessor": {
                    "StartAt": "B",
                    "States": {
                        "B": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                               "Parameters": { "FunctionName": "${BFunctionArn}:live" },
                               "End": true }
                    }
                }, "Next": "C" },
                "C": { "Type": "Task",
                       "Resource": "arn:aws:lambda:us-east-1:123456789012:function:c",
                       "Next": "D" },
                "D": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": { "FunctionName.$": "$.f" }, "Next": "E" },
                "E": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                       "End": true }
            }
        });
        let calls = calls(&document);
        assert_eq!(
            calls.invoked,
            [
                "${AFunctionArn}",
                "${BFunctionArn}:live",
                "arn:aws:lambda:us-east-1:123456789012:function:c"
            ]
        );
        assert_eq!(calls.unknown.len(), 2, "{:?}", calls.unknown);
        assert!(calls.unknown[0].starts_with("state `D` chooses its function at run time"));
        assert!(calls.unknown[1].starts_with("state `E` calls `arn:aws:states:::sqs:sendMessage`"));
    }

    #[test]
    fn a_version_or_alias_of_a_handler_is_invocable_through_its_qualified_arns() {
        let asl = json!({
            "StartAt": "B",
            "States": {
                "B": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": { "FunctionName": "${BFunctionArn}:live", "Payload.$": "$" },
                       "End": true }
            }
        })
        .to_string();
        let template = template("Flow", &asl, &[("b", "${BFunctionArn}")]).unwrap();
        let policy = &template.document()["Resources"]["FlowStateMachineRole"]["Properties"]["Policies"]
            [0]["PolicyDocument"];
        assert_eq!(
            policy["Statement"][0]["Resource"],
            json!([
                { "Fn::GetAtt": ["BFunction", "Arn"] },
                { "Fn::Sub": "${BFunction.Arn}:*" }
            ])
        );
    }
}
