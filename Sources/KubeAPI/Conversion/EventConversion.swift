/// `events.k8s.io/v1` Events are stored as core `v1` Events, as kube-apiserver stores them, and
/// converted at the API boundary field by field.
enum EventConversion {
    /// events.k8s.io/v1 field -> core/v1 field, for the fields whose names differ.
    static let renamed: [(String, String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"), ("reportingController", "reportingComponent"),
    ]

    /// An events.k8s.io/v1 Event as a core/v1 Event.
    static func toCore(_ event: JSONValue) -> JSONValue {
        var out = event
        for (modern, core) in renamed {
            out[core] = event[modern]
            out[modern] = nil
        }
        out["apiVersion"] = "v1"
        return out
    }

    /// A core/v1 Event (or EventList) as its events.k8s.io/v1 form.
    static func fromCore(_ value: JSONValue) -> JSONValue {
        switch value["kind"]?.stringValue {
        case "EventList":
            var list = value
            list["apiVersion"] = "events.k8s.io/v1"
            list["items"] = .array((value["items"]?.arrayValue ?? []).map(fromCore))
            return list
        case "Event":
            var out = value
            for (modern, core) in renamed {
                out[modern] = value[core]
                out[core] = nil
            }
            out["apiVersion"] = "events.k8s.io/v1"
            return out
        default:
            return value
        }
    }
}
