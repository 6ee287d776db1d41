//! The picture as data: nodes, edges and clusters, built from a [`StateMachine`].
//!
//! Every format draws this same graph, so what a state looks like, which edges there are and
//! how a choice rule reads are decided once, here.
//!
//! A Parallel or Map state becomes a cluster holding a *header* node (the state itself, which
//! edges enter) and a *join* node (where its branches meet, which `Next` and `Catch` leave
//! from). A Parallel state's cluster holds one sub-cluster per branch; a Map state's cluster
//! holds its item processor's states directly.

use std::collections::HashMap;
use std::collections::HashSet;

use crate::StateMachine;
use crate::model::{Comparison, Condition, StateKind, Test, Transition};
use serde_json::Value;

/// Longest edge label kept whole; longer ones are cut with an ellipsis so that a complex rule
/// does not push the picture apart.
const MAX_LABEL_CHARS: usize = 48;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;
/// Index of a cluster in [`Graph::clusters`].
pub type ClusterId = usize;

/// The graph of a state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// States, markers and joins, in document order.
    pub nodes: Vec<Node>,
    /// Transitions, in document order.
    pub edges: Vec<Edge>,
    /// Parallel states, their branches, and Map states; parents before children.
    pub clusters: Vec<Cluster>,
    /// Whether an execution history was laid over the graph (see [`Visit`], [`Edge::steps`]).
    pub has_history: bool,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Where the execution starts.
    Start,
    /// Where the execution ends.
    End,
    /// A state of the given type. For Parallel and Map this is the cluster's header.
    State(StateType),
    /// Where the branches (or the iterations) of a Parallel or Map state meet.
    Join,
}

/// The eight ASL state types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum StateType {
    Task,
    Pass,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

impl StateType {
    fn of(kind: &StateKind) -> Self {
        match kind {
            StateKind::Task(_) => StateType::Task,
            StateKind::Pass(_) => StateType::Pass,
            StateKind::Choice(_) => StateType::Choice,
            StateKind::Wait(_) => StateType::Wait,
            StateKind::Succeed(_) => StateType::Succeed,
            StateKind::Fail(_) => StateType::Fail,
            StateKind::Parallel(_) => StateType::Parallel,
            StateKind::Map(_) => StateType::Map,
        }
    }

    /// The ASL `Type` name.
    pub fn name(self) -> &'static str {
        match self {
            StateType::Task => "Task",
            StateType::Pass => "Pass",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }
}

/// How a node is painted: shared by every format so that they all look alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colors {
    /// Fill.
    pub fill: &'static str,
    /// Outline.
    pub stroke: &'static str,
    /// Text.
    pub text: &'static str,
}

impl NodeKind {
    /// The colors of this kind of node, after the console's: Succeed green, Fail red.
    pub fn colors(self) -> Colors {
        let (fill, stroke, text) = match self {
            NodeKind::Start | NodeKind::End => ("#414d5c", "#414d5c", "#ffffff"),
            NodeKind::Join => ("#545b64", "#545b64", "#ffffff"),
            NodeKind::State(t) => match t {
                StateType::Task => ("#e9f2fc", "#0972d3", "#0f141a"),
                StateType::Pass => ("#f2f3f3", "#7d8998", "#0f141a"),
                StateType::Wait => ("#fdf3e1", "#c77700", "#0f141a"),
                StateType::Choice => ("#f4ecfc", "#8c4fd0", "#0f141a"),
                StateType::Succeed => ("#d7f2d0", "#1d8102", "#0f3d00"),
                StateType::Fail => ("#fde2de", "#d13212", "#5c0f00"),
                StateType::Parallel => ("#e2f5f3", "#08827a", "#0f141a"),
                StateType::Map => ("#ebeefb", "#4d5fc1", "#0f141a"),
            },
        };
        Colors { fill, stroke, text }
    }

    /// A short lowercase name of the kind, for CSS-like classes (`task`, `choice`, `start`).
    pub fn class(self) -> &'static str {
        match self {
            NodeKind::Start | NodeKind::End => "marker",
            NodeKind::Join => "join",
            NodeKind::State(t) => match t {
                StateType::Task => "task",
                StateType::Pass => "pass",
                StateType::Choice => "choice",
                StateType::Wait => "wait",
                StateType::Succeed => "succeed",
                StateType::Fail => "fail",
                StateType::Parallel => "parallel",
                StateType::Map => "map",
            },
        }
    }
}

