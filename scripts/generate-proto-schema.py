#!/usr/bin/env python3
"""Generates Sources/KubeAPI/Protobuf/KubernetesProtoSchema.swift from Kubernetes' generated.proto files
and the Go types beside them.

The API server must read request bodies in Kubernetes' protobuf encoding (kubectl's typed clients
send it). This script keeps only what decoding needs from each message: field numbers, JSON names,
labels and types. Label `z` marks a Go field that is not a pointer and has `omitempty`: protobuf
always carries it, but a zero value there means "unset", as in JSON. Usage:

    scripts/generate-proto-schema.py [API_CHECKOUT APIMACHINERY_CHECKOUT] > Sources/KubeAPI/Protobuf/KubernetesProtoSchema.swift

where the checkouts are k8s.io/api and k8s.io/apimachinery at the release the schema follows;
they default to the copies in Tests/KubeAPITests/Fixtures/proto-v0.32.9.
With --check it compares its output with the committed file and exits 1 when they differ.
"""
import hashlib
import os
import re
import sys

API_FILES = ["core/v1", "apps/v1", "batch/v1", "autoscaling/v1", "coordination/v1", "discovery/v1", "rbac/v1", "policy/v1", "scheduling/v1", "authorization/v1", "authentication/v1"]
MACHINERY_FILES = ["pkg/apis/meta/v1", "pkg/api/resource", "pkg/util/intstr", "pkg/runtime", "pkg/runtime/schema"]
SCALARS = {"string", "bool", "int32", "int64", "uint32", "uint64", "bytes", "double", "float", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"}
FIELD = re.compile(r"^\s*(optional|repeated|required)?\s*(map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)")


GO_FIELD = re.compile(r'^\s*\w+\s+(\*?)[\w.\[\]*]+\s+`json:"([^"]*)".*protobuf:"[^"]*?,(\d+),')


def omit_zero_fields(directory):
    """(struct, field number) pairs whose Go field is a non-pointer with `omitempty`: zero means unset."""
    result = set()
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".go") or name.endswith("_test.go") or name.startswith("zz_generated"):
            continue
        struct = None
        for line in open(os.path.join(directory, name), encoding="utf-8"):
            start = re.match(r"^type (\w+) struct \{", line)
            if start:
                struct = start.group(1)
                continue
            if line.startswith("}"):
                struct = None
                continue
            field = GO_FIELD.match(line)
            if struct and field and not field.group(1) and "omitempty" in field.group(2):
                result.add((struct, int(field.group(3))))
    return result


def parse(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", text)
    package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
    omit_zero = omit_zero_fields(os.path.dirname(path))
    messages = []
    for match in re.finditer(r"^message\s+(\w+)\s*\{(.*?)^\}", text, re.M | re.S):
        name, body = match.group(1), match.group(2)
        fields = []
        for line in body.split(";"):
            field = FIELD.match(line.strip())
            if not field or line.strip().split(" ")[0] in ("option", "reserved", "message", "enum", "oneof"):
                continue
            label, type_, key, value, field_name, number = field.groups()
            def resolve(t):
                if t in SCALARS:
                    return t
                if t.startswith("."):
                    return "msg:" + t[1:]
                return "msg:" + (t if "." in t else package + "." + t)
            if key:
                kind = "map:%s:%s" % (resolve(key), resolve(value))
                label_code = "r"
            else:
                kind = resolve(type_)
                label_code = "r" if label == "repeated" else ("z" if (name, int(number)) in omit_zero else "o")
            fields.append((int(number), field_name, label_code, kind))
        messages.append((package + "." + name, sorted(fields)))
    return messages


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    if not args:
        inputs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "KubeAPITests", "Fixtures", "proto-v0.32.9")
        args = [os.path.join(inputs, "api"), os.path.join(inputs, "apimachinery")]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    api, machinery = args
    paths = [os.path.join(api, p, "generated.proto") for p in API_FILES] + [os.path.join(machinery, p, "generated.proto") for p in MACHINERY_FILES]
    digest = hashlib.sha256()
    lines = []
    for path in paths:
        digest.update(open(path, "rb").read())
        for go in sorted(os.listdir(os.path.dirname(path))):
            if go.endswith(".go") and not go.endswith("_test.go") and not go.startswith("zz_generated"):
                digest.update(open(os.path.join(os.path.dirname(path), go), "rb").read())
        for name, fields in parse(path):
            lines.append("M " + name)
            lines.extend("F %d %s %s %s" % f for f in fields)
    out = [
        "// Generated by scripts/generate-proto-schema.py from Kubernetes' generated.proto files. Do not edit.",
        "// Inputs: k8s.io/api " + ", ".join(API_FILES) + "; k8s.io/apimachinery " + ", ".join(MACHINERY_FILES) + " (generated.proto and Go types).",
        "// SHA-256 of the inputs: " + digest.hexdigest(),
        "",
        "extension ProtoSchema {",
        "    /// Field numbers, names, labels and types of the Kubernetes messages the server decodes.",
        "    static let kubernetesText = \"\"\"",
    ]
    out.extend("        " + line for line in lines)
    out += ["        \"\"\"", "}", ""]
    generated = "\n".join(out)
    if check:
        target = os.path.join(os.path.dirname(__file__), "..", "Sources", "KubeAPI", "Protobuf", "KubernetesProtoSchema.swift")
        return 0 if open(target, encoding="utf-8").read() == generated else 1
    sys.stdout.write(generated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
