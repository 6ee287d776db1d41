use serde_json::{Value, json};
use workflow_core::model::{IntOrExpr, Map, QueryLanguage, StateMachine};
use workflow_core::timestamp::Timestamp;

use crate::context::LazyContext;
use crate::data_flow::{Scope, States, Variables, compact};
use crate::error::{Failure, names};
use crate::execution_input::SharedInput;
use crate::executor::{Interpreter, RunProgress, StateRun, failure_details};
use crate::history::EventType;
use crate::limits;
use crate::map_runs::{ItemCounts, MapRun, MapRunStatus, RunGuard};
use crate::states::fan_out::FanOut;
use crate::states::item_batcher;
use crate::states::item_reader;
use crate::states::recovery::{Attempted, Recovered, Recovery};
use crate::states::result::{ResultFields, process_result};
use crate::states::result_writer::{ChildLog, ChildResult, MapRunNames, ResultWriter};
use crate::test_state::TestMock;

/// What AWS says when a distributed Map's failures exceed its tolerance (the `TestState`
/// API's wording; no recorded execution shows it).
const EXCEEDED_CAUSE: &str = "The specified tolerated failure threshold was exceeded";

impl Interpreter<'_> {
    /// Map: `InputPath` -> `ItemsPath` (the array to iterate) -> for each item,
    /// `ItemSelector` (or the legacy `Parameters`, with `$$.Map.Item.Index` and
    /// `$$.Map.Item.Value`) -> the item processor, up to `MaxConcurrency` items at once ->
    /// the array of their outputs, in item order -> `ResultSelector` -> `Assign` (reading that
    /// array as `$`) -> `ResultPath` -> `OutputPath` ("Map state input and output fields",
    /// AWS docs). The state's own fields (`ItemsPath`, `ItemSelector`, `MaxConcurrencyPath`,
    /// ...) read the variables of the scope it runs in.
    ///
    /// Inline, the first failed iteration stops the others and fails the state with its own
    /// error. Distributed (`ProcessorConfig.Mode: DISTRIBUTED`), every item is a child
    /// execution with a history of its own, and the state fails with
    /// `States.ExceedToleratedFailureThreshold` once more items failed than
    /// `ToleratedFailureCount`/`ToleratedFailurePercentage` allow (by default, none).
    /// `Retry` (a new run of every item) and `Catch` work as for a Task.
    ///
    /// An inline iteration runs in a variable scope of its own over the state's: it reads
    /// the outer variables, and what it assigns stays in it. A distributed Map's child
    /// executions cannot read the outer variables ("Passing data between states with
    /// variables", AWS docs), so each starts from an empty scope.
    pub(crate) async fn run_map(
        &self,
        run: &StateRun<'_>,
        map: &Map,
        input: Value,
        variables: &Variables<'_>,
    ) -> Result<Recovered, Failure> {
        self.recover(
            run,
            Recovery {
                retriers: &map.retry,
                catchers: &map.catch,
                transition: &map.transition,
                gave_up: Some(EventType::MapStateFailed),
            },
            &input,
            variables,
            |retry_count| self.map_attempt(run, map, &input, retry_count, variables),
        )
        .await
    }

    /// One run over every item, from the raw input to the output.
    async fn map_attempt(
        &self,
        run: &StateRun<'_>,
        map: &Map,
        input: &Value,
        retry_count: u32,
        variables: &Variables<'_>,
    ) -> Result<Attempted, Failure> {
        let context = self.context(run, Some(retry_count));
        let scope = Scope::new(run, &context, variables);
        let distributed = is_distributed(&map.item_processor.machine);
        let mock = run.mock();
        if mock.is_none() {
            reject_inline_only(&scope, map, distributed)?;
        }
        let effective = if run.jsonata {
            input.clone()
        } else {
            scope.select(&map.common.input_path, input.clone())?
        };
        run.inspect(|i| i.after_input_path = Some(effective.clone()));
        if let Some(mock) = mock {
            let items = Items {
                run,
                map,
                effective: &effective,
                context: LazyContext::ready(context.get().clone()),
                variables,
                items: Vec::new(),
                progress: None,
                selected: false,
                children: None,
                map_run_arn: None,
            };
            return mocked(&scope, items, input, mock);
        }
        let items = match &map.item_reader {
            Some(reader) => {
                let store = self.executor.object_store.as_deref();
                match item_reader::read_items(&scope, reader, &effective, store).await {
                    Ok(items) => items,
                    Err(failure) => return Ok(Attempted::Failed(failure)),
                }
            }
            None => items_of(&scope, map, &effective)?,
        };
        run.inspect(|i| i.after_items_path = Some(Value::Array(items.clone())));
        let limit = concurrency(&scope, map, &effective, distributed)?;
        let writer = match &map.result_writer {
            Some(writer) => match ResultWriter::of(&scope, writer, &effective) {
                Ok(writer) => Some(writer),
                Err(failure) => return Ok(Attempted::Failed(failure)),
            },
            None => None,
        };
        let progress = self.run_progress(run, retry_count);
        let mut items = Items {
            run,
            map,
            effective: &effective,
            context: LazyContext::ready(context.get().clone()),
            variables,
            items,
            progress,
            selected: false,
            children: writer
                .as_ref()
                .map(|_| ChildLog::new(self.executor.clock.clone())),
            map_run_arn: None,
        };
        if let Some(batcher) = &map.item_batcher {
            items.batch(&scope, batcher)?;
        }
        self.event(EventType::MapStateStarted, json!({ "length": items.len() }));
        let results = if distributed {
            // Read after MapStateStarted: AWS fails a bad one with no MapStateFailed after it.
            let tolerance = tolerance(&scope, map, &effective)?;
            self.map_run(&mut items, limit, &tolerance).await
        } else {
            self.inline_iterations(&mut items, limit).await
        };
        let results = match results {
            Ok(results) => results,
            Err(failure) => {
                // A failed map run's results are written too; its own failure is the
                // state's, whether they could be or not.
                if let Some(writer) = &writer {
                    let _ = self.write_results(writer, &mut items).await;
                }
                return Ok(Attempted::Failed(failure));
            }
        };
        let result = match &writer {
            Some(writer) => match self.write_results(writer, &mut items).await {
                Ok(result) => result,
                Err(failure) => return Ok(Attempted::Failed(failure)),
            },
            None => Value::Array(results),
        };
        self.event(EventType::MapStateSucceeded, Value::Null);
        let fields = ResultFields {
            common: &map.common,
            result_selector: &map.result_selector,
            result_path: &map.result_path,
        };
        Ok(process_result(&scope, run, fields, input, result)?.into())
    }

    /// Inline iterations: each in this execution's history, between MapIterationStarted and
    /// MapIterationSucceeded/Failed. The first failure aborts the iterations still running.
    async fn inline_iterations(
        &self,
        items: &mut Items<'_>,
        limit: usize,
    ) -> Result<Vec<Value>, Failure> {
        let processor = &items.map.item_processor.machine;
        let (variables, inherited) = (items.variables, items.run.inherited);
        let mut fan = FanOut::new();
        let mut pushed = Vec::with_capacity(items.len());
        let mut results = vec![Value::Null; items.len()];
        let mut next = 0;
        loop {
            while next < items.len() && fan.running() < limit {
                // Each iteration adds events to this history: a Map of 100,000 items fails
                // at the limit, as on AWS, rather than growing without bound.
                if self.history_len() >= limits::MAX_HISTORY_EVENTS {
                    for running in fan.unfinished().map(|job| pushed[job]) {
                        self.iteration_event(EventType::MapIterationAborted, items.run, running);
                    }
                    return Err(crate::executor::history_limit_failure());
                }
                self.iteration_event(EventType::MapIterationStarted, items.run, next);
                if let Some(output) = items.done(next) {
                    self.iteration_event(EventType::MapIterationSucceeded, items.run, next);
                    results[next] = output;
                    next += 1;
                    continue;
                }
                let input = items.input_of(next);
                // Jobs are numbered in push order; items finished before a restart are not
                // pushed, so `pushed` maps a job back to its item.
                pushed.push(next);
                fan.push(async move {
                    let run = self.run_machine(processor, input?, Some(variables), inherited);
                    run.await
                });
                next += 1;
            }
            let Some((job, result)) = fan.next().await else {
                return Ok(results);
            };
            let index = pushed[job];
            match result {
                Ok(output) => {
                    self.iteration_event(EventType::MapIterationSucceeded, items.run, index);
                    items.record(index, &output);
                    results[index] = output;
                }
                Err(failure) => {
                    self.iteration_event(EventType::MapIterationFailed, items.run, index);
                    for running in fan.unfinished().map(|job| pushed[job]) {
                        self.iteration_event(EventType::MapIterationAborted, items.run, running);
                    }
                    return Err(failure);
                }
            }
        }
    }

    /// A distributed Map's run: each item a child execution, recorded in a history of its
    /// own; this execution's history shows MapRunStarted and MapRunSucceeded/Failed only.
    /// A failed item that the tolerance allows leaves its `{Error, Cause}` in the results.
    async fn map_run(
        &self,
        items: &mut Items<'_>,
        limit: usize,
        tolerance: &Tolerance,
    ) -> Result<Vec<Value>, Failure> {
        let config = &self.executor.config;
        let label = items.map.label.as_deref().unwrap_or(items.run.name);
        let map_run_arn = format!(
            "arn:aws:states:{}:{}:mapRun:{}/{label}:{}",
            config.region,
            config.account,
            config.state_machine_name,
            self.uuid()
        );
        self.event(
            EventType::MapRunStarted,
            json!({ "mapRunArn": map_run_arn }),
        );
        // The run's settings live in the registry, where UpdateMapRun changes them.
        let runs = &self.executor.map_runs;
        let total = items.len() as u64;
        runs.start(MapRun {
            arn: map_run_arn.clone(),
            execution_arn: config.execution_arn(),
            state_machine_arn: format!("{}/{label}", config.state_machine_arn()),
            status: MapRunStatus::Running,
            start_date: self.now().unix_millis(),
            stop_date: None,
            max_concurrency: if limit >= limits::DISTRIBUTED_MAP_MAX_CONCURRENCY {
                0
            } else {
                limit as u64
            },
            tolerated_failure_percentage: tolerance.percentage,
            tolerated_failure_count: tolerance.count,
            items: ItemCounts {
                pending: total,
                total,
                ..ItemCounts::default()
            },
        });
        let _guard = RunGuard {
            runs,
            arn: map_run_arn.clone(),
            clock: &*self.executor.clock,
        };
        items.map_run_arn = Some(map_run_arn.clone());
        let processor = &items.map.item_processor.machine;
        let inherited = items.run.inherited;
        let mut fan = FanOut::new();
        let mut pushed = Vec::with_capacity(items.len());
        let mut results = vec![Value::Null; items.len()];
        let (mut next, mut failed) = (0, 0);
        loop {
            let (limit, tolerance) = match runs.settings(&map_run_arn) {
                Some((max, count, percentage)) => (
                    match max {
                        0 => limits::DISTRIBUTED_MAP_MAX_CONCURRENCY,
                        n => n as usize,
                    },
                    Tolerance { count, percentage },
                ),
                None => (limit, *tolerance),
            };
            while next < items.len() && fan.running() < limit {
                runs.count(&map_run_arn, |c| c.pending = c.pending.saturating_sub(1));
                if let Some(output) = items.done(next) {
                    runs.count(&map_run_arn, |c| c.succeeded += 1);
                    results[next] = output;
                    next += 1;
                    continue;
                }
                let input = items.input_of(next);
                let seed = self.random_seed();
                pushed.push(next);
                runs.count(&map_run_arn, |c| c.running += 1);
                fan.push(async move {
                    let child = self.child_execution(processor, input?, seed, inherited);
                    child.await
                });
                next += 1;
            }
            let Some((job, result)) = fan.next().await else {
                self.event(EventType::MapRunSucceeded, Value::Null);
                runs.end(
                    &map_run_arn,
                    MapRunStatus::Succeeded,
                    self.now().unix_millis(),
                );
                return Ok(results);
            };
            let index = pushed[job];
            results[index] = match result {
                Ok(output) => {
                    runs.count(&map_run_arn, |c| {
                        c.running = c.running.saturating_sub(1);
                        c.succeeded += 1;
                    });
                    items.record(index, &output);
                    output
                }
                Err(failure) => {
                    runs.count(&map_run_arn, |c| {
                        c.running = c.running.saturating_sub(1);
                        if failure.error.as_deref() == Some(names::TIMEOUT) {
                            c.timed_out += 1;
                        } else {
                            c.failed += 1;
                        }
                    });
                    items.record_failure(index, &failure);
                    failed += 1;
                    if tolerance.exceeded(failed, items.len()) {
                        let failure =
                            Failure::new(names::EXCEED_TOLERATED_FAILURE_THRESHOLD, EXCEEDED_CAUSE);
                        self.event(EventType::MapRunFailed, failure_details(&failure));
                        runs.end(&map_run_arn, MapRunStatus::Failed, self.now().unix_millis());
                        return Err(failure);
                    }
                    failure.to_error_output()
                }
            };
        }
    }

    /// One child execution of a distributed Map, on its own history (its first state is
    /// entered at event #2, after its ExecutionStarted) and random source, with no variables
    /// but its own.
    async fn child_execution(
        &self,
        machine: &StateMachine,
        input: Value,
        seed: u64,
        inherited: QueryLanguage,
    ) -> Result<Value, Failure> {
        let (started, history, text) = self.executor.started(&input, None);
        let shared = SharedInput::new(&input, text);
        let child = Interpreter::new(
            self.executor,
            &shared,
            started,
            history,
            fastrand::Rng::with_seed(seed),
        );
        // The child's history is its own, as on AWS; nothing reads it after the run.
        child.run_machine(machine, input, None, inherited).await
    }

    /// A `ResultWriter`'s result: the children's results written, or transformed.
    async fn write_results(
        &self,
        writer: &ResultWriter,
        items: &mut Items<'_>,
    ) -> Result<Value, Failure> {
        let map_run_arn = items.map_run_arn.clone().unwrap_or_default();
        // The children's ARNs are the map run's, less its id, as execution and state machine.
        let base = map_run_arn.rsplit_once(':').map_or("", |(base, _)| base);
        let names = MapRunNames {
            state_machine_arn: base.replacen(":mapRun:", ":stateMachine:", 1),
            execution_arn_prefix: base.replacen(":mapRun:", ":execution:", 1),
            map_run_arn,
        };
        let now = self.now();
        let children: Vec<_> = (0..items.len())
            .map(|index| items.child_result(index, now))
            .collect();
        let store = self.executor.object_store.as_deref();
        writer
            .finish(store, &names, &children, || self.uuid())
            .await
    }

    fn iteration_event(&self, event_type: EventType, run: &StateRun<'_>, index: usize) {
        self.event(event_type, json!({ "name": run.name, "index": index }));
    }
}

