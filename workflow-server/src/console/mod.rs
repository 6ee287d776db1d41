//! The web console, on the API's port: the state machines, their executions, the path each
//! took (the graph `workflow graph` draws, from [`workflow_runtime::asl::graph`]), the table
//! of its states and its events, live while it runs.
//!
//! Pages are HTML rendered here ([`pages`], with `maud`, which escapes every value it
//! inserts); one small script ([`assets`]) opens the step details in place, validates the
//! JSON editors and refreshes a running execution's page when [`live`] says it changed.
//! Every page works without the script, only not live.
//!
//! Actions (start, stop, redrive, send a task token's result) are POSTed forms that go
//! through [`Service::call`], the same operations the API runs; a POST whose `Origin` (or,
//! lacking one, `Referer`) is not this server is refused with 403.
//!
//! With `--credentials`, the API requires SigV4 signatures, which a browser form cannot
//! make: the console is then served only when the server listens on a loopback address,
//! and only to requests naming a loopback host (see [`Access`]), so that only this machine
//! reaches it.

mod actions;
pub mod assets;
mod html;
pub mod live;
pub mod pages;
pub mod steps;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::{ServerConfig, Service};

/// Whether the console is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Served: the server requires no signatures.
    Served,
    /// Served to this machine only: the server requires signatures and listens on a
    /// loopback address. The console's requests must also name a loopback host, so that a
    /// web page whose name an attacker rebinds to 127.0.0.1 cannot use the console's
    /// unsigned calls.
    LocalOnly,
    /// Not served: the server requires signatures and other machines can reach it.
    Refused,
}

impl Access {
    /// The console's access for a server with `config` listening on a loopback address or
    /// not: refused only when signatures are required and the server is reachable from
    /// other machines (a console's calls are not signed).
    pub fn of(config: &ServerConfig, loopback: bool) -> Access {
        match (config.credentials.is_some(), loopback) {
            (false, _) => Access::Served,
            (true, true) => Access::LocalOnly,
            (true, false) => Access::Refused,
        }
    }
}

/// The console's routes, added to the API's `POST /` (which `api` handles).
pub fn routes(
    access: Access,
    api: axum::routing::MethodRouter<Arc<Service>>,
) -> Router<Arc<Service>> {
    let console = match access {
        Access::Refused => return Router::new().route("/", api.get(refused)),
        Access::Served | Access::LocalOnly => Router::new()
            .route("/", api.get(pages::state_machines))
            .route("/state-machine", get(pages::state_machine))
            .route("/executions", get(pages::executions))
            .route("/execution", get(pages::execution))
            .route("/live", get(live::events))
            .route("/assets/{file}", get(assets::file))
            .route("/actions/start", post(actions::start))
            .route("/actions/stop", post(actions::stop))
            .route("/actions/redrive", post(actions::redrive))
            .route(
                "/actions/send-task-success",
                post(actions::send_task_success),
            )
            .route(
                "/actions/send-task-failure",
                post(actions::send_task_failure),
            ),
    };
    match access {
        Access::LocalOnly => console.layer(axum::middleware::from_fn(local_host_only)),
        _ => console,
    }
}

/// Refuses (403) a console request whose `Host` is not a loopback name; the API's
/// `POST /` passes, as signatures protect it and SDKs send other hosts (`sync-...`).
async fn local_host_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.method() == axum::http::Method::POST && request.uri().path() == "/";
    if api
        || request
            .headers()
            .get(header::HOST)
            .is_some_and(is_loopback_host)
    {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        "Refused: with --credentials the console answers only requests for 127.0.0.1, \
         [::1] or localhost.\n",
    )
        .into_response()
}

/// Whether a `Host` header names this machine: `localhost`, or a loopback address, with
/// or without a port.
fn is_loopback_host(host: &axum::http::HeaderValue) -> bool {
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        // [::1]:8083
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn refused() -> Response {
    (
        StatusCode::NOT_FOUND,
        "The console is not served: this server requires signed requests (--credentials) and \
         listens on an address other machines can reach. Listen on 127.0.0.1 to use it.\n",
    )
        .into_response()
}

/// Whether a state-changing request comes from a page of this server: its `Origin` (or,
/// when the browser sent none, its `Referer`) names the host the request was sent to.
/// Requests with neither are refused too: every browser sends one of them with a form's
/// POST, so a request without both is not the console's.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    // What follows the scheme: the host alone (an origin), or the host and a path.
    let after_scheme = |url: &'_ str| -> Option<String> {
        ["http://", "https://"]
            .iter()
            .find_map(|scheme| url.strip_prefix(scheme).map(str::to_owned))
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        // `Origin: null` (a sandboxed frame, a redirect across origins) matches nothing.
        let origin = origin.to_str().ok().and_then(after_scheme);
        return origin.as_deref() == Some(host);
    }
    let referer = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(after_scheme);
    referer.is_some_and(|rest| {
        rest.strip_prefix(host)
            .is_some_and(|path| path.starts_with('/'))
    })
}

/// Percent-encodes a query parameter's value.
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The console's page of an execution.
pub fn execution_url(arn: &str) -> String {
    format!("/execution?arn={}", query_value(arn))
}

/// The console's page of a state machine.
pub fn state_machine_url(arn: &str) -> String {
    format!("/state-machine?arn={}", query_value(arn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_this_servers_pages_may_post() {
        let host = (header::HOST, "127.0.0.1:8083");
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "http://127.0.0.1:8083")
        ])));
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::REFERER, "http://127.0.0.1:8083/execution?arn=x")
        ])));
        for (name, value) in [
            (header::ORIGIN, "http://evil.example"),
            (header::ORIGIN, "http://127.0.0.1:80830"),
            (header::ORIGIN, "http://127.0.0.1:8083.evil.example"),
            (header::ORIGIN, "null"),
            (header::REFERER, "http://127.0.0.1:8083.evil.example/"),
            (
                header::REFERER,
                "http://evil.example/http://127.0.0.1:8083/",
            ),
        ] {
            assert!(
                !same_origin(&headers(&[host.clone(), (name, value)])),
                "{value}"
            );
        }
        assert!(!same_origin(&headers(&[host])));
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1:8083",
            "localhost:8083",
            "LOCALHOST",
            "[::1]:8083",
            "127.0.0.2",
        ] {
            assert!(is_loopback_host(&HeaderValue::from_static(host)), "{host}");
        }
        for host in [
            "evil.example:8083",
            "10.0.0.1:8083",
            "127.0.0.1.evil.example",
            "[::2]:80",
        ] {
            assert!(!is_loopback_host(&HeaderValue::from_static(host)), "{host}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query_value("arn:aws:states:x:1:execution:m:a b&c=d#é"),
            "arn:aws:states:x:1:execution:m:a%20b%26c%3Dd%23%C3%A9"
        );
    }
}
