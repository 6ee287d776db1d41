//! A layered ("Sugiyama") layout of the graph, for the SVG output: no Graphviz needed.
//!
//! Clusters are laid out from the inside out. Each cluster's content is laid out on its own
//! and becomes one box in its parent's layout, so a cluster always contains its nodes and
//! two clusters never overlap. Within one scope (the top level, or one cluster's content):
//!
//! 1. **Ranks**: the longest path from the entry (Start, or the state edges from outside
//!    enter), after a depth-first search has marked back edges (loops) and turned them round.
//!    Ranks are doubled so that the odd ranks between two rows of states can hold the edge
//!    labels; an odd rank without labels takes no room.
//! 2. **Dummies**: an edge spanning several ranks gets a dummy node on each rank between, so
//!    it has a reserved lane past the states in between; a labelled edge's first dummy also
//!    holds its label, beside the edge. A back edge gets dummies on every rank from its
//!    source up to its target, so it is routed round the side of the states in between.
//! 3. **Order** within ranks: a few barycenter sweeps down and up, keeping the order with
//!    the fewest crossings.
//! 4. **Coordinates**: each node is pulled towards its neighbours, minimizing the weighted
//!    *absolute* distances (which lines nodes up exactly, where squared distances would
//!    leave them halfway), solved per rank exactly under the minimum separation by
//!    pool-adjacent-violators with weighted medians. Short edges pull hardest, so the main
//!    path is one column; the last passes go top down only; then each long edge's lane is
//!    made one straight line where there is room.
//! 5. **Routes**: orthogonal polylines. Between two rows an edge turns on a horizontal
//!    *track*; overlapping turns get separate tracks and the gap grows to hold them.
//!
//! Edges that enter a cluster go straight down from its top to its entry node; edges that
//! leave it are routed inside to one exit point on its bottom, then on outside.

use std::collections::HashMap;

use super::model::{ClusterId, ClusterKind, Graph, NodeId, NodeKind, StateType};

/// Font size of a state's name.
pub const NAME_SIZE: f64 = 13.0;
/// Font size of the type caption under a state's name.
pub const CAPTION_SIZE: f64 = 10.0;
/// Font size of edge labels.
pub const LABEL_SIZE: f64 = 11.0;
/// Font size of cluster titles (`Branch 1`).
pub const TITLE_SIZE: f64 = 11.0;
/// Font size of the Start and End markers.
pub const MARKER_SIZE: f64 = 12.0;
/// Height of an edge label's box.
pub const LABEL_HEIGHT: f64 = 18.0;

/// Room inside a cluster's box around its content.
const PAD: f64 = 14.0;
/// Room around the whole picture.
const MARGIN: f64 = 20.0;
/// Height of a cluster title.
const TITLE_HEIGHT: f64 = 16.0;
/// Vertical room between two rows of states.
const ROW_GAP: f64 = 30.0;
/// Vertical room between a row of states and a row of labels.
const LABEL_GAP: f64 = 8.0;
/// Room between an edge and its label.
const LABEL_OFFSET: f64 = 5.0;
/// Vertical distance between two tracks in one gap.
const TRACK: f64 = 8.0;
/// Horizontal room between two states, between a state and an edge lane, between lanes.
const NODE_SEP: f64 = 30.0;
const LANE_SEP: f64 = 16.0;
const LANES_SEP: f64 = 10.0;

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Rightwards.
    pub x: f64,
    /// Downwards.
    pub y: f64,
}

impl Point {
    fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    fn shifted(self, by: Point) -> Self {
        Point::new(self.x + by.x, self.y + by.y)
    }
}

/// A rectangle: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The horizontal middle.
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }

    /// The vertical middle.
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }

    /// Right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether the two overlap (touching is not overlapping).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    /// Whether `other` lies inside this one.
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f64 = 1e-6;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.bottom() <= self.bottom() + EPS
    }

    /// Whether `p` lies on the rectangle's outline.
    pub fn on_border(&self, p: Point) -> bool {
        const EPS: f64 = 1e-6;
        let inside_x = p.x >= self.x - EPS && p.x <= self.right() + EPS;
        let inside_y = p.y >= self.y - EPS && p.y <= self.bottom() + EPS;
        let on_x = (p.x - self.x).abs() < EPS || (p.x - self.right()).abs() < EPS;
        let on_y = (p.y - self.y).abs() < EPS || (p.y - self.bottom()).abs() < EPS;
        (inside_x && on_y) || (inside_y && on_x)
    }

    fn shifted(self, by: Point) -> Self {
        Rect {
            x: self.x + by.x,
            y: self.y + by.y,
            ..self
        }
    }
}

/// One edge's route: a polyline from its source's outline to its target's, and its label box.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EdgeRoute {
    /// At least two points; horizontal and vertical segments only.
    pub points: Vec<Point>,
    /// Where the label goes (centered on the route), for labelled edges.
    pub label: Option<Rect>,
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Width of the picture.
    pub width: f64,
    /// Height of the picture.
    pub height: f64,
    /// Each node's box, by [`NodeId`].
    pub nodes: Vec<Rect>,
    /// Each cluster's box, by [`ClusterId`].
    pub clusters: Vec<Rect>,
    /// Where each cluster's title starts (left end of its baseline), if it shows one.
    pub titles: Vec<Option<Point>>,
    /// Each edge's route, by index in [`Graph::edges`].
    pub edges: Vec<EdgeRoute>,
}

/// How wide `text` is at `size` px in Helvetica/Arial (Liberation Sans has the same widths),
/// estimated per character since the SVG cannot measure; slightly generous on purpose.
pub fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 =
        text.chars()
            .map(|c| match c {
                'i' | 'j' | 'l' | '\'' | '|' | '!' | '.' | ',' | ':' | ';' => 0.25,
                'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '{' | '}' | ' ' | '/' | '\\'
                | '-' => 0.33,
                'm' | 'M' | 'W' => 0.87,
                'w' => 0.74,
                'A'..='Z' => 0.69,
                '0'..='9' | 'a'..='z' | '_' | '$' | '#' | '?' | '"' | '*' => 0.57,
                '=' | '<' | '>' | '+' | '~' => 0.6,
                '@' | '%' | '&' => 0.9,
                c if c.is_ascii() => 0.57,
                // East Asian wide characters.
                c if (c as u32) >= 0x2E80 => 1.0,
                _ => 0.62,
            })
            .sum();
    em * size * 1.04
}

/// The small type caption drawn under a state's name (Choice and the markers have none: their
/// shape says it).
pub fn caption(kind: NodeKind) -> Option<&'static str> {
    match kind {
        NodeKind::State(StateType::Choice) | NodeKind::Start | NodeKind::End | NodeKind::Join => {
            None
        }
        NodeKind::State(t) => Some(t.name()),
    }
}

/// The size of a node's shape.
pub fn node_size(graph: &Graph, node: NodeId) -> (f64, f64) {
    let n = &graph.nodes[node];
    match n.kind {
        NodeKind::Start | NodeKind::End => (text_width(&n.label, MARKER_SIZE) + 30.0, 28.0),
        NodeKind::Join => (56.0, 8.0),
        NodeKind::State(StateType::Choice) => {
            // A diamond holds a one-line text of half-width a' and half-height b' when
            // a'/a + b'/b <= 1; with b = 28 and b' = 9 that is a = 1.47 a'.
            let text = text_width(&n.label, NAME_SIZE) * 1.06 + 12.0;
            ((text * 1.47).max(110.0), 56.0)
        }
        NodeKind::State(_) => {
            let name = text_width(&n.label, NAME_SIZE) * 1.06;
            let caption = caption(n.kind).map_or(0.0, |c| text_width(c, CAPTION_SIZE));
            (name.max(caption).max(96.0) + 32.0, 46.0)
        }
    }
}

/// The size of an edge label's box.
pub fn label_size(text: &str) -> (f64, f64) {
    (text_width(text, LABEL_SIZE) + 12.0, LABEL_HEIGHT)
}

