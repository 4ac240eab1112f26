/// kube-apiserver's Priority admission plugin. A pod being created gets `spec.priority` and
/// `spec.preemptionPolicy` from the PriorityClass it names (403 when there is none of that name),
/// or from the global default class (the lowest-valued one if several), else 0 and
/// `PreemptLowerPriority`; a pod that states a different priority or policy than its class is
/// refused. An update keeps what creation set. Only one PriorityClass may be `globalDefault`.
struct PriorityAdmission: AdmissionPlugin {
    /// Reads the classes.
    let objects: ObjectStore

    private var classType: ResourceType { objects.registry.lookup(group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses")! }

    func mutate(_ attributes: inout AdmissionAttributes) async throws {
        guard attributes.type.group.isEmpty, attributes.type.plural == "pods", attributes.subresource == nil, var pod = attributes.object else { return }
        var spec = pod["spec"] ?? [:]
        switch attributes.operation {
        case .update:
            // Validation forbids changing them; an update that leaves them out keeps them.
            for key in ["priority", "preemptionPolicy"] where spec[key] == nil { spec[key] = attributes.oldObject?[path: ["spec", key]] }
        case .create:
            let className = spec["priorityClassName"]?.stringValue ?? ""
            let priorityClass: JSONValue?
            if className.isEmpty {
                priorityClass = try await globalDefault()
                if let priorityClass { spec["priorityClassName"] = priorityClass[path: ["metadata", "name"]] }
            } else {
                do {
                    // The watch cache first (upstream reads a lister), the store when it has none.
                    if let cached = await objects.cachedGet(classType, namespace: nil, name: className) {
                        priorityClass = cached
                    } else {
                        priorityClass = try await objects.get(classType, namespace: nil, name: className)
                    }
                } catch let error as APIError where error.code == 404 {
                    throw attributes.forbidden("no PriorityClass with name \(className) was found")
                }
            }
            let priority = priorityClass?["value"]?.integerValue ?? 0
            let policy = priorityClass?["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority"
            if let given = spec["priority"]?.integerValue, given != priority {
                throw attributes.forbidden(
                    "the integer value of priority (\(given)) must not be provided in pod spec; priority admission controller computed \(priority) from the given PriorityClass name")
            }
            if let given = spec["preemptionPolicy"]?.stringValue, given != policy {
                throw attributes.forbidden(
                    "the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority admission controller computed \(policy) from the given PriorityClass name")
            }
            spec["priority"] = .integer(priority)
            spec["preemptionPolicy"] = .string(policy)
        case .delete:
            return
        }
        pod["spec"] = spec
        attributes.object = pod
    }

    func validate(_ attributes: AdmissionAttributes) async throws {
        guard attributes.type.group == "scheduling.k8s.io", attributes.type.plural == "priorityclasses", attributes.operation != .delete,
            attributes.object?["globalDefault"]?.boolValue == true
        else { return }
        let others = try await classes().filter { $0["globalDefault"]?.boolValue == true && $0[path: ["metadata", "name"]]?.stringValue != attributes.name }
        if let existing = others.first?[path: ["metadata", "name"]]?.stringValue {
            throw attributes.forbidden("PriorityClass \(existing) is already marked as default. Only one default can exist")
        }
    }

    /// The global default class: the lowest value among those marked default.
    private func globalDefault() async throws -> JSONValue? {
        try await classes().filter { $0["globalDefault"]?.boolValue == true }.min { ($0["value"]?.integerValue ?? 0) < ($1["value"]?.integerValue ?? 0) }
    }

    /// Every class, from the watch cache (as upstream reads them from an informer's lister).
    private func classes() async throws -> [JSONValue] {
        var options = ObjectStore.ListOptions()
        options.allowStale = true
        return try await objects.list(classType, namespace: nil, options: options)["items"]?.arrayValue ?? []
    }
}
