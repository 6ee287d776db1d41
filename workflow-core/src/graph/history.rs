//! Laying an execution history over the graph: which states were entered, which edges were
//! followed and in what order, which states failed.
//!
//! Only the history events are read, the way the console reads them: state names come from
//! `stateEnteredEventDetails.name` (and the exited events), failures from the `*Failed` and
//! `*TimedOut` events. Event types are compared by name, so that event types the runtime adds
//! later (Map runs, aborted iterations) are passed over instead of breaking the picture.
//!
//! The events come as [`Event`]s, the two fields read of each, so that this crate needs no
//! history type of its own: the runtime's events and `GetExecutionHistory` JSON
//! ([`Event::from_json`]) both give them.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::model::{
    ClusterId, ClusterKind, EdgeKind, Graph, Items, NodeId, NodeKind, StateType, Visit,
};

/// What the picture reads of one history event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Its type, as AWS names it: `TaskStateEntered`, `TaskFailed`, `ExecutionSucceeded`.
    pub event_type: &'a str,
    /// The state its details name (`stateEnteredEventDetails.name`), if any.
    pub state: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// The event of one `GetExecutionHistory` event object (`{"type": ..., "...EventDetails":
    /// {"name": ...}}`); `None` for a value without a `type`.
    pub fn from_json(event: &'a Value) -> Option<Event<'a>> {
        let fields = event.as_object()?;
        let event_type = fields.get("type")?.as_str()?;
        let state = fields
            .iter()
            .filter(|(key, _)| key.ends_with("EventDetails"))
            .find_map(|(_, details)| details.get("name")?.as_str());
        Some(Event { event_type, state })
    }
}

/// Whether an event (by type) is the start of one attempt of the state running: a Task's
/// call (or an activity's or Lambda function's), or a Parallel or Map state's run, which a
/// retry repeats.
pub fn is_attempt(ty: &str) -> bool {
    ty.ends_with("Scheduled") || ty == "ParallelStateStarted" || ty == "MapStateStarted"
}

impl Graph {
    /// Marks what a history's events say on the graph: [`super::model::Node::visit`],
    /// [`super::model::Node::attempts`], [`super::model::Node::items`] and
    /// [`super::model::Edge::steps`].
    pub fn apply_history<'e>(&mut self, events: impl IntoIterator<Item = Event<'e>>) {
        let mut replay = Replay::new(self);
        for event in events {
            let ty = event.event_type;
            let name = event.state;
            if is_attempt(ty)
                && let Some(&n) = replay.active.last()
            {
                replay.graph.nodes[n].attempts += 1;
            }
            if ty.starts_with("MapIteration") {
                replay.iteration(ty);
            }
            if ty.starts_with("Execution") && ty != "ExecutionStarted" {
                replay.ended = true;
            }
            if ty.ends_with("StateEntered") {
                if let Some(n) = name.and_then(|name| replay.resolve(name)) {
                    replay.entered(n, ty == "FailStateEntered");
                }
            } else if ty.ends_with("StateExited") {
                if let Some(n) = name.and_then(|name| replay.resolve(name)) {
                    replay.exited(n);
                }
            } else if ty == "ExecutionFailed"
                || ty == "ExecutionTimedOut"
                || ty == "ExecutionAborted"
            {
                replay.execution_failed();
            } else if ty == "ParallelStateFailed" {
                replay.block_failed(StateType::Parallel);
            } else if ty == "MapStateFailed" {
                replay.block_failed(StateType::Map);
            } else if ty == "MapIterationStarted" {
                // A new iteration starts again from the item processor's first state.
                if let Some(&header) = replay.open.last() {
                    replay.reset_inside(header);
                }
            } else if ty.ends_with("Failed") || ty.ends_with("TimedOut") {
                // A task (or Lambda) attempt failed: the state fails unless a retry succeeds
                // or a catcher takes it.
                if let Some(&n) = replay.active.last() {
                    replay.pending.insert(n);
                }
            } else if (ty == "TaskSucceeded" || ty == "LambdaFunctionSucceeded")
                && let Some(&n) = replay.active.last()
            {
                // A retry succeeded.
                replay.pending.remove(&n);
            }
        }
        replay.finish();
        self.has_history = true;
    }
}

