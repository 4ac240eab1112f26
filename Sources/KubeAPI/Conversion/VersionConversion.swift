/// Where a kind served in several versions is converted at the API boundary: writes are stored
/// in the kind's storage version, reads answer in the version asked for. Custom kinds use `None`
/// conversion (``CustomResourceConversion``); HorizontalPodAutoscalers are stored as
/// `autoscaling/v2` and converted field by field for `autoscaling/v1`
/// (``HorizontalPodAutoscalerConversion``); `events.k8s.io/v1` Events are stored as core `v1`
/// Events, as kube-apiserver stores them (``EventConversion``). Every other kind is served in one
/// version.
enum VersionConversion {
    private enum Converted { case horizontalPodAutoscalerV1, eventsV1 }

    private static func converted(_ type: ResourceType) -> Converted? {
        guard type.custom == nil else { return nil }
        switch (type.group, type.version, type.plural) {
        case ("autoscaling", "v1", "horizontalpodautoscalers"): return .horizontalPodAutoscalerV1
        case ("events.k8s.io", "v1", "events"): return .eventsV1
        default: return nil
        }
    }

    /// Whether objects of `type` differ in more than `apiVersion` from how they are stored.
    static func convertsFields(_ type: ResourceType) -> Bool { converted(type) != nil }

    /// The type objects of `type` are stored as: `type` itself unless its fields are converted.
    static func storageType(for type: ResourceType, in registry: ResourceRegistry) -> ResourceType {
        let stored: ResourceType? = switch converted(type) {
        case .horizontalPodAutoscalerV1: registry.lookup(group: "autoscaling", version: "v2", plural: type.plural)
        case .eventsV1: registry.lookup(group: "", version: "v1", plural: "events")
        case nil: nil
        }
        return stored ?? type
    }

    /// `body`, written through `type`, in its storage version.
    static func toStorage(_ body: JSONValue, from type: ResourceType) -> JSONValue {
        switch converted(type) {
        case .horizontalPodAutoscalerV1: HorizontalPodAutoscalerConversion.toV2(body)
        case .eventsV1: EventConversion.toCore(body)
        case nil: body
        }
    }

    /// A stored object or list as `type` serves it.
    static func present(_ value: JSONValue, as type: ResourceType) -> JSONValue {
        switch converted(type) {
        case .horizontalPodAutoscalerV1: return HorizontalPodAutoscalerConversion.toV1(value)
        case .eventsV1: return EventConversion.fromCore(value)
        case nil: break
        }
        if type.custom != nil {
            return value["items"] != nil ? CustomResourceConversion.convertList(value, to: type) : CustomResourceConversion.convert(value, to: type)
        }
        return value
    }

    /// The watch's per-event conversion for `type` (nil when events go out as cached).
    static func presenter(for type: ResourceType) -> (@Sendable (JSONValue) -> JSONValue)? {
        guard convertsFields(type) || type.custom != nil else { return nil }
        return { present($0, as: type) }
    }
}