/// The items of one run of a Map state, and what their inputs are made from.
struct Items<'a> {
    run: &'a StateRun<'a>,
    map: &'a Map,
    /// The state's effective input (after `InputPath`), which `ItemSelector` reads.
    effective: &'a Value,
    /// The state's context object; `Map.Item` is set for each item in turn.
    context: LazyContext<'a>,
    /// The variables of the scope the state runs in, which `ItemSelector` reads and the
    /// inline iterations run over.
    variables: &'a Variables<'a>,
    items: Vec<Value>,
    /// Where finished items are recorded (a durable execution's top-level Map).
    progress: Option<RunProgress>,
    /// Whether `items` went through `ItemSelector` already (before an `ItemBatcher`).
    selected: bool,
    /// When each child ran and how it ended, for a `ResultWriter`.
    children: Option<ChildLog>,
    /// The map run's ARN, once a distributed Map started it.
    map_run_arn: Option<String>,
}

impl Items<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// The output of item `index`, if it finished before a restart.
    fn done(&self, index: usize) -> Option<Value> {
        self.progress.as_ref()?.done(index)
    }

    /// Records that item `index` finished with `output`.
    fn record(&self, index: usize, output: &Value) {
        if let Some(progress) = &self.progress {
            progress.record(index, output);
        }
        if let Some(children) = &self.children {
            children.stopped(index, Ok(output));
        }
    }

    /// Records that item `index` failed (for a `ResultWriter`; a failed item runs again
    /// after a restart).
    fn record_failure(&self, index: usize, failure: &Failure) {
        if let Some(children) = &self.children {
            children.stopped(index, Err(failure));
        }
    }

    /// How item `index` went, for a `ResultWriter`. An item that finished before a
    /// restart, or never started, has its input made again.
    fn child_result(&mut self, index: usize, now: Timestamp) -> ChildResult {
        if let Some(child) = self.children.as_ref().and_then(|c| c.result(index, now)) {
            return child;
        }
        let input = self.select(index).unwrap_or_default();
        ChildResult::unseen(input, self.done(index), now)
    }

    /// Groups the items (each through `ItemSelector` first) into `batcher`'s batches,
    /// which become the items the children run on.
    fn batch(&mut self, scope: &Scope<'_>, batcher: &Value) -> Result<(), Failure> {
        let selected = (0..self.len())
            .map(|index| self.select(index))
            .collect::<Result<Vec<_>, _>>()?;
        self.items = item_batcher::batches(scope, batcher, self.effective, selected)?;
        self.selected = true;
        Ok(())
    }

    /// The input of item `index`: the item, or what `ItemSelector` (or the legacy
    /// `Parameters`) makes of the effective input, `$$.Map.Item.Index` and
    /// `$$.Map.Item.Value`.
    fn input_of(&mut self, index: usize) -> Result<Value, Failure> {
        let input = self.select(index)?;
        if let Some(children) = &self.children {
            children.started(index, &input);
        }
        Ok(input)
    }

    /// Item `index` through `ItemSelector` (see [`Items::input_of`]).
    fn select(&mut self, index: usize) -> Result<Value, Failure> {
        let item = self.items.get(index).cloned().unwrap_or_default();
        if self.selected {
            return Ok(item);
        }
        let Some(template) = self
            .map
            .item_selector
            .as_ref()
            .or(self.map.parameters.as_ref())
        else {
            return Ok(item);
        };
        if let Some(context) = self.context.made_mut().and_then(Value::as_object_mut) {
            context.insert(
                "Map".to_owned(),
                json!({ "Item": { "Index": index, "Value": item } }),
            );
        }
        let scope = Scope::new(self.run, &self.context, self.variables);
        let input = if self.run.jsonata {
            scope.evaluate("ItemSelector", template, States::input(self.effective))?
        } else {
            scope.template(template, self.effective)?
        };
        // The items' inputs are made in item order, so each lands at its index.
        self.run.inspect(|i| match &mut i.after_item_selector {
            Some(Value::Array(inputs)) => inputs.push(input.clone()),
            _ => i.after_item_selector = Some(Value::Array(vec![input.clone()])),
        });
        Ok(input)
    }
}

