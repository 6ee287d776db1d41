#!/usr/bin/env bash
# The crash-safety measure of `workflow serve`: 1,000 executions, 3 to 5 SIGKILLs at random
# moments, then every check of workflow-cli/tests/serve_crash.rs. CRASH_SEED repeats a run.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${CRASH_KILLS:-$((3 + RANDOM % 3))}
CRASH_EXECUTIONS=${CRASH_EXECUTIONS:-1000} CRASH_KILLS=$kills \
  cargo test -q -p workflow-cli --test serve_crash -- --nocapture