/// Lays the graph out.
pub fn layout(graph: &Graph) -> Layout {
    // Children come after their parents in `clusters`, so going backwards lays each cluster
    // out after everything inside it.
    let mut blocks: Vec<Option<Scope>> = vec![None; graph.clusters.len()];
    for c in (0..graph.clusters.len()).rev() {
        blocks[c] = Some(Scope::lay_out(graph, Some(c), &blocks));
    }
    let root = Scope::lay_out(graph, None, &blocks);
    let blocks: Vec<Scope> = blocks.into_iter().map(|b| b.unwrap_or_default()).collect();

    // Absolute offsets of each scope, parents first.
    let origin = Point::new(MARGIN, MARGIN);
    let mut offset: Vec<Point> = vec![origin; graph.clusters.len()];
    for c in 0..graph.clusters.len() {
        let parent = graph.clusters[c].parent;
        let (base, scope) = match parent {
            Some(p) => (offset[p], &blocks[p]),
            None => (origin, &root),
        };
        offset[c] = base.shifted(
            scope
                .children
                .get(&c)
                .copied()
                .unwrap_or(Point::new(0.0, 0.0)),
        );
    }
    let scope_of = |s: Option<ClusterId>| -> (&Scope, Point) {
        match s {
            Some(c) => (&blocks[c], offset[c]),
            None => (&root, origin),
        }
    };

    let nodes: Vec<Rect> = (0..graph.nodes.len())
        .map(|n| {
            let (scope, at) = scope_of(graph.nodes[n].cluster);
            scope.nodes.get(&n).copied().unwrap_or_default().shifted(at)
        })
        .collect();
    let clusters: Vec<Rect> = (0..graph.clusters.len())
        .map(|c| Rect {
            x: offset[c].x,
            y: offset[c].y,
            w: blocks[c].w,
            h: blocks[c].h,
        })
        .collect();
    let titles: Vec<Option<Point>> = (0..graph.clusters.len())
        .map(|c| blocks[c].title.map(|t| t.shifted(offset[c])))
        .collect();

    let edges: Vec<EdgeRoute> = (0..graph.edges.len())
        .map(|e| {
            let edge = &graph.edges[e];
            let from_chain = scope_chain(graph, edge.from);
            let to_chain = scope_chain(graph, edge.to);
            let common = from_chain
                .iter()
                .copied()
                .find(|s| to_chain.contains(s))
                .unwrap_or(None);
            let mut points: Vec<Point> = Vec::new();
            for &s in from_chain.iter().take_while(|&&s| s != common) {
                let (scope, at) = scope_of(s);
                if let Some(part) = scope.outs.get(&e) {
                    points.extend(part.iter().map(|p| p.shifted(at)));
                }
            }
            let (scope, at) = scope_of(common);
            let mut label = None;
            if let Some((part, l)) = scope.routes.get(&e) {
                points.extend(part.iter().map(|p| p.shifted(at)));
                label = l.map(|l| l.shifted(at));
            }
            for &s in to_chain
                .iter()
                .take_while(|&&s| s != common)
                .collect::<Vec<_>>()
                .iter()
                .rev()
            {
                let (scope, at) = scope_of(*s);
                if let Some(part) = scope.ins.get(&e) {
                    points.extend(part.iter().map(|p| p.shifted(at)));
                }
            }
            EdgeRoute {
                points: simplify(points),
                label,
            }
        })
        .collect();

    Layout {
        width: root.w + 2.0 * MARGIN,
        height: root.h + 2.0 * MARGIN,
        nodes,
        clusters,
        titles,
        edges,
    }
}

/// The scopes holding `node`, innermost first, ending with the top level (`None`).
fn scope_chain(graph: &Graph, node: NodeId) -> Vec<Option<ClusterId>> {
    let mut chain: Vec<Option<ClusterId>> = graph.ancestors(node).into_iter().map(Some).collect();
    chain.push(None);
    chain
}

/// Drops repeated points and the middle of three points on one line.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    const EPS: f64 = 1e-6;
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out
            .last()
            .is_some_and(|q| (q.x - p.x).abs() < EPS && (q.y - p.y).abs() < EPS)
        {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let vertical = (a.x - b.x).abs() < EPS && (b.x - p.x).abs() < EPS;
            let horizontal = (a.y - b.y).abs() < EPS && (b.y - p.y).abs() < EPS;
            // Only when b is between a and p: a route that turns back must keep its corner.
            let between = (b.x - a.x) * (p.x - b.x) >= 0.0 && (b.y - a.y) * (p.y - b.y) >= 0.0;
            if (vertical || horizontal) && between {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// One scope laid out, in its own coordinates (its box's top-left is the origin).
#[derive(Debug, Clone, Default)]
struct Scope {
    w: f64,
    h: f64,
    /// Where edges from outside come in, on the top side.
    in_x: f64,
    /// Where edges to outside go out, on the bottom side.
    out_x: f64,
    /// The boxes of the nodes directly in this scope.
    nodes: HashMap<NodeId, Rect>,
    /// The top-left corners of the clusters directly in this scope.
    children: HashMap<ClusterId, Point>,
    title: Option<Point>,
    /// Edges between two things in this scope: route and label box.
    routes: HashMap<usize, (Vec<Point>, Option<Rect>)>,
    /// Edges leaving the scope: from their source to (out_x, h).
    outs: HashMap<usize, Vec<Point>>,
    /// Edges entering the scope: from (in_x, 0) to their target.
    ins: HashMap<usize, Vec<Point>>,
}

impl Scope {
    /// Lays out one scope, the top level or one cluster's content, whose clusters are laid
    /// out already in `blocks`. Each step below is one phase of the layered layout.
    fn lay_out(graph: &Graph, scope: Option<ClusterId>, blocks: &[Option<Scope>]) -> Scope {
        // What is laid out: the scope's items and the edges between them, parallels merged.
        let sg = ScopeGraph::new(graph, scope, blocks);
        // 1. Ranks: which row each item goes on, so that every edge but a loop's points down.
        let ranking = Ranking::new(graph, &sg);
        // 2. Dummies: long edges get a node per rank between, so each has a lane of its own.
        let layered = LayeredGraph::new(&sg, &ranking);
        // 3. Order within ranks: left to right, for the fewest crossings.
        let ranks = layered.order(ranking.entry);
        // 4. Coordinates: each node's horizontal center, edges straight, nothing overlapping.
        let x = layered.coordinates(&ranks);
        // Rows: which ranks take room, and how tall each is.
        let rows = Rows::new(&ranks, &layered.nodes);
        // 5. Routes, first where they turn: overlapping turns need tracks, which size the gaps.
        let turns = Turns::new(&layered, &ranking.back, &x, &rows);
        // Then the vertical positions of gaps and rows, and the padding and title above.
        let title = title(graph, scope);
        let (pad, top) = match (scope, &title) {
            (None, _) => (0.0, 0.0),
            (Some(_), Some(_)) => (PAD, PAD + TITLE_HEIGHT),
            (Some(_), None) => (PAD, PAD),
        };
        let vertical = Vertical::new(&rows, &turns.tracks, top, pad);
        // And the horizontal extent, to shift everything right of the padding.
        let (left, right) = horizontal_extent(&ranks, &rows, &layered.nodes, &x, &turns.turns);
        let frame = Frame {
            nodes: &layered.nodes,
            x: &x,
            dx: pad - left,
            rows: &rows,
            vertical: &vertical,
        };
        let width = right - left + 2.0 * pad;

        // Finally everything in the scope's own coordinates.
        let mut out = Scope::default();
        frame.place_items(&sg, &mut out);
        frame.draw_routes(&sg, &ranking, &layered, &turns, &mut out);
        frame.attach_outside(&sg, &ranking, &layered, width, &mut out);
        if let Some(title) = title {
            // Left-aligned, unless the line coming in from the top would cross it.
            let tw = text_width(&title, TITLE_SIZE);
            let mut tx = pad;
            if !sg.entering.is_empty() && out.in_x > tx - 6.0 && out.in_x < tx + tw + 6.0 {
                tx = out.in_x + 8.0;
            }
            out.w = out.w.max(tx + tw + pad);
            out.title = Some(Point::new(tx, pad + TITLE_SIZE - 1.0));
        }
        out
    }
}

/// Something placed in a scope: a node of it, or a cluster in it, laid out already.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Node(NodeId),
    Block(ClusterId),
}

/// A scope's own graph: its items (nodes directly in it and clusters laid out already) and
/// the edges between them.
struct ScopeGraph {
    items: Vec<Item>,
    /// Per item: width, height, and where edges attach (from the left) on top and bottom.
    dims: Vec<(f64, f64, f64, f64)>,
    local: Vec<LocalEdge>,
    /// Edges from outside the scope: (index in the graph's edges, item entered).
    entering: Vec<(usize, usize)>,
}

impl ScopeGraph {
    fn new(graph: &Graph, scope: Option<ClusterId>, blocks: &[Option<Scope>]) -> ScopeGraph {
        // Items, and which item each node of the graph is in (if it is in this scope at all).
        let mut items: Vec<Item> = graph.child_nodes(scope).map(Item::Node).collect();
        items.extend(graph.child_clusters(scope).map(Item::Block));
        let item_of: Vec<Option<usize>> = (0..graph.nodes.len())
            .map(|n| {
                let mut at = Item::Node(n);
                let mut cluster = graph.nodes[n].cluster;
                while cluster != scope {
                    let c = cluster?;
                    at = Item::Block(c);
                    cluster = graph.clusters[c].parent;
                }
                items.iter().position(|i| *i == at)
            })
            .collect();
        let block = |c: ClusterId| blocks[c].as_ref().expect("children are laid out first");
        let dims: Vec<(f64, f64, f64, f64)> = items
            .iter()
            .map(|&i| match i {
                Item::Node(n) => {
                    let (w, h) = node_size(graph, n);
                    (w, h, w / 2.0, w / 2.0)
                }
                Item::Block(c) => {
                    let b = block(c);
                    (b.w, b.h, b.in_x, b.out_x)
                }
            })
            .collect();

        let mut local: Vec<LocalEdge> = Vec::new();
        let mut entering: Vec<(usize, usize)> = Vec::new();
        for (e, edge) in graph.edges.iter().enumerate() {
            let label = edge.display_label().map(|l| label_size(&l));
            let (f, t) = (item_of[edge.from], item_of[edge.to]);
            let (from, to, to_exit) = match (f, t) {
                (Some(f), Some(t)) if f != t || edge.from == edge.to => (f, t, false),
                (Some(f), None) => (f, usize::MAX, true),
                (None, Some(t)) => {
                    entering.push((e, t));
                    continue;
                }
                _ => continue,
            };
            let label = if to_exit { None } else { label };
            let shared = local.iter_mut().find(|l| {
                label.is_none()
                    && l.label.is_none()
                    && l.from == from
                    && l.to == to
                    && l.to_exit == to_exit
            });
            match shared {
                Some(l) => l.edges.push(e),
                None => local.push(LocalEdge {
                    from,
                    to,
                    edges: vec![e],
                    label,
                    to_exit,
                }),
            }
        }
        ScopeGraph {
            items,
            dims,
            local,
            entering,
        }
    }
}

/// What an edge of the scope's own graph stands for.
#[derive(Debug, Clone)]
struct LocalEdge {
    from: usize,
    to: usize,
    /// The graph's edges drawn along it (unlabelled parallel edges share one route).
    edges: Vec<usize>,
    label: Option<(f64, f64)>,
    /// To the exit point rather than to an item.
    to_exit: bool,
}

/// Phase 1: each item's rank, and where the scope is entered and left.
#[derive(Debug, PartialEq)]
struct Ranking {
    /// The item edges from outside enter, or the Start marker.
    entry: Option<usize>,
    /// The local edges that close a loop, drawn upwards.
    back: Vec<usize>,
    /// Per item, twice its longest path from the entry: odd ranks are for labels.
    rank: Vec<usize>,
    /// The item edges to outside leave from directly, when it is alone on the last rank.
    direct_exit: Option<usize>,
}

impl Ranking {
    fn new(graph: &Graph, sg: &ScopeGraph) -> Ranking {
        let (items, local) = (&sg.items, &sg.local);
        let entry = sg.entering.first().map(|&(_, t)| t).or_else(|| {
            items
                .iter()
                .position(|i| matches!(i, Item::Node(n) if graph.nodes[*n].kind == NodeKind::Start))
        });
        let inner: Vec<usize> = (0..local.len()).filter(|&l| !local[l].to_exit).collect();
        let back = back_edges(items.len(), entry, &inner, local);
        let mut rank = longest_path(items.len(), &inner, local, &back);
        for r in &mut rank {
            *r *= 2;
        }
        let max_rank = rank.iter().copied().max().unwrap_or(0);

        // Where edges to outside leave: one item alone on the last rank leaves directly,
        // otherwise they are routed to an exit point below everything.
        let exits: Vec<usize> = local.iter().filter(|l| l.to_exit).map(|l| l.from).collect();
        let direct_exit = match exits.first() {
            Some(&s)
                if exits.iter().all(|&x| x == s)
                    && rank[s] == max_rank
                    && rank.iter().filter(|&&r| r == max_rank).count() == 1 =>
            {
                Some(s)
            }
            _ => None,
        };
        Ranking {
            entry,
            back,
            rank,
            direct_exit,
        }
    }

    /// Whether local edge `l`, along `chain`, goes up: it closes a loop or is one.
    fn goes_up(&self, l: usize, chain: &[usize]) -> bool {
        self.back.contains(&l) || chain[0] == chain[chain.len() - 1]
    }
}

/// The local edges that close a cycle, found by a depth-first search from the entry (then
/// from every item not reached), following edges in document order.
fn back_edges(n: usize, entry: Option<usize>, inner: &[usize], local: &[LocalEdge]) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut back = Vec::new();
    let roots = entry.into_iter().chain(0..n);
    for root in roots {
        if mark[root] != Mark::New {
            continue;
        }
        // (node, next outgoing edge to look at)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Open;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let out = inner
                .iter()
                .copied()
                .filter(|&l| local[l].from == v)
                .nth(*next);
            *next += 1;
            match out {
                Some(l) => {
                    let w = local[l].to;
                    match mark[w] {
                        Mark::New => {
                            mark[w] = Mark::Open;
                            stack.push((w, 0));
                        }
                        Mark::Open => back.push(l),
                        Mark::Done => {}
                    }
                }
                None => {
                    mark[v] = Mark::Done;
                    stack.pop();
                }
            }
        }
    }
    back
}

