//! The executor's tracing spans, seen by a subscriber. A test binary of its own: tracing
//! caches which call sites any subscriber wants, process-wide, so a scoped subscriber in
//! one test races the executions other tests run at the same time.

use std::sync::Arc;

use serde_json::json;
use workflow_runtime::asl::StateMachine;
use workflow_runtime::{Executor, Resources, Status};

/// States run in place (on a clock whose transitions take no time) still open their spans
/// for a subscriber that wants them, as the states run as futures do.
#[test]
fn states_run_in_place_have_their_spans() {
    use std::sync::Mutex;
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Records the name of each span opened.
    #[derive(Default)]
    struct Spans(Mutex<Vec<String>>);
    impl Subscriber for &'static Spans {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut names = self.0.lock().unwrap();
            names.push(span.metadata().name().to_owned());
            Id::from_u64(names.len() as u64)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
    let spans: &'static Spans = Box::leak(Box::default());
    let definition = json!({
        "StartAt": "P",
        "States": { "P": { "Type": "Pass", "Next": "S" }, "S": { "Type": "Succeed" } }
    });
    let definition = Arc::new(StateMachine::from_json_str(&definition.to_string()).unwrap());
    let outcome = tracing::subscriber::with_default(spans, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let execution = Executor::new(Resources::new())
            .start(definition, json!({}))
            .unwrap();
        runtime.block_on(execution.run())
    });
    assert_eq!(outcome.status, Status::Succeeded);
    let names = spans.0.lock().unwrap();
    assert_eq!(
        names.iter().filter(|n| *n == "state").count(),
        2,
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "execution"), "{names:?}");
}
