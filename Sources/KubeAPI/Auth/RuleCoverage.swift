/// Whether one set of RBAC rules covers another, as kube's `validation.Covers`: every rule the
/// servant set grants, broken into single verb / group / resource / name (or URL) grants, must be
/// granted by some owner rule. A servant's `*` is covered only by an owner's `*`.
enum RuleCoverage {
    /// One indivisible grant.
    struct Grant: Hashable {
        var verb: String
        var group: String?
        var resource: String?
        var name: String?
        var url: String?
    }

    /// The servant grants no owner rule covers; empty when the owner covers everything.
    static func missing(owner: [JSONValue], servant: [JSONValue]) -> [Grant] {
        var missing: [Grant] = []
        for rule in servant {
            for grant in grants(of: rule) where !owner.contains(where: { covers($0, grant) }) {
                if !missing.contains(grant) { missing.append(grant) }
            }
        }
        return missing
    }

    private static func strings(_ rule: JSONValue, _ key: String) -> [String] { (rule[key]?.arrayValue ?? []).compactMap(\.stringValue) }

    /// `rule` broken into single grants.
    static func grants(of rule: JSONValue) -> [Grant] {
        var out: [Grant] = []
        let verbs = strings(rule, "verbs")
        for url in strings(rule, "nonResourceURLs") {
            for verb in verbs { out.append(Grant(verb: verb, url: url)) }
        }
        let names = strings(rule, "resourceNames")
        for group in strings(rule, "apiGroups") {
            for resource in strings(rule, "resources") {
                for verb in verbs {
                    if names.isEmpty {
                        out.append(Grant(verb: verb, group: group, resource: resource))
                    } else {
                        for name in names { out.append(Grant(verb: verb, group: group, resource: resource, name: name)) }
                    }
                }
            }
        }
        return out
    }

    /// Whether owner rule `rule` grants `grant`.
    static func covers(_ rule: JSONValue, _ grant: Grant) -> Bool {
        let verbs = strings(rule, "verbs")
        guard verbs.contains("*") || verbs.contains(grant.verb) else { return false }
        if let url = grant.url {
            return strings(rule, "nonResourceURLs").contains { owned in
                owned == "*" || owned == url || (owned.hasSuffix("*") && url.hasPrefix(String(owned.dropLast())))
            }
        }
        guard let group = grant.group, let resource = grant.resource else { return false }
        let groups = strings(rule, "apiGroups")
        guard groups.contains("*") || groups.contains(group) else { return false }
        let resources = strings(rule, "resources")
        let resourceCovered = resources.contains("*") || resources.contains(resource)
            || (resource.split(separator: "/", maxSplits: 1).count == 2 && resources.contains("*/" + resource.split(separator: "/", maxSplits: 1)[1]))
        guard resourceCovered else { return false }
        let names = strings(rule, "resourceNames")
        return names.isEmpty || (grant.name.map(names.contains) ?? false)
    }

    /// kube's description of the missing grants: verbs of grants that differ only in verb are
    /// merged, each rule printed as `{APIGroups:["g"], Resources:["r"], ResourceNames:["n"],
    /// NonResourceURLs:["/u"], Verbs:["get" "list"]}`, sorted, one per line.
    static func describe(_ grants: [Grant]) -> String {
        struct Key: Hashable { var group: String?; var resource: String?; var name: String?; var url: String? }
        var verbs: [Key: [String]] = [:]
        for grant in grants { verbs[Key(group: grant.group, resource: grant.resource, name: grant.name, url: grant.url), default: []].append(grant.verb) }
        func quoted(_ values: [String]) -> String { "[" + values.map { "\"\($0)\"" }.joined(separator: " ") + "]" }
        let lines = verbs.map { key, verbs -> String in
            var parts: [String] = []
            if let group = key.group { parts.append("APIGroups:" + quoted([group])) }
            if let resource = key.resource { parts.append("Resources:" + quoted([resource])) }
            if let url = key.url { parts.append("NonResourceURLs:" + quoted([url])) }
            if let name = key.name { parts.append("ResourceNames:" + quoted([name])) }
            parts.append("Verbs:" + quoted(verbs))
            return "{" + parts.joined(separator: ", ") + "}"
        }
        return lines.sorted().joined(separator: "\n")
    }
}
