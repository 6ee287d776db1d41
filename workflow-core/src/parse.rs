//! JSON -> model. Checks the shape of the document: required and unknown fields, field
//! types, and the either/or fields (`Next`/`End`, the four Wait fields, one comparison
//! operator per choice rule). Everything else is `validate`'s.
//!
//! Parsing never stops at the first problem: a bad field is reported and skipped, and a
//! missing one gets a placeholder, so the user sees every problem at once and validation
//! still runs on the rest.

use std::cell::RefCell;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map as JsonMap, Value};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, InvalidDefinition, Pointer, field};
use crate::model::*;
use crate::suggest::did_you_mean;

/// Parses an ASL document. Returns `None` only when the document is not an object at all;
/// every problem is pushed into `cx`.
pub fn parse(document: &Value, cx: &Diagnostics) -> Option<StateMachine> {
    if !document.is_object() {
        cx.schema(&Pointer::root(), "definition must be a valid JSON object");
        return None;
    }
    Some(machine(cx, document, Pointer::root(), Scope::Root))
}

/// Parses JSON text, reporting duplicate keys (which `serde_json::Value` would silently
/// merge) as `DUPLICATE_STATE_NAME` under `States`, and as schema errors elsewhere.
pub(crate) fn parse_json_text(text: &str) -> Result<Value, InvalidDefinition> {
    // AWS tells an empty definition (a schema problem) from one that is not JSON at all.
    if text.trim().is_empty() {
        return Err(InvalidDefinition(vec![Diagnostic::new(
            Code::SchemaValidationFailed,
            Pointer::root(),
            "definition must be a valid JSON object",
        )]));
    }
    let duplicates = RefCell::new(Vec::new());
    let seed = Tracked {
        at: Pointer::root(),
        duplicates: &duplicates,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = seed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            InvalidDefinition(vec![Diagnostic::new(
                Code::InvalidJson,
                Pointer::root(),
                format!("definition is not valid JSON: {e}"),
            )])
        })?;
    let duplicates = duplicates.into_inner();
    if duplicates.is_empty() {
        return Ok(value);
    }
    Err(InvalidDefinition(
        duplicates.into_iter().map(duplicate_key).collect(),
    ))
}

/// The diagnostic for a key written twice in one object. Both front ends detect duplicates
/// themselves (a `serde_json::Value` cannot hold them) and report them through this.
pub fn duplicate_key(at: Pointer) -> Diagnostic {
    let in_states = at.parent().and_then(|p| p.tokens().last()).as_deref() == Some("States");
    let name = at.tokens().last().unwrap_or_default();
    if in_states {
        Diagnostic::new(
            Code::DuplicateStateName,
            at,
            format!("state `{name}` is defined more than once"),
        )
        .at_key()
    } else {
        Diagnostic::new(
            Code::SchemaValidationFailed,
            at,
            format!("field `{name}` is given more than once"),
        )
        .at_key()
    }
}

struct Tracked<'a> {
    at: Pointer,
    duplicates: &'a RefCell<Vec<Pointer>>,
}

impl<'de> DeserializeSeed<'de> for Tracked<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tracked<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Tracked {
            at: self.at.index(items.len()),
            duplicates: self.duplicates,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = JsonMap::new();
        while let Some(key) = access.next_key::<String>()? {
            let at = self.at.key(&key);
            let value = access.next_value_seed(Tracked {
                at: at.clone(),
                duplicates: self.duplicates,
            })?;
            if map.insert(key, value).is_some() {
                self.duplicates.borrow_mut().push(at);
            }
        }
        Ok(Value::Object(map))
    }
}

