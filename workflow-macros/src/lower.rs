//! Syntax -> an ASL JSON document, plus the span of every node by JSON pointer.
//!
//! One mechanical rule maps field names: `numeric_equals_path` -> `NumericEqualsPath`. Keys
//! written as string literals are kept as written. Inside JSON payloads (`parameters`,
//! `result`, `assign`, ...) keys are always strings, as in `serde_json::json!`.

use serde_json::{Map, Number, Value};
use syn::Ident;
use workflow_core::diagnostic::{pascal_case, snake_case};
use workflow_core::{Pointer, resource_placeholder};

use crate::parse::{Entry, Handler, Key, Node, Workflow, comment_from_docs};
use crate::spans::{Range, SpanTable};

/// Fields whose value is JSON data, not ASL structure.
const PAYLOAD_FIELDS: &[&str] = &[
    "Parameters",
    "Result",
    "ResultSelector",
    "ItemSelector",
    "Arguments",
    "Output",
    "Assign",
    "Credentials",
    "Items",
    "Condition",
];

/// A top-level state, as the generated enum will name it.
pub struct StateName {
    pub name: String,
    pub range: Range,
    /// The identifier it was written as, if it was one.
    pub ident: Option<Ident>,
    /// Its `Comment` (or doc comment), for the docs of its enum variant.
    pub comment: Option<String>,
}

/// A piece of the workflow that failed to parse, with the identifiers it held: the
/// validator's view of the document lacks it, so the diagnostics its absence explains are
/// not shown.
pub struct Broken {
    /// The value that failed (`whole`), or the object that lost entries.
    pub at: Pointer,
    pub whole: bool,
    pub idents: Vec<String>,
}

/// The lowered workflow.
pub struct Lowered {
    pub document: Value,
    pub spans: SpanTable,
    pub states: Vec<StateName>,
    pub broken: Vec<Broken>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// ASL structure: identifier keys are snake_case field names.
    Fields,
    /// The keys of `states`: state names, kept as written.
    StateNames,
    /// JSON data: string keys only.
    Payload,
}

struct Lowerer<'a> {
    handlers: &'a [Handler],
    /// The identifiers of handler declarations that failed to parse: an unknown `resource`
    /// naming one of them is not reported.
    lost_handlers: &'a [String],
    used: Vec<bool>,
    broken: Vec<Broken>,
    spans: SpanTable,
    errors: &'a mut Vec<syn::Error>,
}

