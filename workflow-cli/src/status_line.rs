//! `workflow run`'s live status line, on a terminal: the state running, the time elapsed by
//! the execution's clock (virtual with `--fast`) and by the wall clock, and how far the Map
//! and Parallel states running have got (done/total).
//!
//! [`Progress`] is the model, fed each history event as it happens; [`StatusLine`] draws it
//! with `indicatif` on standard error, and only when standard error is a terminal: piped or
//! redirected output gets the event log alone.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use workflow_core::StateMachine;
use workflow_core::model::{StateKind, Transition};
use workflow_runtime::HistoryEvent;

/// Where an execution stands, from its history events.
#[derive(Debug, Default)]
pub struct Progress {
    /// The state entered last.
    state: Option<String>,
    /// When the execution started and the latest event, by its clock (ms since the epoch).
    started: Option<i64>,
    latest: Option<i64>,
    /// The Map and Parallel states running, in the order they started.
    fan_outs: Vec<FanOut>,
    /// Each Parallel state's number of branches.
    branches: HashMap<String, u64>,
    /// The states that end a Parallel branch (`End`, or a Succeed), with their Parallel:
    /// the history has no event of its own for a branch's end. State names are unique in
    /// a whole state machine, so names are enough.
    branch_ends: HashMap<String, String>,
}

/// A Map or Parallel state running: how many of its iterations or branches have ended.
#[derive(Debug, Clone, PartialEq)]
struct FanOut {
    state: String,
    done: u64,
    total: u64,
}

impl Progress {
    /// The progress of an execution of `machine`.
    pub fn new(machine: &StateMachine) -> Self {
        let mut progress = Progress::default();
        progress.learn(machine);
        progress
    }

    /// Finds the Parallel states of `machine` (and of the machines nested in it), with their
    /// branches and the states that end each.
    fn learn(&mut self, machine: &StateMachine) {
        for state in &machine.states {
            match &state.kind {
                StateKind::Parallel(parallel) => {
                    self.branches
                        .insert(state.name.to_string(), parallel.branches.len() as u64);
                    for branch in &parallel.branches {
                        for end in branch.states.iter().filter(|s| ends_machine(&s.kind)) {
                            self.branch_ends
                                .insert(end.name.to_string(), state.name.to_string());
                        }
                        self.learn(branch);
                    }
                }
                StateKind::Map(map) => self.learn(&map.item_processor.machine),
                _ => {}
            }
        }
    }

    /// Takes in one event.
    pub fn observe(&mut self, event: &HistoryEvent) {
        let at = Some(event.timestamp.unix_millis());
        self.latest = at.or(self.latest);
        let name = || {
            event
                .detail("name")
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        };
        let kind = event.event_type.as_str();
        match kind {
            "ExecutionStarted" => self.started = at,
            "ParallelStateEntered" => {
                let name = name().unwrap_or_default();
                let total = self.branches.get(&name).copied().unwrap_or(0);
                self.start(name.clone(), total);
                self.state = Some(name);
            }
            "MapStateStarted" => {
                let total = event.detail("length").and_then(|n| n.as_u64());
                let state = self.state.clone().unwrap_or_default();
                self.start(state, total.unwrap_or(0));
            }
            "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted" => {
                if let Some(name) = name() {
                    self.advance(&name);
                }
            }
            "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted" => {
                self.fan_outs.clear();
            }
            _ if kind.ends_with("StateEntered") => self.state = name(),
            _ if kind.ends_with("StateExited") => {
                let Some(name) = name() else { return };
                if let Some(parallel) = self.branch_ends.get(&name).cloned() {
                    self.advance(&parallel);
                }
                self.end(&name);
            }
            // A failed Map or Parallel has no exited event, and its failure names no state:
            // the last one of its kind that started ends.
            "MapStateFailed"
            | "MapStateAborted"
            | "ParallelStateFailed"
            | "ParallelStateAborted" => {
                let parallel = kind.starts_with("Parallel");
                let last = self
                    .fan_outs
                    .iter()
                    .rposition(|f| self.branches.contains_key(&f.state) == parallel);
                if let Some(index) = last {
                    self.fan_outs.remove(index);
                }
            }
            _ => {}
        }
    }

    fn start(&mut self, state: String, total: u64) {
        self.fan_outs.push(FanOut {
            state,
            done: 0,
            total,
        });
    }

    fn advance(&mut self, state: &str) {
        if let Some(fan_out) = self.fan_outs.iter_mut().rev().find(|f| f.state == state) {
            fan_out.done = (fan_out.done + 1).min(fan_out.total);
        }
    }

