//! The web console in a real browser: `workflow serve` on a temporary database, the
//! onboarding state machine, an execution whose `send_message` fails twice (a
//! `MockConfigFile` test case) and one whose `send_message` always fails, and headless
//! Chromium driven through chromedriver (WebDriver, `fantoccini`).
//!
//! It checks that the execution is listed, that its page shows the path with the retried
//! state's attempt count and the events in order, that a running execution's page updates
//! without a reload, that the stop button stops one, that an input holding `<script>` is
//! shown as text, that the redrive button runs a stopped one again, that keyboard
//! selection opens a state's details, and that a narrow
//! window needs no horizontal scrolling. Screenshots go to the test's temporary directory,
//! to `docs/` with `CONSOLE_SCREENSHOTS=docs` (how the README's are made), or to the
//! directory `CONSOLE_SCREENSHOTS` names.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`, or `CHROMEDRIVER` and `CHROMIUM`): without them the test says
//! so and passes; `.ci/run` installs both, so CI always runs it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:onboarding";

/// A child process killed when dropped (a failed assertion leaves no server behind).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The onboarding flow as `examples/onboarding.rs` exports it, its handlers as Lambda
/// functions.
fn onboarding() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join("workflow-core/src/graph/fixtures/onboarding.asl.json"))
        .unwrap()
        .replace(
            "${SendMessageFunctionArn}",
            "arn:aws:lambda:us-east-1:123456789012:function:send_message",
        )
        .replace(
            "${FetchActivityCountFunctionArn}",
            "arn:aws:lambda:us-east-1:123456789012:function:fetch_activity_count",
        )
}

/// `FlakySend`: `send_message` fails twice, then sends; the user has one activity, so the
/// flow ends at `Done`. `DownSend`: `send_message` fails every time (retried for minutes).
fn mock_config() -> Value {
    let down = json!({ "Throw": { "Error": "States.TaskFailed", "Cause": "the mailer is down" } });
    json!({
        "StateMachines": { "onboarding": { "TestCases": {
            "FlakySend": { "SendMessage1": "FailTwiceThenSend", "FetchActivityCount1": "OneActivity" },
            "DownSend": { "SendMessage1": "AlwaysDown" }
        } } },
        "MockedResponses": {
            "FailTwiceThenSend": { "0-1": down, "2": { "Return": { "user_id": "u-1", "sent": true } } },
            "OneActivity": { "0": { "Return": { "user_id": "u-1", "activities": 1 } } },
            "AlwaysDown": { "0-20": down }
        }
    })
}

