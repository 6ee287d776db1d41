//! State machines in CloudFormation and SAM templates.
//!
//! Every `AWS::StepFunctions::StateMachine` and `AWS::Serverless::StateMachine` resource is
//! a definition, from the first of these properties it has:
//!
//! - `Definition`: an object, located in the template itself;
//! - `DefinitionString`: a string, an `Fn::Sub` of one, or an `Fn::Join`;
//! - `DefinitionUri` (SAM): a local file, read relative to the template.
//!
//! What CloudFormation would fill in at deployment is filled in as far as the template
//! says: `DefinitionSubstitutions` with literal values, `Fn::Sub` variables with literal
//! values, `${!Literal}`. Anything else becomes a `${Name}` placeholder (`!Ref X` ->
//! `${X}`, `!GetAtt F.Arn` -> `${F.Arn}`), which the validator accepts as a Task
//! `Resource`. The state machine type comes from `StateMachineType` (SAM: `Type`).

use std::path::Path;
use std::rc::Rc;

use serde_json::{Map, Value};
use workflow_core::locate::SourceMap;
use workflow_core::{MachineType, Pointer};

use super::{Body, Definition, InputError, Loaded, Source};

const STEP_FUNCTIONS: &str = "AWS::StepFunctions::StateMachine";
const SERVERLESS: &str = "AWS::Serverless::StateMachine";

/// Whether a document is a template rather than an ASL definition.
pub(super) fn is_template(document: &Value) -> bool {
    document.get("Resources").is_some() || document.get("AWSTemplateFormatVersion").is_some()
}

/// The definitions of a template; `duplicates` are the keys its parser saw twice.
pub(super) fn definitions(
    source: &Rc<Source>,
    document: &Value,
    duplicates: &[Pointer],
    base: &Path,
) -> Result<Loaded, InputError> {
    let mut loaded = Loaded {
        definitions: Vec::new(),
        warnings: Vec::new(),
    };
    let resources = document.get("Resources").and_then(Value::as_object);
    for (id, resource) in resources.into_iter().flatten() {
        let kind = resource.get("Type").and_then(Value::as_str);
        if kind != Some(STEP_FUNCTIONS) && kind != Some(SERVERLESS) {
            continue;
        }
        let machine = Machine {
            source,
            id,
            properties: resource.get("Properties").and_then(Value::as_object),
            serverless: kind == Some(SERVERLESS),
            duplicates,
            base,
        };
        match machine.definition()? {
            Ok(definition) => loaded.definitions.push(definition),
            Err(warning) => loaded.warnings.push(warning),
        }
    }
    if loaded.definitions.is_empty() {
        let mut message = format!(
            "`{}` has no state machine: no {STEP_FUNCTIONS} or {SERVERLESS} resource with a \
             Definition, DefinitionString or DefinitionUri",
            source.name
        );
        for warning in &loaded.warnings {
            message.push_str(&format!("\n  note: {warning}"));
        }
        return Err(InputError(message));
    }
    Ok(loaded)
}

/// One state machine resource.
struct Machine<'a> {
    source: &'a Rc<Source>,
    id: &'a str,
    properties: Option<&'a Map<String, Value>>,
    serverless: bool,
    duplicates: &'a [Pointer],
    base: &'a Path,
}

