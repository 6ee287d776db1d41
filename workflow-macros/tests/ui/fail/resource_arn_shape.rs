use workflow_runtime::workflow;

// AWS's shape for a Task ARN: arn:partition:service:region:account:task_type:name.
workflow! {
    pub Flow {
        start_at: Short,
        states: {
            Short: Task { resource: "arn:aws:lambda", next: NoApi },
            NoApi: Task { resource: "arn:aws:states:::sns:", next: NoRegion },
            NoRegion: Task { resource: "arn:aws:lambda:::function:f", next: Layer },
            Layer: Task { resource: "arn:aws:lambda:us-east-1:123456789012:layer:l", next: Fine },
            Fine: Task { resource: "arn:aws:states:::sns:publish", end: true },
        }
    }
}

fn main() {}