/// Where a state machine sits: the fields allowed at its top differ.
#[derive(Clone, Copy, PartialEq)]
enum Scope {
    Root,
    Branch,
    ItemProcessor,
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a found value is called in a message: a scalar as written (`found -1`,
/// `found "three"`), an array or object by its type (`found an array`).
fn describe(value: &Value) -> String {
    match value {
        Value::Number(_) | Value::String(_) | Value::Bool(_) => value.to_string(),
        other => type_name(other).to_owned(),
    }
}

/// Reads the fields of one JSON object, reporting type errors at each field.
struct Fields<'v, 'c> {
    cx: &'c Diagnostics,
    at: Pointer,
    map: &'v JsonMap<String, Value>,
    /// The fields [`Fields::deny_unknown`] suggested for a misspelt key (`Nxet` -> `Next`):
    /// their absence is that typo, already reported, so it is not reported again.
    suggested: RefCell<Vec<String>>,
}

impl<'v, 'c> Fields<'v, 'c> {
    fn new(cx: &'c Diagnostics, value: &'v Value, at: Pointer, what: &str) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Fields {
                cx,
                at,
                map,
                suggested: RefCell::default(),
            }),
            other => {
                cx.schema(
                    &at,
                    format!("{what} must be an object, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn ptr(&self, key: &str) -> Pointer {
        self.at.key(key)
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key)
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &Value) {
        self.cx.schema(
            &self.ptr(key),
            format!(
                "{} must be {expected}, found {}",
                field(key),
                describe(found)
            ),
        );
    }

    /// Whether `key` is absent because a misspelling of it was reported as unknown.
    fn misspelt(&self, key: &str) -> bool {
        self.suggested.borrow().iter().any(|s| s == key)
    }

    fn string(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    fn nullable_string(&self, key: &str) -> Option<Nullable<String>> {
        match self.get(key)? {
            Value::Null => Some(Nullable::Null),
            Value::String(s) => Some(Nullable::Value(s.clone())),
            other => {
                self.wrong_type(key, "a string or null", other);
                None
            }
        }
    }

    fn uint(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 0.0) => {
                n.as_f64().map(|f| f as u64)
            }
            other => {
                self.wrong_type(key, "a non-negative integer", other);
                None
            }
        }
    }

    fn float(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Number(n) => n.as_f64(),
            other => {
                self.wrong_type(key, "a number", other);
                None
            }
        }
    }

    fn boolean(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(key, "a boolean", other);
                None
            }
        }
    }

    fn json(&self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }

    fn object(&self, key: &str) -> Option<Value> {
        match self.get(key)? {
            v @ Value::Object(_) => Some(v.clone()),
            other => {
                self.wrong_type(key, "an object", other);
                None
            }
        }
    }

    /// A whole number, or a `{% %}` JSONata expression string.
    fn int_or_expr(&self, key: &str) -> Option<IntOrExpr> {
        match self.get(key)? {
            Value::String(s) if is_jsonata(s) => Some(IntOrExpr::Expr(s.clone())),
            Value::Number(_) => self.uint(key).map(IntOrExpr::Int),
            other => {
                self.wrong_type(key, "a non-negative integer", other);
                None
            }
        }
    }

    fn array(&self, key: &str) -> Option<&'v Vec<Value>> {
        match self.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                self.wrong_type(key, "an array", other);
                None
            }
        }
    }

    fn query_language(&self) -> Option<QueryLanguage> {
        match self.string("QueryLanguage")?.as_str() {
            "JSONPath" => Some(QueryLanguage::JsonPath),
            "JSONata" => Some(QueryLanguage::Jsonata),
            other => {
                self.cx.schema(
                    &self.ptr("QueryLanguage"),
                    format!(
                        "{} must be \"JSONPath\" or \"JSONata\", found \"{other}\"",
                        field("QueryLanguage")
                    ),
                );
                None
            }
        }
    }

    /// Reports every field in `required` that is missing, in one diagnostic as AWS does.
    fn require(&self, required: &[&str]) -> bool {
        let missing: Vec<String> = required
            .iter()
            .filter(|k| !self.has(k) && !self.misspelt(k))
            .map(|k| field(k))
            .collect();
        let misspelt = required.iter().any(|k| self.misspelt(k));
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            self.cx.schema(
                &self.at,
                format!("missing required {noun} {}", missing.join(", ")),
            );
        }
        missing.is_empty() && !misspelt
    }

    /// Reports every field not in `allowed`, suggesting the nearest allowed one.
    fn deny_unknown(&self, allowed: &[&str], context: &str, help: Option<&str>) {
        for key in self.map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::SchemaValidationFailed,
                self.ptr(key),
                format!("unknown field {} in {context}", field(key)),
            )
            .at_key();
            if let Some(near) = did_you_mean(key, allowed.iter().copied()) {
                self.suggested.borrow_mut().push(near.to_owned());
                d = d.with_help(format!("did you mean {}?", field(near)));
            } else if let Some(help) = help {
                d = d.with_help(help);
            }
            self.cx.push(d);
        }
    }
}

