use serde::{Deserialize, Serialize};
use workflow_runtime::{TaskError, Workflow, WorkflowState, workflow};

#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

workflow! {
    pub Onboarding {
        start_at: SendMessage,
        handlers: {
            send_message(User) -> User,
        },
        states: {
            SendMessage: Task { resource: send_message, next: Wiat },
            Wait1: Wait { seconds: 3, next: Done },
            Done: Succeed,
        }
    }
}

struct Handlers;

impl OnboardingHandlers for Handlers {
    async fn send_message(&self, user: User) -> Result<User, TaskError> {
        Ok(user)
    }
}

fn main() {
    let _ = Onboarding;
    let _: &str = Onboarding::ASL;
    let _: &str = <Onboarding as Workflow>::ASL;
    let _ = <Onboarding as Workflow>::RESOURCES;
    let state = OnboardingState::Wait1;
    assert_eq!(state.name(), "Wait1");
    assert_eq!(OnboardingState::ALL.len(), 3);
    let _ = OnboardingState::from_name("Done");
    let _ = Handlers;
}
