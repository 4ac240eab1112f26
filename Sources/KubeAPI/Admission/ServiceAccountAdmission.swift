/// kube-apiserver's ServiceAccount admission plugin, for pods being created (mirror pods
/// excepted): `spec.serviceAccountName` defaults to `default`; the account must exist in the
/// pod's namespace, else 403 (`error looking up service account <ns>/<name>: serviceaccount
/// "<name>" not found`); and unless the pod or, when the pod does not say, the account sets
/// `automountServiceAccountToken: false`, the token volume of ``ServiceAccountVolume`` is mounted.
///
/// The `default` account is created by a controller right after its namespace, so a pod that
/// names it is given a short while (10 lookups, 100 to 200 ms apart, as upstream did) before it
/// is refused; any other account is looked up once.
struct ServiceAccountAdmission: AdmissionPlugin {
    /// Reads the accounts.
    let objects: ObjectStore
    /// Lookups of the `default` account before a pod is refused.
    var defaultAccountAttempts = 10

    func mutate(_ attributes: inout AdmissionAttributes) async throws {
        guard attributes.operation == .create, attributes.subresource == nil, attributes.type.group.isEmpty, attributes.type.plural == "pods",
            let namespace = attributes.namespace, var pod = attributes.object,
            pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] == nil
        else { return }
        var spec = pod["spec"] ?? [:]
        let given = spec["serviceAccountName"]?.stringValue ?? spec["serviceAccount"]?.stringValue ?? ""
        let accountName = given.isEmpty ? "default" : given
        spec["serviceAccountName"] = .string(accountName)
        let account = try await lookUp(accountName, namespace: namespace, attributes: attributes)
        let automount = spec["automountServiceAccountToken"]?.boolValue ?? account["automountServiceAccountToken"]?.boolValue ?? true
        if automount { ServiceAccountVolume.add(to: &spec) }
        pod["spec"] = spec
        attributes.object = pod
    }

    private func lookUp(_ name: String, namespace: String, attributes: AdmissionAttributes) async throws -> JSONValue {
        let accounts = objects.registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!
        // The watch cache first (upstream reads a lister), the store when the cache has none.
        if let account = await objects.cachedGet(accounts, namespace: namespace, name: name) { return account }
        let attempts = name == "default" ? max(1, defaultAccountAttempts) : 1
        for attempt in 1...attempts {
            do {
                return try await objects.get(accounts, namespace: namespace, name: name)
            } catch let error as APIError where error.code == 404 {
                if attempt == attempts {
                    throw attributes.forbidden("error looking up service account \(namespace)/\(name): serviceaccount \(APIError.quoted(name)) not found")
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...200)))
            }
        }
        throw APIError.internalError("service account lookup did not finish")
    }
}
