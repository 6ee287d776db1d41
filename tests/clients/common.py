"""What the client tests share: the server's endpoint, the onboarding ASL, the test case.

Run by scripts/client-tests.sh, which starts `workflow serve` with MockConfigFile.json
beside this file and passes its endpoint in WORKFLOW_ENDPOINT.
"""

import json
import os
import pathlib
import unittest

HERE = pathlib.Path(__file__).resolve().parent

ENDPOINT = os.environ.get("WORKFLOW_ENDPOINT", "")
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/onboarding"

# `cargo run -q --example onboarding -- --emit-asl --resource send_message=... --resource
# fetch_activity_count=...`, committed.
ONBOARDING_ASL_PATH = HERE / "onboarding.asl.json"
ONBOARDING_ASL = ONBOARDING_ASL_PATH.read_text()
SEND_MESSAGE_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:send-message"
FETCH_ACTIVITY_COUNT_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fetch-activity-count"

# MockConfigFile.json: the test case of both onboarding machines (one per client, so that
# their executions do not mix in ListExecutions). SendMessage1 fails its first call with
# States.TaskFailed and is retried after 2 s; SendMessage2 succeeds at once: 1 of the 3
# send_message calls fails. FetchActivityCount1 answers 0 activities, FetchActivityCount2 1,
# so the flow is SendMessage1 (x2), Wait1, FetchActivityCount1, SendMessage2, Wait2,
# FetchActivityCount2, Done: about 8 s.
TEST_CASE = "FlakyMailService"
INPUT = {"user_id": "user-1"}
OUTPUT = {"user_id": "user-1", "messages_sent": 2, "activities": 1}
STATES_VISITED = [
    "SendMessage1",
    "Wait1",
    "FetchActivityCount1",
    "CheckActivityCount1",
    "SendMessage2",
    "Wait2",
    "FetchActivityCount2",
    "CheckActivityCount2",
    "Done",
]

# How long an onboarding execution may take before a test gives up on it.
DEADLINE_SECONDS = 60

# A definition whose only state goes `Next` to a state that does not exist.
BROKEN_DEFINITION = json.dumps(
    {
        "StartAt": "Greet",
        "States": {"Greet": {"Type": "Pass", "Result": "hello", "Next": "Missing"}},
    }
)
BROKEN_CODE = "MISSING_TRANSITION_TARGET"
BROKEN_LOCATION = "/States/Greet/Next"

# A machine that waits for an hour, to be stopped.
SLEEPY_DEFINITION = json.dumps(
    {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}
)

UNKNOWN_EXECUTION_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:onboarding:no-such-execution"


def require_endpoint(case: unittest.TestCase) -> None:
    if not ENDPOINT:
        raise unittest.SkipTest("WORKFLOW_ENDPOINT is not set: run scripts/client-tests.sh")


def check_onboarding_history(case: unittest.TestCase, events: list) -> None:
    """The history of a FlakyMailService execution, as both clients read it (dicts with
    the API's member names)."""
    ids = [e["id"] for e in events]
    case.assertEqual(ids, list(range(1, len(events) + 1)), "event ids are 1..N in order")
    for event in events:
        case.assertLess(event["previousEventId"], event["id"])
    case.assertEqual(events[0]["type"], "ExecutionStarted")
    case.assertEqual(
        json.loads(events[0]["executionStartedEventDetails"]["input"]), INPUT
    )
    case.assertEqual(events[-1]["type"], "ExecutionSucceeded")
    case.assertEqual(
        json.loads(events[-1]["executionSucceededEventDetails"]["output"]), OUTPUT
    )

    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")
    ]
    case.assertEqual(entered, STATES_VISITED)

    # Every Lambda call: which function, and how it ended.
    calls = []
    for event in events:
        if event["type"] == "LambdaFunctionScheduled":
            calls.append([event["lambdaFunctionScheduledEventDetails"]["resource"], None])
        elif event["type"] in ("LambdaFunctionSucceeded", "LambdaFunctionFailed"):
            calls[-1][1] = event
    sends = [ended for resource, ended in calls if resource == SEND_MESSAGE_ARN]
    fetches = [ended for resource, ended in calls if resource == FETCH_ACTIVITY_COUNT_ARN]
    case.assertEqual(len(calls), len(sends) + len(fetches))
    failed = [e for e in sends if e["type"] == "LambdaFunctionFailed"]
    case.assertEqual(len(sends), 3, "SendMessage1 twice (one retry), SendMessage2 once")
    case.assertEqual(len(failed), 1, "1 of the 3 send_message calls fails (~30%)")
    case.assertEqual(
        failed[0]["lambdaFunctionFailedEventDetails"],
        {"error": "States.TaskFailed", "cause": "the mail service is unavailable"},
    )
    case.assertEqual(len(fetches), 2)
    case.assertTrue(all(e["type"] == "LambdaFunctionSucceeded" for e in fetches))

    # The failure is SendMessage1's first attempt, retried within the same state: between
    # its entered and exited events, scheduled/started/failed then scheduled/started/
    # succeeded.
    start = next(
        i
        for i, e in enumerate(events)
        if e["type"] == "TaskStateEntered"
        and e["stateEnteredEventDetails"]["name"] == "SendMessage1"
    )
    types = [e["type"] for e in events[start : start + 8]]
    case.assertEqual(
        types,
        [
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
        ],
    )
    # No failure anywhere else, and no TaskFailed (the resource is a Lambda function ARN).
    case.assertEqual(
        [e["type"] for e in events if e["type"].endswith("Failed")], ["LambdaFunctionFailed"]
    )
