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

/// Who a write is made for, as admission sees it. The plugins themselves belong to the
/// ``ObjectStore`` (its ``AdmissionChain``), so a write from a client and a write from a
/// controller run the same chain.
public struct Admission: Sendable {
    /// Who is writing.
    public var user: UserInfo

    /// Admission for `user`.
    public init(user: UserInfo) {
        self.user = user
    }

    /// The built-in controllers' and the scheduler's in-process writes (kube-controller-manager
    /// and kube-scheduler authenticate as `system:kube-controller-manager` / `system:kube-scheduler`
    /// with their own roles; here they run inside the master, with its rights).
    public static let controllers = Admission(user: UserInfo(name: "system:kube-controller-manager", groups: ["system:masters", "system:authenticated"]))
}

/// The admission plugins every write runs, in order: mutation before the kind's defaulting and
/// validation, validation after them (kube-apiserver's admission chain).
struct AdmissionChain: Sendable {
    /// The plugins, mutated and validated in this order.
    var plugins: [any AdmissionPlugin]

    /// kube-apiserver's plugins that apply here: ServiceAccount, Priority and DefaultStorageClass
    /// (which read accounts and classes through `objects`), StorageObjectInUseProtection,
    /// NodeRestriction and RBAC escalation prevention.
    static func builtIn(objects: ObjectStore) -> AdmissionChain {
        AdmissionChain(plugins: [
            ServiceAccountAdmission(objects: objects), PriorityAdmission(objects: objects), DefaultStorageClass(objects: objects),
            StorageObjectInUseProtection(), NodeRestriction(),
            RBACEscalation(authorizer: RequestAuthorizer(objects: objects)),
        ])
    }

    /// Runs every plugin's mutation on `object` and returns it.
    func mutate(
        _ operation: AdmissionAttributes.Operation, _ type: ResourceType, namespace: String?, name: String, subresource: String?,
        options admission: Admission?, dryRun: Bool, object: JSONValue, old: JSONValue?
    ) async throws -> JSONValue {
        var attributes = AdmissionAttributes(
            operation: operation, type: type, namespace: namespace, name: name, subresource: subresource, user: (admission ?? .controllers).user,
            dryRun: dryRun, object: object, oldObject: old)
        for plugin in plugins { try await plugin.mutate(&attributes) }
        return attributes.object ?? object
    }

    /// Runs every plugin's validation.
    func validate(
        _ operation: AdmissionAttributes.Operation, _ type: ResourceType, namespace: String?, name: String, subresource: String?,
        options admission: Admission?, dryRun: Bool, object: JSONValue?, old: JSONValue?
    ) async throws {
        let attributes = AdmissionAttributes(
            operation: operation, type: type, namespace: namespace, name: name, subresource: subresource, user: (admission ?? .controllers).user,
            dryRun: dryRun, object: object, oldObject: old)
        for plugin in plugins { try await plugin.validate(attributes) }
    }
}