/// The outline of a node the history visited, failed or caught (`None`: not visited).
pub fn visit_stroke(visit: Visit) -> Option<&'static str> {
    match visit {
        Visit::NotVisited => None,
        Visit::Visited => Some(TAKEN),
        Visit::Caught => Some("#e07700"),
        Visit::Failed => Some("#d13212"),
        Visit::Running => Some(RUNNING),
    }
}

/// The outline of a state the execution is in now.
pub const RUNNING: &str = "#0972d3";

/// The color of an edge the execution followed.
pub const TAKEN: &str = "#1d8102";
/// The color of an edge.
pub const EDGE: &str = "#545b64";
/// Outline and fill of a Parallel state's box.
pub const PARALLEL: (&str, &str) = ("#5fa8a3", "#f4fbfa");
/// Outline and fill of a Map state's box.
pub const MAP: (&str, &str) = ("#7d8bd1", "#f6f7fd");
/// Outline and fill of a branch's box.
pub const BRANCH: (&str, &str) = ("#aab7b8", "#ffffff");

impl ClusterKind {
    /// Outline and fill of the box, tinted like the state's header.
    pub fn colors(self) -> (&'static str, &'static str) {
        match self {
            ClusterKind::Parallel => PARALLEL,
            ClusterKind::Map => MAP,
            ClusterKind::Branch => BRANCH,
        }
    }
}

/// What an execution history says about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Visit {
    /// Not entered (or no history was given).
    #[default]
    NotVisited,
    /// Entered, and left normally.
    Visited,
    /// Failed, and a `Catch` took the execution on.
    Caught,
    /// Failed, and nothing caught it.
    Failed,
    /// Entered and not left: the execution, still running, is in it now.
    Running,
}

impl Visit {
    /// The status in words, as the console shows it (`not reached`, `succeeded`, ...).
    pub fn words(self) -> &'static str {
        match self {
            Visit::NotVisited => "not reached",
            Visit::Visited => "succeeded",
            Visit::Caught => "caught",
            Visit::Failed => "failed",
            Visit::Running => "in progress",
        }
    }
}

/// A Map state's iterations by status, as its history counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Items {
    /// Iterations started.
    pub started: u32,
    /// Iterations that succeeded.
    pub succeeded: u32,
    /// Iterations that failed.
    pub failed: u32,
    /// Iterations aborted (another one failed, or the execution stopped).
    pub aborted: u32,
}

impl Items {
    /// Iterations started and not ended.
    pub fn running(self) -> u32 {
        self.started
            .saturating_sub(self.succeeded + self.failed + self.aborted)
    }
}

/// One node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// A unique identifier, safe as a Mermaid and DOT id (ASCII letters, digits, `_`).
    pub id: String,
    /// The text shown: the state name, `Start`, `End`, or empty for a join.
    pub label: String,
    /// What it stands for.
    pub kind: NodeKind,
    /// The innermost cluster holding it, `None` at the top level.
    pub cluster: Option<ClusterId>,
    /// What the history says about it.
    pub visit: Visit,
    /// How many attempts the history shows of it (Task calls, Parallel and Map runs): more
    /// than one when it was retried; 0 for a state without attempts or no history.
    pub attempts: u32,
    /// A Map state's iterations, once the history has started one.
    pub items: Option<Items>,
}

/// What kind of transition an edge is; decides its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// From the Start marker, or a Parallel/Map header, to the first state.
    Start,
    /// `Next`.
    Next,
    /// A choice rule's `Next`.
    Rule,
    /// A Choice state's `Default`.
    Default,
    /// A catcher's `Next`: drawn dashed.
    Catch,
    /// From a terminal state to the End marker or to the join of its Parallel/Map state.
    End,
}

/// One transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Where it leaves.
    pub from: NodeId,
    /// Where it arrives.
    pub to: NodeId,
    /// What kind of transition it is.
    pub kind: EdgeKind,
    /// The rule (`$.activities == 0`), `Default`, or the caught error names.
    pub label: Option<String>,
    /// When the execution followed it: 1-based step numbers, in order.
    pub steps: Vec<u32>,
}

