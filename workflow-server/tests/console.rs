//! The web console through the router, in process: its pages, what they show of an
//! execution, escaping, its actions (through the API's operations) and their same-origin
//! check, its live stream, and when it is not served. The browser test is
//! `workflow-cli/tests/console_browser.rs`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use workflow_runtime::Resources;
use workflow_runtime::store::MemoryStore;
use workflow_server::console::{Access, execution_url, query_value};
use workflow_server::{ServerConfig, Service, router, router_with};

use common::{finished, ok};

const HOST: &str = "127.0.0.1:8083";

/// A Task that fails twice then succeeds (retried), then a long Wait: the execution runs
/// until stopped.
fn definition() -> String {
    json!({
        "StartAt": "Send <Welcome>",
        "States": {
            "Send <Welcome>": { "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:send_message",
                "Retry": [{ "ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 1.0, "MaxAttempts": 3 }],
                "Next": "Pause" },
            "Pause": { "Type": "Wait", "Seconds": 3600, "Next": "Done" },
            "Done": { "Type": "Succeed" }
        }
    })
    .to_string()
}

async fn service() -> Arc<Service> {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let resources = Resources::new().register("send_message", move |_input: Value| {
        let calls = calls.clone();
        async move {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                Err(workflow_runtime::TaskError::new(
                    "MailerDown",
                    "<b>smtp</b> refused",
                ))
            } else {
                Ok(json!({ "sent": true }))
            }
        }
    });
    Service::open(
        ServerConfig::default(),
        Arc::new(MemoryStore::new()),
        resources,
    )
    .await
    .expect("opens")
}

/// Creates the state machine and starts one execution with `input`; its ARN.
async fn start(service: &Arc<Service>, input: Value) -> String {
    let machine = ok(
        service,
        "CreateStateMachine",
        json!({ "name": "onboarding", "definition": definition(),
                "roleArn": "arn:aws:iam::123456789012:role/r" }),
    )
    .await;
    let started = ok(
        service,
        "StartExecution",
        json!({ "stateMachineArn": machine["stateMachineArn"], "name": "first",
                "input": input.to_string() }),
    )
    .await;
    started["executionArn"].as_str().unwrap().to_owned()
}

/// Waits until the execution's history has `events` events.
async fn until_events(service: &Arc<Service>, arn: &str, events: usize) {
    for _ in 0..1000 {
        if service.store().history(arn).unwrap().len() >= events {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not reach {events} events");
}

async fn get(service: &Arc<Service>, path: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let response = router(service.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// POSTs a form; the status and the `Location` it redirects to.
async fn post(
    service: &Arc<Service>,
    path: &str,
    origin: Option<&str>,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", query_value(v)))
        .collect();
    let mut request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let response = router(service.clone())
        .oneshot(request.body(Body::from(body.join("&"))).unwrap())
        .await
        .unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

#[tokio::test]
async fn the_pages_show_machines_executions_the_path_and_the_events() {
    let service = service().await;
    let arn = start(&service, json!({ "user": "u-1" })).await;
    // Started, Task entered, three attempts (scheduled, started, result), exited, Wait
    // entered.
    until_events(&service, &arn, 13).await;

    let (status, home) = get(&service, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(">onboarding</a>"), "{home}");
    assert!(home.contains("STANDARD"));

    let machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:onboarding";
    let (status, machine) = get(&service, &format!("/state-machine?arn={machine_arn}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(machine.contains("<svg "), "the graph");
    assert!(machine.contains("&quot;StartAt&quot;"), "the ASL, escaped");
    assert!(machine.contains(r#"action="/actions/start""#));

    let (_, list) = get(&service, "/executions?status=RUNNING").await;
    assert!(list.contains(">first</a>"), "{list}");
    let (_, none) = get(&service, "/executions?status=SUCCEEDED").await;
    assert!(none.contains("No executions."), "{none}");

    let (status, page) = get(&service, &execution_url(&arn)).await;
    assert_eq!(status, StatusCode::OK);
    // The graph: the retried state with its attempts, the current state in progress, the
    // state name escaped once by the SVG renderer.
    assert!(
        page.contains(
            r#"data-state="Send &lt;Welcome&gt;" data-status="succeeded" data-attempts="3""#
        ),
        "{page}"
    );
    assert!(page.contains(r#"data-state="Pause" data-status="in progress""#));
    assert!(page.contains("×3"));
    // The table of states, and the events in order.
    assert!(page.contains(r#"<tr data-state="Pause">"#));
    let ids: Vec<usize> = page
        .match_indices("data-event-id=\"")
        .map(|(at, m)| {
            let rest = &page[at + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(ids, (1..=ids.len()).collect::<Vec<_>>());
    assert!(ids.len() >= 13);
    assert!(page.contains("LambdaFunctionFailed"));
    assert!(
        page.contains(r#"action="/actions/stop""#),
        "a running execution can stop"
    );
    assert!(!page.contains(r#"action="/actions/redrive""#));

    // Step details, without the script: the retried state's attempts and errors.
    let (_, details) = get(
        &service,
        &format!(
            "{}&state={}",
            execution_url(&arn),
            query_value("Send <Welcome>")
        ),
    )
    .await;
    assert!(
        details.contains("Step details: Send &lt;Welcome&gt;"),
        "{details}"
    );
    assert!(details.contains("MailerDown"));
    assert!(details.contains("&lt;b&gt;smtp&lt;/b&gt; refused"));
    assert!(details.matches("LambdaFunctionFailed").count() >= 2);

    let (status, _) = get(
        &service,
        "/execution?arn=arn:aws:states:us-east-1:123456789012:execution:onboarding:nope",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, css) = get(&service, "/assets/console.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(".badge"));
}

#[tokio::test]
async fn user_strings_are_text() {
    let service = service().await;
    let arn = start(
        &service,
        json!({ "html": "<script>alert(1)</script>", "quote": "\"'><img src=x onerror=alert(2)>" }),
    )
    .await;
    until_events(&service, &arn, 3).await;
    let (_, page) = get(&service, &execution_url(&arn)).await;
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn actions_go_through_the_api_and_only_from_this_origin() {
    let service = service().await;
    let arn = start(&service, json!({})).await;
    let origin = format!("http://{HOST}");

    // Another site's form, or a request without Origin and Referer: refused.
    for bad in [Some("http://evil.example"), None] {
        let (status, _) = post(&service, "/actions/stop", bad, &[("executionArn", &arn)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        ok(
            &service,
            "DescribeExecution",
            json!({ "executionArn": arn })
        )
        .await["status"],
        "RUNNING"
    );

    let (status, location) = post(
        &service,
        "/actions/stop",
        Some(&origin),
        &[("executionArn", &arn)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&execution_url(&arn)), "{location}");
    assert!(
        location.contains("notice=Execution%20stopped"),
        "{location}"
    );
    assert_eq!(finished(&service, &arn).await["status"], "ABORTED");

    // Redrive goes to the API's RedriveExecution: the execution runs again from the state
    // it was stopped in.
    let (_, page) = get(&service, &execution_url(&arn)).await;
    assert!(page.contains(r#"action="/actions/redrive""#));
    let (status, location) = post(
        &service,
        "/actions/redrive",
        Some(&origin),
        &[("executionArn", &arn)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.contains("notice=Execution%20redriven"),
        "{location}"
    );
    let described = ok(
        &service,
        "DescribeExecution",
        json!({ "executionArn": arn }),
    )
    .await;
    assert_eq!(described["status"], "RUNNING");
    assert_eq!(described["redriveCount"], 1);
    let (_, page) = get(&service, &execution_url(&arn)).await;
    assert!(page.contains("ExecutionRedriven"));
    assert!(
        !page.contains(r#"action="/actions/redrive""#),
        "running: no redrive"
    );
    // Again: an error is shown on the page.
    let (_, location) = post(
        &service,
        "/actions/redrive",
        Some(&origin),
        &[("executionArn", &arn)],
    )
    .await;
    assert!(
        location.contains("error=ExecutionNotRedrivable"),
        "{location}"
    );

    // Start: to the new execution's page; invalid JSON is the API's error.
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:onboarding";
    let (status, location) = post(
        &service,
        "/actions/start",
        Some(&origin),
        &[
            ("stateMachineArn", machine),
            ("name", "second"),
            ("input", r#"{"a": 1}"#),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/execution?arn="), "{location}");
    assert!(location.contains("second"), "{location}");
    let (_, location) = post(
        &service,
        "/actions/start",
        Some(&origin),
        &[("stateMachineArn", machine), ("input", "{not json")],
    )
    .await;
    assert!(
        location.contains("error=InvalidExecutionInput"),
        "{location}"
    );
    let (_, page) = get(&service, &location).await;
    assert!(page.contains("role=\"alert\""), "{page}");
}

#[tokio::test]
async fn the_live_stream_tells_of_each_change() {
    let service = service().await;
    let arn = start(&service, json!({})).await;
    until_events(&service, &arn, 13).await;
    let request = Request::get(format!("/live?arn={}", query_value(&arn)))
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let response = router(service.clone()).oneshot(request).await.unwrap();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    ok(&service, "StopExecution", json!({ "executionArn": arn })).await;
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert!(text.contains("event: changed"), "{text}");
    assert!(text.contains(&arn), "{text}");
}

#[tokio::test]
async fn with_credentials_the_console_is_served_on_loopback_only() {
    let credentials = workflow_server::sigv4::Credentials::parse("AKID secret\n").unwrap();
    let config = ServerConfig {
        credentials: Some(Arc::new(credentials)),
        ..ServerConfig::default()
    };
    let service = Service::open(config, Arc::new(MemoryStore::new()), Resources::new())
        .await
        .unwrap();
    assert_eq!(Access::of(service.config(), true), Access::LocalOnly);
    assert_eq!(Access::of(service.config(), false), Access::Refused);
    let request = || Request::get("/").body(Body::empty()).unwrap();
    let refused = router(service.clone()).oneshot(request()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let on = |host: &str| {
        Request::get("/")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    let served = router_with(service.clone(), Access::LocalOnly)
        .oneshot(on("127.0.0.1:8083"))
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    // A page whose name was rebound to 127.0.0.1 does not get the console.
    let rebound = router_with(service.clone(), Access::LocalOnly)
        .oneshot(on("attacker.example:8083"))
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);
    let executions = router(service)
        .oneshot(Request::get("/executions").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(executions.status(), StatusCode::NOT_FOUND);
}

/// Creates `definition` as state machine `name` and starts it; the execution's ARN.
async fn run(service: &Arc<Service>, name: &str, definition: Value) -> String {
    let machine = ok(
        service,
        "CreateStateMachine",
        json!({ "name": name, "definition": definition.to_string(),
                "roleArn": "arn:aws:iam::123456789012:role/r" }),
    )
    .await;
    let started = ok(
        service,
        "StartExecution",
        json!({ "stateMachineArn": machine["stateMachineArn"], "input": "{\"items\":[1,2,3]}" }),
    )
    .await;
    started["executionArn"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_waiting_task_token_is_listed_and_its_result_sent_from_the_page() {
    let service = service().await;
    let activity = ok(&service, "CreateActivity", json!({ "name": "review" })).await;
    let definition = json!({ "StartAt": "Review", "States": { "Review": {
        "Type": "Task", "Resource": activity["activityArn"], "End": true } } });
    let arn = run(&service, "reviews", definition).await;
    until_events(&service, &arn, 3).await;
    let mut page = String::new();
    for _ in 0..100 {
        page = get(&service, &execution_url(&arn)).await.1;
        if page.contains("send-task-success") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let field = r#"name="taskToken" value=""#;
    let at = page.find(field).expect("a token on the page") + field.len();
    let token = page[at..at + page[at..].find('"').unwrap()].to_owned();
    let origin = format!("http://{HOST}");
    let (status, location) = post(
        &service,
        "/actions/send-task-success",
        Some(&origin),
        &[
            ("executionArn", &arn),
            ("taskToken", &token),
            ("output", r#"{"ok": true}"#),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.contains("notice=Task%20success%20sent"),
        "{location}"
    );
    let described = finished(&service, &arn).await;
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], r#"{"ok":true}"#);
}

#[tokio::test]
async fn a_maps_iterations_are_counted_and_each_opens() {
    let service = service().await;
    let definition = json!({ "StartAt": "Each", "States": { "Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": { "StartAt": "Double", "States": {
            "Double": { "Type": "Pass", "End": true } } } } } });
    let arn = run(&service, "maps", definition).await;
    assert_eq!(finished(&service, &arn).await["status"], "SUCCEEDED");
    let (_, page) = get(&service, &format!("{}&state=Each", execution_url(&arn))).await;
    assert!(page.contains("3 ok"), "the graph's caption: {page}");
    assert!(page.contains("3 items: 3 succeeded"), "{page}");
    let (_, iteration) = get(
        &service,
        &format!("{}&state=Each&iteration=1", execution_url(&arn)),
    )
    .await;
    let opened = &iteration[iteration.find("<h3>Iteration 1</h3>").expect("opened")..];
    assert!(opened.contains("MapIterationStarted"));
    assert!(opened.contains("PassStateEntered"));
    assert!(opened.contains("MapIterationSucceeded"));
}

#[tokio::test]
async fn a_long_history_shows_its_latest_events_and_all_on_request() {
    let service = service().await;
    let definition = json!({ "StartAt": "Each", "States": { "Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": { "StartAt": "Echo", "States": {
            "Echo": { "Type": "Pass", "End": true } } } } } });
    let machine = ok(
        &service,
        "CreateStateMachine",
        json!({ "name": "long", "definition": definition.to_string(),
                "roleArn": "arn:aws:iam::123456789012:role/r" }),
    )
    .await;
    let items: Vec<u32> = (0..300).collect();
    let started = ok(
        &service,
        "StartExecution",
        json!({ "stateMachineArn": machine["stateMachineArn"],
                "input": json!({ "items": items }).to_string() }),
    )
    .await;
    let arn = started["executionArn"].as_str().unwrap();
    assert_eq!(finished(&service, arn).await["status"], "SUCCEEDED");
    let total = service.store().history(arn).unwrap().len();
    assert!(total > 1000, "{total}");
    let rows = |page: &str| page.matches("data-event-id=").count();
    let (_, page) = get(&service, &execution_url(arn)).await;
    assert_eq!(rows(&page), 1000);
    assert!(
        page.contains(&format!("The last 1000 of {total} events")),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"data-event-id="{total}""#)),
        "the latest"
    );
    let (_, page) = get(&service, &format!("{}&all=1", execution_url(arn))).await;
    assert_eq!(rows(&page), total);
}
