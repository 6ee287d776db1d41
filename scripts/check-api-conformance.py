#!/usr/bin/env python3
"""Fails when a case of the API conformance corpus fails that the exceptions file does not
list (each listed case has a reason that is not missing functionality).

usage: check-api-conformance.py RUN_PY_LOG EXCEPTIONS_FILE
"""
import re
import sys


def main() -> int:
    log_path, exceptions_path = sys.argv[1:3]
    listed = set()
    with open(exceptions_path, encoding="utf-8") as exceptions:
        for line in exceptions:
            line = line.strip()
            if line and not line.startswith("#"):
                listed.add(line.split(":", 1)[0].strip())
    failed = []
    summary = None
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            match = re.match(r"FAIL (\S+?): ", line)
            if match:
                failed.append((match.group(1), line.rstrip()))
            elif line.startswith("api conformance:"):
                summary = line.strip()
    if summary is None:
        print("api conformance: run.py printed no summary", file=sys.stderr)
        return 1
    unlisted = [text for case, text in failed if case not in listed]
    print(f"{summary}; {len(failed) - len(unlisted)} failing case(s) listed as exceptions")
    for text in unlisted:
        print(f"unlisted failure: {text}", file=sys.stderr)
    return 1 if unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