impl Edge {
    /// The label as drawn: the step numbers the history gave it (`(1, 4)`), then the label.
    pub fn display_label(&self) -> Option<String> {
        const SHOWN_STEPS: usize = 3;
        let steps = if self.steps.is_empty() {
            None
        } else {
            let mut shown: Vec<String> = self
                .steps
                .iter()
                .take(SHOWN_STEPS)
                .map(u32::to_string)
                .collect();
            if self.steps.len() > SHOWN_STEPS {
                shown.push("…".to_owned());
            }
            Some(format!("({})", shown.join(", ")))
        };
        match (steps, &self.label) {
            (None, None) => None,
            (Some(s), None) => Some(s),
            (None, Some(l)) => Some(l.clone()),
            (Some(s), Some(l)) => Some(format!("{s} {l}")),
        }
    }
}

/// What a cluster stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    /// A Parallel state: its header, join, and one [`ClusterKind::Branch`] per branch.
    Parallel,
    /// One branch of a Parallel state.
    Branch,
    /// A Map state: its header, join, and its item processor's states.
    Map,
}

/// A box drawn around the states of a Parallel state, a branch, or a Map state.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// A unique identifier starting with `cluster_` (Graphviz draws only those as boxes).
    pub id: String,
    /// The state name, or `Branch 1`, `Branch 2`, ...
    pub label: String,
    /// What it stands for.
    pub kind: ClusterKind,
    /// The cluster holding it, `None` at the top level.
    pub parent: Option<ClusterId>,
    /// The node edges from outside enter: the header, or a branch's first state (or the
    /// header of the cluster that first state is).
    pub entry: NodeId,
}

/// A Parallel or Map state's two nodes, or a plain state's one node twice.
#[derive(Debug, Clone, Copy)]
struct Ends {
    /// Where edges into the state arrive.
    entry: NodeId,
    /// Where edges out of the state leave.
    exit: NodeId,
}

impl Graph {
    /// The graph of `machine`, without history.
    pub fn new(machine: &StateMachine) -> Graph {
        let mut builder = Builder::default();
        let start = builder.node("__start", "Start", NodeKind::Start, None);
        let end = builder.node("__end", "End", NodeKind::End, None);
        builder.machine(machine, None, start, end);
        Graph {
            nodes: builder.nodes,
            edges: builder.edges,
            clusters: builder.clusters,
            has_history: false,
        }
    }

    /// The clusters directly inside `parent` (`None`: the top level).
    pub fn child_clusters(
        &self,
        parent: Option<ClusterId>,
    ) -> impl Iterator<Item = ClusterId> + '_ {
        (0..self.clusters.len()).filter(move |&c| self.clusters[c].parent == parent)
    }

    /// The nodes directly inside `cluster` (`None`: the top level).
    pub fn child_nodes(&self, cluster: Option<ClusterId>) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(move |&n| self.nodes[n].cluster == cluster)
    }

    /// The clusters holding `node`, innermost first.
    pub fn ancestors(&self, node: NodeId) -> Vec<ClusterId> {
        let mut out = Vec::new();
        let mut at = self.nodes[node].cluster;
        while let Some(c) = at {
            out.push(c);
            at = self.clusters[c].parent;
        }
        out
    }

    /// The header node of a Parallel or Map cluster.
    pub fn header(&self, cluster: ClusterId) -> Option<NodeId> {
        match self.clusters[cluster].kind {
            ClusterKind::Branch => None,
            _ => Some(self.clusters[cluster].entry),
        }
    }
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    clusters: Vec<Cluster>,
    ids: HashSet<String>,
}

