public import KubeTypes
/// A change an informer delivers to its handlers.
public enum InformerEvent: Sendable {
    case added(JSONValue)
    case updated(old: JSONValue, new: JSONValue)
    case deleted(JSONValue)

    /// The object after the change (the last known state for a delete).
    public var object: JSONValue {
        switch self {
        case .added(let object), .deleted(let object): object
        case .updated(_, let new): new
        }
    }
}
