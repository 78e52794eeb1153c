#!/usr/bin/env python3
"""Checks the control vectors against Protocols/schema/client-messages.schema.json.

Every vector expecting "ok" must validate; every vector expecting missing_type, unknown_type or
invalid_field must NOT validate (the schema is as strict as the decoder). Vectors expecting
malformed (JSON syntax) or too_large (size) are outside what a schema can say and are skipped.
It also validates every line of the worked example in Protocols/README.md that starts with
"→ " (client message, against the client schema) or "← " (server message, against
server-messages.schema.json). Exit status 0 when everything agrees, 1 otherwise. Needs the `jsonschema` module.

    python3 Protocols/vectors/check_schema.py
"""
import glob
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "schema", "client-messages.schema.json")
SERVER_SCHEMA = os.path.join(HERE, "..", "schema", "server-messages.schema.json")
README = os.path.join(HERE, "..", "README.md")
MUST_FAIL = {"missing_type", "unknown_type", "invalid_field"}


def main():
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems, checked, skipped = [], 0, 0
    for path in sorted(glob.glob(os.path.join(HERE, "control", "*.json"))):
        with open(path, encoding="utf-8") as f:
            vector = json.load(f)
        name, expect = vector["name"], vector["expect"]
        code = expect.get("error")
        if code is not None and code not in MUST_FAIL:
            skipped += 1
            continue
        try:
            message = json.loads(vector["input"])
        except ValueError as error:
            problems.append(f"{name}: input is not JSON ({error})")
            continue
        valid = validator.is_valid(message)
        checked += 1
        if "ok" in expect and not valid:
            reasons = "; ".join(e.message for e in validator.iter_errors(message))[:300]
            problems.append(f"{name}: decoder accepts it, schema rejects it: {reasons}")
        elif code is not None and valid:
            problems.append(f"{name}: decoder answers {code}, schema accepts it")
    with open(SERVER_SCHEMA, encoding="utf-8") as f:
        server_schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(server_schema)
    server = jsonschema.Draft202012Validator(server_schema)
    examples = 0
    with open(README, encoding="utf-8") as f:
        lines = [(n, l.rstrip("\n")) for n, l in enumerate(f, 1) if l.startswith(("→ ", "← "))]
    for index, (number, line) in enumerate(lines):
        try:
            message = json.loads(line[2:])
        except ValueError as error:
            problems.append(f"README.md:{number}: not JSON ({error})")
            continue
        examples += 1
        if line.startswith("← "):
            errors = [e.message for e in server.iter_errors(message)]
            if errors:
                problems.append(f"README.md:{number}: {'; '.join(errors)[:300]}")
            continue
        # A client line answered by a decoder error must be rejected by the schema too.
        reply = json.loads(lines[index + 1][1][2:]) if index + 1 < len(lines) and lines[index + 1][1].startswith("← ") else {}
        must_fail = reply.get("type") == "error" and reply.get("code") in MUST_FAIL and reply.get("id") == message.get("id")
        if validator.is_valid(message) == must_fail:
            problems.append(f"README.md:{number}: schema {'accepts' if must_fail else 'rejects'} it, the decoder does not")
    for problem in problems:
        print("MISMATCH", problem)
    print(f"check_schema: {checked} control vectors checked against the client schema, "
          f"{skipped} skipped (malformed/too_large), {examples} README example lines checked, "
          f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
