#!/usr/bin/env python3
"""Generates workflow-runtime/src/test_state/aws_output_shapes.json: the output shapes of the
AWS service APIs that TestState checks a mocked Task result against (`fieldValidationMode`).

    python3 scripts/gen_mock_shapes.py BOTOCORE_DATA_DIR > workflow-runtime/src/test_state/aws_output_shapes.json

BOTOCORE_DATA_DIR is botocore's `data/` folder (`pip install botocore`, then
`python3 -c 'import botocore, os; print(os.path.dirname(botocore.__file__) + "/data")'`).

Only the services in SERVICES are kept, and of each shape only what the check reads: the
type, a structure's members (by the name Step Functions gives them: the first letter upper
case, as its SDK integrations return fields) and required members, a list's member, a map's
value, an enum's values, and the min/max of strings, blobs and numbers. Everything else
(documentation, patterns, list lengths) is dropped.
"""
import gzip
import json
import os
import sys

# (the name in `arn:aws:states:::aws-sdk:<name>:...`, botocore's folder)
SERVICES = [
    ("athena", "athena"),
    ("batch", "batch"),
    ("bedrockruntime", "bedrock-runtime"),
    ("dynamodb", "dynamodb"),
    ("ecs", "ecs"),
    ("eventbridge", "events"),
    ("kms", "kms"),
    ("lambda", "lambda"),
    ("s3", "s3"),
    ("secretsmanager", "secretsmanager"),
    ("sfn", "stepfunctions"),
    ("sns", "sns"),
    ("sqs", "sqs"),
    ("sts", "sts"),
]


def load(data_dir, folder):
    base = os.path.join(data_dir, folder)
    version = sorted(os.listdir(base))[-1]
    for name in ("service-2.json", "service-2.json.gz"):
        path = os.path.join(base, version, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                return json.load(f)
    raise SystemExit("no service-2.json for %s" % folder)


def upper_first(name):
    return name[:1].upper() + name[1:]


def compact_shape(shape):
    kind = shape["type"]
    out = {"t": kind}
    if shape.get("document") or shape.get("jsonvalue"):
        return {"t": "any"}
    if kind == "structure":
        out["m"] = {upper_first(k): v["shape"] for k, v in shape.get("members", {}).items()}
        required = [upper_first(r) for r in shape.get("required", [])]
        if required:
            out["r"] = required
    elif kind == "list":
        out["l"] = shape["member"]["shape"]
    elif kind == "map":
        out["v"] = shape["value"]["shape"]
    if kind in ("string", "blob", "integer", "long", "float", "double"):
        for bound in ("min", "max"):
            if bound in shape:
                out[bound] = shape[bound]
    if kind == "string" and "enum" in shape:
        out["e"] = shape["enum"]
    return out


def reachable(model, root, seen):
    stack = [root]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        shape = model["shapes"][name]
        seen[name] = compact_shape(shape)
        c = seen[name]
        stack.extend(c.get("m", {}).values())
        for key in ("l", "v"):
            if key in c:
                stack.append(c[key])


def main():
    data_dir = sys.argv[1]
    services = {}
    for sdk_name, folder in SERVICES:
        model = load(data_dir, folder)
        operations = {}
        shapes = {}
        for op_name, op in sorted(model["operations"].items()):
            output = op.get("output", {}).get("shape")
            if output is None:
                continue
            operations[op_name] = output
            reachable(model, output, shapes)
        services[sdk_name] = {
            "api_version": model["metadata"].get("apiVersion"),
            "operations": operations,
            "shapes": dict(sorted(shapes.items())),
        }
    json.dump({"services": services}, sys.stdout, separators=(",", ":"), sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
