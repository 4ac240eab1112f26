/// One admission step, as kube-apiserver's admission plugins: it may change the object a write
/// stores (mutation runs before the kind's defaulting and validation), and may refuse the write
/// (validation runs after them, on the final object). Refusals are ``APIError``s, usually 403.
public protocol AdmissionPlugin: Sendable {
    /// Changes `attributes.object` before the kind's own defaulting and validation.
    func mutate(_ attributes: inout AdmissionAttributes) async throws
    /// Refuses the write by throwing; runs on the object as it will be stored.
    func validate(_ attributes: AdmissionAttributes) async throws
}

extension AdmissionPlugin {
    public func mutate(_ attributes: inout AdmissionAttributes) async throws {}
    public func validate(_ attributes: AdmissionAttributes) async throws {}
}

/// The admission chain one request runs: the plugins in order, for one user.
public struct Admission: Sendable {
    /// The plugins, mutated and validated in this order.
    public var plugins: [any AdmissionPlugin]
    /// Who is writing.
    public var user: UserInfo

    /// Creates a chain for `user`.
    public init(plugins: [any AdmissionPlugin], user: UserInfo) {
        self.plugins = plugins
        self.user = user
    }

    /// Runs every plugin's mutation on `object` and returns it.
    func mutate(
        _ operation: AdmissionAttributes.Operation, _ type: ResourceType, namespace: String?, name: String, subresource: String?, dryRun: Bool,
        object: JSONValue, old: JSONValue?
    ) async throws -> JSONValue {
        var attributes = AdmissionAttributes(
            operation: operation, type: type, namespace: namespace, name: name, subresource: subresource, user: user, dryRun: dryRun, object: object,
            oldObject: old)
        for plugin in plugins { try await plugin.mutate(&attributes) }
        return attributes.object ?? object
    }

    /// Runs every plugin's validation.
    func validate(
        _ operation: AdmissionAttributes.Operation, _ type: ResourceType, namespace: String?, name: String, subresource: String?, dryRun: Bool,
        object: JSONValue?, old: JSONValue?
    ) async throws {
        let attributes = AdmissionAttributes(
            operation: operation, type: type, namespace: namespace, name: name, subresource: subresource, user: user, dryRun: dryRun, object: object,
            oldObject: old)
        for plugin in plugins { try await plugin.validate(attributes) }
    }
}