/// Whether a string is a JSONata expression, `{% ... %}`.
pub(crate) fn is_jsonata(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("{%") && t.ends_with("%}") && t.len() >= 4
}

fn machine(cx: &Diagnostics, value: &Value, at: Pointer, scope: Scope) -> StateMachine {
    let what = match scope {
        Scope::Root => "the definition",
        Scope::Branch => "a branch",
        Scope::ItemProcessor => "an item processor",
    };
    let Some(f) = Fields::new(cx, value, at, what) else {
        return StateMachine::default();
    };
    let allowed: &[&str] = match scope {
        Scope::Root => &[
            "Comment",
            "StartAt",
            "States",
            "TimeoutSeconds",
            "Version",
            "QueryLanguage",
        ],
        Scope::Branch => &["Comment", "StartAt", "States", "QueryLanguage"],
        Scope::ItemProcessor => &[
            "Comment",
            "StartAt",
            "States",
            "ProcessorConfig",
            "QueryLanguage",
        ],
    };
    f.deny_unknown(allowed, what, None);
    // AWS lists `States` before `StartAt` when both are missing.
    f.require(&["States", "StartAt"]);
    let states = match f.get("States") {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, v)| state(cx, name, v, f.ptr("States").key(name)))
            .collect(),
        Some(other) => {
            f.wrong_type("States", "an object", other);
            Vec::new()
        }
        None => Vec::new(),
    };
    StateMachine {
        comment: f.string("Comment"),
        query_language: f.query_language(),
        processor_config: f.object("ProcessorConfig"),
        start_at: f.string("StartAt").unwrap_or_default(),
        timeout_seconds: f.uint("TimeoutSeconds"),
        version: f.string("Version"),
        states,
    }
}

const STATE_TYPES: &[&str] = &[
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// Stands in for a state whose type is unknown: it goes to an unknown state, so the rules
/// that follow transitions (reachability, liveness) stay quiet about its neighbours rather
/// than report what its real type and `Next` would have settled.
fn unknown_state() -> StateKind {
    StateKind::Pass(Pass {
        common: Common::default(),
        parameters: None,
        result: None,
        result_path: None,
        transition: Transition::Next(String::new()),
    })
}

fn state(cx: &Diagnostics, name: &str, value: &Value, at: Pointer) -> State {
    let fallback = |kind| State {
        name: name.to_owned(),
        kind,
    };
    let Some(f) = Fields::new(cx, value, at.clone(), "a state") else {
        return fallback(unknown_state());
    };
    let Some(type_name) = f.string("Type") else {
        if !f.has("Type") {
            f.require(&["Type"]);
        }
        return fallback(unknown_state());
    };
    let kind = match type_name.as_str() {
        "Pass" => StateKind::Pass(pass(&f)),
        "Task" => StateKind::Task(task(&f)),
        "Choice" => StateKind::Choice(choice(&f)),
        "Wait" => StateKind::Wait(wait(&f)),
        "Succeed" => StateKind::Succeed(succeed(&f)),
        "Fail" => StateKind::Fail(fail(&f)),
        "Parallel" => StateKind::Parallel(parallel(&f)),
        "Map" => StateKind::Map(map(&f)),
        other => {
            let mut d = Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr("Type"),
                format!("unknown state type `{other}`"),
            );
            if let Some(near) = did_you_mean(other, STATE_TYPES.iter().copied()) {
                d = d.with_help(format!("did you mean `{near}`?"));
            } else {
                d = d.with_help(format!("expected one of {}", STATE_TYPES.join(", ")));
            }
            cx.push(d);
            unknown_state()
        }
    };
    fallback(kind)
}

