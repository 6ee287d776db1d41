//! A JSONata workflow: `arguments`, `output`, `assign` and choice `condition`.

#[path = "../export.rs"]
mod export;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use workflow_runtime::{TaskError, WorkflowState, workflow};

#[derive(Debug, Serialize, Deserialize)]
pub struct Score {
    pub value: i64,
}

workflow! {
    pub Scoring {
        query_language: "JSONata",
        start_at: Compute,
        handlers: {
            compute(Score) -> Score,
        },
        states: {
            Compute: Task {
                resource: compute,
                arguments: { "value": "{% $states.input.value * 2 %}" },
                output: { "value": "{% $states.result.value %}" },
                assign: { "attempt": 1 },
                timeout_seconds: "{% $timeout %}",
                next: Decide,
            },
            Decide: Choice {
                choices: [
                    { condition: "{% $states.input.value > 10 %}", next: High },
                ],
                default: Low,
            },
            High: Pass { output: { "band": "high" }, end: true },
            Low: Succeed { output: "{% $states.input %}" },
        }
    }
}

struct Handlers;

impl ScoringHandlers for Handlers {
    async fn compute(&self, score: Score) -> Result<Score, TaskError> {
        Ok(score)
    }
}

fn main() {
    export::asl("ui-jsonata.json", Scoring::ASL);
    let asl: Value = serde_json::from_str(Scoring::ASL).unwrap();
    assert_eq!(asl["QueryLanguage"], "JSONata");
    let compute = &asl["States"]["Compute"];
    assert_eq!(
        compute["Arguments"],
        json!({ "value": "{% $states.input.value * 2 %}" })
    );
    assert_eq!(
        compute["Output"],
        json!({ "value": "{% $states.result.value %}" })
    );
    assert_eq!(compute["Assign"], json!({ "attempt": 1 }));
    assert_eq!(compute["TimeoutSeconds"], "{% $timeout %}");
    assert_eq!(
        asl["States"]["Decide"]["Choices"][0]["Condition"],
        "{% $states.input.value > 10 %}"
    );
    assert_eq!(asl["States"]["Low"]["Output"], "{% $states.input %}");
    let names: Vec<&str> = ScoringState::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["Compute", "Decide", "High", "Low"]);
    fn handlers<H: ScoringHandlers>(_: &H) {}
    handlers(&Handlers);
}
