import DaaSTestSupport
import Foundation
@testable import SuiClient
import Testing

/// The documents SuiGraphQLReader sends, checked against Sui's schema with graphql-core
/// (installed by scripts/install-deps.sh into the project's `.build-python` venv).
@Suite("GraphQL query documents", .blockingWaits)
struct SuiGraphQLQueryTests {
    /// The venv's interpreter (`make test` creates it).
    static let python = repositoryRoot()
        .appendingPathComponent(".build-python/bin/python").path

    static let validator = """
        import json, sys
        from graphql import build_schema, parse, validate
        schema = build_schema(open(sys.argv[1]).read())
        failures = []
        for name, text in json.load(open(sys.argv[2])).items():
            errors = validate(schema, parse(text))
            failures += [f"{name}: {e.message}" for e in errors]
        print("\\n".join(failures))
        sys.exit(1 if failures else 0)
        """

    @Test("every document is under 5 KB and names its operation")
    func sizes() {
        for (name, document) in SuiGraphQLQueries.all {
            #expect(document.utf8.count < 5000, "\(name)")
            #expect(SuiGraphQLQueries.operationName(of: document) == name)
        }
    }

    @Test("every document validates against schema.graphql")
    func validatesAgainstSchema() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sui-queries-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let documents = SuiValue.object(SuiGraphQLQueries.all.mapValues { .string($0) })
        try Data(documents.jsonText.utf8).write(to: file)
        let schema = SuiFixtures.directory.appendingPathComponent("graphql/schema.graphql").path
        let result = try run(Self.python, ["-c", Self.validator, schema, file.path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
    }
}