struct Replay<'g> {
    graph: &'g mut Graph,
    /// State name → the state nodes (plain states and Parallel/Map headers) with that name.
    by_name: HashMap<String, Vec<NodeId>>,
    /// Per scope (the cluster a state's transitions live in), the state entered last.
    last: HashMap<Option<ClusterId>, NodeId>,
    /// Parallel and Map headers entered and not exited, innermost last.
    open: Vec<NodeId>,
    /// States entered and not exited, latest last.
    active: Vec<NodeId>,
    /// States whose last attempt failed: caught if the execution goes on through a catcher,
    /// failed otherwise.
    pending: HashSet<NodeId>,
    step: u32,
    /// Whether the execution has ended: what is still active then is not running.
    ended: bool,
}

impl<'g> Replay<'g> {
    fn new(graph: &'g mut Graph) -> Self {
        let mut by_name: HashMap<String, Vec<NodeId>> = HashMap::new();
        for (n, node) in graph.nodes.iter().enumerate() {
            if matches!(node.kind, NodeKind::State(_)) {
                by_name.entry(node.label.clone()).or_default().push(n);
            }
        }
        Replay {
            graph,
            by_name,
            last: HashMap::new(),
            open: Vec::new(),
            active: Vec::new(),
            pending: HashSet::new(),
            step: 0,
            ended: false,
        }
    }

    /// The cluster of Parallel/Map `n` heads, if it heads one.
    fn headed(&self, n: NodeId) -> Option<ClusterId> {
        let c = self.graph.nodes[n].cluster?;
        (self.graph.clusters[c].kind != ClusterKind::Branch && self.graph.clusters[c].entry == n)
            .then_some(c)
    }

    /// The scope a state's transitions live in: its machine's cluster, `None` at the top.
    fn scope(&self, n: NodeId) -> Option<ClusterId> {
        match self.headed(n) {
            Some(c) => self.graph.clusters[c].parent,
            None => self.graph.nodes[n].cluster,
        }
    }

    /// Where `n`'s outgoing edges leave: the join of a Parallel/Map state, else `n` itself.
    fn exit(&self, n: NodeId) -> NodeId {
        match self.headed(n) {
            Some(c) => (0..self.graph.nodes.len())
                .find(|&j| {
                    self.graph.nodes[j].cluster == Some(c)
                        && self.graph.nodes[j].kind == NodeKind::Join
                })
                .unwrap_or(n),
            None => n,
        }
    }

    /// The Parallel/Map header whose content `scope` is (`None` for the top level).
    fn owner(&self, scope: Option<ClusterId>) -> Option<NodeId> {
        let c = scope?;
        match self.graph.clusters[c].kind {
            ClusterKind::Branch => self.graph.clusters[c]
                .parent
                .and_then(|p| self.graph.header(p)),
            _ => self.graph.header(c),
        }
    }

    /// The node of the state called `name`. Names repeat across branches and item
    /// processors; the one inside the innermost running Parallel/Map state wins.
    fn resolve(&self, name: &str) -> Option<NodeId> {
        let candidates = self.by_name.get(name)?;
        let depth = |n: NodeId| -> i64 {
            match self.owner(self.scope(n)) {
                None => 0,
                Some(owner) => self
                    .open
                    .iter()
                    .position(|&o| o == owner)
                    .map_or(-1, |i| i as i64 + 1),
            }
        };
        candidates
            .iter()
            .copied()
            .enumerate()
            // The deepest running scope; among equals, the first in the document.
            .max_by_key(|&(i, n)| (depth(n), std::cmp::Reverse(i)))
            .map(|(_, n)| n)
    }

    fn visit(&mut self, n: NodeId) {
        if self.graph.nodes[n].visit == Visit::NotVisited {
            self.graph.nodes[n].visit = Visit::Visited;
        }
    }

    /// Records that the execution followed edge `e` now.
    fn follow(&mut self, e: usize) {
        self.step += 1;
        self.graph.edges[e].steps.push(self.step);
        let (from, to) = (self.graph.edges[e].from, self.graph.edges[e].to);
        self.visit(from);
        self.visit(to);
    }

    /// The first edge from `from` to `to` of the wanted kind: a catcher's after a failure,
    /// any other otherwise (a Choice's rule cannot be told from the history, so the first).
    fn edge(&self, from: NodeId, to: NodeId, caught: bool) -> Option<usize> {
        let matching = |e: &&super::model::Edge| e.from == from && e.to == to;
        let edges = &self.graph.edges;
        let wanted = edges
            .iter()
            .position(|e| matching(&e) && (e.kind == EdgeKind::Catch) == caught);
        wanted.or_else(|| edges.iter().position(|e| matching(&e)))
    }

