#!/usr/bin/env bash
# Drives `workflow serve` with the real AWS clients, as a user would: boto3 and the AWS CLI
# (tests/clients/test_boto3.py, tests/clients/test_aws_cli.py, Python's unittest).
#
#   bash scripts/client-tests.sh
#
# Creates (or reuses) a venv under target/client-venv with the pinned clients, builds
# `workflow`, starts `workflow serve` on a free port with tests/clients/MockConfigFile.json,
# runs the tests against it and exits with their status. The server is killed on exit.
#
# The pins: boto3 1.44.8 (botocore 1.44.x) and awscli 1.46.3, the newest 1.x, which carries
# its own copy of botocore (awscli.botocore) and so installs beside any botocore; the
# 1.45.x line pins botocore==1.43.x and cannot share a venv with boto3 1.44.8.
#
# tests/clients/onboarding.asl.json is the onboarding example's ASL, committed; regenerate it
# with
#   cargo run -q --example onboarding -- --emit-asl \
#     --resource send_message=arn:aws:lambda:us-east-1:123456789012:function:send-message \
#     --resource fetch_activity_count=arn:aws:lambda:us-east-1:123456789012:function:fetch-activity-count
#
# Environment: PYTHON (default python3) makes the venv; CLIENT_TESTS_NO_BUILD=1 skips the
# cargo build (uses ./target/debug/workflow as it is).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

BOTO3_VERSION=1.44.8
AWSCLI_VERSION=1.46.3
venv="$root/target/client-venv"
python=${PYTHON:-python3}

want="boto3==$BOTO3_VERSION awscli==$AWSCLI_VERSION"
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.pins" 2>/dev/null)" != "$want" ]]; then
    echo "client-tests: installing $want into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        "boto3==$BOTO3_VERSION" "awscli==$AWSCLI_VERSION"
    "$venv/bin/python" -m pip check --disable-pip-version-check
    echo "$want" > "$venv/.pins"
fi

if [[ "${CLIENT_TESTS_NO_BUILD:-}" != 1 ]]; then
    echo "client-tests: cargo build -p workflow-cli"
    cargo build -q -p workflow-cli
fi
workflow="$root/target/debug/workflow"

tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$workflow" serve --port "$port" --db "$tmp/x.db" \
    --mock-config tests/clients/MockConfigFile.json >"$tmp/server.log" 2>&1 &
server_pid=$!

endpoint="http://127.0.0.1:$port"
# Up when it answers a request (any HTTP status); give up after ~30 s or if it exits.
up=
for _ in $(seq 1 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "client-tests: workflow serve exited:" >&2
        cat "$tmp/server.log" >&2
        exit 1
    fi
    if "$venv/bin/python" -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass' "$endpoint" 2>/dev/null; then
        up=1
        break
    fi
    sleep 0.1
done
if [[ -z "$up" ]]; then
    echo "client-tests: workflow serve did not answer at $endpoint:" >&2
    cat "$tmp/server.log" >&2
    exit 1
fi
echo "client-tests: workflow serve at $endpoint"

set +e
PYTHONDONTWRITEBYTECODE=1 WORKFLOW_ENDPOINT="$endpoint" AWS_CLI="$venv/bin/aws" \
    "$venv/bin/python" -m unittest discover -s tests/clients -v 2>&1 | tee "$tmp/unittest.log"
status=${PIPESTATUS[0]}
set -e
# unittest's summary ("Ran N tests", then "OK" or "FAILED (failures=F, errors=E)") again as
# a plain "N passed, N failed" line, which CI reads.
"$venv/bin/python" - "$tmp/unittest.log" "$status" <<'PY'
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
ran = re.findall(r"^Ran (\d+) tests?", text, re.M)
verdicts = re.findall(r"^(?:OK|FAILED)\b.*$", text, re.M)
if not ran or not verdicts:
    print("client-tests: 0 passed, 1 failed")
    sys.exit()
verdict = verdicts[-1]


def count(what):
    found = re.search(rf"\b{what}=(\d+)", verdict)
    return int(found.group(1)) if found else 0


failed = count("failures") + count("errors") + count("unexpected successes")
if sys.argv[2] != "0":
    failed = max(failed, 1)
skipped = count("skipped")
passed = max(int(ran[-1]) - failed - skipped, 0)
print(f"client-tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
if [[ $status -ne 0 ]]; then
    echo "client-tests: the server's log:" >&2
    tail -n 50 "$tmp/server.log" >&2
fi
exit $status