/// How many failed items a distributed Map tolerates.
#[derive(Debug, Default, PartialEq, Clone, Copy)]
struct Tolerance {
    count: Option<u64>,
    percentage: Option<f64>,
}

impl Tolerance {
    /// Whether `failed` of `total` items is more than tolerated. With neither field set, the
    /// tolerance is 0 %: any failure is too many ("Tolerated failure threshold", AWS docs).
    fn exceeded(&self, failed: usize, total: usize) -> bool {
        let over_count = self.count.is_some_and(|count| failed as u64 > count);
        let over_percentage = self.percentage.unwrap_or(0.0) < failed as f64 * 100.0 / total as f64;
        match (self.count, self.percentage) {
            (Some(_), None) => over_count,
            _ => over_count || over_percentage,
        }
    }
}

/// `ItemReader`, `ItemBatcher` and `ResultWriter` belong to a distributed Map only ("Map
/// state in Distributed mode", AWS docs); on an inline one, fail clearly rather than ignore
/// them.
fn reject_inline_only(scope: &Scope<'_>, map: &Map, distributed: bool) -> Result<(), Failure> {
    let fields = [
        ("ItemReader", map.item_reader.is_some()),
        ("ItemBatcher", map.item_batcher.is_some()),
        ("ResultWriter", map.result_writer.is_some()),
    ];
    match fields.iter().find(|(_, present)| *present && !distributed) {
        Some((field, _)) => Err(scope.runtime(format!(
            "The Map field {field} needs a distributed Map (ProcessorConfig.Mode DISTRIBUTED)"
        ))),
        None => Ok(()),
    }
}

