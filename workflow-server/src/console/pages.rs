//! The console's pages: the state machines, one state machine (graph and ASL side by side,
//! its executions, a form to start one), the executions (filtered, paged) and one execution
//! (graph, step details, table of states, events, actions).
//!
//! Reads come from the store; every value shown goes through `maud`, which escapes it. The
//! one piece inserted as it is, the graph's SVG, comes from the core's renderer, which
//! escapes every name it draws.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;
use workflow_runtime::asl::StateMachine;
use workflow_runtime::asl::graph::{Event, Graph, svg};
use workflow_runtime::store::{ExecutionRecord, StoreError};
use workflow_runtime::{HistoryEvent, Status};

use super::html::{Message, badge, duration, json_block, page, pretty, status, status_words, time};
use super::steps::{Step, steps};
use super::{execution_url, query_value, state_machine_url};
use crate::protocol::now_millis;
use crate::{Service, executions, state_machines};

/// Executions per page of a list.
const PAGE: usize = 25;

/// Events (and states entered) an execution's page shows, the latest, unless asked for all:
/// a page refreshed while a large Map runs stays light.
const SHOWN: usize = 1000;

const STATUSES: [Status; 5] = [
    Status::Running,
    Status::Succeeded,
    Status::Failed,
    Status::TimedOut,
    Status::Aborted,
];

fn not_found(what: &str, message: &Message) -> Response {
    let mut response = page(
        "Not found",
        "",
        message,
        html! { h1 { "Not found" } p { (what) } p { a href="/" { "Back to the state machines" } } },
    );
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn store_error(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("The store failed: {error}\n"),
    )
        .into_response()
}

/// The stored state machines, oldest first.
fn machines(service: &Service) -> Result<Vec<Value>, StoreError> {
    service.store().resources(state_machines::KIND)
}

/// The executions, newest first, of one state machine (unqualified ARN) or of all.
fn execution_records(
    service: &Service,
    machine: Option<&str>,
) -> Result<Vec<ExecutionRecord>, StoreError> {
    service.store().executions(machine)
}

