/// Kind-specific behaviour the generic registry calls around every write, as kube-apiserver's
/// per-kind strategies do: defaulting, validation, immutable fields, and values that must be
/// unique across objects (cluster IPs, node ports).
protocol ResourceStrategy: Sendable {
    /// Fills defaults and server-set fields of a new object.
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws
    /// Field errors of a new object.
    func validate(_ object: JSONValue) -> [APIError.Cause]
    /// Carries server-owned fields from `old` into `new` and fills defaults.
    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue)
    /// Field errors of an update, including changes to immutable fields.
    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause]
    /// Field errors of a write to the status subresource.
    func validateStatusUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause]
    /// Keys under `/registry/_allocations/` this object holds exclusively.
    func allocations(_ object: JSONValue) -> [String]
    /// Warnings to send with the answer to a write that stored `object`.
    func warnings(for object: JSONValue) -> [String]
}

extension ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {}
    func validate(_ object: JSONValue) -> [APIError.Cause] { [] }
    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {}
    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] { validate(new) }
    func validateStatusUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] { [] }
    func allocations(_ object: JSONValue) -> [String] { [] }
    func warnings(for object: JSONValue) -> [String] { [] }
}

/// Hands out values that must be unique; the registry then claims them atomically with the object.
protocol Allocator: Sendable {
    /// Whether an allocation key is already held.
    func isAllocated(_ key: String) async throws -> Bool
}

/// The strategies of the built-in kinds.
enum Strategies {
    static func strategy(for type: ResourceType) -> (any ResourceStrategy)? {
        if let custom = type.custom { return CustomResourceStrategy(type: type, info: custom) }
        return builtIn(type)
    }

    private static func builtIn(_ type: ResourceType) -> (any ResourceStrategy)? {
        switch (type.group, type.plural) {
        case ("", "pods"): PodStrategy()
        case ("", "services"): ServiceStrategy()
        case ("", "configmaps"): ImmutableDataStrategy(kind: "ConfigMap", fields: ["data", "binaryData"])
        case ("", "secrets"): ImmutableDataStrategy(kind: "Secret", fields: ["data", "type"], defaultType: "Opaque")
        case ("", "replicationcontrollers"): WorkloadStrategy(kind: .replicationController)
        case ("apps", "deployments"): WorkloadStrategy(kind: .deployment)
        case ("apps", "replicasets"): WorkloadStrategy(kind: .replicaSet)
        case ("apps", "statefulsets"): WorkloadStrategy(kind: .statefulSet)
        case ("apps", "daemonsets"): WorkloadStrategy(kind: .daemonSet)
        case ("batch", "jobs"): JobStrategy()
        case ("batch", "cronjobs"): CronJobStrategy()
        case ("autoscaling", "horizontalpodautoscalers"): HorizontalPodAutoscalerStrategy()
        case ("scheduling.k8s.io", "priorityclasses"): PriorityClassStrategy()
        case ("", "nodes"): NodeStrategy()
        case ("", "persistentvolumes"): PersistentVolumeStrategy()
        case ("", "persistentvolumeclaims"): PersistentVolumeClaimStrategy()
        case ("storage.k8s.io", "storageclasses"): StorageClassStrategy()
        case ("apiextensions.k8s.io", "customresourcedefinitions"): CustomResourceDefinitionStrategy()
        case ("apiregistration.k8s.io", "apiservices"): APIServiceStrategy()
        default: nil
        }
    }
}
