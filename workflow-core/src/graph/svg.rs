//! A self-contained SVG picture, placed by [`super::layout`]: no Graphviz, no external fonts
//! or style sheets (every style is a presentation attribute, so any viewer shows it the same).
//!
//! [`render_interactive`] draws the same picture for a web page (the server's console): each
//! state's group also carries its name and status as data attributes and can take the
//! keyboard focus, so that a page's script can open the state's details.

use std::fmt::Write;

use super::layout::{
    CAPTION_SIZE, LABEL_SIZE, Layout, MARKER_SIZE, NAME_SIZE, Point, Rect, TITLE_SIZE, caption,
    layout,
};
use super::model::{
    EDGE, EdgeKind, Graph, Node, NodeKind, RUNNING, StateType, TAKEN, Visit, visit_stroke,
};

/// System fonts only; Liberation Sans has Arial's widths, which the layout assumes.
const FONT: &str = "Helvetica, Arial, 'Liberation Sans', sans-serif";
/// Radius of an edge's rounded corners.
const CORNER: f64 = 6.0;
/// Opacity of what the execution did not reach, when a history is shown. On a web page
/// ([`render_interactive`]) only shapes fade, and text keeps its contrast.
const FADED: &str = "0.45";

/// The graph as an SVG document.
pub fn render(graph: &Graph) -> String {
    draw(graph, false)
}

/// The graph as an SVG element for a web page: every state's `<g>` has `class="wf-state"`,
/// `data-state` (its name), `data-status` (its status in words), `tabindex="0"`,
/// `role="button"` and an `aria-label` that says its name, type, status and attempts.
pub fn render_interactive(graph: &Graph) -> String {
    draw(graph, true)
}

