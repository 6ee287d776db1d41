//! Live updates: `GET /live?arn=...` is a stream of server-sent events, one `changed` event
//! each time the execution (or, without `arn`, any execution) commits a change, from the
//! durable runner's broadcast ([`workflow_runtime::Durable::changes`]). The page's script
//! then fetches the page again; nothing polls. After a restart the browser reconnects on
//! its own (`EventSource`), and the script refreshes once it is back, so a resumed
//! execution goes on updating.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::Service;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// The execution to watch; every execution without it.
    arn: Option<String>,
}

/// `GET /live?arn=`: `changed` events, with the changed execution's ARN as data.
pub async fn events(
    State(service): State<Arc<Service>>,
    Query(query): Query<LiveQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = service.durable.changes();
    let watched = query.arn.filter(|arn| !arn.is_empty());
    let stream =
        futures_util::stream::unfold((changes, watched), |(mut changes, watched)| async move {
            loop {
                let arn = match changes.recv().await {
                    Ok(arn) if watched.as_deref().is_none_or(|w| w == arn) => arn,
                    Ok(_) => continue,
                    // Missed some: say that something changed, and the page reads it all again.
                    Err(RecvError::Lagged(_)) => String::new(),
                    Err(RecvError::Closed) => return None,
                };
                let event = Event::default().event("changed").data(arn);
                return Some((Ok(event), (changes, watched)));
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
