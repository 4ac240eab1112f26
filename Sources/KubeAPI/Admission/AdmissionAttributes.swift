/// What a write asks for, as admission plugins see it (kube-apiserver's `admission.Attributes`).
public struct AdmissionAttributes: Sendable {
    /// The kind of write.
    public enum Operation: String, Sendable {
        case create = "CREATE"
        case update = "UPDATE"
        case delete = "DELETE"
    }

    /// The kind of write.
    public var operation: Operation
    /// The resource written.
    public var type: ResourceType
    /// The object's namespace, for namespaced kinds.
    public var namespace: String?
    /// The object's name (generated names are filled in before admission).
    public var name: String
    /// The subresource written (`status`), if any.
    public var subresource: String?
    /// The identity making the request.
    public var user: UserInfo
    /// Whether the write is a dry run (admission runs, nothing is stored).
    public var dryRun: Bool
    /// The object as it will be stored (nil for a delete).
    public var object: JSONValue?
    /// The object as stored now (nil for a create).
    public var oldObject: JSONValue?

    /// Creates attributes.
    public init(
        operation: Operation, type: ResourceType, namespace: String?, name: String, subresource: String? = nil, user: UserInfo, dryRun: Bool = false,
        object: JSONValue? = nil, oldObject: JSONValue? = nil
    ) {
        self.operation = operation
        self.type = type
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.user = user
        self.dryRun = dryRun
        self.object = object
        self.oldObject = oldObject
    }
}

extension AdmissionAttributes {
    /// A refusal in kube's `NewForbidden` form: `<resource>[.<group>] "<name>" is forbidden:
    /// <reason>`, 403, with the name, group (when there is one) and resource in the details.
    func forbidden(_ reason: String) -> APIError {
        var details: JSONValue = ["name": .string(name), "kind": .string(type.plural)]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        return APIError(code: 403, reason: "Forbidden", message: "\(type.groupResource) \(APIError.quoted(name)) is forbidden: \(reason)", details: details)
    }
}
