#!/usr/bin/env python3
"""Generates Sources/KubeAPI/OpenAPI/definitions.json from the Kubernetes OpenAPI (swagger 2.0) spec.

The API server builds its schema registry from these definitions: strict field validation,
pruning of unknown fields, and the /openapi/v3 documents it serves. Only `definitions` is kept
(paths are generated from the served types at run time). Usage:

    scripts/generate-openapi-definitions.py [SWAGGER_JSON]

SWAGGER_JSON defaults to Tests/KubeAPITests/Fixtures/swagger.json. With
--check it compares its output with the committed file and exits 1 when they differ.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "Sources", "KubeAPI", "OpenAPI", "definitions.json")
DEFAULT_SOURCE = os.path.join(HERE, "..", "Tests", "KubeAPITests", "Fixtures", "swagger.json")


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    source = args[0] if args else DEFAULT_SOURCE
    spec = json.load(open(source, encoding="utf-8"))
    generated = json.dumps({"definitions": spec["definitions"]}, sort_keys=True, separators=(",", ":")) + "\n"
    if check:
        return 0 if open(TARGET, encoding="utf-8").read() == generated else 1
    with open(TARGET, "w", encoding="utf-8") as out:
        out.write(generated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