/// `ItemsPath` (default `$`) read from the effective input, or in JSONata `Items` (default
/// the input); it must be an array.
fn items_of(scope: &Scope<'_>, map: &Map, effective: &Value) -> Result<Vec<Value>, Failure> {
    if scope.jsonata {
        let value = match &map.items {
            Some(items) => {
                scope.evaluate_typed("Items", items, States::input(effective), "array")?
            }
            None => effective.clone(),
        };
        return match value {
            Value::Array(items) => Ok(items),
            other => Err(scope.query_error(format!(
                "Map state input must be an array but was: {}",
                compact(&other)
            ))),
        };
    }
    let value = match &map.items_path {
        Some(path) => scope.read(path, effective)?,
        None => effective.clone(),
    };
    match value {
        Value::Array(items) => Ok(items),
        // AWS's wording (recorded through TestState), which shows a context path (`$$...`)
        // from the context object's own root (`$...`).
        _ => {
            let path = map.items_path.as_deref().unwrap_or("$");
            let shown = path
                .strip_prefix('$')
                .filter(|p| p.starts_with('$'))
                .unwrap_or(path);
            Err(scope.runtime(format!("Reference path \"{shown}\" must point to array.")))
        }
    }
}

/// A Map whose iterations TestState's mock stands in for: its items and their inputs, its
/// concurrency and tolerance are worked out (and recorded) as for a run, then the mock is
/// the array of the iterations' outputs, or their error. Of
/// `stateConfiguration`, `mapItemReaderData` is what an `ItemReader` reads, and
/// `mapIterationFailureCount` how many iterations failed, checked against the tolerated
/// failure threshold. AWS checks that only when the state sets a threshold (the recorded
/// TestState responses: with none set, failed iterations do not fail the state).
fn mocked(
    scope: &Scope<'_>,
    mut items: Items<'_>,
    input: &Value,
    mock: &TestMock,
) -> Result<Attempted, Failure> {
    let (run, map, effective) = (items.run, items.map, items.effective);
    let configuration = run.test_configuration().cloned().unwrap_or_default();
    let read = match &map.item_reader {
        // Read as JSON (`ReaderConfig.InputType: JSON`), the reader's other formats aside.
        Some(_) => configuration
            .map_item_reader_data
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .map(|data| match data {
                Value::Array(items) => items,
                other => vec![other],
            }),
        None => Some(items_of(scope, map, effective)?),
    };
    if let Some(read) = read {
        run.inspect(|i| i.after_items_path = Some(Value::Array(read.clone())));
        items.items = read;
        let inputs = (0..items.len())
            .map(|index| items.input_of(index))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(batcher) = &map.item_batcher {
            let batches = batches(scope, batcher, effective, inputs)?;
            run.inspect(|i| i.after_item_batcher = Some(Value::Array(batches)));
        }
    }
    let requested = requested_concurrency(scope, map, effective)?;
    run.inspect(|i| i.max_concurrency = Some(requested));
    let tolerance = tolerance(scope, map, effective)?;
    run.inspect(|i| {
        i.tolerated_failure_count = tolerance.count;
        i.tolerated_failure_percentage = tolerance.percentage;
    });
    let value = match mock.outcome() {
        Ok(value) => value,
        Err(failure) => return Ok(Attempted::Failed(failure)),
    };
    let failed = configuration.map_iteration_failure_count.unwrap_or(0) as usize;
    let total = value.as_array().map_or(items.len(), Vec::len);
    let has_threshold = tolerance.count.is_some() || tolerance.percentage.is_some();
    if has_threshold && failed > 0 && tolerance.exceeded(failed, total) {
        return Ok(Attempted::Failed(Failure::new(
            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
            EXCEEDED_CAUSE,
        )));
    }
    let fields = ResultFields {
        common: &map.common,
        result_selector: &map.result_selector,
        result_path: &map.result_path,
    };
    Ok(process_result(scope, run, fields, input, value)?.into())
}