fn api(port: u16, operation: &str, body: Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let text = agent
        .post(&format!("http://127.0.0.1:{port}/"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", &format!("AWSStepFunctions.{operation}"))
        .send(body.to_string())
        .map_err(|e| e.to_string())
        .and_then(|mut r| r.body_mut().read_to_string().map_err(|e| e.to_string()));
    match text {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn serve(dir: &Path, port: u16) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--account",
            ACCOUNT,
            "--db",
        ])
        .arg(dir.join("workflow.db"))
        .arg("--mock-config")
        .arg(dir.join("mock.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("workflow serve starts");
    let server = Process(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if api(port, "ListStateMachines", json!({})).is_object() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("workflow serve did not answer within 30 s");
}

fn tool(variable: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

/// chromedriver on a free port, and a WebDriver session of headless Chromium in a fresh
/// profile, with the flags it needs on a closed network as root.
async fn browser(chromedriver: &Path, chromium: &Path, profile: &Path) -> (Process, Client) {
    let port = free_port();
    let driver = Process(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let session = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match session {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() > deadline => panic!("no WebDriver session: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Runs `script` (a function body that returns a value) in the page.
async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script runs")
}

/// Waits (up to `seconds`) until `script` returns true.
async fn until(client: &Client, script: &str, seconds: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if js(client, script).await == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let body = js(client, "return document.body.innerText").await;
    panic!("{what}: not within {seconds} s; the page says:\n{body}");
}

/// Clicks the element `css` selects.
async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await.expect("the element");
    element.click().await.expect("clicked");
}

/// Replaces the text of the field with id `id` by `text`, typed.
async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.expect("the field");
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

/// How many events the page's event view lists.
const EVENT_COUNT: &str =
    "return document.querySelectorAll('table.events tr[data-event-id]').length";

/// Saves a PNG of the window.
async fn screenshot(client: &Client, path: &Path) {
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(path, png).expect("the screenshot is saved");
}

fn page_of(base: &str, arn: &str) -> String {
    format!("{base}{}", workflow_server::console::execution_url(arn))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_headless_chromium() {
    let (Some(chromedriver), Some(chromium)) = (
        tool("CHROMEDRIVER", "/usr/bin/chromedriver"),
        tool("CHROMIUM", "/usr/bin/chromium"),
    ) else {
        println!(
            "SKIPPED console browser test: chromedriver or chromium not found \
             (apt-get install chromium chromium-driver, or set CHROMEDRIVER and CHROMIUM)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("workflow-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mock.json"), mock_config().to_string()).unwrap();
    let port = free_port();
    let server = serve(&dir, port);

    let created = api(
        port,
        "CreateStateMachine",
        json!({ "name": "onboarding", "definition": onboarding(),
                "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/local") }),
    );
    assert_eq!(created["stateMachineArn"], MACHINE, "{created}");

    let (_driver, client) = browser(&chromedriver, &chromium, &dir.join("profile")).await;
    // The checks run in a task of their own, so that a failed one still ends the browser
    // session: Chromium would outlive chromedriver otherwise.
    let checks = tokio::spawn(checks(
        client.clone(),
        Setup {
            dir: dir.clone(),
            port,
            server,
        },
    ));
    let outcome = checks.await;
    let _ = client.close().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the checks start from: the server, with the state machine.
struct Setup {
    dir: PathBuf,
    port: u16,
    server: Process,
}

async fn checks(client: Client, setup: Setup) {
    let Setup { dir, port, server } = setup;
    // Started once the browser is up, so that the first is still running when its page
    // opens.
    let start = |name: &str, case: &str| {
        let started = api(
            port,
            "StartExecution",
            json!({ "stateMachineArn": format!("{MACHINE}#{case}"), "name": name,
                    "input": json!({ "user_id": "u-1" }).to_string() }),
        );
        started["executionArn"]
            .as_str()
            .expect("started")
            .to_owned()
    };
    let flaky = start("flaky-send", "FlakySend");
    let down = start("mailer-down", "DownSend");

    let base = format!("http://127.0.0.1:{port}");
    let machine_page = format!(
        "{base}{}",
        workflow_server::console::state_machine_url(MACHINE)
    );
    let screenshots = match std::env::var("CONSOLE_SCREENSHOTS") {
        Ok(dir) if dir == "docs" => Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs"),
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dir.clone(),
    };
    std::fs::create_dir_all(&screenshots).unwrap();

    // The running execution's page updates without a reload: a mark left in the page
    // survives while the status goes from Running to Succeeded.
    client.goto(&page_of(&base, &flaky)).await.unwrap();
    assert_eq!(
        js(
            &client,
            "return document.querySelector('h1 .badge').textContent"
        )
        .await,
        "Running"
    );
    js(&client, "window.__notReloaded = true; return null").await;
    until(
        &client,
        "return document.querySelector('h1 .badge').textContent === 'Succeeded'",
        60,
        "the page shows the execution succeeded",
    )
    .await;
    assert_eq!(
        js(&client, "return window.__notReloaded === true").await,
        true
    );
    // Screen readers are told the new status.
    assert_eq!(
        js(
            &client,
            "return document.getElementById('live-status').textContent"
        )
        .await,
        "Status: Succeeded"
    );
    assert!(
        js(
            &client,
            "return document.documentElement.hasAttribute('data-refreshed')"
        )
        .await
        .as_bool()
        .unwrap()
    );

    // The graph: the path, the retried state with its three attempts.
    let send = ".wf-state[data-state='SendMessage1']";
    assert_eq!(
        js(
            &client,
            &format!("return document.querySelector(\"{send}\").dataset.attempts")
        )
        .await,
        "3"
    );
    assert_eq!(
        js(
            &client,
            &format!("return document.querySelector(\"{send}\").dataset.status")
        )
        .await,
        "succeeded"
    );
    assert!(
        js(
            &client,
            &format!("return document.querySelector(\"{send}\").textContent")
        )
        .await
        .as_str()
        .unwrap()
        .contains("×3")
    );
    for (state, status) in [
        ("Wait1", "succeeded"),
        ("Done", "succeeded"),
        ("SendMessage2", "not reached"),
    ] {
        assert_eq!(
            js(&client, &format!("return document.querySelector(\".wf-state[data-state='{state}']\").dataset.status")).await,
            status,
            "{state}"
        );
    }
    // The event view: every event, in order.
    let ids = js(
        &client,
        "return [...document.querySelectorAll('table.events tr[data-event-id]')].map(r => +r.dataset.eventId)",
    )
    .await;
    let ids: Vec<u64> = serde_json::from_value(ids).unwrap();
    assert!(ids.len() > 15, "{ids:?}");
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    let types = js(
        &client,
        "return [...document.querySelectorAll('table.events tr[data-event-id] td:nth-child(2)')].map(c => c.textContent)",
    )
    .await;
    assert_eq!(types[0], "ExecutionStarted");
    assert_eq!(types[ids.len() - 1], "ExecutionSucceeded");

    // A state's details, opened from the graph with a click, then with the keyboard.
    click(&client, send).await;
    until(
        &client,
        "const d = document.getElementById('details'); return d.textContent.includes('Step details: SendMessage1') && d.querySelectorAll('ol.attempts li').length === 3",
        10,
        "the details of SendMessage1, with its three attempts",
    )
    .await;
    assert!(
        js(
            &client,
            "return document.getElementById('details').textContent"
        )
        .await
        .as_str()
        .unwrap()
        .contains("the mailer is down")
    );
    js(
        &client,
        "document.querySelector('h1').scrollIntoView(); return null",
    )
    .await;
    screenshot(&client, &screenshots.join("console-execution.png")).await;
    js(
        &client,
        "document.querySelector(\".wf-state[data-state='Wait1']\").focus(); return null",
    )
    .await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    until(
        &client,
        "return document.getElementById('details').textContent.includes('Step details: Wait1')",
        10,
        "Enter on a focused state opens its details",
    )
    .await;

    // The list, newest first, with both executions.
    client.goto(&format!("{base}/executions")).await.unwrap();
    let names = js(
        &client,
        "return [...document.querySelectorAll('table.executions tbody th a')].map(a => a.textContent)",
    )
    .await;
    assert_eq!(names, json!(["mailer-down", "flaky-send"]));
    client.set_window_size(1280, 400).await.unwrap();
    screenshot(&client, &screenshots.join("console-executions.png")).await;
    client.set_window_size(1280, 900).await.unwrap();

    // A restart: the page of an execution still retrying, open while the server is killed
    // and started again on the same database, goes on updating once the execution resumes.
    client.goto(&page_of(&base, &down)).await.unwrap();
    js(&client, "window.__notReloaded = true; return null").await;
    drop(server);
    let events_before = js(&client, EVENT_COUNT).await.as_u64().unwrap();
    let server = serve(&dir, port);
    until(
        &client,
        &format!(
            "return {} > {events_before}",
            EVENT_COUNT.trim_start_matches("return ")
        ),
        60,
        "the page shows the events of the resumed execution",
    )
    .await;
    assert_eq!(
        js(&client, "return window.__notReloaded === true").await,
        true
    );

    // The stop button stops it.
    click(&client, "form[action='/actions/stop'] button").await;
    until(
        &client,
        "return document.querySelector('h1 .badge').textContent === 'Aborted'",
        10,
        "the stopped execution shows Aborted",
    )
    .await;
    assert_eq!(
        api(port, "DescribeExecution", json!({ "executionArn": down }))["status"],
        "ABORTED"
    );

    // The redrive button runs it again from the state it was stopped in.
    click(&client, "form[action='/actions/redrive'] button").await;
    until(
        &client,
        "return document.querySelector('h1 .badge').textContent === 'Running' && document.body.textContent.includes('ExecutionRedriven')",
        10,
        "the redriven execution runs again",
    )
    .await;
    let described = api(port, "DescribeExecution", json!({ "executionArn": down }));
    assert_eq!(described["redriveCount"], 1, "{described}");
    // Stopped again (and the form's navigation done before the next page is opened).
    click(&client, "form[action='/actions/stop'] button").await;
    until(
        &client,
        "return document.querySelector('h1 .badge').textContent === 'Aborted'",
        10,
        "the execution is stopped again",
    )
    .await;

    // An execution started from the console's form, with an input holding a script: shown
    // as text, never run.
    client.goto(&machine_page).await.unwrap();
    type_into(
        &client,
        "start-input",
        r#"{"user_id": "<script>window.__ran = true</script><img src=x onerror=\"window.__ran = true\">"}"#,
    )
    .await;
    type_into(&client, "start-name", "script-input").await;
    click(&client, "form.start button").await;
    until(
        &client,
        "return location.pathname === '/execution' && document.querySelector('h1') !== null && document.querySelector('h1').textContent.includes('script-input')",
        10,
        "the new execution's page",
    )
    .await;
    assert_eq!(js(&client, "return window.__ran === undefined").await, true);
    assert!(
        js(
            &client,
            "return document.querySelector('.io pre').textContent"
        )
        .await
        .as_str()
        .unwrap()
        .contains("<script>window.__ran = true</script>")
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('main img').length"
        )
        .await,
        0
    );

    // Invalid JSON in the editor is said, and the form is not sent.
    client.goto(&machine_page).await.unwrap();
    type_into(&client, "start-input", "{\"user_id\": ").await;
    until(
        &client,
        "return document.getElementById('start-input').getAttribute('aria-invalid') === 'true' && document.getElementById('start-input-status').textContent.startsWith('Invalid JSON')",
        5,
        "the editor says the JSON is invalid",
    )
    .await;

    // A narrow window: nothing wider than the window.
    client.set_window_size(400, 900).await.unwrap();
    client.goto(&page_of(&base, &flaky)).await.unwrap();
    assert_eq!(
        js(
            &client,
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        .await,
        true,
        "a narrow window scrolls sideways"
    );
    screenshot(&client, &screenshots.join("console-execution-narrow.png")).await;

    drop(server);
}