pub fn lower(workflow: &Workflow, errors: &mut Vec<syn::Error>) -> (Lowered, Vec<bool>) {
    let mut lowerer = Lowerer {
        handlers: &workflow.handlers,
        lost_handlers: &workflow.lost_handlers,
        used: vec![false; workflow.handlers.len()],
        broken: Vec::new(),
        spans: SpanTable::default(),
        errors,
    };
    let root = Pointer::root();
    lowerer
        .spans
        .value(&root, Range::single(workflow.name.span()));
    if !workflow.lost.is_empty() {
        lowerer.broken.push(Broken {
            at: root.clone(),
            whole: false,
            idents: workflow.lost.clone(),
        });
    }
    let mut document = lowerer.object(&workflow.entries, &root, Mode::Fields);
    if let Some(map) = document.as_object_mut()
        && !map.contains_key("Comment")
        && let Some(comment) = comment_from_docs(&workflow.docs)
    {
        map.insert("Comment".to_owned(), Value::String(comment));
    }
    let states = workflow
        .entries
        .iter()
        .find(|e| matches!(&e.key, Key::Ident(i) if i == "states"))
        .map(|e| match &e.value {
            Node::Object { entries, .. } => entries
                .iter()
                .map(|s| StateName {
                    name: s.key.text(),
                    range: s.key.range(),
                    ident: match &s.key {
                        Key::Ident(i) => Some(i.clone()),
                        Key::Str(_) => None,
                    },
                    comment: document
                        .pointer(
                            Pointer::root()
                                .key("States")
                                .key(&s.key.text())
                                .key("Comment")
                                .as_str(),
                        )
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    let used = lowerer.used;
    let lowered = Lowered {
        document,
        spans: lowerer.spans,
        states,
        broken: lowerer.broken,
    };
    (lowered, used)
}

/// A Task calling a callback handler, as AWS runs one: the Lambda Invoke integration waits
/// for the task token (`.waitForTaskToken`), and the function gets the token beside its
/// input, `{"input": ..., "token": ...}` (the input is what the Task's `parameters` or
/// `arguments` make, or the state's input).
fn call_back(task: &mut Map<String, Value>, function: Value) {
    let jsonata = task.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    let (field, payload) = if jsonata {
        let input = task
            .remove("Arguments")
            .unwrap_or_else(|| Value::String("{% $states.input %}".to_owned()));
        let token = "{% $states.context.Task.Token %}";
        (
            "Arguments",
            serde_json::json!({ "input": input, "token": token }),
        )
    } else {
        let payload = match task.remove("Parameters") {
            Some(input) => serde_json::json!({ "input": input, "token.$": "$$.Task.Token" }),
            None => serde_json::json!({ "input.$": "$", "token.$": "$$.Task.Token" }),
        };
        ("Parameters", payload)
    };
    task.insert(
        "Resource".to_owned(),
        Value::String("arn:aws:states:::lambda:invoke.waitForTaskToken".to_owned()),
    );
    task.insert(
        field.to_owned(),
        serde_json::json!({ "FunctionName": function, "Payload": payload }),
    );
}

impl Lowerer<'_> {
    fn object(&mut self, entries: &[Entry], at: &Pointer, mode: Mode) -> Value {
        let mut map = Map::new();
        // The function of a Task whose `resource` is a callback handler.
        let mut callback = None;
        for entry in entries {
            let Some(key) = self.key(&entry.key, mode) else {
                continue;
            };
            let member_at = at.key(&key);
            if map.contains_key(&key) {
                let d = workflow_core::duplicate_key(member_at.clone());
                let message = d.message(workflow_core::Spelling::Rust);
                self.errors.push(entry.key.range().error(message));
                continue;
            }
            self.spans.key(&member_at, entry.key.range());
            let child_mode = match mode {
                Mode::Payload => Mode::Payload,
                Mode::StateNames => Mode::Fields,
                Mode::Fields if key == "States" => Mode::StateNames,
                Mode::Fields if PAYLOAD_FIELDS.contains(&key.as_str()) => Mode::Payload,
                Mode::Fields => Mode::Fields,
            };
            let mut value = if mode == Mode::Fields && key == "Resource" {
                let resource = self.resource(&entry.value, &member_at);
                if self.names_callback(&entry.value) {
                    callback = Some(resource.clone());
                }
                resource
            } else if let (Mode::StateNames, Node::Name(parts)) = (mode, &entry.value)
                && parts.len() == 1
            {
                // `Done: Succeed` is a state with nothing but its type.
                self.spans.value(&member_at, entry.value.range());
                self.spans
                    .value(&member_at.key("Type"), entry.value.range());
                serde_json::json!({ "Type": parts[0].to_string() })
            } else {
                self.node(&entry.value, &member_at, child_mode)
            };
            if mode != Mode::Payload
                && let Some(object) = value.as_object_mut()
                && !object.contains_key("Comment")
                && let Some(comment) = comment_from_docs(&entry.docs)
            {
                object.insert("Comment".to_owned(), Value::String(comment));
            }
            map.insert(key, value);
        }
        if let Some(function) = callback {
            call_back(&mut map, function);
        }
        Value::Object(map)
    }

    /// Whether a `resource` names a handler declared `name(Input, TaskToken) -> Output`.
    fn names_callback(&self, node: &Node) -> bool {
        matches!(node, Node::Name(parts) if parts.len() == 1
            && self.handlers.iter().any(|h| h.callback && h.name == parts[0]))
    }

    /// The JSON key for a written key.
    fn key(&mut self, key: &Key, mode: Mode) -> Option<String> {
        match (key, mode) {
            (Key::Str(s), _) => Some(s.value()),
            (Key::Ident(i), Mode::StateNames) => Some(i.to_string()),
            (Key::Ident(i), Mode::Fields) => {
                let name = i.to_string();
                if name.chars().any(|c| c.is_ascii_uppercase()) {
                    self.errors.push(syn::Error::new(
                        i.span(),
                        format!(
                            "field names are snake_case: write `{}` for ASL's `{name}`",
                            snake_case(&name)
                        ),
                    ));
                    return Some(name);
                }
                Some(pascal_case(&name))
            }
            (Key::Ident(i), Mode::Payload) => {
                self.errors.push(syn::Error::new(
                    i.span(),
                    format!("keys of JSON values are string literals, as in `serde_json::json!`: write `\"{i}\"`"),
                ));
                None
            }
        }
    }

    fn node(&mut self, node: &Node, at: &Pointer, mode: Mode) -> Value {
        self.spans.value(at, node.range());
        match node {
            Node::Str(s) => Value::String(s.value()),
            Node::Bool(b) => Value::Bool(b.value),
            Node::Null(_) => Value::Null,
            Node::Invalid(_, idents) => {
                self.broken.push(Broken {
                    at: at.clone(),
                    whole: true,
                    idents: idents.clone(),
                });
                Value::Null
            }
            Node::Number { minus, lit } => self.number(minus.is_some(), lit),
            Node::Name(parts) => {
                let text: Vec<String> = parts.iter().map(ToString::to_string).collect();
                let text = text.join(".");
                if mode == Mode::Payload {
                    self.errors.push(node.range().error(format!(
                        "JSON values are literals, as in `serde_json::json!`: write \"{text}\" for a string"
                    )));
                }
                Value::String(text)
            }
            Node::Array { items, .. } => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.node(item, &at.index(i), mode))
                    .collect(),
            ),
            Node::Object { entries, lost, .. } => {
                self.lost(lost, at);
                self.object(entries, at, mode)
            }
            Node::Typed {
                ty, entries, lost, ..
            } => {
                self.lost(lost, at);
                if mode == Mode::Payload {
                    self.errors.push(syn::Error::new(
                        ty.span(),
                        "a JSON value cannot have a type name: write `{ ... }`",
                    ));
                }
                let mut map = Map::new();
                map.insert("Type".to_owned(), Value::String(ty.to_string()));
                self.spans.value(&at.key("Type"), Range::single(ty.span()));
                if let Value::Object(fields) = self.object(entries, at, mode) {
                    for (k, v) in fields {
                        if k == "Type" {
                            self.errors.push(syn::Error::new(
                                ty.span(),
                                format!("the state type is written once, before the braces: `{ty} {{ ... }}`"),
                            ));
                            continue;
                        }
                        map.insert(k, v);
                    }
                }
                Value::Object(map)
            }
        }
    }

    fn lost(&mut self, lost: &[String], at: &Pointer) {
        if !lost.is_empty() {
            self.broken.push(Broken {
                at: at.clone(),
                whole: false,
                idents: lost.to_vec(),
            });
        }
    }

    fn number(&mut self, negative: bool, lit: &syn::Lit) -> Value {
        let (digits, suffix, span) = match lit {
            syn::Lit::Int(i) => (
                i.base10_digits().to_owned(),
                i.suffix().to_owned(),
                i.span(),
            ),
            syn::Lit::Float(f) => (
                f.base10_digits().to_owned(),
                f.suffix().to_owned(),
                f.span(),
            ),
            _ => return Value::Null,
        };
        if !suffix.is_empty() {
            self.errors.push(syn::Error::new(
                span,
                format!("numbers take no type suffix: remove `{suffix}`"),
            ));
        }
        let text = if negative {
            format!("-{digits}")
        } else {
            digits
        };
        let number = if matches!(lit, syn::Lit::Int(_)) {
            text.parse::<i64>()
                .map(Number::from)
                .or_else(|_| text.parse::<u64>().map(Number::from))
                .ok()
        } else {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        };
        match number {
            Some(n) => Value::Number(n),
            None => {
                self.errors
                    .push(syn::Error::new(span, "number out of range"));
                Value::Null
            }
        }
    }

    /// `resource: send_message` names a declared handler; `resource: "arn:..."` is kept.
    fn resource(&mut self, node: &Node, at: &Pointer) -> Value {
        self.spans.value(at, node.range());
        let name = match node {
            Node::Name(parts) if parts.len() == 1 => &parts[0],
            Node::Str(s) => return Value::String(s.value()),
            Node::Invalid(_, idents) => {
                self.broken.push(Broken {
                    at: at.clone(),
                    whole: true,
                    idents: idents.clone(),
                });
                return Value::String(String::new());
            }
            _ => {
                self.errors.push(node.range().error(
                    "`resource` names a handler declared in `handlers`, or is an ARN string",
                ));
                return Value::String(String::new());
            }
        };
        if let Some(i) = self.handlers.iter().position(|h| h.name == *name) {
            self.used[i] = true;
            let handler = &self.handlers[i];
            return Value::String(match &handler.arn {
                Some(arn) => arn.value(),
                None => resource_placeholder(&handler.name.to_string()),
            });
        }
        if self.lost_handlers.contains(&name.to_string()) {
            return Value::String(resource_placeholder(&name.to_string()));
        }
        let declared = self
            .handlers
            .iter()
            .map(|h| h.name.to_string())
            .collect::<Vec<_>>();
        let mut message = format!("no handler `{name}` is declared in `handlers`");
        if let Some(near) = workflow_core::suggest::did_you_mean(
            &name.to_string(),
            declared.iter().map(String::as_str),
        ) {
            // The handler it most likely names is not also reported as unused.
            if let Some(i) = self.handlers.iter().position(|h| h.name == near) {
                self.used[i] = true;
            }
            message.push_str(&format!("\n  = help: did you mean `{near}`?"));
        } else {
            message.push_str(&format!(
                "\n  = help: declare it: `handlers: {{ {name}(InputType) -> OutputType }}`"
            ));
        }
        self.errors.push(syn::Error::new(name.span(), message));
        Value::String(resource_placeholder(&name.to_string()))
    }
}

/// Reports every declared handler that no Task uses: its trait method could never be called.
/// A handler named somewhere in a piece that failed to parse may be used there.
pub fn check_unused_handlers(
    handlers: &[Handler],
    used: &[bool],
    broken: &[Broken],
    errors: &mut Vec<syn::Error>,
) {
    for (handler, used) in handlers.iter().zip(used) {
        let name = handler.name.to_string();
        if !used && !broken.iter().any(|b| b.idents.contains(&name)) {
            errors.push(syn::Error::new(
                handler.name.span(),
                format!(
                    "handler `{}` is not used by any Task state\n  = help: remove it, or name it in a Task's `resource`",
                    handler.name
                ),
            ));
        }
    }
}
