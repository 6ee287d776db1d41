use workflow_runtime::workflow;

// `Start`'s value does not parse. It is the only user of `greet` and the only way to
// `Done`: neither is reported. The errors elsewhere (a dangling `next`, an unused
// handler) are, in the same build.
workflow! {
    pub Flow {
        start_at: Start,
        handlers: { greet, forgotten },
        states: {
            Start: Task { resource: greet, next: Done } extra,
            Done: Succeed,
            Other: Pass { next: Nowhere },
        }
    }
}

fn main() {}
