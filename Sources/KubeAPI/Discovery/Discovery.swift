/// The discovery documents kubectl reads to learn what the server serves.
enum Discovery {
    /// `/api`.
    static func coreVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    /// `/apis`.
    /// `remote` holds the resource lists of extension API servers by `group/version`.
    static func groups(_ registry: ResourceRegistry, remote: [String: JSONValue] = [:]) -> JSONValue {
        let names = registry.groups + remoteGroups(remote, excluding: registry)
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(names.map { group(registry, $0, remote: remote) })]
    }

    /// The groups only extension servers serve, sorted.
    static func remoteGroups(_ remote: [String: JSONValue], excluding registry: ResourceRegistry) -> [String] {
        Set(remote.keys.compactMap { $0.split(separator: "/").first.map(String.init) }).subtracting(registry.groups).sorted()
    }

    /// The versions of `group` extension servers serve.
    private static func remoteVersions(_ remote: [String: JSONValue], of group: String) -> [String] {
        remote.keys.filter { $0.hasPrefix(group + "/") }.map { String($0.dropFirst(group.count + 1)) }.sorted { CustomResourceTypes.priority($0) > CustomResourceTypes.priority($1) }
    }

    /// `/apis/<group>`.
    static func group(_ registry: ResourceRegistry, _ name: String, remote: [String: JSONValue] = [:]) -> JSONValue {
        let served = registry.versions(of: name)
        let versions = (served.isEmpty ? remoteVersions(remote, of: name) : served).map { JSONValue.object(["groupVersion": .string("\(name)/\($0)"), "version": .string($0)]) }
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(versions), "preferredVersion": versions.first ?? .null]
    }

    /// `/api/v1` or `/apis/<group>/<version>`.
    static func resources(_ registry: ResourceRegistry, group: String, version: String) -> JSONValue? {
        let types = registry.types.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types {
            var entry: JSONValue = [
                "name": .string(type.plural), "singularName": .string(type.singular), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": .array(type.verbs.map { .string($0) }),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
            resources.append(entry)
            for subresource in type.subresources {
                let served = Self.subresource(subresource, of: type)
                var sub: JSONValue = [
                    "name": .string("\(type.plural)/\(subresource)"), "singularName": "", "namespaced": .bool(type.namespaced),
                    "kind": .string(served.kind), "verbs": .array(served.verbs.map { .string($0) }),
                ]
                // The legacy list names group and version only where they differ from the parent's.
                if served.group != type.group || served.version != type.version {
                    sub["group"] = .string(served.group)
                    sub["version"] = .string(served.version)
                }
                resources.append(sub)
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion), "resources": .array(resources)]
    }

    /// What a subresource of `type` answers with and which verbs it serves, for both discovery
    /// documents: `status` and the like are the parent's kind.
    static func subresource(_ name: String, of type: ResourceType) -> (group: String, version: String, kind: String, verbs: [String]) {
        switch name {
        case "scale": ("autoscaling", "v1", "Scale", ["get", "patch", "update"])
        case "binding": ("", "v1", "Binding", ["create"])
        case "eviction": ("policy", "v1", "Eviction", ["create"])
        case "token": ("authentication.k8s.io", "v1", "TokenRequest", ["create"])
        default: (type.group, type.version, type.kind, ["get", "patch", "update"])
        }
    }

    /// The media type of aggregated discovery documents.
    static let aggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// Whether an `Accept` header asks for aggregated discovery (v2).
    static func wantsAggregated(_ accept: String?) -> Bool {
        (accept ?? "").split(separator: ",").contains { $0.contains("g=apidiscovery.k8s.io") && $0.contains("as=APIGroupDiscoveryList") }
    }

    /// `/api` (`core: true`) or `/apis` as an `APIGroupDiscoveryList`: every group, version and
    /// resource in one document, as kubectl prefers.
    static func aggregated(_ registry: ResourceRegistry, core: Bool, remote: [String: JSONValue] = [:]) -> JSONValue {
        let groups = core ? [""] : registry.groups
        var items: [JSONValue] = groups.map { group in
            let versions: [JSONValue] = registry.versions(of: group).map { version in
                let resources: [JSONValue] = registry.types.filter { $0.group == group && $0.version == version }.map { type in
                    var entry: JSONValue = [
                        "resource": .string(type.plural),
                        "responseKind": ["group": .string(group), "version": .string(version), "kind": .string(type.kind)],
                        "scope": type.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(type.singular),
                        "verbs": .array(type.verbs.map { .string($0) }),
                    ]
                    if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
                    if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
                    if !type.subresources.isEmpty {
                        entry["subresources"] = .array(type.subresources.map { subresource in
                            let served = Self.subresource(subresource, of: type)
                            return [
                                "subresource": .string(subresource),
                                "responseKind": ["group": .string(served.group), "version": .string(served.version), "kind": .string(served.kind)],
                                "verbs": .array(served.verbs.map { .string($0) }),
                            ]
                        })
                    }
                    return entry
                }
                return ["version": .string(version), "resources": .array(resources), "freshness": "Current"]
            }
            return ["metadata": ["name": .string(group), "creationTimestamp": .null], "versions": .array(versions)]
        }
        if !core {
            for group in remoteGroups(remote, excluding: registry) {
                let versions: [JSONValue] = remoteVersions(remote, of: group).map { version in
                    ["version": .string(version), "resources": .array(aggregatedResources(remote["\(group)/\(version)"] ?? [:], group: group, version: version)), "freshness": "Current"]
                }
                items.append(["metadata": ["name": .string(group), "creationTimestamp": .null], "versions": .array(versions)])
            }
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:], "items": .array(items)]
    }

    /// An extension server's `APIResourceList` in the aggregated form.
    private static func aggregatedResources(_ list: JSONValue, group: String, version: String) -> [JSONValue] {
        let resources = list["resources"]?.arrayValue ?? []
        return resources.compactMap { resource -> JSONValue? in
            guard let name = resource["name"]?.stringValue, !name.contains("/") else { return nil }
            var entry: JSONValue = [
                "resource": .string(name),
                "responseKind": ["group": .string(group), "version": .string(version), "kind": resource["kind"] ?? ""],
                "scope": resource["namespaced"] == true ? "Namespaced" : "Cluster", "singularResource": resource["singularName"] ?? "",
                "verbs": resource["verbs"] ?? [],
            ]
            for key in ["shortNames", "categories"] where resource[key] != nil { entry[key] = resource[key] }
            let subresources: [JSONValue] = resources.compactMap { sub in
                guard let full = sub["name"]?.stringValue, full.hasPrefix(name + "/") else { return nil }
                return [
                    "subresource": .string(String(full.dropFirst(name.count + 1))),
                    "responseKind": ["group": .string(group), "version": .string(version), "kind": sub["kind"] ?? ""], "verbs": sub["verbs"] ?? [],
                ]
            }
            if !subresources.isEmpty { entry["subresources"] = .array(subresources) }
            return entry
        }
    }

    /// `/version`: the Kubernetes version whose API this server follows.
    static let version: JSONValue = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0+k3s-daas", "gitCommit": "", "gitTreeState": "clean",
        "buildDate": "2026-11-25T00:00:00Z", "goVersion": "swift6.3", "compiler": "swiftc", "platform": "linux/amd64",
    ]
}
