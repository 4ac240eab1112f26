import Foundation

/// The repository's fixture files, which seed the mutations: real Kubernetes, Sui and Nitro data.
enum FixtureFiles {
    /// The repository root: `--fixtures-root`, else the checkout this executable was built from.
    nonisolated(unsafe) static var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The bytes of `relative` (a path from the repository root); a missing file is an error.
    static func read(_ relative: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: root + "/" + relative) else {
            throw Missing(description: "fixture \(root)/\(relative) is missing (give --fixtures-root)")
        }
        return Array(data)
    }

    /// The files in `relative` whose names end in `suffix`, sorted.
    static func list(_ relative: String, suffix: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/" + relative)
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { relative + "/" + $0 }
    }
}
