/// The one error type of Agent: a stable ``Code`` and a human message (never a token).
public struct AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for one kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The dotted identifier.
        public let rawValue: String
        /// Wraps a raw identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw identifier.
        public var description: String { rawValue }

        /// The configuration is unusable (bad URL, node name or CA).
        public static let invalidConfiguration = Code(rawValue: "agent.invalid_configuration")
        /// The API server could not be reached.
        public static let unreachable = Code(rawValue: "agent.unreachable")
        /// The API server refused a request; the message carries its Status message.
        public static let refused = Code(rawValue: "agent.refused")
        /// The credentials provider failed to produce a token.
        public static let credentials = Code(rawValue: "agent.credentials")
        /// The container runtime (CRI) failed or refused a call; the message carries its reason.
        public static let runtime = Code(rawValue: "agent.runtime")
    }

    /// What failed.
    public var code: Code
    /// A one-line explanation.
    public var message: String
    /// The HTTP status of a refusal (``Code-swift.struct/refused``), when there was one.
    public var status: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
