internal import KubeTypes

extension SchedulerConfiguration {
    /// Parses and validates a KubeSchedulerConfiguration document (apiVersion
    /// kubescheduler.config.k8s.io/v1), merging each profile's `plugins` with the defaults as
    /// upstream does: `enabled` plugins are appended (or replace a default of the same name,
    /// taking its weight), `disabled` removes them (`"*"` removes all defaults at that point),
    /// and `multiPoint` applies to every point a plugin implements. `pluginConfig` sets args.
    /// - Throws: ``SchedulerError`` naming the offending field, e.g.
    ///   "profiles[0].plugins.score.enabled[0].weight: must be positive".
    public static func load(yaml: String, registry: PluginRegistry = .default) throws(SchedulerError) -> SchedulerConfiguration {
        let root: JSONValue
        // KubeTypes' bounded decoder: a configuration file is input like any other, and aliases
        // must not expand a small file into a huge value.
        do { root = try YAMLValueDecoder().decode(Array(yaml.utf8)) } catch {
            throw SchedulerError(.invalidConfiguration, "not valid YAML: \(error.message)")
        }
        guard let doc = root.objectValue else { throw SchedulerError(.invalidConfiguration, "the document must be a mapping") }
        let known: Set<String> = ["apiVersion", "kind", "profiles", "percentageOfNodesToScore", "podInitialBackoffSeconds",
                                  "podMaxBackoffSeconds", "parallelism", "leaderElection", "clientConnection"]
        for key in doc.keys.sorted() where !known.contains(key) {
            throw SchedulerError(.invalidConfiguration, "\(key): unknown field" + (key == "extenders" ? " (extenders are not supported)" : ""))
        }
        if let v = doc["apiVersion"]?.stringValue, v != "kubescheduler.config.k8s.io/v1" {
            throw SchedulerError(.invalidConfiguration, "apiVersion: \"\(v)\" is not supported (use kubescheduler.config.k8s.io/v1)")
        }
        if let k = doc["kind"]?.stringValue, k != "KubeSchedulerConfiguration" {
            throw SchedulerError(.invalidConfiguration, "kind: must be KubeSchedulerConfiguration, not \"\(k)\"")
        }
        var config = SchedulerConfiguration()
        if let v = doc["percentageOfNodesToScore"] { config.percentageOfNodesToScore = Int32(clamping: try int(v, "percentageOfNodesToScore")) }
        if let v = doc["podInitialBackoffSeconds"] { config.podInitialBackoffSeconds = try int(v, "podInitialBackoffSeconds") }
        if let v = doc["podMaxBackoffSeconds"] { config.podMaxBackoffSeconds = try int(v, "podMaxBackoffSeconds") }
        if let v = doc["parallelism"] { config.parallelism = Int(try int(v, "parallelism")) }
        if let list = doc["profiles"] {
            guard let profiles = list.arrayValue else { throw SchedulerError(.invalidConfiguration, "profiles: must be a list") }
            config.profiles = try profiles.enumerated().map { (i, p) throws(SchedulerError) in try profile(p, path: "profiles[\(i)]", registry: registry) }
        }
        try config.validate(registry: registry)
        return config
    }

    private static func int(_ value: JSONValue, _ path: String) throws(SchedulerError) -> Int64 {
        if case .integer(let i) = value { return i }
        throw SchedulerError(.invalidConfiguration, "\(path): must be an integer")
    }

