//! The picture the AWS console shows as "visual workflow": a state machine as a graph, drawn
//! as Mermaid, Graphviz DOT or a self-contained SVG, with what an execution history says laid
//! over it.
//!
//! One state per node, styled by type; `Next`, choice rules (labelled with the rule), catchers
//! (dashed, labelled with the errors) and `End` as edges; Parallel branches and Map item
//! processors as nested boxes. With an execution history, the path taken is highlighted, each
//! edge numbered with the steps that followed it, failed and caught states outlined, the
//! states still running marked, retried states given their attempt count, and a Map state
//! its iterations by status.
//!
//! [`model`] builds the graph once; [`mermaid`], [`dot`] and [`svg`] draw it. The SVG needs
//! no Graphviz: [`layout`] places it. Both `workflow graph` and the server's console draw
//! with this module, so the two pictures are the same.

pub mod dot;
pub mod history;
pub mod layout;
pub mod mermaid;
pub mod model;
pub mod svg;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::StateMachine;

pub use history::Event;
pub use model::Graph;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Mermaid `flowchart TD`, for Markdown (GitHub, GitLab, mdBook).
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// A self-contained SVG picture, laid out without Graphviz.
    Svg,
}

/// A format name that is none of `mermaid`, `dot`, `svg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown format `{}`: expected mermaid, dot or svg",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// `mermaid` (or `mmd`), `dot` (or `gv`, `graphviz`), `svg`; any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mermaid" | "mmd" => Ok(Format::Mermaid),
            "dot" | "gv" | "graphviz" => Ok(Format::Dot),
            "svg" => Ok(Format::Svg),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
            Format::Svg => "svg",
        })
    }
}

impl Format {
    /// The format a file name asks for by its extension (`.svg`, `.dot`/`.gv`, `.mmd`).
    pub fn from_extension(path: &Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }
}

/// Draws `machine` in `format`; with a history's events, highlights the path that execution
/// took.
pub fn render(machine: &StateMachine, format: Format, history: Option<&[Event<'_>]>) -> String {
    let mut graph = Graph::new(machine);
    if let Some(history) = history {
        graph.apply_history(history.iter().copied());
    }
    match format {
        Format::Mermaid => mermaid::render(&graph),
        Format::Dot => dot::render(&graph),
        Format::Svg => svg::render(&graph),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_extension() {
        assert_eq!("Mermaid".parse::<Format>(), Ok(Format::Mermaid));
        assert_eq!("gv".parse::<Format>(), Ok(Format::Dot));
        assert_eq!("svg".parse::<Format>(), Ok(Format::Svg));
        assert_eq!(
            "png".parse::<Format>().unwrap_err().to_string(),
            "unknown format `png`: expected mermaid, dot or svg"
        );
        assert_eq!(
            Format::from_extension(Path::new("out/flow.svg")),
            Some(Format::Svg)
        );
        assert_eq!(Format::from_extension(Path::new("flow")), None);
        assert_eq!(Format::Dot.to_string(), "dot");
    }
}
