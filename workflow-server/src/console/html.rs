//! What every page shares: the frame (navigation, notices), statuses in words and colour,
//! times, durations and JSON as the console shows them.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;
use workflow_runtime::Status;
use workflow_runtime::asl::timestamp::Timestamp;

use super::assets;

/// A whole page: `title`, the navigation (`current` marks where the user is), the notice or
/// error an action left, and `body`.
pub fn page(title: &str, current: &str, message: &Message, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · workflow console" }
                link rel="stylesheet" href=(assets::url("console.css"));
                script src=(assets::url("console.js")) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "workflow" }
                    nav aria-label="Console" {
                        a href="/" aria-current=[(current == "machines").then_some("page")] { "State machines" }
                        a href="/executions" aria-current=[(current == "executions").then_some("page")] { "Executions" }
                    }
                }
                // Where the script says a live page's new status, for screen readers.
                p #live-status .visually-hidden aria-live="polite" {}
                main #main {
                    @if let Some(notice) = &message.notice {
                        p.notice role="status" { (notice) }
                    }
                    @if let Some(error) = &message.error {
                        p.error role="alert" { (error) }
                    }
                    (body)
                }
            }
        }
    };
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// What an action left for the page to say (its `notice` or `error` query parameter).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Message {
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// An execution's status in words.
pub fn status_words(status: Status) -> &'static str {
    match status {
        Status::Running => "Running",
        Status::Succeeded => "Succeeded",
        Status::Failed => "Failed",
        Status::TimedOut => "Timed out",
        Status::Aborted => "Aborted",
    }
}

/// An execution's status: a badge with the words and its colour.
pub fn status(status: Status) -> Markup {
    let class = match status {
        Status::Running => "running",
        Status::Succeeded => "succeeded",
        Status::Failed | Status::TimedOut => "failed",
        Status::Aborted => "aborted",
    };
    badge(class, status_words(status))
}

/// A badge of another kind of status (a step's, a Map iteration's).
pub fn badge(class: &str, words: &str) -> Markup {
    html! { span class={ "badge " (class) } { (words) } }
}

/// Epoch milliseconds as `2024-01-01 12:00:00.000 UTC`, in a `<time>` element.
pub fn time(millis: i64) -> Markup {
    let iso = Timestamp::from_unix_millis(millis).to_string();
    let shown = iso.replace('T', " ").replace('Z', " UTC");
    html! { time datetime=(iso) { (shown) } }
}

/// A duration in milliseconds, as `850 ms`, `12.3 s`, `4 min 05 s` or `2 h 03 min`.
pub fn duration(millis: i64) -> String {
    let seconds = millis / 1000;
    if millis < 1000 {
        format!("{millis} ms")
    } else if seconds < 60 {
        format!("{:.1} s", millis as f64 / 1000.0)
    } else if seconds < 3600 {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    } else {
        format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60)
    }
}

/// JSON text pretty-printed (as it is when it does not parse).
pub fn pretty(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}

/// A block of JSON, pretty-printed, collapsible under `label`.
pub fn json_block(label: &str, text: &str, open: bool) -> Markup {
    html! {
        details.json open[open] {
            summary { (label) }
            pre { code { (pretty(text)) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_340), "12.3 s");
        assert_eq!(duration(245_000), "4 min 05 s");
        assert_eq!(duration(7_380_000), "2 h 03 min");
    }

    #[test]
    fn json_is_pretty_and_escaped() {
        let block = json_block("Input", r#"{"a":"<script>"}"#, false).into_string();
        assert!(block.contains("&lt;script&gt;"), "{block}");
        assert!(!block.contains("<script>"), "{block}");
    }
}