/// The fields each state type allows, beyond `Type`.
fn allowed_fields(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Pass" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Result",
            "ResultPath",
            "Assign",
            "Output",
            "Next",
            "End",
        ],
        "Task" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Resource",
            "Credentials",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        "Choice" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Choices",
            "Default",
            "Assign",
            "Output",
        ],
        "Wait" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Assign",
            "Output",
            "Next",
            "End",
        ],
        "Succeed" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Output",
        ],
        "Fail" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Error",
            "ErrorPath",
            "Cause",
            "CausePath",
        ],
        "Parallel" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Branches",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        "Map" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemReader",
            "ItemSelector",
            "Parameters",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        _ => &[],
    }
}

fn deny_unknown_state_fields(f: &Fields, type_name: &str) {
    let help = match type_name {
        "Choice" => Some(format!(
            "a Choice state moves on through {} and {}",
            field("Choices"),
            field("Default")
        )),
        "Succeed" | "Fail" => Some(format!("a {type_name} state ends the execution")),
        _ => None,
    };
    f.deny_unknown(
        allowed_fields(type_name),
        &format!("a {type_name} state"),
        help.as_deref(),
    );
}

fn common(f: &Fields) -> Common {
    Common {
        comment: f.string("Comment"),
        query_language: f.query_language(),
        input_path: f.nullable_string("InputPath"),
        output_path: f.nullable_string("OutputPath"),
        output: f.json("Output"),
        assign: f.object("Assign"),
    }
}

/// `Next` or `End`: exactly one, on the states that move on. When neither is usable the
/// state goes to an unknown state (an empty `Next`, which no rule reports): whether it was
/// meant to end or to move on, the rules that follow transitions cannot tell.
fn transition(f: &Fields) -> Transition {
    let next = f.string("Next");
    let end = f.boolean("End").unwrap_or(false);
    match (next, end) {
        (Some(next), false) => Transition::Next(next),
        (None, true) => Transition::End,
        (Some(next), true) => {
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.ptr("End"),
                    format!(
                        "a state cannot have both {} and {}",
                        field("Next"),
                        field("End")
                    ),
                )
                .at_key(),
            );
            Transition::Next(next)
        }
        (None, false) => {
            // A `Next` or `End` of the wrong type, or a misspelt one, was reported already.
            let reported = f.has("Next")
                || f.get("End").is_some_and(|end| !end.is_boolean())
                || f.misspelt("Next")
                || f.misspelt("End");
            if !reported {
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.at.clone(),
                        format!("state has neither {} nor {}", field("Next"), field("End")),
                    )
                    .at_key()
                    .with_help(format!(
                        "add {} to name the next state, or {} to end here",
                        field("Next"),
                        field("End")
                    )),
                );
            }
            Transition::Next(String::new())
        }
    }
}

fn pass(f: &Fields) -> Pass {
    deny_unknown_state_fields(f, "Pass");
    Pass {
        common: common(f),
        parameters: f.json("Parameters"),
        result: f.json("Result"),
        result_path: f.nullable_string("ResultPath"),
        transition: transition(f),
    }
}

