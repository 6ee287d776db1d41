//! Every state type, each with many of its fields, and a state named by a string literal.

#[path = "../export.rs"]
mod export;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_runtime::{TaskError, Workflow, WorkflowState, workflow};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    pub order_id: String,
    pub total: f64,
}

workflow! {
    /// Takes an order from payment to shipping.
    pub Fulfilment {
        start_at: Prepare,
        timeout_seconds: 3600,
        handlers: {
            charge(Order) -> Receipt,
            /// Sends the welcome mail; deployed on its own.
            send_mail(Receipt) -> Receipt = "arn:aws:lambda:us-east-1:123456789012:function:send-mail",
            pack_item,
        },
        states: {
            /// Shapes the input.
            Prepare: Pass {
                parameters: { "order.$": "$.order", "source": "web", "tags": ["a", "b"] },
                result_path: "$.prepared",
                next: Defaults,
            },
            Defaults: Pass {
                result: { "currency": "EUR", "express": false, "discount": null, "rate": 1.5 },
                result_path: "$.defaults",
                input_path: "$",
                output_path: "$",
                next: Charge,
            },
            Charge: Task {
                resource: charge,
                parameters: { "id.$": "$.order.id", "items.$": "$.order.items" },
                result_selector: { "total.$": "$.total" },
                result_path: "$.receipt",
                timeout_seconds: 300,
                heartbeat_seconds: 60,
                retry: [
                    { error_equals: [States.Timeout, "Payment.Busy"], interval_seconds: 1,
                      max_attempts: 3, backoff_rate: 2.0, max_delay_seconds: 10,
                      jitter_strategy: "FULL" },
                    { error_equals: [States.ALL], max_attempts: 0 },
                ],
                catch: [
                    { error_equals: ["Payment.Declined"], result_path: "$.error", next: Declined },
                    { error_equals: [States.ALL], next: Declined },
                ],
                next: Route,
            },
            Route: Choice {
                choices: [
                    {
                        and: [
                            { variable: "$.receipt.total", numeric_greater_than_equals: 100 },
                            { not: { variable: "$.defaults.express", boolean_equals: true } },
                        ],
                        next: "Send welcome mail",
                    },
                    {
                        or: [
                            { variable: "$.receipt.total", numeric_less_than_path: "$.limits.min" },
                            { variable: "$.order.id", string_matches: "test-*" },
                            { variable: "$.shipped_at", timestamp_less_than: "2030-01-01T00:00:00Z" },
                            { variable: "$.coupon", is_present: true },
                        ],
                        next: PauseSeconds,
                    },
                    { variable: "$.order.id", string_equals_path: "$.previous.id", next: Declined },
                ],
                default: PauseSeconds,
            },
            "Send welcome mail": Task {
                resource: send_mail,
                input_path: "$.receipt",
                result_path: null,
                next: PauseSeconds,
            },
            PauseSeconds: Wait { seconds: 5, next: PauseUntil },
            PauseUntil: Wait { timestamp: "2030-01-01T08:00:00Z", next: PauseSecondsPath },
            PauseSecondsPath: Wait { seconds_path: "$.delay", next: PauseTimestampPath },
            PauseTimestampPath: Wait { timestamp_path: "$.ship_at", next: Ship },
            Ship: Parallel {
                branches: [
                    {
                        start_at: Label,
                        states: { Label: Pass { result: "label", end: true } },
                    },
                    {
                        start_at: Notify,
                        states: {
                            Notify: Wait { seconds: 1, next: Notified },
                            Notified: Succeed,
                        },
                    },
                ],
                result_path: "$.shipping",
                next: PackEach,
            },
            PackEach: Map {
                items_path: "$.order.items",
                max_concurrency: 4,
                item_processor: {
                    processor_config: { "Mode": "INLINE" },
                    start_at: Pack,
                    states: {
                        Pack: Task { resource: pack_item, end: true },
                    },
                },
                result_path: "$.packed",
                end: true,
            },
            Declined: Fail { error: "Payment.Declined", cause: "the card was declined" },
        }
    }
}

struct Handlers;

impl FulfilmentHandlers for Handlers {
    async fn charge(&self, order: Order) -> Result<Receipt, TaskError> {
        Ok(Receipt {
            order_id: order.id,
            total: 10.0,
        })
    }

    async fn send_mail(&self, receipt: Receipt) -> Result<Receipt, TaskError> {
        Ok(receipt)
    }

    async fn pack_item(&self, item: Value) -> Result<Value, TaskError> {
        Ok(json!({ "packed": item }))
    }
}

