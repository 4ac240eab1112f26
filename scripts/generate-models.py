#!/usr/bin/env python3
"""Generates Swift models (Sources/KubeAPI/Models/Generated+*.swift) from the Kubernetes OpenAPI spec.

One `Codable, Hashable, Sendable` struct per definition reachable from the kinds the API server
serves, in a namespace per group-version (`CoreV1.Pod`, `AppsV1.Deployment`, `MetaV1.ObjectMeta`).
Every property is optional (so partial objects decode) and keeps its JSON name; descriptions
become doc comments. Well-known types map to Swift: Quantity, Time and MicroTime to String
(their exact text round-trips), IntOrString to `IntOrString`, RawExtension and FieldsV1 to
`JSONValue`. Usage:

    scripts/generate-models.py [SWAGGER_JSON]     # default Tests/KubeAPITests/Fixtures/swagger.json
    scripts/generate-models.py --check [SWAGGER_JSON]   # exit 1 when the committed files differ
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Sources", "KubeAPI", "Models")
DEFAULT_SOURCE = os.path.join(HERE, "..", "Tests", "KubeAPITests", "Fixtures", "swagger.json")

# The kinds the API server serves (ResourceRegistry.builtIn), as group/version/kind.
SERVED = [
    ("", "v1", k) for k in ["Namespace", "Node", "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "ServiceAccount", "Event",
                            "ReplicationController", "PersistentVolumeClaim", "PersistentVolume", "Binding"]
] + [("apps", "v1", k) for k in ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ControllerRevision"]] + [
    ("batch", "v1", "Job"), ("batch", "v1", "CronJob"), ("coordination.k8s.io", "v1", "Lease"), ("discovery.k8s.io", "v1", "EndpointSlice"),
    ("rbac.authorization.k8s.io", "v1", "Role"), ("rbac.authorization.k8s.io", "v1", "RoleBinding"), ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"), ("policy", "v1", "PodDisruptionBudget"), ("autoscaling", "v1", "Scale"),
    ("", "v1", "Status"), ("", "v1", "DeleteOptions"),
]
SPECIAL = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "String",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "String",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "String",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "JSONValue",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "JSONValue",
}
KEYWORDS = {"default", "protocol", "operator", "internal", "public", "private", "static", "class", "struct", "enum", "import", "in",
            "is", "as", "self", "Self", "super", "func", "let", "var", "return", "switch", "case", "where", "while", "for", "if", "else",
            "repeat", "continue", "break", "throw", "throws", "try", "catch", "init", "deinit", "extension", "subscript", "Type", "Protocol"}


def namespace_of(name):
    """`io.k8s.api.apps.v1.Deployment` -> (`AppsV1`, `Deployment`)."""
    parts = name.split(".")
    kind = parts[-1]
    if name.startswith("io.k8s.api."):
        group, version = parts[3], parts[4]
    elif name.startswith("io.k8s.apimachinery.pkg.apis.meta."):
        group, version = "meta", parts[-2]
    else:
        group, version = parts[-3], parts[-2]
    words = re.split(r"[^A-Za-z0-9]", group)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + version[:1].upper() + version[1:], kind


def swift_type(schema, refs):
    if "$ref" in schema:
        target = schema["$ref"].split("/")[-1]
        if target in SPECIAL:
            return SPECIAL[target]
        refs.append(target)
        ns, kind = namespace_of(target)
        return ns + "." + kind
    if schema.get("x-kubernetes-int-or-string") or schema.get("format") == "int-or-string":
        return "IntOrString"
    kind = schema.get("type")
    if kind == "string":
        return "String"
    if kind == "integer":
        return "Int32" if schema.get("format") == "int32" else "Int64"
    if kind == "number":
        return "Double"
    if kind == "boolean":
        return "Bool"
    if kind == "array":
        return "[" + swift_type(schema.get("items", {}), refs) + "]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "[String: " + swift_type(schema["additionalProperties"], refs) + "]"
    return "JSONValue"


def doc(text, indent):
    lines = []
    for paragraph in (text or "").strip().split("\n"):
        paragraph = paragraph.strip()
        lines.append(indent + "/// " + paragraph if paragraph else indent + "///")
    return [line.rstrip() for line in lines] if text else []


def generate(spec):
    definitions = spec["definitions"]
    by_gvk = {}
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            key = (gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", ""))
            if key not in by_gvk or not name.startswith("io.k8s.apimachinery"):
                by_gvk[key] = name
    pending = [by_gvk[gvk] for gvk in SERVED]
    selected = {}
    while pending:
        name = pending.pop()
        if name in selected or name in SPECIAL:
            continue
        definition = definitions[name]
        refs = []
        properties = []
        for prop, schema in sorted(definition.get("properties", {}).items()):
            properties.append((prop, swift_type(schema, refs), schema.get("description", "")))
        selected[name] = (definition, properties)
        pending.extend(refs)
    files = {}
    for name in sorted(selected, key=lambda n: namespace_of(n)):
        ns, kind = namespace_of(name)
        definition, properties = selected[name]
        out = files.setdefault(ns, [])
        out += [""] + doc(definition.get("description", ""), "    ")
        out.append("    public struct %s: Codable, Hashable, Sendable {" % kind)
        for prop, type_, description in properties:
            out += doc(description, "        ")
            out.append("        public var %s: %s?" % ("`%s`" % prop if prop in KEYWORDS else prop, type_))
        names = ["`%s`" % p if p in KEYWORDS else p for p, _, _ in properties]
        out.append("")
        out.append("        /// Creates a value; every field defaults to absent.")
        params = ", ".join("%s: %s? = nil" % (n, t) for n, (_, t, _) in zip(names, properties))
        out.append("        public init(%s) {" % params)
        for n in names:
            out.append("            self.%s = %s" % (n.strip("`"), n))
        out.append("        }")
        out.append("    }")
    header = "// Generated by scripts/generate-models.py from the Kubernetes OpenAPI spec. Do not edit.\n"
    rendered = {}
    for ns, lines in files.items():
        body = [header, "extension %s {" % ns] + lines[1:] + ["}", ""]
        rendered["Generated+%s.swift" % ns] = "\n".join(body)
    namespaces = ["// Generated by scripts/generate-models.py from the Kubernetes OpenAPI spec. Do not edit.", ""]
    for ns in sorted(files):
        namespaces += ["/// Models of the `%s` group-version." % ns, "public enum %s {}" % ns, ""]
    rendered["Generated+Namespaces.swift"] = "\n".join(namespaces)
    return rendered


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    spec = json.load(open(args[0] if args else DEFAULT_SOURCE, encoding="utf-8"))
    rendered = generate(spec)
    existing = {f for f in os.listdir(OUT) if f.startswith("Generated+")}
    if check:
        same = existing == set(rendered) and all(open(os.path.join(OUT, f), encoding="utf-8").read() == text for f, text in rendered.items())
        return 0 if same else 1
    for stale in existing - set(rendered):
        os.remove(os.path.join(OUT, stale))
    for name, text in rendered.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