/// What `ItemBatcher` makes of the items' inputs: batches of at most `MaxItemsPerBatch`
/// items and `MaxInputBytesPerBatch` bytes (as many as fit when neither is set), each
/// `{"BatchInput": ..., "Items": [...]}`, `BatchInput` only when the batcher has one
/// ("ItemBatcher (Map)", AWS docs).
fn batches(
    scope: &Scope<'_>,
    batcher: &Value,
    effective: &Value,
    inputs: Vec<Value>,
) -> Result<Vec<Value>, Failure> {
    let limit = |field: &str| -> Result<Option<u64>, Failure> {
        match (
            batcher.get(field),
            batcher.get(format!("{field}Path").as_str()),
        ) {
            (Some(Value::String(text)), _) if scope.jsonata => {
                Ok(Some(jsonata_count(scope, field, text, effective)?))
            }
            (Some(value), _) => Ok(value.as_u64()),
            (None, Some(Value::String(path))) => {
                let value = scope.read(path, effective)?;
                let field = format!("{field}Path");
                let count = integer_of(&value).and_then(|n| u64::try_from(n).ok());
                count
                    .map(Some)
                    .ok_or_else(|| not_valid(scope, &field, &value, "integer", path))
            }
            _ => Ok(None),
        }
    };
    let items_per_batch = limit("MaxItemsPerBatch")?.filter(|n| *n > 0);
    let bytes_per_batch = limit("MaxInputBytesPerBatch")?.filter(|n| *n > 0);
    let batch_input = match batcher.get("BatchInput") {
        Some(template) if scope.jsonata => {
            Some(scope.evaluate("BatchInput", template, States::input(effective))?)
        }
        Some(template) => Some(scope.template(template, effective)?),
        None => None,
    };
    let make = |items: Vec<Value>| {
        let mut batch = serde_json::Map::new();
        if let Some(input) = &batch_input {
            batch.insert("BatchInput".to_owned(), input.clone());
        }
        batch.insert("Items".to_owned(), Value::Array(items));
        Value::Object(batch)
    };
    let mut batches = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    for input in inputs {
        let full = items_per_batch.is_some_and(|n| current.len() as u64 >= n);
        let too_big = bytes_per_batch.is_some_and(|n| {
            let mut grown = current.clone();
            grown.push(input.clone());
            !current.is_empty() && compact(&make(grown)).len() as u64 > n
        });
        if full || too_big {
            batches.push(make(std::mem::take(&mut current)));
        }
        current.push(input);
    }
    if !current.is_empty() {
        batches.push(make(current));
    }
    Ok(batches)
}