/// Each item's rank: the longest path to it, back edges turned round.
fn longest_path(n: usize, inner: &[usize], local: &[LocalEdge], back: &[usize]) -> Vec<usize> {
    let arcs: Vec<(usize, usize)> = inner
        .iter()
        .filter(|&&l| local[l].from != local[l].to)
        .map(|&l| {
            let (f, t) = (local[l].from, local[l].to);
            if back.contains(&l) { (t, f) } else { (f, t) }
        })
        .collect();
    let mut indegree = vec![0usize; n];
    for &(_, t) in &arcs {
        indegree[t] += 1;
    }
    let mut rank = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &(f, t) in &arcs {
            if f == v {
                rank[t] = rank[t].max(rank[v] + 1);
                indegree[t] -= 1;
                if indegree[t] == 0 {
                    ready.push(t);
                }
            }
        }
    }
    rank
}

/// A node of the layered graph: an item, the exit point, or a dummy on a long edge.
#[derive(Debug, Clone)]
struct Layered {
    rank: usize,
    w: f64,
    h: f64,
    /// Where edges attach, relative to the center, on the top and on the bottom.
    in_dx: f64,
    out_dx: f64,
    kind: LKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LKind {
    Item(usize),
    Exit,
    Dummy { labelled: bool },
}

/// Phase 2: the layered graph, in which every link joins two neighbouring ranks.
struct LayeredGraph {
    /// The items first (same indices), then the exit point if any, then the dummies.
    nodes: Vec<Layered>,
    /// The exit point edges to outside are routed to, unless they leave directly.
    exit_node: Option<usize>,
    max_rank: usize,
    /// Per local edge, the layered nodes its route passes, in route order.
    chains: Vec<Vec<usize>>,
    /// (upper, lower, weight), lower one rank below upper.
    links: Vec<(usize, usize, f64)>,
    /// A back edge's end dummies are pulled beside their item on the same rank.
    beside: Vec<(usize, usize)>,
    /// Per labelled local edge, the dummy holding its label, and the label's size.
    label_of: HashMap<usize, (usize, (f64, f64))>,
}

impl LayeredGraph {
    fn new(sg: &ScopeGraph, ranking: &Ranking) -> LayeredGraph {
        let (rank, back) = (&ranking.rank, &ranking.back);
        let mut nodes: Vec<Layered> = (0..sg.items.len())
            .map(|i| {
                let (w, h, in_x, out_x) = sg.dims[i];
                Layered {
                    rank: rank[i],
                    w,
                    h,
                    in_dx: in_x - w / 2.0,
                    out_dx: out_x - w / 2.0,
                    kind: LKind::Item(i),
                }
            })
            .collect();
        let has_exits = sg.local.iter().any(|l| l.to_exit);
        let exit_node = if has_exits && ranking.direct_exit.is_none() {
            nodes.push(Layered {
                rank: rank.iter().copied().max().unwrap_or(0) + 2,
                w: 0.0,
                h: 0.0,
                in_dx: 0.0,
                out_dx: 0.0,
                kind: LKind::Exit,
            });
            Some(nodes.len() - 1)
        } else {
            None
        };
        let max_rank = nodes.iter().map(|n| n.rank).max().unwrap_or(0);
        let mut chains: Vec<Vec<usize>> = Vec::new();
        let mut links: Vec<(usize, usize, f64)> = Vec::new();
        let mut beside: Vec<(usize, usize)> = Vec::new();
        let mut label_of: HashMap<usize, (usize, (f64, f64))> = HashMap::new();
        for (l, edge) in sg.local.iter().enumerate() {
            let from = edge.from;
            let to = if edge.to_exit {
                match exit_node {
                    Some(x) => x,
                    // Leaves directly from its item: no route inside this scope.
                    None => {
                        chains.push(vec![from]);
                        continue;
                    }
                }
            } else {
                edge.to
            };
            let (rf, rt) = (nodes[from].rank, nodes[to].rank);
            let mut chain = vec![from];
            if back.contains(&l) || from == to {
                // Up the side: dummies on every rank from the source's up to the target's.
                let label_rank = if rf > rt { rf - 1 } else { rf };
                for r in (rt..=rf).rev() {
                    let label = if r == label_rank { edge.label } else { None };
                    let d = push_dummy(&mut nodes, r, label);
                    if let Some(label) = label {
                        label_of.insert(l, (d, label));
                    }
                    chain.push(d);
                }
                let (first, last) = (chain[1], chain[chain.len() - 1]);
                beside.push((first, from));
                beside.push((last, to));
                for pair in chain[1..].windows(2) {
                    let w = link_weight(&nodes, pair[0], pair[1], false);
                    links.push((pair[1], pair[0], w));
                }
                chain.push(to);
            } else {
                for r in rf + 1..rt {
                    let label = if r == rf + 1 { edge.label } else { None };
                    let d = push_dummy(&mut nodes, r, label);
                    if let Some(label) = label {
                        label_of.insert(l, (d, label));
                    }
                    chain.push(d);
                }
                chain.push(to);
                let short = chain.len() == 3;
                for pair in chain.windows(2) {
                    let w = link_weight(&nodes, pair[0], pair[1], short);
                    links.push((pair[0], pair[1], w));
                }
            }
            chains.push(chain);
        }
        LayeredGraph {
            nodes,
            exit_node,
            max_rank,
            chains,
            links,
            beside,
            label_of,
        }
    }
}

/// Adds a dummy on `rank`. A labelled dummy holds its label beside the edge, on the right,
/// so that the edge itself can run straight.
fn push_dummy(nodes: &mut Vec<Layered>, rank: usize, label: Option<(f64, f64)>) -> usize {
    let (w, h) = label.map_or((2.0, 0.0), |(w, h)| (w + LABEL_OFFSET, h));
    let line = if label.is_some() { -w / 2.0 } else { 0.0 };
    nodes.push(Layered {
        rank,
        w,
        h,
        in_dx: line,
        out_dx: line,
        kind: LKind::Dummy {
            labelled: label.is_some(),
        },
    });
    nodes.len() - 1
}

/// How hard a link pulls its two ends into line. A long edge's lane should run straight
/// (dummy to dummy) but may turn where it meets a state; a short edge, from one state to the
/// next, should run straight, which keeps the main path a column.
fn link_weight(nodes: &[Layered], a: usize, b: usize, short: bool) -> f64 {
    match (nodes[a].kind, nodes[b].kind) {
        (LKind::Dummy { .. }, LKind::Dummy { .. }) => 8.0,
        (LKind::Dummy { .. }, _) | (_, LKind::Dummy { .. }) if short => 10.0,
        (LKind::Dummy { .. }, _) | (_, LKind::Dummy { .. }) => 1.0,
        _ => 1.0,
    }
}

impl LayeredGraph {
    /// Phase 3: the layered nodes of each rank, left to right.
    fn order(&self, entry: Option<usize>) -> Vec<Vec<usize>> {
        let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); self.max_rank + 1];
        for n in initial_order(&self.nodes, &self.links, entry) {
            ranks[self.nodes[n].rank].push(n);
        }
        order(&mut ranks, &self.nodes, &self.links, &self.beside);
        ranks
    }
}