/// `GET /`: the state machines, with their executions counted by status.
pub async fn state_machines(
    State(service): State<Arc<Service>>,
    Query(message): Query<Message>,
) -> Response {
    let machines = match machines(&service) {
        Ok(m) => m,
        Err(e) => return store_error(e),
    };
    let records = match execution_records(&service, None) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let mut counts: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for record in &records {
        *counts
            .entry(executions::base_machine(record))
            .or_default()
            .entry(record.status.as_str())
            .or_default() += 1;
    }
    let body = html! {
        h1 { "State machines" }
        @if machines.is_empty() {
            p { "No state machine yet. Create one with the API, for example "
                code { "aws stepfunctions create-state-machine --endpoint-url http://127.0.0.1:8083 ..." } "." }
        } @else {
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Created" }
                        @for s in STATUSES { th scope="col" { (status_words(s)) } }
                    } }
                    tbody {
                        @for machine in &machines {
                            @let arn = machine["stateMachineArn"].as_str().unwrap_or_default();
                            @let count = counts.get(arn);
                            tr {
                                th scope="row" { a href=(state_machine_url(arn)) { (machine["name"].as_str().unwrap_or_default()) } }
                                td { (machine["type"].as_str().unwrap_or("STANDARD")) }
                                td { (time(machine["creationDate"].as_i64().unwrap_or(0))) }
                                @for s in STATUSES {
                                    @let n = count.and_then(|c| c.get(s.as_str())).copied().unwrap_or(0);
                                    td.number {
                                        @if n > 0 {
                                            a href={ "/executions?machine=" (query_value(arn)) "&status=" (s.as_str()) } { (n) }
                                        } @else { "0" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/executions" { "All executions" } }
    };
    page("State machines", "machines", &message, body)
}

#[derive(Debug, Deserialize)]
pub struct MachineQuery {
    arn: String,
    #[serde(flatten)]
    message: Message,
}

/// `GET /state-machine?arn=`: its graph and ASL side by side, a start form, its executions.
pub async fn state_machine(
    State(service): State<Arc<Service>>,
    Query(query): Query<MachineQuery>,
) -> Response {
    let machine = match service.store().resource(state_machines::KIND, &query.arn) {
        Ok(Some(machine)) => machine,
        Ok(None) => {
            return not_found(&format!("No state machine {}", query.arn), &query.message);
        }
        Err(e) => return store_error(e),
    };
    let definition = machine["definition"].as_str().unwrap_or_default();
    let picture = match StateMachine::from_json_str(definition) {
        Ok(parsed) => html! { (PreEscaped(svg::render(&Graph::new(&parsed)))) },
        Err(e) => html! { p.error { "The definition does not parse: " (e.to_string()) } },
    };
    let records = match execution_records(&service, Some(&query.arn)) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let name = machine["name"].as_str().unwrap_or_default();
    let body = html! {
        p.crumbs { a href="/" { "State machines" } " / " }
        h1 { (name) }
        dl.facts {
            dt { "ARN" } dd { code { (query.arn) } }
            dt { "Type" } dd { (machine["type"].as_str().unwrap_or("STANDARD")) }
            dt { "Created" } dd { (time(machine["creationDate"].as_i64().unwrap_or(0))) }
        }
        h2 { "Definition" }
        div.split {
            figure.graph aria-label="Graph of the definition" { (picture) }
            div.asl { pre { code { (pretty(definition)) } } }
        }
        h2 #start { "Start an execution" }
        (start_form(&query.arn, "{}"))
        h2 { "Executions" }
        (execution_table(&records[..records.len().min(PAGE)], false))
        @if records.len() > PAGE {
            p { a href={ "/executions?machine=" (query_value(&query.arn)) } { "All " (records.len()) " executions" } }
        }
    };
    page(name, "machines", &query.message, body)
}

/// The form that starts an execution of `machine`, with a JSON editor the script validates
/// (the server validates it too: StartExecution refuses input that is not JSON).
fn start_form(machine: &str, input: &str) -> Markup {
    html! {
        form.start method="post" action="/actions/start" {
            input type="hidden" name="stateMachineArn" value=(machine);
            label for="start-name" { "Name (optional)" }
            input #start-name type="text" name="name" maxlength="80" autocomplete="off";
            label for="start-input" { "Input (JSON)" }
            textarea #start-input name="input" rows="6" spellcheck="false" data-json
                aria-describedby="start-input-status" { (input) }
            p #start-input-status .hint aria-live="polite" { "" }
            button type="submit" { "Start execution" }
        }
    }
}

/// A table of executions: name, (state machine,) status, start, duration.
fn execution_table(records: &[ExecutionRecord], with_machine: bool) -> Markup {
    let now = now_millis();
    html! {
        @if records.is_empty() {
            p { "No executions." }
        } @else {
            div.scroll {
                table.executions {
                    thead { tr {
                        th scope="col" { "Name" }
                        @if with_machine { th scope="col" { "State machine" } }
                        th scope="col" { "Status" } th scope="col" { "Started" } th scope="col" { "Duration" }
                    } }
                    tbody {
                        @for r in records {
                            @let machine = executions::base_machine(r);
                            tr data-status=(r.status.as_str()) {
                                th scope="row" { a href=(execution_url(&r.arn)) { (r.name) } }
                                @if with_machine {
                                    td { a href=(state_machine_url(&machine)) { (machine.rsplit(':').next().unwrap_or_default()) } }
                                }
                                td { (status(r.status)) }
                                td { (time(r.start_date)) }
                                td { (duration(r.stop_date.unwrap_or(now) - r.start_date)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    machine: Option<String>,
    page: Option<usize>,
    #[serde(flatten)]
    message: Message,
}

/// `GET /executions?status=&machine=&page=`: newest first, filtered, paged.
pub async fn executions(
    State(service): State<Arc<Service>>,
    Query(query): Query<ListQuery>,
) -> Response {
    let machine = query.machine.as_deref().filter(|m| !m.is_empty());
    let wanted = query.status.as_deref().and_then(Status::parse);
    let records = match execution_records(&service, machine) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let machines = match machines(&service) {
        Ok(m) => m,
        Err(e) => return store_error(e),
    };
    let matching: Vec<ExecutionRecord> = records
        .into_iter()
        .filter(|r| wanted.is_none_or(|s| r.status == s))
        .collect();
    let pages = matching.len().div_ceil(PAGE).max(1);
    let current = query.page.unwrap_or(1).clamp(1, pages);
    let shown = &matching[(current - 1) * PAGE..(current * PAGE).min(matching.len())];
    let link = |page: usize| {
        format!(
            "/executions?status={}&machine={}&page={page}",
            wanted.map_or("", |s| s.as_str()),
            query_value(machine.unwrap_or_default())
        )
    };
    let body = html! {
        h1 { "Executions" }
        form.filters method="get" action="/executions" {
            label for="filter-status" { "Status" }
            select #filter-status name="status" {
                option value="" selected[wanted.is_none()] { "Any" }
                @for s in STATUSES {
                    option value=(s.as_str()) selected[wanted == Some(s)] { (status_words(s)) }
                }
            }
            label for="filter-machine" { "State machine" }
            select #filter-machine name="machine" {
                option value="" selected[machine.is_none()] { "Any" }
                @for m in &machines {
                    @let arn = m["stateMachineArn"].as_str().unwrap_or_default();
                    option value=(arn) selected[machine == Some(arn)] { (m["name"].as_str().unwrap_or_default()) }
                }
            }
            button type="submit" { "Filter" }
        }
        // Refreshed as executions change (the filter form stays, so that a choice being
        // made is not lost).
        div #live-root data-live="" data-running="true" {
            p.count { (matching.len()) " executions" @if pages > 1 { ", page " (current) " of " (pages) } }
            (execution_table(shown, true))
            @if pages > 1 {
                nav.pager aria-label="Pages" {
                    @if current > 1 { a href=(link(current - 1)) rel="prev" { "← Newer" } }
                    @if current < pages { a href=(link(current + 1)) rel="next" { "Older →" } }
                }
            }
        }
    };
    page("Executions", "executions", &query.message, body)
}

#[derive(Debug, Deserialize)]
pub struct ExecutionQuery {
    arn: String,
    /// The state whose details to show.
    state: Option<String>,
    /// The Map iteration (by index) whose events to show, with `state` naming the Map.
    iteration: Option<u64>,
    /// `all=1`: every state entered and every event, however many.
    all: Option<String>,
    #[serde(flatten)]
    message: Message,
}

/// `GET /execution?arn=&state=&iteration=`: one execution.
pub async fn execution(
    State(service): State<Arc<Service>>,
    Query(query): Query<ExecutionQuery>,
) -> Response {
    let record = match service.store().execution(&query.arn) {
        Ok(Some(record)) => record,
        Ok(None) => return not_found(&format!("No execution {}", query.arn), &query.message),
        Err(e) => return store_error(e),
    };
    let history = match service.durable.history(&query.arn) {
        Ok(h) => h,
        Err(e) => return store_error(e),
    };
    let definition = service
        .store()
        .definition(&record.definition_hash)
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut graph = StateMachine::from_json_str(&definition)
        .ok()
        .map(|m| Graph::new(&m));
    if let Some(graph) = &mut graph {
        let types: Vec<&str> = history.iter().map(|e| e.event_type.as_str()).collect();
        graph.apply_history(history.iter().zip(&types).map(|(e, ty)| Event {
            event_type: ty,
            state: e.state_name(),
        }));
    }
    let steps = steps(&history);
    let tokens = service.durable.task_tokens(&record.arn);
    let body = execution_body(&record, &history, graph.as_ref(), &steps, &tokens, &query);
    page(&record.name, "executions", &query.message, body)
}

fn execution_body(
    record: &ExecutionRecord,
    history: &[HistoryEvent],
    graph: Option<&Graph>,
    steps: &[Step],
    tokens: &[String],
    query: &ExecutionQuery,
) -> Markup {
    let now = now_millis();
    let machine = executions::base_machine(record);
    let running = record.status == Status::Running;
    let redrivable = matches!(
        record.status,
        Status::Failed | Status::TimedOut | Status::Aborted
    );
    html! {
        div #live-root data-live=(record.arn) data-running=(running) {
            p.crumbs {
                a href="/executions" { "Executions" } " / "
                a href=(state_machine_url(&machine)) { (machine.rsplit(':').next().unwrap_or_default()) } " / "
            }
            h1 { (record.name) " " (status(record.status)) }
            dl.facts {
                dt { "ARN" } dd { code { (record.arn) } }
                dt { "Started" } dd { (time(record.start_date)) }
                @if let Some(stop) = record.stop_date {
                    dt { "Stopped" } dd { (time(stop)) }
                }
                dt { "Duration" } dd { (duration(record.stop_date.unwrap_or(now) - record.start_date)) @if running { " so far" } }
            }
            @if record.error.is_some() || record.cause.is_some() {
                div.failure role="group" aria-label="Error" {
                    p { strong { "Error: " } code { (record.error.as_deref().unwrap_or("")) } }
                    @if let Some(cause) = &record.cause { (json_block("Cause", cause, true)) }
                }
            }
            div.actions {
                @if running {
                    form method="post" action="/actions/stop" {
                        input type="hidden" name="executionArn" value=(record.arn);
                        button.danger type="submit" { "Stop execution" }
                    }
                }
                @if redrivable {
                    form method="post" action="/actions/redrive" {
                        input type="hidden" name="executionArn" value=(record.arn);
                        button type="submit" { "Redrive" }
                    }
                }
                a.button href={ (state_machine_url(&machine)) "#start" } { "New execution" }
            }
            @if !tokens.is_empty() {
                section.tokens aria-label="Waiting task" {
                    h2 { "Waiting for a task token" }
                    @for token in tokens { (token_forms(&record.arn, token)) }
                }
            }
            h2 { "Graph" }
            div.split {
                figure.graph aria-label="Graph of the execution: select a state for its details" {
                    @match graph {
                        Some(graph) => (PreEscaped(svg::render_interactive(graph))),
                        None => p.error { "The definition does not parse." },
                    }
                    figcaption.legend {
                        (badge("succeeded", "succeeded")) (badge("caught", "caught"))
                        (badge("failed", "failed")) (badge("running", "in progress"))
                        (badge("not-reached", "not reached")) " ×N: attempts"
                    }
                }
                aside #details aria-label="Step details" tabindex="-1" {
                    (details(record, history, steps, query))
                }
            }
            div.io {
                (json_block("Execution input", &record.input, false))
                @if let Some(output) = &record.output { (json_block("Execution output", output, false)) }
            }
            @let all = query.all.is_some();
            @let start = history.first().and_then(super::steps::millis).unwrap_or(0);
            h2 { "States" }
            (shown_note(steps.len(), all, &record.arn, "states entered"))
            (state_table(record, latest(steps, all), now))
            h2 { "Events" }
            (shown_note(history.len(), all, &record.arn, "events"))
            (event_table(latest(history, all), start))
        }
    }
}

fn token_forms(arn: &str, token: &str) -> Markup {
    html! {
        div.token {
            p { "Token " code { (token) } }
            form method="post" action="/actions/send-task-success" {
                input type="hidden" name="executionArn" value=(arn);
                input type="hidden" name="taskToken" value=(token);
                label for={ "output-" (token) } { "Output (JSON)" }
                textarea id={ "output-" (token) } name="output" rows="3" spellcheck="false" data-json { "{}" }
                button type="submit" { "Send task success" }
            }
            form method="post" action="/actions/send-task-failure" {
                input type="hidden" name="executionArn" value=(arn);
                input type="hidden" name="taskToken" value=(token);
                label for={ "error-" (token) } { "Error" }
                input id={ "error-" (token) } type="text" name="error" maxlength="256";
                label for={ "cause-" (token) } { "Cause" }
                input id={ "cause-" (token) } type="text" name="cause";
                button.danger type="submit" { "Send task failure" }
            }
        }
    }
}

fn step_link(record: &ExecutionRecord, name: &str) -> String {
    format!(
        "{}&state={}#details",
        execution_url(&record.arn),
        query_value(name)
    )
}

fn step_status(step: &Step) -> Markup {
    badge(step.status.class(), step.status.words())
}

/// The table view: every state entered, in order.
fn state_table(record: &ExecutionRecord, steps: &[Step], now: i64) -> Markup {
    html! {
        @if steps.is_empty() {
            p { "No state entered yet." }
        } @else {
            div.scroll {
                table.states {
                    thead { tr {
                        th scope="col" { "State" } th scope="col" { "Type" } th scope="col" { "Status" }
                        th scope="col" { "Started" } th scope="col" { "Duration" } th scope="col" { "Attempts" }
                    } }
                    tbody {
                        @for step in steps {
                            tr data-state=(step.name) {
                                th scope="row" { a.state-link href=(step_link(record, &step.name)) data-state=(step.name) { (step.name) } }
                                td { (step.state_type) }
                                td { (step_status(step)) }
                                td { @if let Some(start) = step.start { (time(start)) } }
                                td { @if let Some(d) = step.duration(now) { (duration(d)) } }
                                td.number { @if !step.attempts.is_empty() { (step.attempts.len()) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The step-details panel of the state `query.state` names.
fn details(
    record: &ExecutionRecord,
    history: &[HistoryEvent],
    steps: &[Step],
    query: &ExecutionQuery,
) -> Markup {
    let Some(name) = query.state.as_deref() else {
        return html! {
            h2 { "Step details" }
            p.hint { "Select a state in the graph or the table to see its input, output, error and attempts." }
        };
    };
    let entries: Vec<&Step> = steps.iter().filter(|s| s.name == name).collect();
    let now = now_millis();
    html! {
        h2 { "Step details: " (name) }
        @if entries.is_empty() {
            p { "The execution has not entered this state." }
        }
        @for (n, step) in entries.iter().enumerate() {
            section.step {
                @if entries.len() > 1 { h3 { "Entry " (n + 1) " of " (entries.len()) } }
                p { (step.state_type) " · " (step_status(step))
                    @if let Some(d) = step.duration(now) { " · " (duration(d)) } }
                @if let Some(error) = &step.error {
                    p { strong { "Error: " } code { (error) } }
                }
                @if let Some(cause) = &step.cause { (json_block("Cause", cause, true)) }
                @if let Some(input) = &step.input { (json_block("Input", input, true)) }
                @if let Some(output) = &step.output { (json_block("Output", output, true)) }
                @if step.attempts.len() > 1 || step.attempts.iter().any(|a| a.error.is_some()) {
                    h3 { "Attempts" }
                    ol.attempts {
                        @for attempt in &step.attempts {
                            li {
                                @if let Some(start) = attempt.start { (time(start)) " · " }
                                (attempt.outcome.as_deref().unwrap_or("in progress"))
                                @if let Some(error) = &attempt.error { " · " code { (error) } }
                                @if let Some(cause) = &attempt.cause { (json_block("Cause", cause, false)) }
                            }
                        }
                    }
                }
                @if !step.iterations.is_empty() {
                    (iterations(record, history, step, query))
                }
            }
        }
    }
}

/// A Map state's iterations by status, each one openable: the events from its start to its
/// end.
fn iterations(
    record: &ExecutionRecord,
    history: &[HistoryEvent],
    step: &Step,
    query: &ExecutionQuery,
) -> Markup {
    let word = |ty: &str| match ty {
        "MapIterationSucceeded" => ("succeeded", "succeeded"),
        "MapIterationFailed" => ("failed", "failed"),
        "MapIterationAborted" => ("aborted", "aborted"),
        _ => ("running", "in progress"),
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, ty) in &step.iterations {
        *counts.entry(word(ty).1).or_default() += 1;
    }
    html! {
        h3 { "Iterations" }
        p { (step.iterations.len()) " items: "
            @for (i, (words, n)) in counts.iter().enumerate() {
                @if i > 0 { ", " } (n) " " (words)
            }
        }
        ul.iterations {
            @for (index, ty) in &step.iterations {
                li {
                    a href={ (execution_url(&record.arn)) "&state=" (query_value(&step.name)) "&iteration=" (index) "#details" } {
                        "Iteration " (index)
                    }
                    " " (badge(word(ty).0, word(ty).1))
                }
            }
        }
        @if let Some(index) = query.iteration {
            h3 { "Iteration " (index) }
            p.hint { "Its events, from its start to its end. Iterations run concurrently, so \
                       events of others running at the same time are listed too." }
            @let start = history.first().and_then(super::steps::millis).unwrap_or(0);
            (event_table(&iteration_events(history, step, index), start))
        }
    }
}

/// The events of a Map's iteration `index`: from its MapIterationStarted to its end.
fn iteration_events(history: &[HistoryEvent], step: &Step, index: u64) -> Vec<HistoryEvent> {
    let is_iteration = |e: &HistoryEvent, ty: &str| {
        e.event_type.as_str().starts_with(ty)
            && e.detail("index").and_then(Value::as_u64) == Some(index)
            && e.state_name() == Some(step.name.as_str())
    };
    let Some(start) = history
        .iter()
        .position(|e| e.id > step.entered_id && is_iteration(e, "MapIterationStarted"))
    else {
        return Vec::new();
    };
    let end = history[start + 1..]
        .iter()
        .position(|e| is_iteration(e, "MapIteration"))
        .map_or(history.len(), |at| start + 1 + at + 1);
    history[start..end].to_vec()
}

/// An event's details with the JSON texts inside (input, output, ...) parsed, so that they
/// print as nested JSON.
fn readable_details(event: &HistoryEvent) -> Option<Value> {
    let mut details = event.details().values().next()?.clone();
    if let Some(fields) = details.as_object_mut() {
        for value in fields.values_mut() {
            if let Value::String(text) = value
                && let Ok(parsed @ (Value::Object(_) | Value::Array(_))) =
                    serde_json::from_str::<Value>(text)
            {
                *value = parsed;
            }
        }
    }
    Some(details)
}

/// A few words of an event's details for its row: the state, or the error.
fn summary(event: &HistoryEvent) -> String {
    if let Some(name) = event.state_name() {
        return name.to_owned();
    }
    if let Some(error) = event.detail("error").and_then(Value::as_str) {
        return error.to_owned();
    }
    if let Some(resource) = event.detail("resource").and_then(Value::as_str) {
        return resource.to_owned();
    }
    String::new()
}

/// The last [`SHOWN`] of `items`, or all of them.
fn latest<T>(items: &[T], all: bool) -> &[T] {
    if all {
        items
    } else {
        &items[items.len().saturating_sub(SHOWN)..]
    }
}

/// Says that only the latest of `total` are shown, with a link to all of them.
fn shown_note(total: usize, all: bool, arn: &str, what: &str) -> Markup {
    html! {
        @if total > SHOWN && !all {
            p.hint { "The last " (SHOWN) " of " (total) " " (what) ". "
                a href={ (execution_url(arn)) "&all=1" } { "Show all" } }
        }
    }
}

/// The event view: id, type, time (and how long after `start`, the execution's start) and
/// the details, collapsible.
fn event_table(history: &[HistoryEvent], start: i64) -> Markup {
    html! {
        div.scroll {
            table.events {
                thead { tr {
                    th scope="col" { "ID" } th scope="col" { "Type" } th scope="col" { "Timestamp" }
                    th scope="col" { "Details" }
                } }
                tbody {
                    @for event in history {
                        @let ty = event.event_type.as_str();
                        tr data-event-id=(event.id) .failed-event[ty.ends_with("Failed") || ty.ends_with("TimedOut")] {
                            td.number { (event.id) }
                            td { (ty) }
                            td {
                                @if let Some(at) = super::steps::millis(event) {
                                    (time(at)) br; span.hint { "+" (duration(at - start)) }
                                }
                            }
                            td {
                                @match readable_details(event) {
                                    Some(details) => details.json {
                                        summary { (summary(event)) }
                                        pre { code { (serde_json::to_string_pretty(&details).unwrap_or_default()) } }
                                    },
                                    None => {},
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use workflow_runtime::EventType;
    use workflow_runtime::asl::timestamp::Timestamp;

    #[test]
    fn event_details_show_inputs_as_nested_json_escaped() {
        let event = HistoryEvent::new(
            2,
            EventType::TaskStateEntered,
            Timestamp::from_unix_millis(0),
            json!({ "name": "<b>A</b>", "input": "{\"html\":\"<script>alert(1)</script>\"}" }),
        );
        let html = event_table(&[event], 0).into_string();
        assert!(html.contains("&lt;b&gt;A&lt;/b&gt;"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&quot;html&quot;: "),
            "nested, pretty: {html}"
        );
    }

    #[test]
    fn step_statuses_have_words() {
        use super::super::steps::StepStatus;
        assert_eq!(StepStatus::InProgress.words(), "in progress");
    }
}
