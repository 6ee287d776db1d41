//! Graphviz DOT output, for `dot -Tsvg` and everything else that reads DOT.

use std::fmt::Write;

use super::layout::caption;
use super::model::{
    ClusterId, ClusterKind, EDGE, EdgeKind, Graph, NodeKind, StateType, TAKEN, visit_stroke,
};

const FONT: &str = "Helvetica,Arial,sans-serif";

/// The graph as a DOT digraph: Parallel and Map states as `subgraph cluster_*`, catchers
/// dashed, the history's path in thick green.
pub fn render(graph: &Graph) -> String {
    let mut out = String::from("digraph workflow {\n");
    let _ = writeln!(
        out,
        "    graph [fontname=\"{FONT}\", fontsize=11, nodesep=0.35, ranksep=0.4];"
    );
    let _ = writeln!(
        out,
        "    node [fontname=\"{FONT}\", fontsize=12, shape=box, style=\"rounded,filled\", penwidth=1.2, margin=\"0.2,0.06\"];"
    );
    let _ = writeln!(
        out,
        "    edge [fontname=\"{FONT}\", fontsize=10, color=\"{EDGE}\", fontcolor=\"#414d5c\", arrowsize=0.7];"
    );
    scope(graph, None, 1, &mut out);
    for edge in &graph.edges {
        let mut attrs: Vec<String> = Vec::new();
        if let Some(label) = edge.display_label() {
            attrs.push(format!("label=\"{}\"", quote(&label)));
        }
        if edge.kind == EdgeKind::Catch {
            attrs.push("style=dashed".to_owned());
        }
        if !edge.steps.is_empty() {
            attrs.push(format!(
                "color=\"{TAKEN}\", fontcolor=\"{TAKEN}\", penwidth=2.5"
            ));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "    \"{}\" -> \"{}\"{attrs};",
            graph.nodes[edge.from].id, graph.nodes[edge.to].id
        );
    }
    out.push_str("}\n");
    out
}

/// The nodes and clusters of one scope, indented `depth` levels.
fn scope(graph: &Graph, cluster: Option<ClusterId>, depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    let mut joins = Vec::new();
    for n in graph.child_nodes(cluster) {
        let node = &graph.nodes[n];
        if node.kind == NodeKind::Join {
            joins.push(n);
            continue;
        }
        let c = node.kind.colors();
        let mut attrs = vec![label(node.kind, &node.label)];
        match node.kind {
            NodeKind::State(StateType::Choice) => {
                attrs.push("shape=diamond, style=filled, margin=\"0.05,0.03\"".to_owned())
            }
            NodeKind::Start | NodeKind::End => attrs.push("fontsize=11, height=0.3".to_owned()),
            _ => {}
        }
        let stroke = visit_stroke(node.visit).unwrap_or(c.stroke);
        attrs.push(format!(
            "fillcolor=\"{}\", color=\"{stroke}\", fontcolor=\"{}\"",
            c.fill, c.text
        ));
        if visit_stroke(node.visit).is_some() {
            attrs.push("penwidth=3".to_owned());
        }
        let _ = writeln!(out, "{indent}\"{}\" [{}];", node.id, attrs.join(", "));
    }
    for c in graph.child_clusters(cluster) {
        let cl = &graph.clusters[c];
        let (stroke, fill) = cl.kind.colors();
        let title = match cl.kind {
            ClusterKind::Branch => cl.label.clone(),
            ClusterKind::Parallel => format!("{} (Parallel)", cl.label),
            ClusterKind::Map => format!("{} (Map)", cl.label),
        };
        let _ = writeln!(out, "{indent}subgraph \"{}\" {{", cl.id);
        let _ = writeln!(
            out,
            "{indent}    label=\"{}\"; labeljust=l; fontsize=10; fontcolor=\"#5f6b7a\"; style=\"rounded,dashed,filled\"; color=\"{stroke}\"; fillcolor=\"{fill}\";",
            quote(&title)
        );
        scope(graph, Some(c), depth + 1, out);
        let _ = writeln!(out, "{indent}}}");
    }
    for n in joins {
        let node = &graph.nodes[n];
        let c = node.kind.colors();
        let _ = writeln!(
            out,
            "{indent}\"{}\" [label=\"\", shape=box, style=\"rounded,filled\", width=0.8, height=0.08, fixedsize=true, fillcolor=\"{}\", color=\"{}\"];",
            node.id, c.fill, c.stroke
        );
    }
}

/// The node's label: the name, and under it the type in small grey letters.
fn label(kind: NodeKind, name: &str) -> String {
    match caption(kind) {
        Some(caption) => format!(
            "label=<{}<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#5f6b7a\">{caption}</FONT>>",
            html(name)
        ),
        None => format!("label=\"{}\"", quote(name)),
    }
}

/// Text inside a quoted DOT string.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text inside a DOT HTML-like label.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_for_dot() {
        assert_eq!(quote(r#"$.s == "a\b""#), r#"$.s == \"a\\b\""#);
        assert_eq!(html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
