use std::fmt::Debug;
use std::hash::Hash;

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

    /// The ASL with each handler's `Resource` replaced by an ARN, keyed by handler name:
    /// the emit-time alternative to CloudFormation's `DefinitionSubstitutions`.
    fn asl_with_resources(arns: &[(&str, &str)]) -> Result<String, crate::asl::InvalidDefinition> {
        let machine = crate::asl::StateMachine::from_json_str(Self::ASL)?;
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
