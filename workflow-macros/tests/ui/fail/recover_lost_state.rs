use workflow_runtime::workflow;

// An entry whose name does not parse is lost, name and all: any state the graph names but
// lacks may be it, so the `next` to `Fetch` is not reported as dangling, nor `fetch` as
// unused. The unknown field and the cycle with no way out, which it cannot explain, are.
workflow! {
    pub Flow {
        start_at: Start,
        handlers: { fetch },
        states: {
            Start: Pass { next: Fetch },
            42: Task { resource: fetch, next: Poll },
            Poll: Wait { seconds: 5, next: Again, nxet: Done },
            Again: Pass { next: Poll },
            Done: Succeed,
        }
    }
}

fn main() {}
