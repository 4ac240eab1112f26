/// The result of running a plugin, as upstream's `framework.Status`.
public struct Status: Error, Sendable, Hashable, CustomStringConvertible {
    /// Status codes.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The plugin ran and the pod may proceed.
        case success = "Success"
        /// An internal error; the pod is retried with backoff.
        case error = "Error"
        /// The pod does not fit, but preemption (or a cluster change) may help.
        case unschedulable = "Unschedulable"
        /// The pod does not fit and preemption cannot help on this node.
        case unschedulableAndUnresolvable = "UnschedulableAndUnresolvable"
        /// Permit: the pod waits for approval.
        case wait = "Wait"
        /// The plugin does not apply to this pod; later stages skip it (PreFilter, PreScore, Bind).
        case skip = "Skip"
        /// PreEnqueue: the pod waits (e.g. gated) until a later event.
        case pending = "Pending"
    }
    /// The code.
    public var code: Code
    /// Human-readable reasons (upstream prints each as a FailedScheduling reason).
    public var reasons: [String]
    /// The plugin that returned the status, once the framework has recorded it.
    public var plugin: String?

    /// A status.
    public init(_ code: Code, _ reasons: String..., plugin: String? = nil) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    /// A status with a list of reasons.
    public init(_ code: Code, reasons: [String], plugin: String? = nil) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    /// Success.
    public static let success = Status(.success)
    /// Skip.
    public static let skip = Status(.skip)

    /// Whether the code is success.
    public var isSuccess: Bool { code == .success }
    /// Whether the code is Unschedulable or UnschedulableAndUnresolvable.
    public var isRejected: Bool { code == .unschedulable || code == .unschedulableAndUnresolvable }

    /// The reasons joined with ", ".
    public var message: String { reasons.joined(separator: ", ") }

    /// "Code: reasons".
    public var description: String { reasons.isEmpty ? code.rawValue : "\(code.rawValue): \(message)" }

    func withPlugin(_ name: String) -> Status {
        var s = self
        if s.plugin == nil { s.plugin = name }
        return s
    }
}