/// Whether the item processor runs as child executions (`ProcessorConfig.Mode`).
fn is_distributed(processor: &StateMachine) -> bool {
    processor
        .processor_config
        .as_ref()
        .and_then(|config| config.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

/// How many items run at once: `MaxConcurrency` or `MaxConcurrencyPath`, 0 (the default)
/// meaning as many as the mode allows (see [`limits::INLINE_MAP_MAX_CONCURRENCY`]).
fn concurrency(
    scope: &Scope<'_>,
    map: &Map,
    effective: &Value,
    distributed: bool,
) -> Result<usize, Failure> {
    let requested = requested_concurrency(scope, map, effective)?;
    let most = if distributed {
        limits::DISTRIBUTED_MAP_MAX_CONCURRENCY
    } else {
        limits::INLINE_MAP_MAX_CONCURRENCY
    };
    Ok(match usize::try_from(requested) {
        Ok(0) | Err(_) => most,
        Ok(n) => n.min(most),
    })
}

/// `MaxConcurrency` or `MaxConcurrencyPath` as the state asks for it: 0 (the default) for
/// no limit of its own.
fn requested_concurrency(scope: &Scope<'_>, map: &Map, effective: &Value) -> Result<u64, Failure> {
    Ok(match (&map.max_concurrency, &map.max_concurrency_path) {
        (Some(IntOrExpr::Int(n)), _) => *n,
        (Some(IntOrExpr::Expr(text)), _) => {
            jsonata_count(scope, "MaxConcurrency", text, effective)?
        }
        (None, Some(path)) => {
            let value = scope.read(path, effective)?;
            match integer_of(&value) {
                Some(n) if n < 0 => {
                    return Err(scope.runtime(format!(
                        "Expected non-negative integer for MaxConcurrency, got '{n}' instead."
                    )));
                }
                Some(n) => n.unsigned_abs(),
                None => {
                    return Err(not_valid(
                        scope,
                        "MaxConcurrencyPath",
                        &value,
                        "integer",
                        path,
                    ));
                }
            }
        }
        (None, None) => 0,
    })
}

/// `ToleratedFailureCount(Path)` and `ToleratedFailurePercentage(Path)`, with AWS's errors.
fn tolerance(scope: &Scope<'_>, map: &Map, effective: &Value) -> Result<Tolerance, Failure> {
    let count = match (
        &map.tolerated_failure_count,
        &map.tolerated_failure_count_path,
    ) {
        (Some(IntOrExpr::Int(n)), _) => Some(*n),
        (Some(IntOrExpr::Expr(text)), _) => Some(jsonata_count(
            scope,
            "ToleratedFailureCount",
            text,
            effective,
        )?),
        (None, Some(path)) => {
            let value = scope.read(path, effective)?;
            match integer_of(&value) {
                Some(n) if n < 0 => {
                    return Err(scope.runtime("ToleratedFailureCount cannot be negative."));
                }
                Some(n) => Some(n.unsigned_abs()),
                None => {
                    let field = "ToleratedFailureCountPath";
                    return Err(not_valid(scope, field, &value, "integer", path));
                }
            }
        }
        (None, None) => None,
    };
    let percentage = match (
        &map.tolerated_failure_percentage,
        &map.tolerated_failure_percentage_path,
    ) {
        (Some(value), _) if scope.jsonata => {
            let field = "ToleratedFailurePercentage";
            let value = scope.evaluate_typed(field, value, States::input(effective), "number")?;
            Some(value.as_f64().unwrap_or_default())
        }
        (Some(value), _) => Some(value.as_f64().ok_or_else(|| jsonata_unsupported(scope))?),
        (None, Some(path)) => {
            let value = scope.read(path, effective)?;
            let field = "ToleratedFailurePercentagePath";
            Some(float_of(&value).ok_or_else(|| not_valid(scope, field, &value, "float", path))?)
        }
        (None, None) => None,
    };
    if percentage.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        return Err(scope.runtime("ToleratedFailurePercentage must be between 0 and 100."));
    }
    Ok(Tolerance { count, percentage })
}

/// The integer a `*Path` value stands for: a JSON integer, or a string holding one. AWS reads
/// these fields from the value's text, so `"1"` is 1 (the recorded
/// `map_state_reference_in_max_concurrency_path` and `..._tolerated_failure_path` assign
/// `"1"`), while `"NoNumber"`, `1.5` and `{}` are not integers.
fn integer_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// The number a `*Path` value stands for: a JSON number, or a string holding one (see
/// [`integer_of`]).
fn float_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// AWS's wording for a `*Path` whose value has the wrong type: a string is quoted as it is,
/// anything else as JSON (`refers to value "{}"`).
fn not_valid(scope: &Scope<'_>, field: &str, value: &Value, kind: &str, path: &str) -> Failure {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => compact(other),
    };
    scope.runtime(format!(
        "The {field} field refers to value \"{shown}\" which is not a valid {kind}: {path}"
    ))
}

/// A JSONata `MaxConcurrency` or `ToleratedFailureCount`: a non-negative integer.
fn jsonata_count(
    scope: &Scope<'_>,
    field: &str,
    text: &str,
    input: &Value,
) -> Result<u64, Failure> {
    let value = scope.evaluate_typed(
        field,
        &Value::String(text.to_owned()),
        States::input(input),
        "number",
    )?;
    value.as_u64().ok_or_else(|| {
        scope.query_error(format!(
            "The JSONata expression '{}' specified for the field '{field}' returned an unexpected result type. Expected 'non-negative integer', but was '{}'",
            crate::data_flow::expression_text(text),
            compact(&value)
        ))
    })
}