    fn entered(&mut self, n: NodeId, fail_state: bool) {
        self.visit(n);
        let scope = self.scope(n);
        let mut followed = false;
        if let Some(prev) = self.last.get(&scope).copied() {
            let caught = self.pending.remove(&prev);
            if let Some(e) = self.edge(self.exit(prev), n, caught) {
                self.follow(e);
                followed = true;
            }
            if caught {
                self.graph.nodes[prev].visit = Visit::Caught;
            }
        }
        if !followed {
            // The first state of its machine: the edge from Start or from the header.
            let start = self
                .graph
                .edges
                .iter()
                .position(|e| e.to == n && e.kind == EdgeKind::Start);
            if let Some(e) = start {
                self.follow(e);
            }
        }
        self.last.insert(scope, n);
        self.active.push(n);
        if self.headed(n).is_some() {
            self.open.push(n);
            self.reset_inside(n);
        }
        if fail_state {
            self.graph.nodes[n].visit = Visit::Failed;
        }
    }

    fn exited(&mut self, n: NodeId) {
        if let Some(at) = self.active.iter().rposition(|&a| a == n) {
            self.active.remove(at);
        }
        if let Some(at) = self.open.iter().rposition(|&a| a == n) {
            self.open.remove(at);
        }
        let exit = self.exit(n);
        self.visit(exit);
        // A state that failed and still exited was caught: its catcher's edge is followed
        // when the next state is entered. Otherwise a terminal state leaves by its End edge.
        if self.pending.contains(&n) {
            return;
        }
        let end = self
            .graph
            .edges
            .iter()
            .position(|e| e.from == exit && e.kind == EdgeKind::End);
        if let Some(e) = end {
            self.follow(e);
            let scope = self.scope(n);
            self.last.remove(&scope);
        }
    }

    /// Forgets where the machines inside Parallel/Map `header` were, as they start over.
    fn reset_inside(&mut self, header: NodeId) {
        let inner: Vec<Option<ClusterId>> = self
            .last
            .keys()
            .copied()
            .filter(|&s| s.is_some() && self.owner(s) == Some(header))
            .collect();
        for s in inner {
            self.last.remove(&s);
        }
    }

    /// The innermost running Parallel (or Map) state failed: whatever still ran inside it
    /// stopped there. The state itself stays running: a catcher may still take it on.
    fn block_failed(&mut self, ty: StateType) {
        let innermost = self
            .open
            .iter()
            .rposition(|&h| self.graph.nodes[h].kind == NodeKind::State(ty));
        let Some(at) = innermost else { return };
        let header = self.open[at];
        self.open.truncate(at + 1);
        if let Some(entered) = self.active.iter().rposition(|&a| a == header) {
            self.active.truncate(entered + 1);
        }
        self.pending.insert(header);
    }

    fn execution_failed(&mut self) {
        // Whatever was running when the execution failed failed with it.
        let running: Vec<NodeId> = self.active.drain(..).collect();
        if running.is_empty() {
            return;
        }
        for n in running {
            self.pending.insert(n);
        }
    }

    /// A Map iteration started or ended: counted on the innermost running Map state.
    fn iteration(&mut self, ty: &str) {
        let map = self
            .open
            .iter()
            .rev()
            .copied()
            .find(|&h| self.graph.nodes[h].kind == NodeKind::State(StateType::Map));
        let Some(map) = map else { return };
        let items = self.graph.nodes[map]
            .items
            .get_or_insert_with(Items::default);
        match ty {
            "MapIterationStarted" => items.started += 1,
            "MapIterationSucceeded" => items.succeeded += 1,
            "MapIterationFailed" => items.failed += 1,
            "MapIterationAborted" => items.aborted += 1,
            _ => {}
        }
    }