/// A first order: depth-first from the entry along the links, so that a path's nodes line
/// up and siblings come in document order.
fn initial_order(
    nodes: &[Layered],
    links: &[(usize, usize, f64)],
    entry: Option<usize>,
) -> Vec<usize> {
    let mut seen = vec![false; nodes.len()];
    let mut out = Vec::with_capacity(nodes.len());
    let mut roots: Vec<usize> = entry.into_iter().collect();
    roots.extend(0..nodes.len());
    for root in roots {
        if seen[root] {
            continue;
        }
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            out.push(v);
            // Pushed in reverse so that the first link is visited first.
            for &(_, lower, _) in links.iter().rev().filter(|l| l.0 == v) {
                if !seen[lower] {
                    stack.push(lower);
                }
            }
        }
    }
    out
}

/// Reorders each rank by the barycenter of its neighbours, sweeping down and up, and keeps
/// the order with the fewest crossings.
fn order(
    ranks: &mut [Vec<usize>],
    nodes: &[Layered],
    links: &[(usize, usize, f64)],
    beside: &[(usize, usize)],
) {
    const SWEEPS: usize = 12;
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for &(u, l, _) in links {
        up[l].push(u);
        down[u].push(l);
    }
    let mut partner: Vec<Option<usize>> = vec![None; nodes.len()];
    for &(d, item) in beside {
        partner[d] = Some(item);
    }
    let mut best = ranks.to_vec();
    let mut best_crossings = crossings(ranks, nodes, links);
    let mut pos = vec![0.0; nodes.len()];
    for rank in ranks.iter() {
        for (i, &n) in rank.iter().enumerate() {
            pos[n] = i as f64;
        }
    }
    for sweep in 0..SWEEPS {
        let downwards = sweep % 2 == 0;
        let order: Vec<usize> = if downwards {
            (1..ranks.len()).collect()
        } else {
            (0..ranks.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let mut keyed: Vec<(f64, usize)> = ranks[r]
                .iter()
                .map(|&n| {
                    let neighbours = if downwards { &up[n] } else { &down[n] };
                    let key = if neighbours.is_empty() {
                        // A back edge's end stays beside its item; anything else stays put.
                        partner[n].map_or(pos[n], |item| pos[item] + 0.5)
                    } else {
                        neighbours.iter().map(|&m| pos[m]).sum::<f64>() / neighbours.len() as f64
                    };
                    (key, n)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            ranks[r] = keyed.into_iter().map(|(_, n)| n).collect();
            for (i, &n) in ranks[r].iter().enumerate() {
                pos[n] = i as f64;
            }
        }
        let c = crossings(ranks, nodes, links);
        if c < best_crossings {
            best_crossings = c;
            best = ranks.to_vec();
        }
    }
    ranks.clone_from_slice(&best);
}

/// How many pairs of links cross.
fn crossings(ranks: &[Vec<usize>], nodes: &[Layered], links: &[(usize, usize, f64)]) -> usize {
    let mut pos = vec![0usize; nodes.len()];
    for rank in ranks {
        for (i, &n) in rank.iter().enumerate() {
            pos[n] = i;
        }
    }
    // Only links between the same two ranks can cross.
    let mut by_rank: Vec<Vec<(usize, usize)>> = vec![Vec::new(); ranks.len()];
    for &(u, l, _) in links {
        by_rank[nodes[u].rank].push((pos[u], pos[l]));
    }
    let mut count = 0;
    for between in &mut by_rank {
        between.sort_unstable();
        for (i, a) in between.iter().enumerate() {
            count += between[i + 1..]
                .iter()
                .filter(|b| a.0 < b.0 && a.1 > b.1)
                .count();
        }
    }
    count
}

impl LayeredGraph {
    /// Phase 4: the horizontal center of every layered node.
    fn coordinates(&self, ranks: &[Vec<usize>]) -> Vec<f64> {
        // A long edge's lane: the dummies between its two ends.
        let lanes: Vec<Vec<usize>> = self
            .chains
            .iter()
            .filter(|c| c.len() > 2)
            .map(|c| c[1..c.len() - 1].to_vec())
            .collect();
        coordinates(ranks, &self.nodes, &self.links, &self.beside, &lanes)
    }
}

/// The horizontal center of every layered node.
fn coordinates(
    ranks: &[Vec<usize>],
    nodes: &[Layered],
    links: &[(usize, usize, f64)],
    beside: &[(usize, usize)],
    lanes: &[Vec<usize>],
) -> Vec<f64> {
    const ITERATIONS: usize = 24;
    const DOWNWARD_PASSES: usize = 2;
    let sep = |a: usize, b: usize| {
        let gap = match (nodes[a].kind, nodes[b].kind) {
            (LKind::Dummy { labelled: false }, LKind::Dummy { labelled: false }) => LANES_SEP,
            (LKind::Dummy { .. }, _) | (_, LKind::Dummy { .. }) => LANE_SEP,
            _ => NODE_SEP,
        };
        (nodes[a].w + nodes[b].w) / 2.0 + gap
    };
    // Packed from the left, then each rank centered on the widest.
    let mut x = vec![0.0; nodes.len()];
    let mut widths = Vec::new();
    for rank in ranks {
        let mut at = 0.0;
        for (i, &n) in rank.iter().enumerate() {
            if i > 0 {
                at += sep(rank[i - 1], n);
            }
            x[n] = at;
        }
        widths.push(at);
    }
    let widest = widths.iter().copied().fold(0.0, f64::max);
    for (rank, w) in ranks.iter().zip(&widths) {
        for &n in rank {
            x[n] += (widest - w) / 2.0;
        }
    }

    let mut up: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nodes.len()];
    let mut down: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nodes.len()];
    for &(u, l, w) in links {
        up[l].push((u, w));
        down[u].push((l, w));
    }
    for iteration in 0..ITERATIONS {
        // Down, up, then both ways for the last few.
        // Alternating down, up and both ways finds where things go; the last passes go top
        // down only, each node under its upper neighbours, which straightens what the
        // compromises left crooked.
        let last_passes = iteration + DOWNWARD_PASSES >= ITERATIONS;
        let (use_up, use_down) = match iteration % 3 {
            _ if last_passes => (true, false),
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let order: Vec<usize> = if last_passes || iteration % 2 == 0 {
            (0..ranks.len()).collect()
        } else {
            (0..ranks.len()).rev().collect()
        };
        for r in order {
            let rank = &ranks[r];
            if rank.is_empty() {
                continue;
            }
            let wanted: Vec<Vec<(f64, f64)>> = rank
                .iter()
                .map(|&n| {
                    let mut wanted: Vec<(f64, f64)> = Vec::new();
                    if use_up {
                        // Line up the upper node's bottom contact with this one's top contact.
                        wanted.extend(
                            up[n]
                                .iter()
                                .map(|&(u, w)| (x[u] + nodes[u].out_dx - nodes[n].in_dx, w)),
                        );
                    }
                    if use_down || up[n].is_empty() {
                        wanted.extend(
                            down[n]
                                .iter()
                                .map(|&(l, w)| (x[l] + nodes[l].in_dx - nodes[n].out_dx, w)),
                        );
                    }
                    for &(d, item) in beside {
                        if d == n {
                            let side = if x[n] >= x[item] { 1.0 } else { -1.0 };
                            wanted.push((x[item] + side * (nodes[item].w / 2.0 + LANE_SEP), 2.0));
                        }
                    }
                    if wanted.is_empty() {
                        wanted.push((x[n], 1e-3));
                    }
                    wanted
                })
                .collect();
            let seps: Vec<f64> = rank.windows(2).map(|p| sep(p[0], p[1])).collect();
            for (&n, v) in rank.iter().zip(place(wanted, &seps)) {
                x[n] = v;
            }
        }
    }
    straighten(lanes, ranks, nodes, &mut x, sep);
    x
}

/// Makes each long edge's lane one straight line where there is room: the passes above
/// favour short edges, so a lane may have been pushed aside by a wide state on one rank.
fn straighten(
    lanes: &[Vec<usize>],
    ranks: &[Vec<usize>],
    nodes: &[Layered],
    x: &mut [f64],
    sep: impl Fn(usize, usize) -> f64,
) {
    let mut neighbours = vec![(None, None); nodes.len()];
    for rank in ranks {
        for (i, &n) in rank.iter().enumerate() {
            let left = i.checked_sub(1).map(|j| rank[j]);
            neighbours[n] = (left, rank.get(i + 1).copied());
        }
    }
    for lane in lanes.iter().filter(|l| l.len() >= 2) {
        // Where the edge runs, rather than where each dummy's center (its label's) is.
        let line = |x: &[f64], d: usize| x[d] + nodes[d].in_dx;
        let lines: Vec<f64> = lane.iter().map(|&d| line(x, d)).collect();
        let most = lines.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let least = lines.iter().copied().fold(f64::INFINITY, f64::min);
        for at in [most, least] {
            let fits = lane.iter().all(|&d| {
                let centre = at - nodes[d].in_dx;
                let (left, right) = neighbours[d];
                left.is_none_or(|l| centre - x[l] >= sep(l, d) - 1e-6)
                    && right.is_none_or(|r| x[r] - centre >= sep(d, r) - 1e-6)
            });
            if fits {
                for &d in lane {
                    x[d] = at - nodes[d].in_dx;
                }
                break;
            }
        }
    }
}

/// Positions minimizing Σᵢ Σⱼ wᵢⱼ |xᵢ − dᵢⱼ| (each node's wanted positions, weighted)
/// subject to xᵢ₊₁ − xᵢ ≥ sᵢ.
///
/// The absolute distance, unlike the squared one, is smallest when a node lines up exactly
/// with one neighbour rather than halfway between several, which is what keeps paths
/// straight. With yᵢ = xᵢ − Σⱼ<ᵢ sⱼ the constraint is yᵢ₊₁ ≥ yᵢ, an isotonic regression
/// under the L1 norm, which pool-adjacent-violators solves with weighted medians.
fn place(wanted: Vec<Vec<(f64, f64)>>, seps: &[f64]) -> Vec<f64> {
    let n = wanted.len();
    let mut offset = vec![0.0; n];
    for i in 1..n {
        offset[i] = offset[i - 1] + seps[i - 1];
    }
    /// Consecutive nodes placed together.
    struct Pool {
        start: usize,
        end: usize,
        /// Every member's wanted (position − offset, weight).
        targets: Vec<(f64, f64)>,
        /// Their weighted median.
        value: f64,
    }
    let mut pools: Vec<Pool> = Vec::new();
    for (i, targets) in wanted.into_iter().enumerate() {
        let targets: Vec<(f64, f64)> = targets
            .into_iter()
            .map(|(d, w)| (d - offset[i], w))
            .collect();
        let value = weighted_median(&targets);
        pools.push(Pool {
            start: i,
            end: i + 1,
            targets,
            value,
        });
        while pools.len() >= 2 && pools[pools.len() - 2].value > pools[pools.len() - 1].value {
            let Some(last) = pools.pop() else { break };
            if let Some(prev) = pools.last_mut() {
                prev.end = last.end;
                prev.targets.extend(last.targets);
                prev.value = weighted_median(&prev.targets);
            }
        }
    }
    let mut x = vec![0.0; n];
    for pool in pools {
        for i in pool.start..pool.end {
            x[i] = pool.value + offset[i];
        }
    }
    x
}

/// The weighted (upper) median.
///
/// When the weight splits evenly, the upper of the two middle values: in a pool that is the
/// leftmost node's wish, so of two edges leaving one point the first runs straight and the
/// second steps aside, instead of both bending halfway.
fn weighted_median(values: &[(f64, f64)]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|v| v.1).sum();
    let mut below = 0.0;
    for &(v, w) in &sorted {
        below += w;
        if below > total / 2.0 + 1e-9 {
            return v;
        }
    }
    sorted.last().map_or(0.0, |v| v.0)
}

/// The ranks that take room: the even ranks, and the odd ranks that hold a label.
struct Rows {
    /// Per rank, its row, if it is one.
    row_of: Vec<Option<usize>>,
    /// Per row, whether it holds labels (an odd rank) rather than states.
    label_row: Vec<bool>,
    /// Per row, its height: its tallest node's.
    band: Vec<f64>,
}

impl Rows {
    fn new(ranks: &[Vec<usize>], nodes: &[Layered]) -> Rows {
        let is_row: Vec<bool> = (0..ranks.len())
            .map(|r| {
                r % 2 == 0
                    || ranks[r]
                        .iter()
                        .any(|&n| matches!(nodes[n].kind, LKind::Dummy { labelled: true }))
            })
            .collect();
        let row_of: Vec<Option<usize>> = {
            let mut next = 0;
            is_row
                .iter()
                .map(|&row| {
                    row.then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        let label_row: Vec<bool> = (0..ranks.len())
            .filter(|&r| is_row[r])
            .map(|r| r % 2 == 1)
            .collect();
        let band: Vec<f64> = (0..ranks.len())
            .filter(|&r| is_row[r])
            .map(|r| ranks[r].iter().map(|&n| nodes[n].h).fold(0.0, f64::max))
            .collect();
        Rows {
            row_of,
            label_row,
            band,
        }
    }

    fn count(&self) -> usize {
        self.band.len()
    }
}

/// A stretch of horizontal route in one gap between rows.
#[derive(Debug, Clone)]
struct Turn {
    gap: usize,
    from_x: f64,
    to_x: f64,
    /// Turns leaving the same point, or reaching the same point, may share a track.
    from_key: (usize, i64),
    to_key: (usize, i64),
    track: usize,
}

/// Phase 5, first half: where each route turns between rows, on which track.
struct Turns {
    turns: Vec<Turn>,
    /// Per chain, the stations its route passes on rows: (layered node, x, row).
    stations: Vec<Vec<(usize, f64, usize)>>,
    /// Per chain and pair of consecutive stations, the turn between them, if any.
    turn_of: Vec<Vec<Option<usize>>>,
    /// Per gap (gap k is above row k), how many tracks it needs.
    tracks: Vec<usize>,
}

impl Turns {
    fn new(layered: &LayeredGraph, back: &[usize], x: &[f64], rows: &Rows) -> Turns {
        let nodes = &layered.nodes;
        let mut turns: Vec<Turn> = Vec::new();
        let mut stations: Vec<Vec<(usize, f64, usize)>> = Vec::new();
        let mut turn_of: Vec<Vec<Option<usize>>> = Vec::new();
        for (l, chain) in layered.chains.iter().enumerate() {
            let mut st: Vec<(usize, f64, usize)> = Vec::new();
            if chain.len() < 2 {
                stations.push(st);
                turn_of.push(Vec::new());
                continue;
            }
            let last = chain.len() - 1;
            for (i, &n) in chain.iter().enumerate() {
                let Some(row) = rows.row_of[nodes[n].rank] else {
                    continue;
                };
                // Out of the source's bottom, into the target's top, along a dummy's line.
                let cx = if i == 0 {
                    x[n] + nodes[n].out_dx
                } else {
                    x[n] + nodes[n].in_dx
                };
                st.push((n, cx, row));
            }
            let back_edge = back.contains(&l) || chain[0] == chain[last];
            let mut chain_turns = Vec::new();
            for (i, pair) in st.windows(2).enumerate() {
                let (a, b) = (pair[0], pair[1]);
                // Which gap the turn is in: below a's row going down, above it going up; a
                // back edge starts downwards from its source and ends downwards into its
                // target, both in the gap next to them.
                let gap = if !back_edge || i == 0 { a.2 + 1 } else { a.2 };
                if (a.1 - b.1).abs() > 0.5 {
                    // The very points it leaves and reaches, to the 1/64 px.
                    let from_key = (a.0, (a.1 * 64.0).round() as i64);
                    let to_key = (b.0, (b.1 * 64.0).round() as i64);
                    chain_turns.push(Some(turns.len()));
                    turns.push(Turn {
                        gap,
                        from_x: a.1,
                        to_x: b.1,
                        from_key,
                        to_key,
                        track: 0,
                    });
                } else {
                    chain_turns.push(None);
                }
            }
            stations.push(st);
            turn_of.push(chain_turns);
        }
        let tracks = assign_tracks(&mut turns, rows.count() + 1);
        Turns {
            turns,
            stations,
            turn_of,
            tracks,
        }
    }
}

/// Gives each turn a track in its gap: turns whose horizontal stretches overlap get
/// different tracks, unless they leave from or arrive at the same point (then they are one
/// line branching). Returns the number of tracks per gap.
fn assign_tracks(turns: &mut [Turn], gaps: usize) -> Vec<usize> {
    const CLEARANCE: f64 = 6.0;
    let mut count = vec![0usize; gaps];
    let mut by_order: Vec<usize> = (0..turns.len()).collect();
    by_order.sort_by(|&a, &b| {
        let ka = turns[a].from_x.min(turns[a].to_x);
        let kb = turns[b].from_x.min(turns[b].to_x);
        ka.total_cmp(&kb)
    });
    let mut placed: Vec<usize> = Vec::new();
    for t in by_order {
        let (lo, hi) = (
            turns[t].from_x.min(turns[t].to_x),
            turns[t].from_x.max(turns[t].to_x),
        );
        let mut track = 0;
        loop {
            let clash = placed.iter().any(|&o| {
                let other = &turns[o];
                if other.gap != turns[t].gap || other.track != track {
                    return false;
                }
                if other.from_key == turns[t].from_key || other.to_key == turns[t].to_key {
                    return false;
                }
                let (olo, ohi) = (other.from_x.min(other.to_x), other.from_x.max(other.to_x));
                lo < ohi + CLEARANCE && olo < hi + CLEARANCE
            });
            if !clash {
                break;
            }
            track += 1;
        }
        turns[t].track = track;
        count[turns[t].gap] = count[turns[t].gap].max(track + 1);
        placed.push(t);
    }
    count
}

/// The vertical positions: gaps between rows (tall enough for their tracks) and rows.
struct Vertical {
    gap_top: Vec<f64>,
    gap_height: Vec<f64>,
    tracks: Vec<usize>,
    row_top: Vec<f64>,
    /// The whole scope's, with its padding.
    height: f64,
}

impl Vertical {
    fn new(rows: &Rows, tracks: &[usize], top: f64, pad: f64) -> Vertical {
        let n = rows.count();
        // Gap k is above row k; gap `n` is below the last row.
        let gap_height: Vec<f64> = (0..=n)
            .map(|g| {
                let needed = if tracks[g] == 0 {
                    0.0
                } else {
                    (tracks[g] + 1) as f64 * TRACK
                };
                let least = if g == 0 || g == n {
                    0.0
                } else if rows.label_row[g - 1] || rows.label_row[g] {
                    LABEL_GAP
                } else {
                    ROW_GAP
                };
                needed.max(least)
            })
            .collect();
        let mut gap_top = vec![0.0; n + 1];
        let mut row_top = vec![0.0; n];
        let mut y = top;
        for g in 0..=n {
            gap_top[g] = y;
            y += gap_height[g];
            if g < n {
                row_top[g] = y;
                y += rows.band[g];
            }
        }
        Vertical {
            gap_top,
            gap_height,
            tracks: tracks.to_vec(),
            row_top,
            height: y + pad,
        }
    }

    /// The height a turn runs at: its gap's tracks evenly spaced.
    fn track_y(&self, t: &Turn) -> f64 {
        self.gap_top[t.gap]
            + (t.track + 1) as f64 * self.gap_height[t.gap] / (self.tracks[t.gap] + 1) as f64
    }
}

/// The leftmost and rightmost x of the rows' nodes and of the turns.
fn horizontal_extent(
    ranks: &[Vec<usize>],
    rows: &Rows,
    nodes: &[Layered],
    x: &[f64],
    turns: &[Turn],
) -> (f64, f64) {
    let mut left = f64::INFINITY;
    let mut right = f64::NEG_INFINITY;
    for (r, rank) in ranks.iter().enumerate() {
        if rows.row_of[r].is_none() {
            continue;
        }
        for &n in rank {
            left = left.min(x[n] - nodes[n].w / 2.0);
            right = right.max(x[n] + nodes[n].w / 2.0);
        }
    }
    for t in turns {
        left = left.min(t.from_x.min(t.to_x));
        right = right.max(t.from_x.max(t.to_x));
    }
    if !left.is_finite() {
        (left, right) = (0.0, 0.0);
    }
    (left, right)
}

/// A cluster's title, if it shows one (a Parallel's branches do).
fn title(graph: &Graph, scope: Option<ClusterId>) -> Option<String> {
    scope.and_then(|c| {
        (graph.clusters[c].kind == ClusterKind::Branch).then(|| graph.clusters[c].label.clone())
    })
}

/// Where the layered nodes end up, in the scope's own coordinates.
struct Frame<'a> {
    nodes: &'a [Layered],
    /// Centers, before the shift by `dx`.
    x: &'a [f64],
    /// The shift that puts the leftmost thing at the padding.
    dx: f64,
    rows: &'a Rows,
    vertical: &'a Vertical,
}

impl Frame<'_> {
    /// Where edges leave `n`'s bottom, before the shift.
    fn contact_below(&self, n: usize) -> f64 {
        self.x[n] + self.nodes[n].out_dx
    }

    /// Where edges reach `n`'s top, before the shift.
    fn contact_above(&self, n: usize) -> f64 {
        self.x[n] + self.nodes[n].in_dx
    }

    /// Top-aligned in the row: beside a tall cluster, a state sits by the cluster's top,
    /// near the edges that reach it.
    fn center_y(&self, n: usize) -> f64 {
        let row = self.rows.row_of[self.nodes[n].rank].unwrap_or(0);
        self.vertical.row_top[row] + self.nodes[n].h / 2.0
    }

    fn top_of(&self, n: usize) -> f64 {
        self.center_y(n) - self.nodes[n].h / 2.0
    }

    fn bottom_of(&self, n: usize) -> f64 {
        self.center_y(n) + self.nodes[n].h / 2.0
    }

    /// The boxes of the scope's nodes and the corners of its clusters.
    fn place_items(&self, sg: &ScopeGraph, out: &mut Scope) {
        for (i, item) in sg.items.iter().enumerate() {
            let (w, h, ..) = sg.dims[i];
            let at = Point::new(self.x[i] + self.dx - w / 2.0, self.center_y(i) - h / 2.0);
            match *item {
                Item::Node(n) => {
                    out.nodes.insert(
                        n,
                        Rect {
                            x: at.x,
                            y: at.y,
                            w,
                            h,
                        },
                    );
                }
                Item::Block(c) => {
                    out.children.insert(c, at);
                }
            }
        }
    }

    /// Phase 5, second half: each local edge's polyline through its stations and turns,
    /// and its label box.
    fn draw_routes(
        &self,
        sg: &ScopeGraph,
        ranking: &Ranking,
        layered: &LayeredGraph,
        turns: &Turns,
        out: &mut Scope,
    ) {
        let (dx, row_top, band) = (self.dx, &self.vertical.row_top, &self.rows.band);
        let height = self.vertical.height;
        for (l, st) in turns.stations.iter().enumerate() {
            let edge = &sg.local[l];
            let chain = &layered.chains[l];
            let mut points: Vec<Point> = Vec::new();
            if st.is_empty() {
                // Leaves directly from its item, straight down to the exit.
                let n = chain[0];
                points.push(Point::new(self.contact_below(n) + dx, self.bottom_of(n)));
                points.push(Point::new(self.contact_below(n) + dx, height));
            } else {
                let last = st.len() - 1;
                let back_edge = ranking.goes_up(l, chain);
                let (n0, x0, _) = st[0];
                points.push(Point::new(x0 + dx, self.bottom_of(n0)));
                for (i, &(n, mut xn, row)) in st.iter().enumerate().skip(1) {
                    let previous = points.last().copied().unwrap_or(Point::new(0.0, 0.0));
                    match turns.turn_of[l][i - 1] {
                        Some(t) => {
                            let ty = self.vertical.track_y(&turns.turns[t]);
                            points.push(Point::new(previous.x, ty));
                            points.push(Point::new(xn + dx, ty));
                        }
                        // Less than half a pixel off: straight on, still within the target.
                        None => xn = previous.x - dx,
                    }
                    let going_up = back_edge && i < last;
                    let (row_enter, row_leave) = if i == last {
                        (self.top_of(n), self.top_of(n))
                    } else if going_up {
                        (row_top[row] + band[row], row_top[row])
                    } else {
                        (row_top[row], row_top[row] + band[row])
                    };
                    points.push(Point::new(xn + dx, row_enter));
                    points.push(Point::new(xn + dx, row_leave));
                }
                if edge.to_exit {
                    let end = points.last().copied().unwrap_or(Point::new(0.0, 0.0));
                    points.push(Point::new(end.x, height));
                }
            }
            let points = simplify(points);
            let label = layered.label_of.get(&l).map(|&(d, (w, h))| Rect {
                x: self.x[d] + self.nodes[d].in_dx + dx + LABEL_OFFSET,
                y: self.center_y(d) - h / 2.0,
                w,
                h,
            });
            for &e in &edge.edges {
                if edge.to_exit {
                    out.outs.insert(e, points.clone());
                } else {
                    out.routes.insert(e, (points.clone(), label));
                }
            }
        }
    }

    /// Where edges from outside come in on the top, and edges to outside go out at the
    /// bottom, and the routes of those coming in.
    fn attach_outside(
        &self,
        sg: &ScopeGraph,
        ranking: &Ranking,
        layered: &LayeredGraph,
        width: f64,
        out: &mut Scope,
    ) {
        let dx = self.dx;
        for &(e, t) in &sg.entering {
            let target = Point::new(self.contact_above(t) + dx, self.top_of(t));
            out.ins.insert(e, vec![Point::new(target.x, 0.0), target]);
        }
        out.in_x = ranking
            .entry
            .map_or(width / 2.0, |i| self.contact_above(i) + dx);
        out.out_x = match (layered.exit_node, ranking.direct_exit) {
            (Some(x_node), _) => self.x[x_node] + dx,
            (None, Some(s)) => self.contact_below(s) + dx,
            _ => width / 2.0,
        };
        out.w = width;
        out.h = self.vertical.height;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StateMachine;
    use crate::graph::model::EdgeKind;
    use serde_json::json;

    fn machine(text: &str) -> StateMachine {
        StateMachine::from_json_str(text).expect("valid test machine")
    }

    /// Every test machine: the two fixtures, and small ones for loops.
    fn machines() -> Vec<(&'static str, StateMachine)> {
        let looping = json!({ "StartAt": "Poll", "States": {
            "Poll": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:poll",
                      "Catch": [ { "ErrorEquals": ["States.ALL"], "Next": "Poll" } ], "Next": "Ready" },
            "Ready": { "Type": "Choice", "Choices": [
                { "Variable": "$.done", "BooleanEquals": true, "Next": "Done" },
                { "Variable": "$.again", "BooleanEquals": true, "Next": "Ready" } ],
                "Default": "Pause" },
            "Pause": { "Type": "Wait", "Seconds": 5, "Next": "Poll" },
            "Done": { "Type": "Succeed" } } });
        let map_in_map = json!({ "StartAt": "Outer", "States": {
            "Outer": { "Type": "Map", "End": true, "ItemProcessor": { "StartAt": "Inner", "States": {
                "Inner": { "Type": "Map", "Next": "After", "ItemProcessor": { "StartAt": "Leaf", "States": {
                    "Leaf": { "Type": "Pass", "End": true } } } },
                "After": { "Type": "Pass", "End": true } } } } } });
        let loop_to_branch_start = json!({ "StartAt": "P", "States": {
            "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "A", "States": {
                    "A": { "Type": "Pass", "Next": "B" },
                    "B": { "Type": "Choice", "Choices": [
                        { "Variable": "$.n", "NumericLessThan": 3, "Next": "A" } ], "Default": "C" },
                    "C": { "Type": "Succeed" } } },
                { "StartAt": "D", "States": { "D": { "Type": "Fail" } } } ] } } });
        vec![
            (
                "onboarding",
                machine(include_str!("fixtures/onboarding.asl.json")),
            ),
            ("nested", machine(include_str!("fixtures/nested.asl.json"))),
            ("looping", machine(&looping.to_string())),
            ("map_in_map", machine(&map_in_map.to_string())),
            (
                "loop_to_branch_start",
                machine(&loop_to_branch_start.to_string()),
            ),
        ]
    }

    /// The graphs to check: each machine without history and, for the fixtures, with it.
    fn graphs() -> Vec<(String, Graph)> {
        let mut out = Vec::new();
        for (name, m) in machines() {
            out.push((name.to_owned(), Graph::new(&m)));
        }
        for (name, h) in [
            (
                "onboarding",
                include_str!("fixtures/onboarding.history.json"),
            ),
            ("nested", include_str!("fixtures/nested.history.json")),
        ] {
            let (_, m) = machines().into_iter().find(|(n, _)| *n == name).unwrap();
            let mut g = Graph::new(&m);
            let h: serde_json::Value = serde_json::from_str(h).unwrap();
            let events = h["events"].as_array().unwrap();
            g.apply_history(events.iter().filter_map(crate::graph::Event::from_json));
            out.push((format!("{name} with history"), g));
        }
        out
    }

    #[test]
    fn node_boxes_do_not_overlap() {
        for (name, g) in graphs() {
            let l = layout(&g);
            for a in 0..g.nodes.len() {
                for b in a + 1..g.nodes.len() {
                    assert!(
                        !l.nodes[a].overlaps(&l.nodes[b]),
                        "{name}: {} {:?} overlaps {} {:?}",
                        g.nodes[a].id,
                        l.nodes[a],
                        g.nodes[b].id,
                        l.nodes[b]
                    );
                }
            }
        }
    }

    #[test]
    fn labels_overlap_no_node_and_no_other_label() {
        for (name, g) in graphs() {
            let l = layout(&g);
            let labels: Vec<(usize, Rect)> = l
                .edges
                .iter()
                .enumerate()
                .filter_map(|(e, r)| r.label.map(|r| (e, r)))
                .collect();
            for &(e, r) in &labels {
                for (n, node) in l.nodes.iter().enumerate() {
                    assert!(
                        !r.overlaps(node),
                        "{name}: label of edge {e} overlaps {}",
                        g.nodes[n].id
                    );
                }
                for &(f, s) in &labels {
                    assert!(
                        e == f || !r.overlaps(&s),
                        "{name}: labels of edges {e} and {f} overlap"
                    );
                }
            }
            // Every labelled edge got a place for its label.
            for (e, edge) in g.edges.iter().enumerate() {
                assert_eq!(
                    edge.display_label().is_some(),
                    l.edges[e].label.is_some(),
                    "{name}: edge {e}"
                );
            }
        }
    }

    #[test]
    fn every_edge_runs_from_its_source_to_its_target() {
        for (name, g) in graphs() {
            let l = layout(&g);
            for (e, edge) in g.edges.iter().enumerate() {
                let points = &l.edges[e].points;
                let what = format!(
                    "{name}: {} -> {}",
                    g.nodes[edge.from].id, g.nodes[edge.to].id
                );
                assert!(points.len() >= 2, "{what}: {points:?}");
                let (first, last) = (points[0], points[points.len() - 1]);
                assert!(
                    l.nodes[edge.from].on_border(first),
                    "{what}: starts at {first:?}, not on {:?}",
                    l.nodes[edge.from]
                );
                assert!(
                    l.nodes[edge.to].on_border(last),
                    "{what}: ends at {last:?}, not on {:?}",
                    l.nodes[edge.to]
                );
                // Arrows come in from above, into the top of their target.
                assert!(
                    (last.y - l.nodes[edge.to].y).abs() < 1e-6,
                    "{what}: enters {last:?}"
                );
                for pair in points.windows(2) {
                    let straight = (pair[0].x - pair[1].x).abs() < 1e-6
                        || (pair[0].y - pair[1].y).abs() < 1e-6;
                    assert!(straight, "{what}: a slanted segment {pair:?}");
                }
                if let Some(label) = l.edges[e].label {
                    // The label sits beside a vertical stretch of its own route.
                    let beside = points.windows(2).any(|p| {
                        (p[0].x - p[1].x).abs() < 1e-6
                            && (p[0].x - (label.x - LABEL_OFFSET)).abs() < 0.5
                            && p[0].y.min(p[1].y) <= label.y + 1e-6
                            && p[0].y.max(p[1].y) >= label.bottom() - 1e-6
                    });
                    assert!(beside, "{what}: label {label:?} is not beside {points:?}");
                }
            }
        }
    }

    #[test]
    fn clusters_contain_their_content_and_do_not_overlap() {
        for (name, g) in graphs() {
            let l = layout(&g);
            for (n, node) in g.nodes.iter().enumerate() {
                for c in g.ancestors(n) {
                    assert!(
                        l.clusters[c].contains(&l.nodes[n]),
                        "{name}: {} outside {}",
                        node.id,
                        g.clusters[c].id
                    );
                }
                if node.cluster.is_none() {
                    for (c, cluster) in g.clusters.iter().enumerate() {
                        assert!(
                            !l.clusters[c].overlaps(&l.nodes[n]),
                            "{name}: {} inside {}",
                            node.id,
                            cluster.id
                        );
                    }
                }
            }
            for (c, cluster) in g.clusters.iter().enumerate() {
                if let Some(p) = cluster.parent {
                    assert!(
                        l.clusters[p].contains(&l.clusters[c]),
                        "{name}: {} outside its parent",
                        cluster.id
                    );
                }
                for (d, other) in g.clusters.iter().enumerate().skip(c + 1) {
                    if other.parent == cluster.parent {
                        assert!(
                            !l.clusters[c].overlaps(&l.clusters[d]),
                            "{name}: {} overlaps {}",
                            cluster.id,
                            other.id
                        );
                    }
                }
                // Nodes of other scopes stay out of a cluster.
                for (n, node) in g.nodes.iter().enumerate() {
                    if !g.ancestors(n).contains(&c) {
                        assert!(
                            !l.clusters[c].overlaps(&l.nodes[n]),
                            "{name}: {} inside {}",
                            node.id,
                            cluster.id
                        );
                    }
                }
            }
            // Everything is on the picture.
            let picture = Rect {
                x: 0.0,
                y: 0.0,
                w: l.width,
                h: l.height,
            };
            assert!(
                l.nodes
                    .iter()
                    .chain(&l.clusters)
                    .all(|r| picture.contains(r)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_onboarding_flow_is_one_straight_column_with_the_defaults_beside_it() {
        let g = Graph::new(&machines()[0].1);
        let l = layout(&g);
        let x_of = |id: &str| l.nodes[g.nodes.iter().position(|n| n.id == id).unwrap()].cx();
        let column = x_of("__start");
        for id in [
            "SendMessage1",
            "Wait1",
            "CheckActivityCount1",
            "SendMessage2",
            "CheckActivityCount2",
            "SendMessage3",
            "Done",
            "__end",
        ] {
            assert!(
                (x_of(id) - column).abs() < 0.5,
                "{id} at {} off the column at {column}",
                x_of(id)
            );
        }
        // Next edges are straight down.
        for (e, edge) in g.edges.iter().enumerate() {
            if edge.kind == EdgeKind::Next {
                assert_eq!(
                    l.edges[e].points.len(),
                    2,
                    "{} is not straight",
                    g.nodes[edge.from].id
                );
            }
        }
        // Top to bottom, in the order of the flow.
        let y_of = |id: &str| l.nodes[g.nodes.iter().position(|n| n.id == id).unwrap()].y;
        assert!(y_of("SendMessage1") < y_of("CheckActivityCount1"));
        assert!(y_of("CheckActivityCount2") < y_of("SendMessage3"));
        assert!(y_of("SendMessage3") < y_of("Done"));
    }

    #[test]
    fn back_edges_leave_downwards_and_go_round() {
        let (_, m) = machines()
            .into_iter()
            .find(|(n, _)| *n == "looping")
            .unwrap();
        let g = Graph::new(&m);
        let l = layout(&g);
        for (e, edge) in g.edges.iter().enumerate() {
            let points = &l.edges[e].points;
            let (from, to) = (l.nodes[edge.from], l.nodes[edge.to]);
            if to.y <= from.y {
                // Out of the bottom, up beside the states, into the top.
                assert!((points[0].y - from.bottom()).abs() < 1e-6, "{points:?}");
                let side = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
                let left_side = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
                assert!(
                    side > from.right().min(to.right()) || left_side < from.x.max(to.x),
                    "{points:?}"
                );
            }
        }
    }

    /// A loop: Check -> Wait -> Check, with a way out to Done.
    fn retry_loop() -> Graph {
        let m = machine(
            &json!({ "StartAt": "Check", "States": {
                "Check": { "Type": "Choice", "Choices": [
                    { "Variable": "$.ready", "BooleanEquals": true, "Next": "Done" } ],
                    "Default": "Wait" },
                "Wait": { "Type": "Wait", "Seconds": 1, "Next": "Check" },
                "Done": { "Type": "Succeed" } } })
            .to_string(),
        );
        Graph::new(&m)
    }

    /// The items of the top level by label, for readable assertions.
    fn item_labels(graph: &Graph, sg: &ScopeGraph) -> Vec<String> {
        sg.items
            .iter()
            .map(|i| match *i {
                Item::Node(n) => graph.nodes[n].label.clone(),
                Item::Block(c) => graph.clusters[c].label.clone(),
            })
            .collect()
    }

    #[test]
    fn ranking_turns_the_loop_round_and_doubles_ranks() {
        let g = retry_loop();
        let sg = ScopeGraph::new(&g, None, &[]);
        let r = Ranking::new(&g, &sg);
        let labels = item_labels(&g, &sg);
        let rank_of = |name: &str| r.rank[labels.iter().position(|l| l == name).unwrap()];
        // Longest path from Start with Wait -> Check turned round, doubled: the odd ranks
        // between are for labels.
        assert_eq!(
            ["Start", "Check", "Wait", "Done", "End"].map(rank_of),
            [0, 2, 4, 4, 6]
        );
        let back: Vec<(&str, &str)> = r
            .back
            .iter()
            .map(|&l| (&*labels[sg.local[l].from], &*labels[sg.local[l].to]))
            .collect();
        assert_eq!(back, [("Wait", "Check")]);
        assert_eq!(r.entry.map(|e| &*labels[e]), Some("Start"));
        // The top level has no edges to outside.
        assert_eq!(r.direct_exit, None);
    }

    #[test]
    fn a_loop_goes_up_through_a_dummy_on_every_rank_beside_its_ends() {
        let g = retry_loop();
        let sg = ScopeGraph::new(&g, None, &[]);
        let r = Ranking::new(&g, &sg);
        let layered = LayeredGraph::new(&sg, &r);
        let labels = item_labels(&g, &sg);
        let item = |name: &str| labels.iter().position(|l| l == name).unwrap();
        let (wait, check) = (item("Wait"), item("Check"));
        let l = r.back[0];
        let chain = &layered.chains[l];
        let ranks: Vec<usize> = chain.iter().map(|&n| layered.nodes[n].rank).collect();
        assert_eq!(ranks, [4, 4, 3, 2, 2], "Wait, three dummies upwards, Check");
        assert_eq!((chain[0], chain[4]), (wait, check));
        assert!(
            chain[1..4]
                .iter()
                .all(|&d| layered.nodes[d].kind == LKind::Dummy { labelled: false })
        );
        assert_eq!(layered.beside, [(chain[1], wait), (chain[3], check)]);
        // Its links run from upper to lower rank, like every other link, and pull as a lane.
        for pair in chain[1..4].windows(2) {
            assert!(layered.links.contains(&(pair[1], pair[0], 8.0)), "{pair:?}");
        }
        // Check's two labelled edges hold their labels on a dummy on the odd rank below it.
        let labelled: Vec<usize> = layered
            .label_of
            .values()
            .map(|&(d, _)| layered.nodes[d].rank)
            .collect();
        assert_eq!(labelled, [3, 3]);
        assert_eq!(layered.exit_node, None);
    }

    #[test]
    fn pool_adjacent_violators_respects_separation_and_wishes() {
        // Both want 0: the first gets its wish, the second steps aside by the separation.
        assert_eq!(
            place(vec![vec![(0.0, 1.0)], vec![(0.0, 1.0)]], &[10.0]),
            [0.0, 10.0]
        );
        // The heavier wish wins.
        assert_eq!(
            place(vec![vec![(0.0, 1.0)], vec![(0.0, 5.0)]], &[10.0]),
            [-10.0, 0.0]
        );
        // Far enough apart already: untouched.
        assert_eq!(
            place(vec![vec![(0.0, 1.0)], vec![(50.0, 1.0)]], &[10.0]),
            [0.0, 50.0]
        );
        assert_eq!(weighted_median(&[(1.0, 1.0), (5.0, 3.0), (9.0, 1.0)]), 5.0);
    }

    #[test]
    fn text_widths_grow_with_the_text() {
        assert!(text_width("WWW", 12.0) > text_width("iii", 12.0));
        assert!((text_width("abc", 24.0) - 2.0 * text_width("abc", 12.0)).abs() < 1e-9);
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
