//! `variableReferences` of DescribeStateMachine: for each state (nested ones too, by their
//! own name), the workflow variables it reads, sorted.
//!
//! A read is counted only where a value is evaluated: JSONPath path fields (`InputPath`,
//! `SecondsPath`, Choice `Variable` and `...Path` comparators, ...), values of `.$` keys in
//! payload templates (`Parameters`, `ItemSelector`, `ResultSelector`, `Assign`, ItemReader
//! `Parameters`), intrinsic arguments; and in JSONata states every `{% %}` expression.
//! `$`, `$.x`, `$[..]` (the input) and `$$` (the context) are not variables.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

type References = BTreeMap<String, BTreeSet<String>>;

/// The variables each state of `definition` reads, by state name; empty when none does.
pub fn of_definition(definition: &str) -> Map<String, Value> {
    let mut found = References::new();
    if let Ok(machine) = serde_json::from_str::<Value>(definition) {
        walk(&machine, false, &mut found);
    }
    found
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(state, names)| (state, json!(names.into_iter().collect::<Vec<_>>())))
        .collect()
}

fn is_jsonata(value: &Value, inherited: bool) -> bool {
    match value.get("QueryLanguage").and_then(Value::as_str) {
        Some(language) => language == "JSONata",
        None => inherited,
    }
}

const PATH_FIELDS: &[&str] = &[
    "InputPath",
    "OutputPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "ItemsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
];

const TEMPLATES: &[&str] = &["Parameters", "ItemSelector", "ResultSelector", "Assign"];

const NESTED: &[&str] = &["ItemProcessor", "Iterator", "Branches"];

fn walk(machine: &Value, inherited: bool, found: &mut References) {
    let jsonata_machine = is_jsonata(machine, inherited);
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let jsonata = is_jsonata(state, jsonata_machine);
        let names = found.entry(name.clone()).or_default();
        if jsonata {
            if let Some(fields) = state.as_object() {
                for (key, value) in fields {
                    if !NESTED.contains(&key.as_str()) {
                        jsonata_reads(value, names);
                    }
                }
            }
        } else {
            jsonpath_reads(state, names);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(nested) = state.get(key) {
                walk(nested, jsonata, found);
            }
        }
        for branch in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(branch, jsonata, found);
        }
    }
}

fn jsonpath_reads(state: &Value, names: &mut BTreeSet<String>) {
    for field in PATH_FIELDS {
        if let Some(path) = state.get(*field).and_then(Value::as_str) {
            names.extend(path_variable(path));
        }
    }
    if let Some(path) = state
        .pointer("/ItemReader/ReaderConfig/MaxItemsPath")
        .and_then(Value::as_str)
    {
        names.extend(path_variable(path));
    }
    for field in TEMPLATES {
        if let Some(template) = state.get(*field) {
            template_reads(template, names);
        }
    }
    if let Some(template) = state.pointer("/ItemReader/Parameters") {
        template_reads(template, names);
    }
    for rule in state
        .get("Choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        choice_reads(rule, names);
    }
}

fn choice_reads(rule: &Value, names: &mut BTreeSet<String>) {
    let Some(fields) = rule.as_object() else {
        return;
    };
    for (key, value) in fields {
        match value {
            Value::String(path) if key == "Variable" || key.ends_with("Path") => {
                names.extend(path_variable(path));
            }
            Value::Array(rules) if key == "And" || key == "Or" => {
                rules.iter().for_each(|r| choice_reads(r, names));
            }
            Value::Object(_) if key == "Not" => choice_reads(value, names),
            _ => {}
        }
    }
}

/// The values of `.$` keys, at any depth: paths and intrinsic calls.
fn template_reads(template: &Value, names: &mut BTreeSet<String>) {
    match template {
        Value::Object(fields) => {
            for (key, value) in fields {
                match value {
                    Value::String(expression) if key.ends_with(".$") => {
                        if expression.starts_with("States.") {
                            names.extend(intrinsic_variables(expression));
                        } else {
                            names.extend(path_variable(expression));
                        }
                    }
                    _ => template_reads(value, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| template_reads(v, names)),
        _ => {}
    }
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// `$name...` → `name`; the input (`$`, `$.`, `$[`) and the context (`$$`) are not variables.
fn path_variable(path: &str) -> Option<String> {
    let rest = path.strip_prefix('$')?;
    let name = identifier(rest);
    (!name.is_empty()).then_some(name)
}

/// The `$name` arguments of an intrinsic call, nested calls included (outside quoted
/// strings).
fn intrinsic_variables(expression: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut quoted = false;
    let mut previous = ' ';
    for (i, c) in expression.char_indices() {
        match c {
            '\'' if previous != '\\' => quoted = !quoted,
            '$' if !quoted && previous != '$' => {
                if let Some(name) = path_variable(&expression[i..]) {
                    names.push(name);
                }
            }
            _ => {}
        }
        previous = c;
    }
    names
}

/// The variables of every `{% %}` expression in a JSONata field: `$name` tokens that are not
/// `$states`, not function calls (`$not(`), and not bound in the expression (`$v :=`).
fn jsonata_reads(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            let trimmed = text.trim();
            if let Some(expression) = trimmed
                .strip_prefix("{%")
                .and_then(|t| t.strip_suffix("%}"))
            {
                names.extend(jsonata_variables(expression));
            }
        }
        Value::Object(fields) => fields.values().for_each(|v| jsonata_reads(v, names)),
        Value::Array(items) => items.iter().for_each(|v| jsonata_reads(v, names)),
        _ => {}
    }
}

fn jsonata_variables(expression: &str) -> BTreeSet<String> {
    let mut read = BTreeSet::new();
    let mut bound = BTreeSet::new();
    let mut quote: Option<char> = None;
    let chars: Vec<(usize, char)> = expression.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if let Some(q) = quote {
            if c == q && chars.get(k.wrapping_sub(1)).is_none_or(|p| p.1 != '\\') {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '$' if k == 0 || chars[k - 1].1 != '$' => {
                let name = identifier(&expression[i + 1..]);
                if name.is_empty() || name == "states" {
                    continue;
                }
                let after = expression[i + 1 + name.len()..].trim_start();
                if after.starts_with('(') {
                    continue;
                }
                if after.starts_with(":=") {
                    bound.insert(name);
                } else {
                    read.insert(name);
                }
            }
            _ => {}
        }
    }
    read.retain(|n| !bound.contains(n));
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_found_where_they_are_evaluated() {
        let definition = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Parameters": {"result": "$literal", "r.$": "$result"},
                  "Assign": {"s.$": "States.MathAdd($x, States.MathAdd($y, 1))", "q.$": "$.input"},
                  "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "J"}],
                  "Default": "J"},
            "J": {"Type": "Pass", "QueryLanguage": "JSONata",
                  "Output": "{% $not($done) and $states.input.x and ($v := 1; $v) %}", "End": true}}});
        let found = of_definition(&definition.to_string());
        assert_eq!(
            Value::Object(found),
            json!({"A": ["result", "x", "y"], "C": ["answer", "guess"], "J": ["done"]})
        );
    }
}