fn main() {
    export::asl("ui-every_state_type.json", Fulfilment::ASL);
    let asl: Value = serde_json::from_str(Fulfilment::ASL).expect("ASL is JSON");
    assert_eq!(asl["Comment"], "Takes an order from payment to shipping.");
    assert_eq!(asl["TimeoutSeconds"], 3600);
    let states = &asl["States"];

    let prepare = &states["Prepare"];
    assert_eq!(prepare["Comment"], "Shapes the input.");
    assert_eq!(
        prepare["Parameters"],
        json!({ "order.$": "$.order", "source": "web", "tags": ["a", "b"] })
    );
    assert_eq!(prepare["ResultPath"], "$.prepared");
    assert_eq!(
        states["Defaults"]["Result"],
        json!({ "currency": "EUR", "express": false, "discount": null, "rate": 1.5 })
    );

    let charge = &states["Charge"];
    assert_eq!(charge["Resource"], "${ChargeFunctionArn}");
    assert_eq!(charge["TimeoutSeconds"], 300);
    assert_eq!(charge["HeartbeatSeconds"], 60);
    assert_eq!(charge["ResultSelector"], json!({ "total.$": "$.total" }));
    assert_eq!(
        charge["Retry"][0]["ErrorEquals"],
        json!(["States.Timeout", "Payment.Busy"])
    );
    assert_eq!(charge["Retry"][0]["MaxDelaySeconds"], 10);
    assert_eq!(charge["Retry"][0]["JitterStrategy"], "FULL");
    assert_eq!(charge["Retry"][1]["MaxAttempts"], 0);
    assert_eq!(charge["Catch"][0]["ResultPath"], "$.error");
    assert_eq!(charge["Catch"][1]["Next"], "Declined");

    let route = &states["Route"];
    assert_eq!(
        route["Choices"][0]["And"][0]["NumericGreaterThanEquals"],
        100
    );
    assert_eq!(route["Choices"][0]["And"][1]["Not"]["BooleanEquals"], true);
    assert_eq!(route["Choices"][0]["Next"], "Send welcome mail");
    assert_eq!(
        route["Choices"][1]["Or"][0]["NumericLessThanPath"],
        "$.limits.min"
    );
    assert_eq!(route["Choices"][1]["Or"][1]["StringMatches"], "test-*");
    assert_eq!(route["Choices"][1]["Or"][3]["IsPresent"], true);
    assert_eq!(route["Choices"][2]["StringEqualsPath"], "$.previous.id");
    assert_eq!(route["Default"], "PauseSeconds");

    let mail = &states["Send welcome mail"];
    assert_eq!(
        mail["Resource"],
        "arn:aws:lambda:us-east-1:123456789012:function:send-mail"
    );
    assert_eq!(mail["ResultPath"], Value::Null);

    assert_eq!(states["PauseSeconds"]["Seconds"], 5);
    assert_eq!(states["PauseUntil"]["Timestamp"], "2030-01-01T08:00:00Z");
    assert_eq!(states["PauseSecondsPath"]["SecondsPath"], "$.delay");
    assert_eq!(states["PauseTimestampPath"]["TimestampPath"], "$.ship_at");

    let ship = &states["Ship"];
    assert_eq!(ship["Branches"].as_array().unwrap().len(), 2);
    assert_eq!(ship["Branches"][1]["States"]["Notified"]["Type"], "Succeed");

    let pack = &states["PackEach"];
    assert_eq!(pack["ItemsPath"], "$.order.items");
    assert_eq!(pack["MaxConcurrency"], 4);
    assert_eq!(
        pack["ItemProcessor"]["ProcessorConfig"],
        json!({ "Mode": "INLINE" })
    );
    assert_eq!(
        pack["ItemProcessor"]["States"]["Pack"]["Resource"],
        "${PackItemFunctionArn}"
    );
    assert_eq!(pack["End"], true);

    assert_eq!(states["Declined"]["Error"], "Payment.Declined");
    assert_eq!(states["Declined"]["Cause"], "the card was declined");

    // A string-named state becomes an UpperCamelCase variant with the name kept as written.
    assert_eq!(FulfilmentState::SendWelcomeMail.name(), "Send welcome mail");
    assert_eq!(
        FulfilmentState::from_name("Send welcome mail"),
        Some(FulfilmentState::SendWelcomeMail)
    );
    // Only top-level states are variants.
    assert_eq!(FulfilmentState::ALL.len(), 12);
    assert_eq!(FulfilmentState::from_name("Pack"), None);

    assert_eq!(
        <Fulfilment as Workflow>::RESOURCES,
        &[
            ("${ChargeFunctionArn}", "charge"),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:send-mail",
                "send_mail"
            ),
            ("${PackItemFunctionArn}", "pack_item"),
        ]
    );

    fn handlers<H: FulfilmentHandlers>(_: &H) {}
    handlers(&Handlers);
}