impl Builder {
    /// A unique id made from `name`: ASCII letters, digits and `_`; never a Mermaid keyword.
    fn id(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        // Mermaid reads these as keywords, and an id must not start with a digit.
        const RESERVED: &[&str] = &[
            "end",
            "graph",
            "flowchart",
            "subgraph",
            "style",
            "class",
            "classdef",
            "click",
            "linkstyle",
            "default",
            "direction",
            "call",
            "href",
        ];
        if base.is_empty()
            || base.starts_with(|c: char| c.is_ascii_digit())
            || RESERVED.contains(&base.to_ascii_lowercase().as_str())
        {
            base = format!("s_{base}");
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }

    fn node(
        &mut self,
        id: &str,
        label: &str,
        kind: NodeKind,
        cluster: Option<ClusterId>,
    ) -> NodeId {
        let id = self.id(id);
        self.nodes.push(Node {
            id,
            label: label.to_owned(),
            kind,
            cluster,
            visit: Visit::NotVisited,
            attempts: 0,
            items: None,
        });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: NodeId, to: NodeId, kind: EdgeKind, label: Option<String>) {
        self.edges.push(Edge {
            from,
            to,
            kind,
            label,
            steps: Vec::new(),
        });
    }

    fn cluster(
        &mut self,
        id: &str,
        label: &str,
        kind: ClusterKind,
        parent: Option<ClusterId>,
    ) -> ClusterId {
        let id = self.id(&format!("cluster_{id}"));
        self.clusters.push(Cluster {
            id,
            label: label.to_owned(),
            kind,
            parent,
            // Set once the cluster's content exists.
            entry: usize::MAX,
        });
        self.clusters.len() - 1
    }

    /// Adds the states inside a Parallel or Map state: one branch cluster per branch, or the
    /// item processor's states in the Map state's own cluster.
    fn children(&mut self, state: &crate::model::State, e: Ends) {
        let Some(c) = self.nodes[e.entry].cluster else {
            return;
        };
        match &state.kind {
            StateKind::Parallel(p) => {
                for (i, branch) in p.branches.iter().enumerate() {
                    let base = self.nodes[e.entry].id.clone();
                    let b = self.cluster(
                        &format!("{base}_b{}", i + 1),
                        &format!("Branch {}", i + 1),
                        ClusterKind::Branch,
                        Some(c),
                    );
                    let first = self.machine(branch, Some(b), e.entry, e.exit);
                    self.clusters[b].entry = first.unwrap_or(e.exit);
                }
            }
            StateKind::Map(m) => {
                self.machine(&m.item_processor.machine, Some(c), e.entry, e.exit);
            }
            _ => {}
        }
    }

    /// Adds the states of `machine` inside `cluster`, an edge from `enter` to its first state,
    /// and an edge from each terminal state to `leave`. Returns the first state's entry node.
    fn machine(
        &mut self,
        machine: &StateMachine,
        cluster: Option<ClusterId>,
        enter: NodeId,
        leave: NodeId,
    ) -> Option<NodeId> {
        let mut ends: HashMap<&str, Ends> = HashMap::new();
        for state in &machine.states {
            let ty = StateType::of(&state.kind);
            let e = match &state.kind {
                StateKind::Parallel(_) | StateKind::Map(_) => {
                    let kind = if ty == StateType::Parallel {
                        ClusterKind::Parallel
                    } else {
                        ClusterKind::Map
                    };
                    let c = self.cluster(&state.name, &state.name, kind, cluster);
                    let header = self.node(&state.name, &state.name, NodeKind::State(ty), Some(c));
                    self.clusters[c].entry = header;
                    let join_id = format!("{}__join", self.nodes[header].id);
                    let join = self.node(&join_id, "", NodeKind::Join, Some(c));
                    Ends {
                        entry: header,
                        exit: join,
                    }
                }
                _ => {
                    let n = self.node(&state.name, &state.name, NodeKind::State(ty), cluster);
                    Ends { entry: n, exit: n }
                }
            };
            ends.insert(&state.name, e);
        }

        let first = ends.get(machine.start_at.as_str()).map(|e| e.entry);
        if let Some(first) = first {
            self.edge(enter, first, EdgeKind::Start, None);
        }
        // Each state's content, then its edges: the document's order. The children come after
        // all of this machine's states were named, so that ids at this level keep the state
        // names and nested states with the same name get the suffix.
        for state in &machine.states {
            self.children(state, ends[&*state.name]);
            let from = ends[&*state.name].exit;
            let to = |builder: &mut Builder, target: &str, kind, label| {
                // A validated machine names only its own states; a dangling name draws nothing.
                if let Some(e) = ends.get(target) {
                    builder.edge(from, e.entry, kind, label);
                }
            };
            match &state.kind {
                StateKind::Choice(choice) => {
                    for rule in &choice.choices {
                        let label = shorten(&condition_label(&rule.condition));
                        to(self, &rule.next, EdgeKind::Rule, Some(label));
                    }
                    if let Some(default) = &choice.default {
                        to(self, default, EdgeKind::Default, Some("Default".to_owned()));
                    }
                }
                StateKind::Succeed(_) | StateKind::Fail(_) => {
                    self.edge(from, leave, EdgeKind::End, None);
                }
                kind => {
                    match kind.transition() {
                        Some(Transition::Next(next)) => to(self, next, EdgeKind::Next, None),
                        Some(Transition::End) => self.edge(from, leave, EdgeKind::End, None),
                        None => {}
                    }
                    for catcher in kind.catchers() {
                        let label = shorten(&catcher.error_equals.join(", "));
                        to(self, &catcher.next, EdgeKind::Catch, Some(label));
                    }
                }
            }
        }
        first
    }
}

/// `text`, cut to [`MAX_LABEL_CHARS`] characters with an ellipsis.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A choice rule in a short readable form: `$.activities == 0`,
/// `$.a > 1 and not $.b is null`, `$x > 3` for a JSONata condition.
pub fn condition_label(condition: &Condition) -> String {
    let mut out = String::new();
    write_condition(condition, Precedence::Or, &mut out);
    out
}

/// Binding strength, weakest first: a sub-expression weaker than its context gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Not,
}

