#!/usr/bin/env bash
# Lints the CloudFormation template that `workflow export cloudformation` writes for the
# onboarding example, in both formats, with a pinned cfn-lint. Exits non-zero on any
# cfn-lint error (and on its warnings: a template we ship should not need an excuse).
#
# Installs what it needs itself: cfn-lint goes into a virtual environment under target/, so
# it is reused between runs on the same machine and never touches the system Python.
set -euo pipefail
cd "$(dirname "$0")/.."

cfn_lint_version="1.58.0"
venv="$PWD/target/cfn-lint-venv"
out="$PWD/target/cfn-lint"

if [ "$("$venv/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $cfn_lint_version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$cfn_lint_version"
fi
"$venv/bin/cfn-lint" --version

mkdir -p "$out"
cargo run -q --example onboarding -- --emit-asl > "$out/onboarding.asl.json"
cargo run -q -p workflow-cli -- export cloudformation "$out/onboarding.asl.json" \
  --output "$out/onboarding.yaml"
cargo run -q -p workflow-cli -- export cloudformation "$out/onboarding.asl.json" \
  --format json --output "$out/onboarding.json"

# cfn-lint exits with a bit mask: 2 for errors, 4 for warnings, 8 for informational
# findings. Errors and warnings fail the build; informational findings are printed only.
status=0
"$venv/bin/cfn-lint" --format parseable -- "$out/onboarding.yaml" "$out/onboarding.json" || status=$?
if [ $((status & ~8)) -ne 0 ]; then
  echo "cfn-lint: the exported template has problems (exit $status)" >&2
  exit 1
fi

# The YAML (short-form intrinsics, block scalars, quoting) must say exactly what the JSON
# says: cfn-lint's own loader reads both into the same long-form structure.
"$venv/bin/python" - "$out/onboarding.yaml" "$out/onboarding.json" <<'EOF'
import sys
from cfnlint.decode import decode

yaml_template, yaml_errors = decode(sys.argv[1])
json_template, json_errors = decode(sys.argv[2])
if yaml_errors or json_errors:
    sys.exit(f"cannot read the templates: {yaml_errors or json_errors}")
def plain(value):
    # cfn-lint's node types remember where they came from; compare the data only.
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
if plain(yaml_template) != plain(json_template):
    sys.exit("the YAML and JSON templates differ")
EOF
echo "cfn-lint $cfn_lint_version: target/cfn-lint/onboarding.yaml and .json pass"