    fn end(&mut self, state: &str) {
        if let Some(index) = self.fan_outs.iter().rposition(|f| f.state == state) {
            self.fan_outs.remove(index);
        }
    }

    /// The status line, with the time elapsed by the wall clock (`real`): `Work · 12.0s ·
    /// 0.3s real · Each 3/10`.
    pub fn line(&self, real: Duration) -> String {
        let mut line = self.state.clone().unwrap_or_else(|| "starting".to_owned());
        if let (Some(started), Some(latest)) = (self.started, self.latest) {
            let elapsed = Duration::from_millis((latest - started).max(0) as u64);
            line.push_str(&format!(" · {}", seconds(elapsed)));
        }
        line.push_str(&format!(" · {} real", seconds(real)));
        for fan_out in &self.fan_outs {
            line.push_str(&format!(
                " · {} {}/{}",
                fan_out.state, fan_out.done, fan_out.total
            ));
        }
        line
    }
}

/// Whether a state ends the machine it is in: `End`, or a Succeed state.
fn ends_machine(kind: &StateKind) -> bool {
    matches!(kind, StateKind::Succeed(_)) || matches!(kind.transition(), Some(Transition::End))
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

/// The status line drawn on standard error. Events printed while it shows go above it.
#[derive(Clone)]
pub struct StatusLine {
    bar: ProgressBar,
    progress: Arc<Mutex<Progress>>,
}

impl StatusLine {
    /// A status line for an execution of `machine`, when standard error is a terminal.
    pub fn on_terminal(machine: &StateMachine) -> Option<Self> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {wide_msg}").ok()?);
        // Redrawn now and then even when no event comes (a long Wait on the system
        // clock), so that the real time moves on.
        bar.enable_steady_tick(Duration::from_millis(250));
        Some(StatusLine {
            bar,
            progress: Arc::new(Mutex::new(Progress::new(machine))),
        })
    }

    /// Takes in an event (and prints `log`, its log line, above the status line).
    pub fn observe(&self, event: &HistoryEvent, log: Option<&str>) {
        if let Some(line) = log {
            self.bar.println(line);
        }
        let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
        progress.observe(event);
        self.bar.set_message(progress.line(self.bar.elapsed()));
    }

    /// Removes the status line, once the execution has ended.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use workflow_core::timestamp::Timestamp;
    use workflow_runtime::{EventType, History};

    use super::*;

    fn event(history: &mut History, event_type: EventType, ms: i64, details: serde_json::Value) {
        history.push(event_type, Timestamp::from_unix_millis(ms), details);
    }

    #[test]
    fn follows_the_state_the_time_and_the_fan_outs() {
        let machine = StateMachine::from_json_str(
            &json!({ "StartAt": "P", "States": {
                "P": { "Type": "Parallel", "Next": "Each", "Branches": [
                    { "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } },
                    { "StartAt": "B", "States": { "B": { "Type": "Succeed" } } } ] },
                "Each": { "Type": "Map", "End": true, "ItemProcessor": {
                    "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } } } } })
            .to_string(),
        )
        .expect("valid");
        let mut progress = Progress::new(&machine);
        let mut history = History::default();
        let named = |name: &str| json!({ "name": name });
        event(&mut history, EventType::ExecutionStarted, 0, json!({}));
        event(&mut history, EventType::ParallelStateEntered, 1, named("P"));
        event(&mut history, EventType::PassStateEntered, 2, named("A"));
        event(&mut history, EventType::PassStateExited, 3, named("A"));
        event(
            &mut history,
            EventType::MapStateEntered,
            4_000,
            named("Each"),
        );
        event(
            &mut history,
            EventType::MapStateStarted,
            4_000,
            json!({ "length": 10 }),
        );
        for index in 0..3 {
            let details = json!({ "name": "Each", "index": index });
            event(
                &mut history,
                EventType::MapIterationSucceeded,
                5_000,
                details,
            );
        }
        let mut lines = Vec::new();
        for (i, e) in history.events().iter().enumerate() {
            progress.observe(e);
            if [3, 8].contains(&i) {
                lines.push(progress.line(Duration::from_millis(250)));
            }
        }
        assert_eq!(lines[0], "A · 0.0s · 0.2s real · P 1/2");
        assert_eq!(lines[1], "Each · 5.0s · 0.2s real · P 1/2 · Each 3/10");
    }
}
