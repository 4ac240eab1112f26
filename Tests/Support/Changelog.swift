import Foundation

/// The version of the newest released entry (`## X.Y.Z`) in Docs/changelogs/<library>.md; an
/// `## Unreleased` section collects changes for the next version and is skipped.
public func changelogVersion(of library: String, file: StaticString = #filePath) -> String? {
    let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("Docs/changelogs/\(library).md").path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return text.split(separator: "\n").first { $0.hasPrefix("## ") && $0 != "## Unreleased" }.map { String($0.dropFirst(3)) }
}
