"""`workflow serve` through the AWS CLI (`aws stepfunctions ...`), as a shell user drives it.

Run by scripts/client-tests.sh (it starts the server and sets WORKFLOW_ENDPOINT, and AWS_CLI
to the venv's `aws`).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

import common

MACHINE_NAME = "onboarding-cli"
AWS = os.environ.get("AWS_CLI") or shutil.which("aws") or "aws"


class Cli:
    """Runs `aws stepfunctions ...` against the server, isolated from the user's own AWS
    configuration."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="client-tests-aws-")
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") or key == "AWS_CLI"
        }
        self.env.update(
            {
                "HOME": self.home,
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": common.REGION,
                "AWS_CONFIG_FILE": os.path.join(self.home, "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_MAX_ATTEMPTS": "1",
                "AWS_PAGER": "",
            }
        )

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, *args):
        """The completed process of `aws stepfunctions <args> --output json`."""
        command = [
            AWS,
            "stepfunctions",
            *args,
            "--endpoint-url",
            common.ENDPOINT,
            "--output",
            "json",
        ]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def json(self, *args):
        """The parsed output of a command that must succeed."""
        done = self.run(*args)
        if done.returncode != 0:
            raise AssertionError(
                f"aws stepfunctions {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
            )
        return json.loads(done.stdout) if done.stdout.strip() else {}