impl Machine<'_> {
    fn property(&self, name: &str) -> Option<&Value> {
        self.properties.and_then(|p| p.get(name))
    }

    fn origin(&self, property: &str) -> String {
        format!(
            "{}: Resources/{}/Properties/{property}",
            self.source.name, self.id
        )
    }

    fn machine_type(&self) -> MachineType {
        let field = if self.serverless {
            "Type"
        } else {
            "StateMachineType"
        };
        match self.property(field).and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("EXPRESS") => MachineType::Express,
            _ => MachineType::Standard,
        }
    }

    /// The definition, a warning when it cannot be checked here, or an input error when the
    /// file it names cannot be read.
    fn definition(&self) -> Result<Result<Definition, String>, InputError> {
        let substitutions = Substitutions::new(self.property("DefinitionSubstitutions"));
        if let Some(definition) = self.property("Definition") {
            return Ok(Ok(self.object_definition(definition, &substitutions)));
        }
        if let Some(string) = self.property("DefinitionString") {
            return Ok(match text_of(string, &substitutions) {
                Some(text) => Ok(self
                    .text_definition(self.origin("DefinitionString"), substitutions.apply(&text))),
                None => Err(format!(
                    "{}: the DefinitionString of `{}` is not a string, an Fn::Sub or an Fn::Join",
                    self.source.name, self.id
                )),
            });
        }
        if self.serverless
            && let Some(uri) = self.property("DefinitionUri")
        {
            return match uri.as_str().filter(|u| !u.starts_with("s3://")) {
                Some(file) => self.file_definition(file, &substitutions).map(Ok),
                None => Ok(Err(self.in_s3("DefinitionUri"))),
            };
        }
        if self.property("DefinitionS3Location").is_some() {
            return Ok(Err(self.in_s3("DefinitionS3Location")));
        }
        Ok(Err(format!(
            "{}: `{}` has no Definition, DefinitionString or DefinitionUri",
            self.source.name, self.id
        )))
    }

    fn in_s3(&self, property: &str) -> String {
        format!(
            "{}: the {property} of `{}` is in S3; it cannot be checked here",
            self.source.name, self.id
        )
    }

    /// `Definition`: located in the template itself.
    fn object_definition(&self, definition: &Value, substitutions: &Substitutions) -> Definition {
        let root = Pointer::root()
            .key("Resources")
            .key(self.id)
            .key("Properties")
            .key("Definition");
        let value = resolve(definition, substitutions);
        let duplicates = self
            .duplicates
            .iter()
            .filter_map(|d| relative(d, &root))
            .collect();
        Definition {
            origin: self.origin("Definition"),
            logical_id: Some(self.id.to_owned()),
            machine_type: self.machine_type(),
            source: self.source.clone(),
            root,
            body: match value {
                // A definition written as a JSON string is checked as text.
                Value::String(text) => Body::Text(text),
                value => Body::Value { value, duplicates },
            },
        }
    }

    /// A definition string after substitution: shown as its own text.
    fn text_definition(&self, origin: String, text: String) -> Definition {
        let map = SourceMap::from_json(&text);
        Definition {
            origin: origin.clone(),
            logical_id: Some(self.id.to_owned()),
            machine_type: self.machine_type(),
            source: Rc::new(Source {
                name: origin,
                text: text.clone(),
                map,
            }),
            root: Pointer::root(),
            body: Body::Text(text),
        }
    }

    /// SAM's `DefinitionUri`: a JSON or YAML file next to the template.
    fn file_definition(
        &self,
        file: &str,
        substitutions: &Substitutions,
    ) -> Result<Definition, InputError> {
        let path = self.base.join(file);
        let loaded = super::load(&path)?;
        let Some(mut definition) = loaded.definitions.into_iter().next() else {
            return Err(InputError(format!(
                "`{}` holds no state machine",
                path.display()
            )));
        };
        definition.origin = format!("{} ({})", self.origin("DefinitionUri"), path.display());
        definition.logical_id = Some(self.id.to_owned());
        definition.machine_type = self.machine_type();
        definition.body = match definition.body {
            Body::Text(text) => {
                let text = substitutions.apply(&text);
                let name = definition.source.name.clone();
                definition.source = Rc::new(Source {
                    name,
                    map: SourceMap::from_json(&text),
                    text: text.clone(),
                });
                Body::Text(text)
            }
            Body::Value { value, duplicates } => Body::Value {
                value: resolve(&value, substitutions),
                duplicates,
            },
        };
        Ok(definition)
    }
}

/// `pointer` relative to `root`, if it is inside it.
fn relative(pointer: &Pointer, root: &Pointer) -> Option<Pointer> {
    let prefix = root.tokens().count();
    let tokens: Vec<String> = pointer.tokens().collect();
    let inside = tokens.len() > prefix && tokens.iter().zip(root.tokens()).all(|(a, b)| *a == b);
    inside.then(|| {
        tokens[prefix..]
            .iter()
            .fold(Pointer::root(), |p, token| p.key(token))
    })
}

/// The `DefinitionSubstitutions` whose values are literals; the others stay placeholders.
struct Substitutions(Vec<(String, String)>);

