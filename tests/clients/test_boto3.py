"""`workflow serve` through boto3, as a Python user of AWS Step Functions drives it.

Run by scripts/client-tests.sh (it starts the server and sets WORKFLOW_ENDPOINT).
"""

import json
import time
import unittest
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

import common

MACHINE_NAME = "onboarding-boto3"


def client():
    return boto3.client(
        "stepfunctions",
        endpoint_url=common.ENDPOINT,
        region_name=common.REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


def wait_until_done(sfn, execution_arn, deadline=common.DEADLINE_SECONDS):
    ends = time.monotonic() + deadline
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING" or time.monotonic() > ends:
            return execution
        time.sleep(0.25)


class Onboarding(unittest.TestCase):
    """The onboarding state machine, created from the exported ASL, run with the
    FlakyMailService test case: once in setUpClass, then read back by each test."""

    @classmethod
    def setUpClass(cls):
        common.require_endpoint(cls)
        cls.sfn = client()
        created = cls.sfn.create_state_machine(
            name=MACHINE_NAME, definition=common.ONBOARDING_ASL, roleArn=common.ROLE_ARN
        )
        cls.machine_arn = created["stateMachineArn"]
        cls.started = cls.sfn.start_execution(
            stateMachineArn=cls.machine_arn + "#" + common.TEST_CASE,
            name="user-1-" + uuid.uuid4().hex[:8],
            input=json.dumps(common.INPUT),
        )
        cls.execution_arn = cls.started["executionArn"]
        # While it runs: it is listed as RUNNING.
        cls.running = cls.sfn.list_executions(
            stateMachineArn=cls.machine_arn, statusFilter="RUNNING"
        )["executions"]
        cls.begun = time.monotonic()
        cls.execution = wait_until_done(cls.sfn, cls.execution_arn)
        cls.took = time.monotonic() - cls.begun

    def test_create_state_machine(self):
        self.assertEqual(
            self.machine_arn,
            f"arn:aws:states:{common.REGION}:{common.ACCOUNT}:stateMachine:{MACHINE_NAME}",
        )
        described = self.sfn.describe_state_machine(stateMachineArn=self.machine_arn)
        self.assertEqual(described["name"], MACHINE_NAME)
        self.assertEqual(described["status"], "ACTIVE")
        self.assertEqual(described["type"], "STANDARD")
        self.assertEqual(json.loads(described["definition"]), json.loads(common.ONBOARDING_ASL))
        names = [m["name"] for m in self.sfn.list_state_machines()["stateMachines"]]
        self.assertIn(MACHINE_NAME, names)

    def test_create_again_with_the_same_definition_is_idempotent(self):
        again = self.sfn.create_state_machine(
            name=MACHINE_NAME, definition=common.ONBOARDING_ASL, roleArn=common.ROLE_ARN
        )
        self.assertEqual(again["stateMachineArn"], self.machine_arn)

    def test_start_execution(self):
        # The test case is not part of the execution's ARN.
        self.assertTrue(
            self.execution_arn.startswith(
                f"arn:aws:states:{common.REGION}:{common.ACCOUNT}:execution:{MACHINE_NAME}:user-1-"
            ),
            self.execution_arn,
        )
        self.assertNotIn("#", self.execution_arn)
        self.assertIn(self.execution_arn, [e["executionArn"] for e in self.running])

    def test_describe_execution(self):
        execution = self.execution
        self.assertEqual(execution["status"], "SUCCEEDED", execution)
        self.assertEqual(execution["stateMachineArn"], self.machine_arn)
        self.assertEqual(json.loads(execution["input"]), common.INPUT)
        self.assertEqual(json.loads(execution["output"]), common.OUTPUT)
        self.assertGreaterEqual(execution["stopDate"], execution["startDate"])
        # The retry (2 s) and the two Wait states (3 s each) took real time.
        elapsed = (execution["stopDate"] - execution["startDate"]).total_seconds()
        self.assertGreaterEqual(elapsed, 7.5)
        self.assertLess(self.took, common.DEADLINE_SECONDS)

    def test_list_executions_with_status_filter(self):
        succeeded = self.sfn.list_executions(
            stateMachineArn=self.machine_arn, statusFilter="SUCCEEDED"
        )["executions"]
        listed = [e for e in succeeded if e["executionArn"] == self.execution_arn]
        self.assertEqual(len(listed), 1, succeeded)
        self.assertEqual(listed[0]["status"], "SUCCEEDED")
        self.assertEqual(listed[0]["name"], self.execution["name"])
        for status in ("RUNNING", "FAILED", "ABORTED"):
            others = self.sfn.list_executions(
                stateMachineArn=self.machine_arn, statusFilter=status
            )["executions"]
            self.assertNotIn(self.execution_arn, [e["executionArn"] for e in others], status)

    def test_history(self):
        events = self.sfn.get_execution_history(executionArn=self.execution_arn)["events"]
        common.check_onboarding_history(self, events)

    def test_history_paginated_with_max_results(self):
        whole = self.sfn.get_execution_history(executionArn=self.execution_arn)["events"]
        pages, token = [], None
        while True:
            kwargs = {"executionArn": self.execution_arn, "maxResults": 4}
            if token:
                kwargs["nextToken"] = token
            page = self.sfn.get_execution_history(**kwargs)
            self.assertLessEqual(len(page["events"]), 4)
            pages.append(page["events"])
            token = page.get("nextToken")
            if not token:
                break
            self.assertLess(len(pages), 100, "pagination does not end")
        self.assertEqual(len(pages), (len(whole) + 3) // 4)
        self.assertEqual([e for p in pages for e in p], whole)
        # boto3's paginator, newest first.
        paginator = self.sfn.get_paginator("get_execution_history")
        newest_first = [
            e["id"]
            for page in paginator.paginate(
                executionArn=self.execution_arn,
                reverseOrder=True,
                PaginationConfig={"PageSize": 5},
            )
            for e in page["events"]
        ]
        self.assertEqual(newest_first, list(range(len(whole), 0, -1)))

    def test_describe_state_machine_for_execution(self):
        described = self.sfn.describe_state_machine_for_execution(executionArn=self.execution_arn)
        self.assertEqual(described["stateMachineArn"], self.machine_arn)
        self.assertEqual(json.loads(described["definition"]), json.loads(common.ONBOARDING_ASL))

    def test_duplicate_name_with_another_definition(self):
        with self.assertRaises(ClientError) as raised:
            self.sfn.create_state_machine(
                name=MACHINE_NAME,
                definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
                roleArn=common.ROLE_ARN,
            )
        error = raised.exception.response["Error"]
        self.assertEqual(error["Code"], "StateMachineAlreadyExists")
        self.assertIn(MACHINE_NAME, error["Message"])
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # The modeled exception class matches too.
        self.assertIsInstance(raised.exception, self.sfn.exceptions.StateMachineAlreadyExists)


class StopExecution(unittest.TestCase):
    def setUp(self):
        common.require_endpoint(self)
        self.sfn = client()

    def test_stop_a_long_wait(self):
        machine = self.sfn.create_state_machine(
            name="sleepy-boto3", definition=common.SLEEPY_DEFINITION, roleArn=common.ROLE_ARN
        )["stateMachineArn"]
        execution = self.sfn.start_execution(stateMachineArn=machine, name="nap")["executionArn"]
        # It is waiting.
        deadline = time.monotonic() + 10
        while True:
            events = self.sfn.get_execution_history(executionArn=execution)["events"]
            if any(e["type"] == "WaitStateEntered" for e in events) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(self.sfn.describe_execution(executionArn=execution)["status"], "RUNNING")

        stopped = self.sfn.stop_execution(
            executionArn=execution, error="User.Cancelled", cause="the user left"
        )
        self.assertIn("stopDate", stopped)

        described = self.sfn.describe_execution(executionArn=execution)
        self.assertEqual(described["status"], "ABORTED")
        self.assertEqual(described["stopDate"], stopped["stopDate"])
        self.assertNotIn("output", described)

        events = self.sfn.get_execution_history(executionArn=execution)["events"]
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(
            [e["type"] for e in events],
            ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"],
        )
        self.assertEqual(
            events[-1]["executionAbortedEventDetails"],
            {"error": "User.Cancelled", "cause": "the user left"},
        )

        aborted = self.sfn.list_executions(stateMachineArn=machine, statusFilter="ABORTED")
        self.assertEqual([e["executionArn"] for e in aborted["executions"]], [execution])
        running = self.sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")
        self.assertEqual(running["executions"], [])


def wait_for_history(sfn, execution_arn, event_type, deadline=10):
    """The execution's events, once one of `event_type` is among them."""
    ends = time.monotonic() + deadline
    while True:
        events = sfn.get_execution_history(executionArn=execution_arn)["events"]
        if any(e["type"] == event_type for e in events) or time.monotonic() > ends:
            return events
        time.sleep(0.1)


def create(sfn, name, definition, **kwargs):
    return sfn.create_state_machine(
        name=f"{name}-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=common.ROLE_ARN,
        **kwargs,
    )["stateMachineArn"]


class TheRestOfStepFunctions(unittest.TestCase):
    """Callbacks, redrive, nested executions, map runs and Express, through boto3."""

    def setUp(self):
        common.require_endpoint(self)
        self.sfn = client()

    def test_a_callback_waits_for_send_task_success(self):
        # The integration is Step Functions itself (a fire-and-forget start of a Pass
        # machine), so the test needs no Lambda; the token reaches the test through the
        # started child's input.
        child = create(self.sfn, "echo", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        machine = create(
            self.sfn,
            "callback",
            {
                "StartAt": "Ask",
                "States": {
                    "Ask": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                        "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}},
                        "HeartbeatSeconds": 30,
                        "End": True,
                    }
                },
            },
        )
        execution = self.sfn.start_execution(stateMachineArn=machine)["executionArn"]
        wait_for_history(self.sfn, execution, "TaskSubmitted")
        children = self.sfn.list_executions(stateMachineArn=child)["executions"]
        token = json.loads(self.sfn.describe_execution(executionArn=children[0]["executionArn"])["input"])["token"]
        self.sfn.send_task_heartbeat(taskToken=token)
        self.sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
        described = wait_until_done(self.sfn, execution)
        self.assertEqual(described["status"], "SUCCEEDED")
        self.assertEqual(json.loads(described["output"]), {"approved": True})
        with self.assertRaises(self.sfn.exceptions.TaskTimedOut):
            self.sfn.send_task_success(taskToken=token, output="{}")

    def test_redrive_goes_on_from_the_state_that_failed(self):
        # The first run fails at Check (no `go` in the input is a Fail); the redrive runs
        # Check again with the same input, and fails again, counted.
        machine = create(
            self.sfn,
            "redrive",
            {
                "StartAt": "Prepare",
                "States": {
                    "Prepare": {"Type": "Pass", "Next": "Check"},
                    "Check": {"Type": "Fail", "Error": "Not.Ready", "Cause": "try again"},
                },
            },
        )
        execution = self.sfn.start_execution(stateMachineArn=machine)["executionArn"]
        self.assertEqual(wait_until_done(self.sfn, execution)["status"], "FAILED")
        described = self.sfn.describe_execution(executionArn=execution)
        self.assertEqual(described["redriveStatus"], "REDRIVABLE")
        redriven = self.sfn.redrive_execution(executionArn=execution)
        self.assertIn("redriveDate", redriven)
        described = wait_until_done(self.sfn, execution)
        self.assertEqual(described["redriveCount"], 1)
        events = self.sfn.get_execution_history(executionArn=execution)["events"]
        types = [e["type"] for e in events]
        self.assertEqual(types.count("ExecutionRedriven"), 1)
        after = types[types.index("ExecutionRedriven") + 1 :]
        self.assertEqual(after, ["FailStateEntered", "ExecutionFailed"])
        listed = self.sfn.list_executions(stateMachineArn=machine, redriveFilter="REDRIVEN")
        self.assertEqual([e["executionArn"] for e in listed["executions"]], [execution])
        ok = create(self.sfn, "fine", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        done = self.sfn.start_execution(stateMachineArn=ok)["executionArn"]
        wait_until_done(self.sfn, done)
        with self.assertRaises(self.sfn.exceptions.ExecutionNotRedrivable):
            self.sfn.redrive_execution(executionArn=done)

    def test_a_sync_child_gives_its_output(self):
        child = create(
            self.sfn,
            "double",
            {"StartAt": "D", "States": {"D": {"Type": "Pass", "End": True, "Parameters": {"n.$": "States.MathAdd($.n, $.n)"}}}},
        )
        parent = create(
            self.sfn,
            "parent",
            {
                "StartAt": "Run",
                "States": {
                    "Run": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::states:startExecution.sync:2",
                        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
                        "OutputPath": "$.Output",
                        "End": True,
                    }
                },
            },
        )
        execution = self.sfn.start_execution(stateMachineArn=parent, input=json.dumps({"n": 21}))["executionArn"]
        described = wait_until_done(self.sfn, execution)
        self.assertEqual(described["status"], "SUCCEEDED")
        self.assertEqual(json.loads(described["output"]), {"n": 42})

    def test_map_runs_are_listed_described_and_updated(self):
        machine = create(
            self.sfn,
            "mapper",
            {
                "StartAt": "Each",
                "States": {
                    "Each": {
                        "Type": "Map",
                        "MaxConcurrency": 1,
                        "End": True,
                        "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                            "StartAt": "W",
                            "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}},
                        },
                    }
                },
            },
        )
        execution = self.sfn.start_execution(stateMachineArn=machine, input=json.dumps([1, 2, 3]))["executionArn"]
        # The Map state's events reach the history when it ends; its run is listed at once.
        ends = time.monotonic() + 10
        while not (runs := self.sfn.list_map_runs(executionArn=execution)["mapRuns"]):
            self.assertLess(time.monotonic(), ends, "no map run")
            time.sleep(0.05)
        self.assertEqual(len(runs), 1)
        arn = runs[0]["mapRunArn"]
        self.sfn.update_map_run(mapRunArn=arn, maxConcurrency=3)
        self.assertEqual(self.sfn.describe_map_run(mapRunArn=arn)["maxConcurrency"], 3)
        self.assertEqual(wait_until_done(self.sfn, execution)["status"], "SUCCEEDED")
        run = self.sfn.describe_map_run(mapRunArn=arn)
        self.assertEqual(run["status"], "SUCCEEDED")
        self.assertEqual(run["itemCounts"]["succeeded"], 3)

    def test_an_express_machine_starts_asynchronously(self):
        machine = create(
            self.sfn,
            "express",
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
            type="EXPRESS",
        )
        started = self.sfn.start_execution(stateMachineArn=machine, name="same")
        self.assertIn(":express:", started["executionArn"])
        again = self.sfn.start_execution(stateMachineArn=machine, name="same")
        self.assertNotEqual(started["executionArn"], again["executionArn"])
        synced = self.sfn.start_sync_execution(stateMachineArn=machine, input='{"a": 1}')
        self.assertEqual(synced["status"], "SUCCEEDED")
        self.assertEqual(json.loads(synced["output"]), {"a": 1})


class ValidateDefinition(unittest.TestCase):
    def setUp(self):
        common.require_endpoint(self)
        self.sfn = client()

    def test_onboarding_is_valid(self):
        result = self.sfn.validate_state_machine_definition(definition=common.ONBOARDING_ASL)
        self.assertEqual(result["result"], "OK", result)
        self.assertEqual(result["diagnostics"], [])

    def test_next_to_a_missing_state(self):
        result = self.sfn.validate_state_machine_definition(definition=common.BROKEN_DEFINITION)
        self.assertEqual(result["result"], "FAIL")
        codes = [(d["severity"], d["code"]) for d in result["diagnostics"]]
        self.assertIn(("ERROR", common.BROKEN_CODE), codes, result["diagnostics"])
        diagnostic = next(d for d in result["diagnostics"] if d["code"] == common.BROKEN_CODE)
        self.assertEqual(diagnostic["location"], common.BROKEN_LOCATION)
        self.assertIn("Missing", diagnostic["message"])


class Errors(unittest.TestCase):
    def setUp(self):
        common.require_endpoint(self)
        self.sfn = client()

    def test_describe_unknown_execution(self):
        with self.assertRaises(ClientError) as raised:
            self.sfn.describe_execution(executionArn=common.UNKNOWN_EXECUTION_ARN)
        self.assertEqual(raised.exception.response["Error"]["Code"], "ExecutionDoesNotExist")
        self.assertIn(common.UNKNOWN_EXECUTION_ARN, raised.exception.response["Error"]["Message"])
        self.assertIsInstance(raised.exception, self.sfn.exceptions.ExecutionDoesNotExist)

    def test_start_with_an_unknown_test_case(self):
        machine = self.sfn.create_state_machine(
            name=MACHINE_NAME, definition=common.ONBOARDING_ASL, roleArn=common.ROLE_ARN
        )["stateMachineArn"]
        with self.assertRaises(ClientError) as raised:
            self.sfn.start_execution(stateMachineArn=machine + "#NoSuchCase")
        error = raised.exception.response["Error"]
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn("NoSuchCase", error["Message"])
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_client_versions(self):
        # The pins of scripts/client-tests.sh.
        self.assertEqual(boto3.__version__, "1.44.8")
        self.assertTrue(botocore.__version__.startswith("1.44."), botocore.__version__)


if __name__ == "__main__":
    unittest.main()
