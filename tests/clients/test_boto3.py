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
