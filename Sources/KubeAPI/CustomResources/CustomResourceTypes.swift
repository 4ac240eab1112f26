/// The kinds a CustomResourceDefinition serves: one ``ResourceType`` per served version, in
/// kube's version priority order (GA before beta before alpha, higher numbers first).
enum CustomResourceTypes {
    static func types(of definition: JSONValue) -> [ResourceType] {
        let spec = definition["spec"] ?? [:]
        guard let group = spec["group"]?.stringValue, let plural = spec[path: ["names", "plural"]]?.stringValue,
            let kind = spec[path: ["names", "kind"]]?.stringValue, let name = definition[path: ["metadata", "name"]]?.stringValue
        else { return [] }
        let versions = spec["versions"]?.arrayValue ?? []
        guard let storage = versions.first(where: { $0["storage"] == true })?["name"]?.stringValue else { return [] }
        let served = versions.filter { $0["served"] == true }.sorted { priority($0["name"]?.stringValue ?? "") > priority($1["name"]?.stringValue ?? "") }
        return served.compactMap { version in
            guard let versionName = version["name"]?.stringValue else { return nil }
            var subresources: [String] = []
            if version[path: ["subresources", "status"]] != nil { subresources.append("status") }
            var scale: CustomResourceInfo.Scale?
            if let declared = version[path: ["subresources", "scale"]], let specPath = declared["specReplicasPath"]?.stringValue,
                let statusPath = declared["statusReplicasPath"]?.stringValue
            {
                subresources.append("scale")
                scale = .init(specReplicasPath: specPath, statusReplicasPath: statusPath, labelSelectorPath: declared["labelSelectorPath"]?.stringValue)
            }
            var type = ResourceType(
                group: group, version: versionName, kind: kind, plural: plural, namespaced: spec["scope"] == "Namespaced",
                shortNames: spec[path: ["names", "shortNames"]]?.arrayValue?.compactMap(\.stringValue) ?? [], subresources: subresources,
                categories: spec[path: ["names", "categories"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if let singular = spec[path: ["names", "singular"]]?.stringValue, !singular.isEmpty { type.singular = singular }
            type.custom = CustomResourceInfo(
                definition: name, schema: version[path: ["schema", "openAPIV3Schema"]], printerColumns: version["additionalPrinterColumns"]?.arrayValue ?? [],
                storageVersion: storage, scale: scale)
            return type
        }
    }

    /// kube's version priority: `v2` > `v1` > `v2beta1` > `v1beta2` > `v1alpha1` > anything else.
    static func priority(_ version: String) -> (Int, Int, Int) {
        let bytes = Array(version.utf8)
        guard bytes.first == UInt8(ascii: "v") else { return (0, 0, 0) }
        var index = 1
        var major = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, major < 100_000 {
            major = major * 10 + Int(bytes[index] - 48)
            index += 1
        }
        guard index > 1 else { return (0, 0, 0) }
        if index == bytes.count { return (3, major, 0) }
        let rest = String(decoding: bytes[index...], as: UTF8.self)
        for (stage, rank) in [("beta", 2), ("alpha", 1)] where rest.hasPrefix(stage) {
            guard let minor = Int(rest.dropFirst(stage.count)), minor < 100_000 else { return (0, 0, 0) }
            return (rank, major, minor)
        }
        return (0, 0, 0)
    }
}
