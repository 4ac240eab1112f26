public import Foundation

/// The directory holding the built products (the test bundle's own directory).
public var productsDirectory: URL {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: executable).deletingLastPathComponent()
}

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable {
    /// Standard output.
    public var output: String
    /// Standard error.
    public var error: String
    /// The exit status.
    public var status: Int32
}

/// Runs the built product `name` with `arguments` and waits for it.
public func runProduct(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    try run(productsDirectory.appendingPathComponent(name).path, arguments, environment: environment)
}
