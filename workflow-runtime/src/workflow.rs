use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::Value;

use crate::asl::{InvalidDefinition, StateMachine};
use crate::executor::{Execution, Executor, Outcome, StartError, Status};
use crate::history::History;

/// A state machine defined with [`workflow!`](crate::workflow). Implemented by the macro.
pub trait Workflow: 'static {
    /// The workflow's Rust name.
    const NAME: &'static str;
    /// The ASL document, pretty-printed, with handler resources as placeholders (or the ARNs
    /// given in `handlers`).
    const ASL: &'static str;
    /// `(Resource, handler)` for each handler: how a Task's `Resource` finds its handler.
    const RESOURCES: &'static [(&'static str, &'static str)];
    /// The enum of top-level states.
    type State: WorkflowState;

    /// The state machine, parsed from [`Workflow::ASL`] (which the macro validated) once
    /// and shared by every execution. It is an error only for a workflow whose `workflow!`
    /// block did not compile, whose ASL is empty.
    fn definition() -> Result<Arc<StateMachine>, InvalidDefinition>;

    /// The ASL with each handler's `Resource` replaced by an ARN, keyed by handler name:
    /// the emit-time alternative to CloudFormation's `DefinitionSubstitutions`.
    fn asl_with_resources(arns: &[(&str, &str)]) -> Result<String, InvalidDefinition> {
        let machine = Self::definition()?;
        let substitutions: Vec<(String, String)> = Self::RESOURCES
            .iter()
            .filter_map(|(resource, handler)| {
                arns.iter()
                    .find(|(h, _)| h == handler)
                    .map(|(_, arn)| ((*resource).to_owned(), (*arn).to_owned()))
            })
            .collect();
        Ok(crate::asl::render_with_resources(&machine, &substitutions))
    }
}

/// The generated enum of a workflow's top-level states.
pub trait WorkflowState: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// Every state, in the order they are written.
    const ALL: &'static [Self];

    /// The state's name in the ASL document.
    fn name(&self) -> &'static str;

    /// The state with this ASL name, if it is a top-level state.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.name() == name)
    }
}

impl Executor {
    /// Starts an execution of a `workflow!` workflow. Its Task resources reach the handlers
    /// registered under their handler names (`send_message`), which is what the generated
    /// `<Name>::resources(handlers)` registers, and what a test registers mocks under.
    pub fn start_workflow<W: Workflow>(
        &self,
        input: Value,
    ) -> Result<TypedExecution<W>, StartError> {
        let machine = W::definition().map_err(|e| StartError::InvalidDefinition(e.to_string()))?;
        // `<W>::resources(handlers)` has the aliases already; a table made otherwise (mocks
        // registered under the handler names) gets them on a copy. Checked rather than
        // copied on every start: the copy was a tenth of a quick typed execution's cost.
        let aliased = W::RESOURCES
            .iter()
            .all(|(resource, handler)| self.resources.has_alias(resource, handler));
        let inner = if aliased {
            self.start(machine, input)?
        } else {
            let mut resources = (*self.resources).clone();
            for (resource, handler) in W::RESOURCES {
                resources = resources.alias(*resource, *handler);
            }
            self.clone()
                .with_resources(Arc::new(resources))
                .start(machine, input)?
        };
        Ok(TypedExecution {
            inner,
            workflow: PhantomData,
        })
    }
}

/// An execution of a `workflow!` workflow, stepped through its typed states.
pub struct TypedExecution<W: Workflow> {
    inner: Execution,
    workflow: PhantomData<W>,
}

impl<W: Workflow> TypedExecution<W> {
    /// Runs the next state; returns it with the input it got, or `None` once the execution
    /// has ended.
    pub async fn step(&mut self) -> Option<(W::State, Value)> {
        loop {
            let step = self.inner.step().await?;
            // Top-level states always have a variant; keep going if one did not (never
            // happens for macro-generated workflows).
            if let Some(state) = W::State::from_name(&step.state) {
                return Some((state, step.input));
            }
        }
    }

    /// Runs to the end.
    pub async fn run(self) -> Outcome {
        self.inner.run().await
    }

    /// The status so far.
    pub fn status(&self) -> Status {
        self.inner.status()
    }

    /// The history so far.
    pub fn history(&self) -> &History {
        self.inner.history()
    }

    /// The outcome; `Running` if the execution has not ended.
    pub fn into_outcome(self) -> Outcome {
        self.inner.into_outcome()
    }
}