    private static func profile(_ value: JSONValue, path: String, registry: PluginRegistry) throws(SchedulerError) -> Profile {
        guard let m = value.objectValue else { throw SchedulerError(.invalidConfiguration, "\(path): must be a mapping") }
        for key in m.keys.sorted() where !["schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"].contains(key) {
            throw SchedulerError(.invalidConfiguration, "\(path).\(key): unknown field")
        }
        var profile = Profile.defaultProfile(schedulerName: m["schedulerName"]?.stringValue ?? defaultSchedulerName)
        if let p = m["percentageOfNodesToScore"] { profile.percentageOfNodesToScore = Int32(clamping: try int(p, "\(path).percentageOfNodesToScore")) }
        if let pc = m["pluginConfig"] {
            guard let list = pc.arrayValue else { throw SchedulerError(.invalidConfiguration, "\(path).pluginConfig: must be a list") }
            for (i, item) in list.enumerated() {
                guard let entry = item.objectValue, let name = entry["name"]?.stringValue else {
                    throw SchedulerError(.invalidConfiguration, "\(path).pluginConfig[\(i)].name: required")
                }
                if profile.pluginArgs[name] != nil {
                    throw SchedulerError(.invalidConfiguration, "\(path).pluginConfig[\(i)]: duplicate args for \"\(name)\"")
                }
                profile.pluginArgs[name] = args(entry["args"] ?? .object([:]))
            }
        }
        guard let plugins = m["plugins"] else { return profile }
        guard let sets = plugins.objectValue else { throw SchedulerError(.invalidConfiguration, "\(path).plugins: must be a mapping") }
        for key in sets.keys.sorted() where key != "multiPoint" && ExtensionPoint(rawValue: key) == nil {
            throw SchedulerError(.invalidConfiguration, "\(path).plugins.\(key): unknown extension point")
        }
        if let mp = sets["multiPoint"] {
            let (enabled, disabled) = try pluginSet(mp, path: "\(path).plugins.multiPoint")
            for point in ExtensionPoint.allCases {
                if disabled.contains("*") { profile.plugins[point] = [] }
                profile.plugins[point]?.removeAll { disabled.contains($0.name) }
                for ref in enabled {
                    let plugin = try registry.make(ref.name, context: PluginContext(args: profile.pluginArgs[ref.name], binder: nil))
                    if point.accepts(plugin) { merge(ref, into: &profile, at: point) }
                }
            }
        }
        for point in ExtensionPoint.allCases {
            guard let set = sets[point.rawValue] else { continue }
            let (enabled, disabled) = try pluginSet(set, path: "\(path).plugins.\(point.rawValue)")
            if disabled.contains("*") { profile.plugins[point] = [] }
            profile.plugins[point]?.removeAll { disabled.contains($0.name) }
            for ref in enabled { merge(ref, into: &profile, at: point) }
        }
        return profile
    }

    private static func merge(_ ref: PluginReference, into profile: inout Profile, at point: ExtensionPoint) {
        var list = profile.plugins[point] ?? []
        if let i = list.firstIndex(where: { $0.name == ref.name }) { list[i] = ref } else { list.append(ref) }
        profile.plugins[point] = list
    }

    private static func pluginSet(_ value: JSONValue, path: String) throws(SchedulerError) -> ([PluginReference], Set<String>) {
        guard let m = value.objectValue else { throw SchedulerError(.invalidConfiguration, "\(path): must be a mapping") }
        var enabled: [PluginReference] = []
        var disabled: Set<String> = []
        for (i, item) in (m["enabled"]?.arrayValue ?? []).enumerated() {
            guard let e = item.objectValue, let name = e["name"]?.stringValue, !name.isEmpty else {
                throw SchedulerError(.invalidConfiguration, "\(path).enabled[\(i)].name: required")
            }
            var weight: Int32?
            if let w = e["weight"] {
                let v = try int(w, "\(path).enabled[\(i)].weight")
                guard v > 0 else { throw SchedulerError(.invalidConfiguration, "\(path).enabled[\(i)].weight: must be positive, got \(v) (disable the plugin instead)") }
                weight = Int32(clamping: v)
            }
            enabled.append(PluginReference(name, weight: weight))
        }
        for (i, item) in (m["disabled"]?.arrayValue ?? []).enumerated() {
            guard let e = item.objectValue, let name = e["name"]?.stringValue, !name.isEmpty else {
                throw SchedulerError(.invalidConfiguration, "\(path).disabled[\(i)].name: required")
            }
            disabled.insert(name)
        }
        return (enabled, disabled)
    }

    private static func args(_ value: JSONValue) -> PluginArgs {
        switch value {
        case .bool(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let l): return .list(l.map(args))
        case .object(let m): return .map(m.mapValues(args))
        case .rawJSON(let bytes): return (try? JSONParser().parse(bytes)).map(args) ?? .null
        case .null: return .null
        }
    }
}