class OnboardingThroughTheCli(unittest.TestCase):
    """The user story of test_boto3, one `aws` command at a time."""

    @classmethod
    def setUpClass(cls):
        common.require_endpoint(cls)
        cls.cli = Cli()
        cls.machine_arn = cls.cli.json(
            "create-state-machine",
            "--name",
            MACHINE_NAME,
            "--definition",
            f"file://{common.ONBOARDING_ASL_PATH}",
            "--role-arn",
            common.ROLE_ARN,
        )["stateMachineArn"]
        cls.name = "user-1-" + uuid.uuid4().hex[:8]
        cls.execution_arn = cls.cli.json(
            "start-execution",
            "--state-machine-arn",
            f"{cls.machine_arn}#{common.TEST_CASE}",
            "--name",
            cls.name,
            "--input",
            json.dumps(common.INPUT),
        )["executionArn"]
        cls.polls = 0
        deadline = time.monotonic() + common.DEADLINE_SECONDS
        while True:
            cls.execution = cls.cli.json("describe-execution", "--execution-arn", cls.execution_arn)
            cls.polls += 1
            if cls.execution["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.cli.close()

    def test_created(self):
        self.assertEqual(
            self.machine_arn,
            f"arn:aws:states:{common.REGION}:{common.ACCOUNT}:stateMachine:{MACHINE_NAME}",
        )
        described = self.cli.json("describe-state-machine", "--state-machine-arn", self.machine_arn)
        self.assertEqual(json.loads(described["definition"]), json.loads(common.ONBOARDING_ASL))
        listed = self.cli.json("list-state-machines")["stateMachines"]
        self.assertIn(MACHINE_NAME, [m["name"] for m in listed])

    def test_describe_execution_until_done(self):
        self.assertGreater(self.polls, 1, "it was RUNNING at first")
        self.assertEqual(self.execution["status"], "SUCCEEDED", self.execution)
        self.assertEqual(
            self.execution_arn,
            f"arn:aws:states:{common.REGION}:{common.ACCOUNT}:execution:{MACHINE_NAME}:{self.name}",
        )
        self.assertEqual(self.execution["stateMachineArn"], self.machine_arn)
        self.assertEqual(json.loads(self.execution["input"]), common.INPUT)
        self.assertEqual(json.loads(self.execution["output"]), common.OUTPUT)

    def test_list_executions(self):
        succeeded = self.cli.json(
            "list-executions",
            "--state-machine-arn",
            self.machine_arn,
            "--status-filter",
            "SUCCEEDED",
        )["executions"]
        self.assertIn(self.execution_arn, [e["executionArn"] for e in succeeded])
        running = self.cli.json(
            "list-executions",
            "--state-machine-arn",
            self.machine_arn,
            "--status-filter",
            "RUNNING",
        )["executions"]
        self.assertNotIn(self.execution_arn, [e["executionArn"] for e in running])

    def test_get_execution_history(self):
        # The CLI pages through the whole history itself, 4 events a call.
        events = self.cli.json(
            "get-execution-history",
            "--execution-arn",
            self.execution_arn,
            "--page-size",
            "4",
        )["events"]
        common.check_onboarding_history(self, events)

    def test_get_execution_history_max_items_and_starting_token(self):
        whole = self.cli.json("get-execution-history", "--execution-arn", self.execution_arn)[
            "events"
        ]
        first = self.cli.json(
            "get-execution-history",
            "--execution-arn",
            self.execution_arn,
            "--max-items",
            "10",
            "--page-size",
            "3",
        )
        self.assertEqual(first["events"], whole[:10])
        self.assertIn("NextToken", first)
        rest = self.cli.json(
            "get-execution-history",
            "--execution-arn",
            self.execution_arn,
            "--starting-token",
            first["NextToken"],
            "--page-size",
            "3",
        )
        self.assertEqual(first["events"] + rest["events"], whole)
        self.assertNotIn("NextToken", rest)
        # --no-paginate: one call, the server's nextToken in the output.
        one = self.cli.json(
            "get-execution-history",
            "--execution-arn",
            self.execution_arn,
            "--max-results",
            "5",
            "--no-paginate",
        )
        self.assertEqual(one["events"], whole[:5])
        self.assertTrue(one.get("nextToken"))
        newest = self.cli.json(
            "get-execution-history",
            "--execution-arn",
            self.execution_arn,
            "--reverse-order",
            "--max-items",
            "1",
        )["events"]
        self.assertEqual(newest, whole[-1:])
        self.assertEqual(newest[0]["type"], "ExecutionSucceeded")


class CommandsThroughTheCli(unittest.TestCase):
    def setUp(self):
        common.require_endpoint(self)
        self.cli = Cli()

    def tearDown(self):
        self.cli.close()

    def test_cli_version(self):
        done = subprocess.run(
            [AWS, "--version"], env=self.cli.env, capture_output=True, text=True, check=True
        )
        self.assertTrue((done.stdout + done.stderr).startswith("aws-cli/1.46.3 "), done)

    def test_stop_execution(self):
        machine = self.cli.json(
            "create-state-machine",
            "--name",
            "sleepy-cli",
            "--definition",
            common.SLEEPY_DEFINITION,
            "--role-arn",
            common.ROLE_ARN,
        )["stateMachineArn"]
        execution = self.cli.json("start-execution", "--state-machine-arn", machine)[
            "executionArn"
        ]
        self.assertEqual(
            self.cli.json("describe-execution", "--execution-arn", execution)["status"], "RUNNING"
        )
        stopped = self.cli.json(
            "stop-execution",
            "--execution-arn",
            execution,
            "--error",
            "User.Cancelled",
            "--cause",
            "the user left",
        )
        self.assertIn("stopDate", stopped)
        described = self.cli.json("describe-execution", "--execution-arn", execution)
        self.assertEqual(described["status"], "ABORTED")
        events = self.cli.json("get-execution-history", "--execution-arn", execution)["events"]
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(events[0]["type"], "ExecutionStarted")
        self.assertEqual(events[-1]["type"], "ExecutionAborted")
        self.assertEqual(
            events[-1]["executionAbortedEventDetails"],
            {"error": "User.Cancelled", "cause": "the user left"},
        )
        aborted = self.cli.json(
            "list-executions", "--state-machine-arn", machine, "--status-filter", "ABORTED"
        )["executions"]
        self.assertEqual([e["executionArn"] for e in aborted], [execution])

    def test_validate_state_machine_definition(self):
        ok = self.cli.json(
            "validate-state-machine-definition",
            "--definition",
            f"file://{common.ONBOARDING_ASL_PATH}",
        )
        self.assertEqual(ok["result"], "OK", ok)
        broken = self.cli.json(
            "validate-state-machine-definition", "--definition", common.BROKEN_DEFINITION
        )
        self.assertEqual(broken["result"], "FAIL")
        self.assertIn(
            (common.BROKEN_CODE, common.BROKEN_LOCATION),
            [(d["code"], d.get("location")) for d in broken["diagnostics"]],
            broken,
        )

    def test_describe_unknown_execution(self):
        done = self.cli.run("describe-execution", "--execution-arn", common.UNKNOWN_EXECUTION_ARN)
        # awscli v1: 254 for an error the service returned, 255 for others.
        self.assertIn(done.returncode, (254, 255), done)
        self.assertIn("ExecutionDoesNotExist", done.stderr)
        self.assertIn("DescribeExecution", done.stderr)
        self.assertEqual(done.stdout.strip(), "")

    def test_duplicate_name_with_another_definition(self):
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        name = "duplicate-cli"
        self.cli.json(
            "create-state-machine",
            "--name",
            name,
            "--definition",
            json.dumps(definition),
            "--role-arn",
            common.ROLE_ARN,
        )
        definition["Comment"] = "another definition"
        done = self.cli.run(
            "create-state-machine",
            "--name",
            name,
            "--definition",
            json.dumps(definition),
            "--role-arn",
            common.ROLE_ARN,
        )
        self.assertIn(done.returncode, (254, 255), done)
        self.assertIn("StateMachineAlreadyExists", done.stderr)


if __name__ == "__main__":
    unittest.main()
