/// An error from the scheduler library: a stable code and a human-readable message.
public struct SchedulerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// A profile breaks a rule (QueueSort count, Bind plugins, weights, unknown plugins...).
        case invalidProfile
        /// The configuration file is malformed or has invalid values.
        case invalidConfiguration
        /// A plugin's arguments are invalid.
        case invalidPluginArgs
        /// The pod or node is unknown to the cache.
        case notFound
        /// The cache was asked for an impossible transition (e.g. assuming a pod twice).
        case invalidState
    }
    /// The code.
    public var code: Code
    /// What went wrong, for humans.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "code: message".
    public var description: String { "\(code.rawValue): \(message)" }
}