impl Substitutions {
    fn new(value: Option<&Value>) -> Self {
        let literals = value
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, v)| literal(v).map(|text| (name.clone(), text)))
            .collect();
        Substitutions(literals)
    }

    /// Replaces each `${Name}` that has a literal value.
    fn apply(&self, text: &str) -> String {
        replace_placeholders(text, |name| {
            self.0
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
    }
}

/// A value CloudFormation would pass on as it is written.
fn literal(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Replaces each `${name}` for which `lookup` has a value.
fn replace_placeholders(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match lookup(name) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&format!("${{{name}}}")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The text of a `DefinitionString`: a string, `Fn::Sub` or `Fn::Join`.
fn text_of(value: &Value, substitutions: &Substitutions) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) if o.len() == 1 => match resolve(value, substitutions) {
            Value::String(s) if o.contains_key("Fn::Sub") || o.contains_key("Fn::Join") => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A definition with CloudFormation's intrinsic functions evaluated as far as the template
/// allows, and literal `DefinitionSubstitutions` applied to every string.
fn resolve(value: &Value, substitutions: &Substitutions) -> Value {
    match value {
        Value::String(s) => Value::String(substitutions.apply(s)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve(v, substitutions)).collect())
        }
        Value::Object(o) => {
            if let Some(resolved) = intrinsic(o, substitutions) {
                return resolved;
            }
            Value::Object(
                o.iter()
                    .map(|(k, v)| (substitutions.apply(k), resolve(v, substitutions)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// `{"Ref": ...}`, `{"Fn::...": ...}`: the string it stands for.
fn intrinsic(object: &Map<String, Value>, substitutions: &Substitutions) -> Option<Value> {
    if object.len() != 1 {
        return None;
    }
    let (name, argument) = object.iter().next()?;
    let text = match (name.as_str(), argument) {
        ("Ref", Value::String(target)) => format!("${{{target}}}"),
        ("Fn::GetAtt", Value::Array(parts)) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| text(&resolve(p, substitutions)))
                .collect();
            format!("${{{}}}", parts.join("."))
        }
        ("Fn::GetAtt", Value::String(target)) => format!("${{{target}}}"),
        ("Fn::Sub", Value::String(template)) => sub(template, &Map::new(), substitutions),
        ("Fn::Sub", Value::Array(args)) => {
            let template = args.first().and_then(Value::as_str)?;
            let empty = Map::new();
            let vars = args.get(1).and_then(Value::as_object).unwrap_or(&empty);
            sub(template, vars, substitutions)
        }
        ("Fn::Join", Value::Array(args)) => {
            let delimiter = args.first().and_then(Value::as_str)?;
            let parts = args.get(1).and_then(Value::as_array)?;
            parts
                .iter()
                .map(|p| text(&resolve(p, substitutions)))
                .collect::<Vec<_>>()
                .join(delimiter)
        }
        (other, _) if other.starts_with("Fn::") => format!("${{{other}}}"),
        _ => return None,
    };
    Some(Value::String(text))
}

/// `Fn::Sub`: its literal variables and `${!Literal}` escapes, then the literal
/// `DefinitionSubstitutions`, which AWS applies to the string CloudFormation produced.
fn sub(template: &str, vars: &Map<String, Value>, substitutions: &Substitutions) -> String {
    let substituted = replace_placeholders(template, |name| match name.strip_prefix('!') {
        Some(escaped) => Some(format!("${{{escaped}}}")),
        None => vars.get(name).and_then(literal),
    });
    substitutions.apply(&substituted)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subs(value: Value) -> Substitutions {
        Substitutions::new(Some(&value))
    }

    #[test]
    fn literal_substitutions_apply_and_others_stay_placeholders() {
        let s = subs(json!({ "Table": "users", "Fn": { "Fn::GetAtt": ["F", "Arn"] }, "N": 3 }));
        assert_eq!(
            s.apply("${Table}/${Fn}/${N}/${Other}"),
            "users/${Fn}/3/${Other}"
        );
    }

    #[test]
    fn intrinsics_become_strings() {
        let s = subs(json!({ "Stage": "prod" }));
        let definition = json!({
            "States": {
                "A": { "Resource": { "Fn::GetAtt": ["Worker", "Arn"] } },
                "B": { "Resource": { "Ref": "WorkerArn" } },
                "C": { "Resource": { "Fn::Sub": "arn:aws:lambda:${AWS::Region}:1:function:f-${Stage}" } },
                "D": { "Comment": { "Fn::Join": ["-", ["a", { "Ref": "B" }, 1]] } },
                "E": { "Comment": { "Fn::If": ["C", "x", "y"] } }
            }
        });
        assert_eq!(
            resolve(&definition, &s),
            json!({
                "States": {
                    "A": { "Resource": "${Worker.Arn}" },
                    "B": { "Resource": "${WorkerArn}" },
                    "C": { "Resource": "arn:aws:lambda:${AWS::Region}:1:function:f-prod" },
                    "D": { "Comment": "a-${B}-1" },
                    "E": { "Comment": "${Fn::If}" }
                }
            })
        );
    }

    #[test]
    fn sub_variables_and_literal_escapes() {
        let s = subs(json!({ "X": "from-definition-substitutions" }));
        let vars = json!({ "Name": "flow", "Arn": { "Ref": "A" } });
        assert_eq!(
            sub("${Name} ${Arn} ${!X} ${X}", vars.as_object().unwrap(), &s),
            "flow ${Arn} from-definition-substitutions from-definition-substitutions"
        );
        assert_eq!(replace_placeholders("${unclosed", |_| None), "${unclosed");
    }

    #[test]
    fn pointers_inside_a_definition_are_made_relative() {
        let root = Pointer::root().key("Resources").key("M");
        let inside = root.key("States").key("A");
        assert_eq!(
            relative(&inside, &root),
            Some(Pointer::root().key("States").key("A"))
        );
        assert_eq!(relative(&Pointer::root().key("Other"), &root), None);
    }
}
