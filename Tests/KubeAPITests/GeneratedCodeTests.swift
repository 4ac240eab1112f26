import DaaSTestSupport
import Foundation
import Testing

/// Every generated file is what its generator, run on the committed inputs, produces now.
@Suite("Generated code is up to date", .blockingWaits)
struct GeneratedCodeTests {
    static let fixtures = repositoryRoot().appendingPathComponent("Tests/KubeAPITests/Fixtures").path

    /// Runs `scripts/<script> --check <arguments>`, whose inputs must exist.
    func check(_ script: String, _ inputs: [String]) throws {
        for input in inputs {
            try #require(FileManager.default.fileExists(atPath: input), "the generator input \(input) is missing")
        }
        let result = try run("/usr/bin/env", ["python3", repositoryRoot().appendingPathComponent("scripts/\(script)").path, "--check"] + inputs, timeout: 120)
        #expect(result.status == 0, "run scripts/\(script) to regenerate: \(result.error)")
    }

    @Test("the Swift models match the Kubernetes spec")
    func models() throws {
        try check("generate-models.py", [Self.fixtures + "/swagger.json"])
    }

    @Test("definitions.json matches the Kubernetes spec")
    func definitions() throws {
        try check("generate-openapi-definitions.py", [Self.fixtures + "/swagger.json"])
    }

    @Test("the protobuf schema matches k8s.io/api and k8s.io/apimachinery v0.32.9")
    func protobufSchema() throws {
        try check("generate-proto-schema.py", [Self.fixtures + "/proto-v0.32.9/api", Self.fixtures + "/proto-v0.32.9/apimachinery"])
    }
}
