/// An error parsing a Kubernetes value: a stable code and kube-apiserver's message.
public struct KubeTypeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The text is not a resource quantity.
        case invalidQuantity
        /// The text is not a label selector.
        case invalidSelector
        /// The bytes are not one YAML document within the decoder's limits.
        case invalidYAML
        /// A node's stats summary is malformed or out of bounds.
        case invalidStats
    }

    /// The code.
    public var code: Code
    /// What went wrong, in kube-apiserver's words.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "code: message".
    public var description: String { "\(code.rawValue): \(message)" }
}