fn jsonata_unsupported(scope: &Scope<'_>) -> Failure {
    scope.runtime("JSONata expressions are not supported by this runtime yet")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use workflow_core::StateMachine;
    use workflow_core::timestamp::Timestamp;

    use super::Tolerance;
    use crate::{Executor, Outcome, Resources, Status, VirtualClock};

    async fn run(definition: Value, input: Value) -> Outcome {
        let machine = StateMachine::from_json_str(&definition.to_string()).expect("valid");
        let start = Timestamp::parse("2024-01-01T00:00:00Z").expect("timestamp");
        Executor::new(Resources::new())
            .with_clock(VirtualClock::new(start))
            .start(Arc::new(machine), input)
            .expect("starts")
            .run()
            .await
    }

    fn map(fields: Value, processor: Value) -> Value {
        let mut state = json!({ "Type": "Map", "ItemProcessor": processor, "End": true });
        if let (Some(state), Some(fields)) = (state.as_object_mut(), fields.as_object()) {
            state.extend(fields.clone());
        }
        json!({ "StartAt": "M", "States": { "M": state } })
    }

    fn pass_processor() -> Value {
        json!({ "StartAt": "Item", "States": { "Item": { "Type": "Pass", "End": true } } })
    }

    fn wait_processor(seconds: u64) -> Value {
        json!({ "StartAt": "Wait", "States": { "Wait": { "Type": "Wait", "Seconds": seconds, "End": true } } })
    }

    fn elapsed_ms(outcome: &Outcome) -> i64 {
        let stamp = |i: usize| outcome.history.events()[i].timestamp.unix_millis();
        stamp(outcome.history.len() - 1) - stamp(0)
    }

    #[tokio::test(start_paused = true)]
    async fn item_selector_sees_the_item_index_and_value() {
        let outcome = run(
            map(
                json!({
                    "ItemsPath": "$.list",
                    "MaxConcurrency": 1,
                    "ItemSelector": { "i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "tag.$": "$.tag" }
                }),
                pass_processor(),
            ),
            json!({ "list": ["a", "b"], "tag": "t" }),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output,
            Some(json!([{ "i": 0, "v": "a", "tag": "t" }, { "i": 1, "v": "b", "tag": "t" }]))
        );
        let types = outcome.history.types();
        assert_eq!(
            types,
            [
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn max_concurrency_bounds_the_iterations_running_at_once() {
        let items = json!([1, 2, 3, 4]);
        let bounded = run(
            map(json!({ "MaxConcurrency": 2 }), wait_processor(10)),
            items.clone(),
        )
        .await;
        assert_eq!(bounded.output, Some(items.clone()));
        // The waits, and a millisecond per transition on the way (`VirtualClock`): into the
        // Map, then into each round of waits.
        assert_eq!(elapsed_ms(&bounded), 20_000 + 3);
        let sequential = run(
            map(json!({ "MaxConcurrency": 1 }), wait_processor(10)),
            items.clone(),
        )
        .await;
        assert_eq!(elapsed_ms(&sequential), 40_000 + 5);
        let unbounded = run(
            map(json!({ "MaxConcurrency": 0 }), wait_processor(10)),
            items,
        )
        .await;
        assert_eq!(elapsed_ms(&unbounded), 10_000 + 2);
    }

    #[tokio::test(start_paused = true)]
    async fn inline_concurrency_is_capped_at_forty() {
        let items: Vec<u64> = (0..41).collect();
        let outcome = run(map(json!({}), wait_processor(10)), json!(items)).await;
        // Two rounds of waits, and their transitions (see above).
        assert_eq!(elapsed_ms(&outcome), 20_000 + 3);
    }

    #[tokio::test(start_paused = true)]
    async fn catch_on_a_map_takes_the_failed_iterations_error() {
        let outcome = run(
            json!({
                "StartAt": "M",
                "States": {
                    "M": {
                        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                        "ItemProcessor": { "StartAt": "Boom", "States": {
                            "Boom": { "Type": "Fail", "Error": "Item.Bad", "Cause": "c" } } },
                        "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught" }],
                        "End": true
                    },
                    "Caught": { "Type": "Pass", "End": true }
                }
            }),
            json!({ "items": [1, 2] }),
        )
        .await;
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output,
            Some(json!({ "items": [1, 2], "error": { "Error": "Item.Bad", "Cause": "c" } }))
        );
        let types = outcome.history.types();
        let tail: Vec<&str> = types[types.len() - 6..]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "MapIterationFailed",
                "MapStateFailed",
                "MapStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_iteration_aborts_the_running_ones() {
        let processor = json!({ "StartAt": "Check", "States": {
            "Check": { "Type": "Choice", "Choices": [
                { "Variable": "$", "NumericEquals": 0, "Next": "Boom" }
            ], "Default": "Slow" },
            "Boom": { "Type": "Fail", "Error": "E" },
            "Slow": { "Type": "Wait", "Seconds": 60, "End": true }
        } });
        let outcome = run(map(json!({}), processor), json!([1, 0, 2])).await;
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("E"));
        let count = |t: &str| outcome.history.types().iter().filter(|x| *x == t).count();
        assert_eq!(count("MapIterationStarted"), 3);
        assert_eq!(count("MapIterationFailed"), 1);
        assert_eq!(count("MapIterationAborted"), 2);
        assert_eq!(count("WaitStateExited"), 0);
        // No wait ran out: what time passed is the transitions' (a millisecond each).
        assert!(elapsed_ms(&outcome) < 10, "{}", elapsed_ms(&outcome));
    }

    #[tokio::test(start_paused = true)]
    async fn items_path_must_be_an_array() {
        let outcome = run(
            map(json!({ "ItemsPath": "$.x" }), pass_processor()),
            json!({ "x": 1 }),
        )
        .await;
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            outcome.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'M' (entered at the event id #2). Reference path \"$.x\" must point to array."
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn distributed_children_keep_their_own_history_and_tolerated_failures() {
        let processor = json!({
            "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
            "StartAt": "Check", "States": {
                "Check": { "Type": "Choice", "Choices": [
                    { "Variable": "$", "NumericEquals": 0, "Next": "Boom" }
                ], "Default": "Ok" },
                "Boom": { "Type": "Fail", "Error": "E", "Cause": "zero" },
                "Ok": { "Type": "Pass", "End": true }
            }
        });
        let tolerated = run(
            map(json!({ "ToleratedFailureCount": 1 }), processor.clone()),
            json!([1, 0, 2]),
        )
        .await;
        assert_eq!(tolerated.status, Status::Succeeded);
        assert_eq!(
            tolerated.output,
            Some(json!([1, { "Error": "E", "Cause": "zero" }, 2]))
        );
        assert_eq!(
            tolerated.history.types(),
            [
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapRunStarted",
                "MapRunSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded"
            ]
        );
        let exceeded = run(map(json!({}), processor), json!([1, 0, 2])).await;
        assert_eq!(exceeded.status, Status::Failed);
        assert_eq!(
            exceeded.error.as_deref(),
            Some("States.ExceedToleratedFailureThreshold")
        );
        let types = exceeded.history.types();
        assert!(types.contains(&"MapRunFailed".to_owned()));
        assert!(types.contains(&"MapStateFailed".to_owned()));
    }

    #[test]
    fn tolerance_counts_and_percentages() {
        let none = Tolerance::default();
        assert!(!none.exceeded(0, 10));
        assert!(none.exceeded(1, 10));
        let count = Tolerance {
            count: Some(2),
            percentage: None,
        };
        assert!(!count.exceeded(2, 10));
        assert!(count.exceeded(3, 10));
        let percentage = Tolerance {
            count: None,
            percentage: Some(20.0),
        };
        assert!(!percentage.exceeded(2, 10));
        assert!(percentage.exceeded(3, 10));
        let both = Tolerance {
            count: Some(5),
            percentage: Some(20.0),
        };
        assert!(both.exceeded(3, 10));
    }

    #[tokio::test(start_paused = true)]
    async fn iterations_read_outer_variables_and_keep_their_own_to_themselves() {
        use crate::states::test_support;
        // Each iteration assigns `item` and reads it back after waiting as many seconds as
        // its item says, so they interleave; each sees its own value and the outer `tag`.
        let processor = json!({ "StartAt": "Keep", "States": {
            "Keep": { "Type": "Pass", "Assign": { "item.$": "$" }, "Next": "Wait" },
            "Wait": { "Type": "Wait", "SecondsPath": "$item", "Next": "Read" },
            "Read": { "Type": "Pass", "Parameters": { "item.$": "$item", "tag.$": "$tag" }, "End": true }
        } });
        let definition = json!({
            "StartAt": "Init",
            "States": {
                "Init": { "Type": "Pass", "Assign": { "tag": "t", "items": [3, 1, 2] }, "Next": "M" },
                "M": { "Type": "Map", "ItemsPath": "$items", "ItemProcessor": processor, "Next": "After" },
                "After": { "Type": "Pass", "Parameters": { "item.$": "$item" }, "End": true }
            }
        });
        let outcome = test_support::run(definition.clone(), json!({})).await;
        // The iterations' `item` does not reach the state after the Map.
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(
            outcome
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("'$item'")),
            "{:?}",
            outcome.cause
        );
        let mut ok = definition;
        ok["States"]["After"] = json!({ "Type": "Pass", "End": true });
        let outcome = test_support::run(ok, json!({})).await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        assert_eq!(
            outcome.output,
            Some(json!([
                { "item": 3, "tag": "t" },
                { "item": 1, "tag": "t" },
                { "item": 2, "tag": "t" }
            ]))
        );
        // The waits, and a millisecond per transition.
        assert_eq!(elapsed_ms(&outcome), 3_000 + 6);
    }

    #[tokio::test(start_paused = true)]
    async fn distributed_children_cannot_read_outer_variables() {
        use crate::states::test_support;
        let processor = json!({
            "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" },
            "StartAt": "Read", "States": {
                "Read": { "Type": "Pass", "Parameters": { "tag.$": "$tag" }, "End": true }
            }
        });
        let definition = json!({
            "StartAt": "Init",
            "States": {
                "Init": { "Type": "Pass", "Assign": { "tag": "t" }, "Result": [1], "Next": "M" },
                "M": { "Type": "Map", "ToleratedFailurePercentage": 100, "End": true,
                    // The Map state itself runs in the outer scope: its ItemSelector reads `$tag`.
                    "ItemSelector": { "tag.$": "$tag" },
                    "ItemProcessor": processor }
            }
        });
        let outcome = test_support::run(definition, json!({})).await;
        assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
        let output = outcome.output.unwrap_or_default();
        assert_eq!(output[0]["Error"], json!("States.Runtime"));
        assert!(
            output[0]["Cause"]
                .as_str()
                .is_some_and(|c| c.contains("The variable '$tag'")),
            "{output}"
        );
    }
}