fn draw(graph: &Graph, interactive: bool) -> String {
    let layout = layout(graph);
    let mut out = String::new();
    let (w, h) = (num(layout.width), num(layout.height));
    let role = if interactive {
        r#" role="group" aria-label="State machine graph" class="wf-graph""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}"{role}>"#
    );
    out.push_str("  <defs>\n");
    for (id, color) in [("wf-arrow", EDGE), ("wf-arrow-taken", TAKEN)] {
        let _ = writeln!(
            out,
            r#"    <marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>"#
        );
    }
    out.push_str("  </defs>\n");
    let _ = writeln!(
        out,
        r##"  <rect width="{w}" height="{h}" fill="#ffffff"/>"##
    );

    clusters(graph, &layout, &mut out);
    // Edges the execution followed last, so that the path lies on top.
    let mut order: Vec<usize> = (0..graph.edges.len()).collect();
    order.sort_by_key(|&e| !graph.edges[e].steps.is_empty());
    for &e in &order {
        edge(graph, &layout, e, &mut out);
    }
    for &e in &order {
        edge_label(graph, &layout, e, interactive, &mut out);
    }
    for n in 0..graph.nodes.len() {
        node(graph, layout.nodes[n], n, interactive, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

fn clusters(graph: &Graph, layout: &Layout, out: &mut String) {
    for (c, cluster) in graph.clusters.iter().enumerate() {
        let r = layout.clusters[c];
        let (stroke, fill) = cluster.kind.colors();
        let _ = writeln!(
            out,
            r#"  <rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-dasharray="6 4"/>"#,
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h)
        );
        if let Some(at) = layout.titles[c] {
            let _ = writeln!(
                out,
                r##"  <text x="{}" y="{}" font-size="{TITLE_SIZE}" fill="#5f6b7a">{}</text>"##,
                num(at.x),
                num(at.y),
                xml(&cluster.label)
            );
        }
    }
}

fn edge(graph: &Graph, layout: &Layout, e: usize, out: &mut String) {
    let edge = &graph.edges[e];
    let route = &layout.edges[e];
    if route.points.len() < 2 {
        return;
    }
    let taken = !edge.steps.is_empty();
    let (color, width, marker) = if taken {
        (TAKEN, "2.5", "wf-arrow-taken")
    } else {
        (EDGE, "1.4", "wf-arrow")
    };
    let dash = if edge.kind == EdgeKind::Catch {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let faded = if graph.has_history && !taken {
        format!(r#" opacity="{FADED}""#)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        r#"  <path d="{}" fill="none" stroke="{color}" stroke-width="{width}"{dash}{faded} stroke-linejoin="round" marker-end="url(#{marker})"/>"#,
        path(&route.points)
    );
}

fn edge_label(graph: &Graph, layout: &Layout, e: usize, interactive: bool, out: &mut String) {
    let edge = &graph.edges[e];
    let (Some(r), Some(text)) = (layout.edges[e].label, edge.display_label()) else {
        return;
    };
    let taken = !edge.steps.is_empty();
    let (stroke, fill, weight) = if taken {
        (TAKEN, TAKEN, r#" font-weight="600""#)
    } else {
        ("#d5dbdb", "#414d5c", "")
    };
    let faded = if graph.has_history && !taken {
        format!(r#" opacity="{FADED}""#)
    } else {
        String::new()
    };
    let (group, frame) = if interactive {
        ("", faded.as_str())
    } else {
        (faded.as_str(), "")
    };
    let _ = writeln!(
        out,
        r##"  <g{group}><rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#ffffff" stroke="{stroke}"{frame}/><text x="{}" y="{}" font-size="{LABEL_SIZE}" text-anchor="middle" fill="{fill}"{weight}>{}</text></g>"##,
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num(r.cx()),
        num(baseline(r.cy(), LABEL_SIZE)),
        xml(&text)
    );
}

/// What a state's caption adds after its type: the status, and a Map's iterations.
fn status_words(node: &Node) -> Option<String> {
    let status = match node.visit {
        Visit::Failed => Some("failed"),
        Visit::Caught => Some("caught"),
        Visit::Running => Some("in progress"),
        _ => None,
    };
    let items = node.items.map(|i| {
        let mut parts = vec![format!("{} ok", i.succeeded)];
        if i.failed > 0 {
            parts.push(format!("{} failed", i.failed));
        }
        if i.running() > 0 {
            parts.push(format!("{} running", i.running()));
        }
        parts.join(", ")
    });
    match (status, items) {
        (Some(s), Some(i)) => Some(format!("{s} · {i}")),
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(i)) => Some(i),
        (None, None) => None,
    }
}

/// The interactive attributes of a state's group (see [`render_interactive`]).
fn state_attributes(node: &Node, type_name: &str) -> String {
    let mut label = format!("{} ({type_name}): {}", node.label, node.visit.words());
    if node.attempts > 1 {
        let _ = write!(label, ", {} attempts", node.attempts);
    }
    if let Some(items) = node.items {
        let _ = write!(
            label,
            ", {} iterations: {} succeeded, {} failed, {} running",
            items.started,
            items.succeeded,
            items.failed,
            items.running()
        );
    }
    format!(
        r#" class="wf-state" data-state="{}" data-status="{}" data-attempts="{}" tabindex="0" role="button" aria-label="{}""#,
        xml(&node.label),
        node.visit.words(),
        node.attempts,
        xml(&label)
    )
}

fn node(graph: &Graph, r: Rect, n: usize, interactive: bool, out: &mut String) {
    let node = &graph.nodes[n];
    let colors = node.kind.colors();
    let (stroke, stroke_width) = match visit_stroke(node.visit) {
        Some(color) if node.kind != NodeKind::Join => (color, "3"),
        _ => (colors.stroke, "1.4"),
    };
    let faded = graph.has_history && node.visit == Visit::NotVisited;
    let fade = format!(r#" opacity="{FADED}""#);
    // On a page, a state's name and type stay readable: its shape fades, not its text;
    // the markers (white on dark) do not fade there.
    let (opacity, shape_opacity) = match (faded, interactive, node.kind) {
        (false, _, _) => (String::new(), ""),
        (true, false, _) => (fade.clone(), ""),
        (true, true, NodeKind::State(_) | NodeKind::Join) => (String::new(), fade.as_str()),
        (true, true, _) => (String::new(), ""),
    };
    let type_name = match node.kind {
        NodeKind::State(t) => t.name(),
        NodeKind::Start => "Start",
        NodeKind::End => "End",
        NodeKind::Join => "Join",
    };
    let tooltip = match node.kind {
        NodeKind::State(_) => format!("{} ({type_name})", node.label),
        _ => type_name.to_owned(),
    };
    let attributes = match node.kind {
        NodeKind::State(_) if interactive => state_attributes(node, type_name),
        _ => String::new(),
    };
    let _ = write!(
        out,
        r#"  <g{opacity}{attributes}><title>{}</title>"#,
        xml(&tooltip)
    );
    let paint = format!(
        r#"fill="{}" stroke="{stroke}" stroke-width="{stroke_width}"{shape_opacity}"#,
        colors.fill
    );
    let (x, y, w, h) = (num(r.x), num(r.y), num(r.w), num(r.h));
    match node.kind {
        NodeKind::State(StateType::Choice) => {
            let _ = write!(
                out,
                r#"<polygon points="{},{} {},{} {},{} {},{}" {paint} stroke-linejoin="round"/>"#,
                num(r.cx()),
                y,
                num(r.right()),
                num(r.cy()),
                num(r.cx()),
                num(r.bottom()),
                x,
                num(r.cy())
            );
        }
        _ => {
            let radius = match node.kind {
                NodeKind::State(StateType::Succeed | StateType::Fail)
                | NodeKind::Start
                | NodeKind::End => r.h / 2.0,
                NodeKind::Join => r.h / 2.0,
                _ => 10.0,
            };
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{}" {paint}/>"#,
                num(radius)
            );
        }
    }
    match node.kind {
        NodeKind::Join => {}
        NodeKind::Start | NodeKind::End => {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="{MARKER_SIZE}" font-weight="600" text-anchor="middle" fill="{}">{}</text>"#,
                num(r.cx()),
                num(baseline(r.cy(), MARKER_SIZE)),
                colors.text,
                xml(&node.label)
            );
        }
        _ => {
            let status = status_words(node);
            let caption = match (caption(node.kind), status.as_deref()) {
                (Some(c), Some(s)) => Some(format!("{c} · {s}")),
                (Some(c), None) => Some(c.to_owned()),
                (None, Some(s)) => Some(s.to_owned()),
                (None, None) => None,
            };
            let name_y = if caption.is_some() && node.kind != NodeKind::State(StateType::Choice) {
                r.cy() - 6.0
            } else {
                r.cy()
            };
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="{NAME_SIZE}" font-weight="600" text-anchor="middle" fill="{}">{}</text>"#,
                num(r.cx()),
                num(baseline(name_y, NAME_SIZE)),
                colors.text,
                xml(&node.label)
            );
            if let Some(caption) = caption {
                let caption_y = if node.kind == NodeKind::State(StateType::Choice) {
                    r.cy() + 14.0
                } else {
                    r.cy() + 10.0
                };
                let color = match status {
                    Some(_) => stroke,
                    None => "#5f6b7a",
                };
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="{CAPTION_SIZE}" text-anchor="middle" fill="{color}">{}</text>"#,
                    num(r.cx()),
                    num(baseline(caption_y, CAPTION_SIZE)),
                    xml(&caption)
                );
            }
        }
    }
    if node.attempts > 1 {
        attempts_badge(r, node.attempts, out);
    }
    if node.visit == Visit::Running {
        // The current state: a second, dashed outline around it, visible without colour.
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="13" fill="none" stroke="{RUNNING}" stroke-width="1.5" stroke-dasharray="4 3"/>"#,
            num(r.x - 4.0),
            num(r.y - 4.0),
            num(r.w + 8.0),
            num(r.h + 8.0)
        );
    }
    out.push_str("</g>\n");
}

/// A small `×3` badge on a state's top right corner: how many attempts it took.
fn attempts_badge(r: Rect, attempts: u32, out: &mut String) {
    let text = format!("×{attempts}");
    let w = 10.0 + text.chars().count() as f64 * 7.0;
    let (x, y) = (r.right() - w + 6.0, r.y - 8.0);
    let _ = write!(
        out,
        r##"<g><title>{attempts} attempts</title><rect x="{}" y="{}" width="{}" height="16" rx="8" fill="#232f3e"/><text x="{}" y="{}" font-size="{CAPTION_SIZE}" font-weight="600" text-anchor="middle" fill="#ffffff">{text}</text></g>"##,
        num(x),
        num(y),
        num(w),
        num(x + w / 2.0),
        num(baseline(y + 8.0, CAPTION_SIZE))
    );
}

/// The baseline that centers a line of text of `size` on `center` (cap height ≈ 0.7 em).
fn baseline(center: f64, size: f64) -> f64 {
    center + size * 0.35
}

/// An orthogonal polyline with rounded corners.
fn path(points: &[Point]) -> String {
    let mut d = format!("M{},{}", num(points[0].x), num(points[0].y));
    for i in 1..points.len() {
        let p = points[i];
        if i + 1 == points.len() {
            let _ = write!(d, " L{},{}", num(p.x), num(p.y));
            break;
        }
        let (a, b) = (points[i - 1], points[i + 1]);
        let into = (
            (p.x - a.x).hypot(p.y - a.y),
            Point {
                x: p.x - a.x,
                y: p.y - a.y,
            },
        );
        let out_of = (
            (b.x - p.x).hypot(b.y - p.y),
            Point {
                x: b.x - p.x,
                y: b.y - p.y,
            },
        );
        let r = CORNER.min(into.0 / 2.0).min(out_of.0 / 2.0);
        if r <= 0.0 {
            let _ = write!(d, " L{},{}", num(p.x), num(p.y));
            continue;
        }
        let start = Point {
            x: p.x - into.1.x / into.0 * r,
            y: p.y - into.1.y / into.0 * r,
        };
        let end = Point {
            x: p.x + out_of.1.x / out_of.0 * r,
            y: p.y + out_of.1.y / out_of.0 * r,
        };
        let _ = write!(
            d,
            " L{},{} Q{},{} {},{}",
            num(start.x),
            num(start.y),
            num(p.x),
            num(p.y),
            num(end.x),
            num(end.y)
        );
    }
    d
}

/// A coordinate with at most one decimal, without a trailing `.0`.
fn num(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Text safe in XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::StateMachine;
    use crate::graph::{Event, Format, render as render_machine};

    /// Parses `svg` as XML and returns the root, checking what every SVG needs.
    fn check(svg: &str) {
        let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        for attribute in ["width", "height", "viewBox"] {
            assert!(root.attribute(attribute).is_some(), "no {attribute}");
        }
        // Self-contained: nothing is fetched from anywhere.
        for node in doc.descendants() {
            for a in node.attributes() {
                assert!(
                    !a.value().contains("http") || a.name() == "xmlns",
                    "{}={}",
                    a.name(),
                    a.value()
                );
                if a.name() == "marker-end" {
                    let id = a.value().trim_start_matches("url(#").trim_end_matches(')');
                    assert!(
                        doc.descendants().any(|n| n.attribute("id") == Some(id)),
                        "no marker {id}"
                    );
                }
            }
            assert!(!matches!(
                node.tag_name().name(),
                "image" | "style" | "script" | "foreignObject"
            ));
        }
    }

    #[test]
    fn the_svg_is_well_formed_and_self_contained() {
        let onboarding =
            StateMachine::from_json_str(include_str!("fixtures/onboarding.asl.json")).unwrap();
        let nested = StateMachine::from_json_str(include_str!("fixtures/nested.asl.json")).unwrap();
        let history: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/nested.history.json")).unwrap();
        let events: Vec<Event> = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Event::from_json)
            .collect();
        for (machine, history) in [
            (&onboarding, None),
            (&nested, None),
            (&nested, Some(&events[..])),
        ] {
            check(&render_machine(machine, Format::Svg, history));
        }
    }

    #[test]
    fn every_state_name_is_drawn_once_escaped() {
        let machine = StateMachine::from_json_str(
            r#"{"StartAt": "A <&> \"B\"", "States": {"A <&> \"B\"": {"Type": "Succeed"}}}"#,
        )
        .unwrap();
        let svg = render_machine(&machine, Format::Svg, None);
        check(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(names, ["Start", "End", "A <&> \"B\"", "Succeed"]);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(-3.25), "-3.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(0.55), "0.6");
    }

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            xml("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{fffd}"
        );
    }
}