    fn finish(&mut self) {
        for &n in &self.pending {
            self.graph.nodes[n].visit = Visit::Failed;
        }
        // What the execution is in now: entered, not exited, and the execution goes on.
        if !self.ended {
            for &n in &self.active {
                if self.graph.nodes[n].visit != Visit::Failed {
                    self.graph.nodes[n].visit = Visit::Running;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StateMachine;
    use serde_json::json;

    /// A history from `(type, state name)` pairs, as the runtime writes it.
    fn history(events: &[(&str, &str)]) -> Vec<Value> {
        let events: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, (ty, name))| {
                let mut e = json!({ "id": i + 1, "previousEventId": i,
                    "timestamp": "2024-01-01T00:00:00.000Z", "type": ty });
                let key = if ty.ends_with("StateEntered") {
                    "stateEnteredEventDetails"
                } else if ty.ends_with("StateExited") {
                    "stateExitedEventDetails"
                } else {
                    "details"
                };
                if !name.is_empty() {
                    e[key] = json!({ "name": name });
                } else if ty.ends_with("Failed") {
                    e[key] = json!({ "error": "States.TaskFailed" });
                }
                e
            })
            .collect();
        events
    }

    fn apply(g: &mut Graph, events: &[Value]) {
        g.apply_history(events.iter().filter_map(Event::from_json));
    }

    fn graph(doc: Value) -> Graph {
        Graph::new(&StateMachine::from_json_str(&doc.to_string()).unwrap())
    }

    fn visits(g: &Graph) -> Vec<(&str, Visit)> {
        g.nodes
            .iter()
            .filter(|n| n.visit != Visit::NotVisited)
            .map(|n| (n.id.as_str(), n.visit))
            .collect()
    }

    fn followed(g: &Graph) -> Vec<(u32, String)> {
        let mut out: Vec<(u32, String)> = g
            .edges
            .iter()
            .flat_map(|e| {
                let text = format!("{}->{}", g.nodes[e.from].id, g.nodes[e.to].id);
                e.steps.iter().map(move |&s| (s, text.clone()))
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn path_taken_is_numbered_and_a_caught_failure_is_marked() {
        let mut g = graph(json!({ "StartAt": "A", "States": {
            "A": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a",
                   "Catch": [ { "ErrorEquals": ["States.ALL"], "Next": "H" } ], "Next": "C" },
            "C": { "Type": "Choice", "Choices": [ { "Variable": "$.x", "NumericEquals": 0, "Next": "D" } ],
                   "Default": "D" },
            "H": { "Type": "Pass", "Next": "C" },
            "D": { "Type": "Succeed" } } }));
        apply(
            &mut g,
            &history(&[
                ("ExecutionStarted", ""),
                ("TaskStateEntered", "A"),
                ("TaskFailed", ""),
                ("TaskStateExited", "A"),
                ("PassStateEntered", "H"),
                ("PassStateExited", "H"),
                ("ChoiceStateEntered", "C"),
                ("ChoiceStateExited", "C"),
                ("SucceedStateEntered", "D"),
                ("SucceedStateExited", "D"),
                ("ExecutionSucceeded", ""),
            ]),
        );
        assert_eq!(
            followed(&g),
            [
                (1, "__start->A".to_owned()),
                (2, "A->H".to_owned()),
                (3, "H->C".to_owned()),
                (4, "C->D".to_owned()),
                (5, "D->__end".to_owned()),
            ]
        );
        assert_eq!(
            g.edges.iter().find(|e| e.steps == [2]).unwrap().kind,
            EdgeKind::Catch
        );
        assert!(visits(&g).contains(&("A", Visit::Caught)));
        assert!(visits(&g).contains(&("__end", Visit::Visited)));
    }

    #[test]
    fn a_retried_task_is_not_failed_and_an_uncaught_failure_is() {
        let mut g = graph(json!({ "StartAt": "A", "States": {
            "A": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a", "Next": "B" },
            "B": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a", "End": true } } }));
        apply(
            &mut g,
            &history(&[
                ("TaskStateEntered", "A"),
                ("TaskFailed", ""),
                ("TaskSucceeded", ""),
                ("TaskStateExited", "A"),
                ("TaskStateEntered", "B"),
                ("TaskFailed", ""),
                ("ExecutionFailed", ""),
            ]),
        );
        assert_eq!(
            visits(&g),
            [
                ("__start", Visit::Visited),
                ("A", Visit::Visited),
                ("B", Visit::Failed)
            ]
        );
    }

    #[test]
    fn a_failed_map_inside_a_caught_parallel_state() {
        let mut g = Graph::new(
            &StateMachine::from_json_str(include_str!("fixtures/nested.asl.json")).unwrap(),
        );
        let h: Value = serde_json::from_str(include_str!("fixtures/nested.history.json")).unwrap();
        apply(&mut g, h["events"].as_array().unwrap());
        let v = visits(&g);
        for expected in [
            ("Fulfil", Visit::Caught),
            ("ReserveItems", Visit::Failed),
            ("Reserve", Visit::Failed),
            ("Backorder", Visit::Visited),
            ("Compensate", Visit::Visited),
            ("Failed", Visit::Failed),
        ] {
            assert!(v.contains(&expected), "{expected:?} in {v:?}");
        }
        for not_reached in ["Done", "Acknowledge", "Rejected", "__end"] {
            assert!(
                !v.iter().any(|(id, _)| *id == not_reached),
                "{not_reached} in {v:?}"
            );
        }
        // The loop back from Replied to Notify was followed once.
        let back = g
            .edges
            .iter()
            .find(|e| g.nodes[e.from].id == "Replied" && g.nodes[e.to].id == "Notify")
            .unwrap();
        assert_eq!(back.steps.len(), 1);
    }

    #[test]
    fn names_repeated_in_branches_resolve_to_the_running_branch_and_failures_reach_the_parallel_state()
     {
        let mut g = graph(json!({ "StartAt": "X", "States": {
            "X": { "Type": "Pass", "Next": "P" },
            "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "X", "States": { "X": { "Type": "Pass", "End": true } } },
                { "StartAt": "F", "States": { "F": { "Type": "Fail", "Error": "E" } } } ] } } }));
        apply(
            &mut g,
            &history(&[
                ("PassStateEntered", "X"),
                ("PassStateExited", "X"),
                ("ParallelStateEntered", "P"),
                ("ParallelStateStarted", ""),
                ("PassStateEntered", "X"),
                ("PassStateExited", "X"),
                ("FailStateEntered", "F"),
                ("ParallelStateFailed", ""),
                ("ExecutionFailed", ""),
            ]),
        );
        assert_eq!(
            followed(&g),
            [
                (1, "__start->X".to_owned()),
                (2, "X->P".to_owned()),
                (3, "P->X_2".to_owned()),
                (4, "X_2->P__join".to_owned()),
                (5, "P->F".to_owned()),
            ]
        );
        let v = visits(&g);
        assert!(v.contains(&("P", Visit::Failed)), "{v:?}");
        assert!(v.contains(&("X_2", Visit::Visited)), "{v:?}");
        assert!(v.contains(&("F", Visit::Failed)), "{v:?}");
        assert!(!v.iter().any(|(id, _)| *id == "__end"));
    }

    #[test]
    fn attempts_iterations_and_the_running_state_are_counted() {
        let mut g = graph(json!({ "StartAt": "A", "States": {
            "A": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a", "Next": "M" },
            "M": { "Type": "Map", "End": true, "ItemProcessor": { "StartAt": "I",
                "States": { "I": { "Type": "Pass", "End": true } } } } } }));
        apply(
            &mut g,
            &history(&[
                ("ExecutionStarted", ""),
                ("TaskStateEntered", "A"),
                ("TaskScheduled", ""),
                ("TaskFailed", ""),
                ("TaskScheduled", ""),
                ("TaskFailed", ""),
                ("TaskScheduled", ""),
                ("TaskSucceeded", ""),
                ("TaskStateExited", "A"),
                ("MapStateEntered", "M"),
                ("MapStateStarted", ""),
                ("MapIterationStarted", ""),
                ("MapIterationSucceeded", ""),
                ("MapIterationStarted", ""),
            ]),
        );
        let node = |id: &str| g.nodes.iter().find(|n| n.id == id).unwrap();
        assert_eq!(node("A").attempts, 3);
        assert_eq!(node("A").visit, Visit::Visited);
        assert_eq!(node("M").visit, Visit::Running);
        let items = node("M").items.unwrap();
        assert_eq!((items.started, items.succeeded, items.running()), (2, 1, 1));
        let svg = crate::graph::svg::render_interactive(&g);
        assert!(
            svg.contains(r#"data-state="A" data-status="succeeded" data-attempts="3""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"data-state="M" data-status="in progress""#),
            "{svg}"
        );
        assert!(svg.contains("×3"), "{svg}");
        assert!(!crate::graph::svg::render(&g).contains("data-state"));
    }
}