fn task(f: &Fields) -> Task {
    deny_unknown_state_fields(f, "Task");
    f.require(&["Resource"]);
    Task {
        common: common(f),
        resource: f.string("Resource").unwrap_or_default(),
        credentials: f.json("Credentials"),
        parameters: f.json("Parameters"),
        arguments: f.json("Arguments"),
        result_selector: f.json("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        timeout_seconds: f.int_or_expr("TimeoutSeconds"),
        timeout_seconds_path: f.string("TimeoutSecondsPath"),
        heartbeat_seconds: f.int_or_expr("HeartbeatSeconds"),
        heartbeat_seconds_path: f.string("HeartbeatSecondsPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}

fn error_equals(f: &Fields) -> Vec<String> {
    f.require(&["ErrorEquals"]);
    let Some(items) = f.array("ErrorEquals") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Value::String(s) => Some(s.clone()),
            other => {
                f.cx.schema(
                    &f.ptr("ErrorEquals").index(i),
                    format!("an error name must be a string, found {}", type_name(other)),
                );
                None
            }
        })
        .collect()
}

fn retriers(f: &Fields) -> Vec<Retrier> {
    let Some(items) = f.array("Retry") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let r = Fields::new(f.cx, item, f.ptr("Retry").index(i), "a retrier")?;
            r.deny_unknown(
                &[
                    "Comment",
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                ],
                "a retrier",
                None,
            );
            let jitter_strategy = r.string("JitterStrategy").and_then(|s| match s.as_str() {
                "FULL" => Some(JitterStrategy::Full),
                "NONE" => Some(JitterStrategy::None),
                other => {
                    r.cx.schema(
                        &r.ptr("JitterStrategy"),
                        format!(
                            "{} must be \"FULL\" or \"NONE\", found \"{other}\"",
                            field("JitterStrategy")
                        ),
                    );
                    None
                }
            });
            Some(Retrier {
                comment: r.string("Comment"),
                error_equals: error_equals(&r),
                interval_seconds: r.uint("IntervalSeconds"),
                max_attempts: r.uint("MaxAttempts"),
                backoff_rate: r.float("BackoffRate"),
                max_delay_seconds: r.uint("MaxDelaySeconds"),
                jitter_strategy,
            })
        })
        .collect()
}

fn catchers(f: &Fields) -> Vec<Catcher> {
    let Some(items) = f.array("Catch") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let c = Fields::new(f.cx, item, f.ptr("Catch").index(i), "a catcher")?;
            c.deny_unknown(
                &[
                    "Comment",
                    "ErrorEquals",
                    "ResultPath",
                    "Output",
                    "Assign",
                    "Next",
                ],
                "a catcher",
                None,
            );
            c.require(&["Next"]);
            Some(Catcher {
                comment: c.string("Comment"),
                error_equals: error_equals(&c),
                result_path: c.nullable_string("ResultPath"),
                output: c.json("Output"),
                assign: c.object("Assign"),
                next: c.string("Next").unwrap_or_default(),
            })
        })
        .collect()
}

fn choice(f: &Fields) -> Choice {
    deny_unknown_state_fields(f, "Choice");
    f.require(&["Choices"]);
    let choices: Vec<ChoiceRule> = f
        .array("Choices")
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| choice_rule(f.cx, item, f.ptr("Choices").index(i)))
                .collect()
        })
        .unwrap_or_default();
    if f.get("Choices")
        .is_some_and(|c| c.as_array().is_some_and(Vec::is_empty))
    {
        f.cx.schema(
            &f.ptr("Choices"),
            format!("{} must have at least one rule", field("Choices")),
        );
    }
    Choice {
        common: common(f),
        choices,
        default: f.string("Default"),
    }
}

const RULE_FIELDS: &[&str] = &["Comment", "Variable", "And", "Or", "Not", "Condition"];

fn choice_rule(cx: &Diagnostics, value: &Value, at: Pointer) -> Option<ChoiceRule> {
    let f = Fields::new(cx, value, at, "a choice rule")?;
    // The condition first: it reports unknown fields, and a misspelt `Next` among them is
    // not also reported as missing.
    let condition = condition(&f, &["Next", "Assign", "Output"]);
    f.require(&["Next"]);
    Some(ChoiceRule {
        comment: f.string("Comment"),
        condition: condition.unwrap_or(Condition::And(Vec::new())),
        assign: f.object("Assign"),
        output: f.json("Output"),
        next: f.string("Next").unwrap_or_default(),
    })
}