fn write_condition(condition: &Condition, context: Precedence, out: &mut String) {
    let (own, joined) = match condition {
        Condition::And(all) => (Precedence::And, Some((all, " and "))),
        Condition::Or(any) => (Precedence::Or, Some((any, " or "))),
        Condition::Not(inner) => {
            out.push_str("not ");
            // `And` and `Or` bind weaker than `not`, so they get brackets; a comparison does not.
            write_condition(inner, Precedence::Not, out);
            return;
        }
        Condition::Comparison(c) => {
            out.push_str(&comparison_label(c));
            return;
        }
        Condition::Jsonata(expr) => {
            out.push_str(&jsonata_label(expr));
            return;
        }
    };
    let Some((parts, separator)) = joined else {
        return;
    };
    let bracket = own < context;
    if bracket {
        out.push('(');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        // The same operator nested reads the same without brackets; a weaker one needs them.
        write_condition(part, own, out);
    }
    if bracket {
        out.push(')');
    }
}

fn comparison_label(c: &Comparison) -> String {
    let v = &c.variable;
    let operand = if c.operator.path {
        // A `*Path` operand is a path: shown as written, not as a quoted string.
        c.operand
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| c.operand.to_string())
    } else {
        c.operand.to_string()
    };
    let symbol = match c.operator.test {
        Test::StringEquals | Test::NumericEquals | Test::BooleanEquals | Test::TimestampEquals => {
            "=="
        }
        Test::StringLessThan | Test::NumericLessThan | Test::TimestampLessThan => "<",
        Test::StringGreaterThan | Test::NumericGreaterThan | Test::TimestampGreaterThan => ">",
        Test::StringLessThanEquals
        | Test::NumericLessThanEquals
        | Test::TimestampLessThanEquals => "<=",
        Test::StringGreaterThanEquals
        | Test::NumericGreaterThanEquals
        | Test::TimestampGreaterThanEquals => ">=",
        Test::StringMatches => "matches",
        Test::IsNull => return is_label(v, c.operand.as_bool(), "null", "null"),
        Test::IsPresent => return is_label(v, c.operand.as_bool(), "present", "present"),
        Test::IsNumeric => return is_label(v, c.operand.as_bool(), "numeric", "numeric"),
        Test::IsString => return is_label(v, c.operand.as_bool(), "a string", "a string"),
        Test::IsBoolean => return is_label(v, c.operand.as_bool(), "a boolean", "a boolean"),
        Test::IsTimestamp => return is_label(v, c.operand.as_bool(), "a timestamp", "a timestamp"),
    };
    format!("{v} {symbol} {operand}")
}

/// `$.x is null` / `$.x is not null`.
fn is_label(variable: &str, expected: Option<bool>, yes: &str, no: &str) -> String {
    match expected {
        Some(true) => format!("{variable} is {yes}"),
        Some(false) => format!("{variable} is not {no}"),
        None => format!("{variable} is {yes}?"),
    }
}

