//! Mermaid `flowchart TD` output, for Markdown that renders Mermaid (GitHub, GitLab, mdBook).

use std::fmt::Write;

use super::model::{
    ClusterId, ClusterKind, EdgeKind, Graph, NodeKind, RUNNING, StateType, TAKEN, Visit,
};

/// The graph as a Mermaid flowchart: nodes styled per type with `classDef`, Parallel and Map
/// states as subgraphs, the history's path in thick green edges and outlines.
pub fn render(graph: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    scope(graph, None, 1, &mut out);

    // Edges after every node, so that each `linkStyle` index is the edge's index.
    for edge in &graph.edges {
        let arrow = if edge.kind == EdgeKind::Catch {
            "-.->"
        } else {
            "-->"
        };
        let (from, to) = (&graph.nodes[edge.from].id, &graph.nodes[edge.to].id);
        match edge.display_label() {
            Some(label) => {
                let _ = writeln!(out, "    {from} {arrow}|\"{}\"| {to}", escape(&label));
            }
            None => {
                let _ = writeln!(out, "    {from} {arrow} {to}");
            }
        }
    }

    let mut used: Vec<NodeKind> = Vec::new();
    for node in &graph.nodes {
        if !used.iter().any(|k| k.class() == node.kind.class()) {
            used.push(node.kind);
        }
    }
    for kind in used {
        let c = kind.colors();
        let shape = match kind {
            NodeKind::Join => ",stroke-width:0px",
            _ => "",
        };
        let _ = writeln!(
            out,
            "    classDef {} fill:{},stroke:{},color:{}{shape}",
            kind.class(),
            c.fill,
            c.stroke,
            c.text
        );
    }

    if graph.has_history {
        for (visit, class, color) in [
            (Visit::Visited, "visited", TAKEN),
            (Visit::Caught, "caught", "#e07700"),
            (Visit::Failed, "failed", "#d13212"),
            (Visit::Running, "running", RUNNING),
        ] {
            let ids: Vec<&str> = graph
                .nodes
                .iter()
                .filter(|n| n.visit == visit && n.kind != NodeKind::Join)
                .map(|n| n.id.as_str())
                .collect();
            if !ids.is_empty() {
                let _ = writeln!(out, "    classDef {class} stroke:{color},stroke-width:3px");
                let _ = writeln!(out, "    class {} {class}", ids.join(","));
            }
        }
        let taken: Vec<String> = (0..graph.edges.len())
            .filter(|&e| !graph.edges[e].steps.is_empty())
            .map(|e| e.to_string())
            .collect();
        if !taken.is_empty() {
            let _ = writeln!(
                out,
                "    linkStyle {} stroke:{TAKEN},stroke-width:3px",
                taken.join(",")
            );
        }
    }
    for cluster in &graph.clusters {
        let (stroke, fill) = cluster.kind.colors();
        let _ = writeln!(
            out,
            "    style {} fill:{fill},stroke:{stroke},stroke-dasharray:5 4",
            cluster.id
        );
    }
    out
}

/// The nodes and subgraphs of one scope, indented `depth` levels.
fn scope(graph: &Graph, cluster: Option<ClusterId>, depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    let mut joins = Vec::new();
    for n in graph.child_nodes(cluster) {
        let node = &graph.nodes[n];
        if node.kind == NodeKind::Join {
            // After the branches, where it is drawn.
            joins.push(n);
            continue;
        }
        let text = escape(&node.label);
        let shape = match node.kind {
            NodeKind::Start | NodeKind::End => format!("([\"{text}\"])"),
            NodeKind::State(StateType::Choice) => format!("{{\"{text}\"}}"),
            NodeKind::State(StateType::Succeed | StateType::Fail) => format!("([\"{text}\"])"),
            NodeKind::State(StateType::Parallel | StateType::Map) => format!("[[\"{text}\"]]"),
            _ => format!("(\"{text}\")"),
        };
        let _ = writeln!(out, "{indent}{}{shape}:::{}", node.id, node.kind.class());
    }
    for c in graph.child_clusters(cluster) {
        let title = match graph.clusters[c].kind {
            ClusterKind::Branch => graph.clusters[c].label.clone(),
            ClusterKind::Parallel => format!("{} (Parallel)", graph.clusters[c].label),
            ClusterKind::Map => format!("{} (Map)", graph.clusters[c].label),
        };
        let _ = writeln!(
            out,
            "{indent}subgraph {}[\"{}\"]",
            graph.clusters[c].id,
            escape(&title)
        );
        scope(graph, Some(c), depth + 1, out);
        let _ = writeln!(out, "{indent}end");
    }
    for n in joins {
        let node = &graph.nodes[n];
        let _ = writeln!(out, "{indent}{}((\" \")):::{}", node.id, node.kind.class());
    }
}

/// Text safe inside a quoted Mermaid label.
///
/// Mermaid puts label text into HTML, so HTML entities are what it shows as `"`, `<`, `>`
/// and `&`. Its own `#quot;` codes are not used: Mermaid 11's `render` leaves them encoded
/// in edge labels, and `#` stays as it is since `&#35;` would be read as such a code.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_for_mermaid() {
        assert_eq!(
            escape(r#"$.a < "b" #1 & c>"#),
            "$.a &lt; &quot;b&quot; #1 &amp; c&gt;"
        );
    }
}