/// One Boolean expression: `And`, `Or`, `Not`, `Condition`, or `Variable` with exactly one
/// comparison operator. `extra` lists the other fields allowed at this level.
fn condition(f: &Fields, extra: &[&str]) -> Option<Condition> {
    let operators: Vec<String> = ComparisonOperator::names().collect();
    let mut allowed: Vec<&str> = RULE_FIELDS.to_vec();
    allowed.extend(extra);
    allowed.extend(operators.iter().map(String::as_str));
    f.deny_unknown(&allowed, "a choice rule", None);

    let present_ops: Vec<(&String, ComparisonOperator)> = f
        .map
        .keys()
        .filter_map(|k| ComparisonOperator::from_name(k).map(|op| (k, op)))
        .collect();
    let forms: Vec<&str> = ["And", "Or", "Not", "Condition", "Variable"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    if forms.len() > 1 {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr(forms[1]),
                format!(
                    "a choice rule has one of {}, {}, {}, {} or {}, not both {} and {}",
                    field("And"),
                    field("Or"),
                    field("Not"),
                    field("Variable"),
                    field("Condition"),
                    field(forms[0]),
                    field(forms[1])
                ),
            )
            .at_key(),
        );
    }
    let nested = |key: &str, value: &Value, at: Pointer| -> Option<Condition> {
        let inner = Fields::new(f.cx, value, at, "a nested choice rule")?;
        if inner.has("Next") {
            inner.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    inner.ptr("Next"),
                    format!("{} is not allowed inside {}", field("Next"), field(key)),
                )
                .at_key()
                .with_help(format!(
                    "only a top-level choice rule has {}",
                    field("Next")
                )),
            );
        }
        condition(&inner, &["Next"])
    };
    match forms.first().copied() {
        Some(key @ ("And" | "Or")) => {
            let items = f.array(key)?;
            if items.is_empty() {
                f.cx.schema(
                    &f.ptr(key),
                    format!("{} must have at least one rule", field(key)),
                );
            }
            let rules = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| nested(key, item, f.ptr(key).index(i)))
                .collect();
            Some(if key == "And" {
                Condition::And(rules)
            } else {
                Condition::Or(rules)
            })
        }
        Some("Not") => {
            let inner = nested("Not", f.get("Not")?, f.ptr("Not"))?;
            Some(Condition::Not(Box::new(inner)))
        }
        Some("Condition") => f.json("Condition").map(Condition::Jsonata),
        Some(_) => {
            let variable = f.string("Variable")?;
            let Some((name, operator)) = present_ops.first() else {
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.at.clone(),
                        "choice rule has no comparison operator",
                    )
                    .with_help(format!(
                        "add one, such as {} or {}",
                        field("StringEquals"),
                        field("NumericEquals")
                    )),
                );
                return None;
            };
            for (extra, _) in present_ops.iter().skip(1) {
                f.cx.push(
                    Diagnostic::new(
                        Code::SchemaValidationFailed,
                        f.ptr(extra),
                        format!(
                            "a choice rule has exactly one comparison operator, found {} and {}",
                            field(name),
                            field(extra)
                        ),
                    )
                    .at_key(),
                );
            }
            let operand = f.json(name)?;
            check_operand(f, name, *operator, &operand);
            Some(Condition::Comparison(Comparison {
                variable,
                operator: *operator,
                operand,
            }))
        }
        None => {
            let help = if let Some((name, _)) = present_ops.first() {
                format!(
                    "add {} to say what {} compares",
                    field("Variable"),
                    field(name)
                )
            } else {
                format!(
                    "add {} and a comparison, or {}, {} or {}",
                    field("Variable"),
                    field("And"),
                    field("Or"),
                    field("Not")
                )
            };
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.at.clone(),
                    "choice rule has no condition",
                )
                .with_help(help),
            );
            None
        }
    }
}