/// A JSONata `Condition` without its `{% %}` delimiters.
fn jsonata_label(expr: &Value) -> String {
    match expr {
        Value::String(s) => {
            let inner = s.trim();
            let inner = inner.strip_prefix("{%").unwrap_or(inner);
            let inner = inner.strip_suffix("%}").unwrap_or(inner);
            inner.trim().to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn machine(doc: Value) -> StateMachine {
        StateMachine::from_json_str(&doc.to_string()).expect("valid test machine")
    }

    fn labels(doc: Value) -> Vec<String> {
        Graph::new(&machine(doc))
            .edges
            .iter()
            .filter_map(|e| e.label.clone())
            .collect()
    }

    fn choice(rule: Value) -> Value {
        let mut rule = rule;
        rule["Next"] = json!("A");
        json!({ "StartAt": "C", "States": {
            "C": { "Type": "Choice", "Choices": [rule], "Default": "A" },
            "A": { "Type": "Succeed" } } })
    }

    #[test]
    fn rules_read_compactly() {
        let cases = [
            (json!({ "Variable": "$.n", "NumericEquals": 0 }), "$.n == 0"),
            (
                json!({ "Variable": "$.s", "StringEquals": "x" }),
                "$.s == \"x\"",
            ),
            (
                json!({ "Variable": "$.n", "NumericGreaterThanEqualsPath": "$.m" }),
                "$.n >= $.m",
            ),
            (
                json!({ "Variable": "$.s", "StringMatches": "a*" }),
                "$.s matches \"a*\"",
            ),
            (
                json!({ "Variable": "$.v", "IsNull": false }),
                "$.v is not null",
            ),
            (
                json!({ "Variable": "$.v", "IsPresent": true }),
                "$.v is present",
            ),
            (
                json!({ "And": [ { "Variable": "$.a", "NumericLessThan": 1 },
                                  { "Not": { "Variable": "$.b", "BooleanEquals": true } } ] }),
                "$.a < 1 and not $.b == true",
            ),
            (
                json!({ "Or": [ { "Variable": "$.a", "NumericLessThan": 1 },
                                 { "And": [ { "Variable": "$.b", "IsString": true },
                                            { "Variable": "$.c", "IsNumeric": true } ] } ] }),
                "$.a < 1 or $.b is a string and $.c is numeric",
            ),
            (
                json!({ "And": [ { "Or": [ { "Variable": "$.a", "NumericLessThan": 1 },
                                            { "Variable": "$.a", "NumericGreaterThan": 9 } ] },
                                  { "Variable": "$.c", "IsNumeric": true } ] }),
                "($.a < 1 or $.a > 9) and $.c is numeric",
            ),
            (
                json!({ "Not": { "And": [ { "Variable": "$.a", "IsNull": true },
                                           { "Variable": "$.b", "IsNull": true } ] } }),
                "not ($.a is null and $.b is null)",
            ),
        ];
        for (rule, expected) in cases {
            assert_eq!(
                labels(choice(rule.clone())),
                [expected, "Default"],
                "{rule}"
            );
        }
    }

    #[test]
    fn long_rules_are_shortened() {
        let rule = json!({ "Variable": "$.a_very_long_variable_name.with.many.parts", "StringEquals": "and a long value too" });
        let label = &labels(choice(rule))[0];
        assert_eq!(label.chars().count(), MAX_LABEL_CHARS);
        assert!(label.ends_with('…'));
    }

    #[test]
    fn parallel_and_map_become_clusters_with_header_and_join() {
        let g = Graph::new(&machine(json!({ "StartAt": "P", "States": {
            "P": { "Type": "Parallel", "Next": "M", "Branches": [
                { "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } },
                { "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } } ] },
            "M": { "Type": "Map", "End": true, "ItemProcessor": {
                "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } } } } })));
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "__start", "__end", "P", "P__join", "M", "M__join", "A", "A_2", "P_2"
            ]
        );
        let kinds: Vec<ClusterKind> = g.clusters.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ClusterKind::Parallel,
                ClusterKind::Map,
                ClusterKind::Branch,
                ClusterKind::Branch
            ]
        );
        // Next leaves the Parallel state's join and enters the Map state's header.
        let next = g.edges.iter().find(|e| e.kind == EdgeKind::Next).unwrap();
        assert_eq!(
            (g.nodes[next.from].id.as_str(), g.nodes[next.to].id.as_str()),
            ("P__join", "M")
        );
        assert_eq!(g.clusters[2].entry, 6);
        assert_eq!(g.ancestors(6), [2, 0]);
    }
}
