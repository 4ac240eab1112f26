import DaaSTestSupport
import Foundation
import Testing

@testable import KubeAPI

@Suite("Custom resource schemas: pruning, defaulting, validation, printer-column paths")
struct CustomResourceSchemaTests {
    let schema: JSONValue = [
        "type": "object",
        "properties": [
            "spec": [
                "type": "object", "required": ["size"],
                "properties": [
                    "size": ["type": "string", "enum": ["small", "large"]], "replicas": ["type": "integer", "minimum": 0, "default": 1],
                    "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "tags": ["type": "array", "x-kubernetes-list-type": "set", "items": ["type": "string"]],
                ],
            ],
        ],
    ]

    @Test("unknown fields are pruned (kept under preserve-unknown-fields and additionalProperties), defaults fill absent fields")
    func pruneAndDefault() {
        let object: JSONValue = [
            "apiVersion": "example.com/v1", "kind": "W", "metadata": ["name": "w", "anything": 1],
            "spec": ["size": "small", "extra": 1, "labels": ["a": "b"], "free": ["x": ["y": 1]]], "top": true,
        ]
        let (pruned, unknown) = StructuralSchema.prune(object, schema: schema)
        #expect(unknown == ["spec.extra", "top"])
        #expect(pruned[path: ["metadata", "anything"]] == 1)
        #expect(pruned[path: ["spec", "free", "x", "y"]] == 1 && pruned[path: ["spec", "labels", "a"]] == "b")
        #expect(StructuralSchema.applyDefaults(pruned, schema: schema)[path: ["spec", "replicas"]] == 1)
    }

    @Test("validation messages are kube-apiserver's field errors")
    func validation() {
        let causes = SchemaValidator().validate(["spec": ["size": "huge", "replicas": -2, "labels": ["a": 1], "tags": ["x", "x"]]], schema: schema, path: "")
        #expect(causes.map(\.field) == ["spec.labels.a", "spec.replicas", "spec.size", "spec.tags[1]"])
        #expect(causes.map(\.message) == [
            "Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"",
            "Invalid value: -2: spec.replicas in body should be greater than or equal to 0",
            "Unsupported value: \"huge\": supported values: \"small\", \"large\"",
            "Duplicate value: \"x\"",
        ])
        #expect(SchemaValidator().validate(["spec": [:]], schema: schema, path: "").map(\.field) == ["spec.size"])
    }

    @Test("printer-column JSONPaths: members, quoted keys, indexes, wildcards and filters")
    func jsonPath() throws {
        let object: JSONValue = [
            "metadata": ["labels": ["app.kubernetes.io/name": "x"]],
            "status": ["conditions": [["type": "Ready", "status": "True"], ["type": "Synced", "status": "False"]]],
            "spec": ["items": [1, 2, 3]],
        ]
        func eval(_ text: String) throws -> [JSONValue] { try #require(JSONPathExpression(parsing: text)).evaluate(object) }
        #expect(try eval(".status.conditions[?(@.type==\"Ready\")].status") == ["True"])
        #expect(try eval(".status.conditions[?(@.type != 'Ready')].type") == ["Synced"])
        #expect(try eval(".metadata.labels['app.kubernetes.io/name']") == ["x"])
        #expect(try eval(".spec.items[-1]") == [3] && eval(".spec.items[*]") == [1, 2, 3] && eval("{.spec.missing}") == [])
        for bad in ["spec", ".spec[", ".spec[?(@.a)]", ".a[?(x==1)]", ".a b"] { #expect(JSONPathExpression(parsing: bad) == nil, "\(bad)") }
    }

    @Test("patterns: RE2 syntax matched without backtracking, bad syntax refused")
    func patterns() throws {
        let cases: [(String, String, Bool)] = [
            ("^[a-z]+$", "abc", true), ("^[a-z]+$", "aBc", false), ("b", "abc", true), ("^(http|https)://.+$", "https://x", true),
            ("^(0|(([0-9]+)y)?(([0-9]+)d)?)$", "3y4d", true), ("^(0|(([0-9]+)y)?(([0-9]+)d)?)$", "3x", false),
            ("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "a.b-c", true),
            ("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "a..b", false),
            ("^\\d{2,3}$", "123", true), ("^\\d{2,3}$", "1234", false), ("^a{2}$", "aa", true), ("x{", "x{", true), ("[]a]", "]", true),
            ("^[^/]+$", "a/b", false), ("(?:ab)+?$", "abab", true), ("^$|^x$", "", true),
        ]
        for (pattern, text, expected) in cases {
            #expect(try SchemaPattern(pattern).matches(text) == expected, "\(pattern) ~ \(text)")
        }
        for bad in ["(", "[a", "a**", "\\q", "(?i)a", "a{2000}", "[z-a]"] {
            #expect(throws: SchemaPattern.SyntaxError.self, "\(bad)") { try SchemaPattern(bad) }
        }
        // Exponential for a backtracking engine; linear here.
        let evil = try SchemaPattern("^(a+)+$")
        #expect(!evil.matches(String(repeating: "a", count: 5000) + "!"))
    }

    @Test("random paths and random values against random schemas never crash (seeded)")
    func randomized() {
        var random = SplitMix64.seeded("CustomResourceSchemaTests.randomized")
        let pieces = [".", "[", "]", "*", "?(@.", "==", "!=", "'", "\"", "a", "0", "-1", ")", "{", "}", " "]
        let values: [JSONValue] = [.null, true, 1, -1, .double(1.5), "x", "", [], [:], ["a": 1], [1, 1], ["size": "small"]]
        let keys = ["type", "properties", "items", "enum", "minimum", "maxLength", "pattern", "required", "additionalProperties", "nullable", "format",
                    "x-kubernetes-int-or-string", "x-kubernetes-list-type", "anyOf", "oneOf", "not", "default"]
        func randomSchema(_ depth: Int) -> JSONValue {
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &random) {
                let key = keys.randomElement(using: &random)!
                switch key {
                case "properties": members[key] = ["a": depth < 3 ? randomSchema(depth + 1) : [:], "size": ["type": "string"]]
                case "items", "additionalProperties", "not": members[key] = depth < 3 ? randomSchema(depth + 1) : [:]
                case "anyOf", "oneOf": members[key] = [depth < 3 ? randomSchema(depth + 1) : [:], [:]]
                case "type": members[key] = .string(["object", "array", "string", "integer", "number", "boolean", "bogus"].randomElement(using: &random)!)
                case "pattern": members[key] = .string(["^a", "(", "[a-z]+", "(a+)+$"].randomElement(using: &random)!)
                default: members[key] = values.randomElement(using: &random)!
                }
            }
            return .object(members)
        }
        func randomValue(_ depth: Int) -> JSONValue {
            if depth > 3 { return values.randomElement(using: &random)! }
            switch Int.random(in: 0..<3, using: &random) {
            case 0: return ["a": randomValue(depth + 1), "size": values.randomElement(using: &random)!]
            case 1: return [randomValue(depth + 1), randomValue(depth + 1)]
            default: return values.randomElement(using: &random)!
            }
        }
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 1..<8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            _ = JSONPathExpression(parsing: text)?.evaluate(randomValue(0))
            let schema = randomSchema(0)
            let value = randomValue(0)
            _ = SchemaValidator().validate(value, schema: schema, path: "")
            _ = StructuralSchema.applyDefaults(StructuralSchema.prune(value, schema: schema).0, schema: schema)
            _ = FieldWalker(schemas: .kubernetes).fieldSet(of: value, schema: schema)
        }
    }
}