fn check_operand(f: &Fields, name: &str, operator: ComparisonOperator, operand: &Value) {
    let ok = if operator.path {
        operand.is_string()
    } else {
        match operator.operand() {
            Operand::String | Operand::Pattern | Operand::Timestamp => operand.is_string(),
            Operand::Number => operand.is_number(),
            Operand::Boolean => operand.is_boolean(),
        }
    };
    if !ok {
        let expected = if operator.path {
            "a path"
        } else {
            match operator.operand() {
                Operand::String | Operand::Pattern => "a string",
                Operand::Timestamp => "a timestamp string",
                Operand::Number => "a number",
                Operand::Boolean => "a boolean",
            }
        };
        f.wrong_type(name, expected, operand);
    }
}

const WAIT_FIELDS: [&str; 4] = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];

fn wait(f: &Fields) -> Wait {
    deny_unknown_state_fields(f, "Wait");
    let present: Vec<&str> = WAIT_FIELDS.into_iter().filter(|k| f.has(k)).collect();
    if present.is_empty() {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.at.clone(),
                format!(
                    "a Wait state needs one of {}, {}, {} or {}",
                    field("Seconds"),
                    field("Timestamp"),
                    field("SecondsPath"),
                    field("TimestampPath")
                ),
            )
            .at_key(),
        );
    }
    for extra in present.iter().skip(1) {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr(extra),
                format!(
                    "a Wait state has exactly one of {}, {}, {} or {}, found {} and {}",
                    field("Seconds"),
                    field("Timestamp"),
                    field("SecondsPath"),
                    field("TimestampPath"),
                    field(present[0]),
                    field(extra)
                ),
            )
            .at_key(),
        );
    }
    let wait_for = match present.first().copied() {
        Some("Seconds") => f.int_or_expr("Seconds").map(WaitFor::Seconds),
        Some("Timestamp") => f.string("Timestamp").map(WaitFor::Timestamp),
        Some("SecondsPath") => f.string("SecondsPath").map(WaitFor::SecondsPath),
        Some("TimestampPath") => f.string("TimestampPath").map(WaitFor::TimestampPath),
        _ => None,
    };
    Wait {
        common: common(f),
        wait_for: wait_for.unwrap_or(WaitFor::Seconds(IntOrExpr::Int(0))),
        transition: transition(f),
    }
}

fn succeed(f: &Fields) -> Succeed {
    deny_unknown_state_fields(f, "Succeed");
    Succeed { common: common(f) }
}

fn fail(f: &Fields) -> Fail {
    deny_unknown_state_fields(f, "Fail");
    for (plain, path) in [("Error", "ErrorPath"), ("Cause", "CausePath")] {
        if f.has(plain) && f.has(path) {
            f.cx.push(
                Diagnostic::new(
                    Code::SchemaValidationFailed,
                    f.ptr(path),
                    format!(
                        "a Fail state has {} or {}, not both",
                        field(plain),
                        field(path)
                    ),
                )
                .at_key(),
            );
        }
    }
    Fail {
        common: common(f),
        error: f.string("Error"),
        error_path: f.string("ErrorPath"),
        cause: f.string("Cause"),
        cause_path: f.string("CausePath"),
    }
}

fn parallel(f: &Fields) -> Parallel {
    deny_unknown_state_fields(f, "Parallel");
    f.require(&["Branches"]);
    let branches: Vec<StateMachine> = f
        .array("Branches")
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| machine(f.cx, item, f.ptr("Branches").index(i), Scope::Branch))
                .collect()
        })
        .unwrap_or_default();
    if f.get("Branches")
        .is_some_and(|b| b.as_array().is_some_and(Vec::is_empty))
    {
        f.cx.schema(
            &f.ptr("Branches"),
            format!("{} must have at least one branch", field("Branches")),
        );
    }
    Parallel {
        common: common(f),
        branches,
        parameters: f.json("Parameters"),
        arguments: f.json("Arguments"),
        result_selector: f.json("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}

fn map(f: &Fields) -> Map {
    deny_unknown_state_fields(f, "Map");
    let legacy_iterator = !f.has("ItemProcessor") && f.has("Iterator");
    if f.has("ItemProcessor") && f.has("Iterator") {
        f.cx.push(
            Diagnostic::new(
                Code::SchemaValidationFailed,
                f.ptr("Iterator"),
                format!(
                    "a Map state has {} or the legacy {}, not both",
                    field("ItemProcessor"),
                    field("Iterator")
                ),
            )
            .at_key(),
        );
    }
    let key = if legacy_iterator {
        "Iterator"
    } else {
        "ItemProcessor"
    };
    f.require(&[key]);
    let machine = match f.get(key) {
        Some(v) => machine(f.cx, v, f.ptr(key), Scope::ItemProcessor),
        None => StateMachine::default(),
    };
    Map {
        common: common(f),
        item_processor: ItemProcessor {
            machine,
            legacy_iterator,
        },
        items_path: f.string("ItemsPath"),
        items: f.json("Items"),
        item_reader: f.json("ItemReader"),
        item_selector: f.json("ItemSelector"),
        parameters: f.json("Parameters"),
        item_batcher: f.json("ItemBatcher"),
        result_writer: f.json("ResultWriter"),
        max_concurrency: f.int_or_expr("MaxConcurrency"),
        max_concurrency_path: f.string("MaxConcurrencyPath"),
        tolerated_failure_percentage: f.json("ToleratedFailurePercentage"),
        tolerated_failure_percentage_path: f.string("ToleratedFailurePercentagePath"),
        tolerated_failure_count: f.int_or_expr("ToleratedFailureCount"),
        tolerated_failure_count_path: f.string("ToleratedFailureCountPath"),
        label: f.string("Label"),
        result_selector: f.json("ResultSelector"),
        result_path: f.nullable_string("ResultPath"),
        retry: retriers(f),
        catch: catchers(f),
        transition: transition(f),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::validate::test_support::{diagnose, diagnostics};
    use serde_json::json;

    #[test]
    fn a_misspelt_next_is_reported_once() {
        let found = diagnose(json!({
            "StartAt": "W",
            "States": {
                "W": { "Type": "Wait", "Seconds": 1, "Nxet": "Done" },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/W/Nxet".to_owned())]
        );
    }

    #[test]
    fn a_misspelt_next_in_a_choice_rule_is_not_also_missing() {
        let found = diagnose(json!({
            "StartAt": "C",
            "States": {
                "C": { "Type": "Choice", "Default": "Done",
                       "Choices": [{ "Variable": "$.x", "IsNull": true, "Nxet": "Done" }] },
                "Done": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(
                Code::SchemaValidationFailed,
                "/States/C/Choices/0/Nxet".to_owned()
            )]
        );
    }

    #[test]
    fn a_state_without_transition_does_not_strand_its_successors() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Pass" },
                "B": { "Type": "Pass", "Next": "A" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A".to_owned())]
        );
    }

    #[test]
    fn an_unknown_state_type_does_not_strand_its_successors() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": {
                "A": { "Type": "Pas", "Next": "B" },
                "B": { "Type": "Succeed" }
            }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/Type".to_owned())]
        );
    }

    #[test]
    fn an_end_of_the_wrong_type_is_reported_once() {
        let found = diagnose(json!({
            "StartAt": "A",
            "States": { "A": { "Type": "Pass", "End": "yes" } }
        }));
        assert_eq!(
            found,
            vec![(Code::SchemaValidationFailed, "/States/A/End".to_owned())]
        );
    }

    #[test]
    fn a_wrong_number_is_quoted() {
        let found = diagnostics(json!({
            "StartAt": "T",
            "States": { "T": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                               "Retry": [{ "ErrorEquals": ["States.ALL"], "MaxAttempts": -1 }],
                               "End": true } }
        }));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message(crate::Spelling::Asl),
            "`MaxAttempts` must be a non-negative integer, found -1"
        );
    }
}
